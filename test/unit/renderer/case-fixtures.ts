import type { AccountDetail, AccountState, CallRules, CaseView, OperatorInfo, SessionInfo } from '../../../src-main/common/dto';
import type { Role } from '../../../src-main/common/roles';
import { signInVerdict } from '../../../src-main/domain/account-view';

export const T0 = Date.parse('2026-11-23T08:00:00Z');
export const iso = (ms: number): string => new Date(ms).toISOString();

/** A case as the main process returns it, open on annv with both contacts present. */
export function caseView(over: Partial<CaseView> = {}): CaseView {
  return {
    id: '2b1f0c4e-7d1a-4c3e-9b1e-0a6f7e2c9d11',
    account: { id: 'uid=annv,ou=people,dc=daotao,dc=gov,dc=vn', username: 'annv', displayName: 'Nguyễn Văn An' },
    operator: 'tongdai01',
    holder: 'tongdai01',
    holderSince: iso(T0),
    reason: 'Quên mật khẩu',
    openedAt: iso(T0),
    handOff: null,
    approval: null,
    status: 'open',
    outcome: null,
    channel: null,
    destination: null,
    sentAt: null,
    expiresAt: null,
    verifiedAt: null,
    pendingContact: null,
    verifiedBy: null,
    override: null,
    deliveryContact: null,
    verificationSpent: null,
    codeDelivery: null,
    attemptsLeft: 5,
    policy: RULES,
    resend: { availableAt: { sms: null, email: null }, remainingToday: 2 },
    channels: { sms: { status: 'present', masked: '09*****98' }, email: { status: 'present', masked: 'an***@gmail.com' } },
    smsPreview: {
      text: 'So TTTT: ma OTP tai khoan annv la ******, hieu luc 5 phut.',
      characters: 62,
      segments: 1,
      encoding: 'GSM-7',
    },
    ...over,
  };
}

/** The same case after a code went out by SMS at T0 (valid 5 minutes, next send 5 minutes later). */
export function sentCase(over: Partial<CaseView> = {}): CaseView {
  return caseView({
    status: 'code-sent',
    codeDelivery: 'accepted',
    channel: 'sms',
    destination: '09*****98',
    sentAt: iso(T0),
    expiresAt: iso(T0 + 300_000),
    resend: { availableAt: { sms: iso(T0 + 300_000), email: null }, remainingToday: 1 },
    ...over,
  });
}

/** The same case once the caller read the code back 20 s after it went out (live until T0 + 5 min). */
export function verifiedCase(over: Partial<CaseView> = {}): CaseView {
  return sentCase({
    status: 'verified',
    verifiedAt: iso(T0 + 20_000),
    verifiedBy: 'code',
    deliveryContact: { channel: 'sms', destination: '09*****98' },
    ...over,
  });
}

/**
 * cuonglh's case: no mobile, no backup e-mail (no code can go anywhere). `overridden`: verified by a
 * supervisor's CCCD check at T0 + 30 s (live 5 minutes), with no contact to send a password to yet.
 */
export function noContactCase(overridden = false, over: Partial<CaseView> = {}): CaseView {
  const base = caseView({
    account: { id: 'uid=cuonglh,ou=stttt,ou=people,dc=daotao,dc=gov,dc=vn', username: 'cuonglh', displayName: 'Lê Hữu Cường' },
    operator: 'giamsat01',
    channels: { sms: { status: 'missing', masked: null }, email: { status: 'missing', masked: null } },
  });
  if (!overridden) return { ...base, ...over };
  return {
    ...base,
    status: 'verified',
    verifiedAt: iso(T0 + 30_000),
    expiresAt: iso(T0 + 330_000),
    verifiedBy: 'override',
    override: { check: 'citizen-id', supervisor: 'giamsat01', at: iso(T0 + 30_000) },
    deliveryContact: null,
    ...over,
  };
}

/** annv as the directory returns it: locked, both contacts present. */
export function accountDetail(over: Partial<AccountDetail> = {}, state: Partial<AccountState> = {}): AccountDetail {
  const detail: Omit<AccountDetail, 'signIn'> = {
    id: 'uid=annv,ou=people,dc=daotao,dc=gov,dc=vn',
    username: 'annv',
    displayName: 'Nguyễn Văn An',
    unit: 'Sở Thông tin và Truyền thông',
    accountType: 'individual',
    state: {
      locked: true,
      lockedAt: iso(T0 - 3_600_000),
      lockedUntil: null,
      failedLogins: 5,
      disabled: false,
      mustChangePassword: false,
      passwordChangedAt: null,
      passwordExpiresAt: null,
      passwordExpired: false,
      passwordExpiringSoon: false,
      ...state,
    },
    mobile: { status: 'present', masked: '09*****98' },
    backupEmail: { status: 'present', masked: 'an***@gmail.com' },
    mail: 'annv@stttt.daotao.gov.vn',
    title: null,
    citizenId: null,
    taxCode: null,
    socialInsuranceCode: null,
    policy: null,
    mustChangeNotEnforced: false,
    noUsableContact: false,
    ...over,
  };
  // What the main process says about signing in, from the same state (the domain's rule, OpenLDAP).
  return { signIn: signInVerdict(detail.state, true), ...detail, ...(over.signIn ? { signIn: over.signIn } : {}) };
}

/** The rules of a call as the main process sends them (the domain's defaults). */
export const RULES: CallRules = { validityMinutes: 5, maxWrong: 5, minIntervalMinutes: 5, maxPerDay: 2, maxIdentityMismatches: 3 };

/** An operator as the main process signs one in. */
export const operatorInfo = (username: string, roles: Role[], displayName = username): OperatorInfo => ({ username, displayName, dn: `uid=${username}`, roles });

/** The session as the main process reports it: signed in as tongdai01 (operator) in training mode, unless told otherwise. */
export function sessionInfo(over: Partial<SessionInfo> = {}): SessionInfo {
  return { operator: operatorInfo('tongdai01', ['operator'], 'Đặng Thu Hà'), since: iso(T0), mode: 'training', locked: false, idleLockMinutes: 10, setupOpen: false, rules: RULES, ...over };
}
