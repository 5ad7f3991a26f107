import type { CaseView, IdentityCheck, OverrideInput } from '@common/dto';
import type { ApiError } from '@common/result';

/**
 * The supervisor override of the case wizard: for a caller with no usable contact, a supervisor checks
 * the caller's identity (CCCD compared with the directory, a document seen, an agency letter), records
 * it, and the case counts as verified. Pure functions of the server's CaseView and what was typed; the
 * main process checks the role, the CCCD and every rule again.
 */

/** In the order the form offers them. */
export const IDENTITY_CHECK_OPTIONS: readonly IdentityCheck[] = ['citizen-id', 'identity-document', 'agency-letter'];

/**
 * What the verification step offers:
 * - `primary`: no usable contact, a supervisor at the desk: the override is the way on;
 * - `unreachable`: contacts on record, a supervisor: a less prominent "the caller cannot reach them"
 *   (sent as `contactsUnreachable: true`, and recorded);
 * - `needs-supervisor`: no usable contact, an operator: say a supervisor must do it;
 * - `none`: an operator with a usable contact (the code is the way).
 */
export type OverrideOffer = 'primary' | 'unreachable' | 'needs-supervisor' | 'none';

/** Whether either registered contact can take a code. */
export function anyUsableContact(c: Pick<CaseView, 'channels'>): boolean {
  return c.channels.sms.status === 'present' || c.channels.email.status === 'present';
}

export function overrideOffer(c: Pick<CaseView, 'channels'>, supervisor: boolean): OverrideOffer {
  const usable = anyUsableContact(c);
  if (supervisor) return usable ? 'unreachable' : 'primary';
  return usable ? 'none' : 'needs-supervisor';
}

/** The override form as typed. */
export interface OverrideForm {
  check: IdentityCheck;
  citizenId: string;
  note: string;
}

/**
 * The contract input from the form, or the field the operator must fill first. The CCCD goes only with
 * the CCCD check, its white space removed ("024 681 357" → "024681357"); the note without surrounding
 * white space.
 */
export function overrideInput(caseId: string, form: OverrideForm, contactsUnreachable: boolean): OverrideInput | ApiError {
  const note = form.note.trim();
  const citizenId = form.citizenId.replace(/\s+/gu, '');
  if (form.check === 'citizen-id' && citizenId === '') {
    return { code: 'VALIDATION_FAILED', field: 'citizenId', reason: 'required' };
  }
  if (note === '') return { code: 'VALIDATION_FAILED', field: 'note', reason: 'required' };
  const input: OverrideInput = { caseId, check: form.check, note };
  if (form.check === 'citizen-id') input.citizenId = citizenId;
  if (contactsUnreachable) input.contactsUnreachable = true;
  return input;
}

/**
 * The message of the override form for a refusal: a CCCD that does not match the record with the tries
 * left (IDENTITY_MISMATCH's `attemptsLeft`), a field to fix (shown at the field), or any other refusal
 * translated by its code.
 */
export type OverrideFeedback =
  | { kind: 'mismatch'; attemptsLeft: number }
  | { kind: 'field'; field: 'citizenId' | 'note' }
  | { kind: 'error' };

export function overrideFeedback(e: Pick<ApiError, 'code' | 'field' | 'attemptsLeft'>): OverrideFeedback {
  if (e.code === 'IDENTITY_MISMATCH') return e.attemptsLeft === undefined ? { kind: 'error' } : { kind: 'mismatch', attemptsLeft: e.attemptsLeft };
  if (e.code === 'VALIDATION_FAILED' && (e.field === 'citizenId' || e.field === 'note')) return { kind: 'field', field: e.field };
  return { kind: 'error' };
}
