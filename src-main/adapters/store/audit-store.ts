import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuditEntry } from '../../common/dto';
import type { AuditChainReport, AuditHead, AuditLog, AuditRecord, Clock } from '../../domain/ports';
import type { Db } from './database';

type Scalar = string | number | boolean | null;

/** prev_hash of the first row. */
export const GENESIS_HASH = '0'.repeat(64);
/** Problems listed at most by one verification (the count is always exact). */
const MAX_LISTED_PROBLEMS = 1000;

/** Removes CR/LF and other control characters so a logged field cannot forge a line. */
export function cleanField(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/gu, ' ').slice(0, 512);
}

function cleanDetail(detail: Record<string, Scalar> | undefined): Record<string, Scalar> {
  const out: Record<string, Scalar> = {};
  for (const [k, v] of Object.entries(detail ?? {})) out[cleanField(k)] = typeof v === 'string' ? cleanField(v) : v;
  return out;
}

/** A stored audit row, as the chain sees it. */
interface AuditRow {
  seq: number;
  at: string;
  operator: string | null;
  action: string;
  outcome: AuditEntry['outcome'];
  target: string | null;
  case_id: string | null;
  detail: string;
  prev_hash: string;
  hash: string;
}

/** The row's content in one unambiguous text: a JSON array of every column but the two hashes. */
export function canonicalRow(r: Omit<AuditRow, 'prev_hash' | 'hash'>): string {
  return JSON.stringify([r.seq, r.at, r.operator, r.action, r.outcome, r.target, r.case_id, r.detail]);
}

/** hash = HMAC-SHA256(key, prev_hash ‖ "\n" ‖ canonical row), hex. */
export function chainHash(key: Buffer, prevHash: string, r: Omit<AuditRow, 'prev_hash' | 'hash'>): string {
  return createHmac('sha256', key).update(prevHash).update('\n').update(canonicalRow(r)).digest('hex');
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === 32 && x.length === y.length && timingSafeEqual(x, y);
}

/** A new audit chain key (32 random bytes), kept in the keychain by the caller. */
export function newAuditKey(): Buffer {
  return randomBytes(32);
}

/**
 * Walks the chain in seq order: every row's hash recomputed, every link to the previous row checked,
 * every missing seq named. With an exported head, a shortened chain (rows cut from the end) is caught too.
 */
export function verifyAuditChain(db: Db, key: Buffer, expectedHead?: AuditHead): AuditChainReport {
  const problems: AuditChainReport['problems'] = [];
  let problemCount = 0;
  const report = (seq: number, problem: AuditChainReport['problems'][number]['problem']) => {
    problemCount++;
    if (problems.length < MAX_LISTED_PROBLEMS) problems.push({ seq, problem });
  };
  let rows = 0;
  let prev: { seq: number; hash: string } | null = null;
  let headAtExpected: string | null = null;
  const all = db.prepare('SELECT seq, at, operator, action, outcome, target, case_id, detail, prev_hash, hash FROM audit ORDER BY seq');
  for (const r of all.iterate() as IterableIterator<AuditRow>) {
    rows++;
    const expectedSeq: number = prev ? prev.seq + 1 : 1;
    if (r.seq !== expectedSeq) report(expectedSeq, 'missing');
    const expectedPrev = prev ? prev.hash : GENESIS_HASH;
    if (!sameHex(r.prev_hash, expectedPrev)) report(r.seq, 'link');
    if (!sameHex(r.hash, chainHash(key, r.prev_hash, r))) report(r.seq, 'hash');
    if (expectedHead && r.seq === expectedHead.seq) headAtExpected = r.hash;
    prev = { seq: r.seq, hash: r.hash };
  }
  if (expectedHead) {
    if (!prev || prev.seq < expectedHead.seq) report(prev ? prev.seq + 1 : 1, 'truncated');
    else if (headAtExpected === null || !sameHex(headAtExpected, expectedHead.hash)) report(expectedHead.seq, 'head');
  }
  problems.sort((a, b) => a.seq - b.seq);
  return {
    ok: problemCount === 0,
    rows,
    head: prev,
    problemCount,
    problems,
    firstBad: problems[0]?.seq ?? null,
  };
}

/**
 * The audit trail in SQLite: append-only (triggers refuse UPDATE and DELETE), each row chained to the
 * previous one by an HMAC whose key lives in the keychain. Each append is its own durable transaction
 * (WAL, synchronous FULL): once append returns, the row survives a crash.
 */
export class SqliteAuditLog implements AuditLog {
  private readonly insert;
  private readonly latest;
  private readonly lastRow;
  private readonly appendTx;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly key: Buffer,
  ) {
    if (key.length < 32) throw new Error('audit key must be at least 32 bytes');
    this.insert = db.prepare(
      'INSERT INTO audit (seq, at, operator, action, outcome, target, case_id, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.latest = db.prepare('SELECT seq, at, operator, action, outcome, target, detail FROM audit ORDER BY seq DESC LIMIT ?');
    this.lastRow = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
    this.appendTx = db.transaction((row: Omit<AuditRow, 'seq' | 'prev_hash' | 'hash'>) => {
      // Read the head inside the (immediate) transaction: the chain never forks.
      const head = this.lastRow.get() as { seq: number; hash: string } | undefined;
      const full = { ...row, seq: (head?.seq ?? 0) + 1 };
      const prev = head?.hash ?? GENESIS_HASH;
      this.insert.run(full.seq, full.at, full.operator, full.action, full.outcome, full.target, full.case_id, full.detail, prev, chainHash(this.key, prev, full));
    });
    this.chainUnchained();
  }

  /** Rows written before the chain existed (schema v1) join it once, in their order, then the old table goes. */
  private chainUnchained(): void {
    const exists = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_unchained'").get();
    if (!exists) return;
    this.db.transaction(() => {
      const old = this.db.prepare('SELECT at, operator, action, outcome, target, detail FROM audit_unchained ORDER BY seq').all() as {
        at: string; operator: string | null; action: string; outcome: AuditEntry['outcome']; target: string | null; detail: string;
      }[];
      for (const r of old) this.appendTx.immediate({ ...r, case_id: caseOf(r.detail) });
      this.db.exec('DROP TABLE audit_unchained');
    }).immediate();
  }

  append(r: AuditRecord): void {
    const detail = cleanDetail(r.detail);
    this.appendTx.immediate({
      at: this.clock.now().toISOString(),
      operator: r.operator === null ? null : cleanField(r.operator),
      action: cleanField(r.action),
      outcome: r.outcome,
      target: r.target == null ? null : cleanField(r.target),
      case_id: typeof detail.case === 'string' ? detail.case : null,
      detail: JSON.stringify(detail),
    });
  }

  recent(limit: number): AuditEntry[] {
    const rows = this.latest.all(limit) as {
      seq: number; at: string; operator: string | null; action: string; outcome: AuditEntry['outcome']; target: string | null; detail: string;
    }[];
    return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as AuditEntry['detail'] }));
  }

  head(): AuditHead | null {
    return (this.lastRow.get() as AuditHead | undefined) ?? null;
  }

  verify(expectedHead?: AuditHead): AuditChainReport {
    return verifyAuditChain(this.db, this.key, expectedHead);
  }
}

function caseOf(detail: string): string | null {
  try {
    const v = (JSON.parse(detail) as { case?: unknown }).case;
    return typeof v === 'string' ? v : null;
  } catch {
    return null;
  }
}
