import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cryptoRandom, HmacCodeHasher, newOtpKey } from '../../src-main/adapters/crypto/otp-crypto';
import { newAuditKey } from '../../src-main/adapters/store/audit-chain';
import { PgAuditLog } from '../../src-main/adapters/team/audit-log';
import { migrateTeamStore, TEAM_SCHEMA_VERSION } from '../../src-main/adapters/team/migrations';
import { PgOtpStore } from '../../src-main/adapters/team/otp-store';
import { poolConfig, TEAM_TIMEOUTS, TeamClock, TeamPool, type TeamStoreProfile } from '../../src-main/adapters/team/pool';
import { errorCodeOf } from '../../src-main/domain/errors';
import { OtpService, vnDayKey } from '../../src-main/domain/otp';
import { MAX_IDENTITY_MISMATCHES } from '../../src-main/domain/override';
import { startPostgres, type PostgresHandle } from '../helpers/postgres';

// Issue #13: the rules of the seeds held for the whole hotline on one PostgreSQL (Debian's, started here:
// initdb as an unprivileged user, TLS from a throwaway CA, SCRAM), with workstations as separate processes.

let db: PostgresHandle;
const auditKey = newAuditKey();
const otpKey = newOtpKey();
const pools: TeamPool[] = [];

/** The app's URL (no password: it comes from the keychain) and this workstation's profile. */
const profile = (workstation: string, over: Partial<TeamStoreProfile> = {}): TeamStoreProfile => ({
  url: db.url({ user: db.app.user, password: '' }).replace(':@', '@'),
  caCertificate: db.caPem,
  workstation,
  ...over,
});

async function workstation(name: string, password = db.app.password, over: Partial<TeamStoreProfile> = {}): Promise<TeamPool> {
  const p = new TeamPool(profile(name, over), password);
  pools.push(p);
  return p;
}

async function asOwner<T>(fn: (c: pg.Client) => Promise<T>, database = db.database): Promise<T> {
  const c = new pg.Client({ ...poolConfig({ url: db.url(db.owner, database).replace(`:${encodeURIComponent(db.owner.password)}@`, '@'), caCertificate: db.caPem, workstation: 'admin' }, db.owner.password) });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const codeOf = async (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: unknown) => errorCodeOf(e));

/** Runs `n` workstation processes with one command; resolves to their stdout lines. */
function racers(n: number, command: string[], extraEnv: (i: number) => Record<string, string> = () => ({})): Promise<string[][]> {
  const goAt = Date.now() + 4_000;
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      new Promise<string[]>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'helpers', 'team-workstation.ts'), ...command], {
          env: {
            ...process.env,
            TEAM_URL: profile('x').url,
            TEAM_CA: db.caPem,
            TEAM_PASSWORD: db.app.password,
            TEAM_WORKSTATION: `ws-${String(i + 1).padStart(2, '0')}`,
            TEAM_AUDIT_KEY: auditKey.toString('hex'),
            TEAM_OTP_KEY: otpKey.toString('hex'),
            TEAM_GO_AT: String(goAt),
            ...extraEnv(i),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.stderr.on('data', (c: Buffer) => (err += c.toString()));
        child.once('exit', (code) => (code === 0 ? resolve(out.trim().split('\n')) : reject(new Error(`workstation ${i + 1} exited ${code}: ${err}`))));
      }),
    ),
  );
}

beforeAll(async () => {
  db = await startPostgres();
  await asOwner((c) => migrateTeamStore(c, db.app.user));
}, 60_000);

afterAll(async () => {
  for (const p of pools) await p.close();
  await db?.stop();
});

