import type { ErrorCode } from './errors';
import type { ApiError } from './result';
import type { Role } from './roles';
import type { Dialect, Locale, Settings } from './settings';

export type AppMode = 'training' | 'directory';

/** What the app is and how it runs; shown in the header and the training banner. */
export interface AppInfo {
  name: string;
  version: string;
  mode: AppMode;
  locale: Locale;
  /** Directory the app talks to (no credentials): host and base DN. */
  directory: { url: string; baseDn: string; dialect: Dialect } | null;
  /** Folder proposed for exports (the user's Downloads folder where there is one). */
  exportDir: string;
}

export interface OperatorInfo {
  username: string;
  displayName: string;
  dn: string;
  /** From the directory groups named in the profile's `roleGroups`, read at sign-in. */
  roles: Role[];
}

export interface SessionInfo {
  operator: OperatorInfo | null;
  /** ISO time the operator signed in. */
  since: string | null;
  mode: AppMode;
  /** Locked after `idleLockMinutes` without activity (or on request): only `session.unlock` and sign-out work. */
  locked: boolean;
  idleLockMinutes: number;
  /**
   * The first setup: training mode on a workstation that holds nothing yet (no production audit row,
   * no stored secret). Only then are the settings open without sign-in.
   */
  setupOpen: boolean;
}

/** How to read the search box. `auto` guesses from the shape of the text. */
export const QUERY_KINDS = [
  'auto',
  'username',
  'email',
  'phone',
  'citizenId',
  'taxCode',
  'socialInsurance',
  'name',
] as const;
export type QueryKind = (typeof QUERY_KINDS)[number];

export type AccountType = 'individual' | 'organisation' | 'social-insurance' | 'unknown';

export type ContactStatus = 'present' | 'missing' | 'invalid';

export interface MaskedContact {
  status: ContactStatus;
  /** `09*****98` / `ng***@tphcm.gov.vn`; null when missing. */
  masked: string | null;
}

export interface AccountState {
  locked: boolean;
  /** ISO time the directory locked the account, when known. */
  lockedAt: string | null;
  /** ISO time the lock ends by itself; null when it lasts until an operator unlocks. */
  lockedUntil: string | null;
  /** Failed logins the directory has counted. */
  failedLogins: number;
  disabled: boolean;
  mustChangePassword: boolean;
  passwordChangedAt: string | null;
  passwordExpiresAt: string | null;
  passwordExpired: boolean;
  passwordExpiringSoon: boolean;
}

export interface AccountSummary {
  /** Opaque id for later calls (the entry's DN). */
  id: string;
  username: string;
  displayName: string;
  unit: string | null;
  accountType: AccountType;
  state: AccountState;
  mobile: MaskedContact;
  backupEmail: MaskedContact;
}

export interface AccountDetail extends AccountSummary {
  mail: string | null;
  title: string | null;
  /** Identifiers, masked except for the last digits. */
  citizenId: string | null;
  taxCode: string | null;
  socialInsuranceCode: string | null;
  /** The password policy the state was judged against, when the directory exposes one. */
  policy: { maxAgeDays: number | null; expireWarningDays: number | null; maxFailures: number | null } | null;
  /**
   * The directory's policy does not hold users to "must change at next login" (OpenLDAP without
   * `pwdMustChange: TRUE`): a temporary password would stay usable as it is. Warned before a reset.
   */
  mustChangeNotEnforced: boolean;
}

export interface SearchResult {
  items: AccountSummary[];
  /** Matches found in all (may exceed items.length). */
  total: number;
  /** True when the directory stopped before every match was counted. */
  totalIsLowerBound: boolean;
  /** How the query was read, e.g. ['phone'] or ['taxCode', 'socialInsurance']. */
  readAs: QueryKind[];
}

export type ConnectionStep = 'config' | 'dns' | 'tcp' | 'tls' | 'bind' | 'baseDn';

export interface ConnectionStepReport {
  step: ConnectionStep;
  ok: boolean;
  ms: number;
  /** Error code (translated) when the step failed. */
  code?: ErrorCode;
  detail?: string;
}

/** What the connection test found that does not stop the connection but matters to the help desk. */
export const CONNECTION_WARNINGS = ['must_change_not_enforced', 'policy_unreadable'] as const;
export type ConnectionWarning = (typeof CONNECTION_WARNINGS)[number];

