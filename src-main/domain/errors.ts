import type { ErrorCode } from '../common/errors';
import type { ApiError } from '../common/result';

/**
 * The one error type the domain and adapters throw. It carries a contract error code and safe detail
 * only: callers must never put a password, code or token into `detail`.
 */
export class HelpdeskError extends Error {
  readonly code: ErrorCode;
  readonly detail: string | undefined;
  readonly reason: string | undefined;
  readonly field: string | undefined;
  readonly attemptsLeft: number | undefined;
  readonly heldBy: { holder: string; since: string } | undefined;

  constructor(code: ErrorCode, opts: { detail?: string; reason?: string; field?: string; attemptsLeft?: number; heldBy?: { holder: string; since: string }; cause?: unknown } = {}) {
    super(opts.detail ? `${code}: ${opts.detail}` : code, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'HelpdeskError';
    this.code = code;
    this.detail = opts.detail;
    this.reason = opts.reason;
    this.field = opts.field;
    this.attemptsLeft = opts.attemptsLeft;
    this.heldBy = opts.heldBy;
  }

  toApiError(): ApiError {
    const e: ApiError = { code: this.code };
    if (this.detail !== undefined) e.detail = this.detail;
    if (this.reason !== undefined) e.reason = this.reason;
    if (this.field !== undefined) e.field = this.field;
    if (this.attemptsLeft !== undefined) e.attemptsLeft = this.attemptsLeft;
    if (this.heldBy !== undefined) e.heldBy = this.heldBy;
    return e;
  }
}

/** The contract code of anything thrown: a HelpdeskError's own, otherwise INTERNAL (never a raw message). */
export function errorCodeOf(err: unknown): ErrorCode {
  return err instanceof HelpdeskError ? err.code : 'INTERNAL';
}