describe('the team store: schema, grants, connection', () => {
  it('a workstation checks the schema; migrating again changes nothing', async () => {
    const ws = await workstation('ws-a');
    await ws.open();
    expect(await asOwner((c) => migrateTeamStore(c, db.app.user))).toBe(TEAM_SCHEMA_VERSION);
    const meta = await db.admin<{ value: string }>("SELECT value FROM helpdesk_meta WHERE key = 'schema_version'");
    expect(meta.rows[0]!.value).toBe(String(TEAM_SCHEMA_VERSION));
  });

  it('the app role may append to the audit, never change or delete it; even the owner cannot', async () => {
    const ws = await workstation('ws-a');
    const log = new PgAuditLog(ws, { now: () => new Date() }, auditKey);
    await log.append({ operator: 'tongdai01', action: 'session.signIn', outcome: 'ok' });
    const asApp = (sql: string) => ws.read((c) => c.query(sql));
    expect(await codeOf(asApp("UPDATE audit SET operator = 'x'"))).toBe('TEAM_STORE_SCHEMA'); // 42501 permission denied
    expect(await codeOf(asApp('DELETE FROM audit'))).toBe('TEAM_STORE_SCHEMA');
    expect(await codeOf(asApp('CREATE TABLE mine (x int)'))).toBe('TEAM_STORE_SCHEMA');
    await expect(asOwner((c) => c.query("UPDATE audit SET operator = 'x'"))).rejects.toThrow(/append-only/u);
    await expect(asOwner((c) => c.query('TRUNCATE audit'))).rejects.toThrow(/append-only/u);
  });

  it('bad connections are refused with a translated code, in bounded time: wrong CA, wrong password, no TLS off loopback, a foreign or newer database', async () => {
    const other = await startPostgres(); // another CA
    try {
      const wrongCa = await workstation('ws-x', db.app.password, { caCertificate: other.caPem });
      expect(await codeOf(wrongCa.open())).toBe('TEAM_STORE_TLS');
    } finally {
      await other.stop();
    }
    expect(await codeOf((await workstation('ws-x', 'not-the-password')).open())).toBe('TEAM_STORE_AUTH');
    expect(() => poolConfig({ url: 'postgres://helpdesk_app@10.0.0.5:5432/helpdesk?sslmode=disable', caCertificate: '', workstation: 'x' }, 'pw')).toThrow(
      expect.objectContaining({ code: 'INSECURE_CONNECTION' }),
    );
    expect(() => poolConfig({ url: 'postgres://helpdesk_app:pw@127.0.0.1/helpdesk', caCertificate: '', workstation: 'x' }, 'pw')).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
    // Another app's database: refused by the workstation, and the migration touches nothing in it.
    await db.createDatabase('payroll');
    await asOwner((c) => c.query('CREATE TABLE employees (id int)'), 'payroll');
    await db.admin('GRANT SELECT ON employees TO helpdesk_app', [], 'payroll');
    const foreign = await workstation('ws-x', db.app.password, { url: profile('x').url.replace('/helpdesk?', '/payroll?') });
    expect(await codeOf(foreign.open())).toBe('TEAM_STORE_SCHEMA');
    expect(await codeOf(asOwner((c) => migrateTeamStore(c, db.app.user), 'payroll'))).toBe('TEAM_STORE_SCHEMA');
    expect((await db.admin("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'", [], 'payroll')).rows[0]).toEqual({ n: 1 });
    // A schema newer than this app: refused, with the version.
    await db.createDatabase('future');
    await asOwner((c) => migrateTeamStore(c, db.app.user), 'future');
    await db.admin("UPDATE helpdesk_meta SET value = '99' WHERE key = 'schema_version'", [], 'future');
    const future = await workstation('ws-x', db.app.password, { url: profile('x').url.replace('/helpdesk?', '/future?') });
    const e = await future.open().catch((err: unknown) => err);
    expect(e).toMatchObject({ code: 'TEAM_STORE_SCHEMA', reason: 'newer', detail: '99' });
  }, 60_000);
});

