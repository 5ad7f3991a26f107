import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LdapDirectory } from '../../src-main/adapters/ldap/ldap-directory';
import { migrateTeamStore } from '../../src-main/adapters/team/migrations';
import { poolConfig, TeamPool } from '../../src-main/adapters/team/pool';
import { PgSearchIndex, searchIndexKey } from '../../src-main/adapters/team/search-index';
import { createIndexKeeper, indexProfileKey, type IndexKeeper } from '../../src-main/app/search-index-keeper';
import type { Directory } from '../../src-main/domain/ports';
import { parseSearchQuery } from '../../src-main/domain/search-query';
import { generateDirectoryLdif } from '../../scripts/training-data';
import { startPostgres, type PostgresHandle } from '../helpers/postgres';
import { searchIndexConformance } from '../helpers/search-index-conformance';
import { type SlapdHandle, startSlapd, trainingProfile } from '../helpers/slapd';

// Issue #15 in team mode: one search index for the team, in the team store (a real PostgreSQL started
// here, TLS + SCRAM, the app's role as workstations sign in). The same answers as a workstation's SQLite
// index (the conformance suite both run), one writer at a time for the whole team.
let db: PostgresHandle;
const pools: TeamPool[] = [];

async function workstation(name: string): Promise<TeamPool> {
  const p = new TeamPool({ url: `postgres://${db.app.user}@127.0.0.1:${db.port}/${db.database}`, caCertificate: db.caPem, workstation: name }, db.app.password);
  await p.open();
  pools.push(p);
  return p;
}

beforeAll(async () => {
  db = await startPostgres();
  const owner = new pg.Client(poolConfig({ url: `postgres://${db.owner.user}@127.0.0.1:${db.port}/${db.database}`, caCertificate: db.caPem, workstation: 'admin' }, db.owner.password));
  await owner.connect();
  await migrateTeamStore(owner, db.app.user);
  await owner.end();
}, 60_000);

afterAll(async () => {
  for (const p of pools) await p.close();
  await db?.stop();
});

searchIndexConformance('the team store search index (PostgreSQL)', async () => {
  const pool = await workstation('conformance');
  return { index: await new PgSearchIndex(pool, 'conformance', searchIndexKey(randomBytes(32))).open(), close: async () => undefined };
});

