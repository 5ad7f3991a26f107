import { mailSecretKey, servicePasswordKey, smsSecretKey } from '../../src-main/app/secret-keys';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeytarSecretStore } from '../../src-main/adapters/secrets/keytar-secret-store';
import { verifyAuditChain } from '../../src-main/adapters/store/audit-store';
import { AUDIT_KEY_NAME } from '../../src-main/app/runtime';
import type { HelpdeskApi } from '../../src-main/common/api';
import type { AccountSummary, CaseView, VerificationChannel } from '../../src-main/common/dto';
import type { ErrorCode } from '../../src-main/common/errors';
import type { Result } from '../../src-main/common/result';
import { type MailSettings, type Settings, type SmsSettings } from '../../src-main/common/settings';
import { normalizeVnMobile } from '../../src-main/domain/phone';
import { DISABLED_LOCK_TIME, generateDirectoryLdif, TRAINING_FIXTURES, TRAINING_OPERATOR_PASSWORD, TRAINING_OPERATORS } from '../../scripts/training-data';
import { call as harnessCall, type Harness, type In, killHarness, must as harnessMust, startHarness } from '../helpers/harness-process';
import { sessionSettings, smtpRelay } from '../helpers/session-settings';
import { type SlapdHandle, startSlapd } from '../helpers/slapd';
import { type HttpSmsSink, type SmppSink, startHttpSmsSink, startSmppSink } from '../helpers/sms-sinks';
import { type SinkFault, type SmtpSink, startSmtpSink } from '../helpers/smtp-sink';
import { loadRenderer } from '../helpers/load-renderer';

// Issue #6 item 6: the fault sweep. The web harness runs as a child process over real servers (slapd
// with ppolicy and the generated training directory, an eSMS-speaking HTTP gateway, an SMPP SMSC, an SMTP
// server with STARTTLS + AUTH), its data folder on a small tmpfs; faults are injected one at a time and
// each is judged "survived" when the contract answered a clear, translated, non-INTERNAL error within a
// bound, the harness stayed up, and the flow went on once the fault was healed. Relay faults: the send
// uses no quota and is audited. Directory: stopped, hung (SIGSTOP), killed mid-call, restarted on the
// same port — no new sign-in needed. Disk: full while calls must write audit rows — the directory is not
// touched, nothing half-written, the chain verifies once space is back. Runs as root (mount tmpfs).

const BASE = 'dc=daotao,dc=gov,dc=vn';
const TOKEN = randomBytes(24).toString('base64url');
const ESMS = { apiKey: `esms-api-${randomBytes(12).toString('base64url')}`, secretKey: `esms-secret-${randomBytes(12).toString('base64url')}` };
const SMTP_USER = 'helpdesk';
const SMTP_PASSWORD = `Smtp#${randomBytes(12).toString('base64url')}`;
/** SMPP passwords are at most 8 characters. */
const SMPP_PASSWORD = randomBytes(6).toString('base64url');
const SUPERVISOR = 'giamsat01';

/** Short timeouts keep the sweep quick; every bound below derives from them. */
const DIRECTORY_TIMEOUT_MS = 2000;
const DIRECTORY_CONNECT_TIMEOUT_MS = 1000;
const SMS_TIMEOUT_MS = 1000;
const MAIL_TIMEOUT_MS = 1500;
/** What a call may take beyond the timeout of the server it waits for (scheduling, a retry pause, the reads around it). */
const MARGIN_MS = 2500;
const EXPECTED_FAULTS = 30;

const keychain = new KeytarSecretStore();
let slapd: SlapdHandle;
let sms: HttpSmsSink;
let smsc: SmppSink;
let smtp: SmtpSink;
let work: string;
let dataDir: string;
let mounted = false;
let harness: Harness | undefined;
let settings: Settings;
let smtpSettings: Extract<MailSettings, { provider: 'smtp' }>;
let smppSettings: SmsSettings;

type Messages = { errors: Record<string, string> };
let vi: Messages;
let en: Messages;

/** Candidate accounts of the generated directory, by what the faults need (each account is used once: 5 minutes between sends). */
let smsPool: string[];
let mailPool: string[];
let lockedPool: string[];

// ---------------------------------------------------------------------------------------------
// The tally

type Kind = 'storage' | 'sms' | 'smtp' | 'smpp' | 'delivery' | 'directory';
interface Fault {
  kind: Kind;
  name: string;
  /** The error code the contract answered (null: it answered ok). */
  code: string | null;
  ms: number;
  checks: Record<string, boolean>;
}
const faults: Fault[] = [];
const durations: Record<string, number> = {};

function record(kind: Kind, name: string, code: string | null, ms: number, checks: Record<string, boolean>): Fault {
  const f: Fault = { kind, name, code, ms, checks };
  faults.push(f);
  return f;
}

const failedChecks = (f: Fault) => Object.entries(f.checks).filter(([, ok]) => !ok).map(([check]) => `${f.kind}/${f.name}: ${check}`);
const survived = (f: Fault) => failedChecks(f).length === 0;

