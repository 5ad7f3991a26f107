import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AccountDetail, ActionResult, CaseView, PendingContact, VerifyResult } from '../../../src-main/common/dto';
import type { ApiError, Result } from '../../../src-main/common/result';
import { T0, accountDetail, caseView, iso, sentCase, verifiedCase, sessionInfo } from './case-fixtures';
import * as __stores_session from '../../../src-renderer/src/stores/session';
import * as __stores_search from '../../../src-renderer/src/stores/search';
import * as __stores_case from '../../../src-renderer/src/stores/case';

// The stores talk to the contract through bridge.ts; here the bridge is a set of mocks.
const api = vi.hoisted(() => ({
  cases: { open: vi.fn(), get: vi.fn(), sendCode: vi.fn(), verifyCode: vi.fn(), close: vi.fn(), gate: vi.fn() },
  actions: { unlock: vi.fn(), resetPassword: vi.fn(), sendContactCode: vi.fn(), updateContact: vi.fn() },
  directory: { search: vi.fn(), getAccount: vi.fn() },
  session: { current: vi.fn(), signIn: vi.fn(), signOut: vi.fn() },
}));
vi.mock('../../../src-renderer/src/bridge', () => ({ api, inElectron: false, onSessionLocked: () => undefined }));
// The renderer's `@common/*` alias is the bundler's (tsconfig.web.json); here it points at the same file.

type Kind = 'mobile' | 'backupEmail';
interface ActionOutcome {
  result: ActionResult;
  account: AccountDetail | null;
  contact?: PendingContact | null;
}
interface CaseStore {
  current: CaseView | null;
  busy: string | null;
  error: ApiError | null;
  verified: boolean;
  confirming: 'unlock' | 'reset' | 'contact' | null;
  outcome: ActionOutcome | null;
  actionError: ApiError | null;
  contactKind: Kind;
  contactValue: string;
  contactEditing: boolean;
  begin(id: string, name: string): Promise<void>;
  open(reason: string): Promise<boolean>;
  send(): Promise<boolean>;
  verify(code: string): Promise<boolean>;
  abandon(): Promise<void>;
  ask(action: 'unlock' | 'reset' | 'contact'): boolean;
  cancelAsk(keepError?: boolean): void;
  act(): Promise<boolean>;
  chooseContact(kind: Kind): void;
  editContact(): void;
  sendContact(): Promise<boolean>;
  saveContact(code: string): Promise<boolean>;
}
interface SearchStore {
  account: AccountDetail | null;
  loadAccount(id: string | null): Promise<void>;
}

const { useCaseStore } = __stores_case;
const { useSearchStore } = __stores_search;
const { useSessionStore } = __stores_session;

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const err = (code: string, extra: Partial<ApiError> = {}): Result<never> => ({ ok: false, error: { code, ...extra } as ApiError });
const ANNV = 'uid=annv,ou=people,dc=daotao,dc=gov,dc=vn';
const CASE_ID = caseView().id;
const NEW_MOBILE: PendingContact = { kind: 'mobile', destination: '09*****66', expiresAt: iso(T0 + 330_000) };
const withPending = (p: PendingContact | null = NEW_MOBILE) => verifiedCase({ pendingContact: p });
const updated = () => accountDetail({ mobile: { status: 'present', masked: '09*****66' } });
const saved = (over: Partial<ActionResult> = {}): ActionResult => ({
  action: 'contact',
  outcome: 'done',
  account: updated(),
  delivery: null,
  notice: { status: 'sent', destination: '09*****98' },
  ...over,
});

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

let store: CaseStore;
let search: SearchStore;

/** A fresh desk: stores, and the operator signed in. */
function freshDesk(): void {
  setActivePinia(createPinia());
  const session = useSessionStore();
  session.current = sessionInfo();
  store = useCaseStore();
  search = useSearchStore();
}

beforeEach(() => {
  for (const group of [api.cases, api.actions, api.directory]) for (const f of Object.values(group)) f.mockReset();
  api.cases.close.mockResolvedValue(ok(caseView({ status: 'closed', outcome: 'done' })));
  freshDesk();
});

/** The panel shows annv; the wizard on it is verified; the contact step is open. */
async function contactStepOnAnnv(): Promise<void> {
  api.directory.getAccount.mockResolvedValueOnce(ok(accountDetail()));
  await search.loadAccount(ANNV);
  api.cases.open.mockResolvedValueOnce(ok(caseView()));
  await store.begin(ANNV, 'Nguyễn Văn An');
  await store.open('Cập nhật thông tin khôi phục — phiếu 7');
  api.cases.sendCode.mockResolvedValueOnce(ok(sentCase()));
  await store.send();
  api.cases.verifyCode.mockResolvedValueOnce(ok<VerifyResult>({ verified: true, attemptsLeft: 5, case: verifiedCase() }));
  expect(await store.verify('123456')).toBe(true);
  api.directory.getAccount.mockReset();
  expect(store.ask('contact')).toBe(true);
}

