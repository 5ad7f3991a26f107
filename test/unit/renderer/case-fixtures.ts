import type { AccountDetail, AccountState, CaseView } from '../../../src-main/common/dto';

export const T0 = Date.parse('2026-11-23T08:00:00Z');
export const iso = (ms: number): string => new Date(ms).toISOString();

/** A case as the main process returns it, open on annv with both contacts present. */
export function caseView(over: Partial<CaseView> = {}): CaseView {
  return {
    id: '2b1f0c4e-7d1a-4c3e-9b1e-0a6f7e2c9d11',
    account: { id: 'uid=annv,ou=people,dc=daotao,dc=gov,dc=vn', username: 'annv', displayName: 'Nguyễn Văn An' },
    operator: 'tongdai01',
    reason: 'Quên mật khẩu',
    openedAt: iso(T0),
    status: 'open',
    outcome: null,
    channel: null,
    destination: null,
    sentAt: null,
    expiresAt: null,
    verifiedAt: null,
    pendingContact: null,
    attemptsLeft: 5,
    resend: { availableAt: null, remainingToday: 2 },
    channels: { sms: { status: 'present', masked: '09*****98' }, email: { status: 'present', masked: 'an***@gmail.com' } },
    smsPreview: {
      text: 'So TTTT: ma xac nhan tai khoan annv la ******, hieu luc 5 phut.',
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
    channel: 'sms',
    destination: '09*****98',
    sentAt: iso(T0),
    expiresAt: iso(T0 + 300_000),
    resend: { availableAt: iso(T0 + 300_000), remainingToday: 1 },
    ...over,
  });
}

/** The same case once the caller read the code back 20 s after it went out (live until T0 + 5 min). */
export function verifiedCase(over: Partial<CaseView> = {}): CaseView {
  return sentCase({ status: 'verified', verifiedAt: iso(T0 + 20_000), ...over });
}

/** annv as the directory returns it: locked, both contacts present. */
export function accountDetail(over: Partial<AccountDetail> = {}, state: Partial<AccountState> = {}): AccountDetail {
  return {
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
    ...over,
  };
}
