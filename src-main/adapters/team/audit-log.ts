import { createHmac, randomBytes } from 'node:crypto';
import type { AuditEntry, AuditPage, AuditPurgeResult } from '../../common/dto';
import type { ResolvedAuditFilter } from '../../domain/audit-filter';
import { HelpdeskError } from '../../domain/errors';
import type { AuditChainReport, AuditHead, AuditLog, AuditRecord, Clock } from '../../domain/ports';
import { chainHash, checkpointDetail, checkpointFrom, createChainWalk, sameHex, type AuditRow } from '../store/audit-chain';
import { cleanRecord } from '../store/audit-store';
import type pg from 'pg';
import { literalOf, type TeamPool } from './pool';
import { verifySegments } from './segments';

const ENTRY_COLUMNS = 'seq, at, operator, action, outcome, target, unit, case_id, detail';
const COUNT_CAP = 10_000;
const SCAN_BATCH = 2000;

/**
 * Appends and purges from the whole team take one order: the chain's advisory lock — a queue the server
 * serves first come, first served (waiters on a row lock are woken together and race, which left some
 * writers waiting behind many turns). A purge takes it for its transaction, then the head row, locked; an
 * append's turn (helpdesk_audit_append, migration step 8) takes it at session level.
 */
const LOCK_ORDER = "SELECT pg_advisory_xact_lock(hashtextextended('helpdesk audit chain', 0))";
const LOCK_HEAD = 'SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE';
type LockedHead = { seq: string; hash: string };
/** The chain's lock (the advisory lock's key), as LOCK_ORDER and helpdesk_audit_append take it. */
const CHAIN_LOCK_KEY = "hashtextextended('helpdesk audit chain', 0)";
/** How long a workstation holding the chain's turn may leave it unanswered before the server ends its session. */
const HOLD_IDLE_MS = 16_000;

/** A row waiting in audit_queue for its turn of the chain (migration step 8). */
export interface QueuedRow extends Omit<AuditRow, 'seq' | 'prev_hash' | 'hash'> {
  nonce: string;
  workstation: string;
  /** Set as the queue returns it. */
  id?: number;
  mac?: string;
}
/** What helpdesk_audit_append answers (JSON): the row's seq, or the turn held with the head and the queue. */
type AppendResult = { seq: number } | { head: { seq: number; hash: string }; queue: QueuedRow[] | null; chained: number[] | null; queued: boolean };

/** The HMAC of a queued row under the team's key: a row queued by anyone without the key is never chained. */
export function queueMac(key: Buffer, q: QueuedRow): string {
  const content = JSON.stringify([q.nonce, q.at, q.workstation, q.operator, q.action, q.outcome, q.target, q.unit, q.case_id, q.detail]);
  return createHmac('sha256', key).update('helpdesk audit queue\n').update(content).digest('hex');
}

/** How long the purge's own statement may take (the rows removed, their checkpoint's checks). */
const PURGE_TIMEOUT_MS = 120_000;

/** A row as PostgreSQL returns it (bigint seq as text). */
type StoredEntry = Omit<AuditRow, 'seq' | 'prev_hash' | 'hash'> & { seq: string };

/**
 * The team's one audit chain in PostgreSQL. Every workstation appends through the chain's turn: appends
 * from the whole hotline take one order, each linked by an HMAC whose key the team's workstations share
 * through their keychains (never in the database). Each row names its
 * workstation (in the row and in its hashed detail). Durable once append resolves (a committed
 * transaction). The app's role may insert and read, never update or delete (grants and a trigger); rows
 * leave only through the owner's retention function (purgeBefore).
 */
export class PgAuditLog implements AuditLog {
  /** The chain's head after this workstation's last append, if it knows it: the next one expects it. */
  private lastHead: AuditHead | null = null;

  constructor(
    private readonly pool: TeamPool,
    private readonly clock: Clock,
    private readonly key: Buffer,
  ) {
    if (key.length < 32) throw new Error('audit key must be at least 32 bytes');
  }

