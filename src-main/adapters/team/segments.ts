import { createHmac } from 'node:crypto';
import type { AuditChainReport, AuditEntry, AuditHead } from '../../common/dto';
import { chainHash, createChainWalk, type AuditRow } from '../store/audit-chain';
import type { TeamPool } from './pool';

/** The chain start of a segment: its own, so rows cannot move between segments unseen. */
export function segmentGenesis(key: Buffer, segmentId: number): string {
  return createHmac('sha256', key).update(`helpdesk audit segment ${segmentId}`).digest('hex');
}

/** What the joining workstation's own verification of its audit found, before it went. */
export interface LocalAudit {
  rows: AsyncIterable<AuditEntry[]>;
  head: AuditHead | null;
  report: AuditChainReport;
}

async function* flatten<T>(batches: AsyncIterable<T[]>): AsyncIterable<T> {
  for await (const b of batches) yield* b;
}

const asRow = (e: AuditEntry, seq: number): Omit<AuditRow, 'prev_hash' | 'hash'> => ({
  seq,
  at: e.at,
  operator: e.operator,
  action: e.action,
  outcome: e.outcome,
  target: e.target,
  unit: e.unit,
  case_id: e.caseId,
  detail: JSON.stringify(e.detail),
});

/**
 * Brings a workstation's own audit into the team store as a segment, in one transaction: every row
 * (its local seq kept) chained again with the team's key from the segment's genesis, then the segment's
 * row with the count, the last hash, the local head and what the local verification found (written
 * last: the tables are append-only). A local chain that did not verify still comes — flagged, never dropped.
 */
export async function importSegment(pool: TeamPool, key: Buffer, by: string, local: LocalAudit): Promise<{ segment: number; rows: number }> {
  return pool.transaction(async (c) => {
    const id = Number((await c.query<{ id: string }>("SELECT nextval('audit_segments_id_seq') AS id")).rows[0]!.id);
    let prev = segmentGenesis(key, id);
    let count = 0;
    let firstSeq: number | null = null;
    for await (const e of flatten(local.rows)) {
      const row = asRow(e, e.seq);
      const hash = chainHash(key, prev, row);
      await c.query(
        'INSERT INTO audit_imported (segment_id, seq, at, operator, action, outcome, target, unit, case_id, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)',
        [id, row.seq, row.at, row.operator, row.action, row.outcome, row.target, row.unit, row.case_id, row.detail, prev, hash],
      );
      firstSeq ??= row.seq;
      prev = hash;
      count++;
    }
    await c.query(
      `INSERT INTO audit_segments (id, workstation, imported_by, rows, first_seq, head_hash, local_head_seq, local_head_hash, local_verified, local_problems)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [id, pool.profile.workstation, by, count, firstSeq, prev, local.head?.seq ?? null, local.head?.hash ?? null, local.report.ok, local.report.problemCount],
    );
    return { segment: id, rows: count };
  });
}

/**
 * Verifies every segment with the team's key: each row's hash and link from the segment's genesis, no
 * gap in its seqs, and its last hash and count as its segment row recorded them.
 */
export async function verifySegments(pool: TeamPool, key: Buffer): Promise<{ problems: AuditChainReport['problems']; problemCount: number; segments: NonNullable<AuditChainReport['segments']> }> {
  return pool.read(async (c) => {
    const segs = await c.query<{ id: string; workstation: string; rows: number; first_seq: string | null; head_hash: string; local_verified: boolean }>(
      'SELECT id, workstation, rows, first_seq, head_hash, local_verified FROM audit_segments ORDER BY id',
    );
    const problems: AuditChainReport['problems'] = [];
    let problemCount = 0;
    for (const s of segs.rows) {
      const id = Number(s.id);
      const first = s.first_seq === null ? 1 : Number(s.first_seq);
      const genesis = segmentGenesis(key, id);
      const walk = createChainWalk(key, { through: first - 1, hash: genesis });
      const rows = await c.query<AuditRow & { seq: string }>(
        'SELECT seq, at, operator, action, outcome, target, unit, case_id, detail, prev_hash, hash FROM audit_imported WHERE segment_id = $1 ORDER BY seq',
        [id],
      );
      for (const r of rows.rows) walk.add({ ...r, seq: Number(r.seq) });
      const report = walk.report();
      const last = report.head?.hash ?? genesis;
      for (const p of report.problems) problems.push({ ...p, segment: id });
      problemCount += report.problemCount;
      if (report.rows !== s.rows || last !== s.head_hash) {
        problems.push({ seq: (report.head?.seq ?? first - 1) + 1, problem: 'truncated', segment: id });
        problemCount++;
      }
    }
    return { problems, problemCount, segments: segs.rows.map((s) => ({ id: Number(s.id), workstation: s.workstation, rows: s.rows, localVerified: s.local_verified })) };
  });
}
