/**
 * Bounds and defaults of the number settings: the settings schema (settings.ts) builds its rules from
 * these, and the renderer shows them (field hints, placeholders, its idle timer). No zod here, so the
 * renderer can import this file without pulling the schemas into its bundle.
 */
/** `audit.retentionMonths`. */
export const DEFAULT_RETENTION_MONTHS = 24;
export const MIN_RETENTION_MONTHS = 6;
export const MAX_RETENTION_MONTHS = 120;

/** `session.idleLockMinutes`. */
export const DEFAULT_IDLE_LOCK_MINUTES = 10;
export const MIN_IDLE_LOCK_MINUTES = 1;
export const MAX_IDLE_LOCK_MINUTES = 240;