  /**
   * Durable once it resolves: the row is in the chain, committed and flushed. One round trip when this
   * workstation is alone on the chain: the row comes chained after the head it last saw, and goes in if
   * that is still the head (helpdesk_audit_append, migration step 8). Otherwise the row is queued (with a
   * nonce and an HMAC under the team's key) and its turn of the chain awaited, first come first served;
   * whoever holds the turn chains every queued row in one commit, flushed before the turn is handed on —
   * so 20 workstations appending at once take a few turns, not 20, and a turn whose row an earlier turn
   * chained is handed on inside the server, answered in the same round trip (two for the holder). The
   * queued row's own commit is not flushed: it is on disk once the turn that chains it is (later in the
   * WAL), and a crash before that loses only rows whose append had not resolved.
   */
  async append(record: AuditRecord): Promise<void> {
    const workstation = this.pool.profile.workstation;
    const clean = cleanRecord({ ...record, detail: { ...record.detail, workstation } });
    const q: QueuedRow = { ...clean, nonce: randomBytes(16).toString('hex'), at: this.clock.now().toISOString(), workstation };
    const expected = this.lastHead;
    const rowHash = expected ? chainHash(this.key, expected.hash, { ...q, seq: expected.seq + 1 }) : null;
    // Any failure ends the connection: the turn is held at session level, and ends with the session.
    await this.pool.read(
      async (c) => {
        const lit = literalOf(c);
        const args = [
          expected ? String(expected.seq) : 'NULL',
          ...[expected?.hash ?? null, rowHash, q.nonce, q.at, q.workstation, q.operator, q.action, q.outcome, q.target, q.unit, q.case_id, q.detail, queueMac(this.key, q)].map(lit),
          String(HOLD_IDLE_MS),
        ];
        const called = await c.query<{ result: string | null }>(`CALL helpdesk_audit_append(${args.join(', ')})`);
        const result = JSON.parse(called.rows[0]?.result ?? 'null') as AppendResult | null;
        if (!result) throw new HelpdeskError('AUDIT_TAMPERED', { detail: 'queued row gone' });
        if ('seq' in result) {
          // Written at once (the head expected), or chained by an earlier turn whose commit was flushed
          // before it handed the turn on.
          this.lastHead = expected && rowHash && result.seq === expected.seq + 1 ? { seq: result.seq, hash: rowHash } : null;
          return;
        }
        this.lastHead = null;
        // The turn held: the rows waiting, then this one if it was not queued (the lock was free).
        const rows = [...(result.queue ?? []), ...(result.queued ? [] : [{ ...q, mac: queueMac(this.key, q) }])];
        const chained = this.chainQueued(c, result.head, rows, q.nonce, result.chained ?? []);
        await c.query(`BEGIN; ${chained.sql}; COMMIT; SELECT pg_advisory_unlock(${CHAIN_LOCK_KEY}); RESET idle_session_timeout`);
        this.lastHead = chained.head;
      },
      { dropOnError: true },
    );
  }

