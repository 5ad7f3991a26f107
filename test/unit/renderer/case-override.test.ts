import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ActionResult, CaseView, OperatorInfo } from '../../../src-main/common/dto';
import type { ApiError, Result } from '../../../src-main/common/result';
import type { Role } from '../../../src-main/common/roles';
import { accountDetail, iso, noContactCase, RULES, T0, verifiedCase } from './case-fixtures';
import * as __stores_session from '../../../src-renderer/src/stores/session';
import * as __stores_case from '../../../src-renderer/src/stores/case';

// The stores talk to the contract through bridge.ts; here the bridge is a set of mocks.
const api = vi.hoisted(() => ({
  cases: { open: vi.fn(), get: vi.fn(), sendCode: vi.fn(), verifyCode: vi.fn(), close: vi.fn(), gate: vi.fn(), override: vi.fn() },
  actions: { unlock: vi.fn(), resetPassword: vi.fn(), resetAndUnlock: vi.fn() },
  directory: { search: vi.fn(), getAccount: vi.fn() },
  session: { current: vi.fn(), signIn: vi.fn(), signOut: vi.fn() },
}));
vi.mock('../../../src-renderer/src/bridge', () => ({ api, inElectron: false, onSessionLocked: () => undefined }));
// The renderer's `@common/*` alias is the bundler's (tsconfig.web.json); here it points at the same file.

interface OverrideForm {
  check: 'citizen-id' | 'identity-document' | 'agency-letter';
  citizenId: string;
  note: string;
}
interface CaseStore {
  current: CaseView | null;
  busy: string | null;
  error: ApiError | null;
  verified: boolean;
  confirming: 'unlock' | 'reset' | 'contact' | null;
  actionError: ApiError | null;
  unlockToo: boolean;
  overriding: boolean;
  overrideUnreachable: boolean;
  overrideError: ApiError | null;
  begin(id: string, name: string): Promise<void>;
  open(reason: string): Promise<boolean>;
  ask(action: 'unlock' | 'reset' | 'contact'): boolean;
  act(): Promise<boolean>;
  abandon(): Promise<void>;
  beginOverride(unreachable: boolean): void;
  cancelOverride(): void;
  override(form: OverrideForm): Promise<boolean>;
}

const { useCaseStore } = __stores_case;
const { useSessionStore } = __stores_session;

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const err = (code: string, extra: Partial<ApiError> = {}): Result<never> => ({ ok: false, error: { code, ...extra } as ApiError });
const CUONG = noContactCase().account.id;
const CASE_ID = noContactCase().id;
const CMND: OverrideForm = { check: 'citizen-id', citizenId: '024 681 357', note: 'Mất SIM, chưa có thư dự phòng; CMND khớp' };

function user(username: string, roles: Role[]): OperatorInfo {
  return { username, displayName: username, dn: `uid=${username}`, roles };
}
function signedInAs(operator: OperatorInfo | null, mode: 'training' | 'directory' = 'training', setupOpen = false): void {
  useSessionStore().current = { operator, since: operator ? iso(T0) : null, mode, locked: false, idleLockMinutes: 10, setupOpen, rules: RULES };
}

let store: CaseStore;

beforeEach(() => {
  setActivePinia(createPinia());
  for (const group of Object.values(api)) for (const f of Object.values(group)) f.mockReset();
  api.cases.close.mockResolvedValue(ok(noContactCase(false, { status: 'closed', outcome: 'abandoned' })));
  signedInAs(user('giamsat01', ['supervisor']));
  store = useCaseStore();
});

/** The wizard open on cuonglh (no contact at all), the override form open. */
async function openOnCuong(unreachable = false): Promise<void> {
  api.cases.open.mockResolvedValueOnce(ok(noContactCase()));
  await store.begin(CUONG, 'Lê Hữu Cường');
  expect(await store.open('Quên mật khẩu, mất SIM — phiếu 7')).toBe(true);
  store.beginOverride(unreachable);
  expect(store.overriding).toBe(true);
}

