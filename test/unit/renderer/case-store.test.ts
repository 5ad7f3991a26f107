import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { nextTick } from 'vue';
import type { CaseView, VerificationChannel, VerifyResult } from '../../../src-main/common/dto';
import type { ApiError, Result } from '../../../src-main/common/result';
import { caseView, sentCase, T0, iso, sessionInfo } from './case-fixtures';
import * as __stores_session from '../../../src-renderer/src/stores/session';
import * as __stores_case from '../../../src-renderer/src/stores/case';

// The store talks to the contract through bridge.ts; here the bridge is a set of mocks.
const api = vi.hoisted(() => ({
  cases: {
    open: vi.fn(),
    get: vi.fn(),
    sendCode: vi.fn(),
    verifyCode: vi.fn(),
    close: vi.fn(),
    gate: vi.fn(),
  },
  session: { current: vi.fn(), signIn: vi.fn(), signOut: vi.fn() },
}));
vi.mock('../../../src-renderer/src/bridge', () => ({ api, inElectron: false, onSessionLocked: () => undefined }));
// The renderer's `@common/*` alias is the bundler's (tsconfig.web.json); here it points at the same file.

interface CaseStore {
  accountId: string | null;
  accountName: string | null;
  current: CaseView | null;
  channel: VerificationChannel | null;
  busy: string | null;
  error: ApiError | null;
  wrong: { attemptsLeft: number } | null;
  active: boolean;
  verified: boolean;
  isFor(id: string | null | undefined): boolean;
  begin(id: string, name: string): Promise<void>;
  open(reason: string): Promise<boolean>;
  choose(c: VerificationChannel): void;
  refresh(): Promise<void>;
  send(): Promise<boolean>;
  verify(code: string): Promise<boolean>;
  abandon(): Promise<void>;
  finish(): Promise<boolean>;
}

const { useCaseStore } = __stores_case;
const { useSessionStore } = __stores_session;

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const err = (code: string, extra: Partial<ApiError> = {}): Result<never> => ({ ok: false, error: { code, ...extra } as ApiError });
const ANNV = 'uid=annv,ou=people,dc=daotao,dc=gov,dc=vn';
const BINH = 'uid=binhtt,ou=people,dc=daotao,dc=gov,dc=vn';

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

let store: CaseStore;

beforeEach(() => {
  setActivePinia(createPinia());
  for (const f of Object.values(api.cases)) f.mockReset();
  api.cases.close.mockResolvedValue(ok(caseView({ status: 'closed', outcome: 'abandoned' })));
  const session = useSessionStore();
  session.current = sessionInfo();
  store = useCaseStore();
});

async function openCase(): Promise<void> {
  api.cases.open.mockResolvedValueOnce(ok(caseView()));
  await store.begin(ANNV, 'Nguyễn Văn An');
  expect(await store.open('Quên mật khẩu')).toBe(true);
}

