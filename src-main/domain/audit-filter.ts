import type { AuditFilter } from '../common/dto';
import { HelpdeskError } from './errors';
import { vnDate, vnDay, vnDayStartMs } from './vn-time';

/** Nothing was audited before this app existed; a range reaching further back is a typo. */
const EARLIEST = '2020-01-01';
const DAY_MS = 86_400_000;

/** A filter ready for the store: the day range as UTC instants [fromIso, toIso), the rest as given. */
export interface ResolvedAuditFilter {
  fromIso: string | null;
  toIso: string | null;
  operator: string | null;
  account: string | null;
  action: string | null;
  outcome: AuditFilter['outcome'] | null;
  unit: string | null;
  caseId: string | null;
}

/** Every row. */
export const ALL_AUDIT_ROWS: ResolvedAuditFilter = { fromIso: null, toIso: null, operator: null, account: null, action: null, outcome: null, unit: null, caseId: null };

/** 00:00 of a VN day, as a UTC instant; a day that does not exist is refused. */
function vnDayStart(day: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const ms = vnDayStartMs(day);
  // 2026-02-30 parses as March 2nd (or not at all): refuse days that do not exist.
  const back = Number.isNaN(ms) ? null : vnDate(new Date(ms));
  if (!back || back.year !== y || back.month !== m || back.day !== d) {
    throw new HelpdeskError('VALIDATION_FAILED', { field: 'filter', reason: 'invalid_value', detail: 'no such day' });
  }
  return ms;
}

/** Today's VN day as YYYY-MM-DD. */
export function vnToday(now: Date): string {
  return vnDay(now);
}

/**
 * Checks an audit filter against the calendar: days that exist, `from` not after `to`, nothing before
 * 2020 or after today. Text criteria are passed on as values (bound parameters, never SQL).
 */
export function resolveAuditFilter(f: AuditFilter, now: Date): ResolvedAuditFilter {
  const today = vnToday(now);
  for (const [field, day] of [['filter.from', f.from], ['filter.to', f.to]] as const) {
    if (day !== undefined && (day < EARLIEST || day > today)) {
      throw new HelpdeskError('VALIDATION_FAILED', { field, reason: 'out_of_range' });
    }
  }
  if (f.from !== undefined && f.to !== undefined && f.from > f.to) {
    throw new HelpdeskError('VALIDATION_FAILED', { field: 'filter.to', reason: 'reversed_range' });
  }
  return {
    fromIso: f.from === undefined ? null : new Date(vnDayStart(f.from)).toISOString(),
    toIso: f.to === undefined ? null : new Date(vnDayStart(f.to) + DAY_MS).toISOString(),
    operator: f.operator ?? null,
    account: f.account ?? null,
    action: f.action ?? null,
    outcome: f.outcome ?? null,
    unit: f.unit ?? null,
    caseId: f.caseId ?? null,
  };
}

/**
 * Retention: rows written before 00:00 (VN) of the day `months` months before today may be purged.
 * (31 March minus one month is 28/29 February: the day is clamped to the month's end.)
 */
export function retentionCutoff(now: Date, months: number): { day: string; iso: string } {
  const [y, m, d] = vnToday(now).split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) - months;
  const year = Math.floor(total / 12);
  const month = total % 12;
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = `${year}-${String(month + 1).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
  return { day, iso: new Date(vnDayStart(day)).toISOString() };
}
