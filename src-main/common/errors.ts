/** Every error the contract can return. The UI has a translation for each (i18n `errors.<code>`). */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'UNKNOWN_METHOD',
  'FORBIDDEN_SENDER',
  'NOT_SIGNED_IN',
  'INVALID_CREDENTIALS',
  'OPERATOR_LOCKED',
  'DIRECTORY_NOT_CONFIGURED',
  'DIRECTORY_DNS',
  'DIRECTORY_UNREACHABLE',
  'DIRECTORY_TLS',
  'DIRECTORY_TIMEOUT',
  'DIRECTORY_BIND',
  'DIRECTORY_BASE_DN',
  'DIRECTORY_ERROR',
  'ACCOUNT_NOT_FOUND',
  'SECRET_STORE_UNAVAILABLE',
  'SERVICE_PASSWORD_MISSING',
  'SETTINGS_WRITE_FAILED',
  'RELAY_NOT_CONFIGURED',
  'RELAY_UNREACHABLE',
  'RELAY_TIMEOUT',
  'RELAY_TLS',
  'RELAY_AUTH',
  'RELAY_RATE_LIMITED',
  'RELAY_REJECTED',
  'RELAY_SERVER_ERROR',
  'RELAY_BAD_RESPONSE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Reasons attached to VALIDATION_FAILED. */
export const VALIDATION_REASONS = [
  'required',
  'too_long',
  'too_short',
  'invalid_type',
  'control_characters',
  'invalid_format',
  'unknown_field',
  'invalid_value',
  'invalid_characters',
] as const;
export type ValidationReason = (typeof VALIDATION_REASONS)[number];
