import { describe, expect, it } from 'vitest';
import { cryptoRandom } from '../../../src-main/adapters/crypto/otp-crypto';
import { generateTemporaryPassword, passwordProblems } from '../../../src-main/domain/password';
import { smsSegments } from '../../../src-main/domain/sms-text';

describe('password policy (seed 001: ≥ 8 with upper, lower, digit, special)', () => {
  it('names every problem', () => {
    expect(passwordProblems('abc', 'annv')).toEqual(['too_short', 'missing_upper', 'missing_digit', 'missing_special']);
    expect(passwordProblems('Annv@2026x', 'annv')).toEqual(['contains_username']);
    expect(passwordProblems('P@ssw0rd!!', 'annv')).toEqual(['blocklisted']);
    expect(passwordProblems('Mật@Khẩu9x', 'annv')).toEqual([]);
    expect(passwordProblems('longpassphrasewithoutclasses', 'annv', { minLength: 15, requireClasses: false, temporaryLength: 16 })).toEqual([]);
  });

  it('temporary passwords meet the policy, fit SMS, avoid look-alikes, and differ', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const p = generateTemporaryPassword(cryptoRandom, 'annv');
      expect(p).toHaveLength(12);
      expect(passwordProblems(p, 'annv')).toEqual([]);
      expect(p).not.toMatch(/[`[\\\]^{|}~0O1lIo]/u);
      expect(smsSegments(p)).toMatchObject({ encoding: 'GSM-7', units: 12 });
      seen.add(p);
    }
    expect(seen.size).toBe(2000);
  });
});
