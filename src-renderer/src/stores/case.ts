import type { AccountDetail, ActionResult, CaseView, VerificationChannel } from '@common/dto';
import type { ApiError, Result } from '@common/result';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { createLatestGate } from '../async';
import { api } from '../bridge';
import { isGateRefusal, type ActionKind, type ActionOutcome } from '../flows/actions';
import { cleanContactValue, codeGone, type ContactKind } from '../flows/contacts';
import { overrideInput, type OverrideForm } from '../flows/override';
import { defaultChannel } from '../flows/verification';
import { useSearchStore } from './search';
import { clearOnSignOut, useSessionStore } from './session';

/** What is in flight: one request at a time, so a double click never sends two codes. */
export type CaseBusy = 'open' | 'send' | 'verify' | 'override' | 'close' | 'action' | 'contact-send' | 'contact-save' | null;

/** The last code the operator typed was wrong (not an error: the server answered verified:false). */
export interface WrongCode {
  attemptsLeft: number;
}

/**
 * The case on the line: the caller-verification wizard opened from the account panel. Holds the
 * server's CaseView as last answered; the main process decides everything, this only remembers it
 * while the operator moves between screens (the Outbox, the search) and back.
 */
export const useCaseStore = defineStore('case', () => {
  /** The account the wizard is open for (set before the case exists: the reason step). */
  const accountId = ref<string | null>(null);
  /** Its display name, for "a verification is open for …" on other accounts. */
  const accountName = ref<string | null>(null);
  const current = ref<CaseView | null>(null);
  const channel = ref<VerificationChannel | null>(null);
  const busy = ref<CaseBusy>(null);
  const error = ref<ApiError | null>(null);
  const wrong = ref<WrongCode | null>(null);
  /** The action the operator chose and has not yet confirmed ("Xác nhận") or dropped ("Quay lại"). */
  const confirming = ref<ActionKind | null>(null);
  /** The last action's answer, for the result screen. */
  const outcome = ref<ActionOutcome | null>(null);
  /** Why the last action was refused (shown on the confirmation, apart from the case's own errors). */
  const actionError = ref<ApiError | null>(null);
  /** The contact change step: which contact, the new value as typed, and "another value" chosen over a waiting code. */
  const contactKind = ref<ContactKind>('mobile');
  const contactValue = ref('');
  const contactEditing = ref(false);
  /** A supervisor's reset also unlocks the account ("Đồng thời mở khóa tài khoản"); unchecked each time. */
  const unlockToo = ref(false);
  /** The supervisor override form is open; `overrideUnreachable`: opened as "the caller cannot reach the contacts on record". */
  const overriding = ref(false);
  const overrideUnreachable = ref(false);
  /** Why the last override was refused (a CCCD that does not match, a missing note…). */
  const overrideError = ref<ApiError | null>(null);

  const active = computed(() => accountId.value !== null);
  const caseId = computed(() => current.value?.id ?? null);
  /** Verified and live by the server's last word (the view also checks the clock). */
  const verified = computed(() => current.value?.status === 'verified');

  // Answers that arrive after "Quay lại", sign-out or a new case belong to a wizard that is gone.
  const generations = createLatestGate();
  let generation = generations.next();

  function isFor(id: string | null | undefined): boolean {
    return id !== null && id !== undefined && accountId.value === id;
  }

  function reset(): void {
    generation = generations.next();
    accountId.value = null;
    accountName.value = null;
    current.value = null;
    channel.value = null;
    busy.value = null;
    error.value = null;
    wrong.value = null;
    confirming.value = null;
    outcome.value = null;
    actionError.value = null;
    contactKind.value = 'mobile';
    contactValue.value = '';
    contactEditing.value = false;
    unlockToo.value = false;
    overriding.value = false;
    overrideUnreachable.value = false;
    overrideError.value = null;
  }

  /** Keeps the case the server returned; a closed case ends the wizard. */
  function take(c: CaseView): void {
    if (c.status === 'closed') return reset();
    current.value = c;
    const chosen = channel.value;
    const contact = chosen === null ? null : chosen === 'sms' ? c.channels.sms : c.channels.email;
    if (contact?.status !== 'present') channel.value = defaultChannel(c);
  }

  function failed(e: ApiError): void {
    error.value = e;
    if (e.code === 'NOT_SIGNED_IN') useSessionStore().expired();
  }

  /**
   * A send or a check was refused: show the error, with the case as the server now sees it (limits,
   * attempts, expiry may have moved). Malformed input changes nothing, so it needs no re-read.
   */
  async function refused(e: ApiError): Promise<void> {
    const mine = generation;
    failed(e);
    if (e.code === 'NOT_SIGNED_IN' || e.code === 'VALIDATION_FAILED') return;
    await refresh();
    if (generations.isCurrent(mine) && current.value !== null) error.value = e;
  }

  /**
   * Runs one request if none is running and the wizard is still the same when it answers.
   * Returns the result, or null when it was skipped or answered too late.
   */
  async function request<T>(kind: Exclude<CaseBusy, null>, call: () => Promise<Result<T>>): Promise<Result<T> | null> {
    if (busy.value !== null) return null;
    const mine = generation;
    busy.value = kind;
    error.value = null;
    try {
      const r = await call();
      return generations.isCurrent(mine) ? r : null;
    } finally {
      if (generations.isCurrent(mine)) busy.value = null;
    }
  }

  /** Opens the wizard on an account (the reason step). A case open on another account is abandoned. */
  async function begin(id: string, displayName: string): Promise<void> {
    if (accountId.value !== null && accountId.value !== id) await abandon();
    if (accountId.value === id) return;
    reset();
    accountId.value = id;
    accountName.value = displayName;
  }

  /** "Tiếp tục": opens the case with the operator's reason. */
  async function open(reason: string): Promise<boolean> {
    const id = accountId.value;
    if (id === null || current.value !== null) return false;
    const r = await request('open', () => api.cases.open({ accountId: id, reason }));
    if (!r) return false;
    if (!r.ok) {
      failed(r.error);
      return false;
    }
    take(r.value);
    return true;
  }

  function choose(next: VerificationChannel): void {
    channel.value = next;
    error.value = null;
  }

  /** Reads the case again (after an error, or when the clock says the code ran out). */
  async function refresh(): Promise<void> {
    const id = caseId.value;
    if (id === null || busy.value !== null) return;
    const mine = generation;
    const r = await api.cases.get({ caseId: id });
    if (!generations.isCurrent(mine) || busy.value !== null) return;
    if (r.ok) take(r.value);
    else if (r.error.code === 'CASE_NOT_FOUND' || r.error.code === 'NOT_SIGNED_IN') failed(r.error);
  }

  /** "Gửi mã OTP" / "Gửi lại mã OTP": sends a code to the chosen channel. */
  async function send(): Promise<boolean> {
    const id = caseId.value;
    const ch = channel.value;
    if (id === null || ch === null) return false;
    const r = await request('send', () => api.cases.sendCode({ caseId: id, channel: ch }));
    if (!r) return false;
    if (!r.ok) {
      await refused(r.error);
      return false;
    }
    wrong.value = null;
    // A new code means a new verification: what was done under the last one is history.
    confirming.value = null;
    outcome.value = null;
    actionError.value = null;
    take(r.value);
    return true;
  }

  /** "Xác nhận": checks the code the caller read back (white space already removed by the view). */
  async function verify(code: string): Promise<boolean> {
    const id = caseId.value;
    if (id === null) return false;
    const r = await request('verify', () => api.cases.verifyCode({ caseId: id, code }));
    if (!r) return false;
    if (!r.ok) {
      wrong.value = null;
      await refused(r.error);
      return false;
    }
    take(r.value.case);
    wrong.value = r.value.verified ? null : { attemptsLeft: r.value.attemptsLeft };
    return r.value.verified;
  }

  /**
   * "Quay lại": closes the wizard at once and abandons the case (when there is one). A request still
   * in flight is disowned. If the server cannot be told, the case lapses by itself after 5 minutes.
   */
  async function abandon(): Promise<void> {
    const c = current.value;
    reset();
    if (c === null) return;
    const r = await api.cases.close({ caseId: c.id, outcome: 'abandoned' });
    if (!r.ok && r.error.code === 'NOT_SIGNED_IN') useSessionStore().expired();
  }

  /** "Kết thúc": closes the case as done. Stays open with the error if the server refused for another reason. */
  async function finish(): Promise<boolean> {
    const c = current.value;
    if (c === null) return false;
    const r = await request('close', () => api.cases.close({ caseId: c.id, outcome: 'done' }));
    if (!r) return false;
    if (!r.ok && !['CASE_CLOSED', 'CASE_NOT_FOUND'].includes(r.error.code)) {
      failed(r.error);
      return false;
    }
    reset();
    return true;
  }

  /**
   * "Mở khóa tài khoản" / "Đặt lại mật khẩu": asks for confirmation inside the wizard;
   * "Cập nhật thông tin khôi phục": opens the contact step (a code still waiting for its new value
   * shows again). Only once verified.
   */
  function ask(action: ActionKind): boolean {
    if (!verified.value || busy.value !== null) return false;
    confirming.value = action;
    outcome.value = null;
    actionError.value = null;
    unlockToo.value = false;
    if (action === 'contact') {
      // Each time from the start: the mobile, an empty value (or the code still waiting for its new value).
      contactEditing.value = false;
      contactKind.value = current.value?.pendingContact?.kind ?? 'mobile';
      contactValue.value = '';
    }
    return true;
  }

  /**
   * "Quay lại" on the confirmation: nothing is done, the case stays verified. When the verification
   * runs out under an open confirmation, it closes too, keeping the refusal (if any) on screen.
   */
  function cancelAsk(keepError = false): void {
    if (busy.value === 'action' || busy.value === 'contact-save') return;
    confirming.value = null;
    if (!keepError) actionError.value = null;
  }

  /** The account as the directory holds it now (null when it cannot be read). */
  async function readAccount(id: string): Promise<AccountDetail | null> {
    const r = await api.directory.getAccount({ id });
    if (r.ok) return r.value;
    if (r.error.code === 'NOT_SIGNED_IN') useSessionStore().expired();
    return null;
  }

  /**
   * "Xác nhận": runs the confirmed action. The answer carries the account as written (or, when the
   * outcome is unknown, as re-read); without one the account is read again. Either way the account
   * panel shows the fresh state. A refusal stays on the confirmation, translated; a refusal about the
   * case (expired, closed) re-reads the case, any other re-reads the account.
   */
  async function act(): Promise<boolean> {
    const id = caseId.value;
    const action = confirming.value;
    const account = accountId.value;
    // The contact change runs through its own code step (sendContact, saveContact).
    if (id === null || action === null || action === 'contact' || account === null) return false;
    const r = await request('action', async (): Promise<Result<ActionOutcome>> => {
      const answer: Result<ActionResult> =
        action === 'unlock'
          ? await api.actions.unlock({ caseId: id })
          : unlockToo.value
            ? await api.actions.resetAndUnlock({ caseId: id })
            : await api.actions.resetPassword({ caseId: id });
      if (!answer.ok) return answer;
      const fresh = answer.value.account ?? (await readAccount(account));
      return { ok: true, value: { result: answer.value, account: fresh } };
    });
    if (!r) return false;
    if (!r.ok) {
      const e = r.error;
      actionError.value = e;
      if (e.code === 'NOT_SIGNED_IN') {
        useSessionStore().expired();
      } else if (isGateRefusal(e)) {
        const mine = generation;
        await refresh();
        if (generations.isCurrent(mine)) actionError.value = e;
      } else if (e.code !== 'VALIDATION_FAILED') {
        const mine = generation;
        const fresh = await readAccount(account);
        if (fresh && generations.isCurrent(mine)) useSearchStore().updateAccount(fresh);
      }
      return false;
    }
    confirming.value = null;
    actionError.value = null;
    outcome.value = r.value;
    if (r.value.account) useSearchStore().updateAccount(r.value.account);
    return true;
  }

  /** The contact step: the mobile or the backup e-mail. A different choice starts from an empty value. */
  function chooseContact(kind: ContactKind): void {
    if (busy.value === 'contact-send' || busy.value === 'contact-save') return;
    if (kind !== contactKind.value) contactValue.value = '';
    contactKind.value = kind;
    actionError.value = null;
  }

  /** "Nhập số hoặc địa chỉ khác": back from the code to the value (the waiting code is left to lapse). */
  function editContact(): void {
    if (busy.value === 'contact-save') return;
    contactEditing.value = true;
    actionError.value = null;
  }

  /** A contact step call was refused: keep the refusal; re-read the case when it moved on. */
  async function contactRefused(e: ApiError): Promise<void> {
    actionError.value = e;
    if (e.code === 'NOT_SIGNED_IN') {
      useSessionStore().expired();
      return;
    }
    if (codeGone(e)) contactEditing.value = true;
    if (isGateRefusal(e) || codeGone(e)) {
      const mine = generation;
      await refresh();
      if (generations.isCurrent(mine)) actionError.value = e;
    }
  }

  /**
   * "Gửi mã tới số/địa chỉ mới": the main process checks the new value (a VN mobile, not a landline;
   * an e-mail other than the account's own) and sends a code to it. The case then carries the change
   * waiting for that code (`pendingContact`).
   */
  async function sendContact(): Promise<boolean> {
    const id = caseId.value;
    if (id === null || confirming.value !== 'contact' || busy.value !== null) return false;
    const kind = contactKind.value;
    const value = cleanContactValue(contactValue.value);
    actionError.value = null;
    if (value === '') {
      actionError.value = { code: 'VALIDATION_FAILED', field: 'value', reason: 'required' };
      return false;
    }
    const r = await request('contact-send', () => api.actions.sendContactCode({ caseId: id, kind, value }));
    if (!r) return false;
    if (!r.ok) {
      await contactRefused(r.error);
      return false;
    }
    contactEditing.value = false;
    take(r.value);
    return true;
  }

  /**
   * "Xác nhận và lưu": the code the caller read back from the new contact. The main process saves the
   * new value and notifies the old one; the account panel shows the new contact at once, and the case
   * is read again (its contacts changed, the waiting change is gone).
   */
  async function saveContact(code: string): Promise<boolean> {
    const id = caseId.value;
    const account = accountId.value;
    const pending = current.value?.pendingContact ?? null;
    if (id === null || account === null || confirming.value !== 'contact' || busy.value !== null) return false;
    actionError.value = null;
    const r = await request('contact-save', async (): Promise<Result<ActionOutcome>> => {
      const answer = await api.actions.updateContact({ caseId: id, code });
      if (!answer.ok) return answer;
      const fresh = answer.value.account ?? (await readAccount(account));
      return { ok: true, value: { result: answer.value, account: fresh, contact: pending } };
    });
    if (!r) return false;
    if (!r.ok) {
      await contactRefused(r.error);
      return false;
    }
    confirming.value = null;
    outcome.value = r.value;
    contactValue.value = '';
    contactEditing.value = false;
    if (r.value.account) useSearchStore().updateAccount(r.value.account);
    await refresh();
    return true;
  }

  /**
   * "Xác minh thay" (supervisor): opens the override form. `unreachable`: the account has usable contacts
   * but the caller says they cannot reach them; the override then says so explicitly.
   */
  function beginOverride(unreachable: boolean): void {
    if (current.value === null || busy.value !== null) return;
    overriding.value = true;
    overrideUnreachable.value = unreachable;
    overrideError.value = null;
  }

  function cancelOverride(): void {
    if (busy.value === 'override') return;
    overriding.value = false;
    overrideError.value = null;
  }

  /**
   * "Xác minh thay": the supervisor's identity check and note. The case comes back verified (by
   * override, with no contact to send a temporary password to yet). A CCCD that does not match, a
   * refusal of the role or of the rules stays on the form.
   */
  async function override(form: OverrideForm): Promise<boolean> {
    const id = caseId.value;
    if (id === null || !overriding.value || busy.value !== null) return false;
    overrideError.value = null;
    const input = overrideInput(id, form, overrideUnreachable.value);
    if ('code' in input) {
      overrideError.value = input;
      return false;
    }
    const r = await request('override', () => api.cases.override(input));
    if (!r) return false;
    if (!r.ok) {
      overrideError.value = r.error;
      if (r.error.code === 'NOT_SIGNED_IN') useSessionStore().expired();
      else if (isGateRefusal(r.error)) {
        const mine = generation;
        await refresh();
        if (generations.isCurrent(mine)) overrideError.value = r.error;
      }
      return false;
    }
    overriding.value = false;
    overrideUnreachable.value = false;
    wrong.value = null;
    confirming.value = null;
    outcome.value = null;
    actionError.value = null;
    take(r.value);
    return true;
  }

  function clearError(): void {
    error.value = null;
  }

  // Signed out (or the session ended): nothing of the last caller stays.
  clearOnSignOut(reset);

  return {
    accountId,
    accountName,
    current,
    channel,
    busy,
    error,
    wrong,
    confirming,
    outcome,
    actionError,
    contactKind,
    contactValue,
    contactEditing,
    unlockToo,
    overriding,
    overrideUnreachable,
    overrideError,
    active,
    caseId,
    verified,
    isFor,
    begin,
    open,
    choose,
    refresh,
    send,
    verify,
    abandon,
    finish,
    ask,
    cancelAsk,
    act,
    chooseContact,
    editContact,
    sendContact,
    saveContact,
    beginOverride,
    cancelOverride,
    override,
    clearError,
    reset,
  };
});
