import type { ErrorCode } from './errors';

/** An error that crosses the contract as data: a code the UI translates, never a secret. */
export interface ApiError {
  code: ErrorCode;
  /** Dotted path of the offending input field, for validation errors. */
  field?: string;
  /** A reason key under the code (e.g. `too_long`), translated by the UI. */
  reason?: string;
  /** Safe technical detail (an LDAP result name, a host): never a password, code or token. */
  detail?: string;
  /** Tries left after a wrong entry (OTP_WRONG of a new contact's code, IDENTITY_MISMATCH of a CCCD). */
  attemptsLeft?: number;
  /** CASE_HELD: who is handling the account now, and since when (presence). */
  heldBy?: { holder: string; since: string };
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(code: ErrorCode, extra: Omit<ApiError, 'code'> = {}): Result<T> => ({
  ok: false,
  error: { code, ...extra },
});
