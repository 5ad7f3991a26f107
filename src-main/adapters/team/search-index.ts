import { hkdfSync } from 'node:crypto';
import type pg from 'pg';
import type { IndexAnswer, IndexBuild, IndexHit, IndexRecord, IndexState, SearchIndex } from '../../domain/ports';
import { inOrder, indexLookup, writtenWords } from '../../domain/search-index';
import type { SearchCriterion } from '../../domain/search-query';
import { keptValue, MAX_EXPANSIONS, pairsOf, signature, spaced } from '../store/index-tokens';
import { teamError, type TeamPool } from './pool';

/** The key the team's index hashes identifiers with: derived from the team's code key (keychains only). */
export function searchIndexKey(teamOtpKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', teamOtpKey, Buffer.alloc(0), 'helpdesk team search index', 32));
}

/** Records written per statement while building or in a delta. */
const BATCH = 1000;

/** A tsquery lexeme, quoted as the type's input wants it (taken as it is: no parser, no dictionary). */
const lex = (s: string): string => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
/** A LIKE pattern of words that hold only letters, marks and digits (nothing LIKE treats specially). */
const like = (words: string[], whole: boolean): string => (whole ? `% ${words.join(' % ')} %` : `% ${words.join('% ')}%`);

/** Every lexeme of a record: folded words, words as written (marked `_`), ordered pairs and triples. */
function tokensOf(r: IndexRecord): string {
  const { pairs, triples } = pairsOf(r.words);
  return [...new Set([...r.words, ...r.written.map((w) => `_${w}`), ...pairs, ...triples])].join(' ');
}

interface StateRow {
  built_at: Date | null;
  refreshed_at: Date | null;
  swept_at: Date | null;
  mark: string | null;
  partial: boolean;
  accounts: number;
}

interface HitRow {
  key: string;
  dn: string;
  stable_id: string | null;
  folded: string;
}

/**
 * The team's search index of one directory, in the team store: the same records and the same answers as
 * a workstation's SQLite index (the conformance tests run both), shared by every workstation of the team.
 *
 * Names: one tsvector per account holding each folded word, each word as written (`_nguyễn`), each
 * ordered pair (`nguyen_van`) and triple of folded words, under a GIN index. "Each query word starts a
 * word of the name, in order" is one tsquery — `'nguyen':*`; `'nguyen_van':*` with the first word
 * expanded to the full words it starts (from `search_vocab`); the same on triples — so the count is
 * exact from the index; four words and more count with the words' AND and a LIKE on the row.
 *
 * Writers: one workstation at a time (`exclusive`: a session advisory lock per profile, held on a
 * connection of its own for the job); searches and the removal of an entry the directory no longer has
 * go on beside it. A writer whose connection dropped loses the lock, and another may start: the writes
 * are idempotent (by key and signature), so two at once cost time, never correctness.
 */
export class PgSearchIndex implements SearchIndex {
  /** Vocabulary words known to be in the store (asked of it once each). */
  private readonly known = new Set<string>();
  private readonly lockKey: string;

  /** `profile`: the directory's key (hash of URL, base, user filter); `key`: from searchIndexKey. */
  constructor(
    private readonly pool: TeamPool,
    private readonly profile: string,
    private readonly key: Buffer,
  ) {
    this.lockKey = `helpdesk search index ${profile}`;
  }

  /** Makes the profile's state row (once). */
  async open(): Promise<this> {
    await this.pool.read((c) => c.query('INSERT INTO search_index (profile) VALUES ($1) ON CONFLICT (profile) DO NOTHING', [this.profile]));
    return this;
  }

  async state(): Promise<IndexState | null> {
    const r = await this.pool.read((c) => c.query<StateRow>('SELECT built_at, refreshed_at, swept_at, mark, partial, accounts FROM search_index WHERE profile = $1', [this.profile]));
    const row = r.rows[0];
    if (!row?.built_at) return null;
    return {
      builtAt: row.built_at,
      refreshedAt: row.refreshed_at ?? row.built_at,
      sweptAt: row.swept_at ?? row.built_at,
      accounts: row.accounts,
      mark: row.mark || null,
      partial: row.partial,
    };
  }

