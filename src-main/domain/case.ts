import type { IdentityCheck } from '../common/dto';
import { dnKey } from './dn';
import { HelpdeskError } from './errors';
import type { OtpChannel } from './otp';

/**
 * A call is a case: opened on one account by one operator with a reason, verified by a code sent to a
 * registered contact, closed done / abandoned / expired. The state is a kind-tagged union.
 */
export type CaseState =
  | { kind: 'open' }
  | {
      kind: 'code-sent';
      channel: OtpChannel;
      destination: string;
      to: string;
      sentAt: Date;
      expiresAt: Date;
      messageId: string | null;
      /** The relay timed out: the code may or may not have arrived (its send slot is kept). */
      uncertain: boolean;
    }
  | { kind: 'verified'; by: 'code'; channel: OtpChannel; destination: string; sentAt: Date; expiresAt: Date; verifiedAt: Date; spentBy?: SpendingAction }
  | { kind: 'verified'; by: 'override'; override: CaseOverride; expiresAt: Date; verifiedAt: Date; spentBy?: SpendingAction }
  | { kind: 'closed'; outcome: 'done' | 'abandoned' | 'expired'; closedAt: Date };

/**
 * What used up a verification. After a reset (or a reset and unlock) the caller proves themselves
 * again — a new code — before anything else changes the account. After a contact change, only a reset
 * whose temporary password goes to the contact just proven by its own code may follow (the seeds' flow
 * for a caller whose old contact is gone); anything else needs a new code.
 */
export type SpendingAction = 'reset' | 'reset-unlock' | 'contact';

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

/** What an account action is about: the entry as read just before the write (DN and permanent-id key). */
export interface GateTarget {
  dn: string;
  key: string;
}

/** What an account action is (unlock, reset, reset and unlock, contact change). */
export type GatedAction = 'unlock' | 'reset' | 'reset-unlock' | 'contact';

/**
 * The case's verification is live for `action`: open, verified, not expired, not used up by an
 * earlier action (see SpendingAction). Without an action: live and unused at all.
 */
export function checkVerified(c: Case, now: Date, action?: GatedAction): Extract<CaseState, { kind: 'verified' }> {
  const s = c.state;
  if (s.kind === 'closed') throw new HelpdeskError('CASE_CLOSED');
  if (s.kind !== 'verified') throw new HelpdeskError('CASE_NOT_VERIFIED');
  const resetAfterContact = s.spentBy === 'contact' && (action === 'reset' || action === 'reset-unlock');
  if (s.spentBy && !resetAfterContact) throw new HelpdeskError('CASE_NOT_VERIFIED', { reason: 'verification_spent' });
  if (now.getTime() >= s.expiresAt.getTime()) throw new HelpdeskError('CASE_EXPIRED');
  return s;
}

/**
 * The gate every account action passes in the main process: the verification is live, and the entry
 * about to be written is the very account the case was opened on — same DN and same permanent id (an
 * entry deleted and re-created at the same DN is another account).
 */
export function checkGate(c: Case, target: GateTarget, now: Date, action: GatedAction): Extract<CaseState, { kind: 'verified' }> {
  if (c.state.kind === 'closed') throw new HelpdeskError('CASE_CLOSED');
  if (dnKey(c.accountDn) !== dnKey(target.dn) || c.accountKey !== target.key) throw new HelpdeskError('CASE_ACCOUNT_MISMATCH');
  return checkVerified(c, now, action);
}

/** Marks the case's verification as used by `action` (see SpendingAction). */
export function spendVerification(c: Case, action: SpendingAction): void {
  if (c.state.kind === 'verified') c.state = { ...c.state, spentBy: action };
}

/** Throws CASE_CLOSED when nothing more may happen on the case. */
export function requireOpen(c: Case): void {
  if (c.state.kind === 'closed') throw new HelpdeskError('CASE_CLOSED');
}
