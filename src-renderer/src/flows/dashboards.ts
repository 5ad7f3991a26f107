import type { DashboardCounts, UnitCounts } from '@common/dto';
import type { ApiError } from '@common/result';
import { type ExportFormat } from '../export-path';
import { vnDay, vnMonth } from '../format';

export type ScanList = 'units' | 'locked';

export const SCAN_LISTS = ['units', 'locked'] as const satisfies readonly ScanList[];

// ---------------------------------------------------------------------------------------------
// Per-unit table

/** The counters of the per-unit table, in the order of its columns. */
export const COUNT_KEYS = [
  'accounts',
  'noMobile',
  'noBackupEmail',
  'noContact',
  'locked',
  'disabled',
  'mustChangePassword',
  'passwordNeverChanged',
  'passwordExpired',
] as const satisfies readonly (keyof DashboardCounts)[];

export type CountKey = (typeof COUNT_KEYS)[number];

/** A row of the per-unit table: the unit's counters and its share of accounts without a usable recovery mobile. */
export interface UnitRow extends UnitCounts {
  /** noMobile / accounts (0…1); null for a unit with no account. */
  noMobileShare: number | null;
  /** The row's place in the main process's order (unit names in Vietnamese order, NO_UNIT last). */
  order: number;
}

export type UnitSortKey = 'unit' | 'noMobileShare' | CountKey;

export type SortDirection = 'asc' | 'desc';

export const UNIT_SORT_KEYS = ['unit', ...COUNT_KEYS, 'noMobileShare'] as const satisfies readonly UnitSortKey[];

/** The share of accounts without a usable recovery mobile (campaign 001: every account gets one); null without accounts. */
export function noMobileShare(c: Pick<DashboardCounts, 'accounts' | 'noMobile'>): number | null {
  return c.accounts > 0 ? c.noMobile / c.accounts : null;
}

export function unitRows(units: readonly UnitCounts[]): UnitRow[] {
  return units.map((u, order) => ({ ...u, noMobileShare: noMobileShare(u), order }));
}

/**
 * The rows sorted by a column. `unit` keeps the main process's order (Vietnamese collation, NO_UNIT
 * last) or reverses it; numbers sort by value, ties in unit order, and a unit without accounts (no
 * share) always last. Returns a new array.
 */
export function sortUnits(rows: readonly UnitRow[], key: UnitSortKey, direction: SortDirection): UnitRow[] {
  const sign = direction === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    if (key === 'unit') return sign * (a.order - b.order);
    const x = a[key];
    const y = b[key];
    if (x === null || y === null) return x === y ? a.order - b.order : x === null ? 1 : -1;
    return x !== y ? sign * (x - y) : a.order - b.order;
  });
}

/** The direction a column starts in when first clicked: names A→Z, figures largest first. */
export function defaultDirection(key: UnitSortKey): SortDirection {
  return key === 'unit' ? 'asc' : 'desc';
}

// ---------------------------------------------------------------------------------------------
// Periods (Vietnamese days)

export interface Period {
  from: string;
  to: string;
}

/** This month in Vietnam: from its 1st to today (both VN days). */
export function currentMonthPeriod(now: Date): Period {
  const today = vnDay(now);
  return { from: `${today.slice(0, 7)}-01`, to: today };
}

/** `YYYY-MM` of the month before a `YYYY-MM`. */
export function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/** The last day of a `YYYY-MM` (`YYYY-MM-DD`). */
export function lastDayOf(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return `${month}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, '0')}`;
}

/** Last month in Vietnam, whole: from its 1st to its last day. */
export function previousMonthPeriod(now: Date): Period {
  const month = previousMonth(vnMonth(now));
  return { from: `${month}-01`, to: lastDayOf(month) };
}

// ---------------------------------------------------------------------------------------------
// File names and error places

/** The file name proposed for a scan list: `thong-ke-theo-don-vi-<day>.<format>` or `tai-khoan-bi-khoa-<day>.<format>`. */
export function scanExportName(list: ScanList, format: ExportFormat, day: string): string {
  return `${list === 'units' ? 'thong-ke-theo-don-vi' : 'tai-khoan-bi-khoa'}-${day}.${format}`;
}

/** The file name proposed for a monthly report: `bao-cao-<yyyy-mm>.pdf`. */
export function reportName(month: string): string {
  return `bao-cao-${month}.pdf`;
}

export type StatsField = 'from' | 'to' | 'unit';

export type ReportField = 'month' | 'unit' | 'fileName';

/** The period field an audit-stats error belongs to (the schema names `from`, the calendar check `filter.from`). */
export function statsErrorField(error: ApiError | null): StatsField | null {
  const field = error?.field?.replace(/^filter\./u, '');
  return field === 'from' || field === 'to' || field === 'unit' ? field : null;
}

/** The report field an error belongs to. */
export function reportErrorField(error: ApiError | null): ReportField | null {
  const field = error?.field;
  return field === 'month' || field === 'unit' || field === 'fileName' ? field : null;
}
