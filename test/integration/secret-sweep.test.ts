import { mailSecretKey, servicePasswordKey, smsSecretKey } from '../../src-main/app/secret-keys';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeytarSecretStore } from '../../src-main/adapters/secrets/keytar-secret-store';
import { AUDIT_KEY_NAME, OTP_KEY_NAME } from '../../src-main/app/runtime';
import type { HelpdeskApi } from '../../src-main/common/api';
import type { AccountSummary, CaseView } from '../../src-main/common/dto';
import { type Settings } from '../../src-main/common/settings';
import { call as harnessCall, type Harness, type In, killHarness, must as harnessMust, startHarness } from '../helpers/harness-process';
import { generateDirectoryLdif, TRAINING_OPERATOR_PASSWORD } from '../../scripts/training-data';
import { digitTokenOffsets, type Place, type Secret, sweep, zipEntries } from '../helpers/secret-sweep';
import { sessionSettings } from '../helpers/session-settings';
import { type SlapdHandle, startSlapd } from '../helpers/slapd';
import { type HttpSmsSink, startHttpSmsSink } from '../helpers/sms-sinks';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink';

// Issue #6 item 7: after a scripted session covering every flow, the service password, the SMTP
// password, the SMS keys, every one-time code and every temporary password issued (and the operators'
// passwords, the audit and OTP HMAC keys) are in no file of the data folder, no export and no output of
// the web harness. Real servers: slapd (ppolicy) with the generated training directory, an eSMS-speaking
// HTTP gateway, an SMTP server with STARTTLS + AUTH; the web harness as a child process, driven over
// HTTP as an operator, a supervisor and an auditor; secrets in gnome-keyring (run under dbus-run-session).

const BASE = 'dc=daotao,dc=gov,dc=vn';
const TOKEN = randomBytes(24).toString('base64url');
const ESMS = { apiKey: `esms-api-${randomBytes(12).toString('base64url')}`, secretKey: `esms-secret-${randomBytes(12).toString('base64url')}` };
const SMTP_USER = 'helpdesk';
const SMTP_PASSWORD = `Smtp#${randomBytes(12).toString('base64url')}`;
/** A wrong password typed at sign-in, a password pasted into the username field, a wrong service password tried. */
const WRONG_PASSWORD = `Sai@${randomBytes(9).toString('base64url')}`;
const PASTED_IN_USERNAME = `Dan!${randomBytes(9).toString('base64url')}`;
const WRONG_SERVICE_PASSWORD = `Thu-sai-${randomBytes(9).toString('base64url')}`;
/** cuonglh's CMND on record (scripts/training-data.ts), given by the caller for the override: never stored. */
const CMND_GIVEN = '024 681 357';
const CMND_WRONG = '024681350';
const FIXTURES = new Set(['annv', 'binhtt', 'cuonglh', 'dungpq', 'cty.minhphat', 'annv2']);

const keychain = new KeytarSecretStore();
let slapd: SlapdHandle;
let sms: HttpSmsSink;
let smtp: SmtpSink;
let settings: Settings;
let work: string;
let dataDir: string;
let exportDir: string;

let harness: Harness | undefined;

/** What the session issued or typed, collected as it goes. */
const otps: { label: string; value: string }[] = [];
const wrongCodes: { label: string; value: string }[] = [];
const temps: { label: string; value: string }[] = [];
const timings: Record<string, number> = {};

/** One contract call over HTTP, as the page makes it (every answer kept in harness.answers). */
const call = <G extends keyof HelpdeskApi, M extends keyof HelpdeskApi[G] & string>(group: G, method: M, input: In<G, M>) =>
  harnessCall(harness!, group, method, input);
/** A call that must succeed: its value. */
const must = <G extends keyof HelpdeskApi, M extends keyof HelpdeskApi[G] & string>(group: G, method: M, input: In<G, M>) =>
  harnessMust(harness!, group, method, input);

async function signIn(username: string): Promise<void> {
  const s = await must('session', 'signIn', { username, password: TRAINING_OPERATOR_PASSWORD });
  expect(s.operator?.username).toBe(username);
}

async function findAccount(username: string): Promise<AccountSummary> {
  const found = await must('directory', 'search', { query: username, kind: 'username' });
  const a = found.items.find((i) => i.username === username);
  if (!a) throw new Error(`no account ${username}`);
  return a;
}

