import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeytarSecretStore, MemorySecretStore } from '../../src-main/adapters/secrets/keytar-secret-store';
import { migrateTeamStore } from '../../src-main/adapters/team/migrations';
import { poolConfig } from '../../src-main/adapters/team/pool';
import { parseKeys, teamKeyCheck } from '../../src-main/adapters/team/team-keys';
import { createRuntime, type Runtime } from '../../src-main/app/runtime';
import { teamKeysKey, teamPasswordKey } from '../../src-main/app/secret-keys';
import type { AccountSummary } from '../../src-main/common/dto';
import type { Settings, TeamSettings } from '../../src-main/common/settings';
import { HelpdeskError } from '../../src-main/domain/errors';
import type { SecretStore } from '../../src-main/domain/ports';
import { generateDirectoryLdif, TRAINING_OPERATOR_PASSWORD } from '../../scripts/training-data';
import pg from 'pg';
import { startPostgres, type PostgresHandle } from '../helpers/postgres';
import { sessionSettings } from '../helpers/session-settings';
import { type SlapdHandle, startSlapd } from '../helpers/slapd';
import { type HttpSmsSink, startHttpSmsSink } from '../helpers/sms-sinks';

// Issue #13 through the app itself: two workstations (runtimes with their own data folders and keychains)
// over one slapd, one SMS gateway and one PostgreSQL team store. The first founds the team, the second
// joins with a one-time secret; then the counters, the code and the audit are the team's.
const BASE = 'dc=daotao,dc=gov,dc=vn';
const ESMS = { apiKey: 'k-team-123456', secretKey: 's-team-123456' };
let slapd: SlapdHandle;
let sms: HttpSmsSink;
let db: PostgresHandle;
let settings: Settings;
let team: (workstation: string) => TeamSettings;
const dirs: string[] = [];

interface Workstation {
  runtime: Runtime;
  secrets: SecretStore;
}
let a: Workstation;
let b: Workstation;

async function workstation(secrets: SecretStore = new MemorySecretStore()): Promise<Workstation> {
  const dataDir = mkdtempSync(join(tmpdir(), 'helpdesk-team-'));
  dirs.push(dataDir);
  const runtime = await createRuntime({ dataDir, resourcesDir: join(process.cwd(), 'resources'), secrets, version: 'test' });
  expect((await runtime.api.settings.save({ settings, servicePassword: slapd.servicePassword, smsSecret: JSON.stringify(ESMS) })).ok).toBe(true);
  return { runtime, secrets };
}

const signIn = async (w: Workstation, username: string) =>
  expect((await w.runtime.api.session.signIn({ username, password: TRAINING_OPERATOR_PASSWORD })).ok).toBe(true);

async function accountId(w: Workstation, username: string): Promise<string> {
  const found = await w.runtime.api.directory.search({ query: username, kind: 'username' });
  if (!found.ok) throw new Error(found.error.code);
  return (found.value.items[0] as AccountSummary).id;
}

async function migrate(database?: string): Promise<void> {
  const owner = new pg.Client(poolConfig({ url: db.url(db.owner, database).replace(/:[^:@]*@/u, '@'), caCertificate: db.caPem, workstation: 'admin' }, db.owner.password));
  await owner.connect();
  await migrateTeamStore(owner, db.app.user);
  await owner.end();
}

beforeAll(async () => {
  [slapd, sms, db] = await Promise.all([
    startSlapd({ baseDn: BASE, ldif: generateDirectoryLdif({ baseDn: BASE, count: 10 }) }),
    startHttpSmsSink({ esms: ESMS }),
    startPostgres(),
  ]);
  await migrate();
  settings = sessionSettings({ slapd, baseDn: BASE, sms, smsTimeoutMs: 3000 });
  team = (workstation) => ({ url: `postgres://${db.app.user}@127.0.0.1:${db.port}/${db.database}`, caCertificate: db.caPem, workstation });
  [a, b] = [await workstation(), await workstation()];
}, 90_000);

