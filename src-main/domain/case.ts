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
  /** Username of the operator who opened it. */
  operator: string;
  /**
   * Who works on it now (only they can act on it, from any workstation of the team): the opener, or the
   * supervisor who took it after a hand-off. Since when, for presence ("đang được … xử lý từ …").
   */
  holder: string;
  holderSince: Date;
  /** Handed to the supervisors' queue ("Chuyển giám sát viên"), waiting for one of them to take it. */
  handOff: CaseHandOff | null;
  /** Four eyes: the second supervisor's approval a new contact after an override needs. */
  approval: CaseApproval | null;
  /** A contact change waiting for the code sent to the new value (`to` and `value` exact, never shown). */
  pendingContact: PendingContact | null;
  reason: string;
  openedAt: Date;
  state: CaseState;
  /** Where a temporary password may go: the contact proven in this case (code read back, or a new contact saved with its code). */
  deliveryContact: ProvenContact | null;
}

/** The operator's hand-off to the supervisors ("Chuyển giám sát viên"), with why. */
export interface CaseHandOff {
  by: string;
  at: Date;
  note: string;
}

/** A second supervisor's approval (four eyes): asked by the supervisor holding the case, given by another. */
export interface CaseApproval {
  state: 'waiting' | 'approved';
  requestedBy: string;
  requestedAt: Date;
  approvedBy: string | null;
  approvedAt: Date | null;
  /** What is approved: the new recovery contact (after an override). */
  contact: ApprovedContact;
}

/** A contact change waiting for the code sent to the new value. */
export interface PendingContact {
  kind: 'mobile' | 'backupEmail';
  value: string;
  to: string;
  masked: string;
  expiresAt: Date;
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
/**
 * The code a new send by `channel` voids: the case's code still live by the other channel (its channel),
 * or null. A new code always replaces the case's current one; by the same channel it is a resend.
 */
export function codeVoidedBy(c: Case, channel: OtpChannel, now: Date): OtpChannel | null {
  const s = c.state;
  return s.kind === 'code-sent' && s.channel !== channel && now < s.expiresAt ? s.channel : null;
}

export function requireOpen(c: Case): void {
  if (c.state.kind === 'closed') throw new HelpdeskError('CASE_CLOSED');
}

/** The signed-in user's own case: the one they hold (anyone else's is as invisible as a missing one). */
export function requireHolder(c: Case | null, who: string): Case {
  if (!c || c.holder !== who) throw new HelpdeskError('CASE_NOT_FOUND');
  return c;
}

/**
 * Presence: the open case another user holds on the account (the newest), which a second operator must
 * confirm to take over. Cases of the same user are not in the way.
 */
export function heldByAnother(openCases: readonly Case[], who: string): Case | null {
  const others = openCases.filter((c) => c.state.kind !== 'closed' && c.holder !== who);
  return others.sort((a, b) => b.holderSince.getTime() - a.holderSince.getTime())[0] ?? null;
}

/**
 * Taking over an account another operator is handling (confirmed): their case ends — its verification
 * belonged to their call — and the new operator opens their own. Returns who held it.
 */
export function endForTakeOver(c: Case, now: Date): string {
  requireOpen(c);
  c.state = { kind: 'closed', outcome: 'abandoned', closedAt: now };
  c.pendingContact = null;
  c.handOff = null;
  c.approval = null;
  return c.holder;
}

/** The holder hands the case to the supervisors' queue (the caller stays verified as they were). */
export function handOff(c: Case, by: string, note: string, now: Date): void {
  requireOpen(c);
  if (c.handOff) throw new HelpdeskError('VALIDATION_FAILED', { field: 'caseId', reason: 'invalid_value', detail: 'already handed over' });
  c.handOff = { by, at: now, note };
}

/**
 * A supervisor takes a handed-over case: it becomes theirs (verification, code sent and contact proven
 * go with it — the same call, passed on). Only a case waiting in the queue can be taken this way.
 */
export function takeHandedOver(c: Case, supervisor: string, now: Date): string {
  requireOpen(c);
  if (!c.handOff) throw new HelpdeskError('CASE_NOT_FOUND');
  const from = c.holder;
  c.holder = supervisor;
  c.holderSince = now;
  c.handOff = null;
  return from;
}

/** How long a request for a second supervisor's approval stands (a call on hold, not a day later). */
export const APPROVAL_WINDOW_MS = 30 * 60_000;

/** The new contact a second supervisor is asked to approve (exact value sealed with the case, masked shown). */
export interface ApprovedContact {
  kind: 'mobile' | 'backupEmail';
  value: string;
  masked: string;
}

/**
 * Four eyes where one person could take over an account: after a supervisor's override, a new recovery
 * contact is sent its code — and then saved, and a temporary password may follow to it — only once a
 * second supervisor approved that very contact. Checked before anything is sent or written: one
 * supervisor alone can neither put a contact of their choice into the directory nor reset to it (and a
 * later code to that contact, in this case or another, proves nothing two people did not agree on).
 */
export function needsSecondApproval(c: Case, contact: Pick<ApprovedContact, 'kind' | 'value'>): boolean {
  const s = c.state;
  if (s.kind !== 'verified' || s.by !== 'override') return false;
  const a = c.approval;
  return !(a?.state === 'approved' && a.contact.kind === contact.kind && a.contact.value === contact.value);
}

/** The case waits for a second supervisor to approve this contact (a request for another contact replaces it). */
export function requestApproval(c: Case, by: string, now: Date, contact: ApprovedContact): void {
  requireOpen(c);
  const a = c.approval;
  if (a?.state === 'waiting' && a.contact.kind === contact.kind && a.contact.value === contact.value && now.getTime() - a.requestedAt.getTime() < APPROVAL_WINDOW_MS) return;
  c.approval = { state: 'waiting', requestedBy: by, requestedAt: now, approvedBy: null, approvedAt: null, contact };
}

/**
 * The second supervisor approves: never the one who made the override, asked, or holds the case; only
 * while the request stands (APPROVAL_WINDOW_MS). The verification runs again from the approval: the code
 * to the new contact is sent and read back after it.
 */
export function approve(c: Case, by: string, now: Date, validityMs: number): void {
  requireOpen(c);
  const s = c.state;
  const a = c.approval;
  if (!a || a.state !== 'waiting' || s.kind !== 'verified' || s.by !== 'override') throw new HelpdeskError('CASE_NOT_FOUND');
  if (by === s.override.supervisor || by === a.requestedBy || by === c.holder) throw new HelpdeskError('ACTION_NOT_PERMITTED', { reason: 'self_approval' });
  if (now.getTime() - a.requestedAt.getTime() >= APPROVAL_WINDOW_MS) throw new HelpdeskError('CASE_EXPIRED', { reason: 'approval' });
  c.approval = { ...a, state: 'approved', approvedBy: by, approvedAt: now };
  c.state = { ...s, expiresAt: new Date(now.getTime() + validityMs) };
}
