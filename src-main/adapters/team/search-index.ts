import { hkdfSync } from 'node:crypto';
import type pg from 'pg';
import type { IndexAnswer, IndexBuild, IndexRecord, IndexState, IndexValueKind, SearchIndex } from '../../domain/ports';
import { writtenWords } from '../../domain/search-index';
import type { SearchCriterion } from '../../domain/search-query';
import { nameWords } from '../../domain/text';
import { keptValue, signature } from '../store/index-tokens';
import type { SqliteSearchIndex } from '../store/sqlite-search-index';
import { teamError, type TeamPool } from './pool';

/** The key the team's index hashes identifiers with: derived from the team's code key (keychains only). */
export function searchIndexKey(teamOtpKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', teamOtpKey, Buffer.alloc(0), 'helpdesk team search index', 32));
}

/** Records written per statement while building or in a delta. */
const BATCH = 1000;
/** Changes a replica takes per round trip. */
const PULL_PAGE = 5000;
/** A search right after the state was read (the keeper's way) uses the replica as that left it. */
const PULL_FRESH_MS = 1000;

interface StateRow {
  epoch: string;
  built_at: Date | null;
  refreshed_at: Date | null;
  swept_at: Date | null;
  mark: string | null;
  partial: boolean;
  accounts: number;
}

interface ChangeRow {
  key: string;
  dn: string | null;
  stable_id: string | null;
  display_name: string | null;
  unit: string | null;
  vals: string[] | null;
  /** The change's number (a bigint, as a JSON number: exact below 2^53). */
  seq: number;
}

const stateOf = (row: StateRow | undefined): IndexState | null =>
  row?.built_at
    ? {
        builtAt: row.built_at,
        refreshedAt: row.refreshed_at ?? row.built_at,
        sweptAt: row.swept_at ?? row.built_at,
        accounts: row.accounts,
        mark: row.mark || null,
        partial: row.partial,
      }
    : null;

/** Whether a replica's mirrored state is the store's (times, mark, partial). */
function sameState(a: IndexState | null, b: IndexState | null): boolean {
  if (!a || !b) return a === b;
  const t = (d: Date) => d.getTime();
  return t(a.builtAt) === t(b.builtAt) && t(a.refreshedAt) === t(b.refreshedAt) && t(a.sweptAt) === t(b.sweptAt) && a.mark === b.mark && a.partial === b.partial;
}

/** A value as the store keeps it: `kind:kept` (kinds hold no colon). */
const packValue = (key: Buffer, v: { kind: IndexValueKind; value: string }): string => `${v.kind}:${keptValue(key, v.kind, v.value)}`;
function unpackValue(text: string): { kind: IndexValueKind; value: string } {
  const at = text.indexOf(':');
  return { kind: text.slice(0, at) as IndexValueKind, value: text.slice(at + 1) };
}

/**
 * The team's search index of one directory. The index itself is in the team store, one for the whole
 * team: each account's DN, permanent id, display name, unit and identifiers (only as keyed hashes, the
 * key derived from the team's code key — never in the store), written by one workstation at a time
 * (`exclusive`: a session advisory lock per profile) — built once, brought up to date by one delta and
 * one sweep for the team. Every write takes the next number of a sequence while holding the profile's
 * row, so the numbers are in commit order; a removal leaves a tombstone with its number.
 *
 * Searches are answered by this workstation's replica of it: a SQLite FTS5 file in the data folder
 * (the same tokens and the same exact counts as a workstation's own index), brought up to the store's
 * changes — every change numbered after the replica's mark, taken in one repeatable-read round trip —
 * each time the state is asked for, i.e. before every search. A replica far behind (a new workstation,
 * a lost file) catches up in the background while the directory answers. Counting the matches in
 * PostgreSQL means visiting each matching row (a GIN index has no index-only scans): measured at
 * 100,000 accounts, 5 ms to count `nguyen van` and 34 ms for `nguyen`, growing with the matches —
 * against about a millisecond from FTS5.
 */
export class PgSearchIndex implements SearchIndex {
  private readonly lockKey: string;
  private catchingUp: Promise<void> | null = null;
  private pulling: Promise<unknown> | null = null;
  /** When the replica was last brought up to the store, and whether this workstation wrote since. */
  private pulledAt = 0;
  private dirty = false;
  private closed = false;

  /** `profile`: the directory's key (hash of URL, base, user filter); `key`: from searchIndexKey; `replica`: opened with the same key. */
  constructor(
    private readonly pool: TeamPool,
    private readonly profile: string,
    private readonly key: Buffer,
    private readonly replica: SqliteSearchIndex,
    /** Changes taken per round trip while catching up. */
    private readonly pageSize = PULL_PAGE,
  ) {
    this.lockKey = `helpdesk search index ${profile}`;
  }

  /** Makes the profile's row (once) and brings the replica up to the store in the background. */
  async open(): Promise<this> {
    await this.pool.read((c) => c.query('INSERT INTO search_index (profile) VALUES ($1) ON CONFLICT (profile) DO NOTHING', [this.profile]));
    await this.state();
    return this;
  }

