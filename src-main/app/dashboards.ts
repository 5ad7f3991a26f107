import { randomUUID } from 'node:crypto';
import type { HelpdeskApi } from '../common/api';
import type { OperatorInfo, ScanStatus } from '../common/dto';
import type { Result } from '../common/result';
import { resolveAuditFilter } from '../domain/audit-filter';
import { createAuditTally } from '../domain/audit-stats';
import { createDashboardTally } from '../domain/dashboard';
import { HelpdeskError } from '../domain/errors';
import type { AuditLog, Clock, Directory } from '../domain/ports';

export interface DashboardDeps {
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
    const finish = (state: ScanStatus['state'], error: HelpdeskError | null) => {
      status.state = state;
      status.finishedAt = deps.clock.now().toISOString();
      status.error = error ? error.toApiError() : null;
      deps.audit.append({
        operator: who.username,
        action: 'dashboard.scan',
        outcome: state === 'done' ? 'ok' : state === 'cancelled' ? 'refused' : 'error',
        detail: { state, scanned: status.scanned, code: error?.code ?? null },
      });
    };
    void deps
      .directory()
      .then((dir) => dir.scanAccounts((a) => tally.add(a), (n) => (status.scanned = n), controller.signal))
      .then((n) => {
        status.scanned = n;
        status.result = tally.result();
        finish('done', null);
      })
      .catch((err: unknown) => {
        const e = err instanceof HelpdeskError ? err : new HelpdeskError('INTERNAL');
        finish(e.code === 'ABORTED' ? 'cancelled' : 'failed', e.code === 'ABORTED' ? null : e);
      });
    return status;
  }

  const copy = (s: ScanStatus): ScanStatus => structuredClone(s);

  return {
    auditStats: ({ from, to, unit }) =>
      deps.run(async () => {
        deps.requireOperator();
        const filter = resolveAuditFilter({ from, to, ...(unit ? { unit } : {}) }, deps.clock.now());
        const tally = createAuditTally({ from, to }, unit ?? null);
        for (const row of deps.audit.scan(filter)) tally.add(row);
        return tally.result();
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
    /** Settings changed or the app closes: a running scan stops. */
    cancelAll() {
      scan?.controller.abort();
    },
  };
}
