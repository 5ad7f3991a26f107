import type { AuditEntry } from '../../common/dto';
import type { AuditLog, AuditRecord, Clock } from '../../domain/ports';
import type { Db } from './database';

type Scalar = string | number | boolean | null;

/** Removes CR/LF and other control characters so a logged field cannot forge a line. */
export function cleanField(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/gu, ' ').slice(0, 512);
}

function cleanDetail(detail: Record<string, Scalar> | undefined): Record<string, Scalar> {
  const out: Record<string, Scalar> = {};
  for (const [k, v] of Object.entries(detail ?? {})) out[cleanField(k)] = typeof v === 'string' ? cleanField(v) : v;
  return out;
}

/** The audit trail in SQLite (append-only: triggers refuse UPDATE and DELETE). */
export class SqliteAuditLog implements AuditLog {
  private readonly insert;
  private readonly latest;

  constructor(
    db: Db,
    private readonly clock: Clock,
  ) {
    this.insert = db.prepare(
      'INSERT INTO audit (at, operator, action, outcome, target, detail) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.latest = db.prepare('SELECT seq, at, operator, action, outcome, target, detail FROM audit ORDER BY seq DESC LIMIT ?');
  }

  append(r: AuditRecord): void {
    this.insert.run(
      this.clock.now().toISOString(),
      r.operator === null ? null : cleanField(r.operator),
      cleanField(r.action),
      r.outcome,
      r.target == null ? null : cleanField(r.target),
      JSON.stringify(cleanDetail(r.detail)),
    );
  }

  recent(limit: number): AuditEntry[] {
    const rows = this.latest.all(limit) as {
      seq: number; at: string; operator: string | null; action: string; outcome: AuditEntry['outcome']; target: string | null; detail: string;
    }[];
    return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as AuditEntry['detail'] }));
  }
}
