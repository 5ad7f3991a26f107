import Database from 'better-sqlite3';
import { chmodSync, existsSync, renameSync, rmSync } from 'node:fs';
import type { IndexAnswer, IndexBuild, IndexHit, IndexRecord, IndexState, SearchIndex } from '../../domain/ports';
import { inOrder, indexLookup, writtenWords } from '../../domain/search-index';
import type { SearchCriterion } from '../../domain/search-query';
import type { Db } from './database';
import { keptValue, MAX_EXPANSIONS, pairsOf, signature, spaced } from './index-tokens';

/**
 * The search index of one directory on this workstation: one SQLite file in the data folder, a copy of
 * what search needs (DN, permanent id, name folded and as written, unit, normalised identifiers).
 *
 * Names are matched by three FTS5 tables, contentless (only the tokens are kept) with `detail=none`:
 * `uni` holds each folded name word and each word as written (marked `_`), `pairs` each ordered pair of
 * folded words (`nguyen_van`), `triples` each ordered triple. "Each query word starts a word of the name,
 * in order" is then one FTS5 query: `"nguyen"*` for one word, `"nguyen_van"*` for two — the first
 * word expanded to the full words it starts (from `vocab`) — and `"nguyen_van_an"*` for three, so the
 * true count needs no row to be read. Longer queries count with the words' AND and a GLOB on the row.
 */
const SCHEMA_VERSION = 1;
const TOKENIZE = `tokenize="unicode61 remove_diacritics 0 tokenchars '_'", detail=none, content='', contentless_delete=1`;
const SCHEMA = `
  CREATE TABLE accounts (
    rid INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    dn TEXT NOT NULL,
    stable_id TEXT,
    display_name TEXT NOT NULL,
    unit TEXT,
    folded TEXT NOT NULL,
    written TEXT NOT NULL,
    sig TEXT NOT NULL
  );
  CREATE TABLE vals (kind TEXT NOT NULL, value TEXT NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY (kind, value, rid)) WITHOUT ROWID;
  CREATE INDEX vals_rid ON vals (rid);
  CREATE TABLE vocab (word TEXT PRIMARY KEY) WITHOUT ROWID;
  CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;
  CREATE VIRTUAL TABLE uni USING fts5(t, ${TOKENIZE}, prefix='1 2 3');
  CREATE VIRTUAL TABLE pairs USING fts5(t, ${TOKENIZE});
  CREATE VIRTUAL TABLE triples USING fts5(t, ${TOKENIZE});
`;
/** The page cache of a build (KiB). */
const BUILD_CACHE_KIB = 256 * 1024;
/** Records written per transaction while building. */
const BUILD_BATCH = 2000;
/** The highest code point: `word < q + MAX_CHAR` is "starts with q" in SQLite's binary order. */
const MAX_CHAR = '\u{10FFFF}';

/** An FTS5 string (words hold only letters, marks, digits; quotes doubled all the same). */
const q = (s: string): string => `"${s.replaceAll('"', '""')}"`;

