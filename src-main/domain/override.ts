/**
 * The supervisor override's limit: wrong CCCD/CMND numbers on an account per VN day (every case, every
 * operator, across restarts: counted with the OTP counters) before overrides of any kind stop for it.
 */
export const MAX_IDENTITY_MISMATCHES = 3;

/** Wrong CCCD/CMND entries left today, from the day's count. */
export const identityAttemptsLeft = (mismatches: number): number => Math.max(0, MAX_IDENTITY_MISMATCHES - mismatches);