export interface ConnectionReport {
  ok: boolean;
  steps: ConnectionStepReport[];
  /** Shown beside a passing test (e.g. the OpenLDAP policy lets a temporary password stand). */
  warnings?: ConnectionWarning[];
}

export interface SettingsView {
  settings: Settings;
  servicePasswordStored: boolean;
  /** The SMS gateway's secret (API keys / token / SMPP password) is in the keychain. */
  smsSecretStored: boolean;
  /** The SMTP password is in the keychain. */
  mailPasswordStored: boolean;
  /** False when the OS keychain cannot be reached. */
  keychainAvailable: boolean;
}

/**
 * Every action the main process audits (the audit view's filter lists them, each has a label). The
 * audit log accepts no other: a new action is added here first.
 */
export const AUDIT_ACTIONS = [
  'session.signIn',
  'session.signOut',
  'session.lock',
  'session.unlock',
  'directory.search',
  'directory.view',
  'settings.save',
  'case.open',
  'code.send',
  'code.verify',
  'case.close',
  'case.override',
  'account.write',
  'account.unlock',
  'account.reset',
  'account.reset-unlock',
  'contact.code',
  'contact.verify',
  'account.contact',
  'access.denied',
  'audit.verify',
  'audit.export',
  'audit.purge',
  'audit.checkpoint',
  'dashboard.scan',
  'dashboard.export',
  'report.monthly',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  seq: number;
  at: string;
  operator: string | null;
  action: string;
  outcome: 'ok' | 'error' | 'refused';
  /** The account the row is about (username), if any. */
  target: string | null;
  /** That account's unit (đơn vị), when known. */
  unit: string | null;
  /** The case the row belongs to, if any (its timeline). */
  caseId: string | null;
  detail: Record<string, string | number | boolean | null>;
}

/** Criteria of the audit view and its exports; days are Vietnamese days (YYYY-MM-DD), both ends included. */
export interface AuditFilter {
  from?: string;
  to?: string;
  operator?: string;
  /** The account's username. */
  account?: string;
  action?: string;
  outcome?: 'ok' | 'error' | 'refused';
  unit?: string;
  caseId?: string;
}

/** One page of the audit view, newest first; `nextBefore` continues it (keyset paging: fast on 1M rows). */
export interface AuditPage {
  rows: AuditEntry[];
  nextBefore: number | null;
  /** Rows matching the filter (counted up to 100,000: beyond, `totalIsLowerBound`). */
  total: number;
  totalIsLowerBound: boolean;
}

/** The audit's figures for a period (and a unit): the audit dashboard and the monthly report. */
export interface AuditStats {
  /** Vietnamese days, both included. */
  period: { from: string; to: string };
  unit: string | null;
  totals: {
    /** Calls taken (cases opened). */
    cases: number;
    unlock: number;
    reset: number;
    resetUnlock: number;
    contact: number;
    /** Supervisor overrides of the verification. */
    override: number;
    /** Rows refused (gate, role, policy) and rows in error. */
    refused: number;
    errors: number;
  };
  /** Cases opened per day, every day of the period. */
  byDay: { day: string; cases: number }[];
  byAction: { action: string; ok: number; error: number; refused: number }[];
  byOperator: { operator: string; cases: number; actions: number }[];
  /** Median time from case opened to case closed, for cases opened and closed in the period. */
  medianHandlingSeconds: number | null;
  casesClosed: number;
}

/** The bucket of accounts whose unit attribute is empty (a unit really named so would share it). */
export const NO_UNIT = '(không có đơn vị)';

/** Counters of one unit, or of the whole directory. Each counter is independent of the others. */
export interface DashboardCounts {
  accounts: number;
  /** No usable recovery mobile: none stored, or none that is a valid Vietnamese mobile number. */
  noMobile: number;
  /** No usable backup e-mail: none stored, or none well-formed and different from the account's own mail. */
  noBackupEmail: number;
  /** Neither of the two: the account cannot be sent a code at all. */
  noContact: number;
  /** Locked after failed logins and still locked at `now` (an administrative lock is `disabled`, not this). */
  locked: number;
  /** Locked by an administrator with no end (ppolicy `000001010000Z`, AD/Zimbra disabled). */
  disabled: number;
  mustChangePassword: number;
  /**
   * The directory states no password change time (`passwordChangedAt` null): OpenLDAP has neither
   * pwdChangedTime nor createTimestamp, AD has pwdLastSet 0 or none (0 also follows a reset with
   * must-change), Zimbra has no zimbraPasswordModifiedTime.
   */
  passwordNeverChanged: number;
  /** Past its expiry at `now` (stated by the directory, or last change + the policy's max age). */
  passwordExpired: number;
}

