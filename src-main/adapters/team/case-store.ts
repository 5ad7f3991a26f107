import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import type { Case } from '../../domain/case';
import { HelpdeskError } from '../../domain/errors';
import type { CaseStore } from '../../domain/ports';
import type { TeamPool } from './pool';

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

/**
 * The team's cases in PostgreSQL. The case itself — contacts the codes went to, notes, the override —
 * is sealed (AES-256-GCM, the case id as associated data) with a key the database never sees; the plain
 * columns are what the queues and presence need (account key, holder, since when, closed, waiting).
 * One action at a time across the team: a lease on the row (taken and the case read in one statement,
 * given back with what the action changed in another).
 */
export class PgCaseStore implements CaseStore {
  constructor(
    private readonly pool: TeamPool,
    private readonly key: Buffer,
  ) {}

  async insert(c: Case): Promise<void> {
    const cols = this.columns(c);
    await this.pool.read((db) =>
      db.query(
        `INSERT INTO cases (id, account_key, holder, holder_since, workstation, opened_at, touched_at, closed, waiting, version, body)
         VALUES ($1, $2, $3, $4, $5, $6, clock_timestamp(), $7, $8, 1, $9)`,
        [c.id, c.accountKey, cols.holder, cols.holderSince, this.pool.profile.workstation, c.openedAt, cols.closed, cols.waiting, this.seal(c)],
      ),
    );
  }

  async read(caseId: string): Promise<Case | null> {
    const r = await this.pool.read((db) => db.query<CaseRow>('SELECT body FROM cases WHERE id = $1', [caseId]));
    return r.rows[0] ? this.open(caseId, r.rows[0].body) : null;
  }

  async exclusive<T>(caseId: string, fn: (c: Case | null) => Promise<T>): Promise<T> {
    const token = randomUUID();
    const held = await this.pool.read((db) =>
      db.query<CaseRow>(
        `UPDATE cases SET busy_until = clock_timestamp() + make_interval(secs => $3), busy_token = $2
         WHERE id = $1 AND (busy_until IS NULL OR busy_until < clock_timestamp()) RETURNING body`,
        [caseId, token, CASE_LEASE_SECONDS],
      ),
    );
    if (!held.rows[0]) {
      if ((await this.read(caseId)) === null) return fn(null);
      throw new HelpdeskError('CASE_BUSY');
    }
    let c: Case;
    try {
      c = this.open(caseId, held.rows[0].body);
    } catch (err) {
      await this.release(caseId, token).catch(() => undefined);
      throw err;
    }
    const before = JSON.stringify(c);
    let result: T;
    try {
      result = await fn(c);
    } catch (err) {
      // The action's own error is what the operator must see (a refusal it recorded is kept if it can be).
      await this.giveBack(c, token, JSON.stringify(c) !== before).catch(() => undefined);
      throw err;
    }
    // The action happened (its rows are in the audit): its result stands even if the case cannot be put
    // back now — tried twice; otherwise the lease runs out by itself.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.giveBack(c, token, JSON.stringify(c) !== before);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    return result;
  }

  private async release(caseId: string, token: string): Promise<void> {
    await this.pool.read((db) => db.query('UPDATE cases SET busy_until = NULL, busy_token = NULL WHERE id = $1 AND busy_token = $2', [caseId, token]));
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

  /** The lease given back, with the case as the action left it (when it changed anything). */
  private async giveBack(c: Case, token: string, changed: boolean): Promise<void> {
    if (!changed) return this.release(c.id, token);
    const cols = this.columns(c);
    const r = await this.pool.read((db) =>
      db.query(
        `UPDATE cases SET body = $3, holder = $4, holder_since = $5, closed = $6, waiting = $7, workstation = $8,
           touched_at = clock_timestamp(), version = version + 1, busy_until = NULL, busy_token = NULL
         WHERE id = $1 AND busy_token = $2`,
        [c.id, token, this.seal(c), cols.holder, cols.holderSince, cols.closed, cols.waiting, this.pool.profile.workstation],
      ),
    );
    // The lease ran out and another action took the case: what this one did is in the audit, the case
    // as the other action keeps it stands.
    if (r.rowCount !== 1) throw new HelpdeskError('CASE_BUSY');
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
