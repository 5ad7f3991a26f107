import type { CallRules } from '../common/case-dto';
import { HelpdeskError } from './errors';
import { MAX_IDENTITY_MISMATCHES } from './override';
import type { Clock } from './ports';
import { vnDay, vnDayStartMs } from './vn-time';

/** The limits of the seeds (000, 001, 002) and NIST 800-63B; every value configurable. */
export interface OtpPolicy {
  /** A code is valid this long after it is sent (seed 002: "có hiệu lực trong vòng 5 phút"). */
  validityMs: number;
  /**
   * Wrong entries allowed for one code, and for one account in one day (a resend does not reset the
   * day's count): the code is void when either runs out — across VN midnight a code still gets no more
   * than this many guesses.
   */
  maxWrong: number;
  /**
   * Sends to one account by one channel at least this far apart (seed 001: "cách nhau 5 phút"): the
   * spacing is per channel, so an SMS that does not arrive can be followed at once by an e-mail.
   */
  minIntervalMs: number;
  /** Sends to one account per Asia/Ho_Chi_Minh day, both channels counted (seed 001: "tối đa 2 lần 1 ngày"). */
  maxPerDay: number;
}

export const DEFAULT_OTP_POLICY: OtpPolicy = { validityMs: 5 * 60_000, maxWrong: 5, minIntervalMs: 5 * 60_000, maxPerDay: 2 };

/** The rules of a call as screens state them: the code policy and the override's limit, in minutes. */
export function callRules(policy: OtpPolicy): CallRules {
  return {
    validityMinutes: Math.round(policy.validityMs / 60_000),
    maxWrong: policy.maxWrong,
    minIntervalMinutes: Math.round(policy.minIntervalMs / 60_000),
    maxPerDay: policy.maxPerDay,
    maxIdentityMismatches: MAX_IDENTITY_MISMATCHES,
  };
}

export type OtpChannel = 'sms' | 'email';

/** Random integers from a CSPRNG (crypto.randomInt in the adapter). */
export interface RandomSource {
  int(maxExclusive: number): number;
}

/** Keyed hash of a code (HMAC with a key from the keychain); equality in constant time. */
export interface CodeHasher {
  hash(scope: string, code: string): string;
  equal(a: string, b: string): boolean;
}

export interface StoredCode {
  caseId: string;
  accountKey: string;
  channel: OtpChannel;
  codeHash: string;
  sentAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  voidAt: Date | null;
  /** Wrong entries against this very code. */
  wrong: number;
}

export type Reservation = { ok: true; id: number } | { ok: false; reason: 'too_soon' | 'daily_limit' | 'attempts_exhausted'; retryAt: Date };

/**
 * The sends to an account the store counts: today's (VN day, both channels) and the last one by each
 * channel, whatever its day; with a reservation also the day's wrong entries (read in the same transaction
 * as the sends). A send recorded before channels were counted apart is the last send of both.
 */
export interface SendStats {
  today: number;
  lastSentAt: Record<OtpChannel, Date | null>;
  wrongToday?: number;
}

export type SendDecision = { ok: true } | { ok: false; reason: 'too_soon' | 'daily_limit' | 'attempts_exhausted'; retryAt: Date };

/**
 * The seeds' send rule, in one place: at most `maxPerDay` sends to an account per Asia/Ho_Chi_Minh day,
 * both channels counted together; sends by one channel at least `minIntervalMs` apart (switching to the
 * other channel is not held back by the first one's spacing). A store applies it to its own counts inside
 * one transaction (so two operators racing for one account cannot both pass); the UI's countdown per
 * channel is read from it too.
 */
export function sendDecision(stats: SendStats, channel: OtpChannel, now: Date, policy: OtpPolicy): SendDecision {
  if (stats.today >= policy.maxPerDay) return { ok: false, reason: 'daily_limit', retryAt: nextVnMidnight(now) };
  const last = stats.lastSentAt[channel];
  if (last && now.getTime() - last.getTime() < policy.minIntervalMs) {
    return { ok: false, reason: 'too_soon', retryAt: new Date(last.getTime() + policy.minIntervalMs) };
  }
  return { ok: true };
}

/**
 * Persistent OTP state (SQLite): send reservations counted per account and day across operators and
 * restarts; the current code of each case; the case's cumulative wrong entries. Each method is atomic.
 */
