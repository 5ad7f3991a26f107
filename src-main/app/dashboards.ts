import { seesAccountNames } from '../common/roles';
import { randomUUID } from 'node:crypto';
import type { HelpdeskApi } from '../common/api';
import type { AuditExportResult, AuditStats, DirectoryDashboard, MonthlyReport, OperatorInfo, ReportResult, ScanStatus } from '../common/dto';
import type { Result } from '../common/result';
import { basename } from 'node:path';
import { resolveAuditFilter, vnToday } from '../domain/audit-filter';
import { createAuditTally } from '../domain/audit-stats';
import { createDashboardTally } from '../domain/dashboard';
import { errorCodeOf, HelpdeskError } from '../domain/errors';
import type { AuditLog, Clock, Directory } from '../domain/ports';
import { type ChooseExportPath, exportTarget } from './export-target';

/** The audit's figures for a period (VN days, both included) and a unit (null: all). */
async function auditStats(deps: Pick<DashboardDeps, 'audit' | 'clock'>, from: string, to: string, unit: string | null): Promise<AuditStats> {
  const filter = resolveAuditFilter({ from, to, ...(unit ? { unit } : {}) }, deps.clock.now());
  const tally = createAuditTally({ from, to }, unit);
  for await (const rows of deps.audit.scan(filter)) for (const row of rows) tally.add(row);
  // A unit's rows hold no sign-in (it has no unit): the operators' names are read from the period's sign-ins.
  if (unit) for await (const rows of deps.audit.scan(resolveAuditFilter({ from, to, action: 'session.signIn', outcome: 'ok' }, deps.clock.now()))) for (const row of rows) tally.learnName(row);
  return tally.result();
}

export interface ReportDeps extends DashboardDeps {
  agencyName: () => string;
  writeReport: (report: MonthlyReport, path: string) => Promise<ReportResult>;
}

/**
 * The monthly report: the month's figures (up to today for the current month) for a unit, as a PDF.
 * What was made, and by whom, is audited.
 */
export function createReports(deps: ReportDeps): HelpdeskApi['reports'] {
  return {
    monthly: ({ month, unit, fileName }) =>
      deps.run(async () => {
        const who = deps.requireOperator();
        const [y, m] = month.split('-').map(Number) as [number, number];
        const from = `${month}-01`;
        const lastDay = `${month}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, '0')}`;
        const today = vnToday(deps.clock.now());
        const to = lastDay > today ? today : lastDay;
        if (from > today) throw new HelpdeskError('VALIDATION_FAILED', { field: 'month', reason: 'out_of_range' });
        const stats = await auditStats(deps, from, to, unit ?? null);
        const report: MonthlyReport = { agency: deps.agencyName(), generatedAt: deps.clock.now().toISOString(), generatedBy: who.displayName, stats };
        try {
          const path = await exportTarget(deps.chooseExportPath, fileName, 'pdf');
          const done = await deps.writeReport(report, path);
          await deps.audit.append({ operator: who.username, action: 'report.monthly', outcome: 'ok', unit: unit ?? null, detail: { month, pages: done.pages, cases: stats.totals.cases, file: basename(path) } });
          return done;
        } catch (err) {
          await deps.audit.append({ operator: who.username, action: 'report.monthly', outcome: 'error', unit: unit ?? null, detail: { month, code: errorCodeOf(err) } });
          throw err;
        }
      }),
  };
}

export interface DashboardDeps {
  /** Writes a finished scan's list to CSV or XLSX, whole or not at all. */
  exportList: (d: DirectoryDashboard, list: 'units' | 'locked', format: 'csv' | 'xlsx', path: string) => Promise<AuditExportResult>;
  /** The file an export goes to (save dialog or export folder): chosen here, never by the page. */
  chooseExportPath: ChooseExportPath;
  clock: Clock;
  audit: AuditLog;
  requireOperator: () => OperatorInfo;
  directory: () => Promise<Directory>;
  run: <T>(fn: () => Promise<T>) => Promise<Result<T>>;
}

/**
 * The dashboards: the audit's figures for a period, and the directory scan (one at a time, in the
 * background, polled by the UI, cancellable) that counts locked accounts and missing recovery contacts
 * per unit for the seeds' campaign.
 */
