import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Attribute, Change, Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LdapDirectory } from '../../src-main/adapters/ldap/ldap-directory';
import { SqliteSearchIndex } from '../../src-main/adapters/store/sqlite-search-index';
import type { TeamPool } from '../../src-main/adapters/team/pool';
import { PgSearchIndex, searchIndexKey } from '../../src-main/adapters/team/search-index';
import { createIndexKeeper, indexProfileKey, type IndexKeeper } from '../../src-main/app/search-index-keeper';
import type { SearchIndex } from '../../src-main/domain/ports';
import { nameMatches, parseSearchQuery } from '../../src-main/domain/search-query';
import { generateDirectoryLdif } from '../../scripts/training-data';
import { startPostgres, type PostgresHandle } from '../helpers/postgres';
import { type SlapdHandle, startSlapd, trainingProfile } from '../helpers/slapd';
import { migrateTeam, teamPoolOf } from '../helpers/team-store';

// Issue #15: the search index against a STOCK slapd (sizelimit 500 for the service account, paged
// searches included) with > 1,500 accounts — a workstation's (SQLite) and a team's (in the team store,
// a real PostgreSQL started here). Each is filled by a read within the server's limits, counts every true
// match, ranks them, and never shows what the directory no longer has.
const BASE = 'dc=daotao,dc=gov,dc=vn';
const COUNT = 1500;
const PEOPLE = `ou=people,${BASE}`;

function person(uid: string, displayName: string, extra: string[] = []): string {
  return [`dn: uid=${uid},${PEOPLE}`, 'objectClass: inetOrgPerson', `uid: ${uid}`, `cn: ${displayName}`, 'sn: X', `displayName: ${displayName}`, ...extra, ''].join('\n');
}

const EXTRA = [
  person('xoa01', 'Phùng Xuân Xóa'),
  person('xoa02', 'Phùng Xuân Xóa Hai'),
  person('doiten01', 'Quách Tĩnh Cũ'),
  // Same folded name, different spellings: ranking puts the one typed exactly first.
  person('khang1', 'Khang Thị Ốc'),
  person('khang2', 'Khang Thi Oc'),
  person('khang3', 'Khang Thị Ốcxa'),
  person('khang4', 'Khang Thi Ocxa'),
  person('dotphone', 'Số Chấm', ['mobile: 0938.12.34.57']),
];

type Store = 'workstation (SQLite)' | 'team (PostgreSQL)';

for (const store of ['workstation (SQLite)', 'team (PostgreSQL)'] as Store[]) suite(store);

