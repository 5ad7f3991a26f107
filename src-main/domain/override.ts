import type { Role } from '../common/roles';
/**
 * The supervisor override's limit: wrong CCCD/CMND numbers on an account per VN day (every case, every
 * operator, across restarts: counted with the OTP counters) before overrides of any kind stop for it.
 */
export const MAX_IDENTITY_MISMATCHES = 3;

/**
 * Whether an account may be verified by a supervisor's override at all: not one of the helpdesk's own
 * staff (a member of a role group). One supervisor could otherwise take over another's account — or an
 * operator's — by vouching for the caller, then changing its contact and resetting its password.
 */
export const overridableAccount = (roles: readonly Role[]): boolean => roles.length === 0;

/** Wrong CCCD/CMND entries left today, from the day's count. */
export const identityAttemptsLeft = (mismatches: number): number => Math.max(0, MAX_IDENTITY_MISMATCHES - mismatches);