afterAll(async () => {
  for (const w of [a, b]) await w?.runtime.close();
  await Promise.all([slapd?.stop(), sms?.close(), db?.stop()]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('joining the team', () => {
  it('bad input is refused, translated, and nothing is kept: no TLS off loopback, a wrong CA, a wrong password, a join secret where no team exists', async () => {
    await signIn(a, 'giamsat01');
    const keptSettings = readFileSync(a.runtime.settingsPath, 'utf8');
    const localHead = await a.runtime.api.audit.head({});
    const tries = [
      { team: { ...team('Máy A'), url: `postgres://${db.app.user}@10.0.0.5:5432/helpdesk?sslmode=disable` }, password: db.app.password },
      { team: { ...team('Máy A'), caCertificate: '' }, password: db.app.password },
      { team: team('Máy A'), password: 'not-the-password' },
      { team: team('Máy A'), password: db.app.password, joinSecret: 'HD-ABCDEF-ABCDE-ABCDE-ABCDE-ABCDE' },
    ];
    const codes = [];
    for (const t of tries) {
      const r = await a.runtime.api.team.join(t);
      codes.push(r.ok ? 'ok' : `${r.error.code}${r.error.reason ? ` ${r.error.reason}` : ''}`);
    }
    expect(codes).toEqual(['INSECURE_CONNECTION insecure_transport', 'TEAM_STORE_TLS', 'TEAM_STORE_AUTH', 'TEAM_JOIN_REFUSED unknown']);
    expect(readFileSync(a.runtime.settingsPath, 'utf8')).toBe(keptSettings);
    expect(await a.secrets.get(teamPasswordKey(team('Máy A')))).toBeNull();
    expect(await a.secrets.get(teamKeysKey(team('Máy A')))).toBeNull();
    expect((await db.admin<{ n: number }>('SELECT count(*)::int AS n FROM audit')).rows[0]!.n).toBe(0);
    // The local SQLite is untouched: its chain ends where it ended.
    expect(localHead.ok && localHead.value).not.toBeNull();
    expect(await a.runtime.api.audit.head({})).toEqual(localHead);
  });

  it('the first workstation founds the team; the session ends; back in, the audit and the status are the team store', async () => {
    const r = await a.runtime.api.team.join({ team: team('Máy A'), password: db.app.password });
    expect(r).toMatchObject({ ok: true, value: { enabled: true, state: 'connected', workstation: 'Máy A' } });
    expect(await a.runtime.api.session.current({})).toMatchObject({ ok: true, value: { operator: null } });
    await signIn(a, 'giamsat01');
    const rows = await db.admin<{ action: string; workstation: string }>('SELECT action, workstation FROM audit ORDER BY seq');
    expect(rows.rows.at(-1)).toEqual({ action: 'session.signIn', workstation: 'Máy A' });
    // A's own audit came along once, as a segment: every local row, its join row included, re-chained.
    const segments = await db.admin<{ workstation: string; rows: number; local_verified: boolean }>('SELECT workstation, rows, local_verified FROM audit_segments');
    expect(segments.rows).toHaveLength(1);
    expect(segments.rows[0]).toMatchObject({ workstation: 'Máy A', local_verified: true });
    const imported = await db.admin<{ action: string; outcome: string }>('SELECT action, outcome FROM audit_imported ORDER BY seq');
    expect(imported.rows.length).toBe(segments.rows[0]!.rows);
    expect(imported.rows.at(-1)).toEqual({ action: 'team.join', outcome: 'ok' });
    expect(rows.rows.map((r) => r.action)).toContain('audit.import');
  });

  it('a second workstation joins with a one-time secret: a wrong one counts, the right one works once', async () => {
    const made = await a.runtime.api.team.createJoinSecret({});
    if (!made.ok) throw new Error(made.error.code);
    expect(made.value.secret).toMatch(/^HD-[A-Z2-9]{6}(-[A-Z2-9]{5}){4}$/u);
    await signIn(b, 'giamsat01');
    const wrong = made.value.secret.slice(0, -1) + (made.value.secret.endsWith('A') ? 'B' : 'A');
    expect(await b.runtime.api.team.join({ team: team('Máy B'), password: db.app.password, joinSecret: wrong })).toMatchObject({ ok: false, error: { code: 'TEAM_JOIN_REFUSED', reason: 'wrong' } });
    expect(await b.runtime.api.team.join({ team: team('Máy B'), password: db.app.password })).toMatchObject({ ok: false, error: { code: 'TEAM_JOIN_REFUSED', reason: 'founded' } });
    expect(await b.runtime.api.team.join({ team: team('Máy B'), password: db.app.password, joinSecret: made.value.secret })).toMatchObject({ ok: true, value: { state: 'connected' } });
    await signIn(b, 'giamsat01');
    // The secret is spent: its sealed keys are gone from the store, and it cannot join a third.
    const join = await db.admin<{ sealed: Buffer | null; used_on: string }>('SELECT sealed, used_on FROM team_joins');
    expect(join.rows).toEqual([{ sealed: null, used_on: 'Máy B' }]);
    const c = await workstation();
    await signIn(c, 'giamsat01');
    expect(await c.runtime.api.team.join({ team: team('Máy C'), password: db.app.password, joinSecret: made.value.secret })).toMatchObject({ ok: false, error: { code: 'TEAM_JOIN_REFUSED', reason: 'used' } });
    await c.runtime.close();
  }, 60_000);
});

describe('the rules hold for the team', () => {
  it('a code sent from A counts on B: the spacing refuses B; the SMS gateway received one code; B sees A\'s rows; the chain verifies on both', async () => {
    sms.reset();
    await signIn(a, 'tongdai01');
    await signIn(b, 'tongdai02');
    const onA = await a.runtime.api.cases.open({ accountId: await accountId(a, 'annv'), reason: 'Phiếu HT-1' });
    if (!onA.ok) throw new Error('case not opened');
    expect(await a.runtime.api.cases.sendCode({ caseId: onA.value.id, channel: 'sms' })).toMatchObject({ ok: true, value: { status: 'code-sent' } });
    // Presence: A's operator holds the account; B takes it over, confirmed (A's case ends, the counters stay).
    expect(await b.runtime.api.cases.open({ accountId: await accountId(b, 'annv'), reason: 'Phiếu HT-2' })).toMatchObject({ ok: false, error: { code: 'CASE_HELD' } });
    const onB = await b.runtime.api.cases.open({ accountId: await accountId(b, 'annv'), reason: 'Phiếu HT-2', takeOver: true });
    if (!onB.ok) throw new Error('case not opened');
    const second = await b.runtime.api.cases.sendCode({ caseId: onB.value.id, channel: 'sms' });
    expect(second).toMatchObject({ ok: false, error: { code: 'OTP_TOO_SOON' } });
    expect(sms.requests.length).toBe(1);
    // B's view of the case shows the team's numbers: one send used today.
    const viewB = await b.runtime.api.cases.get({ caseId: onB.value.id });
    expect(viewB.ok && viewB.value.resend.remainingToday).toBe(onA.value.policy.maxPerDay - 1);

    await signIn(b, 'giamsat01');
    const rows = await b.runtime.api.audit.query({ filter: { action: 'code.send' } });
    expect(rows.ok && rows.value.rows.map((r) => [r.operator, r.outcome, r.detail.workstation])).toEqual([
      ['tongdai02', 'refused', 'Máy B'],
      ['tongdai01', 'ok', 'Máy A'],
    ]);
    const verified = await b.runtime.api.audit.verify({});
    expect(verified).toMatchObject({ ok: true, value: { ok: true, problemCount: 0 } });
    expect(verified.ok && verified.value.segments?.map((s) => [s.workstation, s.localVerified])).toEqual([
      ['Máy A', true],
      ['Máy B', true],
    ]);
    await signIn(a, 'giamsat01');
    expect(await a.runtime.api.audit.verify({})).toMatchObject({ ok: true, value: { ok: true } });
    expect(await a.runtime.api.team.status({})).toMatchObject({ ok: true, value: { state: 'connected', workstation: 'Máy A' } });
  }, 60_000);

  it("the search index is the team's: A builds it once; B's name search is answered from it, B keeps no index file; the store holds no mobile", async () => {
    await signIn(a, 'tongdai01');
    await signIn(b, 'tongdai02');
    const built = await a.runtime.api.directory.refreshIndex({});
    if (!built.ok || !built.value) throw new Error('index not built');
    expect(built.value.accounts).toBeGreaterThanOrEqual(10);
    const found = await b.runtime.api.directory.search({ query: 'nguyen', kind: 'name' });
    if (!found.ok) throw new Error(found.error.code);
    expect(found.value.index).toMatchObject({ used: true, builtAt: built.value.builtAt, accounts: built.value.accounts });
    expect(found.value.total).toBeGreaterThan(0);
    // B built nothing of its own: its data folder holds only its replica of the team's index.
    expect(readdirSync(b.runtime.dataDir).filter((f) => f.startsWith('search-index-') && f.endsWith('.sqlite'))).toEqual([expect.stringMatching(/^search-index-team-[0-9a-f]{16}\.sqlite$/u)]);
    // B asks for a refresh: a delta on the same index (not a build of its own).
    const again = await b.runtime.api.directory.refreshIndex({});
    expect(again.ok && again.value).toMatchObject({ builtAt: built.value.builtAt });
    const annv = await b.runtime.api.directory.search({ query: 'annv', kind: 'username' });
    if (!annv.ok) throw new Error(annv.error.code);
    expect(annv.value.index?.used).toBe(true);
    const held = await db.admin<{ j: string }>("SELECT string_agg(row_to_json(a)::text, ' ') AS j FROM search_accounts a");
    // The training people's mobiles (national form, as the index would normalise them): only keyed hashes are kept.
    for (const mobile of ['0912345698', '0987654321', '0903111222']) expect(held.rows[0]!.j.includes(mobile), mobile).toBe(false);
    expect(held.rows[0]!.j).toContain('phone:');
  }, 60_000);

  it('the team store stopped: a send is refused, translated, and no code goes out; back, it works again', async () => {
    await signIn(a, 'tongdai01');
    const opened = await a.runtime.api.cases.open({ accountId: await accountId(a, 'dungpq'), reason: 'Phiếu HT-3' });
    if (!opened.ok) throw new Error(opened.error.code);
    sms.reset();
    await db.halt();
    try {
      const r = await a.runtime.api.cases.sendCode({ caseId: opened.value.id, channel: 'sms' });
      expect(r).toMatchObject({ ok: false, error: { code: 'TEAM_STORE_UNAVAILABLE' } });
      expect(sms.requests.length).toBe(0);
      expect(await a.runtime.api.team.status({})).toMatchObject({ ok: true, value: { state: 'unavailable', error: { code: 'TEAM_STORE_UNAVAILABLE' } } });
    } finally {
      await db.start();
    }
    expect(await a.runtime.api.cases.sendCode({ caseId: opened.value.id, channel: 'sms' })).toMatchObject({ ok: true });
    expect(sms.requests.length).toBe(1);
  }, 60_000);

  it("a row of a workstation's brought-along audit changed on the server: the team's verification names the segment", async () => {
    await signIn(b, 'giamsat01');
    const seg = (await db.admin<{ id: string }>("SELECT id FROM audit_segments WHERE workstation = 'Máy B'")).rows[0]!.id;
    const row = (await db.admin<{ seq: string; operator: string | null }>('SELECT seq, operator FROM audit_imported WHERE segment_id = $1 ORDER BY seq LIMIT 1', [seg])).rows[0]!;
    await db.admin('ALTER TABLE audit_imported DISABLE TRIGGER audit_imported_no_change');
    await db.admin("UPDATE audit_imported SET operator = 'someone-else' WHERE segment_id = $1 AND seq = $2", [seg, row.seq]);
    await db.admin('ALTER TABLE audit_imported ENABLE TRIGGER audit_imported_no_change');
    const r = await b.runtime.api.audit.verify({});
    expect(r).toMatchObject({ ok: true, value: { ok: false, problems: [{ seq: Number(row.seq), problem: 'hash', segment: Number(seg) }] } });
  });
});

/**
 * The OS keychain (gnome-keyring under dbus-run-session), with a way to make it refuse one entry's write —
 * the keychain locked or gone at the worst moment. Remembers what it was given, to clean up.
 */
class TestKeychain implements SecretStore {
  readonly names = new Set<string>();
  refuse: string | null = null;
  private readonly store = new KeytarSecretStore(`vn.gov.helpdesk.test-team-${randomBytes(4).toString('hex')}`);
  available = () => this.store.available();
  get = (name: string) => this.store.get(name);
  delete = (name: string) => this.store.delete(name);
  async set(name: string, value: string): Promise<void> {
    if (name === this.refuse) throw new HelpdeskError('SECRET_STORE_UNAVAILABLE', { detail: 'keychain (test)' });
    this.names.add(name);
    await this.store.set(name, value);
  }
  async clear(): Promise<void> {
    for (const n of this.names) await this.store.delete(n).catch(() => undefined);
  }
}

describe('a join that fails half-way is never half-applied, and can be tried again', () => {
  const DB = 'team_retry';
  const teamR = (workstation: string): TeamSettings => ({ ...team(workstation), url: `postgres://${db.app.user}@127.0.0.1:${db.port}/${DB}` });
  const inDb = <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => db.admin<T>(sql, params, DB);
  const keyCheck = async () => (await inDb<{ audit_key_check: string }>('SELECT audit_key_check FROM team_key_check')).rows.map((r) => r.audit_key_check);
  const segmentsOf = async (workstation: string) => (await inDb<{ id: string; rows: number }>('SELECT id, rows FROM audit_segments WHERE workstation = $1', [workstation])).rows;
  /**
   * The settings file cannot be written (SettingsFile writes `<path>.<pid>.tmp`, then renames it): a
   * directory in the way fails the write for root too — an honest SETTINGS_WRITE_FAILED.
   */
  const blockSettings = (w: Workstation): string => {
    const blocker = `${w.runtime.settingsPath}.${process.pid}.tmp`;
    mkdirSync(blocker);
    return blocker;
  };
  const lastLocalRow = async (w: Workstation) => {
    const r = await w.runtime.api.audit.query({ filter: { action: 'team.join' } });
    return r.ok ? r.value.rows[0] : undefined;
  };
  let keychain: TestKeychain;
  let r: Workstation;

  beforeAll(async () => {
    await db.createDatabase(DB);
    await migrate(DB);
    keychain = new TestKeychain();
    expect(await keychain.available(), 'no Secret Service: run under dbus-run-session with gnome-keyring').toBe(true);
    r = await workstation(keychain);
    await signIn(r, 'giamsat01');
  }, 60_000);

  afterAll(async () => {
    await r?.runtime.close();
    await keychain?.clear();
  });

  it('founding: the keychain refuses the keys — the team is not founded (the store got nothing), the keychain is as it was', async () => {
    keychain.refuse = teamKeysKey(teamR('Máy R'));
    const kept = readFileSync(r.runtime.settingsPath, 'utf8');
    try {
      expect(await r.runtime.api.team.join({ team: teamR('Máy R'), password: db.app.password })).toMatchObject({ ok: false, error: { code: 'SECRET_STORE_UNAVAILABLE' } });
    } finally {
      keychain.refuse = null;
    }
    expect(await keyCheck()).toEqual([]);
    expect(await keychain.get(teamPasswordKey(teamR('Máy R')))).toBeNull();
    expect(await keychain.get(teamKeysKey(teamR('Máy R')))).toBeNull();
    expect(await segmentsOf('Máy R')).toEqual([]);
    expect(readFileSync(r.runtime.settingsPath, 'utf8')).toBe(kept);
  });

  it('founding: the settings save fails after the store founded the team — the keys stay in the keychain; the retry joins with them, the segment is not imported twice', async () => {
    const kept = readFileSync(r.runtime.settingsPath, 'utf8');
    const blocker = blockSettings(r);
    try {
      expect(await r.runtime.api.team.join({ team: teamR('Máy R'), password: db.app.password })).toMatchObject({ ok: false, error: { code: 'SETTINGS_WRITE_FAILED' } });
    } finally {
      rmdirSync(blocker);
    }
    // Not in the team: the settings as they were; the local chain says the join did not go through.
    expect(readFileSync(r.runtime.settingsPath, 'utf8')).toBe(kept);
    expect(await r.runtime.api.team.status({})).toMatchObject({ ok: true, value: { enabled: false } });
    expect(await lastLocalRow(r)).toMatchObject({ outcome: 'error', detail: { code: 'SETTINGS_WRITE_FAILED', keysKept: true } });
    // The store is founded — with the keys this keychain still holds (never lost with the failure).
    const keys = parseKeys(await keychain.get(teamKeysKey(teamR('Máy R'))));
    expect(keys).not.toBeNull();
    expect(await keyCheck()).toEqual([teamKeyCheck(keys!)]);
    const first = await segmentsOf('Máy R');
    expect(first).toHaveLength(1);

    // Tried again (the same form, no secret): it goes through with the held keys — no second founding.
    expect(await r.runtime.api.team.join({ team: teamR('Máy R'), password: db.app.password })).toMatchObject({ ok: true, value: { enabled: true, state: 'connected', workstation: 'Máy R' } });
    expect(parseKeys(await keychain.get(teamKeysKey(teamR('Máy R'))))).toEqual(keys);
    expect(await keyCheck()).toEqual([teamKeyCheck(keys!)]);
    // Exactly one segment for the workstation: the first try's, given back.
    expect(await segmentsOf('Máy R')).toEqual(first);
    const imports = await inDb<{ detail: string }>("SELECT detail FROM audit WHERE action = 'audit.import' ORDER BY seq");
    expect(imports.rows.map((x) => JSON.parse(x.detail) as Record<string, unknown>)).toMatchObject([
      { segment: Number(first[0]!.id), resumed: false },
      { segment: Number(first[0]!.id), resumed: true },
    ]);
    expect(JSON.parse(readFileSync(r.runtime.settingsPath, 'utf8'))).toMatchObject({ team: { workstation: 'Máy R' } });
    await signIn(r, 'giamsat01');
    const verified = await r.runtime.api.audit.verify({});
    expect(verified).toMatchObject({ ok: true, value: { ok: true, problemCount: 0 } });
    expect(verified.ok && verified.value.segments?.map((x) => x.workstation)).toEqual(['Máy R']);
  }, 60_000);

  it('joining with a secret: the settings save fails after the secret was spent — the retry joins without a new secret, one segment', async () => {
    const made = await r.runtime.api.team.createJoinSecret({});
    if (!made.ok) throw new Error(made.error.code);
    const s = await workstation();
    try {
      await signIn(s, 'giamsat01');
      const blocker = blockSettings(s);
      try {
        expect(await s.runtime.api.team.join({ team: teamR('Máy S'), password: db.app.password, joinSecret: made.value.secret })).toMatchObject({ ok: false, error: { code: 'SETTINGS_WRITE_FAILED' } });
      } finally {
        rmdirSync(blocker);
      }
      expect((await inDb<{ used_on: string }>('SELECT used_on FROM team_joins')).rows).toEqual([{ used_on: 'Máy S' }]);
      expect(await s.runtime.api.team.join({ team: teamR('Máy S'), password: db.app.password, joinSecret: made.value.secret })).toMatchObject({ ok: true, value: { state: 'connected' } });
      expect(await s.secrets.get(teamKeysKey(teamR('Máy S')))).toBe(await keychain.get(teamKeysKey(teamR('Máy R'))));
      expect(await segmentsOf('Máy S')).toHaveLength(1);
      await signIn(s, 'giamsat01');
      expect(await s.runtime.api.audit.verify({})).toMatchObject({ ok: true, value: { ok: true, problemCount: 0 } });
    } finally {
      await s.runtime.close();
    }
  }, 60_000);
});
