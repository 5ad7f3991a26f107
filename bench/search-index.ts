/**
 * The search index (issue #15) at several directory sizes (`BENCH_INDEX_SIZES`, default 10,000 / 100,000 /
 * 300,000 generated accounts), each on its own durable slapd, every figure beside a raw ldapts query
 * of the same run:
 *  - build: the index filled by a full read of the directory (within the server's limits) vs the same
 *    full paged read by raw ldapts;
 *  - name search through the index — the true total counted and the 50 shown read again from the
 *    directory — vs an indexed raw query (`uid` equality) and vs the directory fallback (the adapter's
 *    scan, capped at 5,000 entries), with the total checked against the generated names (nameMatches);
 *  - delta refresh after 100 changed entries vs the raw `(modifyTimestamp>=…)` read; the sweep of
 *    deleted entries vs a raw read of every id.
 * Each for a workstation's index (SQLite) and for a team's (in the team store: PostgreSQL 15 started
 * here, durable, TLS + SCRAM on loopback), on the same slapd, one after the other.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AndFilter, Attribute, Change, Client, EqualityFilter, GreaterThanEqualsFilter } from 'ldapts';
import { LdapDirectory } from '../src-main/adapters/ldap/ldap-directory';
import { SqliteSearchIndex } from '../src-main/adapters/store/sqlite-search-index';
import type { TeamPool } from '../src-main/adapters/team/pool';
import { PgSearchIndex, searchIndexKey } from '../src-main/adapters/team/search-index';
import { createIndexKeeper, indexProfileKey } from '../src-main/app/search-index-keeper';
import type { SearchIndex } from '../src-main/domain/ports';
import { nameMatches, parseSearchQuery } from '../src-main/domain/search-query';
import { nameWords } from '../src-main/domain/text';
import { generateDirectoryLdif } from '../scripts/training-data';
import { startPostgres } from '../test/helpers/postgres';
import { migrateTeam, teamPoolOf } from '../test/helpers/team-store';
import { startSlapd, trainingProfile } from '../test/helpers/slapd';
import { fmt, measureInterleaved, type Scoreboard } from './measure';

const BASE = 'dc=daotao,dc=gov,dc=vn';
const QUERIES = ['nguyen van', 'nguyen van an', 'tran thi', 'le hoang', 'nguyen an', 'pham minh', 'hương', 'nguyễn thị lan'];
const INDEX_ROUNDS = Number(process.env.BENCH_INDEX_ROUNDS ?? 200);
const FALLBACK_ROUNDS = Number(process.env.BENCH_NAME_ROUNDS ?? 30);
const CHANGED = 100;
/** The new name of the entry each store's delta renames. */
const RENAMED = ['Bench Đổi Tên', 'Bench Thay Tên'];

const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Display names and uids of the generated LDIF (unfolded; non-ASCII values are base64). */
function peopleOf(ldif: string): { dn: string; uid: string; name: string }[] {
  const out: { dn: string; uid: string; name: string }[] = [];
  for (const record of ldif.replace(/\r?\n /gu, '').split(/\n\n+/u)) {
    const uid = /^uid: (.+)$/mu.exec(record)?.[1];
    const m = /^cn(::?) (.+)$/mu.exec(record);
    const d = /^dn(::?) (.+)$/mu.exec(record);
    if (!uid || !m || !d || !/^objectClass: inetOrgPerson$/mu.test(record)) continue;
    const text = (x: RegExpExecArray) => (x[1] === '::' ? Buffer.from(x[2]!, 'base64').toString('utf8') : x[2]!);
    out.push({ dn: text(d), uid, name: text(m) });
  }
  return out;
}