function expectSurvived(kind: Kind, count: number): void {
  const mine = faults.filter((f) => f.kind === kind);
  expect(mine.flatMap(failedChecks)).toEqual([]);
  expect(mine.length).toBe(count);
}

// ---------------------------------------------------------------------------------------------
// Calls

const call = <G extends keyof HelpdeskApi, M extends keyof HelpdeskApi[G] & string>(group: G, method: M, input: In<G, M>) =>
  harnessCall(harness!, group, method, input);
const must = <G extends keyof HelpdeskApi, M extends keyof HelpdeskApi[G] & string>(group: G, method: M, input: In<G, M>) =>
  harnessMust(harness!, group, method, input);

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: Math.round(performance.now() - t0) };
}

const codeOf = (r: Result<unknown>): string | null => (r.ok ? null : r.error.code);

/** The renderer shows `errors.<code>` in both languages, and it is not the catch-all text. */
function translated(code: string | null): boolean {
  if (code === null) return false;
  return [vi, en].every((m) => typeof m.errors[code] === 'string' && /\S/u.test(m.errors[code]) && m.errors[code] !== m.errors.INTERNAL);
}

/** The checks every faulty answer must pass: the expected clear code, translated, within the bound. */
function answerChecks(code: string | null, expected: (c: string) => boolean, label: string, ms: number, boundMs: number): Record<string, boolean> {
  return {
    [`answers ${label} (got ${code ?? 'ok'})`]: code !== null && expected(code),
    'not INTERNAL': code !== 'INTERNAL',
    [`errors.${code} translated (vi, en)`]: translated(code),
    [`answers within ${boundMs} ms (took ${ms})`]: ms <= boundMs,
  };
}

/** The harness process still runs and answers. */
async function alive(): Promise<boolean> {
  if (harness!.child.exitCode !== null || harness!.child.signalCode !== null) return false;
  try {
    return (await call('app', 'info', {})).ok;
  } catch {
    return false;
  }
}

async function findAccount(username: string): Promise<AccountSummary> {
  const found = await must('directory', 'search', { query: username, kind: 'username' });
  const a = found.items.find((i) => i.username === username);
  if (!a) throw new Error(`no account ${username}`);
  return a;
}

async function openCase(username: string, reason = `Phiếu SC-${username}`): Promise<CaseView> {
  const a = await findAccount(username);
  return must('cases', 'open', { accountId: a.id, reason });
}

/** The code the caller received last, from the server that carried it. */
function lastCode(via: 'esms' | 'smpp' | 'mail'): string {
  const text =
    via === 'esms' ? (sms.requests.at(-1)!.body as { Content: string }).Content : via === 'smpp' ? smsc.submits.at(-1)!.text : smtp.messages.at(-1)!.text;
  const code = (via === 'mail' ? /Mã OTP của Bạn là: (\d{6})/u : /\bla (\d{6}),/u).exec(text)?.[1];
  if (!code) throw new Error(`no code in the ${via} message`);
  return code;
}

const delivered = (via: 'esms' | 'smpp' | 'mail') => (via === 'esms' ? sms.requests.length : via === 'smpp' ? smsc.submits.length : smtp.messages.length);

/** Sends a code on a healthy relay and verifies the caller with it: the case works. */
async function sendAndVerify(c: CaseView, channel: VerificationChannel, via: 'esms' | 'smpp' | 'mail'): Promise<{ sent: Result<CaseView>; verified: boolean }> {
  const before = delivered(via);
  const sent = await call('cases', 'sendCode', { caseId: c.id, channel });
  if (!sent.ok || delivered(via) !== before + 1) return { sent, verified: false };
  const v = await call('cases', 'verifyCode', { caseId: c.id, code: lastCode(via) });
  return { sent, verified: v.ok && v.value.verified };
}

async function verifiedCase(username: string): Promise<CaseView> {
  const c = await openCase(username);
  const { sent, verified } = await sendAndVerify(c, 'sms', 'esms');
  expect([username, sent.ok, verified]).toEqual([username, true, true]);
  return c;
}

/** Saves settings as the supervisor; the directory profile is the same, so the session and the open cases stay. */
async function saveSettings(next: Settings, secrets: { smsSecret?: string; mailPassword?: string } = {}): Promise<void> {
  await must('settings', 'save', { settings: next, ...secrets });
  expect(await must('session', 'current', {})).toMatchObject({ operator: { username: SUPERVISOR } });
}

