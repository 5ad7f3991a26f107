import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuditEntry, AuditPage, AuditPurgeResult } from '../../common/dto';
import type { ResolvedAuditFilter } from '../../domain/audit-filter';
import { loggableText } from '../../common/text-rules';
import { HelpdeskError } from '../../domain/errors';
import type { AuditChainReport, AuditHead, AuditLog, AuditRecord, Clock } from '../../domain/ports';
import { AUDIT_NO_DELETE_TRIGGER, type Db, storageError } from './database';

type Scalar = string | number | boolean | null;

/** prev_hash of the first row. */
export const GENESIS_HASH = '0'.repeat(64);
/** Problems listed at most by one verification (the count is always exact). */
const MAX_LISTED_PROBLEMS = 1000;
/** Matches counted at most for the audit view's total. */
const COUNT_CAP = 100_000;
const ENTRY_COLUMNS = 'seq, at, operator, action, outcome, target, unit, case_id, detail';


/**
 * Removes CR/LF and the other control characters (bidi overrides included) so a logged field cannot
 * forge a line or display in another order than stored; lone surrogates become U+FFFD before hashing,
 * so what SQLite stores is what was hashed.
 */
export function cleanField(value: string): string {
  return loggableText(value, 512);
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

function sameHex(a: string, b: string): boolean {
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
  const problems: AuditChainReport['problems'] = [];
  let problemCount = 0;
  const report = (seq: number, problem: AuditChainReport['problems'][number]['problem']) => {
    problemCount++;
    if (problems.length < MAX_LISTED_PROBLEMS) problems.push({ seq, problem });
  };
  let rows = 0;
  let prev: { seq: number; hash: string } | null = null;
  let headAtExpected: string | null = null;
  // After a retention purge the chain starts where the latest checkpoint says (the checkpoint row is
  // itself a link of the chain: a forged one fails its own hash).
  const start = purgedThrough(db);
  const all = db.prepare('SELECT seq, at, operator, action, outcome, target, unit, case_id, detail, prev_hash, hash FROM audit ORDER BY seq');
  for (const r of all.iterate() as IterableIterator<AuditRow>) {
    rows++;
    const expectedSeq: number = prev ? prev.seq + 1 : start.through + 1;
    if (r.seq !== expectedSeq) report(expectedSeq, 'missing');
    const expectedPrev = prev ? prev.hash : start.hash;
    if (!sameHex(r.prev_hash, expectedPrev)) report(r.seq, 'link');
    if (!sameHex(r.hash, chainHash(key, r.prev_hash, r))) report(r.seq, 'hash');
    if (expectedHead && r.seq === expectedHead.seq) headAtExpected = r.hash;
    prev = { seq: r.seq, hash: r.hash };
  }
  if (expectedHead && expectedHead.seq <= start.through) {
    // A head exported before a retention purge: only the checkpoint's own last row can be compared.
    if (expectedHead.seq === start.through && !sameHex(start.hash, expectedHead.hash)) report(expectedHead.seq, 'head');
  } else if (expectedHead) {
    if (!prev || prev.seq < expectedHead.seq) report(prev ? prev.seq + 1 : start.through + 1, 'truncated');
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

/** What a retention purge removed: rows 1..through, the last of which had `hash`. */
interface Checkpoint {
  through: number;
  hash: string;
}

/** The latest retention checkpoint still in the table (none: the chain starts at seq 1 from genesis). */
function purgedThrough(db: Db): Checkpoint {
  let best: Checkpoint = { through: 0, hash: GENESIS_HASH };
  for (const { detail } of db.prepare("SELECT detail FROM audit WHERE action = 'audit.checkpoint' ORDER BY seq").all() as { detail: string }[]) {
    try {
      const d = JSON.parse(detail) as { through?: unknown; throughHash?: unknown };
      if (typeof d.through === 'number' && typeof d.throughHash === 'string' && d.through > best.through) best = { through: d.through, hash: d.throughHash };
    } catch {
      // an unreadable detail fails the row's own hash check
    }
  }
  return best;
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
  /** The chain's head as this process last wrote or read it. */
  private headCache: AuditHead | null = null;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly key: Buffer,
  ) {
    if (key.length < 32) throw new Error('audit key must be at least 32 bytes');
    this.insert = db.prepare(
      'INSERT INTO audit (seq, at, operator, action, outcome, target, unit, case_id, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.latest = db.prepare(`SELECT ${ENTRY_COLUMNS} FROM audit ORDER BY seq DESC LIMIT ?`);
    this.lastRow = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
    this.chainUnchained();
  }

  /**
   * Inserts the row as the next link. The seq is the primary key: if another writer got there first the
   * insert fails, the head is read again and the row goes after it — the chain never forks, and the
   * common case costs one INSERT (one fsync), like a plain log.
   */
  private insertNext(row: Omit<AuditRow, 'seq' | 'prev_hash' | 'hash'>): void {
    for (let attempt = 0; ; attempt++) {
      if (!this.headCache || attempt > 0) this.headCache = (this.lastRow.get() as AuditHead | undefined) ?? null;
      const full = { ...row, seq: (this.headCache?.seq ?? 0) + 1 };
      const prev = this.headCache?.hash ?? GENESIS_HASH;
      const hash = chainHash(this.key, prev, full);
      try {
        this.insert.run(full.seq, full.at, full.operator, full.action, full.outcome, full.target, full.unit, full.case_id, full.detail, prev, hash);
      } catch (err) {
        if (attempt < 3 && (err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') continue;
        this.headCache = null;
        throw storageError(err);
      }
      this.headCache = { seq: full.seq, hash };
      return;
    }
  }

  /** Rows written before the chain existed (schema v1) join it once, in their order, then the old table goes. */
  private chainUnchained(): void {
    const exists = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_unchained'").get();
    if (!exists) return;
    this.db.transaction(() => {
      const old = this.db.prepare('SELECT at, operator, action, outcome, target, detail FROM audit_unchained ORDER BY seq').all() as {
        at: string; operator: string | null; action: string; outcome: AuditEntry['outcome']; target: string | null; detail: string;
      }[];
      for (const r of old) this.insertNext({ ...r, unit: null, case_id: caseOf(r.detail) });
      this.db.exec('DROP TABLE audit_unchained');
    }).immediate();
  }

  append(r: AuditRecord): void {
    const detail = cleanDetail(r.detail);
    this.insertNext({
      at: this.clock.now().toISOString(),
      operator: r.operator === null ? null : cleanField(r.operator),
      action: cleanField(r.action),
      outcome: r.outcome,
      target: r.target == null ? null : cleanField(r.target),
      unit: r.unit == null ? null : cleanField(r.unit),
      case_id: typeof detail.case === 'string' ? detail.case : null,
      detail: JSON.stringify(detail),
    });
  }

  recent(limit: number): AuditEntry[] {
    return (this.latest.all(limit) as StoredEntry[]).map(toEntry);
  }

  query(filter: ResolvedAuditFilter, before: number | null, limit: number): AuditPage {
    const { clause, params } = whereOf(filter);
    const page = this.db
      .prepare(`SELECT ${ENTRY_COLUMNS} FROM audit WHERE ${clause}${before === null ? '' : ' AND seq < ?'} ORDER BY seq DESC LIMIT ?`)
      .all(...params, ...(before === null ? [] : [before]), limit + 1) as StoredEntry[];
    const more = page.length > limit;
    const rows = page.slice(0, limit).map(toEntry);
    const counted = (this.db.prepare(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM audit WHERE ${clause} LIMIT ?)`).get(...params, COUNT_CAP + 1) as { n: number }).n;
    return {
      rows,
      nextBefore: more ? rows.at(-1)!.seq : null,
      total: Math.min(counted, COUNT_CAP),
      totalIsLowerBound: counted > COUNT_CAP,
    };
  }

  timeline(caseId: string): AuditEntry[] {
    return (this.db.prepare(`SELECT ${ENTRY_COLUMNS} FROM audit WHERE case_id = ? ORDER BY seq`).all(caseId) as StoredEntry[]).map(toEntry);
  }

  *scan(filter: ResolvedAuditFilter): Iterable<AuditEntry> {
    const { clause, params } = whereOf(filter);
    for (const r of this.db.prepare(`SELECT ${ENTRY_COLUMNS} FROM audit WHERE ${clause} ORDER BY seq`).iterate(...params) as IterableIterator<StoredEntry>) {
      yield toEntry(r);
    }
  }

  head(): AuditHead | null {
    return (this.lastRow.get() as AuditHead | undefined) ?? null;
  }

  /**
   * Retention: removes the oldest rows (every row up to the last one written before `cutoffIso`) and,
   * in the same transaction, appends a checkpoint row recording what went (the range and the hash of
   * the last row removed) — the chain stays verifiable from there. The only DELETE the table ever sees.
   */
  purgeBefore(cutoffIso: string, operator: string, cutoffDay: string): AuditPurgeResult {
    const run = this.db.transaction((): AuditPurgeResult => {
      // A purge must not launder earlier tampering: the chain is checked first, in the same transaction.
      const check = verifyAuditChain(this.db, this.key);
      if (!check.ok) throw new HelpdeskError('AUDIT_TAMPERED', { detail: `first bad row ${check.firstBad}` });
      const first = this.db.prepare('SELECT MIN(seq) AS seq FROM audit').get() as { seq: number | null };
      const head = this.head();
      if (first.seq === null || !head) return { purged: 0, through: null, checkpoint: null };
      // The prefix before the first row written on or after the cutoff (a clock set back later cannot
      // pull newer rows in); never the newest row: the chain keeps a head to link the checkpoint to.
      const kept = this.db.prepare('SELECT MIN(seq) AS seq FROM audit WHERE at >= ?').get(cutoffIso) as { seq: number | null };
      const through = Math.min((kept.seq ?? head.seq + 1) - 1, head.seq - 1);
      if (through < first.seq) return { purged: 0, through: null, checkpoint: null };
      const last = this.db.prepare('SELECT seq, hash FROM audit WHERE seq = ?').get(through) as AuditHead;
      const purged = last.seq - first.seq + 1; // no gaps: the chain was just verified
      this.insertNext({
        at: this.clock.now().toISOString(),
        operator: cleanField(operator),
        action: 'audit.checkpoint',
        outcome: 'ok',
        target: null,
        unit: null,
        case_id: null,
        detail: JSON.stringify({ purgedFrom: first.seq, through: last.seq, throughHash: last.hash, rows: purged, before: cutoffDay }),
      });
      const checkpoint = this.headCache!.seq;
      this.db.exec('DROP TRIGGER audit_no_delete');
      const deleted = this.db.prepare('DELETE FROM audit WHERE seq <= ?').run(last.seq).changes;
      this.db.exec(AUDIT_NO_DELETE_TRIGGER);
      if (deleted !== purged) throw new HelpdeskError('AUDIT_TAMPERED', { detail: 'row count changed during the purge' });
      return { purged, through: last.seq, checkpoint };
    });
    try {
      return run.immediate();
    } catch (err) {
      this.headCache = null; // the checkpoint row was rolled back with the rest
      throw storageError(err);
    }
  }


  verify(expectedHead?: AuditHead): AuditChainReport {
    return verifyAuditChain(this.db, this.key, expectedHead);
  }
}

type StoredEntry = Omit<AuditRow, 'prev_hash' | 'hash'>;

function toEntry(r: StoredEntry): AuditEntry {
  return {
    seq: r.seq,
    at: r.at,
    operator: r.operator,
    action: r.action,
    outcome: r.outcome,
    target: r.target,
    unit: r.unit,
    caseId: r.case_id,
    detail: JSON.parse(r.detail) as AuditEntry['detail'],
  };
}

/** The WHERE clause of a filter: fixed SQL with bound parameters, never a value spliced in. */
function whereOf(f: ResolvedAuditFilter): { clause: string; params: (string | number)[] } {
  const parts: string[] = [];
  const params: (string | number)[] = [];
  const add = (sql: string, value: string | null) => {
    if (value === null) return;
    parts.push(sql);
    params.push(value);
  };
  add('at >= ?', f.fromIso);
  add('at < ?', f.toIso);
  add('operator = ?', f.operator);
  add('target = ?', f.account);
  add('action = ?', f.action);
  add('outcome = ?', f.outcome ?? null);
  add('unit = ?', f.unit);
  add('case_id = ?', f.caseId);
  return { clause: parts.length ? parts.join(' AND ') : '1', params };
}

function caseOf(detail: string): string | null {
  try {
    const v = (JSON.parse(detail) as { case?: unknown }).case;
    return typeof v === 'string' ? v : null;
  } catch {
    return null;
  }
}
