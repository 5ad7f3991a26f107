import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AccountDetail, ActionResult, CaseView, SearchResult, VerifyResult } from '../../../src-main/common/dto';
import type { ApiError, Result } from '../../../src-main/common/result';
import { accountDetail, sentCase, verifiedCase, caseView, sessionInfo } from './case-fixtures';
import * as __stores_session from '../../../src-renderer/src/stores/session';
import * as __stores_search from '../../../src-renderer/src/stores/search';
import * as __stores_case from '../../../src-renderer/src/stores/case';

// The stores talk to the contract through bridge.ts; here the bridge is a set of mocks.
const api = vi.hoisted(() => ({
  cases: { open: vi.fn(), get: vi.fn(), sendCode: vi.fn(), verifyCode: vi.fn(), close: vi.fn(), gate: vi.fn() },
  actions: { unlock: vi.fn(), resetPassword: vi.fn() },
  directory: { search: vi.fn(), getAccount: vi.fn() },
  session: { current: vi.fn(), signIn: vi.fn(), signOut: vi.fn() },
}));
vi.mock('../../../src-renderer/src/bridge', () => ({ api, inElectron: false, onSessionLocked: () => undefined }));
// The renderer's `@common/*` alias is the bundler's (tsconfig.web.json); here it points at the same file.

interface ActionOutcome {
  result: ActionResult;
  account: AccountDetail | null;
}
interface CaseStore {
  current: CaseView | null;
  busy: string | null;
  error: ApiError | null;
  verified: boolean;
  confirming: 'unlock' | 'reset' | 'contact' | null;
  outcome: ActionOutcome | null;
  actionError: ApiError | null;
  begin(id: string, name: string): Promise<void>;
  open(reason: string): Promise<boolean>;
  send(): Promise<boolean>;
  verify(code: string): Promise<boolean>;
  abandon(): Promise<void>;
  finish(): Promise<boolean>;
  ask(action: 'unlock' | 'reset'): boolean;
  cancelAsk(keepError?: boolean): void;
  act(): Promise<boolean>;
}
interface SearchStore {
  result: SearchResult | null;
  openId: string | null;
  account: AccountDetail | null;
  accountLoading: boolean;
  loadAccount(id: string | null): Promise<void>;
  updateAccount(detail: AccountDetail): void;
  enterChoice: { kind: 'open'; item: SearchResult['items'][number] } | { kind: 'choose'; name: string; count: number } | null;
  highlight(index: number): void;
  move(delta: number): void;
}

const { useCaseStore } = __stores_case;
const { useSearchStore } = __stores_search;
const { useSessionStore } = __stores_session;

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const err = (code: string, extra: Partial<ApiError> = {}): Result<never> => ({ ok: false, error: { code, ...extra } as ApiError });
const ANNV = 'uid=annv,ou=people,dc=daotao,dc=gov,dc=vn';
const CASE_ID = caseView().id;

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

let store: CaseStore;
let search: SearchStore;

beforeEach(() => {
  setActivePinia(createPinia());
  for (const group of [api.cases, api.actions, api.directory]) for (const f of Object.values(group)) f.mockReset();
  api.cases.close.mockResolvedValue(ok(caseView({ status: 'closed', outcome: 'done' })));
  const session = useSessionStore();
  session.current = sessionInfo();
  store = useCaseStore();
  search = useSearchStore();
});

/** The panel shows annv (locked); the wizard on it is verified. */
async function verifiedOnAnnv(): Promise<void> {
  api.directory.getAccount.mockResolvedValueOnce(ok(accountDetail()));
  await search.loadAccount(ANNV);
  expect(search.account?.state.locked).toBe(true);
  api.cases.open.mockResolvedValueOnce(ok(caseView()));
  await store.begin(ANNV, 'Nguyễn Văn An');
  await store.open('Mở khóa tài khoản — phiếu 1');
  api.cases.sendCode.mockResolvedValueOnce(ok(sentCase()));
  await store.send();
  api.cases.verifyCode.mockResolvedValueOnce(ok<VerifyResult>({ verified: true, attemptsLeft: 5, case: verifiedCase() }));
  expect(await store.verify('123456')).toBe(true);
  api.directory.getAccount.mockReset();
}