export interface UnitCounts extends DashboardCounts {
  /** The unit as the directory writes it, or NO_UNIT. */
  unit: string;
}

export interface LockedAccountRow {
  dn: string;
  username: string;
  displayName: string;
  unit: string | null;
  /** ISO time of the lock; null when the directory does not state it (listed last). */
  lockedAt: string | null;
}

export interface DirectoryDashboard {
  /** The `now` the states were judged at (ISO). */
  at: string;
  totals: DashboardCounts;
  /** Sorted by unit name (Vietnamese order), NO_UNIT last. */
  units: UnitCounts[];
  /** Newest lock first, at most LOCKED_LIST_CAP rows. */
  lockedAccounts: LockedAccountRow[];
  /** True when more accounts are locked than listed (totals.locked says how many). */
  lockedListCapped: boolean;
}

/** A directory scan for the dashboards: it runs in the main process, the UI polls it. */
export interface ScanStatus {
  scanId: string;
  state: 'running' | 'done' | 'cancelled' | 'failed';
  /** Accounts read so far. */
  scanned: number;
  startedAt: string;
  finishedAt: string | null;
  /** When done. */
  result: DirectoryDashboard | null;
  /** When failed: the error (translated by the UI). */
  error: ApiError | null;
}

/** The monthly report of a unit (PDF, Vietnamese), to attach to an official letter. */
export interface MonthlyReport {
  agency: string;
  /** ISO time it was made. */
  generatedAt: string;
  /** Who made it (display name). */
  generatedBy: string;
  stats: AuditStats;
}

/** What a retention purge did. */
export interface AuditPurgeResult {
  /** Rows removed (0: nothing was older than the cutoff, nothing written). */
  purged: number;
  /** Last seq removed. */
  through: number | null;
  /** Seq of the checkpoint row that records it (range, and the hash of the last row removed). */
  checkpoint: number | null;
}

export interface ReportResult {
  path: string;
  pages: number;
  bytes: number;
}

export interface AuditExportResult {
  path: string;
  rows: number;
  bytes: number;
}

/** The last audit row's seq and hash: exported or printed, it makes a shortened chain visible. */
export interface AuditHead {
  seq: number;
  hash: string;
}

/** What a walk of the audit chain found. */
export interface AuditChainReport {
  ok: boolean;
  rows: number;
  head: AuditHead | null;
  problemCount: number;
  /**
   * Rows that do not check out, in seq order (at most 1000 listed): `hash` the row's content changed,
   * `link` its link to the previous row is broken, `missing` a seq is absent (a deleted row),
   * `truncated` rows are missing after the last one, `head` the row at the exported head differs.
   */
  problems: { seq: number; problem: 'hash' | 'link' | 'missing' | 'truncated' | 'head' }[];
  firstBad: number | null;
}

export type VerificationChannel = 'sms' | 'email';

export type CaseStatus = 'open' | 'code-sent' | 'verified' | 'expired' | 'closed';

