import type { AuditEntry, AuditStats } from '../common/dto';
import { vnDay } from './vn-time';


/** The account actions counted in the reports, by their audit action. */
const ACTIONS = {
  'account.unlock': 'unlock',
  'account.reset': 'reset',
  'account.reset-unlock': 'resetUnlock',
  'account.contact': 'contact',
} as const;

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The figures of the audit dashboards and the monthly report, from the audit rows of a period (fed in
 * order): requests (cases opened) per day, account actions by outcome, per operator, and the median
 * handling time of the cases opened and closed in the period.
 */
export function createAuditTally(period: { from: string; to: string }, unit: string | null) {
  const days = new Map<string, number>();
  const byAction = new Map<string, { ok: number; error: number; refused: number }>();
  const byOperator = new Map<string, { cases: number; actions: number }>();
  const opened = new Map<string, number>();
  /** Operators' full names, from their sign-ins (the directory's display name at the time). */
  const names = new Map<string, string>();
  const handling: number[] = [];
  const totals: AuditStats['totals'] = { cases: 0, unlock: 0, reset: 0, resetUnlock: 0, contact: 0, override: 0, refused: 0, errors: 0 };
  const operatorOf = (name: string | null) => {
    const key = name ?? '(không rõ)';
    let o = byOperator.get(key);
    if (!o) byOperator.set(key, (o = { cases: 0, actions: 0 }));
    return o;
  };

  const learnName = (r: AuditEntry): void => {
    if (r.action === 'session.signIn' && r.outcome === 'ok' && r.operator && typeof r.detail.name === 'string' && r.detail.name !== '') names.set(r.operator, r.detail.name);
  };

  return {
    /** A sign-in row read only for its name (a unit's report does not count sign-ins, which have no unit). */
    learnName,
    add(r: AuditEntry): void {
      learnName(r);
      let a = byAction.get(r.action);
      if (!a) byAction.set(r.action, (a = { ok: 0, error: 0, refused: 0 }));
      a[r.outcome]++;
      if (r.outcome === 'refused') totals.refused++;
      if (r.outcome === 'error') totals.errors++;
      if (r.action === 'case.open' && r.outcome === 'ok') {
        totals.cases++;
        operatorOf(r.operator).cases++;
        const day = vnDay(r.at);
        days.set(day, (days.get(day) ?? 0) + 1);
        if (r.caseId) opened.set(r.caseId, Date.parse(r.at));
      }
      if (r.action === 'case.override' && r.outcome === 'ok') totals.override++;
      const counted = ACTIONS[r.action as keyof typeof ACTIONS];
      if (counted && r.outcome === 'ok') {
        totals[counted]++;
        operatorOf(r.operator).actions++;
      }
      if (r.action === 'case.close' && r.caseId && opened.has(r.caseId)) {
        handling.push((Date.parse(r.at) - opened.get(r.caseId)!) / 1000);
        opened.delete(r.caseId);
      }
    },
    result(): AuditStats {
      const byDay: AuditStats['byDay'] = [];
      // Every day of the period, zeros included, so a chart has no gaps.
      for (let t = Date.parse(`${period.from}T00:00:00Z`); t <= Date.parse(`${period.to}T00:00:00Z`); t += 86_400_000) {
        const day = new Date(t).toISOString().slice(0, 10);
        byDay.push({ day, cases: days.get(day) ?? 0 });
      }
      return {
        period,
        unit,
        totals,
        byDay,
        byAction: [...byAction].map(([action, c]) => ({ action, ...c })).sort((x, y) => x.action.localeCompare(y.action)),
        byOperator: [...byOperator].map(([operator, c]) => ({ operator, name: names.get(operator) ?? null, ...c })).sort((x, y) => y.cases - x.cases || x.operator.localeCompare(y.operator)),
        medianHandlingSeconds: median(handling),
        casesClosed: handling.length,
      };
    },
  };
}
