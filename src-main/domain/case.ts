import type { IdentityCheck } from '../common/dto';
import { HelpdeskError } from './errors';
import type { OtpChannel } from './otp';

/**
 * A call is a case: opened on one account by one operator with a reason, verified by a code sent to a
 * registered contact, closed done / abandoned / expired. The state is a kind-tagged union.
 */
export type CaseState =
  | { kind: 'open' }
  | { kind: 'code-sent'; channel: OtpChannel; destination: string; to: string; sentAt: Date; expiresAt: Date; messageId: string | null }
  | { kind: 'verified'; by: 'code'; channel: OtpChannel; destination: string; sentAt: Date; expiresAt: Date; verifiedAt: Date }
  | { kind: 'verified'; by: 'override'; override: CaseOverride; expiresAt: Date; verifiedAt: Date }
  | { kind: 'closed'; outcome: 'done' | 'abandoned' | 'expired'; closedAt: Date };

/** A supervisor's recorded identity check, standing in for a code when the caller has no usable contact. */
export interface CaseOverride {
  check: IdentityCheck;
  supervisor: string;
  note: string;
  /** The directory held a usable contact that the caller said they cannot reach. */
  contactsOnRecord: boolean;
}

/** A contact the caller proved in this case by reading back its code: `to` exact (memory only), `masked` shown. */
export interface ProvenContact {
  channel: OtpChannel;
  to: string;
  masked: string;
}

/**
 * In the code-sent state, `destination` is the masked contact shown to the operator and `to` the exact
 * one the code went to (kept in memory only). Once it is read back it becomes the case's
 * `deliveryContact`: a temporary password may go there and nowhere else.
 */
export interface Case {
  id: string;
  accountDn: string;
  /** Key of the account's limits and counters: its stable id (entryUUID, objectGUID, zimbraId), else its DN. */
  accountKey: string;
  accountUsername: string;
  /** The account's unit (đơn vị), for per-unit reports. */
  accountUnit: string | null;
  accountDisplayName: string;
  /** Username of the operator who opened it: only they can work on it. */
  operator: string;
  reason: string;
  openedAt: Date;
  state: CaseState;
  /** Where a temporary password may go: the contact proven in this case (code read back, or a new contact saved with its code). */
  deliveryContact: ProvenContact | null;
}

/**
 * The gate every account action passes in the main process: the case is open, verified, not expired,
 * and about the very account the action targets.
 */
export function checkGate(c: Case, accountDn: string, now: Date): void {
  const s = c.state;
  if (s.kind === 'closed') throw new HelpdeskError('CASE_CLOSED');
  if (c.accountDn.toLowerCase() !== accountDn.toLowerCase()) throw new HelpdeskError('CASE_ACCOUNT_MISMATCH');
  if (s.kind !== 'verified') throw new HelpdeskError('CASE_NOT_VERIFIED');
  if (now.getTime() >= s.expiresAt.getTime()) throw new HelpdeskError('CASE_EXPIRED');
}

/** Throws CASE_CLOSED when nothing more may happen on the case. */
export function requireOpen(c: Case): void {
  if (c.state.kind === 'closed') throw new HelpdeskError('CASE_CLOSED');
}