/** A call as the operator sees it: the account, the reason, where the verification stands. */
export interface CaseView {
  id: string;
  account: { id: string; username: string; displayName: string };
  operator: string;
  reason: string;
  openedAt: string;
  /** `expired`: a code was sent (or verified) and its 5 minutes have run out. */
  status: CaseStatus;
  outcome: 'done' | 'abandoned' | 'expired' | null;
  channel: VerificationChannel | null;
  /** Masked destination of the last code. */
  destination: string | null;
  sentAt: string | null;
  expiresAt: string | null;
  verifiedAt: string | null;
  /** Wrong entries left today for this account (not reset by a resend). */
  attemptsLeft: number;
  resend: { availableAt: string | null; remainingToday: number };
  /** The registered contacts the code can go to (masked), with why one is unusable. */
  channels: { sms: MaskedContact; email: MaskedContact };
  /** The SMS as it will be sent (code shown as ******), with its length and segment count. */
  smsPreview: { text: string; characters: number; segments: number; encoding: 'GSM-7' | 'UCS-2' };
  /** A contact change waiting for the code sent to the new value. */
  pendingContact: PendingContact | null;
  /** How the caller was verified: a code read back, or a supervisor's recorded identity check. */
  verifiedBy: 'code' | 'override' | null;
  /** The supervisor override, when there was one (the identity check, never the CCCD itself). */
  override: { check: IdentityCheck; supervisor: string; at: string } | null;
  /**
   * Where a temporary password would go (masked): the contact proven in this case — the one the
   * code was read back from, or a new contact saved with its own code. Null: no reset possible yet.
   */
  deliveryContact: { channel: VerificationChannel; destination: string } | null;
  /**
   * The verification was used: `reset` — by a password reset, a new code is needed before anything
   * else changes the account; `contact` — by a contact change, only a reset to the contact just proven
   * may follow. Null while it is unused.
   */
  verificationSpent: 'reset' | 'contact' | null;
  /**
   * The last code's relay timed out: the message may have reached the caller (its send counts). The
   * operator asks whether it arrived before sending another. Null when no code is pending.
   */
  codeDelivery: 'accepted' | 'unknown' | null;
}

/** The identity check a supervisor records when overriding: CCCD compared with the directory, a document seen, an agency letter. */
export const IDENTITY_CHECKS = ['citizen-id', 'identity-document', 'agency-letter'] as const;
export type IdentityCheck = (typeof IDENTITY_CHECKS)[number];

export interface OverrideInput {
  caseId: string;
  check: IdentityCheck;
  /** `citizen-id` only: the 12-digit CCCD (or 9-digit CMND) the caller read or showed; compared, never stored. */
  citizenId?: string;
  /** What was checked and why the override is needed (e.g. "Mất SIM, chưa có thư dự phòng; CCCD khớp"). */
  note: string;
  /**
   * The directory holds a usable contact but the caller cannot reach it (lost SIM, mailbox closed):
   * the supervisor must say so explicitly; it is recorded. Without it, such a case is refused.
   */
  contactsUnreachable?: boolean;
}

/** A recovery contact being changed: the new value proves itself with its own code before it is saved. */
export interface PendingContact {
  kind: 'mobile' | 'backupEmail';
  /** Masked new value. */
  destination: string;
  expiresAt: string;
}

export interface VerifyResult {
  verified: boolean;
  attemptsLeft: number;
  case: CaseView;
}

/** What an account action did. The temporary password is never part of it. */
export interface ActionResult {
  action: 'unlock' | 'reset' | 'reset-unlock' | 'contact';
  /** `unknown`: the connection dropped after the write was sent — see `account` for what the directory holds now. */
  outcome: 'done' | 'unknown';
  account: AccountDetail | null;
  /** Reset only: where the temporary password went ("Đã gửi mật khẩu tạm thời tới 09*****98"). */
  delivery:
    | { status: 'sent'; channel: VerificationChannel; destination: string }
    | { status: 'failed'; channel: VerificationChannel; destination: string; code: ErrorCode }
    /** The relay timed out: the message may or may not have gone — ask the caller before resetting again. */
    | { status: 'unknown'; channel: VerificationChannel; destination: string; code: ErrorCode }
    | null;
  /** Contact change only: whether the previous contact was notified. */
  notice?: { status: 'sent' | 'failed' | 'none'; destination: string | null };
  /**
   * Reset only: the account was locked after failed logins before the write and, read again after it,
   * is not (OpenLDAP ppolicy ends a lockout when the password is replaced). Absent when it did not change.
   */
  lockoutEnded?: true;
  /**
   * False when the directory write was sent but the audit could not take the outcome row (a full disk,
   * STORAGE_FULL / STORAGE_ERROR): the result above stands as it is (`outcome`, `delivery`), and the
   * row written before the write (`account.write`) is the audit's record of it. Absent otherwise.
   */
  auditRecorded?: false;
}

export interface GateResult {
  allowed: true;
  expiresAt: string;
}

/** A message the training relays "sent": what the caller's phone or mailbox would show. */
export interface OutboxMessage {
  id: number;
  at: string;
  channel: VerificationChannel;
  to: string;
  subject: string | null;
  text: string;
  html: string | null;
  segments: number | null;
}