export async function searchIndexBench(board: Scoreboard, size: number): Promise<void> {
  console.log('');
  console.log(`search index on ${size} accounts: generating and loading them into slapd…`);
  const ldif = generateDirectoryLdif({ baseDn: BASE, count: size });
  const people = peopleOf(ldif);
  const slapd = await startSlapd({ baseDn: BASE, ldif, quick: true, durable: true });
  const db = await startPostgres({ durable: true });
  const profile = { ...trainingProfile(slapd, BASE), timeoutMs: 120_000 };
  const dir = new LdapDirectory(profile, slapd.servicePassword);
  const dataDir = mkdtempSync(join(tmpdir(), 'helpdesk-bench-index-'));
  const file = join(dataDir, 'index.sqlite');
  const raw = new Client({ url: slapd.url, timeout: 120_000, connectTimeout: 5000 });
  const root = new Client({ url: slapd.url, timeout: 120_000, connectTimeout: 5000 });
  let pool: TeamPool | null = null;
  try {
    await migrateTeam(db);
    const teamPool = (pool = await teamPoolOf(db, 'bench'));
    await raw.bind(slapd.serviceDn, slapd.servicePassword);
    await root.bind(slapd.rootDn, slapd.rootPassword);
    const stores: Store[] = [
      {
        label: 'SQLite',
        tag: `${size / 1000}k`,
        open: async () => new SqliteSearchIndex(file, randomBytes(32)),
        size: async () => ['', '-wal'].reduce((n, x) => n + (existsSync(file + x) ? statSync(file + x).size : 0), 0),
      },
      {
        label: 'team store (PostgreSQL)',
        tag: `${size / 1000}k team store`,
        open: async () => {
          const key = searchIndexKey(randomBytes(32));
          const index = await new PgSearchIndex(teamPool, indexProfileKey(profile), key, new SqliteSearchIndex(join(dataDir, 'replica.sqlite'), key)).open();
          await index.caughtUp();
          return index;
        },
        size: async () =>
          Number((await db.admin<{ n: string }>("SELECT sum(pg_total_relation_size(c))::text AS n FROM unnest(ARRAY['search_accounts', 'search_removed']::regclass[]) c")).rows[0]!.n),
      },
    ];
    for (const [phase, store] of stores.entries()) await benchStore(board, { size, store, phase, people, profile, dir, raw, root });
  } finally {
    await raw.unbind().catch(() => undefined);
    await root.unbind().catch(() => undefined);
    await dir.close();
    await pool?.close();
    await db.stop();
    await slapd.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface Store {
  label: string;
  tag: string;
  open: () => Promise<SearchIndex>;
  /** Bytes the index takes on disk. */
  size: () => Promise<number>;
}

interface Phase {
  size: number;
  store: Store;
  /** 0, 1…: which entries this store's delta and sweep change (each store its own). */
  phase: number;
  people: { dn: string; uid: string; name: string }[];
  profile: ReturnType<typeof trainingProfile> & { timeoutMs: number };
  dir: LdapDirectory;
  raw: Client;
  root: Client;
}

async function benchStore(board: Scoreboard, { size, store, phase, people, profile, dir, raw, root }: Phase): Promise<void> {
  const clock = { now: () => new Date() };
  let index: SearchIndex | null = null;
  const keeper = createIndexKeeper({ clock, directory: async () => dir, profile: () => profile, openIndex: async () => (index = await store.open()) });
  const tag = store.tag;
  console.log(`  — ${store.label}`);
  try {
    const a = profile.attributes;
    const indexAttrs = [...new Set([a.username, a.displayName, a.unit, a.mail, a.backupEmail, a.mobile, a.citizenId, a.taxCode, a.socialInsuranceCode, 'entryUUID', 'modifyTimestamp'])];
    const person = new EqualityFilter({ attribute: 'objectClass', value: 'inetOrgPerson' });
    const rawRead = async (filter: AndFilter | EqualityFilter, attributes: string[]) => {
      let n = 0;
      for await (const page of raw.searchPaginated(BASE, { scope: 'sub', filter, attributes, paged: { pageSize: profile.pageSize } })) n += page.searchEntries.length;
      return n;
    };
    /** Every name the directory holds now (earlier phases renamed and deleted some). */
    const peopleNow = async () => {
      const out: { uid: string; name: string }[] = [];
      for await (const page of root.searchPaginated(BASE, { scope: 'sub', filter: person, attributes: ['cn', 'uid'], paged: { pageSize: 5000 } })) {
        for (const e of page.searchEntries) out.push({ uid: String(e.uid), name: String(Array.isArray(e.cn) ? e.cn[0] : e.cn) });
      }
      return out;
    };

    // Build: the index's full read + writes, vs the same full paged read raw.
    let t0 = performance.now();
    const rawCount = await rawRead(person, indexAttrs);
    const rawFull = performance.now() - t0;
    t0 = performance.now();
    const built = await keeper.refresh();
    // A team's replica fills from the store once the build is done (searches go to the directory until then).
    await (index as { caughtUp?: () => Promise<void> } | null)?.caughtUp?.();
    const build = performance.now() - t0;
    if (!built || built.accounts !== rawCount) throw new Error(`index holds ${built?.accounts} of ${rawCount}`);
    const mb = (await store.size()) / 1024 / 1024;
    console.log(`  build: ${built.accounts} accounts in ${secs(build)} (raw paged read of the same attributes: ${secs(rawFull)}); index ${mb.toFixed(1)} MB`);
    board.note(`index ${tag} build time`, `${secs(build)} vs raw full paged read ${secs(rawFull)}`);

    // Name search: the index (true total + the 50 shown read again) vs an indexed raw query vs the directory fallback.
    const present = await peopleNow();
    const truth = QUERIES.map((q) => {
      const words = nameWords(q);
      return present.filter((p) => nameMatches(p.name, words)).length;
    });
    const criteria = QUERIES.map((q) => parseSearchQuery(q, 'name'));
    const uids = present.filter((_, i) => i % Math.max(1, Math.floor(present.length / 500)) === 0).map((p) => p.uid);
    let exact = true;
    const counted: number[] = [];
    const t = await measureInterleaved(INDEX_ROUNDS, 20, {
      index: async (i) => {
        const k = i % QUERIES.length;
        const r = await keeper.search(criteria[k]!, QUERIES[k]!, 50);
        if (!r) throw new Error('index not usable');
        counted[k] = r.total;
        if (r.total !== truth[k]) exact = false;
      },
      alone: async (i) => {
        const k = i % QUERIES.length;
        const got = (await index!.search(criteria[k]!, QUERIES[k]!, 50))?.total;
        if (got !== truth[k]) throw new Error(`index count ${QUERIES[k]}: ${got} of ${truth[k]}`);
      },
      raw: async (i) => {
        const r = await raw.search(BASE, { scope: 'sub', filter: new AndFilter({ filters: [person, new EqualityFilter({ attribute: 'uid', value: uids[i % uids.length]! })] }), attributes: indexAttrs });
        if (r.searchEntries.length !== 1) throw new Error('raw uid');
      },
    });
    console.log(`  name search, ${INDEX_ROUNDS} rounds × ${QUERIES.length} queries (ms)                 p50      p95`);
    console.log(`    index (true total + 50 shown read again from slapd)        ${fmt(t.index.p50)} ${fmt(t.index.p95)}`);
    console.log(`    of which the index alone (count + first 50)                ${fmt(t.alone.p50)} ${fmt(t.alone.p95)}`);
    console.log(`    raw ldapts, indexed query (uid equality)                   ${fmt(t.raw.p50)} ${fmt(t.raw.p95)}`);
    for (const [k, q] of QUERIES.entries()) console.log(`    "${q}": ${counted[k]} counted, ${truth[k]} true matches`);
    board.judge(`index ${tag} name search p95 (true total, 50 read again)`, `${t.index.p95.toFixed(1)} ms, raw indexed query ${t.raw.p95.toFixed(1)} ms`, '≤ 15 ms', t.index.p95 <= 15);
    board.judge(`index ${tag} name search counts every true match`, exact ? `${QUERIES.length}/${QUERIES.length} queries exact` : `counted ${counted.join(',')} vs ${truth.join(',')}`, '100 %', exact);

    // The directory fallback does not depend on the index's store: measured once per size.
    if (phase === 0) {
      const f = await measureInterleaved(FALLBACK_ROUNDS, 2, {
        fallback: async (i) => {
          await dir.search(criteria[i % QUERIES.length]!, 50);
        },
        raw: async (i) => {
          await raw.search(BASE, { scope: 'sub', filter: new AndFilter({ filters: [person, new EqualityFilter({ attribute: 'uid', value: uids[i % uids.length]! })] }), attributes: indexAttrs });
        },
      });
      const fb = [];
      for (const c of criteria) fb.push(await dir.search(c, 50));
      console.log(`    directory fallback (adapter scan, cap 5,000), ${FALLBACK_ROUNDS} rounds   ${fmt(f.fallback.p50)} ${fmt(f.fallback.p95)}`);
      console.log(`    raw ldapts, indexed query, same rounds                     ${fmt(f.raw.p50)} ${fmt(f.raw.p95)}`);
      console.log(`    fallback totals: ${fb.map((r, k) => `${r.total}${r.totalIsLowerBound ? '+' : ''}/${truth[k]}`).join(', ')}`);
      board.note(`index ${size / 1000}k directory fallback name search p95`, `${f.fallback.p95.toFixed(1)} ms (raw indexed query ${f.raw.p95.toFixed(1)} ms)`);
    }

    // Delta: the first one after the build reads again every entry written in the build's own duration
    // before the newest one (here: the bulk load, all written just before the build) — timed apart. Then
    // 100 entries changed, and the index brought up to date: timed.
    const step = Math.max(1, Math.floor(people.length / (4 * CHANGED)));
    const spread = people.filter((_, i) => i % step === 0).slice(phase * 2 * CHANGED);
    for (const p of spread.slice(CHANGED, CHANGED + 10)) {
      await root.modify(p.dn, [new Change({ operation: 'replace', modification: new Attribute({ type: 'title', values: ['Chức danh trước'] }) })]);
    }
    t0 = performance.now();
    await keeper.refresh();
    const firstDelta = performance.now() - t0;
    const changed = spread.slice(0, CHANGED);
    const renamed = changed[0]!;
    for (const [i, p] of changed.entries()) {
      const value = i === 0 ? RENAMED[phase]! : `Chức danh ${i}`;
      await root.modify(p.dn, [new Change({ operation: 'replace', modification: new Attribute({ type: i === 0 ? 'cn' : 'title', values: [value] }) })]);
    }
    const since = (await keeper.state())!.mark!;
    t0 = performance.now();
    await keeper.refresh();
    const delta = performance.now() - t0;
    const markTime = since.split(';')[0]!;
    t0 = performance.now();
    const rawDelta = await rawRead(new AndFilter({ filters: [person, new GreaterThanEqualsFilter({ attribute: 'modifyTimestamp', value: markTime })] }), indexAttrs);
    const rawDeltaMs = performance.now() - t0;
    const renamedFound = await keeper.search(parseSearchQuery(RENAMED[phase]!, 'name'), RENAMED[phase]!, 5);
    if (renamedFound?.accounts[0]?.username !== renamed.uid) throw new Error('the renamed entry is not found after the delta');
    console.log(`  first delta after the build (reads again what the bulk load wrote within the build's duration): ${secs(firstDelta)}`);
    console.log(`  delta refresh after ${CHANGED} changed entries: ${delta.toFixed(1)} ms (raw (modifyTimestamp>=mark) read: ${rawDeltaMs.toFixed(1)} ms, ${rawDelta} entries); the renamed one found by its new name`);
    board.note(`index ${tag} delta refresh (${CHANGED} changed)`, `${delta.toFixed(1)} ms vs raw modifyTimestamp read ${rawDeltaMs.toFixed(1)} ms (first delta after the build ${secs(firstDelta)})`);

    // Sweep: one entry deleted; every id read, the missing one removed.
    await root.del(changed[1]!.dn);
    t0 = performance.now();
    await keeper.sweep();
    const sweep = performance.now() - t0;
    t0 = performance.now();
    await rawRead(person, ['entryUUID', 'uid']);
    const rawIds = performance.now() - t0;
    if ((await keeper.state())!.accounts !== rawCount - 1) throw new Error('the deleted entry is still in the index after the sweep');
    console.log(`  sweep of deleted entries: ${secs(sweep)} (raw read of every id: ${secs(rawIds)}); the deleted one removed`);
    board.note(`index ${tag} sweep (deleted entries)`, `${secs(sweep)} vs raw id read ${secs(rawIds)}`);
  } finally {
    keeper.reset();
  }
}
