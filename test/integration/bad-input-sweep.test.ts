import { servicePasswordKey, smsSecretKey } from '../../src-main/app/secret-keys';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeytarSecretStore } from '../../src-main/adapters/secrets/keytar-secret-store';
import type { HelpdeskApi } from '../../src-main/common/api';
import type { AccountSummary, AuditEntry, AuditStats, CaseView, QueryKind } from '../../src-main/common/dto';
import { QUERY_KINDS } from '../../src-main/common/dto';
import { VALIDATION_REASONS } from '../../src-main/common/errors';
import { API_MANIFEST } from '../../src-main/common/manifest';
import type { ApiError } from '../../src-main/common/result';
import { INPUT_SCHEMAS } from '../../src-main/common/schemas';
import { type Settings } from '../../src-main/common/settings';
import { vnToday } from '../../src-main/domain/audit-filter';
import { generateDirectoryLdif, TRAINING_OPERATOR_PASSWORD } from '../../scripts/training-data';
import {
  ANY_CONTROL,
  CONTROL_CHARACTERS,
  deeplyNested,
  fieldName,
  INJECTION_STRINGS,
  type LdapAttrs,
  matchesLiterally,
  type SchemaNode,
  schemaNodes,
  valueAt,
  withValueAt,
} from '../helpers/bad-input';
import { type Harness, type In, killHarness, must as harnessMust, startHarness } from '../helpers/harness-process';
import { type HttpSmsSink, startHttpSmsSink } from '../helpers/sms-sinks';
import { sessionSettings } from '../helpers/session-settings';
import { type SlapdHandle, startSlapd } from '../helpers/slapd';

// Issue #6 item 6: the bad-input sweep. The contract is driven over HTTP through the web harness (a child
// process), against a real slapd loaded with the generated training directory plus planted entries: decoys
// a widened filter would reach, entries whose attributes literally hold filter syntax, entries whose DNs
// carry every RFC 4514 special character. Four parts, one figure line each, and one for the whole file:
//   1. LDAP/SQL injection strings in every search field: nothing beyond a literal match comes back;
//   2. DNs with special characters reach exactly their entry; malformed DNs are refused cleanly;
//   3. control characters in every text field of every method (walked from INPUT_SCHEMAS): refused and
//      named, or trimmed away; a refusal writes nothing (settings file, keychain, cases, LDAP, audit);
//   4. oversize, wrong-typed, unknown-field, prototype-key, deeply nested, invalid and unauthenticated
//      payloads for every method of API_MANIFEST: a 4xx or VALIDATION_FAILED, never INTERNAL/5xx, never
//      an echo; the harness answers after each one; nothing is written.

const BASE = 'dc=daotao,dc=gov,dc=vn';
const PEOPLE = `ou=people,${BASE}`;
const TOKEN = randomBytes(24).toString('base64url');
const ESMS = { apiKey: `esms-api-${randomBytes(8).toString('hex')}`, secretKey: `esms-secret-${randomBytes(8).toString('hex')}` };
/** Put into wrong-typed payloads: an answer that contains it echoed the input. */
const MARK = `Zq${randomBytes(6).toString('hex')}`;
/** A unit that literally holds filter, LIKE and SQL syntax (an account's `ou`; its rows carry it). */
const SPECIAL_UNIT = "Phòng (Thử) * 100% _a_ ' OR 1=1 --";
/** Reasons a search may give when it refuses the text (VALIDATION_REASONS and the `not_<kind>` ones). */
const REASONS = new Set<string>([...VALIDATION_REASONS, ...QUERY_KINDS.filter((k) => k !== 'auto').map((k) => `not_${k}`)]);

const keychain = new KeytarSecretStore();
let slapd: SlapdHandle;
let sms: HttpSmsSink;
let settings: Settings;
let work: string;
let dataDir: string;
let exportDir: string;
let harness: Harness | undefined;
let today: string;

const must = <G extends keyof HelpdeskApi, M extends keyof HelpdeskApi[G] & string>(group: G, method: M, input: In<G, M>) => harnessMust(harness!, group, method, input);

// ---------------------------------------------------------------------------------------------
// The directory: training accounts, plus planted ones

type Attrs = [string, string][];
const PERSON: Attrs = ['top', 'person', 'organizationalPerson', 'inetOrgPerson', 'hdAccount'].map((c) => ['objectClass', c]);

function ldifEntry(dn: string, attrs: Attrs): string {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  return [`dn:: ${b64(dn)}`, ...attrs.map(([k, v]) => `${k}:: ${b64(v)}`)].join('\n');
}

function account(uid: string, cn: string, extra: Attrs = []): Attrs {
  return [...PERSON, ['uid', uid], ['cn', cn], ['sn', uid], ['hdAccountType', 'individual'], ['mail', `${uid.replace(/[^a-z0-9.]/gu, '')}@daotao.gov.vn`], ...extra];
}

/** Accounts a widened filter would reach, and accounts whose attributes literally hold filter syntax. */
const DECOYS: { uid: string; cn: string; extra?: Attrs }[] = [
  { uid: 'sao.dacbiet', cn: 'Sao * (Thử) \\ Đặc Biệt 100% _x_', extra: [['ou', SPECIAL_UNIT], ['mobile', '0911000111']] },
  { uid: 'admin', cn: 'Admin Quản Trị' },
  { uid: 'administrator', cn: 'Administrator' },
  { uid: 'ngoac.tron', cn: 'Ngoặc (Tròn) )(uid=*)', extra: [['ou', '*)(|(ou=*))']] },
  { uid: 'phan.tram', cn: "Phần Trăm 100% _gach_ ' OR 1=1 --" },
];

/** Accounts for the control-character flows (each sends at most one code: the daily limit is 2). */
const CTRL = {
  a: { uid: 'ctrl.a', mobile: '0911000201', citizenId: '079090000201' },
  b: { uid: 'ctrl.b', mobile: '0911000202', citizenId: '079090000202' },
  c: { uid: 'ctrl.c', mobile: '0911000203', citizenId: '079090000203' },
};

/**
 * Entries whose RDN carries RFC 4514 special characters (as written, escaped), with the value of the
 * naming attribute, and neighbours whose DN differs only in the escaped part.
 */
const DN_ENTRIES: { uid: string; rdn: string; cn: string }[] = [
  { uid: 'dn.comma', rdn: 'cn=Nguyen\\, Van A', cn: 'Nguyen, Van A' },
  { uid: 'dn.nguyen', rdn: 'cn=Nguyen', cn: 'Nguyen' },
  { uid: 'dn.plus', rdn: 'cn=a\\+b', cn: 'a+b' },
  { uid: 'dn.a', rdn: 'cn=a', cn: 'a' },
  { uid: 'dn.quote', rdn: 'cn=\\"quoted\\"', cn: '"quoted"' },
  { uid: 'dn.backslash', rdn: 'cn=back\\\\slash', cn: 'back\\slash' },
  { uid: 'dn.hash', rdn: 'cn=\\#hash', cn: '#hash' },
  { uid: 'dn.lead', rdn: 'cn=\\ lead', cn: ' lead' },
  { uid: 'dn.trail', rdn: 'cn=trail\\ ', cn: 'trail ' },
  { uid: 'dn.semi', rdn: 'cn=semi\\;colon', cn: 'semi;colon' },
  { uid: 'dn.angle', rdn: 'cn=lt\\<gt\\>', cn: 'lt<gt>' },
  { uid: 'dn.eq', rdn: 'cn=eq\\=sign', cn: 'eq=sign' },
  { uid: 'dn.star', rdn: 'cn=star*(x)', cn: 'star*(x)' },
  { uid: 'dn.hex', rdn: 'cn=Nguy\\C3\\AAn Hex', cn: 'Nguyên Hex' },
  { uid: 'dn.multi', rdn: 'cn=multi+uid=dn.multi', cn: 'multi' },
  { uid: 'dn.multi2', rdn: 'cn=multi', cn: 'multi' },
];

