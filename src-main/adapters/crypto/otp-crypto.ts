import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { CodeHasher, RandomSource } from '../../domain/otp';

/** crypto.randomInt: uniform, from the OS CSPRNG. */
export const cryptoRandom: RandomSource = { int: (max) => randomInt(max) };

/** HMAC-SHA256 of `scope:code` under a key kept in the keychain; constant-time equality. */
export class HmacCodeHasher implements CodeHasher {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error('OTP key must be at least 32 bytes');
  }
  hash(scope: string, code: string): string {
    return createHmac('sha256', this.key).update(`${scope}:${code}`).digest('hex');
  }
  equal(a: string, b: string): boolean {
    const x = Buffer.from(a, 'hex');
    const y = Buffer.from(b, 'hex');
    return x.length === y.length && timingSafeEqual(x, y);
  }
}

export function newOtpKey(): Buffer {
  return randomBytes(32);
}