describe('counters exact across the team', () => {
  it('20 workstation processes racing sends to one account, in three waves 5 minutes apart: exactly 2 codes that VN day', async () => {
    const account = `id:race-${Date.now()}`;
    // Three waves span ten minutes of the VN day: near its midnight they all start 20 minutes later.
    const toMidnight = 86_400_000 - ((Date.now() + 7 * 3_600_000) % 86_400_000);
    const base = toMidnight < 15 * 60_000 ? 20 * 60_000 : 0;
    const results = (await racers(20, ['send', account, 'case'], () => ({ TEAM_SHIFT_MS: String(base) }))).map((lines) => JSON.parse(lines[0]!) as { ok: boolean; code?: string });
    const sent = results.filter((r) => r.ok);
    const refused = results.filter((r) => !r.ok).map((r) => r.code);
    console.log(`[team] 20 workstations raced one account: ${sent.length} sent, refused ${JSON.stringify(refused.reduce<Record<string, number>>((m, c) => ({ ...m, [c!]: (m[c!] ?? 0) + 1 }), {}))}`);
    // The first send of the day goes; the second waits 5 minutes (spacing): of 20 racing at once, exactly one.
    expect(sent).toHaveLength(1);
    expect(refused.every((c) => c === 'OTP_TOO_SOON')).toBe(true);
    const rows = await db.admin<{ n: number }>("SELECT count(*)::int AS n FROM otp_sends WHERE account_key = $1 AND state <> 'released'", [account]);
    expect(rows.rows[0]!.n).toBe(1);

    // Five minutes later (the database's clock moved on, as every workstation reads it) 20 race again:
    // exactly one more; five more minutes: none — the day's two are used, whoever sent them.
    const wave = async (shiftMs: number) =>
      (await racers(20, ['send', account, `case-${shiftMs}`], () => ({ TEAM_SHIFT_MS: String(shiftMs) }))).map((lines) => JSON.parse(lines[0]!) as { ok: boolean; code?: string });
    const second = await wave(base + 5 * 60_000 + 1_000);
    expect(second.filter((r) => r.ok)).toHaveLength(1);
    const third = await wave(base + 10 * 60_000 + 2_000);
    expect(third.filter((r) => r.ok)).toHaveLength(0);
    expect(new Set(third.map((r) => r.code))).toEqual(new Set(['OTP_DAILY_LIMIT']));
    const day = await db.admin<{ n: number }>("SELECT count(*)::int AS n FROM otp_sends WHERE account_key = $1 AND state = 'sent'", [account]);
    console.log(`[team] three waves of 20 workstations on one account, 5 minutes apart: ${day.rows[0]!.n} codes sent that VN day`);
    expect(day.rows[0]!.n).toBe(2);
  }, 120_000);

  it('the daily cap counts every workstation: after two sends (5 minutes apart, on two workstations) the third is refused on a third', async () => {
    let now = new Date('2026-12-07T01:00:00Z');
    const clock = { now: () => now };
    const service = async (name: string) => new OtpService(new PgOtpStore(await workstation(name)), clock, cryptoRandom, new HmacCodeHasher(otpKey));
    const [a, b, c] = [await service('ws-a'), await service('ws-b'), await service('ws-c')];
    const account = `id:cap-${Date.now()}`;
    await a.commit(await a.reserve(account, 'sms'), 'case-a', account, 'sms', a.generate());
    now = new Date(now.getTime() + 5 * 60_000);
    await b.commit(await b.reserve(account, 'sms'), 'case-b', account, 'sms', b.generate());
    now = new Date(now.getTime() + 5 * 60_000);
    expect(await codeOf(c.reserve(account, 'sms'))).toBe('OTP_DAILY_LIMIT');
    expect((await c.resendInfo(account)).remainingToday).toBe(0);
    // The next VN day (midnight +07:00) the account may receive codes again.
    now = new Date('2026-12-07T17:00:01Z');
    expect(vnDayKey(now)).toBe('2026-12-08');
    expect(await codeOf(c.reserve(account, 'sms'))).toBe('ok');
  });

  it('the spacing is per channel across workstations: an e-mail from B right after an SMS from A; the third send, by either, refused', async () => {
    let now = new Date('2026-12-07T02:00:00Z');
    const clock = { now: () => now };
    const service = async (name: string) => new OtpService(new PgOtpStore(await workstation(name)), clock, cryptoRandom, new HmacCodeHasher(otpKey));
    const [a, b] = [await service('ws-a'), await service('ws-b')];
    const account = `id:channels-${Date.now()}`;
    await a.commit(await a.reserve(account, 'sms'), 'case-ch', account, 'sms', a.generate());
    now = new Date(now.getTime() + 60_000);
    expect(await codeOf(b.reserve(account, 'sms'))).toBe('OTP_TOO_SOON');
    expect((await b.resendInfo(account)).availableAt).toEqual({ sms: new Date('2026-12-07T02:05:00Z'), email: null });
    await b.commit(await b.reserve(account, 'email'), 'case-ch', account, 'email', b.generate());
    now = new Date(now.getTime() + 10 * 60_000);
    expect(await codeOf(a.reserve(account, 'sms'))).toBe('OTP_DAILY_LIMIT');
    expect(await codeOf(a.reserve(account, 'email'))).toBe('OTP_DAILY_LIMIT');
  });

  it('a code sent from A is verified on B; wrong codes count across workstations and the 6th attempt finds the code void', async () => {
    const clock = { now: () => new Date() };
    const a = new OtpService(new PgOtpStore(await workstation('ws-a')), clock, cryptoRandom, new HmacCodeHasher(otpKey));
    const b = new OtpService(new PgOtpStore(await workstation('ws-b')), clock, cryptoRandom, new HmacCodeHasher(otpKey));
    const account = `id:wrong-${Date.now()}`;
    const code = a.generate();
    await a.commit(await a.reserve(account, 'sms'), 'case-w', account, 'sms', code);
    const wrong = code === '000000' ? '111111' : '000000';
    const left: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await (i % 2 ? a : b).verify('case-w', wrong);
      left.push(r.verified ? -1 : r.attemptsLeft);
    }
    expect(left).toEqual([4, 3, 2, 1, 0]);
    expect(await codeOf(b.verify('case-w', code))).toBe('OTP_VOID');
    // …and the account's tries are used up today on every workstation: no new code from a third.
    const c = new OtpService(new PgOtpStore(await workstation('ws-c')), clock, cryptoRandom, new HmacCodeHasher(otpKey));
    expect(await codeOf(c.reserve(account, 'sms'))).toBe('OTP_ATTEMPTS_EXHAUSTED');

    // The right code on the other workstation: verified once, and only once.
    const account2 = `id:handoff-${Date.now()}`;
    const code2 = a.generate();
    await a.commit(await a.reserve(account2, 'sms'), 'case-h', account2, 'sms', code2);
    const both = await Promise.all([codeOf(b.verify('case-h', code2)), codeOf(a.verify('case-h', code2))]);
    expect(both.sort()).toEqual(['OTP_USED', 'ok']);
  });

  it(`wrong CCCD numbers count across supervisors: the ${MAX_IDENTITY_MISMATCHES + 1}th is refused`, async () => {
    const clock = { now: () => new Date() };
    const s1 = new OtpService(new PgOtpStore(await workstation('ws-s1')), clock, cryptoRandom, new HmacCodeHasher(otpKey));
    const s2 = new OtpService(new PgOtpStore(await workstation('ws-s2')), clock, cryptoRandom, new HmacCodeHasher(otpKey));
    const account = `id:cccd-${Date.now()}`;
    const totals = await Promise.all(Array.from({ length: MAX_IDENTITY_MISMATCHES }, (_, i) => (i % 2 ? s1 : s2).recordIdentityMismatch(account)));
    expect(totals.sort()).toEqual(Array.from({ length: MAX_IDENTITY_MISMATCHES }, (_, i) => i + 1));
    expect(await s1.identityMismatches(account)).toBe(MAX_IDENTITY_MISMATCHES);
    expect(await s2.identityMismatches(account)).toBe(MAX_IDENTITY_MISMATCHES);
  });
});

