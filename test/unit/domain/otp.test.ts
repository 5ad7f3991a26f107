import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cryptoRandom, HmacCodeHasher, newOtpKey } from '../../../src-main/adapters/crypto/otp-crypto';
import { openDatabase, type Db } from '../../../src-main/adapters/store/database';
import { SqliteOtpStore } from '../../../src-main/adapters/store/otp-store';
import { HelpdeskError } from '../../../src-main/domain/errors';
import { normalizeCode, OtpService, vnDayKey } from '../../../src-main/domain/otp';

const T0 = new Date('2026-11-23T02:00:00Z'); // 09:00 in Hồ Chí Minh City
const MIN = 60_000;
let now = T0;
const clock = { now: () => now };
const dirs: string[] = [];
const dbs: Db[] = [];

function fresh(file?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'otp-'));
  dirs.push(dir);
  const db = openDatabase(file ?? join(dir, 'otp.sqlite'));
  dbs.push(db);
  return { db, otp: new OtpService(new SqliteOtpStore(db), clock, cryptoRandom, new HmacCodeHasher(newOtpKey())) };
}

afterEach(async () => {
  now = T0;
  for (const db of dbs.splice(0)) if (db.open) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const code = async (fn: () => unknown) => {
  try {
    await fn();
    return 'ok';
  } catch (e) {
    return e instanceof HelpdeskError ? e.code : String(e);
  }
};

/** Issues a code through reserve → commit, as the app does after the relay accepted it. */
async function send(otp: OtpService, caseId: string, account = 'uid=annv,dc=x', channel: 'sms' | 'email' = 'sms'): Promise<string> {
  const r = await otp.reserve(account, channel);
  const c = otp.generate();
  await otp.commit(r, caseId, account, channel, c);
  return c;
}

describe('OTP service', () => {
  it('accepts at 4:59 and refuses at 5:00', async () => {
    const { otp } = fresh();
    const c1 = await send(otp, 'case-1');
    now = new Date(T0.getTime() + 4 * MIN + 59_000);
    expect(await otp.verify('case-1', c1)).toEqual({ verified: true });
    const { otp: otp2 } = fresh();
    now = T0;
    const c2 = await send(otp2, 'case-2');
    now = new Date(T0.getTime() + 5 * MIN);
    expect(await code(() => otp2.verify('case-2', c2))).toBe('OTP_EXPIRED');
  });

  it('is single use: a replay is refused', async () => {
    const { otp } = fresh();
    const c = await send(otp, 'case-1');
    expect(await otp.verify('case-1', c)).toEqual({ verified: true });
    expect(await code(() => otp.verify('case-1', c))).toBe('OTP_USED');
  });

  it('two verifications of one code racing: exactly one succeeds', async () => {
    const { otp, db } = fresh();
    const c = await send(otp, 'case-1');
    // A second connection on the same file stands for a second process.
    const other = new OtpService(new SqliteOtpStore(openDatabase(db.name)), clock, cryptoRandom, (otp as unknown as { hasher: HmacCodeHasher }).hasher);
    const results = await Promise.all([0, 1, 2, 3].map((i) => code(() => (i % 2 ? other : otp).verify('case-1', c))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r === 'OTP_USED')).toHaveLength(3);
  });

  it('five wrong entries void the code; the 6th attempt is refused as void', async () => {
    const { otp } = fresh();
    const c = await send(otp, 'case-1');
    const wrong = c === '000000' ? '111111' : '000000';
    for (let left = 4; left >= 0; left--) expect(await otp.verify('case-1', wrong)).toEqual({ verified: false, attemptsLeft: left });
    expect(await code(() => otp.verify('case-1', wrong))).toBe('OTP_VOID');
    expect(await code(() => otp.verify('case-1', c))).toBe('OTP_VOID');
  });

  it('an account whose tries are used up today gets no new code until the next VN day (decided with the send slot)', async () => {
    const { otp } = fresh();
    const c = await send(otp, 'case-1');
    const wrong = c === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) await otp.verify('case-1', wrong);
    now = new Date(T0.getTime() + 6 * MIN);
    const refused = await otp.reserve('uid=annv,dc=x', 'sms').catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'OTP_ATTEMPTS_EXHAUSTED', detail: '2026-11-23T17:00:00.000Z' }); // 00:00 on 24/11 in VN
    expect((await otp.resendInfo('uid=annv,dc=x')).remainingToday).toBe(1); // the refused try took no slot
    now = new Date('2026-11-23T17:00:01Z');
    expect(await code(() => otp.reserve('uid=annv,dc=x', 'sms'))).toBe('ok');
  });

  it('a resend does not reset the wrong-entry count', async () => {
    const { otp } = fresh();
    const c1 = await send(otp, 'case-1');
    const w = (c: string) => (c === '000000' ? '111111' : '000000');
    await otp.verify('case-1', w(c1));
    await otp.verify('case-1', w(c1));
    await otp.verify('case-1', w(c1));
    now = new Date(T0.getTime() + 5 * MIN);
    const c2 = await send(otp, 'case-1');
    expect(await otp.verify('case-1', w(c2))).toEqual({ verified: false, attemptsLeft: 1 });
    // …nor does a new case on the same account
    expect(await otp.attemptsLeft('uid=annv,dc=x')).toBe(1);
  });

  it('malformed input is refused without counting an attempt', async () => {
    const { otp } = fresh();
    const c = await send(otp, 'case-1');
    for (const bad of ['', '12345', '1234567', '１２３４５６', '12345a', 'x'.repeat(10_000), ' 12 345']) {
      expect(await code(() => otp.verify('case-1', bad))).toBe('VALIDATION_FAILED');
    }
    expect(await otp.attemptsLeft('uid=annv,dc=x')).toBe(5);
    expect(await otp.verify('case-1', ` ${c} `)).toEqual({ verified: true });
  });

  it('sends at least 5 minutes apart', async () => {
    const { otp } = fresh();
    await send(otp, 'case-1');
    now = new Date(T0.getTime() + 4 * MIN);
    expect(await code(() => otp.reserve('uid=annv,dc=x', 'sms'))).toBe('OTP_TOO_SOON');
    expect(await otp.resendInfo('uid=annv,dc=x')).toEqual({ availableAt: { sms: new Date(T0.getTime() + 5 * MIN), email: null }, remainingToday: 1 });
    now = new Date(T0.getTime() + 5 * MIN);
    expect(await code(() => otp.reserve('uid=annv,dc=x', 'sms'))).toBe('ok');
  });

  it('the spacing is per channel, the daily cap counts both: an SMS that did not arrive is followed at once by an e-mail', async () => {
    const { otp } = fresh();
    await send(otp, 'case-1');
    now = new Date(T0.getTime() + MIN);
    expect(await code(() => otp.reserve('uid=annv,dc=x', 'sms'))).toBe('OTP_TOO_SOON');
    expect(await otp.resendInfo('uid=annv,dc=x')).toEqual({ availableAt: { sms: new Date(T0.getTime() + 5 * MIN), email: null }, remainingToday: 1 });
    const byMail = await send(otp, 'case-1', 'uid=annv,dc=x', 'email');
    // The day's two sends are used, whichever channel: both wait for the next VN day.
    const midnight = new Date('2026-11-23T17:00:00Z');
    expect(await otp.resendInfo('uid=annv,dc=x')).toEqual({ availableAt: { sms: midnight, email: midnight }, remainingToday: 0 });
    // The e-mail's code is the case's code now.
    expect(await otp.verify('case-1', byMail)).toEqual({ verified: true });
    now = new Date(T0.getTime() + 7 * MIN);
    expect(await code(() => otp.reserve('uid=annv,dc=x', 'sms'))).toBe('OTP_DAILY_LIMIT');
    expect(await code(() => otp.reserve('uid=annv,dc=x', 'email'))).toBe('OTP_DAILY_LIMIT');
  });

  it('an e-mail right after an e-mail waits its spacing; an SMS does not', async () => {
    const { otp } = fresh();
    await send(otp, 'case-1', 'uid=annv,dc=x', 'email');
    now = new Date(T0.getTime() + 2 * MIN);
    expect(await code(() => otp.reserve('uid=annv,dc=x', 'email'))).toBe('OTP_TOO_SOON');
    expect(await code(() => otp.reserve('uid=annv,dc=x', 'sms'))).toBe('ok');
  });

  it('a send recorded before channels were counted apart holds back both channels', async () => {
    const { otp, db } = fresh();
    db.prepare(`INSERT INTO otp_sends (account_key, day, at_ms, state) VALUES (?, ?, ?, 'sent')`).run('uid=annv,dc=x', vnDayKey(T0), T0.getTime());
    now = new Date(T0.getTime() + MIN);
    expect(await code(() => otp.reserve('uid=annv,dc=x', 'email'))).toBe('OTP_TOO_SOON');
    expect(await code(() => otp.reserve('uid=annv,dc=x', 'sms'))).toBe('OTP_TOO_SOON');
  });

  it('a 3rd send in a day is refused even when two operators race; the next VN day allows again', async () => {
    const { otp, db } = fresh();
    const other = new OtpService(new SqliteOtpStore(openDatabase(db.name)), clock, cryptoRandom, new HmacCodeHasher(newOtpKey()));
    await send(otp, 'case-a');
    now = new Date(T0.getTime() + 10 * MIN);
    // Two operators' cases reserve at the same moment: only one slot is left.
    const race = [await code(() => otp.reserve('uid=annv,dc=x', 'sms')), await code(() => other.reserve('uid=annv,dc=x', 'sms'))];
    expect(race.sort()).toEqual(['OTP_DAILY_LIMIT', 'ok']);
    now = new Date(T0.getTime() + 20 * MIN);
    expect(await code(() => other.reserve('uid=annv,dc=x', 'sms'))).toBe('OTP_DAILY_LIMIT');
    now = new Date('2026-11-23T17:00:00Z'); // 00:00 on 24/11 in Asia/Ho_Chi_Minh
    expect(vnDayKey(now)).toBe('2026-11-24');
    expect(await code(() => other.reserve('uid=annv,dc=x', 'sms'))).toBe('ok');
  });

  it('a send the relay refused uses no quota', async () => {
    const { otp } = fresh();
    const r = await otp.reserve('uid=annv,dc=x', 'sms');
    await otp.release(r);
    expect(await otp.resendInfo('uid=annv,dc=x')).toEqual({ availableAt: { sms: null, email: null }, remainingToday: 2 });
    expect(await code(() => otp.reserve('uid=annv,dc=x', 'sms'))).toBe('ok');
  });

  it('counters survive closing and reopening the store', async () => {
    const first = fresh();
    const file = first.db.name;
    const c = await send(first.otp, 'case-1');
    await first.otp.verify('case-1', c === '000000' ? '111111' : '000000');
    first.db.close();
    const again = new OtpService(new SqliteOtpStore(openDatabase(file)), clock, cryptoRandom, new HmacCodeHasher(newOtpKey()));
    expect((await again.resendInfo('uid=annv,dc=x')).remainingToday).toBe(1);
    expect(await again.attemptsLeft('uid=annv,dc=x')).toBe(4);
    now = new Date(T0.getTime() + MIN);
    expect(await code(() => again.reserve('uid=annv,dc=x', 'sms'))).toBe('OTP_TOO_SOON');
  });

  it('stores only a keyed hash of the code', async () => {
    const { otp, db } = fresh();
    const c = await send(otp, 'case-1');
    const rows = JSON.stringify(db.prepare('SELECT * FROM otp_codes').all());
    expect(rows).not.toContain(c);
    expect(rows).toMatch(/[0-9a-f]{64}/u);
  });

  it('10^5 codes are all 6 ASCII digits, leading zeros kept, roughly uniform', () => {
    const { otp } = fresh();
    let leadingZero = 0;
    const firstDigit = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const c = otp.generate();
      expect(c).toMatch(/^\d{6}$/u);
      if (c.startsWith('0')) leadingZero++;
      firstDigit[Number(c[0])]!++;
    }
    expect(leadingZero).toBeGreaterThan(9_000);
    for (const n of firstDigit) expect(n).toBeGreaterThan(9_000);
  });

  it('normalizeCode: trims, accepts only ASCII digits', () => {
    expect(normalizeCode(' 012345 ')).toBe('012345');
    expect(normalizeCode('０１２３４５')).toBeNull();
  });
});
