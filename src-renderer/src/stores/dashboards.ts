import type { AuditExportResult, AuditStats, ReportResult, ScanStatus } from '@common/dto';
import type { ApiError, Result } from '@common/result';
import { defineStore } from 'pinia';
import { computed, reactive, ref, watch } from 'vue';
import { createLatestGate } from '../async';
import { api } from '../bridge';
import { type ExportFormat, withFormat, withPdf } from '../export-path';
import { vnDay, vnMonth } from '../format';
import { clearOnSignOut, useSessionStore } from './session';
import { unitRows, sortUnits, defaultDirection, currentMonthPeriod, previousMonthPeriod, scanExportName, reportName, statsErrorField, reportErrorField, type ScanList, type UnitRow, type UnitSortKey, type SortDirection, type Period } from '../flows/dashboards';

/** The view asks for the scan's progress this often while it runs. */
export const SCAN_POLL_MS = 500;
/** Failed progress reads in a row (network, INTERNAL) before the view stops following the scan. */
export const POLL_RETRIES = 3;

const invalid = (field: string, reason: string): ApiError => ({ code: 'VALIDATION_FAILED', field, reason });

interface ListExport {
  /** The file's name; the main process chooses the folder. */
  fileName: string;
  exporting: ExportFormat | null;
  result: AuditExportResult | null;
  error: ApiError | null;
}

const emptyExport = (): ListExport => ({ fileName: '', exporting: null, result: null, error: null });

/** The dashboards' unit rows, periods, file names and error fields (pure functions) live in flows/dashboards.ts; its names are re-exported here. */
export * from '../flows/dashboards';

/**
 * The dashboards: the directory scan (started here, then polled every SCAN_POLL_MS while it runs and
 * the view is open; cancellable), its tables and exports; the audit's figures for a period; the monthly
 * report. Answers to requests made before a sign-out or a newer request are dropped.
 */