  /**
   * Appends `record` in one transaction with `also` (statements, no transaction control; values as literals
   * escaped with the given function) — both committed in one flushed commit, or neither. One round trip
   * while the chain's lock is free and this workstation knows the head (helpdesk_audit_put, migration step
   * 9); a second when another workstation's row came meanwhile (chained again after the head the server
   * gives). False, with nothing written, when the chain's turn is held by others or `also` raised HD002
   * (helpdesk_expect): the caller then appends alone (append) and writes its own statements after the row.
   */
  async appendWith(record: AuditRecord, also: (lit: (v: string | null) => string) => string): Promise<boolean> {
    let expected = this.lastHead;
    if (!expected) return false;
    const workstation = this.pool.profile.workstation;
    const clean = cleanRecord({ ...record, detail: { ...record.detail, workstation } });
    const q = { ...clean, nonce: randomBytes(16).toString('hex'), at: this.clock.now().toISOString(), workstation };
    return this.pool.read(async (c) => {
      const lit = literalOf(c);
      for (let attempt = 0; attempt < 2; attempt++) {
        const head: AuditHead = expected!;
        const rowHash = chainHash(this.key, head.hash, { ...q, seq: head.seq + 1 });
        const args = [String(head.seq), ...[head.hash, rowHash, q.nonce, q.at, q.workstation, q.operator, q.action, q.outcome, q.target, q.unit, q.case_id, q.detail].map(lit)];
        try {
          // No BEGIN: the statements of one query are one transaction, rolled back by the server on any error.
          await c.query(`SELECT helpdesk_audit_put(${args.join(', ')}); ${also(lit)}`);
          this.lastHead = { seq: head.seq + 1, hash: rowHash };
          return true;
        } catch (err) {
          const e = err as { code?: string; detail?: string };
          if (e.code === 'HD002') return false;
          if (e.code !== 'HD001') throw err;
          const moved = /^(\d+) ([0-9a-f]{64})$/u.exec(e.detail ?? '');
          this.lastHead = null;
          if (!moved) return false;
          expected = { seq: Number(moved[1]), hash: moved[2]! };
        }
      }
      return false;
    });
  }

  /**
   * The statements that chain the queued rows after the `head` of the turn held, in queue order, remove
   * them (and `copies`, queued copies of rows chained already) from the queue and move the head (no
   * COMMIT). Only rows whose HMAC is the team's are chained (a row queued without the key stays in the
   * queue, never chained); a nonce queued twice is chained once.
   */
  private chainQueued(c: pg.ClientBase, head: { seq: number; hash: string }, queue: QueuedRow[], mine: string, copies: number[]): { sql: string; head: { seq: number; hash: string } } {
    const lit = literalOf(c);
    let seq = Number(head.seq);
    let prev = head.hash;
    const inserts: string[] = [];
    const done: number[] = copies.map(Number);
    const nonces = new Set<string>();
    const seen = new Set<number>();
    for (const q of queue) {
      // The caller's own queued row may come twice (among the oldest, and asked for by its nonce).
      if (q.id !== undefined && seen.has(Number(q.id))) continue;
      if (q.id !== undefined) seen.add(Number(q.id));
      if (!sameHex(q.mac ?? '', queueMac(this.key, q))) continue;
      if (q.id !== undefined) done.push(Number(q.id));
      if (nonces.has(q.nonce)) continue;
      nonces.add(q.nonce);
      const row = { seq: ++seq, at: q.at, operator: q.operator, action: q.action, outcome: q.outcome, target: q.target, unit: q.unit, case_id: q.case_id, detail: q.detail };
      const hash = chainHash(this.key, prev, row);
      inserts.push(`(${row.seq}, ${[q.at, q.workstation, q.operator, q.action, q.outcome, q.target, q.unit, q.case_id, q.detail, prev, hash, q.nonce].map(lit).join(', ')})`);
      prev = hash;
    }
    if (!nonces.has(mine)) throw new HelpdeskError('AUDIT_TAMPERED', { detail: "queued row not the team's" });
    return {
      sql: `INSERT INTO audit (seq, at, workstation, operator, action, outcome, target, unit, case_id, detail, prev_hash, hash, nonce) VALUES ${inserts.join(', ')};
        ${done.length > 0 ? `DELETE FROM audit_queue WHERE id IN (${done.join(', ')});` : ''}
        UPDATE audit_head SET seq = ${seq}, hash = ${lit(prev)}${done.length > 0 ? `, queue_done = GREATEST(queue_done, ${Math.max(...done)})` : ''} WHERE id = 1`,
      head: { seq, hash: prev },
    };
  }

