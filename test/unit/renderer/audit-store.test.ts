import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { nextTick } from 'vue';
import type { AuditChainReport, AuditEntry, AuditExportResult, AuditFilter, AuditHead, AuditPage, AuditPurgeResult } from '../../../src-main/common/dto';
import type { ApiError, Result } from '../../../src-main/common/result';
import { INPUT_SCHEMAS } from '../../../src-main/common/schemas';
import * as __stores_session from '../../../src-renderer/src/stores/session';
import * as __stores_audit from '../../../src-renderer/src/stores/audit';
import * as __i18n_vi from '../../../src-renderer/src/i18n/vi';
import * as __i18n_en from '../../../src-renderer/src/i18n/en';
import type { Role } from '../../../src-main/common/roles';
import { operatorInfo, sessionInfo } from './case-fixtures';

// The store talks to the contract through bridge.ts; here the bridge is a set of mocks.
const api = vi.hoisted(() => ({
  audit: { query: vi.fn(), timeline: vi.fn(), export: vi.fn(), head: vi.fn(), verify: vi.fn(), purge: vi.fn() },
  settings: { get: vi.fn() },
  session: { current: vi.fn(), signIn: vi.fn(), signOut: vi.fn() },
}));
vi.mock('../../../src-renderer/src/bridge', () => ({ api, inElectron: false, onSessionLocked: () => undefined }));
// The renderer's `@common/*` alias is the bundler's (tsconfig.web.json); here it points at the same file.

type Form = ReturnType<typeof emptyForm>;
type Place = keyof Form | 'fileName' | 'head' | null;
interface AuditStore {
  form: Form;
  applied: AuditFilter;
  cursors: number[];
  page: AuditPage | null;
  loading: boolean;
  error: ApiError | null;
  rows: AuditEntry[];
  pageNumber: number;
  hasPrevious: boolean;
  hasNext: boolean;
  errorField: Place;
  apply(): Promise<boolean>;
  next(): Promise<boolean>;
  previous(): Promise<boolean>;
  ensureLoaded(): Promise<void>;
  resetForm(): void;
  timelineCaseId: string | null;
  timeline: AuditEntry[];
  timelineError: ApiError | null;
  openTimeline(caseId: string): Promise<void>;
  closeTimeline(): void;
  exportName: string;
  exporting: 'csv' | 'xlsx' | null;
  exportResult: AuditExportResult | null;
  exportError: ApiError | null;
  proposeExportName(day: string): void;
  exportAs(format: 'csv' | 'xlsx'): Promise<boolean>;
  head: AuditHead | null;
  loadHead(): Promise<void>;
  verifyHead: string;
  verifyHeadInvalid: boolean;
  report: AuditChainReport | null;
  verifyError: ApiError | null;
  verify(): Promise<boolean>;
  purgeConfirming: boolean;
  retentionMonths: number | null;
  purging: boolean;
  purgeResult: AuditPurgeResult | null;
  purgeError: ApiError | null;
  askPurge(): Promise<void>;
  cancelPurge(): void;
  purge(): Promise<boolean>;
}

const audit = __stores_audit;
const { useSessionStore } = __stores_session;
const { useAuditStore, cleanFilter, emptyForm, errorPlace, parseHead, headText, suggestExportName, withFormat } = audit;

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const err = (code: string, extra: Partial<ApiError> = {}): Result<never> => ({ ok: false, error: { code, ...extra } as ApiError });
const HASH = 'ab'.repeat(32);
const CASE = '2b1f0c4e-7d1a-4c3e-9b1e-0a6f7e2c9d11';

function entry(seq: number, over: Partial<AuditEntry> = {}): AuditEntry {
  return {
    seq,
    at: new Date(Date.UTC(2026, 10, 23, 2, 0, seq % 60)).toISOString(),
    operator: 'giamsat01',
    action: 'case.open',
    outcome: 'ok',
    target: 'annv',
    unit: 'Sở TTTT',
    caseId: CASE,
    detail: {},
    ...over,
  };
}