  /** The team index's state, the replica brought up to it on the way (one round trip when it is near). */
  async state(): Promise<IndexState | null> {
    if (this.catchingUp) return (await this.pull(0)).state;
    const page = await this.pull(this.pageSize);
    if (page.more) this.catchUp();
    return page.state;
  }

  /** One pull at a time: a page applied out of order could put an older copy of a record over a newer one. */
  private pull(limit: number): Promise<{ state: IndexState | null; more: boolean }> {
    const run = (this.pulling ?? Promise.resolve()).catch(() => undefined).then(() => this.pullPage(limit));
    this.pulling = run;
    return run.finally(() => {
      if (this.pulling === run) this.pulling = null;
    });
  }

  /** Applies changes after the replica's mark, up to `limit` of each kind (0: only the state); `more`: some left. */
  private async pullPage(limit: number): Promise<{ state: IndexState | null; more: boolean }> {
    const mark = this.replica.replicaMark();
    const after = mark?.seq ?? 0;
    const startedAt = Date.now();
    const wrote = this.dirty;
    this.dirty = false;
    // One statement, so one snapshot for the state and both lists: a write committed meanwhile is wholly
    // in or wholly out. Nothing changed (the usual case): the state and two empty lists, one round trip.
    const r = await this.pool.read((c) =>
      c.query<StateRow & { written: ChangeRow[]; removed: Pick<ChangeRow, 'key' | 'seq'>[] }>(
        `SELECT s.epoch, s.built_at, s.refreshed_at, s.swept_at, s.mark, s.partial, s.accounts,
           (SELECT coalesce(json_agg(w ORDER BY w.seq), '[]'::json) FROM
              (SELECT key, dn, stable_id, display_name, unit, vals, seq FROM search_accounts WHERE profile = $1 AND seq > $2 ORDER BY seq LIMIT $3) w) AS written,
           (SELECT coalesce(json_agg(x ORDER BY x.seq), '[]'::json) FROM
              (SELECT key, seq FROM search_removed WHERE profile = $1 AND seq > $2 ORDER BY seq LIMIT $3) x) AS removed
         FROM search_index s WHERE s.profile = $1`,
        [this.profile, after, limit],
      ),
    );
    const row = r.rows[0];
    const state = stateOf(row);
    if (limit === 0) this.dirty ||= wrote;
    else this.pulledAt = startedAt;
    if (!row || limit === 0 || this.closed) return { state, more: limit === 0 };
    if (mark !== null && mark.epoch !== row.epoch) {
      // Another team index than the one the replica followed (a new store, a restored one): start again.
      this.replica.applyReplica({ epoch: row.epoch, seq: 0, records: [], removed: [], state: null });
      return { state, more: true };
    }
    const { written, removed } = row;
    // Where a list was cut, the changes after its last one wait for the next page (the other list's too).
    const cut = [written, removed].filter((l) => l.length === limit).map((l) => l.at(-1)!.seq);
    const upTo = cut.length > 0 ? Math.min(...cut) : Infinity;
    const w = written.filter((x) => x.seq <= upTo);
    const rm = removed.filter((x) => x.seq <= upTo);
    const seen = [...w, ...rm].map((x) => x.seq);
    if (seen.length > 0 || mark === null || !sameState(this.replica.mirroredState(), state)) {
      this.replica.applyReplica({
        epoch: row.epoch,
        seq: Math.max(after, ...seen),
        records: w.map((x) => {
          const displayName = x.display_name ?? '';
          return {
            key: x.key,
            dn: x.dn ?? '',
            stableId: x.stable_id,
            displayName,
            unit: x.unit,
            words: nameWords(displayName),
            written: writtenWords(displayName),
            values: (x.vals ?? []).map(unpackValue),
          };
        }),
        removed: rm.map((x) => x.key),
        // The state is mirrored once the replica holds every change (its searches answer only then).
        state: cut.length > 0 ? this.replica.mirroredState() : state,
      });
    }
    return { state, more: cut.length > 0 };
  }

  /** Brings the replica up to the store in the background (one catch-up at a time). */
  private catchUp(): void {
    if (this.catchingUp) return;
    this.catchingUp = (async () => {
      try {
        while (!this.closed && (await this.pull(this.pageSize)).more) {
          // Let searches and IPC run between pages.
          await new Promise((r) => setImmediate(r));
        }
      } catch {
        // The store not answering: the next state() tries again.
      } finally {
        this.catchingUp = null;
      }
    })();
  }

