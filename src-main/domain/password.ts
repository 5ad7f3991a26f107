import type { RandomSource } from './otp';
import { foldDiacritics } from './text';

/**
 * Password rules of the seeds (001: at least 8 characters with upper, lower, digit and special) —
 * on by default — and NIST SP 800-63B's alternative (length + blocklist, no composition rules).
 */
export interface PasswordPolicy {
  minLength: number;
  /** Upper, lower, digit and special character each required (the seeds' rule). */
  requireClasses: boolean;
  /** Length of generated temporary passwords. */
  temporaryLength: number;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = { minLength: 8, requireClasses: true, temporaryLength: 12 };

// No look-alikes (0 O o, 1 l I) for a password read off a phone screen, and no character outside the
// GSM-7 basic set (backtick, [ \ ] ^ { | } ~ cost two septets or break some gateways).
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnpqrstuvwxyz';
const DIGIT = '23456789';
const SPECIAL = '@#$%&*+=?!';

/** Common and breached-style passwords and their patterns (NIST 800-63B §5.1.1.2 blocklist). */
const BLOCKLIST = [
  'password', 'matkhau', 'admin', 'qwerty', 'abc123', '123456', '12345678', '111111', 'iloveyou', 'welcome',
  'letmein', 'vietnam', 'hanoi', 'saigon', 'hochiminh', 'abcd1234', 'p@ssw0rd', 'passw0rd', 'zxcvbn', 'asdfgh',
];

export type PasswordProblem = 'too_short' | 'missing_upper' | 'missing_lower' | 'missing_digit' | 'missing_special' | 'contains_username' | 'blocklisted';

/** What is wrong with a password under the policy (empty: acceptable). */
export function passwordProblems(password: string, username: string, policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY): PasswordProblem[] {
  const out: PasswordProblem[] = [];
  if ([...password].length < policy.minLength) out.push('too_short');
  if (policy.requireClasses) {
    if (!/\p{Lu}/u.test(password)) out.push('missing_upper');
    if (!/\p{Ll}/u.test(password)) out.push('missing_lower');
    if (!/\p{Nd}/u.test(password)) out.push('missing_digit');
    if (!/[^\p{L}\p{Nd}]/u.test(password)) out.push('missing_special');
  }
  const folded = foldDiacritics(password).toLowerCase();
  if (username.length >= 3 && folded.includes(username.toLowerCase())) out.push('contains_username');
  const plain = folded.replace(/[^a-z0-9@]/gu, '');
  if (BLOCKLIST.some((b) => plain.includes(b))) out.push('blocklisted');
  return out;
}

/**
 * A temporary password that meets the policy: one of each class, the rest from all classes, shuffled
 * (Fisher–Yates) with a CSPRNG. Never shown to the operator; delivered only to the verified channel.
 */
export function generateTemporaryPassword(random: RandomSource, username: string, policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY): string {
  const length = Math.max(policy.temporaryLength, policy.minLength, 8);
  const all = UPPER + LOWER + DIGIT + SPECIAL;
  for (;;) {
    const chars = [UPPER, LOWER, DIGIT, SPECIAL].map((set) => set[random.int(set.length)]!);
    while (chars.length < length) chars.push(all[random.int(all.length)]!);
    for (let i = chars.length - 1; i > 0; i--) {
      const j = random.int(i + 1);
      [chars[i], chars[j]] = [chars[j]!, chars[i]!];
    }
    const candidate = chars.join('');
    if (passwordProblems(candidate, username, policy).length === 0) return candidate;
  }
}
