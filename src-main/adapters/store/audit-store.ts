import type { AuditEntry, AuditPage, AuditPurgeResult } from '../../common/dto';
import type { ResolvedAuditFilter } from '../../domain/audit-filter';
import { loggableText } from '../../common/text-rules';
import { HelpdeskError } from '../../domain/errors';
import type { AuditChainReport, AuditHead, AuditLog, AuditRecord, Clock } from '../../domain/ports';
import { AUDIT_NO_DELETE_TRIGGER, type Db, storageError } from './database';
import { GENESIS_HASH, chainHash, checkpointDetail, verifyAuditChain, type AuditRow } from './audit-chain';

/** The chain itself (hashing, verification, keys) lives in audit-chain.ts; its names are re-exported for the callers. */
export { auditIsEmpty, canonicalRow, chainHash, GENESIS_HASH, keyFitsChain, newAuditKey, verifyAuditChain } from './audit-chain';

type Scalar = string | number | boolean | null;

/**
 * Matches counted at most for the audit view's total; beyond it the page says "more than 10.000". An
 * exact count of a month of a busy hotline, or of every `code.send ok`, read 100,000 rows (80 ms).
 */
const COUNT_CAP = 10_000;
const ENTRY_COLUMNS = 'seq, at, operator, action, outcome, target, unit, case_id, detail';


/** Rows read at a time by scan(). */
const SCAN_BATCH = 2000;

/**
 * Removes CR/LF and the other control characters (bidi overrides included) so a logged field cannot
 * forge a line or display in another order than stored; lone surrogates become U+FFFD before hashing,
 * so what SQLite stores is what was hashed.
 */
export function cleanField(value: string): string {
  return loggableText(value, 512);
}

/** A record as the chain stores it: every text field cleaned, the detail as JSON, the case it belongs to. */
export function cleanRecord(r: AuditRecord): Omit<AuditRow, 'seq' | 'at' | 'prev_hash' | 'hash'> {
  const detail = cleanDetail(r.detail);
  return {
    operator: r.operator === null ? null : cleanField(r.operator),
    action: cleanField(r.action),
    outcome: r.outcome,
    target: r.target == null ? null : cleanField(r.target),
    unit: r.unit == null ? null : cleanField(r.unit),
    case_id: typeof detail.case === 'string' ? detail.case : null,
    detail: JSON.stringify(detail),
  };
}

function cleanDetail(detail: Record<string, Scalar> | undefined): Record<string, Scalar> {
  const out: Record<string, Scalar> = {};
  for (const [k, v] of Object.entries(detail ?? {})) out[cleanField(k)] = typeof v === 'string' ? cleanField(v) : v;
  return out;
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

  async append(r: AuditRecord): Promise<void> {
    this.insertNext({ at: this.clock.now().toISOString(), ...cleanRecord(r) });
  }

  async recent(limit: number): Promise<AuditEntry[]> {
    return (this.latest.all(limit) as StoredEntry[]).map(toEntry);
  }

  async query(filter: ResolvedAuditFilter, before: number | null, limit: number): Promise<AuditPage> {
    const { clause, params } = whereOf(filter);
    // The page's seqs first (an index holds them; a date range then sorts integers, not whole rows), then
    // those rows: a month of a busy hotline took 40 ms the one-step way on 1M rows, 15 ms this way.
    const page = this.db
      .prepare(
        `SELECT ${ENTRY_COLUMNS} FROM audit WHERE seq IN (SELECT seq FROM audit WHERE ${clause}${before === null ? '' : ' AND seq < ?'} ORDER BY seq DESC LIMIT ?) ORDER BY seq DESC`,
      )
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

  async timeline(caseId: string): Promise<AuditEntry[]> {
    return (this.db.prepare(`SELECT ${ENTRY_COLUMNS} FROM audit WHERE case_id = ? ORDER BY seq`).all(caseId) as StoredEntry[]).map(toEntry);
  }

  /**
   * Read a batch at a time by seq (keyset), not through one open statement: the connection stays free
   * for the appends of other calls while an export awaits its file.
   */
  async *scan(filter: ResolvedAuditFilter): AsyncIterable<AuditEntry[]> {
    const { clause, params } = whereOf(filter);
    const batch = this.db.prepare(`SELECT ${ENTRY_COLUMNS} FROM audit WHERE ${clause} AND seq > ? ORDER BY seq LIMIT ${SCAN_BATCH}`);
    let after = 0;
    for (;;) {
      const rows = batch.all(...params, after) as StoredEntry[];
      if (rows.length > 0) yield rows.map(toEntry);
      if (rows.length < SCAN_BATCH) return;
      after = rows.at(-1)!.seq;
    }
  }

  async head(): Promise<AuditHead | null> {
    return this.lastHead();
  }

  private lastHead(): AuditHead | null {
    return (this.lastRow.get() as AuditHead | undefined) ?? null;
  }

  /**
   * Retention: removes the oldest rows (every row up to the last one written before `cutoffIso`) and,
   * in the same transaction, appends a checkpoint row recording what went (the range and the hash of
   * the last row removed) — the chain stays verifiable from there. The only DELETE the table ever sees.
   */
  async purgeBefore(cutoffIso: string, operator: string, cutoffDay: string): Promise<AuditPurgeResult> {
    const run = this.db.transaction((): AuditPurgeResult => {
      // A purge must not launder earlier tampering: the chain is checked first, in the same transaction.
      const check = verifyAuditChain(this.db, this.key);
      if (!check.ok) throw new HelpdeskError('AUDIT_TAMPERED', { detail: `first bad row ${check.firstBad}` });
      const first = this.db.prepare('SELECT MIN(seq) AS seq FROM audit').get() as { seq: number | null };
      const head = this.lastHead();
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
        detail: JSON.stringify(checkpointDetail(first.seq, last, cutoffDay)),
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

  async verify(expectedHead?: AuditHead): Promise<AuditChainReport> {
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
