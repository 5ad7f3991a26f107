import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuditEntry } from '../../common/dto';
import type { AuditChainReport, AuditHead } from '../../domain/ports';
import { type Db } from './database';

/** prev_hash of the first row. */
export const GENESIS_HASH = '0'.repeat(64);

/** Problems listed at most by one verification (the count is always exact). */
export const MAX_LISTED_PROBLEMS = 1000;

/** A stored audit row, as the chain sees it. */
export interface AuditRow {
  seq: number;
  at: string;
  operator: string | null;
  action: string;
  outcome: AuditEntry['outcome'];
  target: string | null;
  unit: string | null;
  case_id: string | null;
  detail: string;
  prev_hash: string;
  hash: string;
}

/** The row's content in one unambiguous text: a JSON array of every column but the two hashes. */
export function canonicalRow(r: Omit<AuditRow, 'prev_hash' | 'hash'>): string {
  return JSON.stringify([r.seq, r.at, r.operator, r.action, r.outcome, r.target, r.unit, r.case_id, r.detail]);
}

/** hash = HMAC-SHA256(key, prev_hash ‖ "\n" ‖ canonical row), hex. */
export function chainHash(key: Buffer, prevHash: string, r: Omit<AuditRow, 'prev_hash' | 'hash'>): string {
  return createHmac('sha256', key).update(prevHash).update('\n').update(canonicalRow(r)).digest('hex');
}

export function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === 32 && x.length === y.length && timingSafeEqual(x, y);
}

/** A new audit chain key (32 random bytes), kept in the keychain by the caller. */
export function newAuditKey(): Buffer {
  return randomBytes(32);
}

/** No row yet, chained or not. */
export function auditIsEmpty(db: Db): boolean {
  const legacy = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_unchained'").get();
  if (legacy && db.prepare('SELECT 1 FROM audit_unchained LIMIT 1').get()) return false;
  return !db.prepare('SELECT 1 FROM audit LIMIT 1').get();
}

/** Whether `key` wrote the chain's last row (an empty chain fits any key). */
export function keyFitsChain(db: Db, key: Buffer): boolean {
  const last = db.prepare('SELECT seq, at, operator, action, outcome, target, unit, case_id, detail, prev_hash, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as AuditRow | undefined;
  return !last || sameHex(last.hash, chainHash(key, last.prev_hash, last));
}

/**
 * Walks the chain in seq order: every row's hash recomputed, every link to the previous row checked,
 * every missing seq named. With an exported head, a shortened chain (rows cut from the end) is caught too.
 */
export function verifyAuditChain(db: Db, key: Buffer, expectedHead?: AuditHead): AuditChainReport {
  const walk = createChainWalk(key, purgedThrough(db), expectedHead);
  const all = db.prepare('SELECT seq, at, operator, action, outcome, target, unit, case_id, detail, prev_hash, hash FROM audit ORDER BY seq');
  for (const r of all.iterate() as IterableIterator<AuditRow>) walk.add(r);
  return walk.report();
}

/**
 * The verification of one chain, whatever store holds it (the workstation's SQLite, the team's
 * PostgreSQL): rows are added in seq order from `start` (after a retention purge, the latest checkpoint).
 */
export function createChainWalk(key: Buffer, start: Checkpoint, expectedHead?: AuditHead): { add(r: AuditRow): void; report(): AuditChainReport } {
  const problems: AuditChainReport['problems'] = [];
  let problemCount = 0;
  const flag = (seq: number, problem: AuditChainReport['problems'][number]['problem']) => {
    problemCount++;
    if (problems.length < MAX_LISTED_PROBLEMS) problems.push({ seq, problem });
  };
  let rows = 0;
  let prev: { seq: number; hash: string } | null = null;
  let headAtExpected: string | null = null;
  return {
    add(r) {
      rows++;
      const expectedSeq: number = prev ? prev.seq + 1 : start.through + 1;
      if (r.seq !== expectedSeq) flag(expectedSeq, 'missing');
      const expectedPrev = prev ? prev.hash : start.hash;
      if (!sameHex(r.prev_hash, expectedPrev)) flag(r.seq, 'link');
      if (!sameHex(r.hash, chainHash(key, r.prev_hash, r))) flag(r.seq, 'hash');
      if (expectedHead && r.seq === expectedHead.seq) headAtExpected = r.hash;
      prev = { seq: r.seq, hash: r.hash };
    },
    report() {
      if (expectedHead && expectedHead.seq <= start.through) {
        // A head exported before a retention purge: only the checkpoint's own last row can be compared.
        if (expectedHead.seq === start.through && !sameHex(start.hash, expectedHead.hash)) flag(expectedHead.seq, 'head');
      } else if (expectedHead) {
        if (!prev || prev.seq < expectedHead.seq) flag(prev ? prev.seq + 1 : start.through + 1, 'truncated');
        else if (headAtExpected === null || !sameHex(headAtExpected, expectedHead.hash)) flag(expectedHead.seq, 'head');
      }
      problems.sort((a, b) => a.seq - b.seq);
      return { ok: problemCount === 0, rows, head: prev, problemCount, problems, firstBad: problems[0]?.seq ?? null };
    },
  };
}

/** What a retention purge removed: rows 1..through, the last of which had `hash`. */
export interface Checkpoint {
  through: number;
  hash: string;
}

/** The latest retention checkpoint still in the table (none: the chain starts at seq 1 from genesis). */
export function purgedThrough(db: Db): Checkpoint {
  return checkpointFrom((db.prepare("SELECT detail FROM audit WHERE action = 'audit.checkpoint' ORDER BY seq").all() as { detail: string }[]).map((r) => r.detail));
}

/**
 * What a retention checkpoint row records (its detail, whatever store holds the chain): the range removed,
 * rows `purgedFrom`..`through`, the hash of the last of them (where the chain goes on from), how many, and
 * the VN day before which rows were due to go.
 */
export function checkpointDetail(purgedFrom: number, last: { seq: number; hash: string }, before: string) {
  return { purgedFrom, through: last.seq, throughHash: last.hash, rows: last.seq - purgedFrom + 1, before };
}

/** The latest checkpoint among the details of the chain's `audit.checkpoint` rows. */
export function checkpointFrom(details: Iterable<string>): Checkpoint {
  let best: Checkpoint = { through: 0, hash: GENESIS_HASH };
  for (const detail of details) {
    try {
      const d = JSON.parse(detail) as { through?: unknown; throughHash?: unknown };
      if (typeof d.through === 'number' && typeof d.throughHash === 'string' && d.through > best.through) best = { through: d.through, hash: d.throughHash };
    } catch {
      // an unreadable detail fails the row's own hash check
    }
  }
  return best;
}