async function openCase(username: string, reason: string): Promise<CaseView> {
  const a = await findAccount(username);
  await must('directory', 'getAccount', { id: a.id });
  return must('cases', 'open', { accountId: a.id, reason });
}

/** The code of the SMS the gateway received last (to this number, in gateway form). */
function codeFromSms(label: string, phone: string): string {
  const body = sms.requests.at(-1)!.body as { Phone: string; Content: string };
  expect(body.Phone).toBe(phone);
  const code = /\bla (\d{6}),/u.exec(body.Content)?.[1];
  if (!code) throw new Error(`no code in the SMS: ${body.Content}`);
  otps.push({ label, value: code });
  return code;
}

/** The code of the e-mail the SMTP server received last (to this address). */
function codeFromMail(label: string, to: string): string {
  const m = smtp.messages.at(-1)!;
  expect(m.to).toEqual([to]);
  const code = /Mã OTP của Bạn là: (\d{6})/u.exec(m.text)?.[1];
  if (!code) throw new Error(`no code in the e-mail: ${m.text}`);
  otps.push({ label, value: code });
  return code;
}

/** Another six-digit code than the right one (a caller misreading it). */
function wrongCode(label: string, right: string): string {
  const w = String((Number(right) + 417_293) % 1_000_000).padStart(6, '0');
  wrongCodes.push({ label, value: w });
  return w;
}

async function smsCode(c: CaseView, phone: string): Promise<string> {
  const before = sms.requests.length;
  const sent = await must('cases', 'sendCode', { caseId: c.id, channel: 'sms' });
  expect(sent.status).toBe('code-sent');
  expect(sms.requests.length).toBe(before + 1);
  return codeFromSms(`OTP sms ${c.account.username}`, phone);
}

async function mailCode(c: CaseView, to: string): Promise<string> {
  const before = smtp.messages.length;
  const sent = await must('cases', 'sendCode', { caseId: c.id, channel: 'email' });
  expect(sent.status).toBe('code-sent');
  expect(smtp.messages.length).toBe(before + 1);
  return codeFromMail(`OTP e-mail ${c.account.username}`, to);
}

async function verify(c: CaseView, code: string): Promise<void> {
  const v = await must('cases', 'verifyCode', { caseId: c.id, code });
  expect(v.verified).toBe(true);
}

async function bindAs(dn: string, password: string): Promise<string> {
  const client = new Client({ url: slapd.url, timeout: 5000, connectTimeout: 2000 });
  try {
    await client.bind(dn, password);
    return 'ok';
  } catch (e) {
    return (e as Error).constructor.name;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** The temporary password the caller received (SMS or e-mail); it binds, so it is the one the directory got. */
async function tempPassword(label: string, dn: string, via: 'sms' | 'email'): Promise<string> {
  const text = via === 'sms' ? (sms.requests.at(-1)!.body as { Content: string }).Content : smtp.messages.at(-1)!.text;
  const temp = (via === 'sms' ? /\bla (\S+) \./u : /Mật khẩu tạm thời: (\S+)/u).exec(text)?.[1];
  if (!temp) throw new Error(`no temporary password in: ${text}`);
  expect([label, await bindAs(dn, temp)]).toEqual([label, 'ok']);
  temps.push({ label, value: temp });
  return temp;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => (statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)) : [join(dir, n)]));
}

/** Every row of every table of a SQLite file, as text (a value split across overflow pages is whole here). */
function databaseRows(path: string): Buffer {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    const lines: string[] = [];
    for (const { name } of tables) {
      for (const row of db.prepare(`SELECT * FROM "${name.replace(/"/gu, '""')}"`).iterate() as Iterable<Record<string, unknown>>) {
        lines.push(`${name}\t${JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('latin1') : typeof v === 'bigint' ? String(v) : v))}`);
      }
    }
    return Buffer.from(lines.join('\n'), 'utf8');
  } finally {
    db.close();
  }
}

function vnToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