export interface OtpStore {
  /**
   * Takes one send slot for the account if `decide` allows it, given the account's counts read in the
   * same transaction (the rule is the domain's: sendDecision): two workstations never both get the last.
   */
  reserveSend(accountKey: string, channel: OtpChannel, now: Date, dayKey: string, decide: (stats: SendStats) => SendDecision): Promise<Reservation>;
  /** The relay refused: give the slot back (a failed send uses no quota). */
  releaseSend(reservationId: number): Promise<void>;
  /** The relay accepted: the code becomes the case's current code (the previous one is replaced). */
  storeCode(reservationId: number, code: StoredCode): Promise<void>;
  currentCode(caseId: string): Promise<StoredCode | null>;
  /**
   * Adds one wrong entry for the account on that day (across cases and resends) and one to the case's
   * current code; voids that code when either count reaches maxWrong. Returns both counts.
   */
  recordWrong(accountKey: string, dayKey: string, caseId: string, now: Date, maxWrong: number): Promise<{ day: number; code: number }>;
  wrongCount(accountKey: string, dayKey: string): Promise<number>;
  /**
   * Marks the case's code used if it is the one with this hash and still live at `now` — unused, not void,
   * `now` before its expiry — in one step; false otherwise (another code, used, void, expired, or another
   * verification won).
   */
  markUsed(caseId: string, codeHash: string, now: Date): Promise<boolean>;
  /** Sends of the day and the last send time for the account (for "còn 1 lần hôm nay" and the countdown). */
  sendStats(accountKey: string, dayKey: string): Promise<SendStats>;
  /** What a case view shows, read at once: the sends, the day's wrong entries, the case's current code. */
  accountState(accountKey: string, dayKey: string, caseId: string): Promise<{ stats: SendStats; wrongToday: number; code: StoredCode | null }>;
}

/** The Asia/Ho_Chi_Minh calendar day (UTC+7, no daylight saving) of an instant: `2026-11-23`. */
export const vnDayKey = (at: Date): string => vnDay(at);

/** Only exactly six ASCII digits, after trimming spaces; full-width digits and letters are refused. */
export function normalizeCode(input: string): string | null {
  const t = input.trim();
  return /^[0-9]{6}$/u.test(t) ? t : null;
}

export type VerifyOutcome = { verified: true } | { verified: false; attemptsLeft: number };

export interface ResendInfo {
  /** When the next send to this account by each channel is allowed (null: now, as far as spacing goes). */
  availableAt: Record<OtpChannel, Date | null>;
  /** Sends left today, both channels together. */
  remainingToday: number;
}

/** What a case view shows of the counters: wrong entries left and the next send. */
export interface CaseNumbers {
  attemptsLeft: number;
  resend: ResendInfo;
}

/** Issues and checks one-time codes: 6 digits, single use, keyed hash only, limits enforced. */
export class OtpService {
  constructor(
    private readonly store: OtpStore,
    private readonly clock: Clock,
    private readonly random: RandomSource,
    private readonly hasher: CodeHasher,
    readonly policy: OtpPolicy = DEFAULT_OTP_POLICY,
  ) {}

  /** A 6-digit code, leading zeros kept, uniformly from a CSPRNG. */
  generate(): string {
    return String(this.random.int(1_000_000)).padStart(6, '0');
  }

  /** Reserves a send slot by a channel or throws OTP_TOO_SOON / OTP_DAILY_LIMIT / OTP_ATTEMPTS_EXHAUSTED. */
  async reserve(accountKey: string, channel: OtpChannel): Promise<number> {
    const now = this.clock.now();
    // The day's wrong entries are read with the sends, in the reservation's own transaction: no code goes
    // to an account whose tries are used up today, whichever workstation asks.
    const r = await this.store.reserveSend(accountKey, channel, now, vnDayKey(now), (stats) =>
      (stats.wrongToday ?? 0) >= this.policy.maxWrong ? { ok: false, reason: 'attempts_exhausted', retryAt: nextVnMidnight(now) } : sendDecision(stats, channel, now, this.policy),
    );
    if (r.ok) return r.id;
    if (r.reason === 'attempts_exhausted') throw new HelpdeskError('OTP_ATTEMPTS_EXHAUSTED', { detail: r.retryAt.toISOString() });
    throw new HelpdeskError(r.reason === 'too_soon' ? 'OTP_TOO_SOON' : 'OTP_DAILY_LIMIT', { detail: r.retryAt.toISOString() });
  }

  async release(reservationId: number): Promise<void> {
    await this.store.releaseSend(reservationId);
  }

