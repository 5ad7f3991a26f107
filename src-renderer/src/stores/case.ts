import type { CaseView, VerificationChannel } from '@common/dto';
import type { ApiError, Result } from '@common/result';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { createLatestGate } from '../async';
import { api } from '../bridge';
import { defaultChannel } from '../flows/verification';
import { panelActions } from './case/panel';
import {
  actionErrorOf,
  confirmingOf,
  noPanel,
  withActionError,
  type CaseBusy,
  type CasePanel,
  type CasePhase,
  type WrongCode,
} from './case/phase';
import { clearOnSignOut, useSessionStore } from './session';

export type { CaseBusy, WrongCode } from './case/phase';

/**
 * The case on the line: the caller-verification wizard opened from the account panel. Holds the
 * server's CaseView as last answered; the main process decides everything, this only remembers it
 * while the operator moves between screens (the Outbox, the search) and back.
 */
export const useCaseStore = defineStore('case', () => {
  /** The wizard: none, the reason step on an account, or the case the server last answered. */
  const phase = ref<CasePhase>({ kind: 'idle' });
  /** What shows under the case: a confirmation, the contact step, a result, or the override form. */
  const panel = ref<CasePanel>(noPanel());
  /** The channel the operator chose for the next code. */
  const channel = ref<VerificationChannel | null>(null);
  const busy = ref<CaseBusy>(null);
  const error = ref<ApiError | null>(null);
  const wrong = ref<WrongCode | null>(null);
  /** Bumped when a case ends with "Kết thúc": the search takes the keyboard back, empty, for the next call. */
  const finished = ref(0);
  /** Presence: someone else handles the account (who, since when); opening again with takeOver takes it over. */
  const held = ref<{ holder: string; since: string } | null>(null);
  /**
   * "Quay lại" from the code step: the channel step again, with the code sent still standing until a new
   * one goes (by the other channel it voids the first). "Quay lại" there returns to the code.
   */
  const changingChannel = ref(false);

  const accountId = computed(() => (phase.value.kind === 'idle' ? null : phase.value.accountId));
  /** Its display name, for "a verification is open for …" on other accounts. */
  const accountName = computed(() => (phase.value.kind === 'idle' ? null : phase.value.accountName));
  const current = computed(() => (phase.value.kind === 'case' ? phase.value.view : null));
  const active = computed(() => accountId.value !== null);
  const caseId = computed(() => current.value?.id ?? null);
  /** Verified and live by the server's last word (the view also checks the clock). */
  const verified = computed(() => current.value?.status === 'verified');

  // The panel, read (and, where a field binds to it, written) as the views and tests know it.
  const confirming = computed(() => confirmingOf(panel.value));
  const outcome = computed(() => (panel.value.kind === 'result' ? panel.value.outcome : null));
  const actionError = computed<ApiError | null>({
    get: () => actionErrorOf(panel.value),
    set: (e) => (panel.value = withActionError(panel.value, e)),
  });
  const contactKind = computed(() => (panel.value.kind === 'contact' ? panel.value.contact : 'mobile'));
  const contactValue = computed<string>({
    get: () => (panel.value.kind === 'contact' ? panel.value.value : ''),
    set: (value) => {
      if (panel.value.kind === 'contact') panel.value = { ...panel.value, value };
    },
  });
  const contactEditing = computed(() => panel.value.kind === 'contact' && panel.value.editing);
  /** A supervisor's reset also unlocks the account ("Đồng thời mở khóa tài khoản"); unchecked each time. */
  const unlockToo = computed<boolean>({
    get: () => panel.value.kind === 'confirm' && panel.value.unlockToo,
    set: (on) => {
      if (panel.value.kind === 'confirm') panel.value = { ...panel.value, unlockToo: on };
    },
  });
  const overriding = computed(() => panel.value.kind === 'override');
  const overrideUnreachable = computed(() => panel.value.kind === 'override' && panel.value.unreachable);
  /** Why the last override was refused (a CCCD that does not match, a missing note…). */
  const overrideError = computed(() => (panel.value.kind === 'override' ? panel.value.error : null));

  // Answers that arrive after "Quay lại", sign-out or a new case belong to a wizard that is gone.
  const generations = createLatestGate();
  let generation = generations.next();

  function isFor(id: string | null | undefined): boolean {
    return id !== null && id !== undefined && accountId.value === id;
  }

  function reset(): void {
    generation = generations.next();
    phase.value = { kind: 'idle' };
    panel.value = noPanel();
    channel.value = null;
    busy.value = null;
    error.value = null;
    wrong.value = null;
    held.value = null;
    changingChannel.value = false;
  }

  /** Keeps the case the server returned; a closed case ends the wizard. */
  function take(c: CaseView): void {
    if (c.status === 'closed') return reset();
    const p = phase.value;
    if (p.kind === 'idle') return;
    phase.value = { kind: 'case', accountId: p.accountId, accountName: p.accountName, view: c };
    const chosen = channel.value;
    const contact = chosen === null ? null : chosen === 'sms' ? c.channels.sms : c.channels.email;
    if (contact?.status !== 'present') channel.value = defaultChannel(c);
  }

  /** A new verification (a code sent, an override): what was chosen or done under the last one is history. */
  function newVerification(keepOverride: boolean): void {
    if (!(keepOverride && panel.value.kind === 'override')) panel.value = noPanel();
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

  /** Re-reads the case after a refusal that may have moved it on, keeping the refusal where `keep` puts it. */
  async function refreshKeeping(keep: () => void): Promise<void> {
    const mine = generation;
    await refresh();
    if (generations.isCurrent(mine)) keep();
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
    phase.value = { kind: 'reason', accountId: id, accountName: displayName };
  }

  /**
   * "Tiếp tục": opens the case with the operator's reason. When someone else handles the account the
   * server says who and since when (`held`); "Tiếp nhận" opens it again with `takeOver` (confirmed).
   */
  async function open(reason: string, takeOver = false): Promise<boolean> {
    const id = accountId.value;
    if (id === null || current.value !== null) return false;
    const r = await request('open', () => api.cases.open({ accountId: id, reason, ...(takeOver ? { takeOver: true } : {}) }));
    if (!r) return false;
    if (!r.ok) {
      held.value = r.error.code === 'CASE_HELD' ? (r.error.heldBy ?? null) : null;
      if (r.error.code !== 'CASE_HELD') failed(r.error);
      return false;
    }
    held.value = null;
    take(r.value);
    return true;
  }

  /** A case the user holds, opened in the wizard as it stands (one taken from the queue, or continued from another workstation). */
  function resume(c: CaseView): void {
    reset();
    if (c.status === 'closed') return;
    phase.value = { kind: 'case', accountId: c.account.id, accountName: c.account.displayName, view: c };
    channel.value = defaultChannel(c);
  }

  /** "Chuyển giám sát viên": the case goes to the supervisors' queue with why; it stays on screen, waiting. */
  async function handOff(note: string): Promise<boolean> {
    const id = caseId.value;
    if (id === null) return false;
    const r = await request('hand-off', () => api.cases.handOff({ caseId: id, note }));
    if (!r) return false;
    if (!r.ok) {
      failed(r.error);
      return false;
    }
    take(r.value);
    return true;
  }

  /** Leaves the wizard without closing the case (handed over: a supervisor takes it from the queue). */
  function leave(): void {
    reset();
  }

  function choose(next: VerificationChannel): void {
    channel.value = next;
    error.value = null;
  }

  /** "Quay lại" in the code step: one step back, to the channels (the code sent stands until a new one goes). */
  function backToChannel(): void {
    if (current.value?.status !== 'code-sent' && current.value?.status !== 'expired') return;
    changingChannel.value = true;
    error.value = null;
  }

  /** "Quay lại" in the channel step reached from the code step: back to the code, the channel as it was sent. */
  function backToCode(): void {
    changingChannel.value = false;
    error.value = null;
    if (current.value?.channel) channel.value = current.value.channel;
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
    changingChannel.value = false;
    newVerification(true);
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
   * "Hủy yêu cầu hỗ trợ" (and "Quay lại" before a case exists): closes the wizard at once and abandons
   * the case (when there is one). A request still in flight is disowned. If the server cannot be told,
   * the case lapses by itself after its validity.
   */
  async function abandon(): Promise<void> {
    const c = current.value;
    reset();
    // Handed to the supervisors, or waiting for a second one: the case is theirs to finish, not closed here.
    if (c === null || c.handOff !== null || c.approval?.state === 'waiting') return;
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
    finished.value++;
    return true;
  }

  const actions = panelActions({
    panel,
    busy,
    wrong,
    caseId,
    accountId,
    current,
    verified,
    confirming,
    actionError,
    request,
    refresh,
    refreshKeeping,
    take,
    newVerification,
    generation: () => generation,
    isCurrent: (mark) => generations.isCurrent(mark),
  });

  function clearError(): void {
    error.value = null;
  }

  // Signed out (or the session ended): nothing of the last caller stays.
  clearOnSignOut(reset);

  return {
    phase,
    panel,
    accountId,
    accountName,
    current,
    channel,
    busy,
    error,
    wrong,
    held,
    finished,
    changingChannel,
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
    resume,
    handOff,
    leave,
    choose,
    backToChannel,
    backToCode,
    refresh,
    send,
    verify,
    abandon,
    finish,
    ...actions,
    clearError,
    reset,
  };
});
