import { basename } from 'node:path';
import type { HelpdeskApi } from '../common/api';
import type { AppMode, AuditEntry, AuditExportResult, OperatorInfo } from '../common/dto';
import type { Result } from '../common/result';
import { DEFAULT_RETENTION_MONTHS } from '../common/settings';
import { resolveAuditFilter, retentionCutoff } from '../domain/audit-filter';
import { errorCodeOf } from '../domain/errors';
import type { AuditLog, Clock } from '../domain/ports';
import type { Desk } from './desk';
import { type ChooseExportPath, exportTarget } from './export-target';

export interface AuditApiDeps {
  clock: Clock;
  desk: Desk;
  /** The audit of a mode (the purge's reference date is read from production's). */
  audit: (mode: AppMode) => AuditLog;
  requireOperator: () => OperatorInfo;
  chooseExportPath: ChooseExportPath;
  /** Writes audit rows to a CSV or XLSX file, whole or not at all. */
  exportAudit: (rows: AsyncIterable<AuditEntry[]>, format: 'csv' | 'xlsx', path: string) => Promise<AuditExportResult>;
  run: <T>(fn: () => Promise<T>) => Promise<Result<T>>;
}

/** `audit.*`: read, verify, purge and export the audit of the mode in effect; each use of it is audited too. */
export function createAuditApi(deps: AuditApiDeps): HelpdeskApi['audit'] {
  const { desk, requireOperator } = deps;
  const log = desk.audit;

  /**
   * The date of the newest production audit row when the app started: the purge's cutoff is bounded by
   * the rows' own dates, so a system clock set forward (then a sign-in, then a purge) cannot sweep the
   * audit — only rows older than the retention before that date can go.
   */
  const startReference: Promise<Date | null> = (async () => {
    try {
      const at = (await deps.audit('directory').recent(1))[0]?.at;
      return at ? new Date(at) : null;
    } catch {
      return null;
    }
  })();

  return {
    recent: ({ limit }) =>
      deps.run(async () => {
        requireOperator();
        return log.recent(limit ?? 50);
      }),
    head: () => deps.run(async () => log.head()),
    verify: ({ head }) =>
      deps.run(async () => {
        const who = requireOperator();
        const report = await log.verify(head);
        await log.append({
          operator: who.username,
          action: 'audit.verify',
          outcome: report.ok ? 'ok' : 'error',
          detail: { rows: report.rows, problems: report.problemCount, firstBad: report.firstBad, againstHead: head ? head.seq : null },
        });
        return report;
      }),
    query: ({ filter, before, limit }) =>
      deps.run(async () => {
        requireOperator();
        return log.query(resolveAuditFilter(filter, deps.clock.now()), before ?? null, limit ?? 50);
      }),
    purge: () =>
      deps.run(async () => {
        const who = requireOperator();
        const months = desk.settings().audit?.retentionMonths ?? DEFAULT_RETENTION_MONTHS;
        const now = deps.clock.now();
        const startReferenceAt = await startReference;
        const reference = desk.mode() === 'directory' && startReferenceAt && startReferenceAt < now ? startReferenceAt : now;
        const cutoff = retentionCutoff(reference, months);
        // A purge that removes rows records itself in its checkpoint row; one that removes nothing, or is
        // refused (a broken chain), is recorded here.
        try {
          const done = await log.purgeBefore(cutoff.iso, who.username, cutoff.day);
          if (done.purged === 0) await log.append({ operator: who.username, action: 'audit.purge', outcome: 'ok', detail: { purged: 0, before: cutoff.day } });
          return done;
        } catch (err) {
          const code = errorCodeOf(err);
          await log.append({ operator: who.username, action: 'audit.purge', outcome: code === 'AUDIT_TAMPERED' ? 'refused' : 'error', detail: { code, before: cutoff.day } });
          throw err;
        }
      }),
    timeline: ({ caseId }) =>
      deps.run(async () => {
        requireOperator();
        return log.timeline(caseId);
      }),
    export: ({ filter, format, fileName }) =>
      deps.run(async () => {
        const who = requireOperator();
        const resolved = resolveAuditFilter(filter, deps.clock.now());
        // What was exported is itself audited (the criteria and the count; the file's name, not its folder).
        const criteria = Object.entries(filter)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(' ');
        try {
          const path = await exportTarget(deps.chooseExportPath, fileName, format);
          const done = await deps.exportAudit(log.scan(resolved), format, path);
          await log.append({ operator: who.username, action: 'audit.export', outcome: 'ok', detail: { format, rows: done.rows, criteria, file: basename(path) } });
          return done;
        } catch (err) {
          await log.append({ operator: who.username, action: 'audit.export', outcome: 'error', detail: { format, criteria, code: errorCodeOf(err) } });
          throw err;
        }
      }),
  };
}