  async exclusive<T>(job: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.pool.connect();
    } catch (err) {
      throw teamError(err);
    }
    let broken = false;
    // The connection sits idle while the job runs: its end (server restart, a cut) is an event, not a crash.
    const dropped = () => (broken = true);
    client.on('error', dropped);
    try {
      const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [this.lockKey]).catch((err: unknown) => {
        broken = true;
        throw teamError(err);
      });
      if (!got.rows[0]!.ok) return { ran: false };
      try {
        return { ran: true, value: await job() };
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [this.lockKey]).catch(() => (broken = true));
      }
    } finally {
      // A connection whose unlock failed is closed: the server releases the lock with the session.
      client.off('error', dropped);
      client.release(broken);
    }
  }

  async startBuild(): Promise<IndexBuild> {
    // Written in place: what the build reads is upserted (an unchanged record writes nothing), and at
    // the end what it did not read is removed. Searches keep the index as it was until then.
    const seen = new Set<string>();
    return {
      add: async (records) => {
        for (const r of records) seen.add(r.key);
        await this.upsert(records);
      },
      finish: async (mark, partial, at) => {
        // A read the directory's limits cut says nothing of what it did not reach: nothing removed then.
        if (!partial) await this.remove([...(await this.keys())].filter((k) => !seen.has(k)));
        await this.pool.read((c) =>
          c.query(
            `UPDATE search_index SET built_at = $2, refreshed_at = $2, swept_at = $2, mark = $3, partial = $4,
               accounts = (SELECT count(*) FROM search_accounts WHERE profile = $1) WHERE profile = $1`,
            [this.profile, at, mark ?? '', partial],
          ),
        );
      },
      // Nothing to undo: what it wrote are copies of the directory as read.
      abandon: async () => undefined,
    };
  }

  async upsert(records: IndexRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += BATCH) await this.upsertBatch(records.slice(i, i + BATCH));
  }

  private async upsertBatch(records: IndexRecord[]): Promise<void> {
    if (records.length === 0) return;
    // The last of each key wins (a delta may read an entry twice).
    const byKey = new Map(records.map((r) => [r.key, r]));
    const rs = [...byKey.values()];
    const col = <T>(f: (r: IndexRecord) => T) => rs.map(f);
    const words = [...new Set(rs.flatMap((r) => r.words))].filter((w) => !this.known.has(w));
    await this.pool.transaction(async (c) => {
      const up = await c.query<{ key: string; inserted: boolean }>(
        `INSERT INTO search_accounts AS a (profile, key, dn, stable_id, display_name, unit, folded, written, sig, toks)
           SELECT $1, t.key, t.dn, t.stable_id, t.display_name, t.unit, t.folded, t.written, t.sig, array_to_tsvector(string_to_array(t.toks, ' '))
             FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
               AS t(key, dn, stable_id, display_name, unit, folded, written, sig, toks)
         ON CONFLICT (profile, key) DO UPDATE SET dn = excluded.dn, stable_id = excluded.stable_id, display_name = excluded.display_name,
           unit = excluded.unit, folded = excluded.folded, written = excluded.written, sig = excluded.sig, toks = excluded.toks
           WHERE a.sig <> excluded.sig
         RETURNING a.key, (a.xmax = 0) AS inserted`,
        [
          this.profile,
          col((r) => r.key),
          col((r) => r.dn),
          col((r) => r.stableId),
          col((r) => r.displayName),
          col((r) => r.unit),
          col((r) => spaced(r.words)),
          col((r) => spaced(r.written)),
          col(signature),
          col(tokensOf),
        ],
      );
      if (up.rows.length === 0) return;
      const written = new Set(up.rows.map((r) => r.key));
      const updated = up.rows.filter((r) => !r.inserted).map((r) => r.key);
      if (updated.length > 0) await c.query('DELETE FROM search_values WHERE profile = $1 AND key = ANY($2::text[])', [this.profile, updated]);
      const vals = rs.filter((r) => written.has(r.key)).flatMap((r) => r.values.map((v) => [v.kind, keptValue(this.key, v.kind, v.value), r.key] as const));
      if (vals.length > 0) {
        await c.query('INSERT INTO search_values (profile, kind, value, key) SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING', [
          this.profile,
          vals.map((v) => v[0]),
          vals.map((v) => v[1]),
          vals.map((v) => v[2]),
        ]);
      }
      if (words.length > 0) await c.query('INSERT INTO search_vocab (profile, word) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING', [this.profile, words]);
      const inserted = up.rows.length - updated.length;
      if (inserted > 0) await c.query('UPDATE search_index SET accounts = accounts + $2 WHERE profile = $1', [this.profile, inserted]);
    });
    for (const w of words) this.known.add(w);
  }

  async remove(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += BATCH) {
      const part = keys.slice(i, i + BATCH);
      await this.pool.transaction(async (c) => {
        await c.query('DELETE FROM search_values WHERE profile = $1 AND key = ANY($2::text[])', [this.profile, part]);
        const gone = await c.query('DELETE FROM search_accounts WHERE profile = $1 AND key = ANY($2::text[])', [this.profile, part]);
        if ((gone.rowCount ?? 0) > 0) await c.query('UPDATE search_index SET accounts = accounts - $2 WHERE profile = $1', [this.profile, gone.rowCount]);
      });
    }
  }

  async keys(): Promise<Set<string>> {
    const r = await this.pool.read((c) => c.query<{ key: string }>('SELECT key FROM search_accounts WHERE profile = $1', [this.profile]));
    return new Set(r.rows.map((x) => x.key));
  }

  async refreshed(mark: string | null, at: Date): Promise<void> {
    await this.pool.read((c) => c.query('UPDATE search_index SET refreshed_at = $2, mark = coalesce($3, mark) WHERE profile = $1', [this.profile, at, mark]));
  }

  async swept(at: Date): Promise<void> {
    await this.pool.read((c) => c.query('UPDATE search_index SET swept_at = $2 WHERE profile = $1', [this.profile, at]));
  }

  async search(criteria: SearchCriterion[], typed: string, limit: number): Promise<IndexAnswer | null> {
    if (!(await this.state())) return null;
    return this.pool.read(async (c) => {
      const exact = new Map<string, HitRow>();
      for (const crit of criteria) {
        const lookup = indexLookup(crit);
        if (!lookup) continue;
        const rows = await c.query<HitRow>(
          `SELECT a.key, a.dn, a.stable_id, a.folded FROM search_values v JOIN search_accounts a ON a.profile = v.profile AND a.key = v.key
            WHERE v.profile = $1 AND v.kind = $2 AND v.value = $3`,
          [this.profile, lookup.kind, keptValue(this.key, lookup.kind, lookup.value)],
        );
        for (const r of rows.rows) exact.set(r.key, r);
      }
      const names = criteria.flatMap((x) => (x.kind === 'name' ? [x.words] : []));
      // An identifier found exactly comes first (tier -1), then the name's tiers.
      const hits: IndexHit[] = [...exact.values()].slice(0, limit).map((r) => ({ key: r.key, dn: r.dn, stableId: r.stable_id, tier: -1 }));
      let total = exact.size;
      for (const words of names) {
        const named = await this.searchName(c, words, writtenWords(typed), limit, new Set(hits.map((h) => h.key)));
        // Exact hits the name also matches are counted once.
        const overlap = [...exact.values()].filter((r) => inOrder(r.folded.trim().split(/\s+/u), words, false)).length;
        total += named.total - overlap;
        for (const h of named.hits) if (hits.length < limit && !hits.some((x) => x.key === h.key)) hits.push(h);
      }
      return { hits, total };
    });
  }

  /** The name's matches: the true count, and the first `limit` hits by tier. */
  private async searchName(c: pg.ClientBase, words: string[], typed: string[], limit: number, taken: Set<string>): Promise<IndexAnswer> {
    const count = await this.countName(c, words);
    const hits: IndexHit[] = [];
    const tiers: { tier: number; query: string; column: 'folded' | 'written'; pattern: string }[] = [];
    if (typed.length === words.length) {
      tiers.push({ tier: 0, query: typed.map((w) => lex(`_${w}`)).join(' & '), column: 'written', pattern: like(typed, true) });
      tiers.push({ tier: 1, query: typed.map((w) => `${lex(`_${w}`)}:*`).join(' & '), column: 'written', pattern: like(typed, false) });
    }
    tiers.push({ tier: 2, query: words.map((w) => lex(w)).join(' & '), column: 'folded', pattern: like(words, true) });
    tiers.push({ tier: 3, query: count.query, column: 'folded', pattern: like(words, false) });
    for (const t of tiers) {
      if (hits.length >= limit || !t.query) break;
      const rows = await c.query<HitRow>(
        `SELECT key, dn, stable_id, folded FROM search_accounts WHERE profile = $1 AND toks @@ $2::tsquery AND ${t.column} LIKE $3 LIMIT $4`,
        [this.profile, t.query, t.pattern, limit + taken.size],
      );
      for (const r of rows.rows) {
        if (hits.length >= limit) break;
        if (taken.has(r.key)) continue;
        taken.add(r.key);
        hits.push({ key: r.key, dn: r.dn, stableId: r.stable_id, tier: t.tier });
      }
    }
    return { hits, total: count.total };
  }

  /** The true number of names each query word starts a word of, in order (see the class's comment). */
  private async countName(c: pg.ClientBase, words: string[]): Promise<{ total: number; query: string }> {
    const heads = async (w: string) =>
      (await c.query<{ word: string }>("SELECT word FROM search_vocab WHERE profile = $1 AND word >= $2 AND word < $2 || chr(1114111) LIMIT $3", [this.profile, w, MAX_EXPANSIONS + 1])).rows.map(
        (r) => r.word,
      );
    let query = '';
    if (words.length === 1) {
      query = `${lex(words[0]!)}:*`;
    } else if (words.length <= 3) {
      let combos: string[][] = [[]];
      for (const w of words.slice(0, -1)) {
        const h = await heads(w);
        combos = combos.flatMap((x) => h.map((y) => [...x, y]));
        if (combos.length > MAX_EXPANSIONS) break;
      }
      if (combos.length === 0) return { total: 0, query: '' };
      if (combos.length <= MAX_EXPANSIONS) query = combos.map((x) => `${lex([...x, words.at(-1)!].join('_'))}:*`).join(' | ');
    }
    if (query) {
      const r = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM search_accounts WHERE profile = $1 AND toks @@ $2::tsquery', [this.profile, query]);
      return { total: r.rows[0]!.n, query };
    }
    // Four words and more (or too many expansions): the words' AND, each row's order checked by LIKE.
    query = words.map((w) => `${lex(w)}:*`).join(' & ');
    const r = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM search_accounts WHERE profile = $1 AND toks @@ $2::tsquery AND folded LIKE $3', [
      this.profile,
      query,
      like(words, false),
    ]);
    return { total: r.rows[0]!.n, query };
  }

  /** The pool is the team store's (closed with it). */
  async close(): Promise<void> {}
}
