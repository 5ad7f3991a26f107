import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nextTick } from 'vue';
import type { AuditExportResult, AuditStats, DashboardCounts, DirectoryDashboard, ReportResult, ScanStatus, UnitCounts } from '../../../src-main/common/dto';
import type { ApiError, Result } from '../../../src-main/common/result';
import { INPUT_SCHEMAS } from '../../../src-main/common/schemas';
import * as __stores_session from '../../../src-renderer/src/stores/session';
import * as __stores_dashboards from '../../../src-renderer/src/stores/dashboards';
import type { Role } from '../../../src-main/common/roles';
import { operatorInfo, RULES, sessionInfo } from './case-fixtures';

// The store talks to the contract through bridge.ts; here the bridge is a set of mocks.
const api = vi.hoisted(() => ({
  dashboards: { scanStart: vi.fn(), scanStatus: vi.fn(), scanCancel: vi.fn(), exportScan: vi.fn(), auditStats: vi.fn() },
  reports: { monthly: vi.fn() },
  session: { current: vi.fn(), signIn: vi.fn(), signOut: vi.fn() },
}));
vi.mock('../../../src-renderer/src/bridge', () => ({ api, inElectron: false, onSessionLocked: () => undefined }));
// The renderer's `@common/*` alias is the bundler's (tsconfig.web.json); here it points at the same file.

type SortKey = 'unit' | 'noMobileShare' | keyof DashboardCounts;
interface UnitRow extends UnitCounts {
  noMobileShare: number | null;
  order: number;
}
interface Period {
  from: string;
  to: string;
}
interface ListExport {
  fileName: string;
  exporting: 'csv' | 'xlsx' | null;
  result: AuditExportResult | null;
  error: ApiError | null;
}
interface DashboardsStore {
  scan: ScanStatus | null;
  finished: ScanStatus | null;
  scanError: ApiError | null;
  starting: boolean;
  cancelling: boolean;
  running: boolean;
  result: DirectoryDashboard | null;
  exportable: boolean;
  units: UnitRow[];
  sortKey: SortKey;
  sortDirection: 'asc' | 'desc';
  start(): Promise<boolean>;
  cancel(): Promise<boolean>;
  pause(): void;
  resume(): void;
  setSort(key: SortKey): void;
  exports: Record<'units' | 'locked', ListExport>;
  proposeNames(now: Date): void;
  exportList(list: 'units' | 'locked', format: 'csv' | 'xlsx'): Promise<boolean>;
  statsForm: Period & { unit: string };
  stats: AuditStats | null;
  statsLoading: boolean;
  statsError: ApiError | null;
  statsField: 'from' | 'to' | 'unit' | null;
  choosePeriod(which: 'current' | 'previous', now?: Date): void;
  loadStats(): Promise<boolean>;
  reportForm: { month: string; unit: string; fileName: string };
  reportResult: ReportResult | null;
  reportError: ApiError | null;
  reportField: 'month' | 'unit' | 'fileName' | null;
  createReport(now?: Date): Promise<boolean>;
}

const mod = __stores_dashboards;
const { useSessionStore } = __stores_session;
const { useDashboardsStore, SCAN_POLL_MS, POLL_RETRIES } = mod;

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const err = (code: string, extra: Partial<ApiError> = {}): Result<never> => ({ ok: false, error: { code, ...extra } as ApiError });

const SCAN = '2b1f0c4e-7d1a-4c3e-9b1e-0a6f7e2c9d11';
const SCAN2 = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

function counts(over: Partial<DashboardCounts> = {}): DashboardCounts {
  return { accounts: 0, noMobile: 0, noBackupEmail: 0, noContact: 0, locked: 0, disabled: 0, mustChangePassword: 0, passwordNeverChanged: 0, passwordExpired: 0, ...over };
}
const unit = (name: string, accounts: number, noMobile: number, over: Partial<DashboardCounts> = {}): UnitCounts => ({ unit: name, ...counts({ accounts, noMobile, ...over }) });

const UNITS: UnitCounts[] = [
  unit('Sở Nội vụ', 30, 6),
  unit('Sở Tài chính', 27, 4),
  unit('Sở Y tế', 40, 8),
  unit('UBND Quận 1', 0, 0),
  unit('(không có đơn vị)', 3, 3),
];

