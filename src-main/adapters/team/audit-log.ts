import type { AuditEntry, AuditPage, AuditPurgeResult } from '../../common/dto';
import type { ResolvedAuditFilter } from '../../domain/audit-filter';
import { HelpdeskError } from '../../domain/errors';
import type { AuditChainReport, AuditHead, AuditLog, AuditRecord, Clock } from '../../domain/ports';
import { chainHash, checkpointFrom, createChainWalk, type AuditRow } from '../store/audit-chain';
import { cleanRecord } from '../store/audit-store';
import type pg from 'pg';
import type { TeamPool } from './pool';
import { verifySegments } from './segments';

const ENTRY_COLUMNS = 'seq, at, operator, action, outcome, target, unit, case_id, detail';
const COUNT_CAP = 10_000;
const SCAN_BATCH = 2000;

/** A row as PostgreSQL returns it (bigint seq as text). */
type StoredEntry = Omit<AuditRow, 'seq' | 'prev_hash' | 'hash'> & { seq: string };

/**
 * The team's one audit chain in PostgreSQL. Every workstation appends through the head row, locked
 * FOR UPDATE: appends from the whole hotline take one order, each linked by an HMAC whose key the
 * team's workstations share through their keychains (never in the database). Each row names its
 * workstation (in the row and in its hashed detail). Durable once append resolves (a committed
 * transaction). The app's role may insert and read, never update or delete (grants and a trigger).
 */
export class PgAuditLog implements AuditLog {
  constructor(
    private readonly pool: TeamPool,
    private readonly clock: Clock,
    private readonly key: Buffer,
  ) {
    if (key.length < 32) throw new Error('audit key must be at least 32 bytes');
  }

  async append(record: AuditRecord): Promise<void> {
    const workstation = this.pool.profile.workstation;
    const clean = cleanRecord({ ...record, detail: { ...record.detail, workstation } });
    // Two round trips while the head is locked (every workstation waits on it): the lock taken with the
    // transaction's start, then the row, the new head and the commit together. The values go in as
    // literals escaped by the client library (a multi-statement query takes no parameters).
    await this.pool.read(async (c) => {
      const opened = (await c.query('BEGIN; SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE')) as unknown as pg.QueryResult<{ seq: string; hash: string }>[];
      try {
        const head = opened[1]?.rows[0];
        if (!head) throw new HelpdeskError('AUDIT_TAMPERED', { detail: 'no head row' });
        const row = { ...clean, seq: Number(head.seq) + 1, at: this.clock.now().toISOString() };
        const hash = chainHash(this.key, head.hash, row);
        const lit = (v: string | null): string => (v === null ? 'NULL' : c.escapeLiteral(v));
        const values = [lit(row.at), lit(workstation), lit(row.operator), lit(row.action), lit(row.outcome), lit(row.target), lit(row.unit), lit(row.case_id), lit(row.detail), lit(head.hash), lit(hash)];
        await c.query(
          `INSERT INTO audit (seq, at, workstation, operator, action, outcome, target, unit, case_id, detail, prev_hash, hash) VALUES (${row.seq}, ${values.join(', ')});
           UPDATE audit_head SET seq = ${row.seq}, hash = ${lit(hash)} WHERE id = 1;
           COMMIT`,
        );
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
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
    const main = await this.pool.read(async (c) => {
      const checkpoints = await c.query<{ detail: string }>("SELECT detail FROM audit WHERE action = 'audit.checkpoint' ORDER BY seq");
      const walk = createChainWalk(this.key, checkpointFrom(checkpoints.rows.map((r) => r.detail)), expectedHead);
      let after = -1;
      for (;;) {
        const batch = await c.query<AuditRow & { seq: string }>(
          'SELECT seq, at, operator, action, outcome, target, unit, case_id, detail, prev_hash, hash FROM audit WHERE seq > $1 ORDER BY seq LIMIT 5000',
          [after],
        );
        for (const r of batch.rows) walk.add({ ...r, seq: Number(r.seq) });
        if (batch.rows.length < 5000) break;
        after = Number(batch.rows.at(-1)!.seq);
      }
      return walk.report();
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

  /** Retention on the team store is not offered yet: the purge would need a function of the owner's. */
  async purgeBefore(): Promise<AuditPurgeResult> {
    throw new HelpdeskError('ACTION_NOT_PERMITTED', { reason: 'team_retention' });
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
