import type pg from 'pg';
import type { OtpChannel, OtpStore, Reservation, SendDecision, SendStats, StoredCode } from '../../domain/otp';
import type { TeamPool } from './pool';

interface CodeRow {
  case_id: string;
  account_key: string;
  channel: 'sms' | 'email';
  code_hash: string;
  sent_at: Date | string;
  expires_at: Date | string;
  used_at: Date | string | null;
  void_at: Date | string | null;
  wrong: number;
}

/**
 * A commit not flushed on its own, for a write whose caller writes an audit row next (flushed, later in the
 * WAL, so flushed with it): a code stored as sent, a code used. The counters that decide whether a code may
 * go out (the reservation) and the wrong entries are flushed with their own commit.
 */
const ASYNC_COMMIT = 'SET LOCAL synchronous_commit = off';

/**
 * The OTP counters of the whole hotline in PostgreSQL: it counts, the domain decides (sendDecision),
 * inside one transaction that holds the account's advisory lock — workstations racing for one account
 * take turns, so the daily cap and the spacing hold across the team exactly. Only keyed hashes of codes
 * are stored; the key stays in the workstations' keychains.
 */
export class PgOtpStore implements OtpStore {
  constructor(private readonly pool: TeamPool) {}

  async reserveSend(accountKey: string, channel: OtpChannel, now: Date, dayKey: string, decide: (stats: SendStats) => SendDecision): Promise<Reservation> {
    // Two round trips while the account is locked: the lock and the counts with the transaction's start,
    // then the slot and the commit together (values as literals escaped by the client library).
    return this.pool.read(async (c) => {
      const k = c.escapeLiteral(accountKey);
      const d = c.escapeLiteral(dayKey);
      const opened = (await c.query(
        `BEGIN; SELECT pg_advisory_xact_lock(hashtextextended(${c.escapeLiteral(`otp:${accountKey}`)}, 0));
         SELECT (SELECT count(*) FROM otp_sends WHERE account_key = ${k} AND day = ${d} AND state <> 'released') AS today,
                ${LAST_BY_CHANNEL(k)},
                (SELECT count FROM otp_wrong WHERE account_key = ${k} AND day = ${d}) AS wrong`,
      )) as unknown as pg.QueryResult<LastRow & { today: string; wrong: number | null }>[];
      try {
        const row = opened[2]!.rows[0]!;
        const decision = decide({ today: Number(row.today), lastSentAt: lastOf(row), wrongToday: row.wrong ?? 0 });
        if (!decision.ok) {
          await c.query('ROLLBACK');
          return decision;
        }
        const done = (await c.query(
          `INSERT INTO otp_sends (account_key, channel, day, at, state) VALUES (${k}, ${c.escapeLiteral(channel)}, ${d}, ${c.escapeLiteral(now.toISOString())}, 'reserved') RETURNING id; COMMIT`,
        )) as unknown as pg.QueryResult<{ id: string }>[];
        return { ok: true, id: Number(done[0]!.rows[0]!.id) };
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  async releaseSend(reservationId: number): Promise<void> {
    await this.pool.read((c) => c.query(`UPDATE otp_sends SET state = 'released' WHERE id = $1 AND state = 'reserved'`, [reservationId]));
  }

  async storeCode(reservationId: number, code: StoredCode): Promise<void> {
    // One round trip: the slot marked sent and the code stored, in one transaction. Not flushed on its own
    // (ASYNC_COMMIT): the send's row, written next, is.
    await this.pool.read(async (c) => {
      const l = (v: string) => c.escapeLiteral(v);
      try {
        await c.query(
          `BEGIN; ${ASYNC_COMMIT};
           UPDATE otp_sends SET state = 'sent', at = ${l(code.sentAt.toISOString())} WHERE id = ${Math.trunc(reservationId)};
           INSERT INTO otp_codes (case_id, account_key, channel, code_hash, sent_at, expires_at, used_at, void_at, wrong)
           VALUES (${l(code.caseId)}, ${l(code.accountKey)}, ${l(code.channel)}, ${l(code.codeHash)}, ${l(code.sentAt.toISOString())}, ${l(code.expiresAt.toISOString())}, NULL, NULL, 0)
           ON CONFLICT (case_id) DO UPDATE SET account_key = excluded.account_key, channel = excluded.channel,
             code_hash = excluded.code_hash, sent_at = excluded.sent_at, expires_at = excluded.expires_at,
             used_at = NULL, void_at = NULL, wrong = 0;
           COMMIT`,
        );
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  async currentCode(caseId: string): Promise<StoredCode | null> {
    const r = await this.pool.read((c) => c.query<CodeRow>(`SELECT * FROM otp_codes WHERE case_id = $1`, [caseId]));
    const row = r.rows[0];
    return row ? codeOf(row) : null;
  }

  async recordWrong(accountKey: string, dayKey: string, caseId: string, now: Date, maxWrong: number): Promise<{ day: number; code: number }> {
    return this.pool.transaction(async (c) => {
      const day = await c.query<{ count: number }>(
        `INSERT INTO otp_wrong (account_key, day, count) VALUES ($1, $2, 1)
         ON CONFLICT (account_key, day) DO UPDATE SET count = otp_wrong.count + 1 RETURNING count`,
        [accountKey, dayKey],
      );
      // The code's own count: across VN midnight the day's count starts again, the code's does not.
      const code = await c.query<{ wrong: number }>(`UPDATE otp_codes SET wrong = wrong + 1 WHERE case_id = $1 RETURNING wrong`, [caseId]);
      const counts = { day: day.rows[0]!.count, code: code.rows[0]?.wrong ?? 0 };
      if (counts.day >= maxWrong || counts.code >= maxWrong) {
        await c.query(`UPDATE otp_codes SET void_at = $2 WHERE case_id = $1 AND void_at IS NULL`, [caseId, now]);
      }
      return counts;
    });
  }

  async wrongCount(accountKey: string, dayKey: string): Promise<number> {
    const r = await this.pool.read((c) => c.query<{ count: number }>(`SELECT count FROM otp_wrong WHERE account_key = $1 AND day = $2`, [accountKey, dayKey]));
    return r.rows[0]?.count ?? 0;
  }

  async markUsed(caseId: string, codeHash: string, now: Date): Promise<boolean> {
    // Not flushed on its own (ASYNC_COMMIT): the check's row, written next, is.
    const r = await this.pool.read(async (c) => {
      const l = (v: string) => c.escapeLiteral(v);
      const results = (await c.query(
        `BEGIN; ${ASYNC_COMMIT};
         UPDATE otp_codes SET used_at = ${l(now.toISOString())}
         WHERE case_id = ${l(caseId)} AND code_hash = ${l(codeHash)} AND used_at IS NULL AND void_at IS NULL AND expires_at > ${l(now.toISOString())};
         COMMIT`,
      )) as unknown as pg.QueryResult[];
      return results[2]!;
    });
    return r.rowCount === 1;
  }

  async accountState(accountKey: string, dayKey: string, caseId: string): Promise<{ stats: SendStats; wrongToday: number; code: StoredCode | null }> {
    // One round trip for a case view: the sends, the day's wrong entries and the case's code.
    const r = await this.pool.read((c) =>
      c.query<LastRow & { today: string; wrong: number | null; code: CodeRow | null }>(
        `SELECT (SELECT count(*) FROM otp_sends WHERE account_key = $1 AND day = $2 AND state <> 'released') AS today,
                ${LAST_BY_CHANNEL('$1')},
                (SELECT count FROM otp_wrong WHERE account_key = $1 AND day = $2) AS wrong,
                (SELECT row_to_json(c) FROM otp_codes c WHERE case_id = $3) AS code`,
        [accountKey, dayKey, caseId],
      ),
    );
    const row = r.rows[0]!;
    return { stats: { today: Number(row.today), lastSentAt: lastOf(row) }, wrongToday: row.wrong ?? 0, code: row.code ? codeOf(row.code) : null };
  }

  async sendStats(accountKey: string, dayKey: string): Promise<SendStats> {
    return this.pool.read((c) => stats(c, accountKey, dayKey));
  }
}

async function stats(c: pg.ClientBase, accountKey: string, dayKey: string): Promise<SendStats> {
  const r = await c.query<LastRow & { today: string }>(
    `SELECT (SELECT count(*) FROM otp_sends WHERE account_key = $1 AND day = $2 AND state <> 'released') AS today,
            ${LAST_BY_CHANNEL('$1')}`,
    [accountKey, dayKey],
  );
  return { today: Number(r.rows[0]!.today), lastSentAt: lastOf(r.rows[0]!) };
}

interface LastRow {
  last_sms: Date | null;
  last_email: Date | null;
}

/**
 * The last send by each channel, as two columns of a SELECT (`key`: the account key, a parameter or an
 * escaped literal). A send with no channel (recorded before channels were counted apart) is the last of both.
 */
const LAST_BY_CHANNEL = (key: string) =>
  `(SELECT max(at) FROM otp_sends WHERE account_key = ${key} AND state <> 'released' AND channel IS DISTINCT FROM 'email') AS last_sms,
   (SELECT max(at) FROM otp_sends WHERE account_key = ${key} AND state <> 'released' AND channel IS DISTINCT FROM 'sms') AS last_email`;

const lastOf = (row: LastRow): SendStats['lastSentAt'] => ({ sms: row.last_sms, email: row.last_email });

/** A stored code as the domain sees it (timestamps as Dates, whether they came as such or as JSON text). */
function codeOf(row: CodeRow): StoredCode {
  const at = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));
  return {
    caseId: row.case_id,
    accountKey: row.account_key,
    channel: row.channel,
    codeHash: row.code_hash,
    sentAt: at(row.sent_at)!,
    expiresAt: at(row.expires_at)!,
    usedAt: at(row.used_at),
    voidAt: at(row.void_at),
    wrong: row.wrong,
  };
}
