import { z } from 'zod';

/**
 * C0/C1 control characters (tab, CR, LF included), the line and paragraph separators, and the bidi
 * embedding / override / isolate controls (U+202A–202E, U+2066–2069: text that displays in another
 * order than it is stored, "Trojan Source"): never accepted in any contract string.
 */
/** An e-mail address the app sends to or stores: local part of 1–64, a dotted domain, no spaces. */
export const EMAIL_ADDRESS = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/u;

export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** The same, less TAB, CR and LF: what a multi-line text (a PEM certificate, a body template) may not hold. */
const CONTROL_CHARS_BUT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/**
 * A UTF-16 surrogate without its pair (JSON can carry one as `\ud800`): not text. Stored in SQLite it
 * becomes U+FFFD, so an audit row holding one no longer matches its own hash.
 */
const LONE_SURROGATE = /[\ud800-\udfff]/u;

const CONTROL_RUNS = new RegExp(`${CONTROL_CHARS.source}+`, 'gu');
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'gu');

/**
 * Text from elsewhere (a directory value, an error detail) made safe to log and show: every run of
 * the control characters above becomes one space, and it is cut to `max` UTF-16 units; a lone
 * surrogate (given, or half of a pair the cut split) becomes U+FFFD, so the text stores as it is
 * (audit-store.ts cleans every field with it: what is hashed is what SQLite keeps).
 */
export function loggableText(value: string, max: number): string {
  return value.replace(CONTROL_RUNS, ' ').slice(0, max).replace(LONE_SURROGATES, '\ufffd');
}

const wellFormed = <T extends z.ZodType<string>>(s: T) => s.refine((v) => !LONE_SURROGATE.test(v), { error: 'invalid_value' });

/** A trimmed, non-empty, single-line string of at most `max` characters. */
export const lineText = (max: number) =>
  z
    .string()
    .max(max * 4, { error: 'too_long' })
    .transform((s) => s.trim())
    .pipe(
      wellFormed(
        z
          .string()
          .min(1, { error: 'required' })
          .max(max, { error: 'too_long' })
          .refine((s) => !CONTROL_CHARS.test(s), { error: 'control_characters' }),
      ),
    );

/** A secret typed by a person: kept exactly as typed (no trim), never echoed back. */
export const secretText = (max: number) =>
  wellFormed(
    z
      .string()
      .min(1, { error: 'required' })
      .max(max, { error: 'too_long' })
      .refine((s) => !CONTROL_CHARS.test(s), { error: 'control_characters' }),
  );

/** A single-line string kept exactly as given (no trim; may be empty), e.g. a header prefix "Bearer ". */
export const plainText = (max: number) =>
  wellFormed(z.string().max(max, { error: 'too_long' }).refine((s) => !CONTROL_CHARS.test(s), { error: 'control_characters' }));

/** A multi-line string (PEM, a body template): line breaks and tabs, no other control character. */
export const multilineText = (max: number) =>
  wellFormed(z.string().max(max, { error: 'too_long' }).refine((s) => !CONTROL_CHARS_BUT_LINES.test(s), { error: 'control_characters' }));

/** An LDAP distinguished name as configured or returned by the directory. */
export const dnText = lineText(1024).refine((s) => /^[^=,]+=[^,]*(,[^=,]+=[^,]*)*$/u.test(s.replace(/\\./gu, 'x')), {
  error: 'invalid_format',
});

/** An LDAP attribute description: a name or a numeric OID. */
export const attributeName = z
  .string()
  .max(64, { error: 'too_long' })
  .regex(/^([A-Za-z][A-Za-z0-9-]*|\d+(\.\d+)+)$/u, { error: 'invalid_format' });
