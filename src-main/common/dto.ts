import type { CallRules } from './case-dto';
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
  /** The rules of a call in force (code validity, spacing, daily cap, wrong entries), for what screens say. */
  rules: CallRules;
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
  /** Job title, where the directory has one: with the unit, it tells namesakes apart. */
  title: string | null;
  accountType: AccountType;
  state: AccountState;
  mobile: MaskedContact;
  backupEmail: MaskedContact;
}

/** A search result row: the account, and how many other rows of the same answer bear the same name. */
export interface SearchItem extends AccountSummary {
  /**
   * Other rows of this answer whose name is the same, diacritics and case aside ("Nguyễn Văn An",
   * "Nguyễn Văn Ân"): 0 when the name is unique among them. Enter never opens such a row unchosen.
   */
  namesakes: number;
}

/** What stops the caller signing in now: locked by an administrator, locked after failed logins, the password expired. */
export const SIGN_IN_BLOCKERS = ['disabled', 'locked', 'password-expired'] as const;
export type SignInBlocker = (typeof SIGN_IN_BLOCKERS)[number];

/**
 * Whether the caller can sign in, judged by the main process from the account's state (the directory's
 * word): what blocks them now, and what each action would leave in the way (the confirmation warns).
 */
export interface SignInVerdict {
  blockers: SignInBlocker[];
  after: { unlock: SignInBlocker[]; reset: SignInBlocker[]; 'reset-unlock': SignInBlocker[] };
  /**
   * The one next step: the first action that leaves nothing in the way (an unlock keeps the password, so
   * it comes first), a reset when nothing blocks (a forgotten password), or a supervisor when no action
   * here would do (an administrative lock). The primary button after verification, the result's advice.
   */
  next: 'unlock' | 'reset' | 'reset-unlock' | 'supervisor';
}

export interface AccountDetail extends AccountSummary {
  /** Whether the caller can sign in now, and what each action would leave (see SignInVerdict). */
  signIn: SignInVerdict;
  mail: string | null;
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
  /** No registered contact a code can go to: the caller needs a supervisor (override), said before a case starts. */
  noUsableContact: boolean;
}

export interface SearchResult {
  items: SearchItem[];
  /** Matches found in all (may exceed items.length). */
  total: number;
  /** True when the directory stopped before every match was counted. */
  totalIsLowerBound: boolean;
  /**
   * True when the directory server's own limits (e.g. a size limit on the service account) ended the
   * search: a partial answer, some matches may be missing from items; the operator should narrow the query.
   */
  limitedByDirectory?: boolean;
  /** How the query was read, e.g. ['phone'] or ['taxCode', 'socialInsurance']. */
  readAs: QueryKind[];
  /**
   * The local search index of the directory, when there is one (directory mode): when it was built and
   * last brought up to date (ISO), how many accounts it holds, and whether it answered this search
   * (false: the directory was searched directly — the index not built yet or too old).
   */
  index?: SearchIndexInfo;
}

export interface SearchIndexInfo {
  builtAt: string;
  refreshedAt: string;
  accounts: number;
  used: boolean;
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

/** Team mode as this workstation sees it (settings, team store, its clock). */
export interface TeamStatus {
  /** A team store is configured (directory mode). */
  enabled: boolean;
  workstation: string | null;
  /** The store's address without credentials (postgres://user@host:port/db). */
  url: string | null;
  /** `connected`: schema and keys checked; `unavailable`: cannot be reached now; `not-joined`: the keys are missing. */
  state: 'off' | 'connected' | 'unavailable' | 'not-joined';
  error: ApiError | null;
  /** The database clock minus this workstation's (ms), when connected. */
  clockOffsetMs: number | null;
  /**
   * The directory and relay profile a supervisor published for the team (taken at sign-in): its version,
   * who published it where and when, whether this workstation runs it, and which of this workstation's
   * secrets it still lacks (then it keeps its own profile until a supervisor enters them here).
   */
  profile: {
    version: number;
    publishedBy: string;
    publishedOn: string;
    publishedAt: string;
    applied: boolean;
    missing: ('servicePassword' | 'smsSecret' | 'mailPassword')[];
    /** Not taken by any workstation: `not_authentic` (changed in the database, not by a member), `invalid` (not a profile this app runs). */
    refused: 'not_authentic' | 'invalid' | null;
  } | null;
}

export * from './audit-dto';
export * from './case-dto';
export * from './dashboard-dto';