function openIndexDb(file: string): Db {
  const db = new Database(file);
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    db.pragma('journal_mode = WAL');
    // A copy the directory can always give again: a crash may lose the last delta, never the audit's guarantees.
    db.pragma('synchronous = NORMAL');
    if (version === 0) {
      db.transaction(() => {
        db.exec(SCHEMA);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      })();
    } else if (version !== SCHEMA_VERSION) {
      throw new Error(`search index schema ${version} is not ${SCHEMA_VERSION}`);
    }
    chmodSync(file, 0o600);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Writes records into an index database (a build's or the live one). */
class Writer {
  private readonly insAccount;
  private readonly updAccount;
  private readonly ridOf;
  private readonly held;
  /** Words already in `vocab` (this writer's): asked of SQLite once each. */
  private readonly known = new Set<string>();
  private readonly insVal;
  private readonly insVocab;
  private readonly ins: Record<'uni' | 'pairs' | 'triples', Database.Statement>;
  private readonly del: Record<'uni' | 'pairs' | 'triples' | 'vals' | 'accounts', Database.Statement>;

  constructor(
    private readonly db: Db,
    private readonly key: Buffer,
  ) {
    this.insAccount = db.prepare('INSERT INTO accounts (key, dn, stable_id, display_name, unit, folded, written, sig) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.updAccount = db.prepare('UPDATE accounts SET dn = ?, stable_id = ?, display_name = ?, unit = ?, folded = ?, written = ?, sig = ? WHERE rid = ?');
    this.ridOf = db.prepare('SELECT rid FROM accounts WHERE key = ?').pluck();
    this.held = db.prepare('SELECT rid, sig FROM accounts WHERE key = ?');
    this.insVal = db.prepare('INSERT OR IGNORE INTO vals (kind, value, rid) VALUES (?, ?, ?)');
    this.insVocab = db.prepare('INSERT OR IGNORE INTO vocab (word) VALUES (?)');
    this.ins = {
      uni: db.prepare('INSERT INTO uni (rowid, t) VALUES (?, ?)'),
      pairs: db.prepare('INSERT INTO pairs (rowid, t) VALUES (?, ?)'),
      triples: db.prepare('INSERT INTO triples (rowid, t) VALUES (?, ?)'),
    };
    this.del = {
      uni: db.prepare('DELETE FROM uni WHERE rowid = ?'),
      pairs: db.prepare('DELETE FROM pairs WHERE rowid = ?'),
      triples: db.prepare('DELETE FROM triples WHERE rowid = ?'),
      vals: db.prepare('DELETE FROM vals WHERE rid = ?'),
      accounts: db.prepare('DELETE FROM accounts WHERE rid = ?'),
    };
  }

  /**
   * Inserts or replaces records (by key); an unchanged one is left as it is. Returns how many were
   * written. `kept`: the values are already in their kept form (a replica of the team's index).
   */
  put(records: IndexRecord[], fresh: boolean, kept = false): number {
    let written = 0;
    this.db.transaction(() => {
      for (const r of records) {
        const folded = spaced(r.words);
        const text = spaced(r.written);
        const sig = signature(r);
        const held = fresh ? undefined : (this.held.get(r.key) as { rid: number; sig: string } | undefined);
        if (held?.sig === sig) continue;
        let rid: number;
        if (held === undefined) {
          rid = Number(this.insAccount.run(r.key, r.dn, r.stableId, r.displayName, r.unit, folded, text, sig).lastInsertRowid);
        } else {
          rid = held.rid;
          this.updAccount.run(r.dn, r.stableId, r.displayName, r.unit, folded, text, sig, rid);
          this.clearTokens(rid);
        }
        written++;
        const { pairs, triples } = pairsOf(r.words);
        this.ins.uni.run(rid, [...r.words, ...r.written.map((w) => `_${w}`)].join(' '));
        if (pairs.length > 0) this.ins.pairs.run(rid, pairs.join(' '));
        if (triples.length > 0) this.ins.triples.run(rid, triples.join(' '));
        for (const w of r.words) {
          if (this.known.has(w)) continue;
          this.insVocab.run(w);
          this.known.add(w);
        }
        for (const v of r.values) this.insVal.run(v.kind, kept ? v.value : keptValue(this.key, v.kind, v.value), rid);
      }
    })();
    return written;
  }

  /** Removes records by key; returns how many were held. */
  remove(keys: readonly string[]): number {
    let removed = 0;
    this.db.transaction(() => {
      for (const key of keys) {
        const rid = this.ridOf.get(key) as number | undefined;
        if (rid === undefined) continue;
        this.clearTokens(rid);
        this.del.accounts.run(rid);
        removed++;
      }
    })();
    return removed;
  }

  private clearTokens(rid: number): void {
    this.del.uni.run(rid);
    this.del.pairs.run(rid);
    this.del.triples.run(rid);
    this.del.vals.run(rid);
  }
}

function setMeta(db: Db, entries: Record<string, string>): void {
  const st = db.prepare('INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v');
  db.transaction(() => {
    for (const [k, v] of Object.entries(entries)) st.run(k, v);
  })();
}

interface Row {
  rid: number;
  key: string;
  dn: string;
  stable_id: string | null;
  folded: string;
  written: string;
}

/** The SQLite FTS5 search index (see the file's comment). */
export class SqliteSearchIndex implements SearchIndex {
  private db: Db;
  private writer: Writer;
  private cached: IndexState | null | undefined;
  private building: { db: Db; file: string } | null = null;
  /** Prepared statements of the live database (cleared when a build replaces it). */
  private statements = new Map<string, Database.Statement>();

  private stmt(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  /** `key`: the keyed hash's key for the exact values (from the keychain). */
  constructor(
    private readonly file: string,
    private readonly key: Buffer,
  ) {
    this.db = openIndexDb(file);
    this.writer = new Writer(this.db, key);
  }

  async state(): Promise<IndexState | null> {
    return this.stateNow();
  }

  private stateNow(): IndexState | null {
    if (this.cached !== undefined) return this.cached;
    const meta = new Map((this.db.prepare('SELECT k, v FROM meta').all() as { k: string; v: string }[]).map((r) => [r.k, r.v]));
    const built = meta.get('built_at');
    this.cached = built
      ? {
          builtAt: new Date(built),
          refreshedAt: new Date(meta.get('refreshed_at') ?? built),
          accounts: this.db.prepare('SELECT count(*) FROM accounts').pluck().get() as number,
          mark: meta.get('mark') || null,
          partial: meta.get('partial') === '1',
          sweptAt: new Date(meta.get('swept_at') ?? built),
        }
      : null;
    return this.cached;
  }

  /** One workstation's file: the keeper's one job at a time is all the exclusion it needs. */
  async exclusive<T>(job: () => Promise<T>): Promise<{ ran: true; value: T }> {
    return { ran: true, value: await job() };
  }

  async startBuild(): Promise<IndexBuild> {
    this.building?.db.close();
    const file = `${this.file}.building`;
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    const db = openIndexDb(file);
    // A file being built is thrown away on any failure: no journal, no syncs until it is finished.
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    // Keys (permanent ids) and values arrive in no order: a large cache keeps their b-trees in memory.
    db.pragma(`cache_size = -${BUILD_CACHE_KIB}`);
    const building = { db, file };
    this.building = building;
    const writer = new Writer(db, this.key);
    const abandon = async () => {
      if (this.building !== building) return;
      this.building = null;
      db.close();
      for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    };
    // Written in large transactions: FTS5 makes one segment per transaction, and merges them as it goes.
    let pending: IndexRecord[] = [];
    const flush = () => {
      if (pending.length > 0) writer.put(pending, true);
      pending = [];
    };
    return {
      add: async (records) => {
        pending.push(...records);
        if (pending.length >= BUILD_BATCH) flush();
      },
      finish: async (mark, partial, at) => {
        if (this.building !== building) throw new Error('search index build replaced');
        flush();
        // One segment per table: the queries read one b-tree each.
        for (const t of ['uni', 'pairs', 'triples']) db.prepare(`INSERT INTO ${t} (${t}) VALUES ('optimize')`).run();
        setMeta(db, { built_at: at.toISOString(), refreshed_at: at.toISOString(), swept_at: at.toISOString(), mark: mark ?? '', partial: partial ? '1' : '0' });
        db.close();
        this.building = null;
        this.db.close();
        for (const f of [`${this.file}-wal`, `${this.file}-shm`]) rmSync(f, { force: true });
        renameSync(file, this.file);
        for (const f of [`${file}-wal`, `${file}-shm`]) if (existsSync(f)) rmSync(f, { force: true });
        this.db = openIndexDb(this.file);
        this.statements = new Map();
        this.writer = new Writer(this.db, this.key);
        this.cached = undefined;
      },
      abandon,
    };
  }

  async upsert(records: IndexRecord[]): Promise<void> {
    if (records.length === 0) return;
    this.writer.put(records, false);
    this.cached = undefined;
  }

  async remove(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    this.writer.remove(keys);
    this.cached = undefined;
  }

  async keys(): Promise<Set<string>> {
    return new Set(this.db.prepare('SELECT key FROM accounts').pluck().all() as string[]);
  }

  async refreshed(mark: string | null, at: Date): Promise<void> {
    setMeta(this.db, { refreshed_at: at.toISOString(), ...(mark !== null ? { mark } : {}) });
    this.cached = undefined;
  }

  async swept(at: Date): Promise<void> {
    setMeta(this.db, { swept_at: at.toISOString() });
    this.cached = undefined;
  }

  /** The state as this file holds it (a replica: the team index's, as last mirrored). */
  mirroredState(): IndexState | null {
    return this.stateNow();
  }

  /** Where a replica of the team's index stands: the team index's epoch and the last change applied. */
  replicaMark(): { epoch: string; seq: number } | null {
    const meta = new Map((this.db.prepare("SELECT k, v FROM meta WHERE k IN ('team_epoch', 'team_seq')").all() as { k: string; v: string }[]).map((r) => [r.k, r.v]));
    const epoch = meta.get('team_epoch');
    return epoch ? { epoch, seq: Number(meta.get('team_seq') ?? 0) } : null;
  }

  /**
   * Applies a page of the team index's changes to this replica, in one transaction: records (values
   * already kept) written, removed keys removed, the team index's state mirrored, the mark moved. A new
   * epoch (another team index, a restored store) empties the replica first.
   */
  applyReplica(page: { epoch: string; seq: number; records: IndexRecord[]; removed: string[]; state: IndexState | null }): void {
    this.db.transaction(() => {
      if (this.replicaMark()?.epoch !== page.epoch) {
        for (const t of ['accounts', 'vals', 'vocab', 'meta', 'uni', 'pairs', 'triples']) this.db.prepare(`DELETE FROM ${t}`).run();
        this.writer = new Writer(this.db, this.key);
      }
      this.writer.put(page.records, false, true);
      this.writer.remove(page.removed);
      const st = page.state;
      const mirrored: Record<string, string> = st
        ? { built_at: st.builtAt.toISOString(), refreshed_at: st.refreshedAt.toISOString(), swept_at: st.sweptAt.toISOString(), mark: st.mark ?? '', partial: st.partial ? '1' : '0' }
        : {};
      setMeta(this.db, { team_epoch: page.epoch, team_seq: String(page.seq), ...mirrored });
      if (!st) this.db.prepare("DELETE FROM meta WHERE k IN ('built_at', 'refreshed_at', 'swept_at', 'mark', 'partial')").run();
    })();
    this.cached = undefined;
  }

  async search(criteria: SearchCriterion[], typed: string, limit: number): Promise<IndexAnswer | null> {
    if (!this.stateNow()) return null;
    const exact = new Map<number, Row>();
    for (const c of criteria) {
      const lookup = indexLookup(c);
      if (!lookup) continue;
      const rows = this
        .stmt('SELECT a.rid, a.key, a.dn, a.stable_id, a.folded, a.written FROM vals v JOIN accounts a ON a.rid = v.rid WHERE v.kind = ? AND v.value = ?')
        .all(lookup.kind, keptValue(this.key, lookup.kind, lookup.value)) as Row[];
      for (const r of rows) exact.set(r.rid, r);
    }
    const names = criteria.flatMap((c) => (c.kind === 'name' ? [c.words] : []));
    // An identifier found exactly comes first (tier -1), then the name's tiers.
    const hits: IndexHit[] = [...exact.values()].slice(0, limit).map((r) => ({ key: r.key, dn: r.dn, stableId: r.stable_id, tier: -1 }));
    let total = exact.size;
    for (const words of names) {
      const named = this.searchName(words, writtenWords(typed), limit, new Set(hits.map((h) => h.key)));
      // Exact hits the name also matches are counted once.
      const overlap = [...exact.values()].filter((r) => inOrder(r.folded.trim().split(/\s+/u), words, false)).length;
      total += named.total - overlap;
      for (const h of named.hits) if (hits.length < limit && !hits.some((x) => x.key === h.key)) hits.push(h);
    }
    return { hits, total };
  }

  /** The name's matches: the true count, and the first `limit` hits by tier. */
  private searchName(words: string[], typed: string[], limit: number, taken: Set<string>): IndexAnswer {
    const count = this.countName(words);
    const hits: IndexHit[] = [];
    const glob = (ws: string[], whole: boolean) => (whole ? `* ${ws.join(' * ')} *` : `* ${ws.join('* ')}*`);
    const tiers: { tier: number; table: string; match: string; column: 'folded' | 'written'; pattern: string }[] = [];
    if (typed.length === words.length) {
      tiers.push({ tier: 0, table: 'uni', match: typed.map((w) => q(`_${w}`)).join(' AND '), column: 'written', pattern: glob(typed, true) });
      tiers.push({ tier: 1, table: 'uni', match: typed.map((w) => `${q(`_${w}`)}*`).join(' AND '), column: 'written', pattern: glob(typed, false) });
    }
    tiers.push({ tier: 2, table: 'uni', match: words.map((w) => q(w)).join(' AND '), column: 'folded', pattern: glob(words, true) });
    tiers.push({ tier: 3, table: count.table, match: count.match, column: 'folded', pattern: glob(words, false) });
    for (const t of tiers) {
      if (hits.length >= limit || !t.match) break;
      const rows = this
        .stmt(`SELECT a.key, a.dn, a.stable_id FROM ${t.table} f JOIN accounts a ON a.rid = f.rowid WHERE ${t.table} MATCH ? AND a.${t.column} GLOB ? LIMIT ?`)
        .all(t.match, t.pattern, limit + taken.size) as Pick<Row, 'key' | 'dn' | 'stable_id'>[];
      for (const r of rows) {
        if (hits.length >= limit) break;
        if (taken.has(r.key)) continue;
        taken.add(r.key);
        hits.push({ key: r.key, dn: r.dn, stableId: r.stable_id, tier: t.tier });
      }
    }
    return { hits, total: count.total };
  }

  /** The true number of names each query word starts a word of, in order (see the file's comment). */
  private countName(words: string[]): { total: number; table: string; match: string } {
    const heads = (w: string) => this.stmt('SELECT word FROM vocab WHERE word >= ? AND word < ?').pluck().all(w, w + MAX_CHAR) as string[];
    let table = 'uni';
    let match = '';
    if (words.length === 1) {
      match = `${q(words[0]!)}*`;
    } else if (words.length <= 3) {
      let combos: string[][] = [[]];
      for (const w of words.slice(0, -1)) {
        const h = heads(w);
        combos = combos.flatMap((c) => h.map((x) => [...c, x]));
        if (combos.length > MAX_EXPANSIONS) break;
      }
      if (combos.length === 0) return { total: 0, table, match: '' };
      if (combos.length <= MAX_EXPANSIONS) {
        table = words.length === 2 ? 'pairs' : 'triples';
        match = combos.map((c) => `${q([...c, words.at(-1)!].join('_'))}*`).join(' OR ');
      }
    }
    if (match) return { total: this.stmt(`SELECT count(*) FROM ${table} WHERE ${table} MATCH ?`).pluck().get(match) as number, table, match };
    // Four words and more (or too many expansions): the words' AND, each row's order checked by GLOB.
    match = words.map((w) => `${q(w)}*`).join(' AND ');
    const total = this
      .stmt('SELECT count(*) FROM uni f JOIN accounts a ON a.rid = f.rowid WHERE uni MATCH ? AND a.folded GLOB ?')
      .pluck()
      .get(match, `* ${words.join('* ')}*`) as number;
    return { total, table: 'uni', match };
  }

  async close(): Promise<void> {
    this.building?.db.close();
    this.building = null;
    this.db.close();
  }
}
