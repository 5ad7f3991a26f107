import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LdapDirectory } from '../../src-main/adapters/ldap/ldap-directory';
import { SqliteSearchIndex } from '../../src-main/adapters/store/sqlite-search-index';
import type { TeamPool } from '../../src-main/adapters/team/pool';
import { PgSearchIndex, searchIndexKey } from '../../src-main/adapters/team/search-index';
import { createIndexKeeper, indexProfileKey, type IndexKeeper } from '../../src-main/app/search-index-keeper';
import type { Directory } from '../../src-main/domain/ports';
import { indexRecordOf } from '../../src-main/domain/search-index';
import { parseSearchQuery } from '../../src-main/domain/search-query';
import { nameWords } from '../../src-main/domain/text';
import { generateDirectoryLdif } from '../../scripts/training-data';
import { startPostgres, type PostgresHandle } from '../helpers/postgres';
import { searchIndexConformance } from '../helpers/search-index-conformance';
import { migrateTeam, teamPoolOf } from '../helpers/team-store';
import { type SlapdHandle, startSlapd, trainingProfile } from '../helpers/slapd';

// Issue #15 in team mode: one search index for the team, in the team store (a real PostgreSQL started
// here, TLS + SCRAM, the app's role as workstations sign in). The same answers as a workstation's SQLite
// index (the conformance suite both run), one writer at a time for the whole team.
let db: PostgresHandle;
const pools: TeamPool[] = [];
const dirs: string[] = [];

async function workstation(name: string): Promise<TeamPool> {
  const p = await teamPoolOf(db, name);
  pools.push(p);
  return p;
}

beforeAll(async () => {
  db = await startPostgres();
  await migrateTeam(db);
}, 60_000);

afterAll(async () => {
  for (const p of pools) await p.close();
  await db?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The team's index of a profile, with a replica in a folder of its own (a workstation's data folder). */
async function teamIndex(pool: TeamPool, profile: string, key: Buffer, dir = mkdtempSync(join(tmpdir(), 'helpdesk-replica-'))): Promise<PgSearchIndex> {
  dirs.push(dir);
  return new PgSearchIndex(pool, profile, key, new SqliteSearchIndex(join(dir, `search-index-team-${profile}.sqlite`), key)).open();
}

searchIndexConformance('the team store search index (PostgreSQL, answered by a replica)', async () => {
  const pool = await workstation('conformance');
  const index = await teamIndex(pool, 'conformance', searchIndexKey(randomBytes(32)));
  return { index, close: () => index.close() };
});

describe("a workstation's replica of the team's index", () => {
  const names = ['Nguyễn Văn An', 'Nguyễn Văn Bình', 'Trần Thị Cúc', 'Lê Hoàng Dũng', 'Phạm Minh Em'];
  const record = (i: number, name = names[i % names.length]!) =>
    indexRecordOf({ dn: `uid=u${i},dc=x`, stableId: `id-${i}`, username: `u${i}`, displayName: name, unit: null, mails: [], mobiles: [`09${String(10000000 + i)}`], citizenId: null, taxCode: null, socialInsuranceCode: null });
  const count = async (idx: PgSearchIndex, q: string) => (await idx.search([{ kind: 'name', words: nameWords(q) }], q, 5))?.total ?? null;
  const key = searchIndexKey(randomBytes(32));
  let a: PgSearchIndex;
  let bDir: string;

  beforeAll(async () => {
    // The numbers cross from four digits to five within the build (they are ordered as numbers, never as text).
    await db.admin("SELECT setval('search_seq', 9500)");
    a = await teamIndex(await workstation('replica A'), 'replica', key);
    const b = await a.startBuild();
    await b.add(Array.from({ length: 2000 }, (_, i) => record(i)));
    await b.finish('20261207000000Z;1', false, new Date());
    bDir = mkdtempSync(join(tmpdir(), 'helpdesk-replica-b-'));
    dirs.push(bDir);
  });

  const openB = async (page = 300) => {
    const pool = await workstation('replica B');
    return new PgSearchIndex(pool, 'replica', key, new SqliteSearchIndex(join(bDir, 'search-index-team-replica.sqlite'), key), page).open();
  };

  it('a new workstation catches up page by page in the background; until then the directory answers (null), then the same counts', async () => {
    const b = await openB();
    expect(await count(b, 'nguyen van')).toBeNull();
    await b.caughtUp();
    expect(await count(b, 'nguyen van')).toBe(800);
    expect(await count(b, 'tran thi cuc')).toBe(400);
    expect((await b.search([{ kind: 'phone', national: '0910000007' }], '0910000007', 5))!.hits.map((h) => h.key)).toEqual(['id-7']);
    await b.close();
  });

  it("another workstation's writes and removals are in the replica at its next search; a reopened replica takes what changed while it was closed", async () => {
    const b = await openB();
    await b.caughtUp();
    await a.remove(['id-0', 'id-5']);
    await a.upsert([record(1, 'Nguyễn Văn Mới'), record(5000, 'Nguyễn Văn Thêm')]);
    expect(await b.state()).toMatchObject({ accounts: 2000 - 2 + 1 });
    expect(await count(b, 'nguyen van an')).toBe(400 - 2);
    expect(await count(b, 'nguyen van moi')).toBe(1);
    expect(await count(b, 'nguyen van them')).toBe(1);
    await b.close();
    // Removed again and written again while B was closed: B's next opening takes just these.
    await a.upsert([record(0)]);
    await a.remove(['id-5000']);
    const again = await openB(1);
    await again.caughtUp();
    expect(await count(again, 'nguyen van an')).toBe(400 - 1);
    expect(await count(again, 'nguyen van them')).toBe(0);
    await again.close();
  });

  it('a lost replica file, or another team index (a store restored, a new one), is filled again from the start', async () => {
    const total = await count(a, 'nguyen');
    rmSync(join(bDir, 'search-index-team-replica.sqlite'), { force: true });
    const b = await openB();
    await b.caughtUp();
    expect(await count(b, 'nguyen')).toBe(total);
    await db.admin("UPDATE search_index SET epoch = 'restored' WHERE profile = 'replica'");
    await b.state();
    await b.caughtUp();
    expect(await count(b, 'nguyen')).toBe(total);
    await b.close();
  });
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
        openIndex: () => teamIndex(pool, indexProfileKey(profile), key),
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
    await expect(pool.read((c) => c.query('DELETE FROM search_removed WHERE false'))).resolves.toBeTruthy();
    await expect(pool.read((c) => c.query('DELETE FROM audit WHERE false'))).rejects.toMatchObject({ code: 'TEAM_STORE_SCHEMA' });
  });
});