beforeAll(async () => {
  const t0 = Date.now();
  expect(await keychain.available(), 'no Secret Service: run under dbus-run-session with gnome-keyring (npm test does)').toBe(true);
  [slapd, sms, smtp] = await Promise.all([
    startSlapd({ baseDn: BASE, ldif: generateDirectoryLdif({ baseDn: BASE, count: 40 }) }),
    startHttpSmsSink({ esms: ESMS }),
    startSmtpSink({ tls: 'starttls', users: { [SMTP_USER]: SMTP_PASSWORD } }),
  ]);
  work = mkdtempSync(join(tmpdir(), 'helpdesk-sweep-'));
  dataDir = join(work, 'data');
  exportDir = join(work, 'exports');
  mkdirSync(exportDir);
  settings = sessionSettings({ slapd, baseDn: BASE, sms, smsTimeoutMs: 3000, smtp: { sink: smtp, user: SMTP_USER, timeoutMs: 5000 } });
  timings.servers = Date.now() - t0;
  harness = await startHarness({ dataDir, exportDir, token: TOKEN });
  timings.harnessStart = Date.now() - t0 - timings.servers;
});

afterAll(async () => {
  await killHarness(harness);
  if (settings) {
    // The entries this run made (tied to these throwaway endpoints); the audit/OTP keys stay, as the app's would.
    for (const k of [servicePasswordKey(settings.directory!), smsSecretKey(settings.sms!)!, mailSecretKey(settings.mail!)!]) {
      await keychain.delete(k).catch(() => undefined);
    }
  }
  await Promise.all([slapd?.stop(), sms?.close(), smtp?.close()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('secret sweep after a full session through the web harness', () => {
  it('drives every flow over HTTP as operator, supervisor and auditor', { timeout: 60_000 }, async () => {
    const t0 = Date.now();
    // Setup: training mode, before any directory — anyone at the desk may save the settings.
    expect(await must('app', 'info', {})).toMatchObject({ mode: 'training' });
    const saved = await must('settings', 'save', { settings, servicePassword: slapd.servicePassword, smsSecret: JSON.stringify(ESMS), mailPassword: SMTP_PASSWORD });
    expect(saved).toMatchObject({ servicePasswordStored: true, smsSecretStored: true, mailPasswordStored: true, keychainAvailable: true });
    // The secrets are in the keychain (and, as the sweep shows, nowhere else).
    expect(await keychain.get(servicePasswordKey(settings.directory!))).toBe(slapd.servicePassword);
    expect(await keychain.get(smsSecretKey(settings.sms!)!)).toBe(JSON.stringify(ESMS));
    expect(await keychain.get(mailSecretKey(settings.mail!)!)).toBe(SMTP_PASSWORD);

    // Refused sign-ins: a wrong password; a password typed into the username field.
    expect(await call('session', 'signIn', { username: 'tongdai01', password: WRONG_PASSWORD })).toMatchObject({ ok: false, error: { code: 'INVALID_CREDENTIALS' } });
    expect(await call('session', 'signIn', { username: PASTED_IN_USERNAME, password: TRAINING_OPERATOR_PASSWORD })).toMatchObject({ ok: false });

    // ---- Operator -------------------------------------------------------------------------------
    await signIn('tongdai01');
    expect(await must('session', 'current', {})).toMatchObject({ mode: 'directory', operator: { roles: ['operator'] } });
    for (const [query, kind] of [
      ['nguyen van', undefined],
      ['0912345698', undefined],
      ['079088001234', 'citizenId'],
      ['0314409058', undefined],
      ['dung.pham@yahoo.com', 'email'],
      ['7912345678', 'socialInsurance'],
      ['annv', 'username'],
    ] as const) {
      const r = await must('directory', 'search', kind ? { query, kind } : { query });
      expect([query, r.items.length > 0]).toEqual([query, true]);
    }
    expect(await call('audit', 'verify', {})).toEqual({ ok: false, error: { code: 'ROLE_NOT_ALLOWED' } });

    // Unlock after an SMS code (annv is locked after failed logins).
    const annv = await openCase('annv', 'Phiếu HT-001 quên mật khẩu');
    await verify(annv, await smsCode(annv, '84912345698'));
    expect(await must('cases', 'gate', { caseId: annv.id })).toMatchObject({ allowed: true });
    expect(await must('actions', 'unlock', { caseId: annv.id })).toMatchObject({ outcome: 'done', account: { state: { locked: false } } });
    await must('cases', 'close', { caseId: annv.id, outcome: 'done' });

    // Reset after an SMS code, with a wrong code first and the used code again after.
    const binh = await openCase('binhtt', 'Phiếu HT-002');
    const binhCode = await smsCode(binh, '84987654321');
    expect(await must('cases', 'verifyCode', { caseId: binh.id, code: wrongCode('wrong code binhtt', binhCode) })).toMatchObject({ verified: false });
    await verify(binh, binhCode);
    expect((await call('cases', 'verifyCode', { caseId: binh.id, code: binhCode })).ok).toBe(false); // single use
    expect(await must('actions', 'resetPassword', { caseId: binh.id })).toMatchObject({ outcome: 'done', delivery: { status: 'sent', channel: 'sms' } });
    await tempPassword('temporary password binhtt (sms)', binh.account.id, 'sms');
    await must('cases', 'close', { caseId: binh.id, outcome: 'done' });

    // E-mail code; new backup e-mail proven by its own code (a wrong one first); reset sent to the new address.
    const minh = await openCase('cty.minhphat', 'Phiếu HT-003 kế toán');
    await verify(minh, await mailCode(minh, 'ketoan@minhphat.com.vn'));
    await must('actions', 'sendContactCode', { caseId: minh.id, kind: 'backupEmail', value: 'ketoan.moi@minhphat.com.vn' });
    const minhContact = codeFromMail('contact OTP e-mail cty.minhphat', 'ketoan.moi@minhphat.com.vn');
    expect(await call('actions', 'updateContact', { caseId: minh.id, code: wrongCode('wrong contact code cty.minhphat', minhContact) })).toMatchObject({ ok: false, error: { code: 'OTP_WRONG' } });
    expect(await must('actions', 'updateContact', { caseId: minh.id, code: minhContact })).toMatchObject({ outcome: 'done', notice: { status: 'sent' } });
    expect(smtp.messages.at(-1)!.to).toEqual(['ketoan@minhphat.com.vn']); // the old address is told
    expect(await must('actions', 'resetPassword', { caseId: minh.id })).toMatchObject({ outcome: 'done', delivery: { status: 'sent', channel: 'email' } });
    expect(smtp.messages.at(-1)!.to).toEqual(['ketoan.moi@minhphat.com.vn']);
    await tempPassword('temporary password cty.minhphat (e-mail)', minh.account.id, 'email');
    await must('cases', 'close', { caseId: minh.id, outcome: 'done' });

    // New mobile proven by its own code; an unlock of an account that is not locked is refused.
    const an2 = await openCase('annv2', 'Phiếu HT-004 đổi số');
    await verify(an2, await smsCode(an2, '84977000111'));
    await must('actions', 'sendContactCode', { caseId: an2.id, kind: 'mobile', value: '+84 988 777 666' });
    const an2Contact = codeFromSms('contact OTP sms annv2', '84988777666');
    expect(await must('actions', 'updateContact', { caseId: an2.id, code: an2Contact })).toMatchObject({ outcome: 'done', notice: { status: 'sent' } });
    // The contact change used the verification: only a reset to the new contact may follow.
    expect(await call('actions', 'unlock', { caseId: an2.id })).toMatchObject({ ok: false, error: { code: 'CASE_NOT_VERIFIED', reason: 'verification_spent' } });
    await must('cases', 'get', { caseId: an2.id });
    await must('cases', 'close', { caseId: an2.id, outcome: 'abandoned' });
    expect(await must('outbox', 'list', {})).toEqual([]);
    await must('session', 'signOut', {});

    // ---- Supervisor -----------------------------------------------------------------------------
    await signIn('giamsat01');
    // Reset and unlock in one step, on an account locked by real failed binds.
    const candidates = (await must('directory', 'search', { query: 'nguyen' })).items;
    const locked = candidates.find((a) => !FIXTURES.has(a.username) && a.mobile.status === 'present' && !a.state.locked && !a.state.disabled);
    expect(locked, 'a generated account with a mobile').toBeDefined();
    for (let i = 0; i < 3; i++) await bindAs(locked!.id, 'Sai-mat-khau-1');
    expect(await must('directory', 'getAccount', { id: locked!.id })).toMatchObject({ state: { locked: true } });
    const lc = await must('cases', 'open', { accountId: locked!.id, reason: 'Phiếu HT-005 bị khóa' });
    const lcBefore = sms.requests.length;
    await must('cases', 'sendCode', { caseId: lc.id, channel: 'sms' });
    expect(sms.requests.length).toBe(lcBefore + 1);
    await verify(lc, codeFromSms(`OTP sms ${locked!.username}`, (sms.requests.at(-1)!.body as { Phone: string }).Phone));
    expect(await must('actions', 'resetAndUnlock', { caseId: lc.id })).toMatchObject({ action: 'reset-unlock', outcome: 'done', delivery: { status: 'sent' }, account: { state: { locked: false } } });
    await tempPassword(`temporary password ${locked!.username} (reset-unlock)`, locked!.id, 'sms');
    await must('cases', 'close', { caseId: lc.id, outcome: 'done' });

    // An administrative lock is not lifted (dungpq): code by e-mail, then the refusal.
    const dung = await openCase('dungpq', 'Phiếu HT-006');
    await verify(dung, await mailCode(dung, 'dung.pham@yahoo.com'));
    expect(await call('actions', 'resetAndUnlock', { caseId: dung.id })).toMatchObject({ ok: false, error: { code: 'ACTION_NOT_PERMITTED', reason: 'administrative_lock' } });
    await must('cases', 'close', { caseId: dung.id, outcome: 'abandoned' });

    // Override for a caller with no contact (cuonglh): CMND checked (a wrong one first), new mobile, reset.
    const cuong = await openCase('cuonglh', 'Mất SIM, không có thư dự phòng');
    expect(cuong.channels).toMatchObject({ sms: { status: 'missing' }, email: { status: 'missing' } });
    expect(await call('cases', 'override', { caseId: cuong.id, check: 'citizen-id', citizenId: CMND_WRONG, note: 'Đối chiếu CMND' })).toMatchObject({ ok: false, error: { code: 'IDENTITY_MISMATCH' } });
    expect(await must('cases', 'override', { caseId: cuong.id, check: 'citizen-id', citizenId: CMND_GIVEN, note: 'Đối chiếu CMND qua video, khớp' })).toMatchObject({ status: 'verified', verifiedBy: 'override' });
    expect(await call('actions', 'resetPassword', { caseId: cuong.id })).toEqual({ ok: false, error: { code: 'ACTION_NOT_PERMITTED', reason: 'no_delivery_contact' } });
    // Four eyes: the new mobile waits for a second supervisor's approval, given in another session.
    expect(await call('actions', 'sendContactCode', { caseId: cuong.id, kind: 'mobile', value: '0934 567 890' })).toEqual({ ok: false, error: { code: 'APPROVAL_REQUIRED' } });
    await signIn('giamsat02');
    expect(await must('cases', 'approve', { caseId: cuong.id })).toMatchObject({ waiting: null });
    await signIn('giamsat01');
    await must('actions', 'sendContactCode', { caseId: cuong.id, kind: 'mobile', value: '0934 567 890' });
    expect(await must('actions', 'updateContact', { caseId: cuong.id, code: codeFromSms('contact OTP sms cuonglh', '84934567890') })).toMatchObject({ outcome: 'done' });
    expect(await must('actions', 'resetPassword', { caseId: cuong.id })).toMatchObject({ outcome: 'done', delivery: { status: 'sent', channel: 'sms' } });
    await tempPassword('temporary password cuonglh (override)', cuong.account.id, 'sms');
    await must('cases', 'close', { caseId: cuong.id, outcome: 'done' });

    // Settings and the audit chain.
    expect(await must('settings', 'get', {})).toMatchObject({ servicePasswordStored: true, smsSecretStored: true, mailPasswordStored: true });
    expect(await must('settings', 'testConnection', { settings })).toMatchObject({ ok: true });
    expect(await must('settings', 'testConnection', { settings, servicePassword: WRONG_SERVICE_PASSWORD })).toMatchObject({ ok: false });
    const head = await must('audit', 'head', {});
    expect(head).not.toBeNull();
    expect(await must('audit', 'verify', {})).toMatchObject({ ok: true, problemCount: 0 });
    expect(await must('audit', 'verify', { head: head! })).toMatchObject({ ok: true });
    expect(await must('audit', 'purge', {})).toMatchObject({ purged: 0 });
    await must('session', 'signOut', {});

    // ---- Auditor --------------------------------------------------------------------------------
    await signIn('kiemtra01');
    const today = vnToday();
    expect((await must('audit', 'recent', { limit: 500 })).length).toBeGreaterThan(40);
    const page = await must('audit', 'query', { filter: { from: today, to: today }, limit: 10 });
    expect(page.nextBefore).not.toBeNull();
    await must('audit', 'query', { filter: { from: today, to: today }, limit: 10, before: page.nextBefore! });
    expect((await must('audit', 'query', { filter: { account: 'binhtt' } })).rows.length).toBeGreaterThan(3);
    expect((await must('audit', 'query', { filter: { action: 'account.reset', outcome: 'ok' } })).rows.length).toBe(3);
    const timeline = await must('audit', 'timeline', { caseId: binh.id });
    expect(timeline.map((r) => r.action)).toEqual(expect.arrayContaining(['case.open', 'code.send', 'code.verify', 'account.reset', 'case.close']));
    await must('dashboards', 'auditStats', { from: today, to: today });
    await must('audit', 'export', { filter: {}, format: 'csv', fileName: 'nhat-ky.csv' });
    await must('audit', 'export', { filter: {}, format: 'xlsx', fileName: 'nhat-ky.xlsx' });
    await must('audit', 'export', { filter: { caseId: cuong.id }, format: 'csv', fileName: 'ho-so-cuonglh.csv' });
    let scan = await must('dashboards', 'scanStart', {});
    for (const until = Date.now() + 20_000; scan.state === 'running' && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 100));
      scan = await must('dashboards', 'scanStatus', { scanId: scan.scanId });
    }
    expect(scan).toMatchObject({ state: 'done' });
    expect(scan.result!.totals.locked).toBeGreaterThan(0);
    for (const format of ['csv', 'xlsx'] as const) {
      await must('dashboards', 'exportScan', { scanId: scan.scanId, list: 'units', format, fileName: `bang-dieu-khien-units.${format}` });
    }
    // The auditor sees counts, not names: the locked accounts' list is a supervisor's export.
    expect(await call('dashboards', 'exportScan', { scanId: scan.scanId, list: 'locked', format: 'csv', fileName: 'x.csv' })).toEqual({ ok: false, error: { code: 'ACTION_NOT_PERMITTED', reason: 'names_withheld' } });
    await signIn('giamsat01');
    for (const format of ['csv', 'xlsx'] as const) {
      await must('dashboards', 'exportScan', { scanId: scan.scanId, list: 'locked', format, fileName: `bang-dieu-khien-locked.${format}` });
    }
    expect(await must('reports', 'monthly', { month: today.slice(0, 7), fileName: 'bao-cao-thang.pdf' })).toMatchObject({ pages: expect.any(Number) });
    await must('session', 'signOut', {});
    expect(await must('app', 'info', {})).toMatchObject({ mode: 'directory' });
    timings.session = Date.now() - t0;
  });

  it('then finds none of the secrets in the data folder, the exports, the output or the API answers', { timeout: 60_000 }, async () => {
    const t0 = Date.now();
    expect(timings.session, 'the scripted session ran to its end').toBeDefined();
    // The data folder while the harness still runs (the database's -wal and -shm exist only then)…
    const live: Place[] = filesUnder(dataDir).map((f) => ({ label: `data (running)/${relative(dataDir, f)}`, bytes: readFileSync(f) }));
    // …then the harness stops as an operator would stop it; the database is closed (WAL checkpointed).
    harness!.child.kill('SIGTERM');
    expect(await harness!.closed).toEqual({ code: 0, signal: null });
    const auditKey = await keychain.get(AUDIT_KEY_NAME);
    const otpKey = await keychain.get(OTP_KEY_NAME);
    expect(auditKey).toMatch(/^[0-9a-f]{64}$/u);
    expect(otpKey).toMatch(/^[0-9a-f]{64}$/u);

    // Every code and temporary password the gateways saw, whatever the flows above collected.
    const sinkTexts = [...sms.requests.map((r) => (r.body as { Content: string }).Content), ...smtp.messages.map((m) => m.text)];
    const seenCodes = new Set(sinkTexts.flatMap((t) => [...t.matchAll(/(?:\bla |Mã OTP của Bạn là: )(\d{6})\b/gu)].map((m) => m[1]!)));
    const seenTemps = new Set(sinkTexts.flatMap((t) => [...t.matchAll(/(?:mat khau tam thoi .* la (\S+) \.|Mật khẩu tạm thời: (\S+))/gu)].map((m) => (m[1] ?? m[2])!)));
    expect([...seenCodes].sort()).toEqual([...new Set(otps.map((o) => o.value))].sort());
    expect([...seenTemps].sort()).toEqual([...new Set(temps.map((t) => t.value))].sort());
    expect(otps.length).toBe(9);
    expect(temps.length).toBe(4);
    // The relay secrets really went to the servers (so they were in use during the session).
    expect(sms.requests.every((r) => (r.body as { ApiKey: string; SecretKey: string }).ApiKey === ESMS.apiKey && (r.body as { SecretKey: string }).SecretKey === ESMS.secretKey)).toBe(true);
    expect(smtp.messages.every((m) => m.authUser === SMTP_USER)).toBe(true);

    const secrets: Secret[] = [
      { label: 'LDAP service password', value: slapd.servicePassword, kind: 'text' },
      { label: 'SMTP password', value: SMTP_PASSWORD, kind: 'text' },
      { label: 'eSMS API key', value: ESMS.apiKey, kind: 'text' },
      { label: 'eSMS secret key', value: ESMS.secretKey, kind: 'text' },
      { label: 'operators\' password', value: TRAINING_OPERATOR_PASSWORD, kind: 'text' },
      { label: 'wrong sign-in password', value: WRONG_PASSWORD, kind: 'text' },
      { label: 'password typed as username', value: PASTED_IN_USERNAME, kind: 'text' },
      { label: 'wrong service password tried', value: WRONG_SERVICE_PASSWORD, kind: 'text' },
      { label: 'audit HMAC key', value: auditKey!, kind: 'key' },
      { label: 'OTP HMAC key', value: otpKey!, kind: 'key' },
      ...temps.map((t) => ({ label: t.label, value: t.value, kind: 'text' as const })),
      // Codes and CMNDs are short digit strings: only a standalone occurrence counts (the rule and why:
      // digitTokenOffsets in test/helpers/secret-sweep.ts — not inside a longer number, a decimal
      // fraction, a hex hash/UUID run, or an XLSX markup attribute).
      ...otps.map((o) => ({ label: o.label, value: o.value, kind: 'digits' as const })),
      ...wrongCodes.map((o) => ({ label: o.label, value: o.value, kind: 'digits' as const })),
      { label: 'CMND given for the override', value: CMND_GIVEN.replace(/\s/gu, ''), kind: 'digits' },
      { label: 'CMND given for the override (as typed)', value: CMND_GIVEN, kind: 'text' },
      { label: 'wrong CMND given', value: CMND_WRONG, kind: 'digits' },
    ];

    const places: Place[] = [...live];
    const dataFiles = filesUnder(dataDir);
    for (const f of dataFiles) places.push({ label: `data/${relative(dataDir, f)}`, bytes: readFileSync(f) });
    // Read the databases only after their raw bytes are taken (opening one may touch -shm).
    for (const f of dataFiles.filter((p) => p.endsWith('.sqlite'))) places.push({ label: `data/${relative(dataDir, f)} (rows)`, bytes: databaseRows(f) });
    const exportFiles = filesUnder(exportDir);
    for (const f of exportFiles) {
      const label = `export/${relative(exportDir, f)}`;
      const bytes = readFileSync(f);
      places.push({ label, bytes });
      if (f.endsWith('.xlsx')) {
        for (const e of zipEntries(bytes)) places.push({ label: `${label}!${e.name}`, bytes: e.data, xml: /\.(?:xml|rels)$/u.test(e.name) });
      }
      if (f.endsWith('.pdf')) {
        const { stdout } = await promisify(execFile)('pdftotext', ['-enc', 'UTF-8', '-layout', f, '-'], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
        places.push({ label: `${label} (pdftotext)`, bytes: stdout });
      }
    }
    places.push({ label: 'harness stdout', bytes: Buffer.concat(harness!.stdout) });
    places.push({ label: 'harness stderr', bytes: Buffer.concat(harness!.stderr) });
    places.push({ label: 'API answers', bytes: Buffer.from(harness!.answers.join('\n'), 'utf8') });

    // The places hold what they should (the sweep is not looking at empty or unreadable files).
    const text = (label: string) => places.find((p) => p.label === label)?.bytes.toString('utf8') ?? '';
    expect(dataFiles.map((f) => basename(f))).toEqual(expect.arrayContaining(['settings.json', 'helpdesk.sqlite', 'training.sqlite']));
    expect(live.map((p) => basename(p.label))).toEqual(expect.arrayContaining(['helpdesk.sqlite-wal', 'helpdesk.sqlite-shm']));
    expect(text('data/helpdesk.sqlite (rows)')).toMatch(/account\.reset-unlock[\s\S]*case\.override[\s\S]*account\.contact/u);
    expect(text('data/settings.json')).toContain(smtp.caPem.trim().split('\n')[1]!);
    expect(text('export/nhat-ky.csv')).toContain('account.reset-unlock');
    expect(text('export/nhat-ky.xlsx!xl/worksheets/sheet1.xml')).toContain('cty.minhphat');
    expect(text('export/bang-dieu-khien-locked.csv')).toContain('annv');
    expect(text('export/bao-cao-thang.pdf (pdftotext)')).toContain('giamsat01');
    expect(text('harness stdout')).toContain('Helpdesk web harness: http://127.0.0.1:');
    expect(exportFiles.map((f) => basename(f)).sort()).toEqual(
      ['bang-dieu-khien-locked.csv', 'bang-dieu-khien-locked.xlsx', 'bang-dieu-khien-units.csv', 'bang-dieu-khien-units.xlsx', 'bao-cao-thang.pdf', 'ho-so-cuonglh.csv', 'nhat-ky.csv', 'nhat-ky.xlsx'],
    );

    const hits = sweep(secrets, places);
    expect(hits.map((h) => `${h.secret} found in ${h.place} (${h.form}, offset ${h.offset}): …${h.context}…`)).toEqual([]);

    // The same sweep is not blind: each kind of secret planted in a place it searched is found.
    const db = places.find((p) => p.label === 'data/helpdesk.sqlite')!.bytes;
    const planted = (bytes: Buffer) => sweep(secrets, [{ label: 'planted', bytes: Buffer.concat([db, bytes]) }]).map((h) => h.secret);
    expect(planted(Buffer.from(JSON.stringify({ code: otps[0]!.value })))).toEqual([otps[0]!.label]);
    expect(planted(Buffer.from(`x${temps[0]!.value}x`, 'utf16le'))).toEqual([temps[0]!.label]);
    expect(planted(Buffer.from(auditKey!, 'hex'))).toEqual(['audit HMAC key']);
    expect(planted(Buffer.from(`smtp password=${SMTP_PASSWORD}\n`))).toEqual(['SMTP password']);

    // How much the rule for digit secrets set aside: 6-digit numbers (any value) not inside a longer number
    // in all places, and how many of them rules (b)–(d) of digitTokenOffsets would still count (judged on
    // ±64 characters around each). 0 means no code could have matched anything here by chance.
    let sixDigitRuns = 0;
    let sixDigitTokens = 0;
    for (const p of places) {
      for (const v of [p.bytes.toString('latin1'), p.bytes.toString('utf16le'), p.bytes.subarray(1).toString('utf16le')]) {
        for (const m of v.matchAll(/(?<![0-9])[0-9]{6}(?![0-9])/gu)) {
          sixDigitRuns++;
          const from = Math.max(0, m.index - 64);
          if (digitTokenOffsets(v.slice(from, m.index + 70), m[0], { xml: p.xml === true }).includes(m.index - from)) sixDigitTokens++;
        }
      }
    }
    const bytes = places.reduce((n, p) => n + p.bytes.length, 0);
    timings.sweep = Date.now() - t0;
    console.log(
      `secret sweep: secrets: ${secrets.length} (${otps.length} codes issued, ${wrongCodes.length} wrong codes typed, ${temps.length} temporary passwords, ` +
        `4 relay/directory secrets, 2 HMAC keys, ${secrets.length - otps.length - wrongCodes.length - temps.length - 6} other), ` +
        `places searched: ${places.length} (${live.length} data files while running, ${dataFiles.length} after, ${exportFiles.length} exports, ${bytes} bytes), hits: ${hits.length}; ` +
        `6-digit numbers anywhere: ${sixDigitRuns}, of which standalone tokens under the rule: ${sixDigitTokens}; ` +
        `ms: ${JSON.stringify(timings)}`,
    );
  });
});