const unlocked = () => accountDetail({}, { locked: false, lockedAt: null, failedLogins: 0 });
const reset = () => accountDetail({}, { mustChangePassword: true });

describe('account actions in the case store', () => {
  it('asks for confirmation only once verified', async () => {
    api.cases.open.mockResolvedValueOnce(ok(caseView()));
    await store.begin(ANNV, 'Nguyễn Văn An');
    await store.open('Quên mật khẩu');
    expect(store.ask('reset')).toBe(false);
    expect(store.confirming).toBeNull();
  });

  it('"Quay lại" on the confirmation does nothing and keeps the case verified', async () => {
    await verifiedOnAnnv();
    expect(store.ask('unlock')).toBe(true);
    expect(store.confirming).toBe('unlock');
    store.cancelAsk();
    expect(store.confirming).toBeNull();
    expect(store.verified).toBe(true);
    expect(api.actions.unlock).not.toHaveBeenCalled();
  });

  it('unlocks: the result keeps the fresh account, and the panel shows it', async () => {
    await verifiedOnAnnv();
    store.ask('unlock');
    const result: ActionResult = { action: 'unlock', outcome: 'done', account: unlocked(), delivery: null };
    api.actions.unlock.mockResolvedValueOnce(ok(result));
    expect(await store.act()).toBe(true);
    expect(api.actions.unlock).toHaveBeenCalledWith({ caseId: CASE_ID });
    expect(api.actions.resetPassword).not.toHaveBeenCalled();
    expect(api.directory.getAccount).not.toHaveBeenCalled();
    expect(store.confirming).toBeNull();
    expect(store.outcome).toEqual({ result, account: unlocked() });
    expect(search.account?.state.locked).toBe(false);
    expect(store.busy).toBeNull();
  });

  it('resets: the delivery is kept as answered; nothing in the store holds a password', async () => {
    await verifiedOnAnnv();
    store.ask('reset');
    const result: ActionResult = {
      action: 'reset',
      outcome: 'done',
      account: reset(),
      delivery: { status: 'sent', channel: 'sms', destination: '09*****98' },
    };
    api.actions.resetPassword.mockResolvedValueOnce(ok(result));
    expect(await store.act()).toBe(true);
    expect(api.actions.resetPassword).toHaveBeenCalledWith({ caseId: CASE_ID });
    expect(store.outcome?.result.delivery).toEqual({ status: 'sent', channel: 'sms', destination: '09*****98' });
    expect(search.account?.state.mustChangePassword).toBe(true);
    expect(JSON.stringify(store.outcome)).not.toMatch(/password"\s*:\s*"/iu);
  });

  it('an answer without the account: reads it again for the result and the panel', async () => {
    await verifiedOnAnnv();
    store.ask('unlock');
    api.actions.unlock.mockResolvedValueOnce(ok<ActionResult>({ action: 'unlock', outcome: 'unknown', account: null, delivery: null }));
    api.directory.getAccount.mockResolvedValueOnce(ok(unlocked()));
    expect(await store.act()).toBe(true);
    expect(api.directory.getAccount).toHaveBeenCalledWith({ id: ANNV });
    expect(store.outcome?.result.outcome).toBe('unknown');
    expect(store.outcome?.account?.state.locked).toBe(false);
    expect(search.account?.state.locked).toBe(false);
  });

  it('an unknown outcome whose re-read fails too: the result says so (account null), the panel is left as it was', async () => {
    await verifiedOnAnnv();
    store.ask('reset');
    api.actions.resetPassword.mockResolvedValueOnce(ok<ActionResult>({ action: 'reset', outcome: 'unknown', account: null, delivery: null }));
    api.directory.getAccount.mockResolvedValueOnce(err('DIRECTORY_UNREACHABLE'));
    expect(await store.act()).toBe(true);
    expect(store.outcome?.account).toBeNull();
    expect(search.account?.state.locked).toBe(true);
  });

  it('a refusal stays on the confirmation, translated by code and reason; the account is read again', async () => {
    await verifiedOnAnnv();
    store.ask('unlock');
    api.actions.unlock.mockResolvedValueOnce(err('ACTION_NOT_PERMITTED', { reason: 'administrative_lock' }));
    api.directory.getAccount.mockResolvedValueOnce(ok(accountDetail({}, { locked: false, disabled: true })));
    expect(await store.act()).toBe(false);
    expect(store.confirming).toBe('unlock');
    expect(store.actionError).toEqual({ code: 'ACTION_NOT_PERMITTED', reason: 'administrative_lock' });
    expect(store.error).toBeNull();
    expect(store.outcome).toBeNull();
    expect(search.account?.state.disabled).toBe(true);
    expect(api.cases.get).not.toHaveBeenCalled();
  });

  it('a refusal about the case (expired) re-reads the case and keeps the refusal', async () => {
    await verifiedOnAnnv();
    store.ask('reset');
    api.actions.resetPassword.mockResolvedValueOnce(err('CASE_EXPIRED'));
    api.cases.get.mockResolvedValueOnce(ok(verifiedCase({ status: 'expired' })));
    expect(await store.act()).toBe(false);
    expect(api.cases.get).toHaveBeenCalledWith({ caseId: CASE_ID });
    expect(store.current?.status).toBe('expired');
    expect(store.actionError?.code).toBe('CASE_EXPIRED');
    expect(api.directory.getAccount).not.toHaveBeenCalled();
    // The view closes the confirmation when the verification ran out, keeping the refusal.
    store.cancelAsk(true);
    expect(store.confirming).toBeNull();
    expect(store.actionError?.code).toBe('CASE_EXPIRED');
  });

  it('a password refusal carries its reason', async () => {
    await verifiedOnAnnv();
    store.ask('reset');
    api.actions.resetPassword.mockResolvedValueOnce(err('PASSWORD_REJECTED', { reason: 'history' }));
    api.directory.getAccount.mockResolvedValueOnce(ok(accountDetail()));
    expect(await store.act()).toBe(false);
    expect(store.actionError).toEqual({ code: 'PASSWORD_REJECTED', reason: 'history' });
  });

  it('an ended session signs the operator out', async () => {
    await verifiedOnAnnv();
    store.ask('reset');
    api.actions.resetPassword.mockResolvedValueOnce(err('NOT_SIGNED_IN'));
    expect(await store.act()).toBe(false);
    expect(useSessionStore().signedIn).toBe(false);
  });

  it('runs once on a double click', async () => {
    await verifiedOnAnnv();
    store.ask('unlock');
    const answer = deferred<Result<ActionResult>>();
    api.actions.unlock.mockReturnValueOnce(answer.promise);
    const first = store.act();
    expect(store.busy).toBe('action');
    expect(store.ask('reset')).toBe(false);
    store.cancelAsk();
    expect(store.confirming).toBe('unlock');
    expect(await store.act()).toBe(false);
    answer.resolve(ok({ action: 'unlock', outcome: 'done', account: unlocked(), delivery: null }));
    expect(await first).toBe(true);
    expect(api.actions.unlock).toHaveBeenCalledTimes(1);
  });

  it('an answer after "Quay lại" (the case abandoned) is dropped', async () => {
    await verifiedOnAnnv();
    store.ask('unlock');
    const answer = deferred<Result<ActionResult>>();
    api.actions.unlock.mockReturnValueOnce(answer.promise);
    const pending = store.act();
    await store.abandon();
    answer.resolve(ok({ action: 'unlock', outcome: 'done', account: unlocked(), delivery: null }));
    expect(await pending).toBe(false);
    expect(store.outcome).toBeNull();
    expect(store.confirming).toBeNull();
  });

  it('a new action replaces the last result; a new code clears both', async () => {
    await verifiedOnAnnv();
    store.ask('unlock');
    api.actions.unlock.mockResolvedValueOnce(ok<ActionResult>({ action: 'unlock', outcome: 'done', account: unlocked(), delivery: null }));
    await store.act();
    expect(store.outcome).not.toBeNull();
    store.ask('reset');
    expect(store.outcome).toBeNull();
    expect(store.confirming).toBe('reset');
    api.cases.sendCode.mockResolvedValueOnce(ok(sentCase({ resend: { availableAt: { sms: null, email: null }, remainingToday: 0 } })));
    expect(await store.send()).toBe(true);
    expect(store.confirming).toBeNull();
    expect(store.outcome).toBeNull();
  });

  it('"Kết thúc" after an action closes the case as done', async () => {
    await verifiedOnAnnv();
    store.ask('unlock');
    api.actions.unlock.mockResolvedValueOnce(ok<ActionResult>({ action: 'unlock', outcome: 'done', account: unlocked(), delivery: null }));
    await store.act();
    expect(await store.finish()).toBe(true);
    expect(api.cases.close).toHaveBeenCalledWith({ caseId: CASE_ID, outcome: 'done' });
    expect(store.outcome).toBeNull();
    expect(store.current).toBeNull();
  });
});

