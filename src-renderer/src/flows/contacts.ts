import type { AccountDetail, ActionResult, MaskedContact, PendingContact } from '@common/dto';
import type { ApiError } from '@common/result';
import { msUntil } from './verification';

/**
 * The third account action of the case wizard: changing a recovery contact (seed 000: users keep
 * their mobile and backup e-mail current). A code goes to the NEW value and is read back before the
 * main process saves it; the previous contact gets a notice. These pure functions decide only what
 * the operator sees; the main process normalises, checks and enforces every rule.
 */

export type ContactKind = PendingContact['kind'];

export const CONTACT_KINDS: readonly ContactKind[] = ['mobile', 'backupEmail'];

/** Whether the old contact was told, as the server answered (absent on an old answer: nothing was sent). */
export type ContactNotice = NonNullable<ActionResult['notice']>;

/** The contact of that kind as the account panel shows it: masked, or the i18n key of why there is none. */
export interface CurrentContact {
  masked: string | null;
  reasonKey: string | null;
}

const NONE: Record<ContactKind, { missing: string; invalid: string }> = {
  mobile: { missing: 'account.noMobile', invalid: 'account.invalidMobile' },
  backupEmail: { missing: 'account.noBackupEmail', invalid: 'account.invalidBackupEmail' },
};

export function currentContact(account: Pick<AccountDetail, 'mobile' | 'backupEmail'> | null, kind: ContactKind): CurrentContact {
  const c: MaskedContact | undefined = account ? account[kind] : undefined;
  if (c?.status === 'present' && c.masked) return { masked: c.masked, reasonKey: null };
  return { masked: null, reasonKey: c?.status === 'invalid' ? NONE[kind].invalid : NONE[kind].missing };
}

/**
 * Where the contact step stands: the new value to type (`form`), or the code sent to it to read back
 * (`code`). A code waiting on the server shows again when the operator comes back to the step, unless
 * they chose to type another value (`editing`).
 */
export type ContactPhase = { kind: 'form' } | { kind: 'code'; pending: PendingContact; expired: boolean };

/**
 * The code can be used until its own expiry and only while the verification lives (the gate): the
 * earlier of the two. `verificationExpiresAt` null: the code's own time alone.
 */
export function contactDeadline(pending: PendingContact, verificationExpiresAt: string | null): string {
  if (verificationExpiresAt === null) return pending.expiresAt;
  const a = Date.parse(pending.expiresAt);
  const b = Date.parse(verificationExpiresAt);
  if (Number.isNaN(b)) return pending.expiresAt;
  if (Number.isNaN(a)) return verificationExpiresAt;
  return b < a ? verificationExpiresAt : pending.expiresAt;
}

export function contactPhase(
  pending: PendingContact | null,
  editing: boolean,
  verificationExpiresAt: string | null,
  now: number,
): ContactPhase {
  if (pending === null || editing) return { kind: 'form' };
  return { kind: 'code', pending, expired: msUntil(contactDeadline(pending, verificationExpiresAt), now) <= 0 };
}

/** The HTML input for a kind: a phone keypad for the mobile, an e-mail keyboard for the e-mail. */
export function contactInput(kind: ContactKind): { type: 'tel' | 'email'; inputmode: 'tel' | 'email'; autocomplete: 'off' } {
  return kind === 'mobile'
    ? { type: 'tel', inputmode: 'tel', autocomplete: 'off' }
    : { type: 'email', inputmode: 'email', autocomplete: 'off' };
}

/**
 * What goes to the main process: the text without surrounding white space (the main process reads any
 * Vietnamese form of a mobile, `+84 988 777 666` included). Empty means nothing to send.
 */
export function cleanContactValue(text: string): string {
  return text.trim();
}

/**
 * The message under the contact step for a refusal: a wrong code with the tries left (OTP_WRONG's
 * `detail`), a value the main process refused (shown at the value field), a malformed code (at the code
 * field), or any other refusal translated by its code.
 */
export type ContactFeedback =
  | { kind: 'wrong'; attemptsLeft: number }
  | { kind: 'value' }
  | { kind: 'code' }
  | { kind: 'error' };

export function contactFeedback(e: Pick<ApiError, 'code' | 'field' | 'attemptsLeft'>): ContactFeedback {
  if (e.code === 'OTP_WRONG') return e.attemptsLeft === undefined ? { kind: 'error' } : { kind: 'wrong', attemptsLeft: e.attemptsLeft };
  if (e.code === 'VALIDATION_FAILED' && e.field === 'value') return { kind: 'value' };
  if (e.code === 'VALIDATION_FAILED' && e.field === 'code') return { kind: 'code' };
  return { kind: 'error' };
}

/** Refusals after which the waiting code is no longer usable: the case is read again. */
const CODE_GONE = ['OTP_EXPIRED', 'OTP_VOID', 'OTP_USED', 'OTP_NOT_SENT'] as const;

export function codeGone(e: Pick<ApiError, 'code' | 'attemptsLeft'>): boolean {
  if ((CODE_GONE as readonly string[]).includes(e.code)) return true;
  // The last wrong entry voids the code.
  return e.code === 'OTP_WRONG' && e.attemptsLeft === 0;
}