  /** Resolves once a catch-up in flight is done (tests, the bench). */
  async caughtUp(): Promise<void> {
    while (this.catchingUp) await this.catchingUp;
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
        await this.setState(
          `UPDATE search_index SET built_at = $2, refreshed_at = $2, swept_at = $2, mark = $3, partial = $4,
             accounts = (SELECT count(*) FROM search_accounts WHERE profile = $1) WHERE profile = $1`,
          [this.profile, at, mark ?? '', partial],
        );
      },
      // Nothing to undo: what it wrote are copies of the directory as read.
      abandon: async () => undefined,
    };
  }

  async upsert(records: IndexRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += BATCH) await this.upsertBatch(records.slice(i, i + BATCH));
  }

  /** One write: the profile's row held (so the sequence's numbers are in commit order), then `fn`. */
  private write<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.pool
      .transaction(async (c) => {
        await c.query('SELECT 1 FROM search_index WHERE profile = $1 FOR UPDATE', [this.profile]);
        return fn(c);
      })
      .finally(() => (this.dirty = true));
  }

  /** A change of the state row (after it is committed, the next search brings the replica up to it). */
  private async setState(sql: string, params: unknown[]): Promise<void> {
    await this.pool.read((c) => c.query(sql, params)).finally(() => (this.dirty = true));
  }

  private async upsertBatch(records: IndexRecord[]): Promise<void> {
    if (records.length === 0) return;
    // The last of each key wins (a delta may read an entry twice).
    const rs = [...new Map(records.map((r) => [r.key, r])).values()];
    const col = <T>(f: (r: IndexRecord) => T) => rs.map(f);
    await this.write(async (c) => {
      const up = await c.query<{ key: string; inserted: boolean }>(
        `INSERT INTO search_accounts AS a (profile, key, dn, stable_id, display_name, unit, vals, sig, seq)
           SELECT $1, t.key, t.dn, t.stable_id, t.display_name, t.unit, string_to_array(t.vals, E'\\n'), t.sig, nextval('search_seq')
             FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS t(key, dn, stable_id, display_name, unit, vals, sig)
         ON CONFLICT (profile, key) DO UPDATE SET dn = excluded.dn, stable_id = excluded.stable_id, display_name = excluded.display_name,
           unit = excluded.unit, vals = excluded.vals, sig = excluded.sig, seq = excluded.seq
           WHERE a.sig <> excluded.sig
         RETURNING a.key, (a.xmax = 0) AS inserted`,
        [
          this.profile,
          col((r) => r.key),
          col((r) => r.dn),
          col((r) => r.stableId),
          col((r) => r.displayName),
          col((r) => r.unit),
          col((r) => r.values.map((v) => packValue(this.key, v)).join('\n')),
          col(signature),
        ],
      );
      const inserted = up.rows.filter((r) => r.inserted).map((r) => r.key);
      if (inserted.length === 0) return;
      // A key written again is no longer a removal.
      await c.query('DELETE FROM search_removed WHERE profile = $1 AND key = ANY($2::text[])', [this.profile, inserted]);
      await c.query('UPDATE search_index SET accounts = accounts + $2 WHERE profile = $1', [this.profile, inserted.length]);
    });
  }

  async remove(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += BATCH) {
      const part = keys.slice(i, i + BATCH);
      await this.write(async (c) => {
        const gone = await c.query<{ key: string }>('DELETE FROM search_accounts WHERE profile = $1 AND key = ANY($2::text[]) RETURNING key', [this.profile, part]);
        if (gone.rows.length === 0) return;
        await c.query(
          `INSERT INTO search_removed (profile, key, seq) SELECT $1, k, nextval('search_seq') FROM unnest($2::text[]) k
             ON CONFLICT (profile, key) DO UPDATE SET seq = excluded.seq`,
          [this.profile, gone.rows.map((r) => r.key)],
        );
        await c.query('UPDATE search_index SET accounts = accounts - $2 WHERE profile = $1', [this.profile, gone.rows.length]);
      });
    }
  }

  async keys(): Promise<Set<string>> {
    const r = await this.pool.read((c) => c.query<{ key: string }>('SELECT key FROM search_accounts WHERE profile = $1', [this.profile]));
    return new Set(r.rows.map((x) => x.key));
  }

  async refreshed(mark: string | null, at: Date): Promise<void> {
    await this.setState('UPDATE search_index SET refreshed_at = $2, mark = coalesce($3, mark) WHERE profile = $1', [this.profile, at, mark]);
  }

  async swept(at: Date): Promise<void> {
    await this.setState('UPDATE search_index SET swept_at = $2 WHERE profile = $1', [this.profile, at]);
  }

  /**
   * Answered by the replica once it has caught up with the store; brought up to it first unless that was
   * just done (the keeper asks for the state right before) and nothing was written here since.
   */
  async search(criteria: SearchCriterion[], typed: string, limit: number): Promise<IndexAnswer | null> {
    if (this.dirty || Date.now() - this.pulledAt > PULL_FRESH_MS) await this.state();
    if (this.catchingUp) return null;
    return this.replica.search(criteria, typed, limit);
  }

  /** The pool is the team store's (closed with it); the replica file is this index's. */
  async close(): Promise<void> {
    this.closed = true;
    await this.catchingUp?.catch(() => undefined);
    await this.replica.close();
  }
}
