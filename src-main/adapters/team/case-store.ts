import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import type { Case } from '../../domain/case';
import { HelpdeskError } from '../../domain/errors';
import type { AuditRecord, CaseKeeper, CaseStore } from '../../domain/ports';
import type { PgAuditLog } from './audit-log';
import type pg from 'pg';
import { literalOf, type TeamPool } from './pool';

/** How long one action may hold a case (longer than any directory or relay timeout). */
export const CASE_LEASE_SECONDS = 120;

/** The fields of a case that are dates (revived from their ISO text). */
const DATE_FIELDS = new Set(['openedAt', 'holderSince', 'sentAt', 'expiresAt', 'verifiedAt', 'closedAt', 'at', 'requestedAt', 'approvedAt']);

/** The key that seals case bodies, derived from the team's code key (in keychains only, never in the store). */
export function caseSealKey(teamOtpKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', teamOtpKey, Buffer.alloc(0), 'helpdesk team case body', 32));
}

interface CaseRow {
  body: Buffer;
}

/** A bytea literal (hex): the sealed body in a statement of literals. */
const bytea = (b: Buffer): string => `'\\x${b.toString('hex')}'::bytea`;


/**
 * The team's cases in PostgreSQL. The case itself — contacts the codes went to, notes, the override —
 * is sealed (AES-256-GCM, the case id as associated data) with a key the database never sees; the plain
 * columns are what the queues and presence need (account key, holder, since when, closed, waiting).
 *
 * One action at a time across the team: a lease on the row, taken with the case read in one statement.
 * The lease's commit is not flushed on its own: every action writes a flushed commit (a send's counter,
 * the audit row before a directory write, its closing rows) before anything leaves the workstation, and
 * the WAL is flushed in order — a lease a crash could lose guarded nothing yet. The case as the action
 * leaves it goes back with the action's closing rows in one commit (PgAuditLog.appendWith): both or
 * neither; when this workstation is not alone on the audit chain, the rows first, then the case.
 */
export class PgCaseStore implements CaseStore {
  constructor(
    private readonly pool: TeamPool,
    private readonly key: Buffer,
    private readonly audit: Pick<PgAuditLog, 'append' | 'appendWith'>,
  ) {}

  async insert(c: Case, opening: AuditRecord): Promise<void> {
    const cols = this.columns(c);
    const values = (lit: (v: string | null) => string) =>
      [c.id, c.accountKey, cols.holder, cols.holderSince.toISOString(), this.pool.profile.workstation, c.openedAt.toISOString()].map(lit).join(', ') +
      `, clock_timestamp(), ${cols.closed}, ${lit(cols.waiting)}, 1, ${bytea(this.seal(c))}`;
    const insert = (lit: (v: string | null) => string) =>
      `INSERT INTO cases (id, account_key, holder, holder_since, workstation, opened_at, touched_at, closed, waiting, version, body) VALUES (${values(lit)})`;
    if (await this.audit.appendWith(opening, insert)) return;
    await this.audit.append(opening);
    await this.pool.read((db) => db.query(insert(literalOf(db))));
  }

  async read(caseId: string): Promise<Case | null> {
    const r = await this.pool.read((db) => db.query<CaseRow>('SELECT body FROM cases WHERE id = $1', [caseId]));
    return r.rows[0] ? this.open(caseId, r.rows[0].body) : null;
  }

  async exclusive<T>(caseId: string, fn: (c: Case | null, keep: CaseKeeper) => Promise<T>, closing: AuditRecord[] = []): Promise<T> {
    const token = randomUUID();
    const held = await this.pool.read(async (db) => {
      const results = (await db.query(
        `BEGIN; SET LOCAL synchronous_commit = off;
         UPDATE cases SET busy_until = clock_timestamp() + make_interval(secs => ${CASE_LEASE_SECONDS}), busy_token = ${db.escapeLiteral(token)}
         WHERE id = ${db.escapeLiteral(caseId)} AND (busy_until IS NULL OR busy_until < clock_timestamp()) RETURNING body; COMMIT`,
      )) as unknown as pg.QueryResult<CaseRow>[];
      return results[2]!.rows[0];
    });
    if (!held) {
      if ((await this.read(caseId)) === null) return fn(null, async () => Promise.reject(new HelpdeskError('CASE_NOT_FOUND')));
      throw new HelpdeskError('CASE_BUSY');
    }
    let c: Case;
    try {
      c = this.open(caseId, held.body);
    } catch (err) {
      await this.release(caseId, token).catch(() => undefined);
      throw err;
    }
    /** The case as the store has it now (at the lease, or as last kept): what the give-back compares with. */
    let before = JSON.stringify(c);
    let result: { ok: true; value: T } | { ok: false; err: unknown };
    // The row and the case as the action has it now, in one commit (its lease kept); otherwise the row,
    // then the case. HD002: the lease was lost — the action must not go on.
    const keep: CaseKeeper = async (state, row) => {
      const update = (lit: (v: string | null) => string) => `WITH u AS (${this.rewrite(state, lit)} WHERE id = ${lit(caseId)} AND busy_token = ${lit(token)} RETURNING 1) SELECT helpdesk_expect(count(*) = 1) FROM u`;
      if (!(await this.audit.appendWith(row, update))) {
        await this.audit.append(row);
        try {
          await this.pool.read((db) => db.query(update(literalOf(db))));
        } catch (err) {
          throw err instanceof HelpdeskError && err.detail === 'HD002' ? new HelpdeskError('CASE_BUSY') : err;
        }
      }
      before = JSON.stringify(state);
    };
    try {
      result = { ok: true, value: await fn(c, keep) };
    } catch (err) {
      result = { ok: false, err };
    }
    const changed = JSON.stringify(c) !== before;
    try {
      await this.giveBack(c, token, changed, closing);
    } catch (err) {
      // The rows could not be written: the case stays as it was, free again; the action's own error if
      // it had one, else this one.
      await this.release(caseId, token).catch(() => undefined);
      throw result.ok ? err : result.err;
    }
    if (!result.ok) throw result.err;
    return result.value;
  }