export const useDashboardsStore = defineStore('dashboards', () => {
  // --- Directory scan ---
  /** The scan followed now: its last known status. */
  const scan = ref<ScanStatus | null>(null);
  /** The last scan that finished (`done`, with its result): what the tables and exports show. */
  const finished = ref<ScanStatus | null>(null);
  const scanError = ref<ApiError | null>(null);
  const starting = ref(false);
  const cancelling = ref(false);
  /** The view is closed: no progress reads until it opens again. */
  const paused = ref(false);
  let timer: ReturnType<typeof setTimeout> | null = null;
  let failures = 0;
  const scans = createLatestGate();

  const running = computed(() => scan.value?.state === 'running');
  const result = computed(() => finished.value?.result ?? null);
  /** The result shown is the scan the main process holds now (a newer scan replaces it there): its lists can be exported. */
  const exportable = computed(() => finished.value !== null && scan.value?.scanId === finished.value.scanId && scan.value.state === 'done');

  const sortKey = ref<UnitSortKey>('noMobileShare');
  const sortDirection = ref<SortDirection>('desc');
  const units = computed<UnitRow[]>(() => sortUnits(unitRows(result.value?.units ?? []), sortKey.value, sortDirection.value));

  const exports = reactive<Record<ScanList, ListExport>>({ units: emptyExport(), locked: emptyExport() });

  // --- Audit figures ---
  const statsForm = reactive<Period & { unit: string }>({ ...currentMonthPeriod(new Date()), unit: '' });
  const stats = ref<AuditStats | null>(null);
  const statsLoading = ref(false);
  const statsError = ref<ApiError | null>(null);
  const statsGate = createLatestGate();
  const statsField = computed(() => statsErrorField(statsError.value));

  // --- Monthly report ---
  const reportForm = reactive({ month: vnMonth(new Date()), unit: '', fileName: '' });
  const reportRunning = ref(false);
  const reportResult = ref<ReportResult | null>(null);
  const reportError = ref<ApiError | null>(null);
  const reportField = computed(() => reportErrorField(reportError.value));

  function settle<T>(r: Result<T>): Result<T> {
    if (!r.ok && r.error.code === 'NOT_SIGNED_IN') useSessionStore().expired();
    return r;
  }

  function stopTimer(): void {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  }

  function schedule(): void {
    stopTimer();
    if (paused.value || !running.value) return;
    timer = setTimeout(() => {
      timer = null;
      void poll();
    }, SCAN_POLL_MS);
  }

  /** Takes a status of the scan followed; a finished scan never goes back to running (a late answer). */
  function take(status: ScanStatus): void {
    const known = scan.value;
    if (known && known.scanId === status.scanId && known.state !== 'running' && status.state === 'running') return;
    scan.value = status;
    if (status.state === 'done' && status.result) finished.value = status;
    if (status.state !== 'running') {
      cancelling.value = false;
      stopTimer();
    }
  }

  /** "Quét thư mục": starts a scan (or follows the one already running). */
  async function start(): Promise<boolean> {
    if (starting.value || running.value) return false;
    const ticket = scans.next();
    starting.value = true;
    scanError.value = null;
    cancelling.value = false;
    failures = 0;
    const r = settle(await api.dashboards.scanStart({}));
    if (!scans.isCurrent(ticket)) return false;
    starting.value = false;
    if (!r.ok) {
      scanError.value = r.error;
      return false;
    }
    scan.value = null;
    take(r.value);
    schedule();
    return true;
  }

  /** One progress read; schedules the next while the scan runs. */
  async function poll(): Promise<void> {
    const current = scan.value;
    if (!current || current.state !== 'running') return;
    const ticket = scans.next();
    const r = settle(await api.dashboards.scanStatus({ scanId: current.scanId }));
    if (!scans.isCurrent(ticket) || scan.value?.scanId !== current.scanId) return;
    if (r.ok) {
      failures = 0;
      take(r.value);
      schedule();
      return;
    }
    // A passing failure (network, INTERNAL) is read again; anything else ends the following.
    failures++;
    if ((r.error.code === 'INTERNAL' || r.error.code === 'DIRECTORY_TIMEOUT') && failures < POLL_RETRIES) {
      schedule();
      return;
    }
    scanError.value = r.error;
    scan.value = null;
    cancelling.value = false;
    stopTimer();
  }

  /** "Dừng": asks the main process to stop; the scan becomes `cancelled` within a page (polling goes on until it says so). */
  async function cancel(): Promise<boolean> {
    const current = scan.value;
    if (!current || current.state !== 'running' || cancelling.value) return false;
    cancelling.value = true;
    const r = settle(await api.dashboards.scanCancel({ scanId: current.scanId }));
    if (scan.value?.scanId !== current.scanId) return false;
    if (!r.ok) {
      cancelling.value = false;
      scanError.value = r.error;
      return false;
    }
    take(r.value);
    if (running.value && timer === null) schedule();
    return true;
  }

  /** The view closed: no more progress reads (the scan goes on in the main process). */
  function pause(): void {
    paused.value = true;
    stopTimer();
  }

  /** The view opened (again): follows a scan still running. */
  function resume(): void {
    paused.value = false;
    if (running.value && timer === null) schedule();
  }

  function setSort(key: UnitSortKey): void {
    if (sortKey.value === key) sortDirection.value = sortDirection.value === 'asc' ? 'desc' : 'asc';
    else {
      sortKey.value = key;
      sortDirection.value = defaultDirection(key);
    }
  }

  /** File names for the exports and the report are proposed (never over typed ones); the main process chooses the folder. */
  function proposeNames(now: Date): void {
    const day = vnDay(now);
    if (exports.units.fileName.trim() === '') exports.units.fileName = scanExportName('units', 'xlsx', day);
    if (exports.locked.fileName.trim() === '') exports.locked.fileName = scanExportName('locked', 'csv', day);
    if (reportForm.fileName.trim() === '') reportForm.fileName = reportName(reportForm.month);
  }

  /** Writes one list of the finished scan to a new file of the name typed, with the format's extension. */
  async function exportList(list: ScanList, format: ExportFormat): Promise<boolean> {
    const e = exports[list];
    const done = finished.value;
    if (e.exporting !== null || !done || !exportable.value) return false;
    const fileName = withFormat(e.fileName, format);
    e.fileName = fileName;
    e.result = null;
    e.error = null;
    if (fileName === '') {
      e.error = invalid('fileName', 'required');
      return false;
    }
    e.exporting = format;
    try {
      const r = settle(await api.dashboards.exportScan({ scanId: done.scanId, list, format, fileName }));
      if (r.ok) e.result = r.value;
      else e.error = r.error;
      return r.ok;
    } finally {
      e.exporting = null;
    }
  }

  /** "Tháng này" / "Tháng trước": sets the period (the unit stays). */
  function choosePeriod(which: 'current' | 'previous', now = new Date()): void {
    Object.assign(statsForm, which === 'current' ? currentMonthPeriod(now) : previousMonthPeriod(now));
  }

  /** The audit's figures for the period (and unit) typed. A refusal leaves the figures shown in place. */
  async function loadStats(): Promise<boolean> {
    const from = statsForm.from.trim();
    const to = statsForm.to.trim();
    const unit = statsForm.unit.trim();
    if (from === '' || to === '') {
      statsGate.cancel();
      statsLoading.value = false;
      statsError.value = invalid(from === '' ? 'from' : 'to', 'required');
      return false;
    }
    const ticket = statsGate.next();
    statsLoading.value = true;
    const r = settle(await api.dashboards.auditStats(unit === '' ? { from, to } : { from, to, unit }));
    if (!statsGate.isCurrent(ticket)) return false;
    statsLoading.value = false;
    if (!r.ok) {
      statsError.value = r.error;
      return false;
    }
    stats.value = r.value;
    statsError.value = null;
    return true;
  }

  /** The view opened: the figures of the default period the first time. */
  async function ensureStats(): Promise<void> {
    if (stats.value === null && !statsLoading.value) await loadStats();
  }

  // A file name still the one proposed for the previous month follows the month picked.
  watch(
    () => reportForm.month,
    (month, was) => {
      if (was && reportForm.fileName === reportName(was)) reportForm.fileName = reportName(month);
    },
  );

  /** "Tạo báo cáo": the month's PDF, a new file of the name typed. */
  async function createReport(now = new Date()): Promise<boolean> {
    if (reportRunning.value) return false;
    reportResult.value = null;
    reportError.value = null;
    const month = reportForm.month.trim();
    const unit = reportForm.unit.trim();
    const fileName = withPdf(reportForm.fileName);
    reportForm.fileName = fileName;
    if (month === '') reportError.value = invalid('month', 'required');
    else if (!/^\d{4}-(0[1-9]|1[0-2])$/u.test(month)) reportError.value = invalid('month', 'invalid_format');
    else if (month > vnMonth(now)) reportError.value = invalid('month', 'out_of_range');
    else if (fileName === '') reportError.value = invalid('fileName', 'required');
    if (reportError.value) return false;
    reportRunning.value = true;
    try {
      const r = settle(await api.reports.monthly(unit === '' ? { month, fileName } : { month, unit, fileName }));
      if (r.ok) reportResult.value = r.value;
      else reportError.value = r.error;
      return r.ok;
    } finally {
      reportRunning.value = false;
    }
  }

  /** Forgets everything (sign-out: nothing stays on screen for the next user). */
  function clear(): void {
    scans.cancel();
    statsGate.cancel();
    stopTimer();
    scan.value = null;
    finished.value = null;
    scanError.value = null;
    starting.value = false;
    cancelling.value = false;
    failures = 0;
    sortKey.value = 'noMobileShare';
    sortDirection.value = 'desc';
    exports.units = emptyExport();
    exports.locked = emptyExport();
    Object.assign(statsForm, { ...currentMonthPeriod(new Date()), unit: '' });
    stats.value = null;
    statsLoading.value = false;
    statsError.value = null;
    Object.assign(reportForm, { month: vnMonth(new Date()), unit: '', fileName: '' });
    reportRunning.value = false;
    reportResult.value = null;
    reportError.value = null;
  }

  clearOnSignOut(clear);

  return {
    scan,
    finished,
    scanError,
    starting,
    cancelling,
    paused,
    running,
    result,
    exportable,
    units,
    sortKey,
    sortDirection,
    start,
    poll,
    cancel,
    pause,
    resume,
    setSort,
    exports,
    proposeNames,
    exportList,
    statsForm,
    stats,
    statsLoading,
    statsError,
    statsField,
    choosePeriod,
    loadStats,
    ensureStats,
    reportForm,
    reportRunning,
    reportResult,
    reportError,
    reportField,
    createReport,
    clear,
  };
});
