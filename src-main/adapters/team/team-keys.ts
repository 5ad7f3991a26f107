import { createCipheriv, createDecipheriv, createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { HelpdeskError } from '../../domain/errors';
import type { TeamPool } from './pool';

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;

/** The team's shared keys: the audit chain's HMAC key and the code-hash key. In keychains only. */
export interface TeamKeys {
  audit: Buffer;
  otp: Buffer;
}

/** A join secret lives this long, and allows this many wrong tries before it is void. */
export const JOIN_TTL_MINUTES = 30;
export const JOIN_MAX_ATTEMPTS = 5;

export function newTeamKeys(): TeamKeys {
  return { audit: randomBytes(32), otp: randomBytes(32) };
}

export const serializeKeys = (k: TeamKeys): string => `${k.audit.toString('hex')}:${k.otp.toString('hex')}`;

export function parseKeys(text: string | null): TeamKeys | null {
  const m = /^([0-9a-f]{64}):([0-9a-f]{64})$/u.exec(text ?? '');
  return m ? { audit: Buffer.from(m[1]!, 'hex'), otp: Buffer.from(m[2]!, 'hex') } : null;
}

/** What the store keeps to recognise the team's audit key (an HMAC of a fixed text: it reveals nothing of the key). */
export const teamKeyCheck = (k: TeamKeys): string => createHmac('sha256', k.audit).update('helpdesk team audit key check').digest('hex');

/** Whether a stored check is the one of these keys (constant time). */
function sameCheck(stored: string, keys: TeamKeys): boolean {
  const expected = Buffer.from(stored, 'hex');
  const mine = Buffer.from(teamKeyCheck(keys), 'hex');
  return expected.length === mine.length && timingSafeEqual(expected, mine);
}

/**
 * Whether these keys are the team's. A store without a check yet takes these as the team's (this
 * workstation founds the team) — only one founder wins a race, the others are told to join instead.
 */
export async function claimOrCheckKeys(pool: TeamPool, keys: TeamKeys, workstation: string): Promise<'founded' | 'member'> {
  return pool.transaction(async (c) => {
    const inserted = await c.query('INSERT INTO team_key_check (id, audit_key_check, founded_on) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING', [teamKeyCheck(keys), workstation]);
    if (inserted.rowCount === 1) {
      const rows = await c.query<{ n: string }>('SELECT count(*) AS n FROM audit');
      // A store with rows but no check was not made by this app's join flow: never adopt keys for it.
      if (Number(rows.rows[0]!.n) > 0) throw new HelpdeskError('AUDIT_KEY_MISSING', { detail: 'team rows without a key check' });
      return 'founded';
    }
    const r = await c.query<{ audit_key_check: string }>('SELECT audit_key_check FROM team_key_check WHERE id = 1');
    if (!sameCheck(r.rows[0]!.audit_key_check, keys)) throw new HelpdeskError('AUDIT_KEY_MISSING', { reason: 'team_keys' });
    return 'member';
  });
}

/** Whether these keys are the team's, without claiming anything: null while no team is founded. */
export async function keysAreTeams(pool: TeamPool, keys: TeamKeys): Promise<boolean | null> {
  const r = await pool.read((c) => c.query<{ audit_key_check: string }>('SELECT audit_key_check FROM team_key_check WHERE id = 1'));
  const row = r.rows[0];
  return row ? sameCheck(row.audit_key_check, keys) : null;
}

/** Whether the team has been founded (its key check stored). */
export async function teamFounded(pool: TeamPool): Promise<boolean> {
  const r = await pool.read((c) => c.query('SELECT 1 FROM team_key_check WHERE id = 1'));
  return r.rowCount === 1;
}

async function sealingKey(secret: string, salt: Buffer): Promise<Buffer> {
  return scrypt(secret, salt, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
}

const BASE32 = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
function readable(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += BASE32[b % 32];
  return out;
}

/**
 * A one-time join secret for another workstation (made by a supervisor on a member): the team's keys
 * sealed (AES-256-GCM) under a key derived from the secret (scrypt), stored with an id; the secret is
 * shown once and kept nowhere. `HD-XXXX-…`: the id, then 20 random characters (100 bits).
 */
export async function createJoinSecret(pool: TeamPool, keys: TeamKeys, by: string): Promise<{ secret: string; expiresAt: Date }> {
  const id = readable(randomBytes(6));
  const random = readable(randomBytes(20));
  const salt = randomBytes(16);
  const key = await sealingKey(random, salt);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(id));
  const sealed = Buffer.concat([iv, cipher.update(serializeKeys(keys), 'utf8'), cipher.final(), cipher.getAuthTag()]);
  const r = await pool.read((c) =>
    c.query<{ expires_at: Date }>(
      `INSERT INTO team_joins (id, expires_at, created_by, created_on, salt, sealed) VALUES ($1, clock_timestamp() + make_interval(mins => $2), $3, $4, $5, $6) RETURNING expires_at`,
      [id, JOIN_TTL_MINUTES, by, pool.profile.workstation, salt, sealed],
    ),
  );
  const groups = random.match(/.{1,5}/gu)!.join('-');
  return { secret: `HD-${id}-${groups}`, expiresAt: r.rows[0]!.expires_at };
}

/**
 * Opens the keys a join secret sealed, once: a wrong secret counts a try (the 5th voids it), an
 * expired, used or void one is refused; on success the sealed keys are wiped from the store.
 * Refusals: TEAM_JOIN_REFUSED with reason `unknown`, `expired`, `used`, `wrong`, `void`.
 */
export async function redeemJoinSecret(pool: TeamPool, secret: string): Promise<TeamKeys> {
  const m = /^HD-([A-Z2-9]{6})-((?:[A-Z2-9]{5}-){3}[A-Z2-9]{5})$/u.exec(secret.trim().toUpperCase().replace(/\s+/gu, ''));
  if (!m) throw new HelpdeskError('VALIDATION_FAILED', { field: 'joinSecret', reason: 'invalid_format' });
  const [, id, groups] = m as unknown as [string, string, string];
  const random = groups.replace(/-/gu, '');
  const outcome = await pool.transaction(async (c) => {
    const r = await c.query<{ salt: Buffer | null; sealed: Buffer | null; attempts: number; used_at: Date | null; expired: boolean }>(
      'SELECT salt, sealed, attempts, used_at, expires_at < clock_timestamp() AS expired FROM team_joins WHERE id = $1 FOR UPDATE',
      [id],
    );
    const row = r.rows[0];
    if (!row) return { refused: 'unknown' as const };
    if (row.used_at) return { refused: 'used' as const };
    if (row.attempts >= JOIN_MAX_ATTEMPTS || !row.sealed || !row.salt) return { refused: 'void' as const };
    if (row.expired) return { refused: 'expired' as const };
    const key = await sealingKey(random, row.salt);
    try {
      const iv = row.sealed.subarray(0, 12);
      const tag = row.sealed.subarray(row.sealed.length - 16);
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(Buffer.from(id));
      decipher.setAuthTag(tag);
      const text = Buffer.concat([decipher.update(row.sealed.subarray(12, row.sealed.length - 16)), decipher.final()]).toString('utf8');
      const keys = parseKeys(text);
      if (!keys) return { refused: 'wrong' as const };
      await c.query('UPDATE team_joins SET used_at = clock_timestamp(), used_on = $2, sealed = NULL, salt = NULL WHERE id = $1', [id, pool.profile.workstation]);
      return { keys };
    } catch {
      const next = row.attempts + 1;
      await c.query(`UPDATE team_joins SET attempts = $2${next >= JOIN_MAX_ATTEMPTS ? ', sealed = NULL, salt = NULL' : ''} WHERE id = $1`, [id, next]);
      return { refused: 'wrong' as const };
    }
  });
  if ('refused' in outcome) throw new HelpdeskError('TEAM_JOIN_REFUSED', { reason: outcome.refused });
  return outcome.keys;
}