  /** Records the code the relay accepted; returns its expiry. */
  async commit(reservationId: number, caseId: string, accountKey: string, channel: OtpChannel, code: string): Promise<Date> {
    const sentAt = this.clock.now();
    const expiresAt = new Date(sentAt.getTime() + this.policy.validityMs);
    await this.store.storeCode(reservationId, {
      caseId,
      accountKey,
      channel,
      codeHash: this.hasher.hash(caseId, code),
      sentAt,
      expiresAt,
      usedAt: null,
      voidAt: null,
      wrong: 0,
    });
    return expiresAt;
  }

  /**
   * Checks a code typed by the operator. Malformed input is refused before any attempt is counted.
   * Throws OTP_NOT_SENT, OTP_USED, OTP_VOID, OTP_EXPIRED; a wrong code returns the attempts left.
   */
  async verify(caseId: string, input: string): Promise<VerifyOutcome> {
    const code = normalizeCode(input);
    if (code === null) throw new HelpdeskError('VALIDATION_FAILED', { field: 'code', reason: 'not_code' });
    const now = this.clock.now();
    const hash = this.hasher.hash(caseId, code);
    // The right code, live: used in one step (one round trip to a team store).
    if (await this.store.markUsed(caseId, hash, now)) return { verified: true };
    // Otherwise, why — in this order.
    const stored = await this.store.currentCode(caseId);
    if (!stored) throw new HelpdeskError('OTP_NOT_SENT');
    if (stored.usedAt) throw new HelpdeskError('OTP_USED');
    if (stored.voidAt) throw new HelpdeskError('OTP_VOID');
    if (now.getTime() >= stored.expiresAt.getTime()) throw new HelpdeskError('OTP_EXPIRED');
    if (!this.hasher.equal(hash, stored.codeHash)) {
      const wrong = await this.store.recordWrong(stored.accountKey, vnDayKey(now), caseId, now, this.policy.maxWrong);
      return { verified: false, attemptsLeft: this.left(Math.max(wrong.day, wrong.code)) };
    }
    // The right code, live, yet not used above: another verification used it meanwhile.
    throw new HelpdeskError('OTP_USED');
  }

  /**
   * Wrong CCCD/CMND numbers given for a supervisor override on the account today: counted in the same
   * persistent store as wrong codes (across cases, operators and restarts), under their own key.
   */
  identityMismatches(accountKey: string): Promise<number> {
    return this.store.wrongCount(`${accountKey}#identity`, vnDayKey(this.clock.now()));
  }

  /** Records one wrong CCCD/CMND for the account today; returns the day's total. */
  async recordIdentityMismatch(accountKey: string): Promise<number> {
    const now = this.clock.now();
    // No code belongs to this scope: nothing is voided, only counted.
    return (await this.store.recordWrong(`${accountKey}#identity`, vnDayKey(now), '', now, Number.MAX_SAFE_INTEGER)).day;
  }

  private left(wrong: number): number {
    return Math.max(0, this.policy.maxWrong - wrong);
  }

  /** Wrong entries left: the account's for today, and with a case, no more than its current code has left. */
  async attemptsLeft(accountKey: string, caseId?: string): Promise<number> {
    const day = await this.store.wrongCount(accountKey, vnDayKey(this.clock.now()));
    const code = caseId === undefined ? null : await this.store.currentCode(caseId);
    return this.left(Math.max(day, code && !code.usedAt && !code.voidAt ? code.wrong : 0));
  }

  async resendInfo(accountKey: string): Promise<ResendInfo> {
    const now = this.clock.now();
    return this.resendOf(await this.store.sendStats(accountKey, vnDayKey(now)), now);
  }

  /** The numbers of a case view in one reading of the store: attempts left and the next send. */
  async caseNumbers(accountKey: string, caseId: string): Promise<CaseNumbers> {
    const now = this.clock.now();
    const s = await this.store.accountState(accountKey, vnDayKey(now), caseId);
    const code = s.code && !s.code.usedAt && !s.code.voidAt ? s.code.wrong : 0;
    return { attemptsLeft: this.left(Math.max(s.wrongToday, code)), resend: this.resendOf(s.stats, now) };
  }

  private resendOf(stats: SendStats, now: Date): ResendInfo {
    const at = (channel: OtpChannel) => {
      const next = sendDecision(stats, channel, now, this.policy);
      return next.ok ? null : next.retryAt;
    };
    return { availableAt: { sms: at('sms'), email: at('email') }, remainingToday: Math.max(0, this.policy.maxPerDay - stats.today) };
  }
}

/** Midnight of the next Asia/Ho_Chi_Minh day. */
export function nextVnMidnight(at: Date): Date {
  return new Date(vnDayStartMs(vnDay(at)) + 86_400_000);
}