describe('session: what the role may do', () => {
  it('a supervisor may override and reset-and-unlock; an operator may not; an auditor works no desk', () => {
    const session = useSessionStore();
    expect(session.roles).toEqual(['supervisor']);
    expect(session.allows('cases', 'override')).toBe(true);
    expect(session.allows('actions', 'resetAndUnlock')).toBe(true);
    expect(session.allows('directory', 'search')).toBe(true);

    signedInAs(user('tongdai01', ['operator']));
    expect(session.allows('cases', 'override')).toBe(false);
    expect(session.allows('actions', 'resetAndUnlock')).toBe(false);
    expect(session.allows('actions', 'resetPassword')).toBe(true);
    expect(session.allows('outbox', 'list')).toBe(true);

    signedInAs(user('kiemtra01', ['auditor']));
    expect(session.allows('directory', 'search')).toBe(false);
    expect(session.allows('outbox', 'list')).toBe(false);
    expect(session.allows('audit', 'recent')).toBe(true);
  });

  it('settings: anyone during the first setup (signed in or not); otherwise supervisors only, training mode included', () => {
    const session = useSessionStore();
    for (const who of [null, user('tongdai01', ['operator']), user('kiemtra01', ['auditor'])]) {
      signedInAs(who, 'training', true);
      expect(session.allows('settings', 'save'), who?.username ?? 'nobody').toBe(true);
      signedInAs(who, 'training', false);
      expect(session.allows('settings', 'save'), who?.username ?? 'nobody').toBe(false);
      signedInAs(who, 'directory');
      expect(session.allows('settings', 'save'), who?.username ?? 'nobody').toBe(false);
    }
    signedInAs(user('giamsat01', ['supervisor']), 'directory');
    expect(session.allows('settings', 'get')).toBe(true);
    // Not loaded yet: nothing is offered.
    session.current = null;
    expect(session.allows('settings', 'get')).toBe(false);
    expect(session.roles).toEqual([]);
  });
});

describe('case store: the supervisor override', () => {
  it('verifies the case by a CCCD check: the number goes without spaces, the case comes back verified by override', async () => {
    await openOnCuong();
    const verified = noContactCase(true);
    api.cases.override.mockResolvedValueOnce(ok(verified));
    expect(await store.override(CMND)).toBe(true);
    expect(api.cases.override).toHaveBeenCalledWith({
      caseId: CASE_ID,
      check: 'citizen-id',
      citizenId: '024681357',
      note: 'Mất SIM, chưa có thư dự phòng; CMND khớp',
    });
    expect(store.current).toEqual(verified);
    expect(store.verified).toBe(true);
    expect(store.current?.deliveryContact).toBeNull();
    expect(store.overriding).toBe(false);
    expect(store.overrideError).toBeNull();
    expect(store.busy).toBeNull();
  });

  it('a CCCD that does not match stays on the form with the tries left; the case is not re-read', async () => {
    await openOnCuong();
    api.cases.override.mockResolvedValueOnce(err('IDENTITY_MISMATCH', { attemptsLeft: 2 }));
    expect(await store.override({ ...CMND, citizenId: '111111111' })).toBe(false);
    expect(store.overrideError).toEqual({ code: 'IDENTITY_MISMATCH', attemptsLeft: 2 });
    expect(store.overriding).toBe(true);
    expect(store.verified).toBe(false);
    expect(api.cases.get).not.toHaveBeenCalled();
  });

  it('a missing CCCD or note is asked for before anything is sent', async () => {
    await openOnCuong();
    expect(await store.override({ ...CMND, citizenId: '' })).toBe(false);
    expect(store.overrideError).toEqual({ code: 'VALIDATION_FAILED', field: 'citizenId', reason: 'required' });
    expect(await store.override({ check: 'identity-document', citizenId: '', note: '  ' })).toBe(false);
    expect(store.overrideError).toMatchObject({ field: 'note' });
    expect(api.cases.override).not.toHaveBeenCalled();
  });

  it('"the caller cannot reach the registered contacts" is said explicitly', async () => {
    await openOnCuong(true);
    expect(store.overrideUnreachable).toBe(true);
    api.cases.override.mockResolvedValueOnce(ok(noContactCase(true)));
    expect(await store.override({ check: 'identity-document', citizenId: '', note: 'Xem CCCD bản gốc tại quầy' })).toBe(true);
    expect(api.cases.override).toHaveBeenCalledWith({
      caseId: CASE_ID,
      check: 'identity-document',
      note: 'Xem CCCD bản gốc tại quầy',
      contactsUnreachable: true,
    });
  });

  it('a refusal about the case re-reads it and keeps the refusal; a closed form sends nothing', async () => {
    await openOnCuong();
    api.cases.override.mockResolvedValueOnce(err('CASE_CLOSED'));
    api.cases.get.mockResolvedValueOnce(ok(noContactCase(false, { status: 'open' })));
    expect(await store.override(CMND)).toBe(false);
    expect(api.cases.get).toHaveBeenCalledWith({ caseId: CASE_ID });
    expect(store.overrideError?.code).toBe('CASE_CLOSED');
    store.cancelOverride();
    expect(store.overriding).toBe(false);
    expect(store.overrideError).toBeNull();
    expect(await store.override(CMND)).toBe(false);
    expect(api.cases.override).toHaveBeenCalledTimes(1);
  });

  it('the role refused (an operator calling anyway): the refusal stays on the form', async () => {
    signedInAs(user('tongdai01', ['operator']));
    await openOnCuong();
    api.cases.override.mockResolvedValueOnce(err('ROLE_NOT_ALLOWED'));
    expect(await store.override(CMND)).toBe(false);
    expect(store.overrideError?.code).toBe('ROLE_NOT_ALLOWED');
    expect(store.verified).toBe(false);
  });

  it('"Quay lại" on the wizard forgets the form', async () => {
    await openOnCuong();
    await store.abandon();
    expect(store.overriding).toBe(false);
    expect(store.current).toBeNull();
  });
});

