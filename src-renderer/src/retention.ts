/**
 * The audit retention bounds and default of `settingsSchema.audit` (common/settings.ts, which the
 * renderer does not import at run time: it would bring zod along). A unit test keeps them equal.
 */
export const DEFAULT_RETENTION_MONTHS = 24;
export const MIN_RETENTION_MONTHS = 6;
export const MAX_RETENTION_MONTHS = 120;