  /**
   * The statements that write `record` as the row after the locked `head` and move the head to it (no
   * COMMIT). The values go in as literals escaped by the client library (a multi-statement query takes no
   * parameters). The row names its workstation, in its column and in its hashed detail.
   */
  private nextRow(c: pg.ClientBase, head: LockedHead, record: AuditRecord): { sql: string; seq: number } {
    const workstation = this.pool.profile.workstation;
    const clean = cleanRecord({ ...record, detail: { ...record.detail, workstation } });
    const row = { ...clean, seq: Number(head.seq) + 1, at: this.clock.now().toISOString() };
    const hash = chainHash(this.key, head.hash, row);
    const lit = literalOf(c);
    const values = [lit(row.at), lit(workstation), lit(row.operator), lit(row.action), lit(row.outcome), lit(row.target), lit(row.unit), lit(row.case_id), lit(row.detail), lit(head.hash), lit(hash)];
    return {
      sql: `INSERT INTO audit (seq, at, workstation, operator, action, outcome, target, unit, case_id, detail, prev_hash, hash) VALUES (${row.seq}, ${values.join(', ')});
           UPDATE audit_head SET seq = ${row.seq}, hash = ${lit(hash)} WHERE id = 1`,
      seq: row.seq,
    };
  }

  async recent(limit: number): Promise<AuditEntry[]> {
    const r = await this.pool.read((c) => c.query<StoredEntry>(`SELECT ${ENTRY_COLUMNS} FROM audit ORDER BY seq DESC LIMIT $1`, [limit]));
    return r.rows.map(toEntry);
  }