function plantedLdif(): string {
  const entries = [
    ...DECOYS.map((d) => ldifEntry(`uid=${d.uid},${PEOPLE}`, account(d.uid, d.cn, d.extra))),
    ...Object.values(CTRL).map((c) =>
      ldifEntry(`uid=${c.uid},${PEOPLE}`, account(c.uid, `Kiểm Thử ${c.uid.slice(-1).toUpperCase()}`, [['ou', 'Phòng Kiểm thử'], ['mobile', c.mobile], ['hdCitizenId', c.citizenId]])),
    ),
    ...DN_ENTRIES.map((d) => {
      const attrs = account(d.uid, d.cn).filter(([k]) => k !== 'uid' && k !== 'cn');
      return ldifEntry(`${d.rdn},${PEOPLE}`, [...attrs, ['uid', d.uid], ['cn', d.cn]]);
    }),
  ];
  return `${entries.join('\n\n')}\n`;
}

/** Every entry of the directory with every attribute (operational ones too), read as the root DN. */
async function ldapSnapshot(): Promise<Map<string, LdapAttrs>> {
  const c = new Client({ url: slapd.url, timeout: 10_000, connectTimeout: 2000 });
  try {
    await c.bind(slapd.rootDn, slapd.rootPassword);
    const { searchEntries } = await c.search(BASE, { scope: 'sub', filter: '(objectClass=*)', attributes: ['*', '+'] });
    return new Map(searchEntries.map((e) => [e.dn.toLowerCase(), e as unknown as LdapAttrs]));
  } finally {
    await c.unbind().catch(() => undefined);
  }
}

const snapshotText = (m: Map<string, LdapAttrs>) => JSON.stringify([...m].sort(([a], [b]) => a.localeCompare(b)));

// ---------------------------------------------------------------------------------------------
// Raw HTTP, every answer judged

interface Answer {
  status: number;
  text: string;
  json: unknown;
}

/** What the whole file tried, and how it ended. */
const tally = { tried: 0, refused: 0, accepted: 0, crashes: [] as string[] };

/**
 * One request as a client would send it (any method, body, headers). A thrown fetch (dropped
 * connection), a 5xx, an answer that is not JSON or an INTERNAL error is a crash.
 */
async function raw(label: string, path: string, body: string | Buffer | null, opts: { method?: string; headers?: Record<string, string | null> } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries({ 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...opts.headers })) if (v !== null) headers[k] = v;
  tally.tried++;
  let r: Response;
  try {
    r = await fetch(`${harness!.base}/api/${path}`, { method: opts.method ?? 'POST', headers, ...(body === null ? {} : { body: typeof body === 'string' ? body : new Uint8Array(body) }) });
  } catch (err) {
    tally.crashes.push(`${label}: ${path}: no answer (${(err as Error).message}; ${String((err as { cause?: unknown }).cause)})`);
    return { status: 0, text: '', json: undefined };
  }
  const text = await r.text();
  harness!.answers.push(text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    tally.crashes.push(`${label}: ${path}: HTTP ${r.status} answer is not JSON: ${text.slice(0, 80)}`);
  }
  if (r.status >= 500) tally.crashes.push(`${label}: ${path}: HTTP ${r.status}`);
  if ((json as { error?: ApiError } | undefined)?.error?.code === 'INTERNAL') tally.crashes.push(`${label}: ${path}: INTERNAL`);
  return { status: r.status, text, json };
}

const errorOf = (a: Answer): ApiError | undefined => {
  const j = a.json as { ok?: boolean; error?: ApiError } | undefined;
  return j?.ok === false ? j.error : undefined;
};

/**
 * A clean refusal: a 4xx or a 200 with ok:false, a contract code that is not INTERNAL; for
 * VALIDATION_FAILED a known reason; the error carries nothing but code, field, reason (and a detail
 * for non-validation codes) and never the text given.
 */
function cleanRefusal(a: Answer, given: readonly string[] = []): string | null {
  const e = errorOf(a);
  if (!(a.status === 200 || (a.status >= 400 && a.status < 500))) return `HTTP ${a.status}`;
  if (!e) return `not refused: ${a.text.slice(0, 120)}`;
  if (e.code === 'INTERNAL') return 'INTERNAL';
  if (e.code === 'VALIDATION_FAILED' && !REASONS.has(e.reason ?? '')) return `unknown reason ${e.reason}`;
  const keys = Object.keys(e).filter((k) => !['code', 'field', 'reason', ...(e.code === 'VALIDATION_FAILED' ? [] : ['detail'])].includes(k));
  if (keys.length > 0) return `extra keys in the error: ${keys.join(',')}`;
  const echoed = given.filter((g) => g.length >= 3 && (a.text.includes(JSON.stringify(g).slice(1, -1)) || a.text.includes(g)));
  if (echoed.length > 0) return `echoes the input: ${JSON.stringify(echoed[0]).slice(0, 60)}`;
  return null;
}

/** The harness still answers the simplest call. */
async function stillAnswers(label: string): Promise<void> {
  let info: Answer;
  try {
    const r = await fetch(`${harness!.base}/api/app/info`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: '{}' });
    info = { status: r.status, text: await r.text(), json: undefined };
  } catch (err) {
    tally.crashes.push(`${label}: app.info afterwards: no answer (${(err as Error).message})`);
    return;
  }
  if (info.status !== 200 || !info.text.startsWith('{"ok":true')) tally.crashes.push(`${label}: app.info afterwards: HTTP ${info.status} ${info.text.slice(0, 80)}`);
}

/** Runs jobs a few at a time (the harness is one process; a little overlap hides the round trips). */
async function inBatches<T>(items: readonly T[], size: number, job: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(job));
}

// ---------------------------------------------------------------------------------------------
// State the parts share

const dnOf = new Map<string, string>();
let auditRowsBefore: AuditEntry[] = [];

async function findDn(uid: string): Promise<string> {
  const known = dnOf.get(uid);
  if (known) return known;
  const found = await must('directory', 'search', { query: uid, kind: 'username' });
  const hit = found.items.filter((i: AccountSummary) => i.username === uid);
  expect([uid, hit.length]).toEqual([uid, 1]);
  dnOf.set(uid, hit[0]!.id);
  return hit[0]!.id;
}

/** Every audit row, newest first (paged by key). */
async function allAuditRows(): Promise<AuditEntry[]> {
  const rows: AuditEntry[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await must('audit', 'query', { filter: {}, limit: 500, ...(before ? { before } : {}) });
    rows.push(...page.rows);
    if (page.nextBefore === null) return rows;
    before = page.nextBefore;
  }
}

async function auditHead(): Promise<number> {
  return (await must('audit', 'head', {}))?.seq ?? 0;
}

async function countAudit(action: string): Promise<number> {
  return (await must('audit', 'query', { filter: { action }, limit: 1 })).total;
}

