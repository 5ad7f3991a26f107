import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// Time

/** `YYYYMMDDHHMMSSZ` (UTC), as OpenLDAP writes timestamps and pwdAccountLockedTime. */
export function generalizedTime(d: Date): string {
  return d.toISOString().replace(/[-:T]/gu, '').replace(/\.\d+Z$/u, 'Z');
}

/**
 * `YYYYMMDDHHMMSS.ffffffZ`, as OpenLDAP 2.5 ppolicy writes pwdFailureTime (microseconds keep the
 * values of one attribute distinct). A value already present is bumped by one microsecond.
 */
export function failureTime(d: Date, existing: readonly string[]): string {
  let micros = d.getTime() * 1000;
  for (;;) {
    const ms = Math.floor(micros / 1000);
    const fraction = `${String(ms % 1000).padStart(3, '0')}${String(micros % 1000).padStart(3, '0')}`;
    const value = generalizedTime(new Date(ms)).replace(/Z$/u, `.${fraction}Z`);
    if (!existing.includes(value)) return value;
    micros += 1;
  }
}

// Passwords: {SSHA} (as slappasswd makes), {SSHA256|384|512}, unsalted {SHA…}, or plain text.

export const SCHEMES: Record<string, { algorithm: string; digestLength: number; salted: boolean }> = {
  SSHA: { algorithm: 'sha1', digestLength: 20, salted: true },
  SSHA256: { algorithm: 'sha256', digestLength: 32, salted: true },
  SSHA384: { algorithm: 'sha384', digestLength: 48, salted: true },
  SSHA512: { algorithm: 'sha512', digestLength: 64, salted: true },
  SHA: { algorithm: 'sha1', digestLength: 20, salted: false },
  SHA256: { algorithm: 'sha256', digestLength: 32, salted: false },
  SHA384: { algorithm: 'sha384', digestLength: 48, salted: false },
  SHA512: { algorithm: 'sha512', digestLength: 64, salted: false },
};

/** A never-matching hash, checked for unknown DNs so that they take as long as known ones. */
export const DUMMY_HASH = sshaHash(randomBytes(16).toString('hex'));

/** `{SSHA}` + base64(sha1(password ‖ salt) ‖ salt); a fresh random 8-byte salt unless one is given. */
export function sshaHash(password: string, salt: Buffer = randomBytes(8)): string {
  const digest = createHash('sha1').update(password, 'utf8').update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

/** Compares a candidate with a stored userPassword value in constant time (per scheme). */
export function verifyPassword(stored: string, candidate: string): boolean {
  const m = /^\{([A-Za-z0-9-]+)\}(.*)$/su.exec(stored);
  if (!m) return safeEqualText(stored, candidate);
  const scheme = SCHEMES[(m[1] ?? '').toUpperCase()];
  if (!scheme) return (m[1] ?? '').toUpperCase() === 'CLEARTEXT' && safeEqualText(m[2] ?? '', candidate);
  const decoded = Buffer.from(m[2] ?? '', 'base64');
  if (scheme.salted ? decoded.length <= scheme.digestLength : decoded.length !== scheme.digestLength) return false;
  const digest = decoded.subarray(0, scheme.digestLength);
  const salt = decoded.subarray(scheme.digestLength);
  const computed = createHash(scheme.algorithm).update(candidate, 'utf8').update(salt).digest();
  return timingSafeEqual(digest, computed);
}

export function safeEqualText(a: string, b: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Plain values are stored as {SSHA}; values with a known {scheme} are stored as given. */
export function storablePassword(value: string): string {
  const scheme = /^\{([A-Za-z0-9-]+)\}/u.exec(value)?.[1]?.toUpperCase();
  return scheme && (SCHEMES[scheme] || scheme === 'CLEARTEXT') ? value : sshaHash(value);
}