export function createDashboards(deps: DashboardDeps): HelpdeskApi['dashboards'] & { cancelAll(): void } {
  let scan: { status: ScanStatus; controller: AbortController } | null = null;

  function find(scanId: string) {
    if (!scan || scan.status.scanId !== scanId) throw new HelpdeskError('SCAN_NOT_FOUND');
    return scan;
  }

  function start(): ScanStatus {
    const who = deps.requireOperator();
    if (scan?.status.state === 'running') return scan.status; // the one running already
    const now = deps.clock.now();
    const status: ScanStatus = { scanId: randomUUID(), state: 'running', scanned: 0, startedAt: now.toISOString(), finishedAt: null, result: null, error: null };
    const controller = new AbortController();
    const current = { status, controller };
    scan = current;
    const tally = createDashboardTally(now);
    let partial = false;
    /** The scan ended: its audit row first, then the result shown (a result whose row was refused is not shown). */
    const finish = async (state: ScanStatus['state'], error: HelpdeskError | null, result: DirectoryDashboard | null): Promise<void> => {
      try {
        await deps.audit.append({
          operator: who.username,
          action: 'dashboard.scan',
          outcome: state === 'failed' ? 'error' : 'ok',
          detail: { state, scanned: status.scanned, code: error?.code ?? null },
        });
        status.state = state;
        status.error = error ? error.toApiError() : null;
        status.result = state === 'done' ? result : null;
      } catch (err) {
        status.state = 'failed';
        status.result = null;
        status.error = (err instanceof HelpdeskError ? err : new HelpdeskError('INTERNAL')).toApiError();
      }
      status.finishedAt = deps.clock.now().toISOString();
    };
    void deps
      .directory()
      .then((dir) => dir.scanAccounts((a) => tally.add(a), (n) => (status.scanned = n), controller.signal, () => (partial = true)))
      .then(
        (n) => {
          status.scanned = n;
          return finish('done', null, partial ? { ...tally.result(), limitedByDirectory: true } : tally.result());
        },
        (err: unknown) => {
          // A cancel that also closed the connection (settings changed) is still a cancel.
          const e = err instanceof HelpdeskError ? err : new HelpdeskError('INTERNAL');
          return controller.signal.aborted || e.code === 'ABORTED' ? finish('cancelled', null, null) : finish('failed', e, null);
        },
      );
    return status;
  }

  /** The status as this user may see it: without the locked accounts' names for an auditor. */
  const copy = (s: ScanStatus): ScanStatus => {
    const c = structuredClone(s);
    if (c.result && !seesAccountNames(deps.requireOperator())) c.result = { ...c.result, lockedAccounts: [], lockedListCapped: false, lockedNamesWithheld: true };
    return c;
  };

  return {
    auditStats: ({ from, to, unit }) =>
      deps.run(async () => {
        deps.requireOperator();
        return auditStats(deps, from, to, unit ?? null);
      }),
    scanStart: () => deps.run(async () => copy(start())),
    scanStatus: ({ scanId }) =>
      deps.run(async () => {
        deps.requireOperator();
        return copy(find(scanId).status);
      }),
    scanCancel: ({ scanId }) =>
      deps.run(async () => {
        deps.requireOperator();
        const s = find(scanId);
        s.controller.abort();
        return copy(s.status);
      }),
    exportScan: ({ scanId, list, format, fileName }) =>
      deps.run(async () => {
        const who = deps.requireOperator();
        const s = find(scanId).status;
        if (s.state !== 'done' || !s.result) throw new HelpdeskError('VALIDATION_FAILED', { field: 'scanId', reason: 'invalid_value', detail: 'scan not finished' });
        if (list === 'locked' && !seesAccountNames(who)) {
          await deps.audit.append({ operator: who.username, action: 'dashboard.export', outcome: 'refused', detail: { list, format, code: 'ACTION_NOT_PERMITTED', reasonCode: 'names_withheld' } });
          throw new HelpdeskError('ACTION_NOT_PERMITTED', { reason: 'names_withheld' });
        }
        try {
          const path = await exportTarget(deps.chooseExportPath, fileName, format);
          const done = await deps.exportList(s.result, list, format, path);
          await deps.audit.append({ operator: who.username, action: 'dashboard.export', outcome: 'ok', detail: { list, format, rows: done.rows, file: basename(path) } });
          return done;
        } catch (err) {
          await deps.audit.append({ operator: who.username, action: 'dashboard.export', outcome: 'error', detail: { list, format, code: errorCodeOf(err) } });
          throw err;
        }
      }),
    /** Settings changed or the app closes: a running scan stops, and no result of the old directory stays readable. */
    cancelAll() {
      scan?.controller.abort();
      scan = null;
    },
  };
}