function lastSmsCode(phone: string): string {
  const body = sms.requests.at(-1)!.body as { Phone: string; Content: string };
  expect(body.Phone).toBe(phone);
  const code = /\bla (\d{6}),/u.exec(body.Content)?.[1];
  if (!code) throw new Error('no code in the SMS');
  return code;
}

const settingsPath = () => join(dataDir, 'settings.json');

beforeAll(async () => {
  expect(await keychain.available(), 'no Secret Service: run under dbus-run-session with gnome-keyring (npm test does)').toBe(true);
  [slapd, sms] = await Promise.all([
    startSlapd({ baseDn: BASE, ldif: `${generateDirectoryLdif({ baseDn: BASE, count: 30 })}\n${plantedLdif()}` }),
    startHttpSmsSink({ esms: ESMS }),
  ]);
  work = mkdtempSync(join(tmpdir(), 'helpdesk-bad-input-'));
  dataDir = join(work, 'data');
  exportDir = join(work, 'exports');
  mkdirSync(exportDir);
  settings = sessionSettings({ slapd, baseDn: BASE, sms, smsTimeoutMs: 3000 });
  harness = await startHarness({ dataDir, exportDir, token: TOKEN });
  // Training mode, before any directory: anyone at the desk saves the profile; the secrets go to the keychain.
  await must('settings', 'save', { settings, servicePassword: slapd.servicePassword, smsSecret: JSON.stringify(ESMS) });
  expect(await must('session', 'signIn', { username: 'giamsat01', password: TRAINING_OPERATOR_PASSWORD })).toMatchObject({ operator: { roles: ['supervisor'] } });
  today = vnToday(new Date());
}, 120_000);

