import type { ApiError } from '@common/result';
import type { CaseView } from '@common/dto';
import type { ActionKind, ActionOutcome, DirectActionKind } from '../../flows/actions';
import type { ContactKind } from '../../flows/contacts';

/** What is in flight: one request at a time, so a double click never sends two codes. */
export type CaseBusy = 'open' | 'send' | 'verify' | 'override' | 'close' | 'action' | 'contact-send' | 'contact-save' | 'hand-off' | null;

/** The last code the operator typed was wrong (not an error: the server answered verified:false). */
export interface WrongCode {
  attemptsLeft: number;
}

/**
 * Where the case wizard stands, as one value: no wizard, the reason step on an account (no case yet),
 * or a case the server opened. Nothing else can be held: a case never exists without its account.
 */
export type CasePhase =
  | { kind: 'idle' }
  | { kind: 'reason'; accountId: string; accountName: string }
  | { kind: 'case'; accountId: string; accountName: string; view: CaseView };

/**
 * The panel under the verified case (or beside the code steps, for the override), as one value:
 * - `none`: nothing chosen; `error` is a refusal kept after its confirmation closed (the verification ran out);
 * - `confirm`: an unlock or a reset waiting for "Xác nhận" (a supervisor's reset may unlock too);
 * - `contact`: the contact change with its own code step — which contact, the value as typed, and
 *   "another value" chosen over a waiting code (`editing`);
 * - `result`: the last action's answer;
 * - `override`: the supervisor's identity check (`unreachable`: the caller cannot reach the contacts on record).
 */
export type CasePanel =
  | { kind: 'none'; error: ApiError | null }
  | { kind: 'confirm'; action: DirectActionKind; unlockToo: boolean; error: ApiError | null }
  | { kind: 'contact'; contact: ContactKind; value: string; editing: boolean; error: ApiError | null }
  | { kind: 'result'; outcome: ActionOutcome }
  | { kind: 'override'; unreachable: boolean; error: ApiError | null };

/** Nothing under the case (a new object each time: the store's state is changed in place by Vue). */
export const noPanel = (): CasePanel => ({ kind: 'none', error: null });

/** The action being confirmed (the contact change counts: it is confirmed by its own code). */
export function confirmingOf(p: CasePanel): ActionKind | null {
  if (p.kind === 'confirm') return p.action;
  return p.kind === 'contact' ? 'contact' : null;
}

/** The refusal of the last action or contact step (not the override's: that stays on its form). */
export function actionErrorOf(p: CasePanel): ApiError | null {
  return p.kind === 'none' || p.kind === 'confirm' || p.kind === 'contact' ? p.error : null;
}

/** The same panel with another action error (a panel that holds none is left as it is). */
export function withActionError(p: CasePanel, error: ApiError | null): CasePanel {
  return p.kind === 'none' || p.kind === 'confirm' || p.kind === 'contact' ? { ...p, error } : p;
}

/** The panel a chosen action opens: each time from the start (a contact change shows its waiting code again). */
export function askPanel(action: ActionKind, view: CaseView | null): CasePanel {
  if (action !== 'contact') return { kind: 'confirm', action, unlockToo: false, error: null };
  return { kind: 'contact', contact: view?.pendingContact?.kind ?? 'mobile', value: '', editing: false, error: null };
}
