import { z } from 'zod';

/** C0/C1 control characters (tab, CR, LF included): never accepted in any contract string. */
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

/** A trimmed, non-empty, single-line string of at most `max` characters. */
export const lineText = (max: number) =>
  z
    .string()
    .max(max * 4, { error: 'too_long' })
    .transform((s) => s.trim())
    .pipe(
      z
        .string()
        .min(1, { error: 'required' })
        .max(max, { error: 'too_long' })
        .refine((s) => !CONTROL_CHARS.test(s), { error: 'control_characters' }),
    );

/** A secret typed by a person: kept exactly as typed (no trim), never echoed back. */
export const secretText = (max: number) =>
  z
    .string()
    .min(1, { error: 'required' })
    .max(max, { error: 'too_long' })
    .refine((s) => !CONTROL_CHARS.test(s), { error: 'control_characters' });

/** An LDAP distinguished name as configured or returned by the directory. */
export const dnText = lineText(1024).refine((s) => /^[^=,]+=[^,]*(,[^=,]+=[^,]*)*$/u.test(s.replace(/\\./gu, 'x')), {
  error: 'invalid_format',
});

/** An LDAP attribute description: a name or a numeric OID. */
export const attributeName = z
  .string()
  .max(64, { error: 'too_long' })
  .regex(/^([A-Za-z][A-Za-z0-9-]*|\d+(\.\d+)+)$/u, { error: 'invalid_format' });