describe('one audit chain for the team', () => {
  it('20 workstation processes appending at once: one chain, every row there, each naming its workstation; a tampered row is reported', async () => {
    const ws = await workstation('ws-audit');
    const log = new PgAuditLog(ws, { now: () => new Date() }, auditKey);
    const before = (await log.head())?.seq ?? 0;
    const out = await racers(20, ['append', '25']);
    expect(out.every((lines) => lines.filter((l) => l.startsWith('ack')).length === 25)).toBe(true);
    const report = await log.verify();
    expect(report).toMatchObject({ ok: true, problemCount: 0 });
    expect(report.head!.seq).toBe(before + 500);
    const perStation = await db.admin<{ workstation: string; n: number }>('SELECT workstation, count(*)::int AS n FROM audit WHERE seq > $1 GROUP BY workstation ORDER BY workstation', [before]);
    expect(perStation.rows).toHaveLength(20);
    expect(perStation.rows.every((r) => r.n === 25)).toBe(true);
    const sample = (await log.recent(1))[0]!;
    expect(sample.detail.workstation).toMatch(/^ws-\d\d$/u);

    // The superuser (or anyone past the trigger) changes one row: the chain says which.
    const original = (await db.admin<{ operator: string }>('SELECT operator FROM audit WHERE seq = $1', [before + 250])).rows[0]!.operator;
    await db.admin('ALTER TABLE audit DISABLE TRIGGER audit_no_change');
    await db.admin("UPDATE audit SET operator = 'someone-else' WHERE seq = $1", [before + 250]);
    await db.admin('ALTER TABLE audit ENABLE TRIGGER audit_no_change');
    const tampered = await log.verify();
    expect(tampered.ok).toBe(false);
    expect(tampered.problems).toEqual([{ seq: before + 250, problem: 'hash' }]);
    // Put back as it was, the chain verifies again (the next tests start from a whole chain).
    await db.admin('ALTER TABLE audit DISABLE TRIGGER audit_no_change');
    await db.admin('UPDATE audit SET operator = $2 WHERE seq = $1', [before + 250, original]);
    await db.admin('ALTER TABLE audit ENABLE TRIGGER audit_no_change');
  }, 90_000);

  it('a workstation killed mid-append loses no acknowledged row', async () => {
    const ws = await workstation('ws-audit');
    const log = new PgAuditLog(ws, { now: () => new Date() }, auditKey);
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'helpers', 'team-workstation.ts'), 'append', '100000'], {
      env: { ...process.env, TEAM_URL: profile('x').url, TEAM_CA: db.caPem, TEAM_PASSWORD: db.app.password, TEAM_WORKSTATION: 'ws-killed', TEAM_AUDIT_KEY: auditKey.toString('hex'), TEAM_OTP_KEY: otpKey.toString('hex') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let acked = 0;
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (c: Buffer) => {
        for (const line of c.toString().split('\n')) if (line.startsWith('ack ')) acked = Number(line.slice(4));
        if (acked >= 150) resolve();
      });
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const kept = await db.admin<{ n: number }>("SELECT count(*)::int AS n FROM audit WHERE workstation = 'ws-killed'");
    console.log(`[team] writer killed after ${acked} acknowledged appends: ${kept.rows[0]!.n} rows kept`);
    expect(kept.rows[0]!.n).toBeGreaterThanOrEqual(acked);
    expect(await log.verify()).toMatchObject({ ok: true });
  }, 60_000);
});