  async head(): Promise<AuditHead | null> {
    const r = await this.pool.read((c) => c.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1'));
    const row = r.rows[0];
    return row ? { seq: Number(row.seq), hash: row.hash } : null;
  }

  async verify(expectedHead?: AuditHead): Promise<AuditChainReport> {
    // One snapshot for the whole walk: a purge committed meanwhile does not show as rows gone missing.
    const main = await this.pool.read(async (c) => {
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        const walk = await startWalk(c, this.key, expectedHead);
        await walkFrom(c, walk, -1);
        await c.query('COMMIT');
        return walk.report();
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
    // The workstations' own audits brought along when they joined: each checked as a chain of its own.
    const seg = await verifySegments(this.pool, this.key);
    const problems = [...main.problems, ...seg.problems];
    const problemCount = main.problemCount + seg.problemCount;
    return { ...main, ok: problemCount === 0, problems, problemCount, firstBad: main.firstBad ?? seg.problems[0]?.seq ?? null, segments: seg.segments };
  }

  async query(filter: ResolvedAuditFilter, before: number | null, limit: number): Promise<AuditPage> {
    const { clause, params } = whereOf(filter);
    return this.pool.read(async (c) => {
      const n = params.length;
      const beforeSql = before === null ? '' : ` AND seq < $${n + 1}`;
      const limitParam = `$${n + (before === null ? 1 : 2)}`;
      const page = await c.query<StoredEntry>(
        `SELECT ${ENTRY_COLUMNS} FROM audit WHERE ${clause}${beforeSql} ORDER BY seq DESC LIMIT ${limitParam}`,
        [...params, ...(before === null ? [] : [before]), limit + 1],
      );
      const counted = await c.query<{ n: string }>(`SELECT count(*) AS n FROM (SELECT 1 FROM audit WHERE ${clause} LIMIT $${n + 1}) t`, [...params, COUNT_CAP + 1]);
      const rows = page.rows.slice(0, limit).map(toEntry);
      const total = Number(counted.rows[0]!.n);
      return { rows, nextBefore: page.rows.length > limit ? rows.at(-1)!.seq : null, total: Math.min(total, COUNT_CAP), totalIsLowerBound: total > COUNT_CAP };
    });
  }

  async timeline(caseId: string): Promise<AuditEntry[]> {
    const r = await this.pool.read((c) => c.query<StoredEntry>(`SELECT ${ENTRY_COLUMNS} FROM audit WHERE case_id = $1 ORDER BY seq`, [caseId]));
    return r.rows.map(toEntry);
  }

  async *scan(filter: ResolvedAuditFilter): AsyncIterable<AuditEntry[]> {
    const { clause, params } = whereOf(filter);
    let after = -1;
    for (;;) {
      const n = params.length;
      const r = await this.pool.read((c) =>
        c.query<StoredEntry>(`SELECT ${ENTRY_COLUMNS} FROM audit WHERE ${clause} AND seq > $${n + 1} ORDER BY seq LIMIT ${SCAN_BATCH}`, [...params, after]),
      );
      if (r.rows.length > 0) yield r.rows.map(toEntry);
      if (r.rows.length < SCAN_BATCH) return;
      after = Number(r.rows.at(-1)!.seq);
    }
  }

  /**
   * Retention, as on the workstation's SQLite (SqliteAuditLog.purgeBefore): every row up to the last one
   * written before `cutoffIso` goes, never the newest, and a checkpoint row recording the range and the
   * last hash removed is appended in the same transaction, chained with the team's key like any row. The
   * rows themselves are removed by the owner's function helpdesk_audit_purge (migration step 5): this role
   * holds no DELETE on the audit, and the function refuses any range that is not recorded by the newest
   * row or that reaches rows within the owner's floor (audit_retention_floor_days). A cutoff past that
   * floor is brought back to it (the checkpoint then says `floor`). The workstations' brought-along
   * segments (audit_segments, audit_imported) are not purged.
   */
  async purgeBefore(cutoffIso: string, operator: string, cutoffDay: string): Promise<AuditPurgeResult> {
    const none: AuditPurgeResult = { purged: 0, through: null, checkpoint: null };
    return this.pool.transaction(async (c) => {
      // Purges take turns (only a purge removes rows: the walk below then sees none go missing under it).
      await c.query("SELECT pg_advisory_xact_lock(hashtextextended('helpdesk audit purge', 0))");
      // A purge must not launder earlier tampering: the chain is checked first, in this transaction. Most
      // of it before the head is locked (every workstation's appends wait on that lock), then, locked, the
      // rows appended meanwhile — and the head row must be the chain's last row.
      const walk = await startWalk(c, this.key);
      const seen = await walkFrom(c, walk, -1);
      await c.query(LOCK_ORDER);
      const head = (await c.query<LockedHead>(LOCK_HEAD)).rows[0];
      if (!head) throw new HelpdeskError('AUDIT_TAMPERED', { detail: 'no head row' });
      await walkFrom(c, walk, seen);
      const check = walk.report();
      if (!check.ok) throw new HelpdeskError('AUDIT_TAMPERED', { detail: `first bad row ${check.firstBad}` });
      if ((check.head?.seq ?? 0) !== Number(head.seq) || (check.head && !sameHex(check.head.hash, head.hash))) {
        throw new HelpdeskError('AUDIT_TAMPERED', { detail: 'the head row is not the last row' });
      }
      if (!check.head) return none;

      const bounds = await c.query<{ first: string; floor_ms: string }>(
        'SELECT (SELECT min(seq) FROM audit)::text AS first, floor(extract(epoch FROM helpdesk_audit_purge_floor()) * 1000)::bigint::text AS floor_ms',
      );
      const first = Number(bounds.rows[0]!.first);
      const floorIso = new Date(Number(bounds.rows[0]!.floor_ms)).toISOString();
      const before = cutoffIso <= floorIso ? cutoffIso : floorIso;
      // The prefix before the first row written on or after the cutoff (a clock set back later cannot pull
      // newer rows in); never the newest row: the chain keeps a head to link the checkpoint to.
      const kept = await c.query<{ seq: string | null }>('SELECT min(seq)::text AS seq FROM audit WHERE at >= $1', [before]);
      const through = Math.min((kept.rows[0]!.seq === null ? check.head.seq + 1 : Number(kept.rows[0]!.seq)) - 1, check.head.seq - 1);
      if (through < first) return none;
      const last = (await c.query<{ hash: string }>('SELECT hash FROM audit WHERE seq = $1', [through])).rows[0]!;
      const detail = { ...checkpointDetail(first, { seq: through, hash: last.hash }, cutoffDay), ...(before === cutoffIso ? {} : { floor: floorIso }) };
      const checkpoint = this.nextRow(c, head, { operator, action: 'audit.checkpoint', outcome: 'ok', detail });
      await c.query(checkpoint.sql);
      let removed: string;
      try {
        // A long purge may outlast a query's usual bound; the appends of the team wait meanwhile.
        await c.query(`SET LOCAL statement_timeout = ${PURGE_TIMEOUT_MS}`);
        const purge: pg.QueryConfig & { query_timeout: number } = { text: 'SELECT helpdesk_audit_purge($1)::text AS n', values: [through], query_timeout: PURGE_TIMEOUT_MS };
        removed = (await c.query<{ n: string }>(purge)).rows[0]!.n;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'HD001' || code === 'HD002') throw new HelpdeskError('ACTION_NOT_PERMITTED', { reason: 'retention_floor', detail: code, cause: err });
        throw err;
      }
      if (Number(removed) !== detail.rows) throw new HelpdeskError('AUDIT_TAMPERED', { detail: 'row count changed during the purge' });
      return { purged: detail.rows, through, checkpoint: checkpoint.seq };
    });
  }
}

/** A walk of the team's chain from its latest retention checkpoint (verify and purge alike). */
async function startWalk(c: pg.ClientBase, key: Buffer, expectedHead?: AuditHead): Promise<ReturnType<typeof createChainWalk>> {
  const checkpoints = await c.query<{ detail: string }>("SELECT detail FROM audit WHERE action = 'audit.checkpoint' ORDER BY seq");
  return createChainWalk(key, checkpointFrom(checkpoints.rows.map((r) => r.detail)), expectedHead);
}

/** Adds the chain's rows after seq `after` to the walk, in order, in batches; the last seq read (or `after`). */
async function walkFrom(c: pg.ClientBase, walk: ReturnType<typeof createChainWalk>, after: number): Promise<number> {
  for (;;) {
    const batch = await c.query<AuditRow & { seq: string }>(
      'SELECT seq, at, operator, action, outcome, target, unit, case_id, detail, prev_hash, hash FROM audit WHERE seq > $1 ORDER BY seq LIMIT 5000',
      [after],
    );
    for (const r of batch.rows) walk.add({ ...r, seq: Number(r.seq) });
    if (batch.rows.length > 0) after = Number(batch.rows.at(-1)!.seq);
    if (batch.rows.length < 5000) return after;
  }
}

function toEntry(r: StoredEntry): AuditEntry {
  return {
    seq: Number(r.seq),
    at: r.at,
    operator: r.operator,
    action: r.action as AuditEntry['action'],
    outcome: r.outcome,
    target: r.target,
    unit: r.unit,
    caseId: r.case_id,
    detail: JSON.parse(r.detail) as AuditEntry['detail'],
  };
}

/** The WHERE clause of a filter: fixed SQL with numbered parameters, never a value spliced in. */
function whereOf(f: ResolvedAuditFilter): { clause: string; params: string[] } {
  const parts: string[] = [];
  const params: string[] = [];
  const add = (column: string, op: string, value: string | null | undefined) => {
    if (value === null || value === undefined) return;
    params.push(value);
    parts.push(`${column} ${op} $${params.length}`);
  };
  add('at', '>=', f.fromIso);
  add('at', '<', f.toIso);
  add('operator', '=', f.operator);
  add('target', '=', f.account);
  add('action', '=', f.action);
  add('outcome', '=', f.outcome);
  add('unit', '=', f.unit);
  add('case_id', '=', f.caseId);
  return { clause: parts.length ? parts.join(' AND ') : 'TRUE', params };
}