afterAll(async () => {
  await killHarness(harness);
  if (settings) {
    for (const k of [servicePasswordKey(settings.directory!), smsSecretKey(settings.sms!)!]) await keychain.delete(k).catch(() => undefined);
  }
  await Promise.all([slapd?.stop(), sms?.close()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

const figures: string[] = [];

describe('bad-input sweep through the web harness (issue #6 item 6)', () => {
  it('1. injection strings in every search field widen nothing', { timeout: 60_000 }, async () => {
    const snap = await ldapSnapshot();
    const accounts = [...snap].filter(([, e]) => [e.objectClass].flat().map(String).includes('inetOrgPerson'));
    const attrs = settings.directory!.attributes;
    // Rows carrying the special unit (a case opened and closed on that account), so a widened unit or
    // account filter has something to reach and a literal one something to find.
    const sao = await must('cases', 'open', { accountId: await findDn('sao.dacbiet'), reason: 'Phiếu HT-001 kiểm thử' });
    await must('cases', 'close', { caseId: sao.id, outcome: 'abandoned' });
    auditRowsBefore = await allAuditRows();
    const rowsWithUnit = (u: string) => auditRowsBefore.filter((r) => r.unit === u);
    const casesOfUnit = (u: string) => rowsWithUnit(u).filter((r) => r.action === 'case.open' && r.outcome === 'ok').length;

    // The oracle is not blind: literal matches of planted values come back, and are judged literal.
    const control = await must('directory', 'search', { query: 'sao dac biet', kind: 'name' });
    expect(control.items.map((i) => i.username)).toEqual(['sao.dacbiet']);
    expect(matchesLiterally(snap.get(control.items[0]!.id.toLowerCase())!, 'sao dac biet', 'name', attrs)).toBe(true);
    expect(matchesLiterally(snap.get(control.items[0]!.id.toLowerCase())!, 'admin', 'name', attrs)).toBe(false);
    const literalUnit = await must('audit', 'query', { filter: { unit: SPECIAL_UNIT }, limit: 500 });
    expect(literalUnit.rows.length).toBeGreaterThan(0);
    expect(literalUnit.rows.every((r) => r.unit === SPECIAL_UNIT)).toBe(true);
    const emptyStats = await must('dashboards', 'auditStats', { from: today, to: today, unit: `không có ${MARK}` });
    expect(emptyStats.byAction).toEqual([]);
    expect((await must('dashboards', 'auditStats', { from: today, to: today, unit: SPECIAL_UNIT })).totals.cases).toBe(casesOfUnit(SPECIAL_UNIT));

    type Verdict = { refused: true } | { refused: false; widened: string[] };
    const fields: { name: string; run: (v: string, i: number) => Promise<Verdict> }[] = [];
    const refusal = (a: Answer, field: string, value: string, label: string): Verdict => {
      const problem = cleanRefusal(a);
      if (problem) throw new Error(`${label}: ${problem}`);
      const e = errorOf(a)!;
      // Text refused for what it is (the field named) — or found nothing to search (no such account).
      if (e.code !== 'VALIDATION_FAILED' || e.field !== field) throw new Error(`${label}: refused as ${JSON.stringify(e)} for ${JSON.stringify(value).slice(0, 40)}`);
      return { refused: true };
    };

    for (const kind of [undefined, ...QUERY_KINDS] as (QueryKind | undefined)[]) {
      fields.push({
        name: `directory.search query${kind ? ` (kind ${kind})` : ''}`,
        run: async (v) => {
          const a = await raw('injection', 'directory/search', JSON.stringify(kind ? { query: v, kind } : { query: v }));
          if (errorOf(a)) return refusal(a, 'query', v, `search ${kind ?? '-'}`);
          const r = (a.json as { value: { items: AccountSummary[]; total: number } }).value;
          const widened = r.items.filter((i) => !snap.has(i.id.toLowerCase()) || !matchesLiterally(snap.get(i.id.toLowerCase())!, v, kind, attrs)).map((i) => i.username);
          const literal = accounts.filter(([, e]) => matchesLiterally(e, v, kind, attrs)).length;
          if (r.total > literal) widened.push(`total ${r.total} > ${literal} literal matches`);
          return { refused: false, widened };
        },
      });
    }
    const columns = { operator: 'operator', account: 'target', action: 'action', unit: 'unit' } as const;
    for (const [f, col] of Object.entries(columns) as [keyof typeof columns, (typeof columns)[keyof typeof columns]][]) {
      fields.push({
        name: `audit.query filter.${f}`,
        run: async (v) => {
          const a = await raw('injection', 'audit/query', JSON.stringify({ filter: { [f]: v }, limit: 500 }));
          if (errorOf(a)) return refusal(a, `filter.${f}`, v, `audit.query ${f}`);
          const page = (a.json as { value: { rows: AuditEntry[]; total: number; nextBefore: number | null } }).value;
          const widened = page.rows.filter((r) => r[col] !== v.trim()).map((r) => `#${r.seq} ${r[col]}`);
          if (page.nextBefore === null && page.total !== page.rows.length) widened.push(`total ${page.total} ≠ ${page.rows.length} rows`);
          return { refused: false, widened };
        },
      });
    }
    fields.push({
      name: 'dashboards.auditStats unit',
      run: async (v) => {
        const a = await raw('injection', 'dashboards/auditStats', JSON.stringify({ from: today, to: today, unit: v }));
        if (errorOf(a)) return refusal(a, 'unit', v, 'auditStats unit');
        const s = (a.json as { value: AuditStats }).value;
        const counted = s.byAction.reduce((n, x) => n + x.ok + x.error + x.refused, 0);
        const literal = rowsWithUnit(v.trim()).length;
        return { refused: false, widened: counted > literal || s.totals.cases > casesOfUnit(v.trim()) ? [`${counted} rows counted, ${literal} literal`] : [] };
      },
    });
    fields.push({
      name: 'reports.monthly unit',
      run: async (v, i) => {
        const a = await raw('injection', 'reports/monthly', JSON.stringify({ month: today.slice(0, 7), unit: v, fileName: `bao-cao-${i}.pdf` }));
        if (errorOf(a)) return refusal(a, 'unit', v, 'reports.monthly unit');
        // The report's figures are audited with it: its case count is the literal one.
        const row = (await must('audit', 'query', { filter: { action: 'report.monthly' }, limit: 1 })).rows[0]!;
        const widened = row.unit !== v.trim() || row.detail.cases !== casesOfUnit(v.trim()) ? [`report of ${row.detail.cases} cases for unit ${row.unit}`] : [];
        return { refused: false, widened };
      },
    });

    let tries = 0;
    let refused = 0;
    const widened: string[] = [];
    for (const field of fields) {
      // One field at a time, its strings a few at a time (the report rows are read back in order).
      await inBatches(
        INJECTION_STRINGS.map((s, i) => ({ s, i })),
        field.name.startsWith('reports') ? 1 : 6,
        async ({ s, i }) => {
          const v = await field.run(s.value, i);
          tries++;
          if (v.refused) {
            refused++;
            tally.refused++;
          } else {
            tally.accepted++;
            widened.push(...v.widened.map((w) => `${field.name} ← ${s.label}: ${w}`));
          }
        },
      );
    }
    const line = `[bad-input] injection: ${INJECTION_STRINGS.length} strings, ${fields.length} fields, ${tries} tries (${refused} refused, ${tries - refused} searched), ${widened.length} widened`;
    console.log(line);
    figures.push(line);
    // What the strings left in the audit (the report rows carry their unit) keeps the chain intact.
    expect(await must('audit', 'verify', {})).toMatchObject({ ok: true, problemCount: 0 });
    expect(widened).toEqual([]);
    expect(tally.crashes).toEqual([]);
    expect(INJECTION_STRINGS.length).toBeGreaterThanOrEqual(30);
    expect(fields.length).toBe(QUERY_KINDS.length + 1 + 4 + 2);
    expect(tries).toBe(INJECTION_STRINGS.length * fields.length);
    // Both ways were exercised: strings refused as filter syntax, and strings searched for literally.
    expect(refused).toBeGreaterThan(0);
    expect(tries - refused).toBeGreaterThan(0);
  });

  it('2. DNs with RFC 4514 special characters reach exactly their entry; malformed DNs are refused cleanly', { timeout: 60_000 }, async () => {
    const openedBefore = await countAudit('case.open');
    let opened = 0;
    let reached = 0;
    const wrong: string[] = [];
    const refusals = new Map<string, number>();
    const refused = (label: string, a: Answer, dn: string) => {
      const problem = cleanRefusal(a);
      const e = errorOf(a);
      if (problem || !e || !['VALIDATION_FAILED', 'ACCOUNT_NOT_FOUND'].includes(e.code) || (e.code === 'VALIDATION_FAILED' && e.field !== 'id' && e.field !== 'accountId')) {
        wrong.push(`${label} ${JSON.stringify(dn)}: ${problem ?? JSON.stringify(e ?? a.json).slice(0, 160)}`);
      } else {
        const key = `${e.code}${e.reason ? ` ${e.reason}` : ''}`;
        refusals.set(key, (refusals.get(key) ?? 0) + 1);
        tally.refused++;
      }
    };
    /** getAccount and cases.open with a DN: the entry `uid` (null: none may be reached). */
    const reach = async (label: string, dn: string, uid: string | null, mayRefuse: boolean) => {
      for (const method of ['getAccount', 'open'] as const) {
        const a = method === 'getAccount'
          ? await raw('dn', 'directory/getAccount', JSON.stringify({ id: dn }))
          : await raw('dn', 'cases/open', JSON.stringify({ accountId: dn, reason: 'Phiếu HT-002 DN đặc biệt' }));
        const value = (a.json as { ok: boolean; value?: { username?: string; account?: { username: string }; id: string } }).value;
        if (value) {
          tally.accepted++;
          const got = method === 'getAccount' ? value.username : value.account!.username;
          if (method === 'open') {
            opened++;
            await must('cases', 'close', { caseId: value.id, outcome: 'abandoned' });
          }
          if (got !== uid) wrong.push(`${label} ${method} ${JSON.stringify(dn)} reached ${got}, not ${uid ?? 'nothing'}`);
          else reached++;
        } else if (uid !== null && !mayRefuse) {
          wrong.push(`${label} ${method} ${JSON.stringify(dn)}: ${a.text.slice(0, 160)}`);
        } else refused(`${label} ${method}`, a, dn);
      }
    };

    for (const d of DN_ENTRIES) {
      const dn = await findDn(d.uid);
      // The DN as the directory gives it reaches the entry; so must any equivalent spelling that is not refused.
      await reach('canonical', dn, d.uid, false);
      const [first, ...rest] = dn.split(/(?<!\\),/u);
      const hexed = first!.replace(/\\([,+"\\<>;=# ])/gu, (_m, c: string) => `\\${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
      const variants = new Set([
        `${first!.replace(/^cn=/iu, 'CN=')},${rest.join(',')}`,
        `${first},${rest.join(', ')}`,
        `${hexed},${rest.join(',')}`,
        `${first},${rest.join(',').toUpperCase()}`,
      ]);
      variants.delete(dn);
      for (const v of variants) await reach('equivalent', v, d.uid, true);
    }
    // Spellings that name another entry reach that one, never the neighbour.
    await reach('neighbour', `cn=Nguyen,${PEOPLE}`, 'dn.nguyen', false);
    await reach('neighbour', `cn=a,${PEOPLE}`, 'dn.a', false);
    await reach('multi-valued, other order', `uid=dn.multi+cn=multi,${PEOPLE}`, 'dn.multi', true);
    await reach('neighbour of the multi-valued RDN', `cn=multi,${PEOPLE}`, 'dn.multi2', false);

    const malformed = [
      `cn=Nguyen, Van A,${PEOPLE}`, // unescaped comma
      `cn=a+b,${PEOPLE}`, // unescaped plus: an AVA without a type
      `cn=a+,${PEOPLE}`,
      `cn=bad\\zz,${PEOPLE}`, // escape of nothing special, not hex
      `cn=bad\\2,${PEOPLE}`, // half a hex pair
      `cn=bad\\g1,${PEOPLE}`,
      `cn=Nguyen,${PEOPLE}\\`, // trailing backslash
      `cn=trailing\\`,
      `cn="unbalanced,${PEOPLE}`, // unbalanced quote
      `cn="quoted",${PEOPLE}`,
      `cn=lt<gt>,${PEOPLE}`, // unescaped specials
      `cn=semi;colon,${PEOPLE}`,
      `cn=#zz,${PEOPLE}`, // bad hexstring
      `cn=#,${PEOPLE}`,
      `cn=#04024869,${PEOPLE}`, // a well-formed BER value: no such entry
      `cn=\\ff\\fe,${PEOPLE}`, // hex escapes that are not UTF-8
      `cn=a\\00b,${PEOPLE}`, // escaped NUL
      `=nobody,${PEOPLE}`,
      `cn,${PEOPLE}`,
      `cn=a,,${PEOPLE}`,
      `,cn=a,${PEOPLE}`,
      `cn=a,${PEOPLE},`,
      `foo=bar,${PEOPLE}`, // an attribute type the directory does not know
      `1.2.3.4=x,${PEOPLE}`,
      `cn=*,${PEOPLE}`, // filter syntax in a DN is just a value
      `uid=*,${PEOPLE}`,
      `cn=*)(uid=*,${PEOPLE}`,
      `uid=annv,ou=stttt,ou=people,dc=other,dc=vn`, // outside the base
      `uid=annv,ou=stttt,ou=people,${BASE.replace('dc=vn', 'dc=v\\6E')}`,
      `${slapd.serviceDn}`, // not accounts
      `cn=default,ou=policies,${BASE}`,
      `ou=people,${BASE}`,
      BASE,
      `cn=${'x'.repeat(1100)},${PEOPLE}`, // too long
      '',
      ' ',
    ];
    for (const dn of malformed) await reach('malformed', dn, null, true);

    const openedAfter = await countAudit('case.open');
    const line =
      `[bad-input] DNs: ${DN_ENTRIES.length} entries with special RDNs; ${reached} calls reached exactly their entry, ` +
      `${malformed.length} malformed DNs × 2 methods refused (${[...refusals].map(([k, n]) => `${k}: ${n}`).join(', ')}), ${wrong.length} wrong`;
    console.log(line);
    figures.push(line);
    expect(wrong).toEqual([]);
    expect(reached).toBeGreaterThanOrEqual(DN_ENTRIES.length * 2);
    // A case exists only for a DN that reached its entry: one case.open row per case, none for a refusal.
    expect(openedAfter - openedBefore).toBe(opened);
    expect(tally.crashes).toEqual([]);
  });

  // ---- 3 and 4 share the live cases and a valid input for every method ------------------------

  let caseA: CaseView; // verified by code; a contact change pending (code in contactCode)
  let caseB: CaseView; // a code sent, not yet verified (its code in codeB)
  let caseO: CaseView; // for the supervisor's override (CCCD)
  let codeB = '';
  let contactCode = '';

  /** Valid inputs of every method (several for settings: one per relay variant), for the live cases. */
  function bases(): Record<string, unknown[]> {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const filter = { from: today, to: today, operator: 'giamsat01', account: 'annv', action: 'case.open', outcome: 'ok', unit: 'Phòng Kiểm thử', caseId: caseA.id };
    // The directory profile as saved (its optional texts empty: the sweep puts 'a<control>b' there): a save
    // that wrongly went through would not also end the session and hide the next findings.
    const full = (sms: unknown, mail: unknown) => ({
      ...settings,
      sms,
      mail,
      session: { idleLockMinutes: 10 },
      audit: { retentionMonths: 24 },
    });
    const smtp = { provider: 'smtp', host: '127.0.0.1', port: 2525, security: 'starttls', user: 'helpdesk', fromName: 'Sở TTTT', fromAddress: 'hotro@stttt.gov.vn', caCertificate: pem, timeoutMs: 5000 };
    const smsVariants = [
      settings.sms,
      { provider: 'speedsms', url: 'https://api.speedsms.vn/index.php/sms/send', sender: 'STTTT', smsType: 3, timeoutMs: 3000 },
      {
        provider: 'http', url: 'https://sms.example.vn/send', method: 'POST', contentType: 'application/json', headers: { 'X-Client': 'helpdesk' },
        secretHeader: 'Authorization', secretPrefix: 'Bearer ', bodyTemplate: '{"to":"{{to}}","text":"{{text}}"}', successPath: 'result.status', successValue: 'ok', messageIdPath: 'result.id', timeoutMs: 3000,
      },
      { provider: 'smpp', url: 'smpp://127.0.0.1:2775', systemId: 'helpdesk', systemType: 'SMS', sourceAddr: 'STTTT', sourceTon: 5, sourceNpi: 0, caCertificate: pem, timeoutMs: 3000 },
    ];
    const fileName = (ext: string) => `khong-ghi-${MARK}.${ext}`;
    // A team store profile (nothing listens there: a valid call would be refused as unavailable, never reached here).
    const team = { url: 'postgres://helpdesk_app@127.0.0.1:5432/helpdesk', caCertificate: pem, workstation: 'Máy kiểm thử' };
    return {
      'app.info': [{}],
      'session.current': [{}],
      'session.signIn': [{ username: 'khongtontai01', password: 'Sai-mat-khau-1' }],
      'session.signOut': [{}],
      'session.lock': [{}],
      'session.unlock': [{ password: 'Sai-mat-khau-1' }],
      'directory.search': [{ query: 'annv', kind: 'username' }],
      'directory.getAccount': [{ id: dnOf.get('ctrl.a') }],
      'directory.refreshIndex': [{}],
      'settings.get': [{}],
      'settings.save': [
        { settings: full(smsVariants[0], smtp), servicePassword: slapd.servicePassword, smsSecret: JSON.stringify(ESMS), mailPassword: 'Smtp-mat-khau-1' },
        ...smsVariants.slice(1).map((s) => ({ settings: full(s, { provider: 'none' }) })),
        { settings: full({ provider: 'none' }, { provider: 'none' }) },
        { settings: { ...full({ provider: 'none' }, { provider: 'none' }), team, teamProfileVersion: 1 } },
      ],
      'settings.testConnection': [
        { settings: full(smsVariants[0], smtp), servicePassword: slapd.servicePassword },
        ...smsVariants.slice(1).map((s) => ({ settings: full(s, smtp) })),
        { settings: full({ provider: 'none' }, { provider: 'none' }) },
        { settings: { ...full({ provider: 'none' }, { provider: 'none' }), team, teamProfileVersion: 1 } },
      ],
      'audit.recent': [{ limit: 5 }],
      'audit.head': [{}],
      'audit.verify': [{ head: { seq: 1, hash: '0'.repeat(64) } }],
      'audit.query': [{ filter, before: 10, limit: 5 }],
      'audit.timeline': [{ caseId: caseA.id }],
      'audit.export': [{ filter, format: 'csv', fileName: fileName('csv') }],
      'audit.purge': [{}],
      'cases.open': [
        { accountId: dnOf.get('ctrl.a'), reason: 'Phiếu HT-100' },
        { accountId: dnOf.get('ctrl.a'), reason: 'Phiếu HT-101', takeOver: true },
      ],
      'cases.get': [{ caseId: caseA.id }],
      'cases.sendCode': [{ caseId: caseB.id, channel: 'sms' }],
      'cases.verifyCode': [{ caseId: caseB.id, code: codeB }],
      'cases.close': [{ caseId: caseA.id, outcome: 'done' }],
      'cases.gate': [{ caseId: caseA.id }],
      'cases.mine': [{}],
      'cases.handOff': [{ caseId: caseA.id, note: 'Người gọi cần giám sát viên' }],
      'cases.queue': [{}],
      'cases.take': [{ caseId: caseA.id }],
      'cases.approve': [{ caseId: caseA.id }],
      'cases.override': [{ caseId: caseO.id, check: 'citizen-id', citizenId: CTRL.c.citizenId, note: 'Đối chiếu CCCD qua video, khớp', contactsUnreachable: true }],
      'actions.unlock': [{ caseId: caseA.id }],
      'actions.resetPassword': [{ caseId: caseA.id }],
      'actions.resetAndUnlock': [{ caseId: caseA.id }],
      'actions.sendContactCode': [{ caseId: caseA.id, kind: 'mobile', value: '0911000302' }],
      'actions.updateContact': [{ caseId: caseA.id, code: contactCode }],
      'dashboards.auditStats': [{ from: today, to: today, unit: 'Phòng Kiểm thử' }],
      'dashboards.scanStart': [{}],
      'dashboards.scanStatus': [{ scanId: randomUUID() }],
      'dashboards.scanCancel': [{ scanId: randomUUID() }],
      'dashboards.exportScan': [{ scanId: randomUUID(), list: 'units', format: 'csv', fileName: fileName('csv') }],
      'reports.monthly': [{ month: today.slice(0, 7), unit: 'Phòng Kiểm thử', fileName: fileName('pdf') }],
      'outbox.list': [{ limit: 5 }],
      'team.status': [{}],
      'team.join': [{ team, password: 'Sai-mat-khau-1', joinSecret: 'HD-ABCDEF-ABCDE-ABCDE-ABCDE-ABCDE' }],
      'team.createJoinSecret': [{}],
      'team.publishProfile': [{}],
    };
  }

  const METHODS = (Object.keys(API_MANIFEST) as (keyof typeof API_MANIFEST)[]).flatMap((g) => API_MANIFEST[g].map((m) => ({ group: g, method: m as string, id: `${g}.${m as string}` })));
  const schemaOf = (group: string, method: string) => (INPUT_SCHEMAS as unknown as Record<string, Record<string, Parameters<typeof schemaNodes>[0]>>)[group]![method]!;

  /** The first valid input that holds the node (on the node's branch of every union). */
  function baseFor(list: unknown[], node: SchemaNode): unknown | undefined {
    return list.find((b) => valueAt(b, node.path).found && Object.entries(node.variant).every(([p, v]) => valueAt(b, p.split('.')).value === v));
  }

  /** What everything a refusal must not touch looks like now. */
  async function state() {
    return {
      settingsFile: readFileSync(settingsPath()).toString('base64'),
      servicePassword: await keychain.get(servicePasswordKey(settings.directory!)),
      smsSecret: await keychain.get(smsSecretKey(settings.sms!)!),
      ldap: snapshotText(await ldapSnapshot()),
      auditHead: await auditHead(),
      smsSent: sms.requests.length,
      exports: readdirSync(exportDir).sort(),
      caseB: (({ attemptsLeft, status }) => ({ attemptsLeft, status }))(await must('cases', 'get', { caseId: caseB.id })),
      session: await must('session', 'current', {}),
    };
  }

  it('3. control characters in every text field are refused and named (or trimmed away); a refusal writes nothing', { timeout: 60_000 }, async () => {
    // Live cases: A verified by its code, with a new mobile waiting for its own code (given with line
    // breaks around it: trimmed); B with a code sent; O for the override.
    caseA = await must('cases', 'open', { accountId: await findDn(CTRL.a.uid), reason: 'Phiếu HT-101' });
    await must('cases', 'sendCode', { caseId: caseA.id, channel: 'sms' });
    expect(await must('cases', 'verifyCode', { caseId: caseA.id, code: lastSmsCode('84911000201') })).toMatchObject({ verified: true });
    await must('actions', 'sendContactCode', { caseId: caseA.id, kind: 'mobile', value: '\t0911 000 301\r\n' });
    contactCode = lastSmsCode('84911000301');
    caseB = await must('cases', 'open', { accountId: await findDn(CTRL.b.uid), reason: 'Phiếu HT-102' });
    await must('cases', 'sendCode', { caseId: caseB.id, channel: 'sms' });
    codeB = lastSmsCode('84911000202');
    caseO = await must('cases', 'open', { accountId: await findDn(CTRL.c.uid), reason: 'Phiếu HT-103' });
    await findDn('annv');

    const all = bases();
    const before = await state();
    const textFields: { method: string; node: SchemaNode; base: unknown }[] = [];
    const uncovered: string[] = [];
    for (const m of METHODS) {
      const list = all[m.id];
      if (!list) {
        uncovered.push(`${m.id}: no valid input in the sweep`);
        continue;
      }
      for (const node of schemaNodes(schemaOf(m.group, m.method)).filter((n) => n.type === 'string')) {
        const base = baseFor(list, node);
        if (base === undefined) uncovered.push(`${m.id} ${node.path.join('.')} ${JSON.stringify(node.variant)}`);
        else textFields.push({ method: m.id, node, base });
      }
    }
    // A new text field in the contract that this sweep has no input for fails here.
    expect(uncovered).toEqual([]);

    /** Fields checked by a format rule (a control character is a wrong format), or by the code rule. */
    const expectedReason = (path: string[]): string => {
      const last = path.at(-1)!;
      if (last === 'code') return 'not_code';
      if (['caseId', 'scanId', 'from', 'to', 'month', 'hash', 'secretHeader', '#key'].includes(last) || path.includes('attributes')) return 'invalid_format';
      return 'control_characters';
    };

    let tries = 0;
    let refusedCount = 0;
    const problems: string[] = [];
    /** Multi-line texts: line breaks and tabs are theirs (checked below); every other control character is refused. */
    const multiLine = (n: SchemaNode) => ['caCertificate', 'bodyTemplate'].includes(n.path.at(-1)!);
    const jobs = textFields.flatMap((f) => CONTROL_CHARACTERS.filter((c) => !(c.line && multiLine(f.node))).map((c) => ({ ...f, c })));
    await inBatches(jobs, 8, async ({ method, node, base, c }) => {
      const old = String(valueAt(base, node.path).value);
      const seed = old === '' ? 'ab' : old;
      const at = Math.max(1, Math.floor(seed.length / 2));
      const bad = `${seed.slice(0, at)}${c.char}${seed.slice(at)}`;
      const input = withValueAt(base, node.path, bad);
      const a = await raw('control', method.replace('.', '/'), JSON.stringify(input));
      tries++;
      const e = errorOf(a);
      const problem = cleanRefusal(a, [bad]);
      const field = node.path.at(-1) === '#key' ? fieldName(base, node.path.slice(0, -1)) : fieldName(base, node.path);
      const reason = expectedReason(node.path);
      if (problem || e?.code !== 'VALIDATION_FAILED' || e.reason !== reason || e.field !== field) {
        problems.push(`${method} ${field} ← ${c.label}: ${problem ?? JSON.stringify(e)} (expected ${reason} on ${field})`);
      } else {
        refusedCount++;
        tally.refused++;
      }
    });
    expect(problems).toEqual([]);
    // Nothing half-applied: the settings file byte for byte, the keychain, the directory, the audit (not
    // even a refused attempt: malformed input is not an attempt), no SMS, no export, case B's attempts, the session.
    expect(await state()).toEqual(before);

    // The flows still work from where they were: the refusals used up nothing.
    expect(await must('cases', 'verifyCode', { caseId: caseB.id, code: codeB })).toMatchObject({ verified: true });
    expect(await must('actions', 'updateContact', { caseId: caseA.id, code: contactCode })).toMatchObject({ outcome: 'done' });
    const o = await must('cases', 'override', { caseId: caseO.id, check: 'citizen-id', citizenId: CTRL.c.citizenId, note: '\r\nĐối chiếu CCCD qua video, khớp\u2028', contactsUnreachable: true });
    expect(o).toMatchObject({ status: 'verified', verifiedBy: 'override' });
    const snap = await ldapSnapshot();
    expect(snap.get(dnOf.get(CTRL.a.uid)!.toLowerCase())!.mobile).toBe('0911000301');
    expect(snap.get(dnOf.get(CTRL.b.uid)!.toLowerCase())!.mobile).toBe(CTRL.b.mobile);

    // Line breaks around a single-line text are trimmed, never stored: the case reason, the override note.
    let accepted = 0;
    for (const c of CONTROL_CHARACTERS.filter((x) => x.trimmed)) {
      const opened = await must('cases', 'open', { accountId: dnOf.get(CTRL.b.uid)!, reason: `${c.char} Phiếu HT-104 ${c.char}` });
      expect([c.label, opened.reason]).toEqual([c.label, 'Phiếu HT-104']);
      await must('cases', 'close', { caseId: opened.id, outcome: 'abandoned' });
      accepted++;
    }
    // …and agencyName in the settings file; multi-line texts (PEM, the HTTP body template) keep their line
    // breaks, JSON-escaped in the file; the file holds no raw control character.
    const pemCrlf = '-----BEGIN CERTIFICATE-----\r\nMIIB\r\n-----END CERTIFICATE-----\r\n';
    const multi = {
      ...settings,
      agencyName: '\r\n So TTTT\t',
      sms: { provider: 'http', url: 'https://sms.example.vn/send', bodyTemplate: '{\r\n\t"to": "{{to}}",\n\t"text": "{{text}}"\r\n}' },
      mail: { provider: 'smtp', host: '127.0.0.1', port: 2525, fromAddress: 'hotro@stttt.gov.vn', caCertificate: pemCrlf },
    } as Settings;
    const saved = await must('settings', 'save', { settings: multi });
    accepted += 3;
    expect(saved.settings).toMatchObject({ agencyName: 'So TTTT', sms: { bodyTemplate: (multi.sms as { bodyTemplate: string }).bodyTemplate }, mail: { caCertificate: pemCrlf } });
    const file = readFileSync(settingsPath(), 'utf8');
    expect(file.replace(/\n/gu, '')).not.toMatch(ANY_CONTROL);
    expect(JSON.parse(file)).toMatchObject({ agencyName: 'So TTTT', mail: { caCertificate: pemCrlf } });
    // Back to the relays the session uses (the directory profile never changed: still signed in).
    await must('settings', 'save', { settings });
    expect(await must('session', 'current', {})).toMatchObject({ operator: { username: 'giamsat01' } });
    // Made with must() (not raw()): counted here.
    tally.tried += accepted;
    tally.accepted += accepted;

    const methods = new Set(textFields.map((f) => f.method));
    const line =
      `[bad-input] control characters: ${CONTROL_CHARACTERS.length} kinds × ${textFields.length} text fields of ${methods.size} methods ` +
      `(${textFields.filter((f) => multiLine(f.node)).length} multi-line: line breaks and tabs theirs) = ${tries} tries, ` +
      `${refusedCount} refused and named; ${accepted} trimmed or multi-line texts accepted, none stored with a control character; 0 half-applied`;
    console.log(line);
    figures.push(line);
    expect(tries).toBe(jobs.length);
    expect(textFields.filter((f) => multiLine(f.node)).length).toBeGreaterThan(0);
    expect(refusedCount).toBe(tries);
    expect(tally.crashes).toEqual([]);
  });

  it('4. oversize, wrong-typed and malformed payloads for every method are refused cleanly; nothing is written', { timeout: 60_000 }, async () => {
    const all = bases();
    const before = await state();
    const problems: string[] = [];
    let tries = 0;
    const byKind = new Map<string, number>();

    interface Payload {
      kind: string;
      method: string;
      body: string | Buffer | null;
      opts?: { method?: string; headers?: Record<string, string | null> };
      /** Expected HTTP status (200: a contract answer with ok:false). */
      status: number;
      /** Field path the error must name (a prefix of it for union branches); undefined: none required. */
      field?: string;
      prefix?: boolean;
      reason?: string;
      code?: string;
    }
    const payloads: Payload[] = [];
    const huge = MARK.repeat(Math.ceil(100_000 / MARK.length));
    const WRONG: { label: string; value: unknown; skip: (n: SchemaNode) => boolean }[] = [
      { label: 'number', value: 987654321.5, skip: () => false },
      { label: 'boolean', value: true, skip: (n) => n.type === 'boolean' },
      { label: 'null', value: null, skip: () => false },
      // An array where an array is expected is no wrong type: one of objects is ([MARK] may be valid there, e.g. an attribute name).
      { label: 'array', value: [MARK], skip: (n) => n.type === 'array' },
      { label: 'array of objects', value: [{ [MARK]: MARK }], skip: (n) => n.type !== 'array' },
      { label: 'object', value: { [MARK]: MARK }, skip: (n) => n.type === 'record' },
      { label: 'huge string', value: huge, skip: () => false },
    ];
    for (const m of METHODS) {
      const path = m.id.replace('.', '/');
      const list = all[m.id]!;
      const base = list[0]!;
      const schema = schemaOf(m.group, m.method);
      // Each field (objects, arrays and records too) with each wrong type.
      for (const node of schemaNodes(schema).filter((n) => n.path.at(-1) !== '#key')) {
        const b = baseFor(list, node);
        if (b === undefined) {
          problems.push(`${m.id} ${node.path.join('.')}: no valid input holds it`);
          continue;
        }
        for (const w of WRONG.filter((x) => !x.skip(node))) {
          payloads.push({ kind: `wrong type (${w.label})`, method: path, body: JSON.stringify(withValueAt(b, node.path, w.value)), status: 200, field: fieldName(b, node.path), prefix: true });
        }
        if (node.type === 'object') {
          payloads.push({ kind: 'unknown field', method: path, body: JSON.stringify(withValueAt(b, [...node.path, `extra_${MARK}`], 1)), status: 200, field: fieldName(b, node.path), reason: 'unknown_field' });
        }
        if (node.type === 'record') {
          // JSON.parse keeps "__proto__" as an own key; JSON.stringify cannot write one: spliced into the text.
          const spot = `"record-${MARK}"`;
          const body = JSON.stringify(withValueAt(b, node.path, `record-${MARK}`)).replace(spot, `{"__proto__":{"polluted":"${MARK}"}}`);
          payloads.push({ kind: '__proto__ key in a record', method: path, body, status: 200, field: fieldName(b, node.path), reason: 'unknown_field' });
        }
      }
      const text = JSON.stringify(base);
      const inside = text === '{}' ? '' : `,${text.slice(1, -1)}`;
      payloads.push(
        { kind: 'unknown field', method: path, body: `{"extra_${MARK}":1${inside}}`, status: 200, reason: 'unknown_field' },
        { kind: '__proto__ key', method: path, body: `{"__proto__":{"polluted":"${MARK}"}${inside}}`, status: 200, reason: 'unknown_field' },
        { kind: 'constructor key', method: path, body: `{"constructor":{"prototype":{"polluted":"${MARK}"}}${inside}}`, status: 200, reason: 'unknown_field' },
        { kind: 'deeply nested arrays (100,000)', method: path, body: deeplyNested('array', 100_000), status: 200, reason: 'invalid_type' },
        { kind: 'deeply nested objects (40,000)', method: path, body: deeplyNested('object', 40_000), status: 200 },
        { kind: 'not an object', method: path, body: `"${MARK}"`, status: 200, reason: 'invalid_type' },
        { kind: 'not an object', method: path, body: '[]', status: 200, reason: 'invalid_type' },
        { kind: 'not an object', method: path, body: 'null', status: 200, reason: 'invalid_type' },
        { kind: 'not an object', method: path, body: '42', status: 200, reason: 'invalid_type' },
        { kind: 'invalid JSON', method: path, body: `{"${MARK}":`, status: 400, reason: 'invalid_format' },
        { kind: 'invalid JSON', method: path, body: `{'${MARK}': 1}`, status: 400, reason: 'invalid_format' },
        { kind: 'invalid JSON', method: path, body: `{"a":1,}`, status: 400, reason: 'invalid_format' },
        { kind: 'invalid JSON', method: path, body: `\ufeff${text}`, status: 400, reason: 'invalid_format' },
        { kind: 'invalid JSON', method: path, body: `${text}{"${MARK}":1}`, status: 400, reason: 'invalid_format' },
        { kind: 'invalid JSON', method: path, body: 'NaN', status: 400, reason: 'invalid_format' },
        { kind: 'invalid UTF-8', method: path, body: Buffer.concat([Buffer.from('{"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(`${MARK}":1}`)]), status: 200 },
        { kind: 'oversize body (300 KB)', method: path, body: `{"pad_${MARK}":"${'x'.repeat(300 * 1024)}"${inside}}`, status: 413, reason: 'too_long' },
        { kind: 'oversize body (2 MB)', method: path, body: `{"pad":"${'y'.repeat(2 * 1024 * 1024)}"${inside}}`, status: 413, reason: 'too_long' },
        { kind: 'wrong content type', method: path, body: text, opts: { headers: { 'content-type': 'text/plain' } }, status: 415, reason: 'invalid_type' },
        { kind: 'wrong content type', method: path, body: text, opts: { headers: { 'content-type': 'application/x-www-form-urlencoded' } }, status: 415, reason: 'invalid_type' },
        { kind: 'no content type', method: path, body: Buffer.from(text), opts: { headers: { 'content-type': null } }, status: 415, reason: 'invalid_type' },
        { kind: 'no token', method: path, body: text, opts: { headers: { authorization: null } }, status: 401, code: 'FORBIDDEN_SENDER' },
        { kind: 'wrong token', method: path, body: text, opts: { headers: { authorization: `Bearer ${MARK}${MARK}` } }, status: 401, code: 'FORBIDDEN_SENDER' },
        { kind: 'token not as bearer', method: path, body: text, opts: { headers: { authorization: TOKEN } }, status: 401, code: 'FORBIDDEN_SENDER' },
        { kind: 'GET', method: path, body: null, opts: { method: 'GET' }, status: 405, code: 'UNKNOWN_METHOD' },
      );
      if (!schema.safeParse({}).success) payloads.push({ kind: 'empty body', method: path, body: '', status: 200, code: 'VALIDATION_FAILED' });
    }
    expect(problems).toEqual([]);

    await inBatches(payloads, 8, async (p) => {
      const a = await raw(p.kind, p.method, p.body, p.opts);
      await stillAnswers(`${p.kind} ${p.method}`);
      tries++;
      byKind.set(p.kind, (byKind.get(p.kind) ?? 0) + 1);
      const e = errorOf(a);
      const problem = cleanRefusal(a, [MARK]);
      const code = p.code ?? 'VALIDATION_FAILED';
      // A wrong type is named at the field, at the union holding it, or at the element inside it.
      const related = (x: string, y: string) => x === y || x.startsWith(`${y}.`) || y.startsWith(`${x}.`);
      const fieldOk = p.field === undefined || (p.prefix ? e?.field !== undefined && related(p.field, e.field) : e?.field === p.field);
      if (problem || a.status !== p.status || e?.code !== code || (p.reason !== undefined && e.reason !== p.reason) || !fieldOk) {
        problems.push(`${p.kind} ${p.method}: HTTP ${a.status} ${problem ?? JSON.stringify(e ?? a.text.slice(0, 100))} (expected ${p.status} ${code} ${p.reason ?? ''} ${p.field ?? ''})`);
      } else tally.refused++;
    });
    const after = await state();
    expect(problems).toEqual([]);
    expect(after).toEqual(before);

    const line =
      `[bad-input] payloads: ${tries} for ${METHODS.length} methods (${[...byKind].map(([k, n]) => `${k}: ${n}`).join(', ')}), ` +
      `${tries - problems.length} refused cleanly, harness answering after each, 0 written`;
    console.log(line);
    figures.push(line);
    expect(tally.crashes).toEqual([]);
  });

  it('leaves no control character in the audit, the OTP store or the settings file, and the whole file\'s figures add up', { timeout: 30_000 }, async () => {
    const answered = await must('app', 'info', {});
    expect(answered).toMatchObject({ mode: 'directory' });
    // Stopped as an operator stops it: the database closed, its WAL checkpointed; then read read-only.
    harness!.child.kill('SIGTERM');
    expect(await harness!.closed).toEqual({ code: 0, signal: null });
    const db = new Database(join(dataDir, 'helpdesk.sqlite'), { readonly: true, fileMustExist: true });
    const found: string[] = [];
    let rows = 0;
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
      for (const { name } of tables) {
        for (const row of db.prepare(`SELECT * FROM "${name.replace(/"/gu, '""')}"`).iterate() as Iterable<Record<string, unknown>>) {
          rows++;
          const texts: string[] = [];
          for (const v of Object.values(row)) {
            if (typeof v !== 'string') continue;
            texts.push(v);
            // JSON columns (the audit's detail): their strings, decoded.
            if (/^[[{]/u.test(v)) {
              try {
                JSON.stringify(JSON.parse(v), (_k, x: unknown) => (typeof x === 'string' && texts.push(x), x));
              } catch {
                /* not JSON */
              }
            }
          }
          for (const t of texts) if (ANY_CONTROL.test(t)) found.push(`${name}: ${JSON.stringify(t).slice(0, 80)}`);
        }
      }
    } finally {
      db.close();
    }
    expect(rows).toBeGreaterThan(50);
    expect(found).toEqual([]);
    // Line breaks and tabs only in the multi-line texts (a PEM, a body template).
    const file = readFileSync(settingsPath(), 'utf8');
    const inFile: string[] = [];
    JSON.stringify(JSON.parse(file), (k, x: unknown) => {
      if (typeof x === 'string' && ANY_CONTROL.test(['caCertificate', 'bodyTemplate'].includes(k) ? x.replace(/[\r\n\t]/gu, '') : x)) inFile.push(k);
      return x;
    });
    expect(inFile).toEqual([]);
    expect(file).toContain('\\r\\n-----END CERTIFICATE-----'); // the multi-line PEM saved in part 3 is still there
    // The planted and written directory values hold none either.
    const values = [...(await ldapSnapshot()).values()].flatMap((e) => Object.values(e).flat().map(String));
    expect(values.filter((v) => ANY_CONTROL.test(v))).toEqual([]);

    const line = `[bad-input] total: ${tally.tried} payloads tried, ${tally.refused} refused cleanly, ${tally.accepted} accepted and checked (literal search results, trimmed texts), ${tally.crashes.length} crashes`;
    console.log(line);
    figures.push(line);
    expect(figures).toHaveLength(5);
    expect(tally.crashes).toEqual([]);
    expect(tally.refused + tally.accepted).toBe(tally.tried);
  });
});
