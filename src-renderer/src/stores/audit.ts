import type { AuditChainReport, AuditEntry, AuditExportResult, AuditFilter, AuditHead, AuditPage, AuditPurgeResult } from '@common/dto';
import type { ApiError, Result } from '@common/result';
import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import { createLatestGate } from '../async';
import { api } from '../bridge';
import { type ExportFormat, withFormat } from '../export-path';
import { DEFAULT_RETENTION_MONTHS } from '@common/setting-bounds';
import { clearOnSignOut, useSessionStore } from './session';
import { emptyForm, cleanFilter, errorPlace, parseHead, suggestExportName, type AuditForm, type ErrorPlace } from '../flows/audit-view';

/** Rows a page of the audit view shows (only that page is ever in the DOM). */
export const AUDIT_PAGE_SIZE = 50;

/** The actions the main process audits, in the order the filter lists them (one list, in the contract). */
export { AUDIT_ACTIONS } from '@common/dto';

/** The audit view's form, filter, error places and head texts (pure functions) live in flows/audit-view.ts; its names are re-exported here. */
export * from '../flows/audit-view';

/**
 * The audit view: the filter, the page shown (keyset paging: a stack of `before` cursors to go back),
 * a case's timeline, exports, the chain's head and its verification. Only the newest answer to each
 * kind of request is shown; a refused request leaves what was shown in place.
 */
