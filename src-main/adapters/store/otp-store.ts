import type { OtpChannel, OtpStore, Reservation, SendDecision, SendStats, StoredCode } from '../../domain/otp';
import { type Db, writing } from './database';

interface CodeRow {
  case_id: string;
  account_key: string;
  channel: 'sms' | 'email';
  code_hash: string;
  sent_ms: number;
  expires_ms: number;
  used_ms: number | null;
  void_ms: number | null;
  wrong: number;
}

const date = (ms: number | null) => (ms === null ? null : new Date(ms));

/**
 * OTP state in SQLite: it counts, the domain decides (sendDecision, inside the same transaction).
 * Reservations and sends count alike (an in-flight send holds its slot), so two operators racing for one
 * account cannot both pass the limits; IMMEDIATE transactions make each step atomic across processes too. Only keyed hashes of codes are stored. A write the disk cannot take
 * fails with STORAGE_FULL / STORAGE_ERROR (storageError), rolled back whole.
 */
export class SqliteOtpStore implements OtpStore {
  constructor(private readonly db: Db) {}

  async reserveSend(accountKey: string, channel: OtpChannel, now: Date, dayKey: string, decide: (stats: SendStats) => SendDecision): Promise<Reservation> {
    const run = this.db.transaction((): Reservation => {
      // Counted and decided in one IMMEDIATE transaction: no other writer can slip a send in between.
      const decision = decide({ ...this.stats(accountKey, dayKey), wrongToday: this.wrong(accountKey, dayKey) });
      if (!decision.ok) return decision;
      const r = this.db
        .prepare(`INSERT INTO otp_sends (account_key, channel, day, at_ms, state) VALUES (?, ?, ?, ?, 'reserved')`)
        .run(accountKey, channel, dayKey, now.getTime());
      return { ok: true, id: Number(r.lastInsertRowid) };
    });
    return writing(() => run.immediate());
  }

  async releaseSend(reservationId: number): Promise<void> {
    writing(() => this.db.prepare(`UPDATE otp_sends SET state = 'released' WHERE id = ? AND state = 'reserved'`).run(reservationId));
  }

  async storeCode(reservationId: number, c: StoredCode): Promise<void> {
    const run = this.db.transaction(() => {
      this.db.prepare(`UPDATE otp_sends SET state = 'sent', at_ms = ? WHERE id = ?`).run(c.sentAt.getTime(), reservationId);
      this.db
        .prepare(
          `INSERT INTO otp_codes (case_id, account_key, channel, code_hash, sent_ms, expires_ms, used_ms, void_ms)
           VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)
           ON CONFLICT (case_id) DO UPDATE SET account_key = excluded.account_key, channel = excluded.channel,
             code_hash = excluded.code_hash, sent_ms = excluded.sent_ms, expires_ms = excluded.expires_ms,
             used_ms = NULL, void_ms = NULL, wrong = 0`,
        )
        .run(c.caseId, c.accountKey, c.channel, c.codeHash, c.sentAt.getTime(), c.expiresAt.getTime());
    });
    writing(() => run.immediate());
  }

  async currentCode(caseId: string): Promise<StoredCode | null> {
    const r = this.db.prepare(`SELECT * FROM otp_codes WHERE case_id = ?`).get(caseId) as CodeRow | undefined;
    if (!r) return null;
    return {
      caseId: r.case_id,
      accountKey: r.account_key,
      channel: r.channel,
      codeHash: r.code_hash,
      sentAt: new Date(r.sent_ms),
      expiresAt: new Date(r.expires_ms),
      usedAt: date(r.used_ms),
      voidAt: date(r.void_ms),
      wrong: r.wrong,
    };
  }

  async recordWrong(accountKey: string, dayKey: string, caseId: string, now: Date, maxWrong: number): Promise<{ day: number; code: number }> {
    const run = this.db.transaction(() => {
      this.db
        .prepare(`INSERT INTO otp_wrong (account_key, day, count) VALUES (?, ?, 1) ON CONFLICT (account_key, day) DO UPDATE SET count = count + 1`)
        .run(accountKey, dayKey);
      const day = this.wrong(accountKey, dayKey);
      // The code's own count: across VN midnight the day's count starts again, the code's does not.
      const row = this.db.prepare(`UPDATE otp_codes SET wrong = wrong + 1 WHERE case_id = ? RETURNING wrong`).get(caseId) as { wrong: number } | undefined;
      const code = row?.wrong ?? 0;
      if (day >= maxWrong || code >= maxWrong) {
        this.db.prepare(`UPDATE otp_codes SET void_ms = ? WHERE case_id = ? AND void_ms IS NULL`).run(now.getTime(), caseId);
      }
      return { day, code };
    });
    return writing(() => run.immediate());
  }

  async wrongCount(accountKey: string, dayKey: string): Promise<number> {
    return this.wrong(accountKey, dayKey);
  }

  private wrong(accountKey: string, dayKey: string): number {
    const r = this.db.prepare(`SELECT count FROM otp_wrong WHERE account_key = ? AND day = ?`).get(accountKey, dayKey) as
      | { count: number }
      | undefined;
    return r?.count ?? 0;
  }

  async markUsed(caseId: string, codeHash: string, now: Date): Promise<boolean> {
    const mark = this.db.prepare(`UPDATE otp_codes SET used_ms = ? WHERE case_id = ? AND code_hash = ? AND used_ms IS NULL AND void_ms IS NULL AND expires_ms > ?`);
    const r = writing(() => mark.run(now.getTime(), caseId, codeHash, now.getTime()));
    return r.changes === 1;
  }

  async accountState(accountKey: string, dayKey: string, caseId: string): Promise<{ stats: SendStats; wrongToday: number; code: StoredCode | null }> {
    return { stats: this.stats(accountKey, dayKey), wrongToday: this.wrong(accountKey, dayKey), code: await this.currentCode(caseId) };
  }

  async sendStats(accountKey: string, dayKey: string): Promise<SendStats> {
    return this.stats(accountKey, dayKey);
  }

  private stats(accountKey: string, dayKey: string): SendStats {
    const today = this.db
      .prepare(`SELECT COUNT(*) AS n FROM otp_sends WHERE account_key = ? AND day = ? AND state != 'released'`)
      .get(accountKey, dayKey) as { n: number };
    // A send with no channel (recorded before channels were counted apart) is the last of both.
    const last = this.db
      .prepare(
        `SELECT MAX(CASE WHEN channel IS NOT 'email' THEN at_ms END) AS sms, MAX(CASE WHEN channel IS NOT 'sms' THEN at_ms END) AS email
         FROM otp_sends WHERE account_key = ? AND state != 'released'`,
      )
      .get(accountKey) as { sms: number | null; email: number | null };
    return { today: today.n, lastSentAt: { sms: date(last.sms), email: date(last.email) } };
  }
}