describe('faults: fail closed, in bounded time, and back by itself', () => {
  it('stopped, hung, killed, restarted: a translated error within the bounds, no row without its answer, then appends again', async () => {
    const ws = await workstation('ws-fault');
    const log = new PgAuditLog(ws, { now: () => new Date() }, auditKey);
    const append = (n: number) => log.append({ operator: 'tongdai01', action: 'directory.search', outcome: 'ok', detail: { n } });
    await append(0);
    const timed = async (label: string): Promise<{ code: string; ms: number }> => {
      const t0 = performance.now();
      const code = await codeOf(append(1));
      const ms = performance.now() - t0;
      console.log(`[team fault] ${label.padEnd(34)} → ${code} in ${ms.toFixed(0)} ms`);
      return { code, ms };
    };
    const bound = TEAM_TIMEOUTS.connectMs + TEAM_TIMEOUTS.queryMs + 2_000;

    await db.halt();
    const stopped = await timed('PostgreSQL stopped');
    expect(stopped.code).toBe('TEAM_STORE_UNAVAILABLE');
    expect(stopped.ms).toBeLessThan(bound);
    await db.start();
    expect(await timed('restarted')).toMatchObject({ code: 'ok' });

    await db.hang();
    const hung = await timed('PostgreSQL hung (SIGSTOP)');
    db.resume();
    expect(hung.code).toBe('TEAM_STORE_UNAVAILABLE');
    expect(hung.ms).toBeLessThan(bound);
    expect(await timed('resumed')).toMatchObject({ code: 'ok' });

    await db.halt('SIGKILL');
    const killed = await timed('PostgreSQL killed (SIGKILL)');
    expect(killed.code).toBe('TEAM_STORE_UNAVAILABLE');
    await db.start();
    expect(await timed('restarted after the crash')).toMatchObject({ code: 'ok' });
    expect(await log.verify()).toMatchObject({ ok: true });
  }, 120_000);

  it("the database's clock decides: a workstation whose clock is an hour off still counts the team's VN day and spacing", async () => {
    const skewed = { now: () => new Date(Date.now() + 3_600_000) };
    const ws = await workstation('ws-skewed');
    const clock = new TeamClock(ws, skewed);
    await clock.sync();
    expect(Math.abs(clock.offset + 3_600_000)).toBeLessThan(1_000);
    expect(Math.abs(clock.now().getTime() - Date.now())).toBeLessThan(1_000);
  });
});