/** …and a code went to the new mobile. */
async function codeSent(): Promise<void> {
  await contactStepOnAnnv();
  store.contactValue = ' +84 988 777 666 ';
  api.actions.sendContactCode.mockResolvedValueOnce(ok(withPending()));
  expect(await store.sendContact()).toBe(true);
}

describe('the contact change in the case store', () => {
  it('opens only once verified, and never runs through "Xác nhận" of the other actions', async () => {
    api.cases.open.mockResolvedValueOnce(ok(caseView()));
    await store.begin(ANNV, 'Nguyễn Văn An');
    await store.open('Quên mật khẩu');
    expect(store.ask('contact')).toBe(false);
    await store.abandon();

    await contactStepOnAnnv();
    expect(store.confirming).toBe('contact');
    expect(store.contactKind).toBe('mobile');
    expect(await store.act()).toBe(false);
    expect(api.actions.unlock).not.toHaveBeenCalled();
    expect(api.actions.resetPassword).not.toHaveBeenCalled();
  });

  it('an empty value is refused here, as required, without a call', async () => {
    await contactStepOnAnnv();
    store.contactValue = '   ';
    expect(await store.sendContact()).toBe(false);
    expect(store.actionError).toEqual({ code: 'VALIDATION_FAILED', field: 'value', reason: 'required' });
    expect(api.actions.sendContactCode).not.toHaveBeenCalled();
  });

  it('sends a code to the new value (trimmed, of the chosen kind); the case then carries the waiting change', async () => {
    await codeSent();
    expect(api.actions.sendContactCode).toHaveBeenCalledWith({ caseId: CASE_ID, kind: 'mobile', value: '+84 988 777 666' });
    expect(store.current?.pendingContact).toEqual(NEW_MOBILE);
    expect(store.actionError).toBeNull();
    expect(store.confirming).toBe('contact');
  });

  it('a landline is refused with its reason; nothing else moves', async () => {
    await contactStepOnAnnv();
    store.contactValue = '028 3823 3717';
    api.actions.sendContactCode.mockResolvedValueOnce(err('VALIDATION_FAILED', { field: 'value', reason: 'landline' }));
    expect(await store.sendContact()).toBe(false);
    expect(store.actionError).toEqual({ code: 'VALIDATION_FAILED', field: 'value', reason: 'landline' });
    expect(store.contactValue).toBe('028 3823 3717');
    expect(store.current?.pendingContact).toBeNull();
    expect(store.confirming).toBe('contact');
    expect(store.verified).toBe(true);
    expect(api.cases.get).not.toHaveBeenCalled();
  });

  it('choosing the other contact starts from an empty value and clears the refusal', async () => {
    await contactStepOnAnnv();
    store.contactValue = '028 3823 3717';
    store.actionError = { code: 'VALIDATION_FAILED', field: 'value', reason: 'landline' };
    store.chooseContact('backupEmail');
    expect(store.contactKind).toBe('backupEmail');
    expect(store.contactValue).toBe('');
    expect(store.actionError).toBeNull();
    store.contactValue = 'an.nguyen@gmail.com';
    api.actions.sendContactCode.mockResolvedValueOnce(ok(withPending({ ...NEW_MOBILE, kind: 'backupEmail', destination: 'an***@gmail.com' })));
    expect(await store.sendContact()).toBe(true);
    expect(api.actions.sendContactCode).toHaveBeenCalledWith({ caseId: CASE_ID, kind: 'backupEmail', value: 'an.nguyen@gmail.com' });
  });

  it('saves with the code: the result names the change, the panel shows the new contact, the case is read again', async () => {
    await codeSent();
    api.actions.updateContact.mockResolvedValueOnce(ok(saved()));
    api.cases.get.mockResolvedValueOnce(ok(withPending(null)));
    expect(await store.saveContact('123456')).toBe(true);
    expect(api.actions.updateContact).toHaveBeenCalledWith({ caseId: CASE_ID, code: '123456' });
    expect(store.confirming).toBeNull();
    expect(store.outcome).toEqual({ result: saved(), account: updated(), contact: NEW_MOBILE });
    expect(search.account?.mobile).toEqual({ status: 'present', masked: '09*****66' });
    expect(api.cases.get).toHaveBeenCalledWith({ caseId: CASE_ID });
    expect(store.current?.pendingContact).toBeNull();
    expect(store.contactValue).toBe('');
  });

  it('an answer without the account: reads it again for the result and the panel', async () => {
    await codeSent();
    api.actions.updateContact.mockResolvedValueOnce(ok(saved({ outcome: 'unknown', account: null, notice: { status: 'none', destination: null } })));
    api.directory.getAccount.mockResolvedValueOnce(ok(updated()));
    api.cases.get.mockResolvedValueOnce(ok(withPending(null)));
    expect(await store.saveContact('123456')).toBe(true);
    expect(api.directory.getAccount).toHaveBeenCalledWith({ id: ANNV });
    expect(store.outcome?.account?.mobile.masked).toBe('09*****66');
    expect(search.account?.mobile.masked).toBe('09*****66');
  });

  it('a wrong code stays on the step with the tries left; the case is not re-read', async () => {
    await codeSent();
    api.actions.updateContact.mockResolvedValueOnce(err('OTP_WRONG', { attemptsLeft: 4 }));
    expect(await store.saveContact('000000')).toBe(false);
    expect(store.actionError).toEqual({ code: 'OTP_WRONG', attemptsLeft: 4 });
    expect(store.confirming).toBe('contact');
    expect(store.contactEditing).toBe(false);
    expect(store.outcome).toBeNull();
    expect(api.cases.get).not.toHaveBeenCalled();
    expect(search.account?.mobile.masked).toBe('09*****98');
  });

  it('the last wrong code (void) or an expired code goes back to the value, keeping the refusal', async () => {
    for (const e of [err('OTP_WRONG', { attemptsLeft: 0 }), err('OTP_EXPIRED'), err('OTP_VOID')]) {
      freshDesk();
      await codeSent();
      api.actions.updateContact.mockResolvedValueOnce(e);
      api.cases.get.mockResolvedValueOnce(ok(withPending()));
      expect(await store.saveContact('000000')).toBe(false);
      expect(store.contactEditing).toBe(true);
      expect(store.actionError).toEqual((e as { error: ApiError }).error);
      expect(store.confirming).toBe('contact');
    }
  });

  it('a refusal about the case (expired) re-reads the case and keeps the refusal', async () => {
    await codeSent();
    api.actions.updateContact.mockResolvedValueOnce(err('CASE_EXPIRED'));
    api.cases.get.mockResolvedValueOnce(ok(withPending()));
    expect(await store.saveContact('123456')).toBe(false);
    expect(api.cases.get).toHaveBeenCalledWith({ caseId: CASE_ID });
    expect(store.actionError?.code).toBe('CASE_EXPIRED');
  });

  it('a second code too soon is refused with its time; the waiting change stays', async () => {
    await codeSent();
    store.editContact();
    expect(store.contactEditing).toBe(true);
    store.contactValue = '0988777667';
    api.actions.sendContactCode.mockResolvedValueOnce(err('OTP_TOO_SOON', { detail: iso(T0 + 300_000) }));
    expect(await store.sendContact()).toBe(false);
    expect(store.actionError?.code).toBe('OTP_TOO_SOON');
    expect(store.current?.pendingContact).toEqual(NEW_MOBILE);
  });

  it('"Quay lại" goes back to the choice of actions, verified; coming back shows the waiting code', async () => {
    await codeSent();
    store.editContact();
    store.cancelAsk();
    expect(store.confirming).toBeNull();
    expect(store.verified).toBe(true);
    expect(api.actions.updateContact).not.toHaveBeenCalled();
    store.chooseContact('backupEmail');
    store.contactValue = 'an.nguyen@gmail.com';
    expect(store.ask('contact')).toBe(true);
    expect(store.contactEditing).toBe(false);
    expect(store.contactKind).toBe('mobile');
    expect(store.contactValue).toBe('');
  });

  it('opens from the start each time: the mobile, an empty value, no refusal', async () => {
    await contactStepOnAnnv();
    store.chooseContact('backupEmail');
    store.contactValue = 'annv@stttt.daotao.gov.vn';
    store.actionError = { code: 'VALIDATION_FAILED', field: 'value', reason: 'same_as_mail' };
    store.cancelAsk();
    expect(store.ask('contact')).toBe(true);
    expect(store.contactKind).toBe('mobile');
    expect(store.contactValue).toBe('');
    expect(store.actionError).toBeNull();
  });

  it('saves once on a double click, and cannot be left while saving', async () => {
    await codeSent();
    const answer = deferred<Result<ActionResult>>();
    api.actions.updateContact.mockReturnValueOnce(answer.promise);
    api.cases.get.mockResolvedValue(ok(withPending(null)));
    const first = store.saveContact('123456');
    expect(store.busy).toBe('contact-save');
    expect(await store.saveContact('123456')).toBe(false);
    expect(await store.sendContact()).toBe(false);
    store.cancelAsk();
    expect(store.confirming).toBe('contact');
    answer.resolve(ok(saved()));
    expect(await first).toBe(true);
    expect(api.actions.updateContact).toHaveBeenCalledTimes(1);
  });

  it('an answer after "Quay lại" on the wizard (the case abandoned) is dropped', async () => {
    await codeSent();
    const answer = deferred<Result<ActionResult>>();
    api.actions.updateContact.mockReturnValueOnce(answer.promise);
    const pending = store.saveContact('123456');
    await store.abandon();
    answer.resolve(ok(saved()));
    expect(await pending).toBe(false);
    expect(store.outcome).toBeNull();
    expect(store.contactValue).toBe('');
    expect(search.account?.mobile.masked).toBe('09*****98');
  });

  it('an ended session signs the operator out', async () => {
    await codeSent();
    api.actions.updateContact.mockResolvedValueOnce(err('NOT_SIGNED_IN'));
    expect(await store.saveContact('123456')).toBe(false);
    expect(useSessionStore().signedIn).toBe(false);
  });
});
