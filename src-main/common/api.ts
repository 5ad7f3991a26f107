import type { Result } from './result';
import type {
  ActionResult,
  CaseSummary,
  CaseView,
  GateResult,
  OverrideInput,
  OutboxMessage,
  VerificationChannel,
  VerifyResult,
  AccountDetail,
  AppInfo,
  AuditChainReport,
  AuditEntry,
  AuditExportResult,
  AuditFilter,
  AuditHead,
  AuditPage,
  AuditPurgeResult,
  AuditStats,
  ReportResult,
  ScanStatus,
  ConnectionReport,
  QueryKind,
  SearchIndexInfo,
  SearchResult,
  SessionInfo,
  SettingsView,
  TeamStatus,
} from './dto';
import type { Settings, TeamSettings } from './settings';

type Call<I, O> = (input: I) => Promise<Result<O>>;
type Empty = Record<string, never>;

/**
 * The whole contract between the UI and the main process. Each method takes one input object and
 * resolves to a Result: errors cross as data. Electron IPC, the web harness and tests share it.
 */
export interface HelpdeskApi {
  app: {
    /** Name, version, training or directory mode, locale. */
    info: Call<Empty, AppInfo>;
  };
  session: {
    /** Who is signed in, if anyone. */
    current: Call<Empty, SessionInfo>;
    /** Signs the operator in with their own directory account. */
    signIn: Call<{ username: string; password: string }, SessionInfo>;
    /** Signs the operator out. */
    signOut: Call<Empty, SessionInfo>;
    /** Locks the session now (the UI does it after the idle time; the main process also does on its own). */
    lock: Call<Empty, SessionInfo>;
    /** Unlocks with the same operator's password; the roles are read again. */
    unlock: Call<{ password: string }, SessionInfo>;
  };
  directory: {
    /** Finds accounts by username, e-mail, mobile, CCCD/CMND, tax code, BHXH code or name. */
    search: Call<{ query: string; kind?: QueryKind }, SearchResult>;
    /** Reads one account with its state and masked contacts. */
    getAccount: Call<{ id: string }, AccountDetail>;
    /** Brings the local search index up to date now (builds it if there is none); null: no index (training mode). */
    refreshIndex: Call<Empty, SearchIndexInfo | null>;
  };
  settings: {
    /** The current settings (no secrets) and whether the service password is stored. */
    get: Call<Empty, SettingsView>;
    /**
     * Validates and saves settings; given secrets (service password, SMS gateway secret, SMTP password)
     * go to the OS keychain only, keyed to the endpoint they were given for.
     */
    save: Call<{ settings: Settings; servicePassword?: string; smsSecret?: string; mailPassword?: string }, SettingsView>;
    /** Tests a directory profile step by step: DNS, TCP, TLS, bind, base DN. */
    testConnection: Call<{ settings: Settings; servicePassword?: string }, ConnectionReport>;
  };
  audit: {
    /** The latest audit rows, newest first. */
    recent: Call<{ limit?: number }, AuditEntry[]>;
    /** The chain's head (last seq and hash), to export or print and keep elsewhere. */
    head: Call<Empty, AuditHead | null>;
    /** Supervisor: walks the whole chain; with an exported head, also detects rows cut from the end. */
    verify: Call<{ head?: AuditHead }, AuditChainReport>;
    /** Supervisor, auditor: the audit view — filtered, newest first, a page at a time (`before` = the last seq seen). */
    query: Call<{ filter: AuditFilter; before?: number; limit?: number }, AuditPage>;
    /** Supervisor, auditor: every row of one case in order (opened → code sent → verified → action → closed). */
    timeline: Call<{ caseId: string }, AuditEntry[]>;
    /**
     * Supervisor: removes the rows older than the retention setting (default 24 months); a checkpoint
     * row records the range and the last hash, so the chain still verifies.
     */
    purge: Call<Empty, AuditPurgeResult>;
    /**
     * Supervisor, auditor: the filtered rows to a new CSV (UTF-8, Excel-safe) or XLSX file named
     * `fileName`, in the folder the main process chooses (save dialog / export folder); written whole
     * or not at all, never over an existing file. The result names the file written.
     */
    export: Call<{ filter: AuditFilter; format: 'csv' | 'xlsx'; fileName: string }, AuditExportResult>;
  };
  cases: {
    /**
     * Opens a case on an account for the caller on the line, with the operator's reason or ticket. When
     * another user is handling the account (an open case of theirs), CASE_HELD says who and since when;
     * `takeOver: true` (the operator confirmed) ends their case and opens this one (audited).
     */
    open: Call<{ accountId: string; reason: string; takeOver?: boolean }, CaseView>;
    /** Reads a case the signed-in user holds (on any workstation of the team). */
    get: Call<{ caseId: string }, CaseView>;
    /** The open cases the signed-in user holds, newest first: one opened on another workstation is continued here. */
    mine: Call<Empty, CaseSummary[]>;
    /** Hands the case to the supervisors ("Chuyển giám sát viên"), with why; it waits in their queue. */
    handOff: Call<{ caseId: string; note: string }, CaseView>;
    /** Supervisor: the cases waiting for a supervisor — handed over, or waiting for a second approval. */
    queue: Call<Empty, CaseSummary[]>;
    /** Supervisor: takes a handed-over case; it becomes theirs, with its verification and code (audited). */
    take: Call<{ caseId: string }, CaseView>;
    /**
     * Supervisor, four eyes: approves the reset another supervisor asks for after an override and a
     * contact change. Never one's own (ACTION_NOT_PERMITTED, reason `self_approval`).
     */
    approve: Call<{ caseId: string }, CaseSummary>;
    /** Sends a one-time code to the account's registered mobile (SMS) or backup e-mail. */
    sendCode: Call<{ caseId: string; channel: VerificationChannel }, CaseView>;
    /** Checks the code the caller read back. */
    verifyCode: Call<{ caseId: string; code: string }, VerifyResult>;
    /** Closes a case: done, or abandoned ("Quay lại"). */
    close: Call<{ caseId: string; outcome: 'done' | 'abandoned' }, CaseView>;
    /** Whether account actions may run now on this case (verified, same account, not expired). */
    gate: Call<{ caseId: string }, GateResult>;
    /**
     * Supervisor only, for a caller with no usable contact at all: records the identity check done
     * (CCCD compared with the directory, identity document seen, agency letter) and the reason, and
     * lets the case act as verified for one verification period.
     */
    override: Call<OverrideInput, CaseView>;
  };
  actions: {
    /** Unlocks the case's account (password untouched) — only with a live verification of that account in that case. */
    unlock: Call<{ caseId: string }, ActionResult>;
    /** Sets a generated temporary password with must-change, delivered only to the verified channel. */
    resetPassword: Call<{ caseId: string }, ActionResult>;
    /** Supervisor only: the reset above and the unlock in one modify (never one without the other). */
    resetAndUnlock: Call<{ caseId: string }, ActionResult>;
    /** Sends a code to a NEW recovery mobile or backup e-mail (the caller reads it back before it is saved). */
    sendContactCode: Call<{ caseId: string; kind: 'mobile' | 'backupEmail'; value: string }, CaseView>;
    /** Saves the new contact once its code is read back; the previous contact gets a notice. */
    updateContact: Call<{ caseId: string; code: string }, ActionResult>;
  };
  dashboards: {
    /** Supervisor, auditor: requests per day, by action and outcome, by operator, median handling time — for a period (and a unit). */
    auditStats: Call<{ from: string; to: string; unit?: string }, AuditStats>;
    /** Supervisor, auditor: starts the directory scan (or returns the one running): locked accounts, missing contacts per unit. */
    scanStart: Call<Empty, ScanStatus>;
    /** Progress of a scan, and its result once done. */
    scanStatus: Call<{ scanId: string }, ScanStatus>;
    /** Stops a running scan (state becomes `cancelled` within a page). */
    scanCancel: Call<{ scanId: string }, ScanStatus>;
    /** A finished scan's list — the per-unit counts or the locked accounts — to a new CSV or XLSX file `fileName` (folder chosen in the main process). */
    exportScan: Call<{ scanId: string; list: 'units' | 'locked'; format: 'csv' | 'xlsx'; fileName: string }, AuditExportResult>;
  };
  reports: {
    /**
     * Supervisor, auditor: the monthly report of a unit (or of all units) as a PDF in Vietnamese —
     * title, period, totals, a chart of calls per day, tables by action and operator — at `path`.
     */
    monthly: Call<{ month: string; unit?: string; fileName: string }, ReportResult>;
  };
  team: {
    /** Whether this workstation works on a team store, and how that store answers now. */
    status: Call<Empty, TeamStatus>;
    /**
     * Joins this workstation to the hotline's team store (supervisor): the store's password and the team's
     * keys go to the keychain (the keys from a one-time join secret made on a member; without one, only a
     * store no team has founded yet is taken, and this workstation founds it). Then the settings are saved
     * with the team profile: the session ends, the audit and the counters are the team's from now on.
     */
    join: Call<{ team: TeamSettings; password: string; joinSecret?: string }, TeamStatus>;
    /** On a member (supervisor): a one-time join secret for another workstation, shown once. */
    createJoinSecret: Call<Empty, { secret: string; expiresAt: string }>;
    /**
     * Supervisor, on a member: publishes this workstation's directory and relay profile (no secret) for the
     * team; every workstation takes it at its next sign-in (where its keychain holds the secrets it needs).
     */
    publishProfile: Call<Empty, TeamStatus>;
  };
  outbox: {
    /** Training mode: the messages the relays would have sent, newest first. */
    list: Call<{ limit?: number }, OutboxMessage[]>;
  };
}

export type ApiGroup = keyof HelpdeskApi;
export type ApiMethod<G extends ApiGroup> = keyof HelpdeskApi[G] & string;
export type ApiInput<G extends ApiGroup, M extends ApiMethod<G>> = HelpdeskApi[G][M] extends Call<infer I, unknown>
  ? I
  : never;