function suite(store: Store): void {
  let slapd: SlapdHandle;
  let dir: LdapDirectory;
  let index: SearchIndex;
  let keeper: IndexKeeper;
  let dataDir: string;
  let root: Client;
  let db: PostgresHandle | null = null;
  let teamPool: TeamPool | null = null;
  const now = { t: new Date() };

  /** Everything the index holds, as text: the SQLite file (a team's replica too), and every row of the team store's index tables. */
  async function heldText(): Promise<string> {
    const parts = [readFileSync(join(dataDir, 'index.sqlite')).toString('utf8')];
    if (!db) return parts[0]!;
    for (const t of ['search_index', 'search_accounts', 'search_removed']) {
      const r = await db.admin<{ j: string }>(`SELECT row_to_json(t)::text AS j FROM ${t} t`);
      parts.push(...r.rows.map((x) => x.j));
    }
    return parts.join('\n');
  }

  beforeAll(async () => {
    slapd = await startSlapd({ baseDn: BASE, ldif: [generateDirectoryLdif({ baseDn: BASE, count: COUNT }), ...EXTRA].join('\n'), limits: 'stock', quick: true });
    const profile = { ...trainingProfile(slapd, BASE), timeoutMs: 20_000 };
    dir = new LdapDirectory(profile, slapd.servicePassword);
    dataDir = mkdtempSync(join(tmpdir(), 'helpdesk-index-'));
    let open: () => Promise<SearchIndex> = async () => new SqliteSearchIndex(join(dataDir, 'index.sqlite'), randomBytes(32));
    if (store === 'team (PostgreSQL)') {
      const pgdb = (db = await startPostgres());
      await migrateTeam(pgdb);
      const tp = (teamPool = await teamPoolOf(pgdb, 'ws-1'));
      const key = searchIndexKey(randomBytes(32));
      open = () => new PgSearchIndex(tp, indexProfileKey(profile), key, new SqliteSearchIndex(join(dataDir, 'index.sqlite'), key)).open();
    }
    keeper = createIndexKeeper({
      clock: { now: () => now.t },
      directory: async () => dir,
      profile: () => profile,
      openIndex: async () => (index = await open()),
    });
    root = new Client({ url: slapd.url, timeout: 20_000 });
    await root.bind(slapd.rootDn, slapd.rootPassword);
  }, 90_000);

  afterAll(async () => {
    keeper?.reset();
    await root?.unbind().catch(() => undefined);
    await dir?.close();
    await slapd?.stop();
    await teamPool?.close();
    await db?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** Every account's DN and display name, read as the root DN (no limits). */
  async function everyone(): Promise<{ dn: string; displayName: string }[]> {
    const { searchEntries } = await root.search(BASE, { scope: 'sub', filter: '(objectClass=inetOrgPerson)', attributes: ['displayName'] });
    return searchEntries.map((e) => ({ dn: e.dn, displayName: String(e.displayName) }));
  }

  describe(`the search index of a ${store} on a stock slapd`, () => {
    it('is not used before it is built: the directory answers (null), and the first refresh builds it past the 500 limit', async () => {
      expect(await keeper.search(parseSearchQuery('nguyen van'), 'nguyen van', 50)).toBeNull();
      const state = await keeper.refresh();
      expect(state).not.toBeNull();
      expect(state!.partial).toBe(false);
      expect(state!.accounts).toBe((await everyone()).length);
      expect(state!.accounts).toBeGreaterThan(COUNT);
      expect(state!.mark).toMatch(/^\d{14}Z;\d+$/u);
    });

    it.each(['nguyen van', 'nguyen', 'ng', 'tran thi', 'nguyen an', 'le hoang', 'nguyen van an', 'n v a', 'an', 'nguyễn văn'])(
      '"%s": the true total (every match counted, as nameMatches over all accounts), hits that match, ranked',
      async (query) => {
        const criteria = parseSearchQuery(query, 'name');
        const words = criteria[0]!.kind === 'name' ? criteria[0]!.words : [];
        const truth = (await everyone()).filter((p) => nameMatches(p.displayName, words)).length;
        expect(truth).toBeGreaterThan(0);
        const r = await keeper.search(criteria, query, 50);
        expect(r).not.toBeNull();
        expect(r!.total).toBe(truth);
        expect(r!.accounts.length).toBe(Math.min(50, truth));
        for (const a of r!.accounts) expect(nameMatches(a.displayName, words)).toBe(true);
        // The directory's own answer on a stock server is cut at 500: the index counts them all.
        const direct = await dir.search(criteria, 50);
        if (!direct.totalIsLowerBound) expect(direct.total).toBe(truth);
        else expect(direct.total).toBeLessThanOrEqual(truth);
      },
    );

    it('ranks the exact spelling with diacritics first, then folded; whole words before starts of words', async () => {
      const names = async (q: string) => (await keeper.search(parseSearchQuery(q, 'name'), q, 50))!.accounts.map((a) => a.username);
      expect(await names('khang thị ốc')).toEqual(['khang1', 'khang3', 'khang2', 'khang4']);
      expect(await names('khang thi oc')).toEqual(['khang2', 'khang4', 'khang1', 'khang3']);
    });

    it('finds a mobile in any punctuation and identifiers exactly — and keeps neither mobiles nor identifiers (only keyed hashes)', async () => {
      const r = await keeper.search(parseSearchQuery('0938123457'), '0938123457', 50);
      expect(r!.accounts.map((a) => a.username)).toEqual(['dotphone']);
      expect(r!.total).toBe(1);
      const u = await keeper.search(parseSearchQuery('annv', 'username'), 'annv', 50);
      expect(u!.accounts.map((a) => a.username)).toEqual(['annv']);
      const annv = u!.accounts[0]!;
      expect(annv.citizenId).toMatch(/^\d{12}$/u);
      const c = await keeper.search(parseSearchQuery(annv.citizenId!), annv.citizenId!, 5);
      expect(c!.accounts.map((a) => a.username)).toEqual(['annv']);
      const held = await heldText();
      expect(held).toContain('Phùng Xuân Xóa');
      for (const secret of [annv.citizenId!, '0938123457', annv.mobiles[0]!.replace(/\D/gu, '')]) expect(held.includes(secret), secret).toBe(false);
    });

    it('never shows an account the directory no longer has: dropped at once, before any delta, and out of the index', async () => {
      const before = await keeper.search(parseSearchQuery('phung xuan xoa', 'name'), 'phung xuan xoa', 50);
      expect(before!.accounts.map((a) => a.username).sort()).toEqual(['xoa01', 'xoa02']);
      await root.del(`uid=xoa01,${PEOPLE}`);
      const after = await keeper.search(parseSearchQuery('phung xuan xoa', 'name'), 'phung xuan xoa', 50);
      expect(after!.accounts.map((a) => a.username)).toEqual(['xoa02']);
      expect(after!.total).toBe(1);
      expect((await index.keys()).size).toBe((await everyone()).length);
    });

    it('the sweep removes deleted entries no search has touched', async () => {
      await root.del(`uid=xoa02,${PEOPLE}`);
      expect((await index.keys()).size).toBe((await everyone()).length + 1);
      await keeper.sweep();
      expect((await index.keys()).size).toBe((await everyone()).length);
    });

    it('shows a rename (new DN, new name) after the next delta, by its permanent id', async () => {
      await root.modifyDN(`uid=doiten01,${PEOPLE}`, 'uid=doiten02');
      // The profile reads the name from cn (OpenLDAP's default mapping); displayName kept the same.
      await root.modify(`uid=doiten02,${PEOPLE}`, ['cn', 'displayName'].map((type) => new Change({ operation: 'replace', modification: new Attribute({ type, values: ['Quách Tĩnh Mới'] }) })));
      // Before the delta the index does not know the new name; the old one is re-read, no longer matches, is not shown.
      expect((await keeper.search(parseSearchQuery('quach tinh moi', 'name'), 'quach tinh moi', 50))!.total).toBe(0);
      expect((await keeper.search(parseSearchQuery('quach tinh cu', 'name'), 'quach tinh cu', 50))!.accounts).toEqual([]);
      const held = (await index.keys()).size;
      await keeper.refresh();
      const r = await keeper.search(parseSearchQuery('quach tinh moi', 'name'), 'quach tinh moi', 50);
      expect(r!.accounts.map((a) => a.dn)).toEqual([`uid=doiten02,${PEOPLE}`]);
      expect(r!.total).toBe(1);
      expect((await keeper.search(parseSearchQuery('quach tinh cu', 'name'), 'quach tinh cu', 50))!.total).toBe(0);
      // The same entry, the same key: renamed in place, not added.
      expect((await index.keys()).size).toBe(held);
    });

    it('an index not refreshed for too long is not used (the directory answers), and its age is given', async () => {
      const state = (await keeper.state())!;
      expect(state.refreshedAt.getTime()).toBeGreaterThanOrEqual(state.builtAt.getTime());
      now.t = new Date(Date.now() + 16 * 60_000);
      try {
        expect(await keeper.search(parseSearchQuery('nguyen van'), 'nguyen van', 50)).toBeNull();
      } finally {
        now.t = new Date();
      }
    });
  });
}