function dashboard(): DirectoryDashboard {
  return {
    at: '2026-11-23T03:00:00.000Z',
    totals: counts({ accounts: 100, noMobile: 21, locked: 2 }),
    units: UNITS,
    lockedAccounts: [{ dn: 'uid=annv,ou=people,dc=daotao,dc=gov,dc=vn', username: 'annv', displayName: 'Nguyễn Văn An', unit: 'Sở Y tế', lockedAt: '2026-11-22T01:00:00.000Z' }],
    lockedListCapped: false,
  };
}

function status(state: ScanStatus['state'], scanned: number, over: Partial<ScanStatus> = {}): ScanStatus {
  return {
    scanId: SCAN,
    state,
    scanned,
    startedAt: '2026-11-23T02:59:00.000Z',
    finishedAt: state === 'running' ? null : '2026-11-23T03:00:00.000Z',
    result: state === 'done' ? dashboard() : null,
    error: null,
    ...over,
  };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function signInAs(roles: Role[]): void {
  useSessionStore().current = sessionInfo({ operator: operatorInfo('giamsat01', roles, 'Võ Thanh Tâm'), mode: 'training' });
}

/** Vietnam is UTC+7: `vn('2026-02-01 00:30')` is 2026-01-31T17:30Z. */
const vn = (text: string) => new Date(`${text.replace(' ', 'T')}:00+07:00`);

let store: DashboardsStore;

beforeEach(() => {
  vi.useFakeTimers();
  setActivePinia(createPinia());
  for (const group of [api.dashboards, api.reports]) for (const f of Object.values(group)) f.mockReset();
  signInAs(['supervisor']);
  store = useDashboardsStore();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('per-unit figures', () => {
  it('computes the share without a recovery mobile, none for a unit without accounts', () => {
    expect(mod.noMobileShare({ accounts: 40, noMobile: 8 })).toBe(0.2);
    expect(mod.noMobileShare({ accounts: 3, noMobile: 3 })).toBe(1);
    expect(mod.noMobileShare({ accounts: 27, noMobile: 0 })).toBe(0);
    expect(mod.noMobileShare({ accounts: 0, noMobile: 0 })).toBeNull();
    const rows = mod.unitRows(UNITS);
    expect(rows.map((r) => r.order)).toEqual([0, 1, 2, 3, 4]);
    expect(rows[0]).toMatchObject({ unit: 'Sở Nội vụ', noMobileShare: 0.2, accounts: 30 });
  });

  it('sorts by share, largest first, a unit without accounts last whichever the direction', () => {
    const rows = mod.unitRows(UNITS);
    const desc = mod.sortUnits(rows, 'noMobileShare', 'desc').map((r) => r.unit);
    // 3/3 = 100 %, then Sở Nội vụ and Sở Y tế (both 20 %: the main process's order), 4/27 ≈ 14.8 %.
    expect(desc).toEqual(['(không có đơn vị)', 'Sở Nội vụ', 'Sở Y tế', 'Sở Tài chính', 'UBND Quận 1']);
    const asc = mod.sortUnits(rows, 'noMobileShare', 'asc').map((r) => r.unit);
    expect(asc).toEqual(['Sở Tài chính', 'Sở Nội vụ', 'Sở Y tế', '(không có đơn vị)', 'UBND Quận 1']);
    // The input is left as it was.
    expect(rows.map((r) => r.unit)).toEqual(UNITS.map((u) => u.unit));
  });

  it('sorts by a count, and by unit in the main process order (Vietnamese collation, no-unit last) or reversed', () => {
    const rows = mod.unitRows(UNITS);
    expect(mod.sortUnits(rows, 'accounts', 'desc').map((r) => r.accounts)).toEqual([40, 30, 27, 3, 0]);
    expect(mod.sortUnits(rows, 'noMobile', 'asc').map((r) => r.noMobile)).toEqual([0, 3, 4, 6, 8]);
    expect(mod.sortUnits(rows, 'unit', 'asc').map((r) => r.unit)).toEqual(UNITS.map((u) => u.unit));
    expect(mod.sortUnits(rows, 'unit', 'desc').map((r) => r.unit)).toEqual(UNITS.map((u) => u.unit).reverse());
    expect(mod.defaultDirection('unit')).toBe('asc');
    expect(mod.defaultDirection('noMobileShare')).toBe('desc');
  });

  it('the store sorts the finished scan by share first; a click toggles, another column starts in its own direction', async () => {
    api.dashboards.scanStart.mockResolvedValue(ok(status('done', 100)));
    await store.start();
    expect(store.units.map((u) => u.unit)[0]).toBe('(không có đơn vị)');
    store.setSort('noMobileShare');
    expect(store.sortDirection).toBe('asc');
    expect(store.units.map((u) => u.unit)[0]).toBe('Sở Tài chính');
    store.setSort('unit');
    expect([store.sortKey, store.sortDirection]).toEqual(['unit', 'asc']);
    expect(store.units.map((u) => u.unit)).toEqual(UNITS.map((u) => u.unit));
    store.setSort('accounts');
    expect([store.sortKey, store.sortDirection]).toEqual(['accounts', 'desc']);
    expect(store.units[0]!.unit).toBe('Sở Y tế');
  });
});

describe('periods in Vietnam time', () => {
  it('this month runs from the 1st to today, turning at midnight in Vietnam (not UTC)', () => {
    expect(mod.currentMonthPeriod(vn('2026-11-23 10:00'))).toEqual({ from: '2026-11-01', to: '2026-11-23' });
    // 31 January 23:59 in Hanoi (16:59 UTC): still January.
    expect(mod.currentMonthPeriod(new Date('2026-01-31T16:59:59Z'))).toEqual({ from: '2026-01-01', to: '2026-01-31' });
    // 1 February 00:00 in Hanoi is still 31 January in UTC: already February here.
    expect(mod.currentMonthPeriod(new Date('2026-01-31T17:00:00Z'))).toEqual({ from: '2026-02-01', to: '2026-02-01' });
    // New Year's Eve, 17:30 UTC: 1 January in Vietnam.
    expect(mod.currentMonthPeriod(new Date('2025-12-31T17:30:00Z'))).toEqual({ from: '2026-01-01', to: '2026-01-01' });
  });

  it('last month is the whole previous month: across the year, short and leap Februaries', () => {
    expect(mod.previousMonthPeriod(vn('2026-11-23 10:00'))).toEqual({ from: '2026-10-01', to: '2026-10-31' });
    expect(mod.previousMonthPeriod(new Date('2025-12-31T17:30:00Z'))).toEqual({ from: '2025-12-01', to: '2025-12-31' });
    expect(mod.previousMonthPeriod(vn('2026-03-01 00:05'))).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(mod.previousMonthPeriod(vn('2028-03-31 23:59'))).toEqual({ from: '2028-02-01', to: '2028-02-29' });
    expect(mod.previousMonthPeriod(vn('2026-05-15 12:00'))).toEqual({ from: '2026-04-01', to: '2026-04-30' });
    // 28 February 20:00 UTC is 1 March in Vietnam: last month is February.
    expect(mod.previousMonthPeriod(new Date('2026-02-28T20:00:00Z'))).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(mod.previousMonth('2026-01')).toBe('2025-12');
    expect(mod.previousMonth('2026-10')).toBe('2026-09');
    expect(mod.lastDayOf('2024-02')).toBe('2024-02-29');
    expect(mod.lastDayOf('2100-02')).toBe('2100-02-28');
  });

  it('periods are what the contract accepts', () => {
    for (const p of [mod.currentMonthPeriod(vn('2026-11-23 10:00')), mod.previousMonthPeriod(vn('2026-01-02 10:00'))]) {
      expect(INPUT_SCHEMAS.dashboards.auditStats.safeParse(p).success, JSON.stringify(p)).toBe(true);
    }
  });

  it('"Tháng này" / "Tháng trước" set the form (the unit stays); the default is this month', () => {
    const now = new Date();
    expect(store.statsForm).toEqual({ ...mod.currentMonthPeriod(now), unit: '' });
    store.statsForm.unit = 'Sở Y tế';
    store.choosePeriod('previous', vn('2026-01-10 09:00'));
    expect(store.statsForm).toEqual({ from: '2025-12-01', to: '2025-12-31', unit: 'Sở Y tế' });
    store.choosePeriod('current', vn('2026-01-10 09:00'));
    expect(store.statsForm).toEqual({ from: '2026-01-01', to: '2026-01-10', unit: 'Sở Y tế' });
  });
});

describe('the directory scan', () => {
  it('polls every SCAN_POLL_MS while running, shows the count, stops once done', async () => {
    api.dashboards.scanStart.mockResolvedValue(ok(status('running', 0)));
    api.dashboards.scanStatus
      .mockResolvedValueOnce(ok(status('running', 200)))
      .mockResolvedValueOnce(ok(status('running', 400)))
      .mockResolvedValueOnce(ok(status('done', 412)));

    expect(await store.start()).toBe(true);
    expect(api.dashboards.scanStart).toHaveBeenCalledWith({});
    expect(store.running).toBe(true);
    expect(store.scan!.scanned).toBe(0);

    await vi.advanceTimersByTimeAsync(SCAN_POLL_MS - 1);
    expect(api.dashboards.scanStatus).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(api.dashboards.scanStatus).toHaveBeenCalledTimes(1);
    expect(api.dashboards.scanStatus).toHaveBeenCalledWith({ scanId: SCAN });
    expect(store.scan!.scanned).toBe(200);
    expect(store.result).toBeNull();

    await vi.advanceTimersByTimeAsync(SCAN_POLL_MS);
    expect(store.scan!.scanned).toBe(400);
    await vi.advanceTimersByTimeAsync(SCAN_POLL_MS);
    expect(api.dashboards.scanStatus).toHaveBeenCalledTimes(3);
    expect(store.running).toBe(false);
    expect(store.scan!.state).toBe('done');
    expect(store.result!.totals.accounts).toBe(100);
    expect(store.finished!.scanId).toBe(SCAN);
    expect(store.exportable).toBe(true);

    await vi.advanceTimersByTimeAsync(SCAN_POLL_MS * 10);
    expect(api.dashboards.scanStatus).toHaveBeenCalledTimes(3);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not start twice while starting or running (one scan at a time)', async () => {
    const d = deferred<Result<ScanStatus>>();
    api.dashboards.scanStart.mockReturnValue(d.promise);
    const first = store.start();
    expect(store.starting).toBe(true);
    expect(await store.start()).toBe(false);
    d.resolve(ok(status('running', 0)));
    expect(await first).toBe(true);
    expect(await store.start()).toBe(false);
    expect(api.dashboards.scanStart).toHaveBeenCalledTimes(1);
  });

  it('"Dừng": asks to cancel, keeps polling until the scan says cancelled, and shows no partial result', async () => {
    api.dashboards.scanStart.mockResolvedValue(ok(status('running', 0)));
    api.dashboards.scanCancel.mockResolvedValue(ok(status('running', 200)));
    api.dashboards.scanStatus.mockResolvedValueOnce(ok(status('running', 200))).mockResolvedValueOnce(ok(status('cancelled', 300)));
    await store.start();

    expect(await store.cancel()).toBe(true);
    expect(api.dashboards.scanCancel).toHaveBeenCalledWith({ scanId: SCAN });
    expect(store.cancelling).toBe(true);
    expect(store.running).toBe(true);
    // A second click while it stops does nothing.
    expect(await store.cancel()).toBe(false);
    expect(api.dashboards.scanCancel).toHaveBeenCalledTimes(1);

    await vi.advanceTimersByTimeAsync(SCAN_POLL_MS);
    expect(store.cancelling).toBe(true);
    await vi.advanceTimersByTimeAsync(SCAN_POLL_MS);
    expect(store.scan!.state).toBe('cancelled');
    expect(store.scan!.scanned).toBe(300);
    expect(store.cancelling).toBe(false);
    expect(store.running).toBe(false);
    expect(store.result).toBeNull();
    await vi.advanceTimersByTimeAsync(SCAN_POLL_MS * 4);
    expect(api.dashboards.scanStatus).toHaveBeenCalledTimes(2);
    // Nothing runs: nothing to stop.
    expect(await store.cancel()).toBe(false);
  });

  it('a cancel answered with the final state ends the polling at once', async () => {
    api.dashboards.scanStart.mockResolvedValue(ok(status('running', 0)));
    api.dashboards.scanCancel.mockResolvedValue(ok(status('cancelled', 50)));
    await store.start();
    await store.cancel();
    expect(store.scan!.state).toBe('cancelled');
    await vi.advanceTimersByTimeAsync(SCAN_POLL_MS * 4);
    expect(api.dashboards.scanStatus).not.toHaveBeenCalled();
  });

  it('keeps the last finished scan shown while a new one runs; its lists can be exported only while it is the current one', async () => {
    api.dashboards.scanStart.mockResolvedValueOnce(ok(status('done', 100))).mockResolvedValueOnce(ok(status('running', 0, { scanId: SCAN2 })));
    await store.start();
    expect(store.exportable).toBe(true);
    await store.start();
    expect(store.running).toBe(true);
    expect(store.result!.totals.accounts).toBe(100);
    expect(store.exportable).toBe(false);
    store.exports.units.fileName = 'don-vi.xlsx';
    expect(await store.exportList('units', 'xlsx')).toBe(false);
    expect(api.dashboards.exportScan).not.toHaveBeenCalled();

    api.dashboards.scanStatus.mockResolvedValueOnce(ok(status('failed', 10, { scanId: SCAN2, error: { code: 'DIRECTORY_UNREACHABLE' } })));
    await vi.advanceTimersByTimeAsync(SCAN_POLL_MS);
    expect(store.scan!.state).toBe('failed');
    expect(store.scan!.error).toEqual({ code: 'DIRECTORY_UNREACHABLE' });
    // The older figures stay on screen (the view says they are older); the main process no longer holds them.
    expect(store.result!.totals.accounts).toBe(100);
    expect(store.exportable).toBe(false);
  });

  it('stops polling when the view closes and takes it up again when it opens', async () => {
    api.dashboards.scanStart.mockResolvedValue(ok(status('running', 0)));
    api.dashboards.scanStatus.mockResolvedValue(ok(status('running', 100)));
    await store.start();
    await vi.advanceTimersByTimeAsync(SCAN_POLL_MS);
    expect(api.dashboards.scanStatus).toHaveBeenCalledTimes(1);

    store.pause();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(SCAN_POLL_MS * 10);
    expect(api.dashboards.scanStatus).toHaveBeenCalledTimes(1);

    api.dashboards.scanStatus.mockResolvedValue(ok(status('done', 412)));
    store.resume();
    await vi.advanceTimersByTimeAsync(SCAN_POLL_MS);
    expect(api.dashboards.scanStatus).toHaveBeenCalledTimes(2);
    expect(store.scan!.state).toBe('done');
    // Opening the view again with nothing running starts no reads.
    store.pause();
    store.resume();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a progress read answered after the view closed schedules nothing', async () => {
    api.dashboards.scanStart.mockResolvedValue(ok(status('running', 0)));
    const d = deferred<Result<ScanStatus>>();
    api.dashboards.scanStatus.mockReturnValue(d.promise);
    await store.start();
    await vi.advanceTimersByTimeAsync(SCAN_POLL_MS);
    store.pause();
    d.resolve(ok(status('running', 100)));
    await vi.advanceTimersByTimeAsync(0);
    expect(store.scan!.scanned).toBe(100);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never goes back to running on a late answer', async () => {
    api.dashboards.scanStart.mockResolvedValue(ok(status('running', 0)));
    const late = deferred<Result<ScanStatus>>();
    api.dashboards.scanStatus.mockReturnValue(late.promise);
    api.dashboards.scanCancel.mockResolvedValue(ok(status('cancelled', 150)));
    await store.start();
    await vi.advanceTimersByTimeAsync(SCAN_POLL_MS);
    await store.cancel();
    expect(store.scan!.state).toBe('cancelled');
    late.resolve(ok(status('running', 120)));
    await vi.advanceTimersByTimeAsync(0);
    expect(store.scan!.state).toBe('cancelled');
    expect(store.scan!.scanned).toBe(150);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reads again after a passing failure, gives up after POLL_RETRIES or at once on an error that will not pass', async () => {
    api.dashboards.scanStart.mockResolvedValue(ok(status('running', 0)));
    api.dashboards.scanStatus.mockResolvedValue(err('INTERNAL', { detail: 'network' }));
    await store.start();
    for (let i = 1; i < POLL_RETRIES; i++) {
      await vi.advanceTimersByTimeAsync(SCAN_POLL_MS);
      expect(store.scanError).toBeNull();
      expect(store.running).toBe(true);
    }
    await vi.advanceTimersByTimeAsync(SCAN_POLL_MS);
    expect(api.dashboards.scanStatus).toHaveBeenCalledTimes(POLL_RETRIES);
    expect(store.scanError).toEqual({ code: 'INTERNAL', detail: 'network' });
    expect(store.running).toBe(false);
    expect(vi.getTimerCount()).toBe(0);

    // The app restarted: the scan is gone, said at once.
    api.dashboards.scanStatus.mockReset();
    api.dashboards.scanStatus.mockResolvedValue(err('SCAN_NOT_FOUND'));
    await store.start();
    expect(store.scanError).toBeNull();
    await vi.advanceTimersByTimeAsync(SCAN_POLL_MS);
    expect(api.dashboards.scanStatus).toHaveBeenCalledTimes(1);
    expect(store.scanError).toEqual({ code: 'SCAN_NOT_FOUND' });
    expect(store.scan).toBeNull();
  });

  it('a refused start is shown and starts no polling', async () => {
    api.dashboards.scanStart.mockResolvedValue(err('ROLE_NOT_ALLOWED'));
    expect(await store.start()).toBe(false);
    expect(store.scanError).toEqual({ code: 'ROLE_NOT_ALLOWED' });
    expect(store.starting).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a lost session signs the desk out and forgets the scan', async () => {
    api.dashboards.scanStart.mockResolvedValue(ok(status('running', 0)));
    api.dashboards.scanStatus.mockResolvedValue(err('NOT_SIGNED_IN'));
    await store.start();
    await vi.advanceTimersByTimeAsync(SCAN_POLL_MS);
    await nextTick();
    expect(useSessionStore().signedIn).toBe(false);
    expect(store.scan).toBeNull();
    expect(store.scanError).toBeNull();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('exports and file names', () => {
  it('proposes the list and report file names, never over a typed one (the main process chooses the folder)', () => {
    store.exports.locked.fileName = 'typed.csv';
    store.proposeNames(vn('2026-11-23 10:00'));
    expect(store.exports.units.fileName).toBe('thong-ke-theo-don-vi-2026-11-23.xlsx');
    expect(store.exports.locked.fileName).toBe('typed.csv');
    expect(store.reportForm.fileName).toBe(`bao-cao-${store.reportForm.month}.pdf`);
    expect(mod.scanExportName('locked', 'csv', '2026-11-23')).toBe('tai-khoan-bi-khoa-2026-11-23.csv');
    expect(mod.reportName('2026-10')).toBe('bao-cao-2026-10.pdf');
  });

  it('writes a list of the finished scan with the format of the button; a file-name error stays with the list', async () => {
    api.dashboards.scanStart.mockResolvedValue(ok(status('done', 100)));
    await store.start();
    store.exports.units.fileName = ' don-vi.csv ';
    api.dashboards.exportScan.mockResolvedValueOnce(ok({ path: '/tmp/e2e/don-vi.xlsx', rows: 6, bytes: 7000 }));
    expect(await store.exportList('units', 'xlsx')).toBe(true);
    expect(api.dashboards.exportScan).toHaveBeenCalledWith({ scanId: SCAN, list: 'units', format: 'xlsx', fileName: 'don-vi.xlsx' });
    expect(store.exports.units.fileName).toBe('don-vi.xlsx');
    expect(store.exports.units.result!.rows).toBe(6);
    expect(INPUT_SCHEMAS.dashboards.exportScan.safeParse(api.dashboards.exportScan.mock.calls[0]![0]).success).toBe(true);

    store.exports.locked.fileName = 'bi-khoa';
    api.dashboards.exportScan.mockResolvedValueOnce(err('EXPORT_WRITE_FAILED', { reason: 'exists', detail: 'EEXIST' }));
    expect(await store.exportList('locked', 'csv')).toBe(false);
    expect(api.dashboards.exportScan).toHaveBeenLastCalledWith({ scanId: SCAN, list: 'locked', format: 'csv', fileName: 'bi-khoa.csv' });
    expect(store.exports.locked.error).toEqual({ code: 'EXPORT_WRITE_FAILED', reason: 'exists', detail: 'EEXIST' });
    expect(store.exports.units.error).toBeNull();
    expect(store.exports.units.result).not.toBeNull();

    store.exports.locked.fileName = '   ';
    expect(await store.exportList('locked', 'csv')).toBe(false);
    expect(store.exports.locked.error).toEqual({ code: 'VALIDATION_FAILED', field: 'fileName', reason: 'required' });
    expect(api.dashboards.exportScan).toHaveBeenCalledTimes(2);
  });

  it('exports nothing before a scan has finished', async () => {
    store.exports.units.fileName = 'x.csv';
    expect(await store.exportList('units', 'csv')).toBe(false);
    expect(api.dashboards.exportScan).not.toHaveBeenCalled();
  });
});

describe('audit figures', () => {
  const STATS: AuditStats = {
    period: { from: '2026-11-01', to: '2026-11-23' },
    unit: null,
    totals: { cases: 3, unlock: 1, reset: 1, resetUnlock: 0, contact: 0, override: 0, refused: 0, errors: 0 },
    byDay: [],
    byAction: [],
    byOperator: [],
    medianHandlingSeconds: 95,
    casesClosed: 2,
  };

  it('asks for the period typed, the unit only when given (trimmed)', async () => {
    api.dashboards.auditStats.mockResolvedValue(ok(STATS));
    Object.assign(store.statsForm, { from: '2026-11-01', to: '2026-11-23', unit: '  ' });
    expect(await store.loadStats()).toBe(true);
    expect(api.dashboards.auditStats).toHaveBeenLastCalledWith({ from: '2026-11-01', to: '2026-11-23' });
    expect(store.stats).toEqual(STATS);
    store.statsForm.unit = ' Sở Y tế ';
    await store.loadStats();
    expect(api.dashboards.auditStats).toHaveBeenLastCalledWith({ from: '2026-11-01', to: '2026-11-23', unit: 'Sở Y tế' });
    for (const [input] of api.dashboards.auditStats.mock.calls) expect(INPUT_SCHEMAS.dashboards.auditStats.safeParse(input).success).toBe(true);
  });

  it('puts a refused period at its field and keeps the figures shown', async () => {
    api.dashboards.auditStats.mockResolvedValueOnce(ok(STATS));
    await store.loadStats();
    api.dashboards.auditStats.mockResolvedValueOnce(err('VALIDATION_FAILED', { field: 'filter.to', reason: 'reversed_range' }));
    Object.assign(store.statsForm, { from: '2026-11-23', to: '2020-01-01' });
    expect(await store.loadStats()).toBe(false);
    expect(store.statsField).toBe('to');
    expect(store.statsError!.reason).toBe('reversed_range');
    expect(store.stats).toEqual(STATS);
    expect(mod.statsErrorField({ code: 'VALIDATION_FAILED', field: 'filter.from', reason: 'out_of_range' })).toBe('from');
    expect(mod.statsErrorField({ code: 'VALIDATION_FAILED', field: 'from', reason: 'invalid_format' })).toBe('from');
    expect(mod.statsErrorField({ code: 'VALIDATION_FAILED', field: 'unit', reason: 'too_long' })).toBe('unit');
    expect(mod.statsErrorField({ code: 'INTERNAL' })).toBeNull();
    // An empty day is said before anything is sent.
    store.statsForm.from = '';
    expect(await store.loadStats()).toBe(false);
    expect(store.statsError).toEqual({ code: 'VALIDATION_FAILED', field: 'from', reason: 'required' });
    expect(api.dashboards.auditStats).toHaveBeenCalledTimes(2);
  });

  it('shows only the newest answer', async () => {
    const slow = deferred<Result<AuditStats>>();
    api.dashboards.auditStats.mockReturnValueOnce(slow.promise).mockResolvedValueOnce(ok({ ...STATS, unit: 'Sở Y tế' }));
    const first = store.loadStats();
    await store.loadStats();
    slow.resolve(ok(STATS));
    expect(await first).toBe(false);
    expect(store.stats!.unit).toBe('Sở Y tế');
    expect(store.statsLoading).toBe(false);
  });
});

describe('monthly report', () => {
  it('makes the month picked under the file name typed (.pdf added), the unit only when given', async () => {
    api.reports.monthly.mockResolvedValue(ok({ path: '/tmp/r/bao-cao-2026-10.pdf', pages: 2, bytes: 40_000 }));
    Object.assign(store.reportForm, { month: '2026-10', unit: '', fileName: 'bao-cao-2026-10' });
    expect(await store.createReport(vn('2026-11-23 10:00'))).toBe(true);
    expect(api.reports.monthly).toHaveBeenLastCalledWith({ month: '2026-10', fileName: 'bao-cao-2026-10.pdf' });
    expect(store.reportResult!.pages).toBe(2);
    store.reportForm.unit = 'Sở Y tế';
    await store.createReport(vn('2026-11-23 10:00'));
    expect(api.reports.monthly).toHaveBeenLastCalledWith({ month: '2026-10', unit: 'Sở Y tế', fileName: 'bao-cao-2026-10.pdf' });
    for (const [input] of api.reports.monthly.mock.calls) expect(INPUT_SCHEMAS.reports.monthly.safeParse(input).success).toBe(true);
  });

  it('refuses a month not yet begun (Vietnam time) and an empty file name without asking', async () => {
    Object.assign(store.reportForm, { month: '2026-12', fileName: 'r.pdf' });
    // 30 November 17:30 UTC is already 1 December in Vietnam: December may be reported.
    api.reports.monthly.mockResolvedValue(ok({ path: '/tmp/r.pdf', pages: 1, bytes: 1 }));
    expect(await store.createReport(new Date('2026-11-30T17:30:00Z'))).toBe(true);
    expect(await store.createReport(new Date('2026-11-30T16:30:00Z'))).toBe(false);
    expect(store.reportError).toEqual({ code: 'VALIDATION_FAILED', field: 'month', reason: 'out_of_range' });
    expect(store.reportField).toBe('month');
    expect(store.reportResult).toBeNull();
    Object.assign(store.reportForm, { month: '2026-11', fileName: '' });
    expect(await store.createReport(vn('2026-11-23 10:00'))).toBe(false);
    expect(store.reportField).toBe('fileName');
    expect(api.reports.monthly).toHaveBeenCalledTimes(1);
  });

  it('the proposed file name follows the month until one is typed', async () => {
    store.proposeNames(vn('2026-11-23 10:00'));
    store.reportForm.month = '2026-09';
    await nextTick();
    expect(store.reportForm.fileName).toBe('bao-cao-2026-09.pdf');
    store.reportForm.fileName = 'bao-cao-rieng.pdf';
    store.reportForm.month = '2026-08';
    await nextTick();
    expect(store.reportForm.fileName).toBe('bao-cao-rieng.pdf');
  });

  it('a report error the main process gives is kept for its field or the banner', async () => {
    api.reports.monthly.mockResolvedValueOnce(err('EXPORT_WRITE_FAILED', { detail: 'EACCES' }));
    Object.assign(store.reportForm, { month: '2026-11', fileName: 'x.pdf' });
    expect(await store.createReport(vn('2026-11-23 10:00'))).toBe(false);
    expect(store.reportField).toBeNull();
    expect(store.reportError!.code).toBe('EXPORT_WRITE_FAILED');
    expect(mod.reportErrorField({ code: 'VALIDATION_FAILED', field: 'fileName', reason: 'invalid_format' })).toBe('fileName');
  });
});

describe('sign-out', () => {
  it('forgets the scan, the figures, the file names and the report', async () => {
    api.dashboards.scanStart.mockResolvedValue(ok(status('done', 100)));
    await store.start();
    store.proposeNames(new Date());
    useSessionStore().current = { operator: null, since: null, mode: 'training', locked: false, idleLockMinutes: 10, setupOpen: false, rules: RULES };
    await nextTick();
    expect(store.finished).toBeNull();
    expect(store.result).toBeNull();
    expect(store.exports.units.fileName).toBe('');
    expect(store.reportForm.fileName).toBe('');
    expect(store.sortKey).toBe('noMobileShare');
  });
});
