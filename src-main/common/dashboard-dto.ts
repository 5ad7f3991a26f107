/** The directory dashboards and the monthly report as the contract gives them. */
import type { ApiError } from './result';
import type { AuditStats } from './audit-dto';

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
  /** The list was left out for this user (an auditor sees counts per unit, not names: seesAccountNames). */
  lockedNamesWithheld?: boolean;
  /** The directory's limits kept part of the accounts from being read even in smaller searches: the counts are partial. */
  limitedByDirectory?: boolean;
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
