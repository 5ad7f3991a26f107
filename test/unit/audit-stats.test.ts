import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src-main/common/dto';
import { createAuditTally } from '../../src-main/domain/audit-stats';

let seq = 0;
function row(at: string, action: string, over: Partial<AuditEntry> = {}): AuditEntry {
  return { seq: ++seq, at, operator: 'tongdai01', action, outcome: 'ok', target: 'annv', unit: 'Sở Nội vụ', caseId: null, detail: {}, ...over };
}

describe('audit tally (dashboards, monthly report)', () => {
  it('counts calls per VN day (zeros included), actions by outcome, operators, and the median handling time', () => {
    const t = createAuditTally({ from: '2026-11-01', to: '2026-11-05' }, 'Sở Nội vụ');
    // Case A on 1/11, 23:30 in Hà Nội → closed 3 minutes later.
    t.add(row('2026-11-01T16:30:00Z', 'case.open', { caseId: 'A' }));
    t.add(row('2026-11-01T16:31:00Z', 'code.send', { caseId: 'A' }));
    t.add(row('2026-11-01T16:32:00Z', 'account.unlock', { caseId: 'A' }));
    t.add(row('2026-11-01T16:33:00Z', 'case.close', { caseId: 'A' }));
    // Case B on 3/11: a reset, refused once first; closed after 10 minutes; by another operator.
    t.add(row('2026-11-03T02:00:00Z', 'case.open', { caseId: 'B', operator: 'giamsat01' }));
    t.add(row('2026-11-03T02:01:00Z', 'account.reset', { caseId: 'B', operator: 'giamsat01', outcome: 'refused' }));
    t.add(row('2026-11-03T02:02:00Z', 'account.reset', { caseId: 'B', operator: 'giamsat01' }));
    t.add(row('2026-11-03T02:10:00Z', 'case.close', { caseId: 'B', operator: 'giamsat01' }));
    // Case C on 3/11, still open at the end of the period: counted as a call, not in the median.
    t.add(row('2026-11-03T03:00:00Z', 'case.open', { caseId: 'C' }));
    t.add(row('2026-11-03T03:01:00Z', 'case.override', { caseId: 'C', operator: 'giamsat01' }));
    t.add(row('2026-11-04T03:01:00Z', 'code.send', { caseId: 'D', outcome: 'error' }));
    const r = t.result();
    // 16:30Z on 1/11 is 23:30 in Hà Nội: still the 1st.
    expect(r.byDay).toEqual([
      { day: '2026-11-01', cases: 1 },
      { day: '2026-11-02', cases: 0 },
      { day: '2026-11-03', cases: 2 },
      { day: '2026-11-04', cases: 0 },
      { day: '2026-11-05', cases: 0 },
    ]);
    expect(r.totals).toEqual({ cases: 3, unlock: 1, reset: 1, resetUnlock: 0, contact: 0, override: 1, refused: 1, errors: 1 });
    expect(r.medianHandlingSeconds).toBe((3 * 60 + 10 * 60) / 2);
    expect(r.casesClosed).toBe(2);
    expect(r.byOperator).toEqual([
      { operator: 'tongdai01', name: null, cases: 2, actions: 1 },
      { operator: 'giamsat01', name: null, cases: 1, actions: 1 },
    ]);
    expect(r.byAction.find((a) => a.action === 'account.reset')).toEqual({ action: 'account.reset', ok: 1, error: 0, refused: 1 });
    expect(r.unit).toBe('Sở Nội vụ');
  });

  it('an empty period: zeros for every day, no median', () => {
    const r = createAuditTally({ from: '2026-02-01', to: '2026-02-28' }, null).result();
    expect(r.byDay).toHaveLength(28);
    expect(r.byDay.every((d) => d.cases === 0)).toBe(true);
    expect(r.medianHandlingSeconds).toBeNull();
    expect(r.totals.cases).toBe(0);
  });

  it("names operators as their sign-ins in the period gave them (the directory's display name), also for a unit's report", () => {
    const t = createAuditTally({ from: '2026-11-01', to: '2026-11-05' }, 'Sở Nội vụ');
    // A unit's report does not read sign-ins as rows (they have no unit): only their names.
    t.learnName(row('2026-11-01T01:00:00Z', 'session.signIn', { unit: null, detail: { roles: 'operator', name: 'Đặng Thu Hà' } }));
    t.learnName(row('2026-11-01T01:00:00Z', 'session.signIn', { operator: 'x', outcome: 'refused', unit: null, detail: { name: 'Not Taken' } }));
    t.add(row('2026-11-01T02:00:00Z', 'case.open', { caseId: 'A' }));
    t.add(row('2026-11-01T02:00:00Z', 'case.open', { caseId: 'B', operator: 'giamsat01' }));
    const r = t.result();
    expect(r.byOperator).toEqual([
      { operator: 'giamsat01', name: null, cases: 1, actions: 0 },
      { operator: 'tongdai01', name: 'Đặng Thu Hà', cases: 1, actions: 0 },
    ]);
    expect(r.byAction.map((a) => a.action)).toEqual(['case.open']);
  });
});
