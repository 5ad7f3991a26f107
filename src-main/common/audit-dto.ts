/** The audit as the contract gives it: actions, rows, filters, pages, figures, the chain and its head. */


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
  'case.takeOver',
  'case.handOff',
  'case.take',
  'case.approval',
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
  'team.join',
  'team.joinSecret',
  'audit.import',
  'team.profile',
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
  /** `name`: the operator's full name as the directory gave it at their sign-in in the period (null when unknown). */
  byOperator: { operator: string; name: string | null; cases: number; actions: number }[];
  /** Median time from case opened to case closed, for cases opened and closed in the period. */
  medianHandlingSeconds: number | null;
  casesClosed: number;
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
  problems: { seq: number; problem: 'hash' | 'link' | 'missing' | 'truncated' | 'head'; segment?: number }[];
  firstBad: number | null;
  /**
   * Team store: the workstations' own audits brought along when they joined, each a chain of its own
   * (`problems` then name their `segment`). Absent on a workstation's own SQLite.
   */
  segments?: { id: number; workstation: string; rows: number; localVerified: boolean }[];
}
