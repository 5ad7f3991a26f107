import { HelpdeskError } from '../../src-main/domain/errors';
import type { AuditLog, AuditRecord } from '../../src-main/domain/ports';

/** An AuditLog for unit tests of the app module alone: it keeps the records it was given, in order. */
export function recordingAudit(records: AuditRecord[]): AuditLog {
  return {
    append: async (r) => void records.push(r),
    recent: async () => [],
    head: async () => null,
    verify: async () => ({ ok: true, rows: records.length, head: null, problemCount: 0, problems: [], firstBad: null }),
    query: async () => ({ rows: [], nextBefore: null, total: 0, totalIsLowerBound: false }),
    timeline: async () => [],
    scan: async function* () {
      // no rows
    },
    purgeBefore: async () => ({ purged: 0, through: null, checkpoint: null }),
  };
}

/** File writers for app unit tests that never export: any call is a test failure (INTERNAL). */
export const noExports = {
  exportDir: '/tmp',
  chooseExportPath: unused,
  exportAudit: unused,
  exportDashboardList: unused,
  writeReport: unused,
};

async function unused(): Promise<never> {
  throw new HelpdeskError('INTERNAL');
}