describe('two workstations of a team over one directory', () => {
  const BASE = 'dc=daotao,dc=gov,dc=vn';
  let slapd: SlapdHandle;
  let dirA: LdapDirectory;
  let dirB: LdapDirectory;
  let keeperA: IndexKeeper;
  let keeperB: IndexKeeper;
  const fullReads = { a: 0, b: 0 };
  /** While set, A's full read waits for it (A holds the team's write right meanwhile). */
  let holdA: Promise<void> | null = null;
  const key = searchIndexKey(randomBytes(32));
  const now = { t: new Date() };

  /** A directory that counts its full reads (a build or a sweep; a delta has `since`). */
  const counting = (d: LdapDirectory, who: 'a' | 'b'): Directory =>
    new Proxy(d, {
      get(target, prop, receiver) {
        if (prop === 'readForIndex') {
          return async (...args: Parameters<Directory['readForIndex']>) => {
            if (!args[1].since) fullReads[who]++;
            if (who === 'a' && holdA) await holdA;
            return target.readForIndex(...args);
          };
        }
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    }) as unknown as Directory;

  beforeAll(async () => {
    slapd = await startSlapd({ baseDn: BASE, ldif: generateDirectoryLdif({ baseDn: BASE, count: 200 }), limits: 'stock', quick: true });
    const profile = trainingProfile(slapd, BASE);
    dirA = new LdapDirectory(profile, slapd.servicePassword);
    dirB = new LdapDirectory(profile, slapd.servicePassword);
    const [poolA, poolB] = [await workstation('Máy A'), await workstation('Máy B')];
    const keeper = (pool: TeamPool, dir: Directory) =>
      createIndexKeeper({
        clock: { now: () => now.t },
        directory: async () => dir,
        profile: () => profile,
        openIndex: () => new PgSearchIndex(pool, indexProfileKey(profile), key).open(),
      });
    keeperA = keeper(poolA, counting(dirA, 'a'));
    keeperB = keeper(poolB, counting(dirB, 'b'));
  }, 60_000);

  afterAll(async () => {
    keeperA?.reset();
    keeperB?.reset();
    await dirA?.close();
    await dirB?.close();
    await slapd?.stop();
  });

  it('A builds the index; B answers from it without reading the directory in full, and its timer finds nothing due', async () => {
    const built = await keeperA.refresh();
    expect(built!.accounts).toBeGreaterThan(200);
    expect(fullReads.a).toBe(1);
    const r = await keeperB.search(parseSearchQuery('nguyen van', 'name'), 'nguyen van', 50);
    expect(r).not.toBeNull();
    expect(r!.index.builtAt).toEqual(built!.builtAt);
    await keeperB.tick();
    expect(fullReads.b).toBe(0);
  });

  it('one writer for the team: while A holds it, B\'s timer does nothing and an asked refresh waits, then reads the changes since (a delta)', async () => {
    // Time has passed: a sweep and a delta are due for both.
    now.t = new Date(Date.now() + 31 * 60_000);
    let release!: () => void;
    holdA = new Promise<void>((r) => (release = r));
    const aTick = keeperA.tick();
    // A is inside its sweep's full read (holding the lock) once it has counted it.
    await expect.poll(() => fullReads.a, { timeout: 5000 }).toBe(2);
    await keeperB.tick();
    expect(fullReads.b).toBe(0);
    let bDone = false;
    const bRefresh = keeperB.refresh().then((s) => ((bDone = true), s));
    await new Promise((r) => setTimeout(r, 800));
    expect(bDone).toBe(false);
    holdA = null;
    release();
    await aTick;
    const state = await bRefresh;
    expect(bDone).toBe(true);
    // B read changes (a delta) after A's work, never the whole directory.
    expect(fullReads.b).toBe(0);
    expect(state!.refreshedAt.getTime()).toBe(now.t.getTime());
    expect(state!.sweptAt.getTime()).toBe(now.t.getTime());
  });

  it("a writer whose connection is cut loses the right: the server releases its lock, another workstation takes it", async () => {
    let release!: () => void;
    holdA = new Promise<void>((r) => (release = r));
    const before = fullReads.a;
    now.t = new Date(now.t.getTime() + 31 * 60_000);
    const aTick = keeperA.tick();
    await expect.poll(() => fullReads.a, { timeout: 5000 }).toBe(before + 1);
    const pid = await db.admin<{ pid: number }>("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted");
    expect(pid.rows.length).toBe(1);
    await db.admin('SELECT pg_terminate_backend($1)', [pid.rows[0]!.pid]);
    // B's asked refresh now gets the right at once.
    const t0 = Date.now();
    await keeperB.refresh();
    expect(Date.now() - t0).toBeLessThan(5000);
    holdA = null;
    release();
    await aTick;
  });

  it('an entry deleted in the directory, dropped by B\'s search, is gone from the index for A too', async () => {
    const root = new (await import('ldapts')).Client({ url: slapd.url });
    await root.bind(slapd.rootDn, slapd.rootPassword);
    try {
      const found = await keeperA.search(parseSearchQuery('annv', 'username'), 'annv', 5);
      expect(found!.accounts.map((a) => a.username)).toEqual(['annv']);
      const held = (await keeperA.state())!.accounts;
      await root.del(found!.accounts[0]!.dn);
      expect((await keeperB.search(parseSearchQuery('annv', 'username'), 'annv', 5))!.accounts).toEqual([]);
      expect((await keeperA.state())!.accounts).toBe(held - 1);
      expect((await keeperA.search(parseSearchQuery('annv', 'username'), 'annv', 5))!.total).toBe(0);
    } finally {
      await root.unbind();
    }
  });

  it("the app's role may rebuild the index (a cache) and still may not change the audit", async () => {
    const pool = pools[0]!;
    await expect(pool.read((c) => c.query('DELETE FROM search_vocab WHERE false'))).resolves.toBeTruthy();
    await expect(pool.read((c) => c.query('DELETE FROM audit WHERE false'))).rejects.toMatchObject({ code: 'TEAM_STORE_SCHEMA' });
  });
});