  /** The lease given back (the same unflushed commit as it was taken with). */
  private async release(caseId: string, token: string): Promise<void> {
    await this.pool.read((db) =>
      db.query(`BEGIN; SET LOCAL synchronous_commit = off; UPDATE cases SET busy_until = NULL, busy_token = NULL WHERE id = ${db.escapeLiteral(caseId)} AND busy_token = ${db.escapeLiteral(token)}; COMMIT`),
    );
  }

  async openOn(accountKey: string): Promise<Case[]> {
    return this.list('account_key = $1 AND NOT closed', [accountKey]);
  }

  async waiting(): Promise<Case[]> {
    return this.list('waiting IS NOT NULL AND NOT closed', []);
  }

  async heldBy(holder: string): Promise<Case[]> {
    return this.list('holder = $1 AND NOT closed', [holder]);
  }

  private async list(where: string, params: unknown[]): Promise<Case[]> {
    const r = await this.pool.read((db) => db.query<CaseRow & { id: string }>(`SELECT id, body FROM cases WHERE ${where} ORDER BY holder_since DESC LIMIT 200`, params));
    // A row this workstation cannot open (not sealed with the team's key) is never listed nor acted on.
    return r.rows.flatMap((row) => {
      try {
        return [this.open(row.id, row.body)];
      } catch {
        return [];
      }
    });
  }

  /**
   * The lease given back, with the case as the action left it (when it changed anything) and the action's
   * closing rows: in one commit when this workstation is alone on the audit chain; otherwise the rows
   * first (all but the last appended alone), then the case. Throws only when a row could not be written.
   */
  private async giveBack(c: Case, token: string, changed: boolean, closing: AuditRecord[]): Promise<void> {
    const update = (lit: (v: string | null) => string) =>
      changed
        ? `WITH u AS (${this.rewrite(c, lit)}, busy_until = NULL, busy_token = NULL
           WHERE id = ${lit(c.id)} AND busy_token = ${lit(token)} RETURNING 1) SELECT helpdesk_expect(count(*) = 1) FROM u`
        : `UPDATE cases SET busy_until = NULL, busy_token = NULL WHERE id = ${lit(c.id)} AND busy_token = ${lit(token)}`;
    const rows = [...closing];
    const last = rows.pop();
    for (const row of rows) await this.audit.append(row);
    if (last && (await this.audit.appendWith(last, update))) return;
    if (last) await this.audit.append(last);
    // The action happened (its rows are in the audit): the case put back, tried twice; otherwise the lease
    // runs out by itself. HD002: the lease ran out and another action took the case, which stands as that
    // one keeps it.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        if (!changed) return await this.release(c.id, token);
        await this.pool.read((db) => db.query(update(literalOf(db))));
        return;
      } catch (err) {
        if (err instanceof HelpdeskError && err.detail === 'HD002') return;
        await new Promise((res) => setTimeout(res, 200));
      }
    }
  }

  /** `UPDATE cases SET …` the case's body and plain columns as `c` has them (no WHERE). */
  private rewrite(c: Case, lit: (v: string | null) => string): string {
    const cols = this.columns(c);
    return `UPDATE cases SET body = ${bytea(this.seal(c))}, holder = ${lit(cols.holder)}, holder_since = ${lit(cols.holderSince.toISOString())}, closed = ${cols.closed},
             waiting = ${lit(cols.waiting)}, workstation = ${lit(this.pool.profile.workstation)}, touched_at = clock_timestamp(), version = version + 1`;
  }

  private columns(c: Case): { holder: string; holderSince: Date; closed: boolean; waiting: 'supervisor' | 'approval' | null } {
    const closed = c.state.kind === 'closed';
    const waiting = closed ? null : c.handOff ? 'supervisor' : c.approval?.state === 'waiting' ? 'approval' : null;
    return { holder: c.holder, holderSince: c.holderSince, closed, waiting };
  }

  private seal(c: Case): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(c.id));
    return Buffer.concat([iv, cipher.update(JSON.stringify(c), 'utf8'), cipher.final(), cipher.getAuthTag()]);
  }

  private open(caseId: string, body: Buffer): Case {
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, body.subarray(0, 12));
      decipher.setAAD(Buffer.from(caseId));
      decipher.setAuthTag(body.subarray(body.length - 16));
      const text = Buffer.concat([decipher.update(body.subarray(12, body.length - 16)), decipher.final()]).toString('utf8');
      return JSON.parse(text, (k, v: unknown) => (DATE_FIELDS.has(k) && typeof v === 'string' ? new Date(v) : v)) as Case;
    } catch {
      // Not sealed with the team's key (or altered): never acted on.
      throw new HelpdeskError('AUDIT_KEY_MISSING', { reason: 'team_keys', detail: 'case body' });
    }
  }
}
