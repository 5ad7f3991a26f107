import type { AccountDetail, AccountState, ActionResult, CaseView, PendingContact } from '@common/dto';
import type { ErrorCode } from '@common/errors';
import type { ApiError } from '@common/result';
import type { ContactKind, ContactNotice } from './contacts';
import { assertNever, type WizardStep } from './verification';

/**
 * The account actions of the case wizard (unlock, reset, contact change), as pure functions of the wizard step, the
 * account and the server's ActionResult. The main process enforces the gate; these only decide what
 * the operator sees and may press.
 */

/** The action buttons of the account panel (a supervisor's reset may unlock too: still the reset button). */
export type ActionKind = 'unlock' | 'reset' | 'contact';

/** Where a temporary password would go: the contact proven in this case (null: none yet). */
export type DeliveryContact = CaseView['deliveryContact'];

export const ACTION_KINDS: readonly ActionKind[] = ['unlock', 'reset', 'contact'];

/** The actions that run at once on "Xác nhận" (the contact change has its own code step). */
export type DirectActionKind = Exclude<ActionKind, 'contact'>;

/** Where the verification stands for the actions: not (yet) on this account, live, or run out. */
export type ActionGate = { kind: 'needs-verification' } | { kind: 'expired' } | { kind: 'ready' };

/** `step`: the wizard's step when it is open on this account, null when it is not. */
export function actionGate(step: WizardStep | null): ActionGate {
  if (step === null) return { kind: 'needs-verification' };
  switch (step.kind) {
    case 'reason':
    case 'channel':
    case 'code':
    case 'closed':
      return { kind: 'needs-verification' };
    case 'verified':
      return step.expired ? { kind: 'expired' } : { kind: 'ready' };
    default:
      return assertNever(step);
  }
}

/**
 * Whether unlocking makes sense: locked by failed logins, or locked by an administrator (disabled).
 * The latter is offered so the operator gets the main process's reasoned refusal, not a silent grey button.
 */
export function unlockApplies(state: Pick<AccountState, 'locked' | 'disabled'>): boolean {
  return state.locked || state.disabled;
}

/** One action button: pressable, or the i18n key of why not (its title and the note under the buttons). */
export interface ActionButton {
  enabled: boolean;
  reasonKey: string | null;
}

/**
 * `delivery`: the case's proven contact. A reset needs one (the temporary password goes nowhere else):
 * after a supervisor's override there is none until a new contact is saved with its own code.
 */
export function actionButton(
  action: ActionKind,
  gate: ActionGate,
  state: Pick<AccountState, 'locked' | 'disabled'>,
  busy: boolean,
  delivery: DeliveryContact,
): ActionButton {
  if (gate.kind === 'needs-verification') return { enabled: false, reasonKey: 'account.needsVerification' };
  if (gate.kind === 'expired') return { enabled: false, reasonKey: 'account.verificationExpired' };
  if (action === 'unlock' && !unlockApplies(state)) return { enabled: false, reasonKey: 'account.notLocked' };
  if (action === 'reset' && delivery === null) return { enabled: false, reasonKey: 'account.noDeliveryContact' };
  return { enabled: !busy, reasonKey: null };
}

/**
 * The step the wizard offers first after verification: the main process's `next` for the account, a
 * contact change when a reset has nowhere to go yet (no contact proven in this case), and for an
 * operator a reset-and-unlock (supervisors only) becomes the hand-off to a supervisor.
 */
export function nextStepOf(next: AccountDetail['signIn']['next'], delivery: DeliveryContact, mayResetUnlock: boolean): 'unlock' | 'reset' | 'reset-unlock' | 'contact' | 'supervisor' {
  if (next === 'reset-unlock' && !mayResetUnlock) return 'supervisor';
  if ((next === 'reset' || next === 'reset-unlock') && delivery === null) return 'contact';
  return next;
}

/** The sentence under the action buttons. */
export function actionNoteKey(gate: ActionGate, delivery: DeliveryContact): string {
  switch (gate.kind) {
    case 'needs-verification':
      return 'account.needsVerification';
    case 'expired':
      return 'account.verificationExpired';
    case 'ready':
      return delivery === null ? 'account.noDeliveryContact' : 'account.actionsReady';
    default:
      return assertNever(gate);
  }
}

/**
 * What the result screen says. A reset is "sent" only when the relay accepted the message (accepted,
 * not delivered: never "received"); a reset that reports done without a delivery is not claimed as sent;
 * a relay that timed out leaves it unconfirmed (the caller is asked before resetting again).
 * `unlocked`: a supervisor's reset that unlocked the account in the same write.
 */
export type ActionSummary =
  | { kind: 'unlocked' }
  | { kind: 'reset-sent'; destination: string; unlocked: boolean }
  | { kind: 'reset-unconfirmed'; destination: string; unlocked: boolean }
  | { kind: 'reset-undelivered'; destination: string | null; code: ErrorCode }
  | { kind: 'contact-updated'; contact: ContactKind | null; destination: string | null; notice: ContactNotice }
  | { kind: 'unknown'; action: ActionResult['action'] };

/**
 * `contact`: for a contact change, the change the code was read back for (the answer itself does not
 * say which contact, nor the new value: the wizard keeps them).
 */
export function actionSummary(result: ActionResult, contact: PendingContact | null = null): ActionSummary {
  if (result.outcome === 'unknown') return { kind: 'unknown', action: result.action };
  if (result.action === 'unlock') return { kind: 'unlocked' };
  if (result.action === 'contact') {
    return {
      kind: 'contact-updated',
      contact: contact?.kind ?? null,
      destination: contact?.destination ?? null,
      notice: result.notice ?? { status: 'none', destination: null },
    };
  }
  const d = result.delivery;
  // A supervisor's reset and unlock, or a reset that ended a lockout by itself (OpenLDAP ppolicy): said either way.
  const unlocked = result.action === 'reset-unlock' || result.lockoutEnded === true;
  if (d === null) return { kind: 'reset-undelivered', destination: null, code: 'INTERNAL' };
  if (d.status === 'sent') return { kind: 'reset-sent', destination: d.destination, unlocked };
  if (d.status === 'unknown') return { kind: 'reset-unconfirmed', destination: d.destination, unlocked };
  return { kind: 'reset-undelivered', destination: d.destination, code: d.code };
}

/** An action's outcome as the wizard keeps it: the server's answer and the account as read after it. */
export interface ActionOutcome {
  result: ActionResult;
  /** `result.account`, or a re-read of the account when the answer carried none; null if both failed. */
  account: AccountDetail | null;
  /** A contact change: which contact, and its new value (masked), as the code was sent to it. */
  contact?: PendingContact | null;
}

/** Refusals that say the case itself moved on (expired, closed, no longer verified): re-read the case. */
const GATE_CODES: readonly ErrorCode[] = ['CASE_NOT_VERIFIED', 'CASE_EXPIRED', 'CASE_CLOSED', 'CASE_NOT_FOUND'];

export function isGateRefusal(e: Pick<ApiError, 'code'>): boolean {
  return GATE_CODES.includes(e.code);
}

/** A sentence set inside another ("…: <text>. Hãy …"): its own final full stop goes. */
export function withoutFinalStop(text: string): string {
  return text.trim().replace(/[.。]+$/u, '');
}