describe('case store: reset and unlock in one action', () => {
  /** A verified case on annv (code read back from the mobile). */
  async function verifiedOnAnnv(): Promise<void> {
    api.cases.open.mockResolvedValueOnce(ok(verifiedCase()));
    await store.begin(verifiedCase().account.id, 'Nguyễn Văn An');
    await store.open('Quên mật khẩu, tài khoản bị khóa');
    expect(store.verified).toBe(true);
  }
  const sent: ActionResult['delivery'] = { status: 'sent', channel: 'sms', destination: '09*****98' };

  it('checked: resetAndUnlock, not resetPassword', async () => {
    await verifiedOnAnnv();
    expect(store.ask('reset')).toBe(true);
    expect(store.unlockToo).toBe(false);
    store.unlockToo = true;
    const result: ActionResult = { action: 'reset-unlock', outcome: 'done', account: accountDetail({}, { locked: false, mustChangePassword: true }), delivery: sent };
    api.actions.resetAndUnlock.mockResolvedValueOnce(ok(result));
    expect(await store.act()).toBe(true);
    expect(api.actions.resetAndUnlock).toHaveBeenCalledWith({ caseId: verifiedCase().id });
    expect(api.actions.resetPassword).not.toHaveBeenCalled();
  });

  it('unchecked (the default, and again each time the reset is chosen): a plain reset', async () => {
    await verifiedOnAnnv();
    store.ask('reset');
    store.unlockToo = true;
    store.ask('reset');
    expect(store.unlockToo).toBe(false);
    api.actions.resetPassword.mockResolvedValueOnce(ok<ActionResult>({ action: 'reset', outcome: 'done', account: null, delivery: sent }));
    api.directory.getAccount.mockResolvedValueOnce(ok(accountDetail()));
    expect(await store.act()).toBe(true);
    expect(api.actions.resetPassword).toHaveBeenCalledTimes(1);
    expect(api.actions.resetAndUnlock).not.toHaveBeenCalled();
  });

  it('never turns an unlock into a reset', async () => {
    await verifiedOnAnnv();
    store.ask('unlock');
    store.unlockToo = true;
    api.actions.unlock.mockResolvedValueOnce(ok<ActionResult>({ action: 'unlock', outcome: 'done', account: accountDetail(), delivery: null }));
    expect(await store.act()).toBe(true);
    expect(api.actions.unlock).toHaveBeenCalledTimes(1);
    expect(api.actions.resetAndUnlock).not.toHaveBeenCalled();
  });
});
