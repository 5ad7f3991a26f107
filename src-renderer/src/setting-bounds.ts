/**
 * Bounds and defaults of the number fields of `settingsSchema` (common/settings.ts, which the renderer
 * does not import at run time: it would bring zod along). A unit test keeps them equal.
 */
/** `audit.retentionMonths`. */
export const DEFAULT_RETENTION_MONTHS = 24;
export const MIN_RETENTION_MONTHS = 6;
export const MAX_RETENTION_MONTHS = 120;

/** `session.idleLockMinutes`. */
export const DEFAULT_IDLE_LOCK_MINUTES = 10;
export const MIN_IDLE_LOCK_MINUTES = 1;
export const MAX_IDLE_LOCK_MINUTES = 240;