describe('case store', () => {
  it('opens the wizard on an account, then the case with the reason; SMS is preselected', async () => {
    await store.begin(ANNV, 'Nguyễn Văn An');
    expect(store.isFor(ANNV)).toBe(true);
    expect(store.current).toBeNull();
    api.cases.open.mockResolvedValueOnce(ok(caseView()));
    expect(await store.open('Quên mật khẩu')).toBe(true);
    expect(api.cases.open).toHaveBeenCalledWith({ accountId: ANNV, reason: 'Quên mật khẩu' });
    expect(store.current?.status).toBe('open');
    expect(store.channel).toBe('sms');
  });

  it('keeps a refused open as an error, without a case', async () => {
    await store.begin(ANNV, 'Nguyễn Văn An');
    api.cases.open.mockResolvedValueOnce(err('VALIDATION_FAILED', { field: 'reason', reason: 'required' }));
    expect(await store.open(' ')).toBe(false);
    expect(store.current).toBeNull();
    expect(store.error).toMatchObject({ field: 'reason' });
  });

  it('sends by the chosen channel once, even on a double click', async () => {
    await openCase();
    store.choose('email');
    const answer = deferred<Result<CaseView>>();
    api.cases.sendCode.mockReturnValueOnce(answer.promise);
    const first = store.send();
    const second = store.send();
    answer.resolve(ok(sentCase({ channel: 'email', destination: 'an***@gmail.com' })));
    expect(await first).toBe(true);
    expect(await second).toBe(false);
    expect(api.cases.sendCode).toHaveBeenCalledTimes(1);
    expect(api.cases.sendCode).toHaveBeenCalledWith({ caseId: caseView().id, channel: 'email' });
    expect(store.current?.status).toBe('code-sent');
    expect(store.channel).toBe('email');
  });

  it('shows a refused send with the case re-read (the limits moved)', async () => {
    await openCase();
    const later = caseView({ resend: { availableAt: { sms: iso(T0 + 120_000), email: null }, remainingToday: 1 } });
    api.cases.sendCode.mockResolvedValueOnce(err('OTP_TOO_SOON', { detail: iso(T0 + 120_000) }));
    api.cases.get.mockResolvedValueOnce(ok(later));
    expect(await store.send()).toBe(false);
    expect(store.error?.code).toBe('OTP_TOO_SOON');
    expect(store.current?.resend.remainingToday).toBe(1);
  });

  it('counts down wrong codes: a wrong code is an answer, not an error', async () => {
    await openCase();
    api.cases.sendCode.mockResolvedValueOnce(ok(sentCase()));
    await store.send();
    for (const left of [4, 3, 2]) {
      api.cases.verifyCode.mockResolvedValueOnce(
        ok<VerifyResult>({ verified: false, attemptsLeft: left, case: sentCase({ attemptsLeft: left }) }),
      );
      expect(await store.verify('000000')).toBe(false);
      expect(store.wrong).toEqual({ attemptsLeft: left });
      expect(store.error).toBeNull();
    }
    expect(store.current?.attemptsLeft).toBe(2);
  });

  it('verifies with the right code', async () => {
    await openCase();
    api.cases.sendCode.mockResolvedValueOnce(ok(sentCase()));
    await store.send();
    api.cases.verifyCode.mockResolvedValueOnce(
      ok<VerifyResult>({ verified: true, attemptsLeft: 5, case: sentCase({ status: 'verified', verifiedAt: iso(T0 + 20_000) }) }),
    );
    expect(await store.verify('123456')).toBe(true);
    expect(api.cases.verifyCode).toHaveBeenLastCalledWith({ caseId: caseView().id, code: '123456' });
    expect(store.verified).toBe(true);
    expect(store.wrong).toBeNull();
  });

  it('shows an expired or void code as an error and re-reads the case; a malformed code needs no re-read', async () => {
    await openCase();
    api.cases.sendCode.mockResolvedValueOnce(ok(sentCase()));
    await store.send();
    api.cases.verifyCode.mockResolvedValueOnce(err('OTP_EXPIRED'));
    api.cases.get.mockResolvedValueOnce(ok(sentCase({ status: 'expired' })));
    expect(await store.verify('123456')).toBe(false);
    expect(store.error?.code).toBe('OTP_EXPIRED');
    expect(store.current?.status).toBe('expired');
    expect(api.cases.get).toHaveBeenCalledTimes(1);

    api.cases.verifyCode.mockResolvedValueOnce(err('VALIDATION_FAILED', { field: 'code', reason: 'not_code' }));
    expect(await store.verify('12345')).toBe(false);
    expect(store.error).toMatchObject({ code: 'VALIDATION_FAILED', reason: 'not_code' });
    expect(api.cases.get).toHaveBeenCalledTimes(1);
  });

  it('"Quay lại" abandons the case and closes the wizard at once; a late answer is ignored', async () => {
    await openCase();
    const answer = deferred<Result<CaseView>>();
    api.cases.sendCode.mockReturnValueOnce(answer.promise);
    const sending = store.send();
    await store.abandon();
    expect(api.cases.close).toHaveBeenCalledWith({ caseId: caseView().id, outcome: 'abandoned' });
    expect(store.active).toBe(false);
    answer.resolve(ok(sentCase()));
    expect(await sending).toBe(false);
    expect(store.current).toBeNull();
    expect(store.busy).toBeNull();
  });

  it('"Quay lại" before the case exists only closes the wizard', async () => {
    await store.begin(ANNV, 'Nguyễn Văn An');
    await store.abandon();
    expect(api.cases.close).not.toHaveBeenCalled();
    expect(store.active).toBe(false);
  });

  it('"Kết thúc" closes the case as done', async () => {
    await openCase();
    api.cases.close.mockResolvedValueOnce(ok(caseView({ status: 'closed', outcome: 'done' })));
    expect(await store.finish()).toBe(true);
    expect(api.cases.close).toHaveBeenCalledWith({ caseId: caseView().id, outcome: 'done' });
    expect(store.active).toBe(false);
  });

  it('starting on another account abandons the open case', async () => {
    await openCase();
    await store.begin(BINH, 'Trần Thị Bình');
    expect(api.cases.close).toHaveBeenCalledWith({ caseId: caseView().id, outcome: 'abandoned' });
    expect(store.isFor(BINH)).toBe(true);
    expect(store.isFor(ANNV)).toBe(false);
    expect(store.accountName).toBe('Trần Thị Bình');
  });

  it('forgets everything when the session ends', async () => {
    await openCase();
    api.cases.sendCode.mockResolvedValueOnce(err('NOT_SIGNED_IN'));
    await store.send();
    await nextTick();
    expect(useSessionStore().signedIn).toBe(false);
    expect(store.active).toBe(false);
    expect(store.current).toBeNull();
    expect(api.cases.get).not.toHaveBeenCalled();
  });
});