/** pwdAccountLockedTime of an entry as the directory holds it (read as the rootdn). */
async function lockInDirectory(dn: string): Promise<string[]> {
  const client = new Client({ url: slapd.url, timeout: 5000, connectTimeout: 2000 });
  try {
    await client.bind(slapd.rootDn, slapd.rootPassword);
    const { searchEntries } = await client.search(dn, { scope: 'base', attributes: ['pwdAccountLockedTime'] });
    const v = searchEntries[0]?.pwdAccountLockedTime;
    return v === undefined ? [] : ([] as unknown[]).concat(v).map((x) => String(x));
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Relay faults: one account each (its quota is checked), a fresh case, the fault, then the healed send.

interface RelayFault {
  name: string;
  channel: VerificationChannel;
  via: 'esms' | 'smpp' | 'mail';
  expected: ErrorCode;
  timeoutMs: number;
  inject: () => void | Promise<void>;
  heal?: () => Promise<void>;
  /**
   * A timeout: the relay may have taken the message. The send is not refused — the code stands, its slot
   * is kept, the operator is told to ask the caller (codeDelivery unknown).
   */
  uncertain?: true;
}

async function relayFault(kind: 'sms' | 'smtp' | 'smpp', username: string, f: RelayFault): Promise<CaseView> {
  const c = await openCase(username, `Phiếu SC-${f.name}`);
  expect([username, c.channels[f.channel].status]).toEqual([username, 'present']);
  await f.inject();
  const { value: r, ms } = await timed(() => call('cases', 'sendCode', { caseId: c.id, channel: f.channel }));
  const code = codeOf(r);
  const after = await must('cases', 'get', { caseId: c.id });
  const row = (await must('audit', 'timeline', { caseId: c.id })).at(-1);
  if (f.uncertain) {
    // An SMS the gateway took but answered too late reached the caller; a mail server that never
    // greeted took nothing, and the kept slot makes the next send wait.
    const late = f.via !== 'mail' ? await call('cases', 'verifyCode', { caseId: c.id, code: lastCode(f.via) }) : null;
    const again = f.via === 'mail' ? await call('cases', 'sendCode', { caseId: c.id, channel: f.channel }) : null;
    record(kind, f.name, code, ms, {
      [`answers with the code standing, delivery unknown (got ${code ?? (r.ok ? r.value.codeDelivery : '?')})`]: r.ok && r.value.codeDelivery === 'unknown',
      [`answers within ${f.timeoutMs + MARGIN_MS} ms (took ${ms})`]: ms <= f.timeoutMs + MARGIN_MS,
      'the send counts (the message may have gone)': after.resend.remainingToday === 1,
      'audited: code.send error with the code, slot kept': row?.action === 'code.send' && row.outcome === 'error' && row.detail.code === f.expected && row.detail.slotKept === true,
      ...(late
        ? { 'the caller is verified with the code that arrived late': late.ok && late.value.verified }
        : { 'the kept slot holds: the next send waits (OTP_TOO_SOON)': again !== null && codeOf(again) === 'OTP_TOO_SOON' }),
      'harness alive': await alive(),
    });
    return c;
  }
  await f.heal?.();
  const { sent, verified } = await sendAndVerify(c, f.channel, f.via);
  record(kind, f.name, code, ms, {
    ...answerChecks(code, (x) => x === f.expected, f.expected, ms, f.timeoutMs + MARGIN_MS),
    'case still open after the failed send': after.status === 'open',
    'the failed send used no quota': after.resend.remainingToday === 2 && after.resend.availableAt.sms === null,
    'audited: code.send error with the code': row?.action === 'code.send' && row.outcome === 'error' && row.detail.code === f.expected,
    'a send works once the relay is healed': sent.ok && sent.value.status === 'code-sent',
    'the healed send used one slot': sent.ok && sent.value.resend.remainingToday === 1,
    'the caller is verified with the code': verified,
    'harness alive': await alive(),
  });
  return c;
}

// ---------------------------------------------------------------------------------------------
// A full disk

/** Writes a file until the file system refuses (ENOSPC): the disk is full to the last block. */
function fillDisk(path: string): number {
  const fd = openSync(path, 'w');
  let written = 0;
  try {
    for (const size of [1 << 20, 1 << 16, 1 << 12, 1 << 9, 1]) {
      const chunk = Buffer.alloc(size, 0x5a);
      for (;;) {
        try {
          const n = writeSync(fd, chunk);
          written += n;
          if (n < size) break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

function pickPools(ldif: string): void {
  const skip = new Set([...TRAINING_FIXTURES.map((a) => a.uid), ...TRAINING_OPERATORS.map((o) => o.uid)]);
  const accounts = ldif
    .split(/\n\n+/u)
    .filter((e) => /^dn: uid=/mu.test(e))
    .map((e) => {
      const v = (a: string) => new RegExp(`^${a}: (.*)$`, 'mu').exec(e)?.[1] ?? null;
      return { uid: v('uid')!, mobile: v('mobile'), mail: v('mail'), backupEmail: v('hdRecoveryEmail'), lock: v('pwdAccountLockedTime') };
    })
    .filter((a) => !skip.has(a.uid) && a.lock !== DISABLED_LOCK_TIME);
  const mobileOk = (a: (typeof accounts)[number]) => a.mobile !== null && normalizeVnMobile(a.mobile).ok;
  lockedPool = accounts.filter((a) => a.lock !== null && mobileOk(a)).map((a) => a.uid);
  const unlocked = accounts.filter((a) => a.lock === null);
  mailPool = unlocked.filter((a) => a.backupEmail !== null && a.backupEmail.toLowerCase() !== a.mail?.toLowerCase()).map((a) => a.uid);
  smsPool = unlocked.filter((a) => mobileOk(a) && !mailPool.includes(a.uid)).map((a) => a.uid);
}

/** The next unused account of a pool. */
function take(pool: string[]): string {
  const u = pool.shift();
  if (!u) throw new Error('the generated directory has too few accounts for the sweep');
  return u;
}

beforeAll(async () => {
  expect(await keychain.available(), 'no Secret Service: run under dbus-run-session with gnome-keyring (npm test does)').toBe(true);
  ({ vi } = await loadRenderer<{ vi: Messages }>('i18n/vi.ts'));
  ({ en } = await loadRenderer<{ en: Messages }>('i18n/en.ts'));
  const ldif = generateDirectoryLdif({ baseDn: BASE, count: 80 });
  pickPools(ldif);
  expect([smsPool.length >= 14, mailPool.length >= 8, lockedPool.length >= 2]).toEqual([true, true, true]);
  [slapd, sms, smsc, smtp] = await Promise.all([
    startSlapd({ baseDn: BASE, ldif }),
    startHttpSmsSink({ esms: ESMS }),
    startSmppSink({ systemId: 'helpdesk', password: SMPP_PASSWORD }),
    startSmtpSink({ tls: 'starttls', users: { [SMTP_USER]: SMTP_PASSWORD } }),
  ]);
  work = mkdtempSync(join(tmpdir(), 'helpdesk-faults-'));
  dataDir = join(work, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  // The data folder (settings, databases) on its own small file system, to be filled up.
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0700', 'tmpfs', dataDir]);
  mounted = true;
  settings = sessionSettings({
    slapd,
    baseDn: BASE,
    sms,
    smsTimeoutMs: SMS_TIMEOUT_MS,
    smtp: { sink: smtp, user: SMTP_USER, timeoutMs: MAIL_TIMEOUT_MS },
    directory: { timeoutMs: DIRECTORY_TIMEOUT_MS, connectTimeoutMs: DIRECTORY_CONNECT_TIMEOUT_MS },
  });
  smtpSettings = smtpRelay(smtp, SMTP_USER, MAIL_TIMEOUT_MS);
  smppSettings = { provider: 'smpp', url: smsc.url, systemId: 'helpdesk', systemType: '', sourceAddr: 'STTTT', sourceTon: 5, sourceNpi: 0, caCertificate: '', timeoutMs: SMS_TIMEOUT_MS };
  harness = await startHarness({ dataDir, exportDir: work, token: TOKEN });
});

afterAll(async () => {
  const problems: unknown[] = [];
  await killHarness(harness).catch((err: unknown) => problems.push(err));
  // The tmpfs goes whatever happened above (lazily if something still holds it).
  if (mounted) {
    try {
      execFileSync('umount', [dataDir]);
    } catch {
      try {
        execFileSync('umount', ['-l', dataDir]);
      } catch (err) {
        problems.push(err);
      }
    }
  }
  if (settings) {
    for (const k of [servicePasswordKey(settings.directory!), smsSecretKey(settings.sms!)!, smsSecretKey(smppSettings)!, mailSecretKey(smtpSettings)!]) {
      await keychain.delete(k).catch(() => undefined);
    }
  }
  await Promise.all([slapd?.stop(), sms?.close(), smsc?.close(), smtp?.close()]);
  if (work) rmSync(work, { recursive: true, force: true });
  if (problems.length > 0) throw problems[0];
});

describe('fault sweep through the web harness', () => {
  it('setup: the directory and relays saved, the supervisor signed in', async () => {
    expect(await must('app', 'info', {})).toMatchObject({ mode: 'training' });
    await must('settings', 'save', { settings, servicePassword: slapd.servicePassword, smsSecret: JSON.stringify(ESMS), mailPassword: SMTP_PASSWORD });
    expect((await must('session', 'signIn', { username: SUPERVISOR, password: TRAINING_OPERATOR_PASSWORD })).operator?.roles).toContain('supervisor');
    expect(statfsSync(dataDir).type).toBe(0x01021994); // TMPFS_MAGIC: the data folder is the small file system
  });

  // First, while the database's write-ahead log is short and has never wrapped: every new row must grow
  // the files, so a full disk refuses the very next write.
  it('a full disk: clear STORAGE_FULL, the directory untouched, nothing half-written; works again once space is freed', { timeout: 60_000 }, async () => {
    const lockedUser = take(lockedPool);
    const locked = await verifiedCase(lockedUser);
    expect(await must('directory', 'getAccount', { id: locked.account.id })).toMatchObject({ state: { locked: true } });
    const lockBefore = await lockInDirectory(locked.account.id);
    expect(lockBefore).toHaveLength(1);
    const waiting = await openCase(take(smsPool)); // a code will be asked for it on the full disk
    const other = await findAccount(take(smsPool));
    const headBefore = (await must('audit', 'head', {}))!;

    const filler = join(dataDir, 'filler.bin');
    const filled = fillDisk(filler);
    expect(filled).toBeGreaterThan(1 << 20);
    expect(statfsSync(dataDir).bavail).toBe(0);

    const smsBefore = sms.requests.length;
    const bound = MARGIN_MS;
    const full = (c: string) => c === 'STORAGE_FULL';
    const pending: { name: string; code: string | null; ms: number; checks: Record<string, boolean> }[] = [];
    const attempt = async (name: string, fn: () => Promise<Result<unknown>>, extra: () => Promise<Record<string, boolean>> = async () => ({})) => {
      const { value, ms } = await timed(fn);
      const code = codeOf(value);
      pending.push({ name, code, ms, checks: { ...answerChecks(code, full, 'STORAGE_FULL', ms, bound), ...(await extra()), 'harness alive': await alive() } });
    };
    await attempt('search (its audit row cannot be written)', () => call('directory', 'search', { query: 'nguyen' }));
    await attempt('cases.open', () => call('cases', 'open', { accountId: other.id, reason: 'Phiếu SC-disk' }));
    await attempt(
      'cases.sendCode (the send slot cannot be recorded)',
      () => call('cases', 'sendCode', { caseId: waiting.id, channel: 'sms' }),
      async () => ({ 'no SMS went out': sms.requests.length === smsBefore }),
    );
    await attempt(
      'actions.unlock on a verified case (its account.write intent row cannot be written)',
      () => call('actions', 'unlock', { caseId: locked.id }),
      async () => ({ 'the directory entry is untouched (still locked)': JSON.stringify(await lockInDirectory(locked.account.id)) === JSON.stringify(lockBefore) }),
    );
    await attempt(
      'session.signIn',
      () => call('session', 'signIn', { username: SUPERVISOR, password: TRAINING_OPERATOR_PASSWORD }),
      async () => ({ 'still signed in as before': (await must('session', 'current', {})).operator?.username === SUPERVISOR }),
    );
    const headDuring = await must('audit', 'head', {});

    // Space is freed: the same calls work, without a restart or a new sign-in.
    unlinkSync(filler);
    const searched = await call('directory', 'search', { query: 'nguyen' });
    const opened = await call('cases', 'open', { accountId: other.id, reason: 'Phiếu SC-disk' });
    const smsAfter = sms.requests.length;
    const resent = await call('cases', 'sendCode', { caseId: waiting.id, channel: 'sms' });
    const unlocked = await call('actions', 'unlock', { caseId: locked.id });
    const signedIn = await call('session', 'signIn', { username: SUPERVISOR, password: TRAINING_OPERATOR_PASSWORD });
    const report = await must('audit', 'verify', {});
    const head = (await must('audit', 'head', {}))!;
    const timeline = await must('audit', 'timeline', { caseId: locked.id });
    const healed: Record<string, boolean> = {
      'no audit row was written while the disk was full': headDuring?.seq === headBefore.seq && headDuring.hash === headBefore.hash,
      'search works again': searched.ok,
      'cases.open works again': opened.ok,
      'a code goes out again': resent.ok && resent.value.status === 'code-sent' && sms.requests.length === smsAfter + 1,
      'the verified case unlocks': unlocked.ok && unlocked.value.outcome === 'done' && unlocked.value.account?.state.locked === false,
      'sign-in works again': signedIn.ok,
      // (audit.verify itself then adds its own row: the head moves on by one)
      'the audit chain verifies, no row missing': report.ok && report.problemCount === 0 && report.rows === report.head?.seq && head.seq === report.rows + 1,
      'one account.write intent row for the case (only the unlock that ran)': timeline.filter((r) => r.action === 'account.write').length === 1,
    };
    durations['storage: 5 calls on a full disk, max ms'] = Math.max(...pending.map((p) => p.ms));
    for (const p of pending) record('storage', p.name, p.code, p.ms, { ...p.checks, ...healed });
    expect(await lockInDirectory(locked.account.id)).toEqual([]);
    expectSurvived('storage', 5);
  });

  it('SMS gateway (eSMS over HTTP) faults: the RELAY_* code, no quota used, audited, works once healed', { timeout: 60_000 }, async () => {
    const esms = (name: string, expected: ErrorCode, inject: () => void | Promise<void>, heal?: () => Promise<void>): RelayFault => ({
      name,
      channel: 'sms',
      via: 'esms',
      expected,
      timeoutMs: SMS_TIMEOUT_MS,
      inject,
      ...(heal ? { heal } : {}),
    });
    const faultsOfSms: RelayFault[] = [
      { ...esms('timeout (answer after the timeout)', 'RELAY_TIMEOUT', () => sms.answerNext({ delayMs: SMS_TIMEOUT_MS + 600, json: { CodeResult: '100', SMSID: 'late' } })), uncertain: true },
      esms('HTTP 500', 'RELAY_SERVER_ERROR', () => sms.answerNext({ status: 500, raw: 'Internal Server Error' })),
      esms('HTTP 429', 'RELAY_RATE_LIMITED', () => sms.answerNext({ status: 429, json: { message: 'slow down' } })),
      esms('malformed answer', 'RELAY_BAD_RESPONSE', () => sms.answerNext({ raw: '{"CodeResult":"100",' })),
      esms('gateway error code 103 (balance)', 'RELAY_REJECTED', () => sms.answerNext({ json: { CodeResult: '103', ErrorMessage: 'Balance not enough' } })),
      esms('connection closed twice', 'RELAY_UNREACHABLE', () => sms.answerNext({ hangUp: true }, { hangUp: true })),
      esms(
        'wrong keys (gateway code 101)',
        'RELAY_AUTH',
        () => saveSettings(settings, { smsSecret: JSON.stringify({ apiKey: 'not-the-key', secretKey: 'not-the-secret' }) }),
        () => saveSettings(settings, { smsSecret: JSON.stringify(ESMS) }),
      ),
    ];
    const verified: CaseView[] = [];
    for (const f of faultsOfSms) verified.push(await relayFault('sms', take(smsPool), f));
    expectSurvived('sms', 7);

    // A relay timeout while the temporary password is delivered: the reset is done, the delivery "unknown".
    const c = verified[1]!;
    sms.answerNext({ delayMs: SMS_TIMEOUT_MS + 600, json: { CodeResult: '100', SMSID: 'late' } });
    const { value: r, ms } = await timed(() => call('actions', 'resetPassword', { caseId: c.id }));
    const row = (await must('audit', 'timeline', { caseId: c.id })).filter((x) => x.action === 'account.reset').at(-1);
    const account = await must('directory', 'getAccount', { id: c.account.id });
    const closed = await call('cases', 'close', { caseId: c.id, outcome: 'done' });
    const delivery = r.ok ? r.value.delivery : null;
    record('delivery', 'temporary password: SMS gateway timeout', delivery?.status === 'sent' ? null : (delivery?.code ?? codeOf(r)), ms, {
      [`reset done, delivery unknown (got ${JSON.stringify(r.ok ? { outcome: r.value.outcome, delivery } : r.error)})`]:
        r.ok && r.value.outcome === 'done' && delivery?.status === 'unknown' && delivery.code === 'RELAY_TIMEOUT',
      'errors.RELAY_TIMEOUT translated (vi, en)': translated('RELAY_TIMEOUT'),
      [`answers within ${SMS_TIMEOUT_MS + MARGIN_MS} ms (took ${ms})`]: ms <= SMS_TIMEOUT_MS + MARGIN_MS,
      'audited: account.reset with delivery unknown': row?.outcome === 'ok' && row.detail.delivery === 'unknown' && row.detail.deliveryCode === 'RELAY_TIMEOUT',
      'the directory has the reset (must change)': account.state.mustChangePassword,
      'the case closes': closed.ok,
      'harness alive': await alive(),
    });
    expectSurvived('delivery', 1);
  });

  it('SMTP faults: 4xx, 5xx, 421, auth, TLS, dropped, stalled — the RELAY_* code, no quota used, works once healed', { timeout: 60_000 }, async () => {
    const mail = (name: string, expected: ErrorCode, inject: () => void | Promise<void>, heal?: () => Promise<void>): RelayFault => ({
      name,
      channel: 'email',
      via: 'mail',
      expected,
      timeoutMs: MAIL_TIMEOUT_MS,
      inject,
      ...(heal ? { heal } : {}),
    });
    const sink = (...f: SinkFault[]) => () => f.forEach((x) => smtp.inject(x));
    const faultsOfMail: RelayFault[] = [
      mail('450 to RCPT TO', 'RELAY_REJECTED', sink({ at: 'rcpt', code: 450, text: 'Mailbox busy' })),
      mail('554 after DATA', 'RELAY_REJECTED', sink({ at: 'data', code: 554 })),
      mail('421 (server closing)', 'RELAY_SERVER_ERROR', sink({ at: 'rcpt', code: 421, text: 'Service shutting down' })),
      mail('connection closed at connect, twice', 'RELAY_UNREACHABLE', sink({ at: 'connect', action: 'close' }, { at: 'connect', action: 'close' })),
      mail('connection dropped after the data, before the 250', 'RELAY_UNREACHABLE', sink({ at: 'data', action: 'drop' })),
      { ...mail('server stalled (never greets)', 'RELAY_TIMEOUT', sink({ at: 'connect', action: 'stall' })), uncertain: true },
      mail(
        'authentication failure (535)',
        'RELAY_AUTH',
        () => saveSettings(settings, { mailPassword: `wrong-${randomBytes(6).toString('base64url')}` }),
        () => saveSettings(settings, { mailPassword: SMTP_PASSWORD }),
      ),
      mail(
        'TLS failure (certificate not trusted)',
        'RELAY_TLS',
        // Another CA is another transport: its password is given again (the keychain entry follows the CA).
        () => saveSettings({ ...settings, mail: { ...smtpSettings, caCertificate: '' } }, { mailPassword: SMTP_PASSWORD }),
        () => saveSettings(settings),
      ),
    ];
    for (const f of faultsOfMail) await relayFault('smtp', take(mailPool), f);
    expectSurvived('smtp', 8);
  });

  it('SMPP faults: bind refused, throttled — the RELAY_* code, no quota used, works once healed', { timeout: 60_000 }, async () => {
    const smpp = (name: string, expected: ErrorCode, inject: () => void | Promise<void>, heal?: () => Promise<void>): RelayFault => ({
      name,
      channel: 'sms',
      via: 'smpp',
      expected,
      timeoutMs: SMS_TIMEOUT_MS,
      inject,
      ...(heal ? { heal } : {}),
    });
    const onSmpp: Settings = { ...settings, sms: smppSettings };
    await relayFault(
      'smpp',
      take(smsPool),
      smpp(
        'bind refused (wrong password)',
        'RELAY_AUTH',
        () => saveSettings(onSmpp, { smsSecret: 'Sai-mk01' }),
        () => saveSettings(onSmpp, { smsSecret: SMPP_PASSWORD }),
      ),
    );
    await relayFault('smpp', take(smsPool), smpp('submit throttled (ESME_RTHROTTLED)', 'RELAY_RATE_LIMITED', () => smsc.failNextSubmit(0x58)));
    expect(smsc.binds.some((b) => !b.accepted)).toBe(true);
    await saveSettings(settings); // back to the eSMS gateway (its keys are still in the keychain)
    expectSurvived('smpp', 2);
  });

  it('the directory stops mid-session: DIRECTORY_* within the bound; back on the same port, the session and the case go on', { timeout: 60_000 }, async () => {
    const locked = await verifiedCase(take(lockedPool));
    const waiting = await openCase(take(smsPool));
    const known = await findAccount(take(smsPool));
    const dirBound = DIRECTORY_TIMEOUT_MS + MARGIN_MS;
    const isDirectory = (c: string) => c.startsWith('DIRECTORY_');

    await slapd.halt();
    expect(slapd.pid()).toBeNull();
    const outage: { name: string; code: string | null; ms: number; checks: Record<string, boolean> }[] = [];
    const attempt = async (name: string, fn: () => Promise<Result<unknown>>) => {
      const { value, ms } = await timed(fn);
      const code = codeOf(value);
      durations[`outage: ${name}`] = ms;
      outage.push({ name, code, ms, checks: { ...answerChecks(code, isDirectory, 'DIRECTORY_*', ms, dirBound), 'harness alive': await alive() } });
    };
    await attempt('search', () => call('directory', 'search', { query: 'nguyen van' }));
    await attempt('getAccount', () => call('directory', 'getAccount', { id: known.id }));
    await attempt('cases.open', () => call('cases', 'open', { accountId: known.id, reason: 'Phiếu SC-outage' }));
    await attempt('actions.unlock on a verified case', () => call('actions', 'unlock', { caseId: locked.id }));
    await attempt('cases.sendCode', () => call('cases', 'sendCode', { caseId: waiting.id, channel: 'sms' }));
    const wasDown = (await lockInDirectory(locked.account.id).catch(() => null)) === null; // nothing answers while it is down

    await slapd.start();
    // No new sign-in: the service connection comes back by itself.
    const session = await must('session', 'current', {});
    const searched = await call('directory', 'search', { query: 'nguyen van' });
    const read = await call('directory', 'getAccount', { id: known.id });
    const opened = await call('cases', 'open', { accountId: known.id, reason: 'Phiếu SC-outage' });
    const unlocked = await call('actions', 'unlock', { caseId: locked.id });
    const { sent, verified } = await sendAndVerify(waiting, 'sms', 'esms');
    const healed: Record<string, boolean> = {
      'the directory really was down': wasDown,
      'still signed in after the restart': session.operator?.username === SUPERVISOR,
      'search works without signing in again': searched.ok && searched.value.items.length > 0,
      'getAccount works': read.ok,
      'cases.open works': opened.ok,
      'the open case still finishes (unlock done)': unlocked.ok && unlocked.value.outcome === 'done' && unlocked.value.account?.state.locked === false,
      'the waiting case gets its code and verifies': sent.ok && verified,
    };
    for (const o of outage) record('directory', `stopped: ${o.name}`, o.code, o.ms, { ...o.checks, ...healed });
    expect(await lockInDirectory(locked.account.id)).toEqual([]);
    expect(faults.filter((f) => f.kind === 'directory').flatMap(failedChecks)).toEqual([]);
  });

  it('the directory hangs (SIGSTOP): DIRECTORY_TIMEOUT within the bound; killed (SIGKILL) while a call waits: a prompt error; back again', { timeout: 60_000 }, async () => {
    const known = await findAccount(take(smsPool));
    const dirBound = DIRECTORY_TIMEOUT_MS + MARGIN_MS;
    const isDirectory = (c: string) => c.startsWith('DIRECTORY_');

    await slapd.pause();
    const hung = await timed(() => call('directory', 'search', { query: 'tran thi' }));
    const hungCode = codeOf(hung.value);
    durations['hung: search'] = hung.ms;
    const hungChecks = {
      ...answerChecks(hungCode, (c) => c === 'DIRECTORY_TIMEOUT', 'DIRECTORY_TIMEOUT', hung.ms, dirBound),
      [`waited for the timeout (${DIRECTORY_TIMEOUT_MS} ms)`]: hung.ms >= DIRECTORY_TIMEOUT_MS - 100,
      'harness alive': await alive(),
    };

    // A call in flight (the server accepts the connection, never answers), then the server is killed.
    const t0 = performance.now();
    const inFlight = call('directory', 'getAccount', { id: known.id }).then((r) => ({ r, at: performance.now() }));
    await new Promise((r) => setTimeout(r, 300));
    const tKill = performance.now();
    await slapd.halt('SIGKILL');
    const { r: killed, at: tDone } = await inFlight;
    const afterKill = Math.round(tDone - tKill);
    const total = Math.round(tDone - t0);
    const killedCode = codeOf(killed);
    durations['killed: getAccount after SIGKILL'] = afterKill;
    const killChecks = {
      ...answerChecks(killedCode, isDirectory, 'DIRECTORY_*', total, dirBound),
      'the call was still waiting when the server was killed': tDone > tKill,
      [`returns promptly after the kill (${afterKill} ms, before the ${DIRECTORY_TIMEOUT_MS} ms timeout)`]: afterKill < 1000 && total < DIRECTORY_TIMEOUT_MS,
      'harness alive': await alive(),
    };

    await slapd.start();
    const searched = await call('directory', 'search', { query: 'tran thi' });
    const read = await call('directory', 'getAccount', { id: known.id });
    const healed = { 'search works again, no new sign-in': searched.ok, 'getAccount works again': read.ok };
    record('directory', 'hung (SIGSTOP): search', hungCode, hung.ms, { ...hungChecks, ...healed });
    record('directory', 'killed (SIGKILL) during getAccount', killedCode, total, { ...killChecks, ...healed });
    expectSurvived('directory', 7);
  });

  it('then the audit chain of the whole run verifies on disk, every case has its opening row, and the tally holds', { timeout: 60_000 }, async () => {
    // Changing the directory profile ends every open case (audited as closed): none may be a case whose
    // opening was never recorded (the one refused on the full disk).
    await must('settings', 'save', { settings: { ...settings, directory: { ...settings.directory!, pageSize: settings.directory!.pageSize + 1 } } });
    const report = await must('session', 'current', {});
    expect(report.operator).toBeNull();
    harness!.child.kill('SIGTERM');
    expect(await harness!.closed).toEqual({ code: 0, signal: null });

    // What scripts/audit-verify.ts does: the chain walked with the key from the keychain.
    const key = Buffer.from((await keychain.get(AUDIT_KEY_NAME))!, 'hex');
    const db = new Database(join(dataDir, 'helpdesk.sqlite'), { readonly: true, fileMustExist: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const chain = verifyAuditChain(db, key);
      expect(chain).toMatchObject({ ok: true, problemCount: 0 });
      expect(chain.rows).toBe(chain.head!.seq);
      const orphans = db
        .prepare("SELECT DISTINCT case_id FROM audit WHERE case_id IS NOT NULL AND case_id NOT IN (SELECT case_id FROM audit WHERE action = 'case.open' AND case_id IS NOT NULL)")
        .all();
      expect(orphans).toEqual([]);
      const closedByChange = db.prepare("SELECT COUNT(*) AS n FROM audit WHERE action = 'case.close' AND detail LIKE '%directory settings changed%'").get() as { n: number };
      expect(closedByChange.n).toBeGreaterThan(0);
      const relayErrors = db.prepare("SELECT COUNT(*) AS n FROM audit WHERE action = 'code.send' AND outcome = 'error'").get() as { n: number };
      expect(relayErrors.n).toBe(faults.filter((f) => f.kind === 'sms' || f.kind === 'smtp' || f.kind === 'smpp').length);
    } finally {
      db.close();
    }

    const byKind = new Map<Kind, { injected: number; survived: number }>();
    for (const f of faults) {
      const k = byKind.get(f.kind) ?? { injected: 0, survived: 0 };
      k.injected++;
      if (survived(f)) k.survived++;
      byKind.set(f.kind, k);
    }
    const injected = faults.length;
    const ok = faults.filter(survived).length;
    console.log(`[faults] injected ${injected}, survived ${ok}`);
    console.log(`[faults] by kind: ${[...byKind].map(([k, v]) => `${k} ${v.survived}/${v.injected}`).join(', ')}`);
    console.log(`[faults] answers: ${faults.map((f) => `${f.kind}/${f.name}=${f.code ?? 'ok'} ${f.ms}ms`).join('; ')}`);
    console.log(`[faults] outage durations (ms): ${JSON.stringify(durations)}`);
    expect(faults.flatMap(failedChecks)).toEqual([]);
    expect(injected).toBe(EXPECTED_FAULTS);
    expect(ok).toBe(injected);
  });
});