describe('search store: the fresh account after an action', () => {
  it('replaces the open account and its result row', async () => {
    const other = accountDetail({ id: 'uid=binhtt', username: 'binhtt', displayName: 'Trần Thị Bình' });
    search.result = { items: [{ ...accountDetail(), namesakes: 0 }, { ...other, namesakes: 0 }], total: 2, totalIsLowerBound: false, readAs: ['name'] };
    api.directory.getAccount.mockResolvedValueOnce(ok(accountDetail()));
    await search.loadAccount(ANNV);
    const untouched = search.result?.items[1];
    search.updateAccount(unlocked());
    expect(search.account?.state.locked).toBe(false);
    expect(search.result?.items[0]?.state.locked).toBe(false);
    // A row holds a summary, not the detail.
    expect(search.result?.items[0]).not.toHaveProperty('mail');
    expect(search.result?.items[1]).toStrictEqual(untouched);
    expect(search.result?.total).toBe(2);
  });

  it('supersedes a load of the same account still in flight', async () => {
    const load = deferred<Result<AccountDetail>>();
    api.directory.getAccount.mockReturnValueOnce(load.promise);
    const pending = search.loadAccount(ANNV);
    expect(search.accountLoading).toBe(true);
    search.updateAccount(unlocked());
    expect(search.accountLoading).toBe(false);
    load.resolve(ok(accountDetail()));
    await pending;
    expect(search.account?.state.locked).toBe(false);
  });

  it('leaves another open account alone', async () => {
    api.directory.getAccount.mockResolvedValueOnce(ok(accountDetail({ id: 'uid=binhtt', username: 'binhtt' })));
    await search.loadAccount('uid=binhtt');
    search.updateAccount(unlocked());
    expect(search.account?.username).toBe('binhtt');
  });
});

describe('search store: Enter among namesakes', () => {
  const row = (username: string, displayName: string, namesakes: number) => ({ ...accountDetail({ id: `uid=${username}`, username, displayName }), namesakes });
  beforeEach(() => {
    search.result = {
      items: [row('khanhnv', 'Nguyễn Văn Khánh', 1), row('khanhnv2', 'Nguyễn Văn Khánh', 1), row('annv', 'Nguyễn Văn An', 0)],
      total: 3,
      totalIsLowerBound: false,
      readAs: ['name'],
    };
  });

  it('does not open the first row when it has namesakes: it asks to choose', () => {
    expect(search.enterChoice).toEqual({ kind: 'choose', name: 'Nguyễn Văn Khánh', count: 2 });
  });

  it('a row under the mouse is not chosen; a row reached with the arrows is', () => {
    search.highlight(1);
    expect(search.enterChoice?.kind).toBe('choose');
    search.move(-1);
    expect(search.enterChoice).toMatchObject({ kind: 'open', item: { username: 'khanhnv' } });
  });

  it('a unique name opens unchosen', () => {
    search.highlight(2);
    expect(search.enterChoice).toMatchObject({ kind: 'open', item: { username: 'annv' } });
  });
});