export const useAuditStore = defineStore('audit', () => {
  const form = reactive<AuditForm>(emptyForm());
  /** The filter the shown page answers (what an export writes). */
  const applied = ref<AuditFilter>({});
  /** The `before` of every page after the first, in the order they were opened: the last one is the page shown. */
  const cursors = ref<number[]>([]);
  const page = ref<AuditPage | null>(null);
  const loading = ref(false);
  const error = ref<ApiError | null>(null);

  const timelineCaseId = ref<string | null>(null);
  const timeline = ref<AuditEntry[]>([]);
  const timelineLoading = ref(false);
  const timelineError = ref<ApiError | null>(null);

  const exportName = ref('');
  const exporting = ref<ExportFormat | null>(null);
  const exportResult = ref<AuditExportResult | null>(null);
  const exportError = ref<ApiError | null>(null);

  const head = ref<AuditHead | null>(null);
  const headLoaded = ref(false);
  const headError = ref<ApiError | null>(null);

  const verifyHead = ref('');
  const verifying = ref(false);
  const report = ref<AuditChainReport | null>(null);
  const verifyError = ref<ApiError | null>(null);
  /** The typed head is not `seq:hash`: nothing was sent. */
  const verifyHeadInvalid = ref(false);

  /** The purge's confirmation step is shown (after the retention was read). */
  const purgeConfirming = ref(false);
  /** The retention the purge will apply, in months; null when the settings cannot be read here. */
  const retentionMonths = ref<number | null>(null);
  const purging = ref(false);
  const purgeResult = ref<AuditPurgeResult | null>(null);
  const purgeError = ref<ApiError | null>(null);

  const queries = createLatestGate();
  const timelines = createLatestGate();
  const heads = createLatestGate();
  const purgeSteps = createLatestGate();

  const rows = computed<AuditEntry[]>(() => page.value?.rows ?? []);
  const pageNumber = computed(() => cursors.value.length + 1);
  const hasPrevious = computed(() => cursors.value.length > 0);
  const hasNext = computed(() => page.value?.nextBefore != null);
  const errorField = computed<ErrorPlace>(() => errorPlace(error.value));

  /** Every answer goes through here: a lost session is the session store's business too. */
  function settle<T>(r: Result<T>): Result<T> {
    if (!r.ok && r.error.code === 'NOT_SIGNED_IN') useSessionStore().expired();
    return r;
  }

  /** Asks for one page; on success it becomes the page shown with its filter and cursors, otherwise nothing shown changes. */
  async function fetchPage(filter: AuditFilter, stack: number[]): Promise<boolean> {
    const ticket = queries.next();
    loading.value = true;
    const before = stack.at(-1);
    const r = settle(await api.audit.query(before === undefined ? { filter, limit: AUDIT_PAGE_SIZE } : { filter, before, limit: AUDIT_PAGE_SIZE }));
    if (!queries.isCurrent(ticket)) return false;
    loading.value = false;
    if (!r.ok) {
      error.value = r.error;
      return false;
    }
    applied.value = filter;
    cursors.value = stack;
    page.value = r.value;
    error.value = null;
    void loadHead();
    return true;
  }

  /** The form's filter, from its first page. */
  function apply(): Promise<boolean> {
    return fetchPage(cleanFilter(form), []);
  }

  /** Older rows: the page after the one shown. */
  async function next(): Promise<boolean> {
    const nextBefore = page.value?.nextBefore;
    if (nextBefore == null || loading.value) return false;
    return fetchPage(applied.value, [...cursors.value, nextBefore]);
  }

  /** Newer rows: back one page along the cursors. */
  async function previous(): Promise<boolean> {
    if (cursors.value.length === 0 || loading.value) return false;
    return fetchPage(applied.value, cursors.value.slice(0, -1));
  }

  /** The page shown, read again (same filter, same cursor: on the first page, rows written since appear). */
  function refresh(): Promise<boolean> {
    return fetchPage(applied.value, cursors.value);
  }

  /** The view opened: the first page of the form's filter the first time, afterwards the page it left, read again. */
  async function ensureLoaded(): Promise<void> {
    if (loading.value) return;
    if (page.value === null) await apply();
    else await refresh();
    if (!headLoaded.value) await loadHead();
  }

  function resetForm(): void {
    Object.assign(form, emptyForm());
  }

  async function openTimeline(caseId: string): Promise<void> {
    const ticket = timelines.next();
    timelineCaseId.value = caseId;
    timeline.value = [];
    timelineError.value = null;
    timelineLoading.value = true;
    const r = settle(await api.audit.timeline({ caseId }));
    if (!timelines.isCurrent(ticket)) return;
    timelineLoading.value = false;
    if (r.ok) timeline.value = r.value;
    else timelineError.value = r.error;
  }

  function closeTimeline(): void {
    timelines.cancel();
    timelineCaseId.value = null;
    timeline.value = [];
    timelineError.value = null;
    timelineLoading.value = false;
  }

  /** Proposes a file name for the export, unless one was typed already. */
  function proposeExportName(day: string): void {
    if (exportName.value.trim() === '') exportName.value = suggestExportName('csv', day);
  }

  /** Writes the rows matching the filter shown to a new file of the name typed, with the format's extension. */
  async function exportAs(format: ExportFormat): Promise<boolean> {
    if (exporting.value !== null) return false;
    const fileName = withFormat(exportName.value, format);
    exportName.value = fileName;
    exportResult.value = null;
    exportError.value = null;
    if (fileName === '') {
      exportError.value = { code: 'VALIDATION_FAILED', field: 'fileName', reason: 'required' };
      return false;
    }
    exporting.value = format;
    try {
      const r = settle(await api.audit.export({ filter: applied.value, format, fileName }));
      if (r.ok) exportResult.value = r.value;
      else exportError.value = r.error;
      return r.ok;
    } finally {
      exporting.value = null;
      void loadHead();
    }
  }

  async function loadHead(): Promise<void> {
    if (!useSessionStore().allows('audit', 'head')) return;
    const ticket = heads.next();
    const r = settle(await api.audit.head({}));
    if (!heads.isCurrent(ticket)) return;
    headLoaded.value = true;
    if (r.ok) {
      head.value = r.value;
      headError.value = null;
    } else {
      headError.value = r.error;
    }
  }

  /** Walks the whole chain, against the head typed in when there is one. */
  async function verify(): Promise<boolean> {
    if (verifying.value) return false;
    const typed = parseHead(verifyHead.value);
    verifyHeadInvalid.value = typed === 'invalid';
    verifyError.value = null;
    if (typed === 'invalid') return false;
    verifying.value = true;
    report.value = null;
    try {
      const r = settle(await api.audit.verify(typed === null ? {} : { head: typed }));
      if (r.ok) report.value = r.value;
      else verifyError.value = r.error;
      return r.ok;
    } finally {
      verifying.value = false;
      void loadHead();
    }
  }

  /** The retention in the settings (its default when unset), or null when this user cannot read them. */
  async function readRetention(): Promise<number | null> {
    if (!useSessionStore().allows('settings', 'get')) return null;
    const r = settle(await api.settings.get({}));
    return r.ok ? (r.value.settings.audit?.retentionMonths ?? DEFAULT_RETENTION_MONTHS) : null;
  }

  /** "Xóa nhật ký quá hạn": reads the retention for the explanation, then shows the confirmation step. */
  async function askPurge(): Promise<void> {
    if (purging.value) return;
    const ticket = purgeSteps.next();
    purgeResult.value = null;
    purgeError.value = null;
    const months = await readRetention();
    if (!purgeSteps.isCurrent(ticket)) return;
    retentionMonths.value = months;
    purgeConfirming.value = true;
  }

  function cancelPurge(): void {
    purgeSteps.cancel();
    purgeConfirming.value = false;
  }

  /**
   * Confirmed: removes the rows older than the retention (the main process reads it and checks the
   * chain first). Then the head and the page shown are read again; a page whose rows are all gone
   * gives way to the first page.
   */
  async function purge(): Promise<boolean> {
    if (purging.value) return false;
    purgeSteps.cancel();
    purging.value = true;
    purgeResult.value = null;
    purgeError.value = null;
    try {
      const r = settle(await api.audit.purge({}));
      if (!r.ok) {
        purgeError.value = r.error;
        return false;
      }
      purgeResult.value = r.value;
      // A report from before the purge describes rows that may be gone.
      if (r.value.purged > 0) report.value = null;
      if (page.value !== null) {
        await refresh();
        if (rows.value.length === 0 && cursors.value.length > 0) await fetchPage(applied.value, []);
      }
      return true;
    } finally {
      purging.value = false;
      purgeConfirming.value = false;
      await loadHead();
    }
  }

  /** Forgets everything (sign-out: nothing of the audit stays on screen for the next user). */
  function clear(): void {
    queries.cancel();
    timelines.cancel();
    heads.cancel();
    purgeSteps.cancel();
    resetForm();
    applied.value = {};
    cursors.value = [];
    page.value = null;
    loading.value = false;
    error.value = null;
    closeTimeline();
    exportName.value = '';
    exporting.value = null;
    exportResult.value = null;
    exportError.value = null;
    head.value = null;
    headLoaded.value = false;
    headError.value = null;
    verifyHead.value = '';
    verifying.value = false;
    report.value = null;
    verifyError.value = null;
    verifyHeadInvalid.value = false;
    purgeConfirming.value = false;
    retentionMonths.value = null;
    purging.value = false;
    purgeResult.value = null;
    purgeError.value = null;
  }

  clearOnSignOut(clear);

  return {
    form,
    applied,
    cursors,
    page,
    loading,
    error,
    rows,
    pageNumber,
    hasPrevious,
    hasNext,
    errorField,
    apply,
    next,
    previous,
    refresh,
    ensureLoaded,
    resetForm,
    timelineCaseId,
    timeline,
    timelineLoading,
    timelineError,
    openTimeline,
    closeTimeline,
    exportName,
    exporting,
    exportResult,
    exportError,
    proposeExportName,
    exportAs,
    head,
    headLoaded,
    headError,
    loadHead,
    verifyHead,
    verifying,
    report,
    verifyError,
    verifyHeadInvalid,
    verify,
    purgeConfirming,
    retentionMonths,
    purging,
    purgeResult,
    purgeError,
    askPurge,
    cancelPurge,
    purge,
    clear,
  };
});