/** A page of `n` rows counting down from `top`; `nextBefore` when there are more. */
function pageOf(top: number, n: number, more: boolean, total = 1234): AuditPage {
  const rows = Array.from({ length: n }, (_, i) => entry(top - i));
  return { rows, nextBefore: more ? rows.at(-1)!.seq : null, total, totalIsLowerBound: false };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function signInAs(roles: Role[], mode: 'training' | 'directory' = 'training'): void {
  useSessionStore().current = sessionInfo({ operator: operatorInfo('giamsat01', roles, 'Võ Thanh Tâm'), mode: mode });
}

let store: AuditStore;

beforeEach(() => {
  setActivePinia(createPinia());
  for (const f of [...Object.values(api.audit), ...Object.values(api.settings)]) f.mockReset();
  api.audit.head.mockResolvedValue(ok({ seq: 900, hash: HASH }));
  signInAs(['supervisor']);
  store = useAuditStore();
});

describe('cleanFilter', () => {
  it('leaves empty and blank fields out and trims the rest', () => {
    const form: Form = { ...emptyForm(), from: '2026-11-01', operator: '  giamsat01 ', account: '   ', outcome: 'refused', unit: '' };
    expect(cleanFilter(form)).toEqual({ from: '2026-11-01', operator: 'giamsat01', outcome: 'refused' });
    expect(cleanFilter(emptyForm())).toEqual({});
  });

  it('keeps only the filter keys, whatever else the form object carries', () => {
    const form = { ...emptyForm(), account: 'annv', extra: 'x', caseId: '' } as unknown as Form;
    expect(Object.keys(cleanFilter(form))).toEqual(['account']);
  });

  it('makes filters the strict contract schema accepts', () => {
    const full: Form = { from: '2026-11-01', to: '2026-11-23', operator: 'giamsat01', account: 'annv', action: 'case.open', outcome: 'ok', unit: 'Sở TTTT' };
    for (const form of [emptyForm(), { ...emptyForm(), account: ' annv ' }, full]) {
      const parsed = INPUT_SCHEMAS.audit.query.safeParse({ filter: cleanFilter(form), limit: 50 });
      expect(parsed.success, JSON.stringify(form)).toBe(true);
    }
    // What the cleaning prevents: the schema refuses an empty string.
    expect(INPUT_SCHEMAS.audit.query.safeParse({ filter: { account: '' } }).success).toBe(false);
  });

  it('lists every action the filter offers once', () => {
    expect(new Set(audit.AUDIT_ACTIONS).size).toBe(audit.AUDIT_ACTIONS.length);
    expect(audit.AUDIT_ACTIONS).toHaveLength(35);
    expect(audit.AUDIT_ACTIONS).toContain('dashboard.export');
    expect(audit.AUDIT_ACTIONS).toContain('account.reset-unlock');
  });

  it('has a label for every action it offers, in both languages (nested by the action\'s name)', async () => {
    type Tree = { [key: string]: string | Tree };
    const { vi } = __i18n_vi;
    const { en } = __i18n_en;
    for (const messages of [vi, en]) {
      for (const action of audit.AUDIT_ACTIONS) {
        const label = `audit.actions.${action}`.split('.').reduce<unknown>((node, part) => (node as Tree | undefined)?.[part], messages);
        expect(label, action).toEqual(expect.stringMatching(/\S/u));
      }
    }
  });
});

describe('errorPlace', () => {
  it('puts a filter error next to the field it names', () => {
    expect(errorPlace({ code: 'VALIDATION_FAILED', field: 'filter.to', reason: 'reversed_range' })).toBe('to');
    expect(errorPlace({ code: 'VALIDATION_FAILED', field: 'filter.from', reason: 'out_of_range' })).toBe('from');
    expect(errorPlace({ code: 'VALIDATION_FAILED', field: 'filter.unit', reason: 'too_long' })).toBe('unit');
  });

  it("knows the export's file name and the saved head", () => {
    expect(errorPlace({ code: 'VALIDATION_FAILED', field: 'fileName', reason: 'invalid_format' })).toBe('fileName');
    expect(errorPlace({ code: 'VALIDATION_FAILED', field: 'head.hash', reason: 'invalid_format' })).toBe('head');
  });

  it('leaves errors without a field of the form to the banner', () => {
    expect(errorPlace(null)).toBeNull();
    expect(errorPlace({ code: 'EXPORT_WRITE_FAILED', detail: 'ENOENT' })).toBeNull();
    expect(errorPlace({ code: 'VALIDATION_FAILED', field: 'filter', reason: 'invalid_value' })).toBeNull();
    expect(errorPlace({ code: 'VALIDATION_FAILED', field: 'filter.caseId', reason: 'invalid_format' })).toBeNull();
    expect(errorPlace({ code: 'VALIDATION_FAILED', field: 'limit', reason: 'too_short' })).toBeNull();
  });
});

describe('heads and export file names', () => {
  it('reads a head typed as seq:hash, forgiving spaces and capitals', () => {
    expect(parseHead(`1234:${HASH}`)).toEqual({ seq: 1234, hash: HASH });
    expect(parseHead(`  77 : ${HASH.toUpperCase()} `)).toEqual({ seq: 77, hash: HASH });
    expect(parseHead('   ')).toBeNull();
    for (const bad of ['1234', `:${HASH}`, `0:${HASH}`, `12:${HASH.slice(1)}`, `12:${HASH}0`, `x:${HASH}`, `12:${'g'.repeat(64)}`]) {
      expect(parseHead(bad), bad).toBe('invalid');
    }
    expect(headText({ seq: 5, hash: HASH })).toBe(`5:${HASH}`);
  });

  it('proposes the file name nhat-ky-kiem-tra-<day> (the main process chooses the folder)', () => {
    expect(suggestExportName('csv', '2026-11-23')).toBe('nhat-ky-kiem-tra-2026-11-23.csv');
    expect(suggestExportName('xlsx', '2026-01-02')).toBe('nhat-ky-kiem-tra-2026-01-02.xlsx');
  });

  it('gives the file name the extension of the button pressed', () => {
    expect(withFormat('a.csv', 'xlsx')).toBe('a.xlsx');
    expect(withFormat('a.XLSX', 'csv')).toBe('a.csv');
    expect(withFormat(' bao-cao ', 'csv')).toBe('bao-cao.csv');
    expect(withFormat('a.xlsx', 'xlsx')).toBe('a.xlsx');
    expect(withFormat('  ', 'csv')).toBe('');
  });
});

describe('audit store: pages', () => {
  it('asks for the first page with the cleaned filter and a page size of 50', async () => {
    store.form.account = ' annv ';
    api.audit.query.mockResolvedValueOnce(ok(pageOf(300, 50, true)));
    expect(await store.apply()).toBe(true);
    expect(api.audit.query).toHaveBeenCalledWith({ filter: { account: 'annv' }, limit: 50 });
    expect(audit.AUDIT_PAGE_SIZE).toBe(50);
    expect(store.rows).toHaveLength(50);
    expect(store.pageNumber).toBe(1);
    expect(store.hasPrevious).toBe(false);
    expect(store.hasNext).toBe(true);
    expect(store.applied).toEqual({ account: 'annv' });
  });

  it('goes forward with each page\'s nextBefore and back along the stack of cursors', async () => {
    api.audit.query
      .mockResolvedValueOnce(ok(pageOf(300, 50, true)))
      .mockResolvedValueOnce(ok(pageOf(250, 50, true)))
      .mockResolvedValueOnce(ok(pageOf(200, 50, true)))
      .mockResolvedValueOnce(ok(pageOf(250, 50, true)))
      .mockResolvedValueOnce(ok(pageOf(300, 50, true)));
    await store.apply();
    expect(await store.next()).toBe(true);
    expect(api.audit.query).toHaveBeenLastCalledWith({ filter: {}, before: 251, limit: 50 });
    expect(await store.next()).toBe(true);
    expect(api.audit.query).toHaveBeenLastCalledWith({ filter: {}, before: 201, limit: 50 });
    expect(store.cursors).toEqual([251, 201]);
    expect(store.pageNumber).toBe(3);

    expect(await store.previous()).toBe(true);
    expect(api.audit.query).toHaveBeenLastCalledWith({ filter: {}, before: 251, limit: 50 });
    expect(store.pageNumber).toBe(2);
    expect(store.rows[0]!.seq).toBe(250);
    expect(await store.previous()).toBe(true);
    // Back on the first page: no cursor at all.
    expect(api.audit.query).toHaveBeenLastCalledWith({ filter: {}, limit: 50 });
    expect(store.pageNumber).toBe(1);
    expect(store.hasPrevious).toBe(false);
    expect(await store.previous()).toBe(false);
    expect(api.audit.query).toHaveBeenCalledTimes(5);
  });

  it('reads the page it left again when the view opens again', async () => {
    api.audit.query.mockResolvedValueOnce(ok(pageOf(300, 50, true))).mockResolvedValueOnce(ok(pageOf(250, 50, true)));
    store.form.account = 'annv';
    await store.ensureLoaded();
    expect(api.audit.query).toHaveBeenLastCalledWith({ filter: { account: 'annv' }, limit: 50 });
    await store.next();
    api.audit.query.mockResolvedValueOnce(ok(pageOf(250, 50, true, 1240)));
    await store.ensureLoaded();
    expect(api.audit.query).toHaveBeenLastCalledWith({ filter: { account: 'annv' }, before: 251, limit: 50 });
    expect(store.pageNumber).toBe(2);
    expect(store.page?.total).toBe(1240);
  });

  it('stops at the last page', async () => {
    api.audit.query.mockResolvedValueOnce(ok(pageOf(12, 12, false, 12)));
    await store.apply();
    expect(store.hasNext).toBe(false);
    expect(await store.next()).toBe(false);
    expect(api.audit.query).toHaveBeenCalledTimes(1);
  });

  it('pages through the filter shown, not a form edited since', async () => {
    store.form.account = 'annv';
    api.audit.query.mockResolvedValueOnce(ok(pageOf(300, 50, true))).mockResolvedValueOnce(ok(pageOf(250, 50, false)));
    await store.apply();
    store.form.account = 'binhtt';
    await store.next();
    expect(api.audit.query).toHaveBeenLastCalledWith({ filter: { account: 'annv' }, before: 251, limit: 50 });
  });

  it('starts again from the first page when the filter is applied', async () => {
    api.audit.query.mockResolvedValueOnce(ok(pageOf(300, 50, true))).mockResolvedValueOnce(ok(pageOf(250, 50, true)));
    await store.apply();
    await store.next();
    store.form.outcome = 'refused';
    api.audit.query.mockResolvedValueOnce(ok(pageOf(40, 3, false, 3)));
    await store.apply();
    expect(api.audit.query).toHaveBeenLastCalledWith({ filter: { outcome: 'refused' }, limit: 50 });
    expect(store.cursors).toEqual([]);
    expect(store.pageNumber).toBe(1);
  });

  it('keeps what was shown when the main process refuses, with the error at its field', async () => {
    api.audit.query.mockResolvedValueOnce(ok(pageOf(300, 50, true))).mockResolvedValueOnce(ok(pageOf(250, 50, true)));
    await store.apply();
    await store.next();
    const shown = store.page;
    Object.assign(store.form, { from: '2026-11-23', to: '2026-11-01' });
    api.audit.query.mockResolvedValueOnce(err('VALIDATION_FAILED', { field: 'filter.to', reason: 'reversed_range' }));
    expect(await store.apply()).toBe(false);
    expect(store.errorField).toBe('to');
    expect(store.page).toBe(shown);
    expect(store.cursors).toEqual([251]);
    expect(store.applied).toEqual({});
    expect(store.loading).toBe(false);

    // Fixed: the error goes, the new filter shows.
    store.form.to = '2026-11-23';
    api.audit.query.mockResolvedValueOnce(ok(pageOf(90, 2, false, 2)));
    expect(await store.apply()).toBe(true);
    expect(store.error).toBeNull();
    expect(store.errorField).toBeNull();
    expect(store.applied).toEqual({ from: '2026-11-23', to: '2026-11-23' });
  });

  it('shows only the newest answer when requests overlap', async () => {
    const slow = deferred<Result<AuditPage>>();
    api.audit.query.mockReturnValueOnce(slow.promise).mockResolvedValueOnce(ok(pageOf(20, 1, false, 1)));
    store.form.account = 'annv';
    const first = store.apply();
    store.form.account = 'binhtt';
    expect(await store.apply()).toBe(true);
    slow.resolve(ok(pageOf(300, 50, true)));
    expect(await first).toBe(false);
    expect(store.applied).toEqual({ account: 'binhtt' });
    expect(store.rows).toHaveLength(1);
    expect(store.loading).toBe(false);
  });

  it('refreshes the head after a page, and not for a role without audit.head', async () => {
    api.audit.query.mockResolvedValue(ok(pageOf(3, 3, false, 3)));
    await store.apply();
    await vi.waitFor(() => expect(store.head).toEqual({ seq: 900, hash: HASH }));

    setActivePinia(createPinia());
    signInAs(['operator']);
    const other = useAuditStore();
    await other.loadHead();
    expect(other.head).toBeNull();
    expect(api.audit.head).toHaveBeenCalledTimes(1);
  });

  it('a lost session signs the user out here too, and nothing of the audit stays', async () => {
    api.audit.query.mockResolvedValueOnce(ok(pageOf(3, 3, false, 3)));
    store.form.account = 'annv';
    await store.apply();
    api.audit.query.mockResolvedValueOnce(err('NOT_SIGNED_IN'));
    await store.apply();
    expect(useSessionStore().signedIn).toBe(false);
    await nextTick();
    expect(store.page).toBeNull();
    expect(store.form.account).toBe('');
    expect(store.applied).toEqual({});
  });
});

describe('audit store: timeline, export, verify', () => {
  it('loads a case timeline; a slower answer for another case is dropped', async () => {
    const slow = deferred<Result<AuditEntry[]>>();
    api.audit.timeline.mockReturnValueOnce(slow.promise).mockResolvedValueOnce(ok([entry(1), entry(2, { action: 'case.close' })]));
    const first = store.openTimeline('11111111-1111-1111-1111-111111111111');
    await store.openTimeline(CASE);
    slow.resolve(ok([entry(7)]));
    await first;
    expect(store.timelineCaseId).toBe(CASE);
    expect(store.timeline.map((e) => e.seq)).toEqual([1, 2]);
    expect(api.audit.timeline).toHaveBeenLastCalledWith({ caseId: CASE });
    store.closeTimeline();
    expect(store.timelineCaseId).toBeNull();
    expect(store.timeline).toEqual([]);
  });

  it('exports the filter shown under the file name typed, with the extension of the format, once at a time', async () => {
    store.form.account = 'annv';
    api.audit.query.mockResolvedValueOnce(ok(pageOf(3, 3, false, 3)));
    await store.apply();
    store.form.account = 'something else';
    store.proposeExportName('2026-11-23');
    expect(store.exportName).toBe('nhat-ky-kiem-tra-2026-11-23.csv');
    // A typed name is never replaced by a proposal.
    store.exportName = 'kiem-tra.csv';
    store.proposeExportName('2026-11-23');
    expect(store.exportName).toBe('kiem-tra.csv');

    const answer = deferred<Result<AuditExportResult>>();
    api.audit.export.mockReturnValueOnce(answer.promise);
    const running = store.exportAs('xlsx');
    expect(store.exporting).toBe('xlsx');
    expect(await store.exportAs('csv')).toBe(false);
    answer.resolve(ok({ path: '/srv/out/kiem-tra.xlsx', rows: 1234, bytes: 99_000 }));
    expect(await running).toBe(true);
    expect(api.audit.export).toHaveBeenCalledTimes(1);
    expect(api.audit.export).toHaveBeenCalledWith({ filter: { account: 'annv' }, format: 'xlsx', fileName: 'kiem-tra.xlsx' });
    expect(store.exportName).toBe('kiem-tra.xlsx');
    expect(store.exporting).toBeNull();
    expect(store.exportResult?.rows).toBe(1234);
  });

  it('keeps an export refusal for its place: the file-name field, or the banner', async () => {
    store.exportName = '../a.csv';
    api.audit.export.mockResolvedValueOnce(err('VALIDATION_FAILED', { field: 'fileName', reason: 'invalid_format' }));
    expect(await store.exportAs('csv')).toBe(false);
    expect(errorPlace(store.exportError)).toBe('fileName');

    store.exportName = 'a.csv';
    api.audit.export.mockResolvedValueOnce(err('EXPORT_WRITE_FAILED', { reason: 'exists', detail: 'EEXIST' }));
    expect(await store.exportAs('csv')).toBe(false);
    expect(store.exportError).toEqual({ code: 'EXPORT_WRITE_FAILED', reason: 'exists', detail: 'EEXIST' });
    expect(errorPlace(store.exportError)).toBeNull();
    expect(store.exportResult).toBeNull();

    // Nothing typed: refused here, nothing sent.
    store.exportName = '  ';
    api.audit.export.mockClear();
    expect(await store.exportAs('csv')).toBe(false);
    expect(api.audit.export).not.toHaveBeenCalled();
    expect(store.exportError).toMatchObject({ field: 'fileName', reason: 'required' });
  });

  it('verifies the chain, against a saved head when one is typed', async () => {
    const report: AuditChainReport = { ok: true, rows: 900, head: { seq: 900, hash: HASH }, problemCount: 0, problems: [], firstBad: null };
    api.audit.verify.mockResolvedValue(ok(report));
    expect(await store.verify()).toBe(true);
    expect(api.audit.verify).toHaveBeenLastCalledWith({});
    expect(store.report).toEqual(report);

    store.verifyHead = ` 850:${HASH.toUpperCase()} `;
    await store.verify();
    expect(api.audit.verify).toHaveBeenLastCalledWith({ head: { seq: 850, hash: HASH } });
  });

  it('sends nothing for a head that is not seq:hash', async () => {
    store.verifyHead = '850:abc';
    expect(await store.verify()).toBe(false);
    expect(store.verifyHeadInvalid).toBe(true);
    expect(api.audit.verify).not.toHaveBeenCalled();
    store.verifyHead = '';
    api.audit.verify.mockResolvedValueOnce(err('ROLE_NOT_ALLOWED'));
    expect(await store.verify()).toBe(false);
    expect(store.verifyHeadInvalid).toBe(false);
    expect(store.verifyError?.code).toBe('ROLE_NOT_ALLOWED');
    expect(store.report).toBeNull();
  });
});

describe('head file and print record', () => {
  const head = { seq: 1234, hash: HASH };
  // 23/11/2026 09:05:07 in Vietnam (UTC+7).
  const at = new Date(Date.UTC(2026, 10, 23, 2, 5, 7));

  it('names the file after the seq', () => {
    expect(audit.headFileName(head)).toBe('dau-chuoi-nhat-ky-1234.txt');
  });

  it('writes agency-neutral Vietnamese lines, the time in Vietnam, and the form the verify field takes back', () => {
    expect(audit.headRecordLines(head, at)).toEqual([
      'Đầu chuỗi nhật ký kiểm tra Helpdesk',
      'Số thứ tự: 1234',
      `Mã băm: ${HASH}`,
      'Thời điểm: 23/11/2026 09:05:07 (giờ Việt Nam)',
      `Nhập khi kiểm tra: 1234:${HASH}`,
    ]);
    // What the file says can be typed back into "Đầu chuỗi đã lưu".
    const typedBack = audit.headRecordLines(head, at).at(-1)!.replace('Nhập khi kiểm tra: ', '');
    expect(parseHead(typedBack)).toEqual(head);
  });

  it('the file: UTF-8 BOM, CRLF line ends, a final line end', () => {
    const text = audit.headFileText(head, at);
    expect(text.startsWith('\uFEFFĐầu chuỗi nhật ký kiểm tra Helpdesk\r\nSố thứ tự: 1234\r\n')).toBe(true);
    expect(text.endsWith(`Nhập khi kiểm tra: 1234:${HASH}\r\n`)).toBe(true);
    expect(text.split('\r\n')).toHaveLength(6);
    expect(text.replace(/\r\n/gu, '')).not.toMatch(/\n/u);
  });
});

describe('audit store: purge', () => {
  const settingsView = (audit?: { retentionMonths: number }) =>
    ok({
      settings: { version: 1, locale: 'vi', mode: 'training', ...(audit ? { audit } : {}) },
      servicePasswordStored: false,
      smsSecretStored: false,
      mailPasswordStored: false,
      keychainAvailable: true,
    });

  it('asks first: reads the retention from the settings (or its default), then shows the confirmation', async () => {
    api.settings.get.mockResolvedValueOnce(settingsView({ retentionMonths: 36 }));
    await store.askPurge();
    expect(store.purgeConfirming).toBe(true);
    expect(store.retentionMonths).toBe(36);
    expect(api.audit.purge).not.toHaveBeenCalled();
    store.cancelPurge();
    expect(store.purgeConfirming).toBe(false);

    api.settings.get.mockResolvedValueOnce(settingsView());
    await store.askPurge();
    expect(store.retentionMonths).toBe(24);
  });

  it('without the settings (refused, or a role that cannot read them): no number of months', async () => {
    api.settings.get.mockResolvedValueOnce(err('ROLE_NOT_ALLOWED'));
    await store.askPurge();
    expect(store.purgeConfirming).toBe(true);
    expect(store.retentionMonths).toBeNull();

    setActivePinia(createPinia());
    signInAs(['auditor'], 'directory');
    const other = useAuditStore();
    await other.askPurge();
    expect(other.retentionMonths).toBeNull();
    expect(api.settings.get).toHaveBeenCalledTimes(1);
  });

  it('a cancelled confirmation stays closed when the settings answer late', async () => {
    const slow = deferred<Result<unknown>>();
    api.settings.get.mockReturnValueOnce(slow.promise);
    const asking = store.askPurge();
    store.cancelPurge();
    slow.resolve(settingsView({ retentionMonths: 12 }));
    await asking;
    expect(store.purgeConfirming).toBe(false);
  });

  it('purges with {}, says what went, then reads the head and the page shown again', async () => {
    api.audit.query.mockResolvedValue(ok(pageOf(300, 50, true)));
    await store.apply();
    store.report = { ok: true, rows: 300, head: { seq: 300, hash: HASH }, problemCount: 0, problems: [], firstBad: null };
    api.settings.get.mockResolvedValueOnce(settingsView({ retentionMonths: 6 }));
    await store.askPurge();
    api.audit.query.mockClear();
    api.audit.head.mockClear();
    api.audit.purge.mockResolvedValueOnce(ok({ purged: 120, through: 120, checkpoint: 301 }));
    expect(await store.purge()).toBe(true);
    expect(api.audit.purge).toHaveBeenCalledWith({});
    expect(INPUT_SCHEMAS.audit.purge.safeParse(api.audit.purge.mock.lastCall?.[0]).success).toBe(true);
    expect(store.purgeResult).toEqual({ purged: 120, through: 120, checkpoint: 301 });
    expect(store.purgeConfirming).toBe(false);
    expect(store.purging).toBe(false);
    expect(store.report).toBeNull(); // described rows that may be gone
    expect(api.audit.query).toHaveBeenCalledWith({ filter: {}, limit: 50 });
    expect(api.audit.head).toHaveBeenCalled();
  });

  it('nothing past the retention: said so, the verification report kept', async () => {
    const report: AuditChainReport = { ok: true, rows: 30, head: { seq: 30, hash: HASH }, problemCount: 0, problems: [], firstBad: null };
    store.report = report;
    api.audit.purge.mockResolvedValueOnce(ok({ purged: 0, through: null, checkpoint: null }));
    expect(await store.purge()).toBe(true);
    expect(store.purgeResult?.purged).toBe(0);
    expect(store.report).toEqual(report);
    // No page was open: none is asked for.
    expect(api.audit.query).not.toHaveBeenCalled();
  });

  it('a page whose rows all went gives way to the first page', async () => {
    api.audit.query.mockResolvedValueOnce(ok(pageOf(300, 50, true))).mockResolvedValueOnce(ok(pageOf(250, 50, true)));
    await store.apply();
    await store.next();
    api.audit.query.mockResolvedValueOnce(ok({ rows: [], nextBefore: null, total: 0, totalIsLowerBound: false }));
    api.audit.query.mockResolvedValueOnce(ok(pageOf(301, 50, false, 50)));
    api.audit.purge.mockResolvedValueOnce(ok({ purged: 250, through: 250, checkpoint: 301 }));
    await store.purge();
    expect(api.audit.query).toHaveBeenNthCalledWith(3, { filter: {}, before: 251, limit: 50 });
    expect(api.audit.query).toHaveBeenLastCalledWith({ filter: {}, limit: 50 });
    expect(store.pageNumber).toBe(1);
    expect(store.rows[0]!.seq).toBe(301);
  });

  it('a broken chain: the refusal kept, nothing else changes, once at a time', async () => {
    const answer = deferred<Result<AuditPurgeResult>>();
    api.audit.purge.mockReturnValueOnce(answer.promise);
    const running = store.purge();
    expect(store.purging).toBe(true);
    expect(await store.purge()).toBe(false);
    answer.resolve(err('AUDIT_TAMPERED', { detail: 'first bad row 17' }));
    expect(await running).toBe(false);
    expect(api.audit.purge).toHaveBeenCalledTimes(1);
    expect(store.purgeError).toEqual({ code: 'AUDIT_TAMPERED', detail: 'first bad row 17' });
    expect(store.purgeResult).toBeNull();
    expect(store.purgeConfirming).toBe(false);

    // Asking again clears the last outcome.
    api.settings.get.mockResolvedValueOnce(settingsView());
    await store.askPurge();
    expect(store.purgeError).toBeNull();
  });

  it('signing out forgets the purge state', async () => {
    api.audit.purge.mockResolvedValueOnce(ok({ purged: 3, through: 3, checkpoint: 40 }));
    await store.purge();
    api.audit.query.mockResolvedValueOnce(err('NOT_SIGNED_IN'));
    await store.apply();
    await nextTick();
    expect(store.purgeResult).toBeNull();
    expect(store.retentionMonths).toBeNull();
  });
});
