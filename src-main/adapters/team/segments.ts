import { createHmac } from 'node:crypto';
import type { AuditChainReport, AuditEntry, AuditHead } from '../../common/dto';
import { chainHash, createChainWalk, sameHex, type AuditRow } from '../store/audit-chain';
import type { TeamPool } from './pool';

/** The chain start of a segment: its own, so rows cannot move between segments unseen. */
export function segmentGenesis(key: Buffer, segmentId: number): string {
  return createHmac('sha256', key).update(`helpdesk audit segment ${segmentId}`).digest('hex');
}

/** What the joining workstation's own verification of its audit found, before it went. */
export interface LocalAudit {
  /** Its rows, oldest first, a batch at a time: a fresh walk at each call (the import may walk them twice). */
  rows: () => AsyncIterable<AuditEntry[]>;
  head: AuditHead | null;
  report: AuditChainReport;
}

/** A workstation's segment, as the import made it or found it. */
export interface ImportedSegment {
  segment: number;
  rows: number;
  /** What the workstation's own verification found when the segment was made. */
  localVerified: boolean;
  /** The local seq the segment ends with (null: the local chain was empty). */
  localHead: number | null;
  /** Made by an earlier import of this workstation (a join that failed after it): given back, not made again. */
  resumed: boolean;
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

interface StoredSegment {
  id: string;
  rows: number;
  head_hash: string;
  local_head_seq: string | null;
  local_head_hash: string | null;
  local_verified: boolean;
}

/**
 * Whether the local chain still holds a segment made from it: the same head, or — the chain went on since
 * (a failed join wrote its rows after the import) — its first rows, chained again with the team's key from
 * the segment's genesis, end on the segment's last hash at its local head. Rows are compared, not names.
 */
async function holds(key: Buffer, seg: StoredSegment, local: LocalAudit): Promise<boolean> {
  if (seg.local_head_seq === null || seg.local_head_hash === null) return false;
  const through = Number(seg.local_head_seq);
  if (local.head?.seq === through && local.head.hash === seg.local_head_hash) return true;
  if (!local.head || local.head.seq < through) return false;
  let prev = segmentGenesis(key, Number(seg.id));
  let count = 0;
  let last: number | null = null;
  for await (const e of flatten(local.rows())) {
    if (e.seq > through) break;
    prev = chainHash(key, prev, asRow(e, e.seq));
    last = e.seq;
    count++;
  }
  return last === through && count === seg.rows && sameHex(prev, seg.head_hash);
}

/**
 * Brings a workstation's own audit into the team store as a segment, in one transaction: every row
 * (its local seq kept) chained again with the team's key from the segment's genesis, then the segment's
 * row with the count, the last hash, the local head and what the local verification found (written
 * last: the tables are append-only). A local chain that did not verify still comes — flagged, never dropped.
 *
 * Once per workstation and local chain: a join retried after a later step failed (the settings save)
 * gets the segment its first try made (`resumed`), not a second copy of the same rows. The rows the local
 * chain gained since (the failed try's own) stay in the local SQLite; the caller records both heads.
 * Imports of one workstation name take turns (an advisory lock held to the commit), so two tries at once
 * cannot both find nothing and both import. Another machine under the same name has other rows: it gets
 * a segment of its own.
 */
export async function importSegment(pool: TeamPool, key: Buffer, by: string, local: LocalAudit): Promise<ImportedSegment> {
  const workstation = pool.profile.workstation;
  return pool.transaction(async (c) => {
    await c.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`helpdesk audit segment import\n${workstation}`]);
    const mine = await c.query<StoredSegment>(
      'SELECT id, rows, head_hash, local_head_seq, local_head_hash, local_verified FROM audit_segments WHERE workstation = $1 ORDER BY id',
      [workstation],
    );
    for (const seg of mine.rows) {
      if (await holds(key, seg, local)) {
        return { segment: Number(seg.id), rows: seg.rows, localVerified: seg.local_verified, localHead: seg.local_head_seq === null ? null : Number(seg.local_head_seq), resumed: true };
      }
    }
    const id = Number((await c.query<{ id: string }>("SELECT nextval('audit_segments_id_seq') AS id")).rows[0]!.id);
    let prev = segmentGenesis(key, id);
    let count = 0;
    let firstSeq: number | null = null;
    for await (const e of flatten(local.rows())) {
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
      [id, workstation, by, count, firstSeq, prev, local.head?.seq ?? null, local.head?.hash ?? null, local.report.ok, local.report.problemCount],
    );
    return { segment: id, rows: count, localVerified: local.report.ok, localHead: local.head?.seq ?? null, resumed: false };
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
