import type { AccountDetail, ActionResult, CaseView } from '@common/dto';
import type { ApiError, Result } from '@common/result';
import type { ComputedRef, Ref, WritableComputedRef } from 'vue';
import { api } from '../../bridge';
import { isGateRefusal, type ActionKind, type ActionOutcome } from '../../flows/actions';
import { cleanContactValue, codeGone, type ContactKind } from '../../flows/contacts';
import { overrideInput, type OverrideForm } from '../../flows/override';
import { askPanel, noPanel, type CaseBusy, type CasePanel, type WrongCode } from './phase';
import { useSearchStore } from '../search';
import { useSessionStore } from '../session';

/** What the panel's actions need of the case store: its state and its request discipline. */
export interface PanelContext {
  panel: Ref<CasePanel>;
  busy: Ref<CaseBusy>;
  wrong: Ref<WrongCode | null>;
  caseId: ComputedRef<string | null>;
  accountId: ComputedRef<string | null>;
  current: ComputedRef<CaseView | null>;
  verified: ComputedRef<boolean>;
  confirming: ComputedRef<ActionKind | null>;
  actionError: WritableComputedRef<ApiError | null>;
  request<T>(kind: Exclude<CaseBusy, null>, call: () => Promise<Result<T>>): Promise<Result<T> | null>;
  refresh(): Promise<void>;
  refreshKeeping(keep: () => void): Promise<void>;
  take(c: CaseView): void;
  newVerification(keepOverride: boolean): void;
  /** The wizard's generation now, and whether one is still the current wizard (answers for a gone wizard are dropped). */
  generation(): number;
  isCurrent(mark: number): boolean;
}

/**
 * What happens under a verified case (or beside the code steps, for the override): the confirmation
 * and its action, the contact change with its own code, the supervisor's override. Part of the case
 * store; each call moves the one `panel` value.
 */
export function panelActions(ctx: PanelContext) {
  const { panel, busy, wrong, caseId, accountId, current, verified, confirming, actionError } = ctx;
  const { request, refresh, refreshKeeping, take, newVerification, generation, isCurrent } = ctx;

  /**
   * "Mở khóa tài khoản" / "Đặt lại mật khẩu": asks for confirmation inside the wizard;
   * "Cập nhật thông tin khôi phục": opens the contact step (a code still waiting for its new value
   * shows again). Only once verified.
   */
  function ask(action: ActionKind): boolean {
    if (!verified.value || busy.value !== null) return false;
    panel.value = askPanel(action, current.value);
    return true;
  }

  /**
   * "Quay lại" on the confirmation: nothing is done, the case stays verified. When the verification
   * runs out under an open confirmation, it closes too, keeping the refusal (if any) on screen.
   */
  function cancelAsk(keepError = false): void {
    if (busy.value === 'action' || busy.value === 'contact-save') return;
    if (confirming.value === null) return;
    panel.value = { kind: 'none', error: keepError ? actionError.value : null };
  }

  /** The account as the directory holds it now (null when it cannot be read). */
  async function readAccount(id: string): Promise<AccountDetail | null> {
    const r = await api.directory.getAccount({ id });
    if (r.ok) return r.value;
    if (r.error.code === 'NOT_SIGNED_IN') useSessionStore().expired();
    return null;
  }

  /** An action's (or contact step's) refusal: kept on its panel; the case or the account re-read when it moved on. */
  async function actionRefused(e: ApiError, account: string | null): Promise<void> {
    actionError.value = e;
    if (e.code === 'NOT_SIGNED_IN') {
      useSessionStore().expired();
      return;
    }
    if (panel.value.kind === 'contact' && codeGone(e)) panel.value = { ...panel.value, editing: true };
    // A new contact waiting for a second supervisor: the case is read again (it shows what it waits for).
    if (isGateRefusal(e) || e.code === 'APPROVAL_REQUIRED' || (account === null && codeGone(e))) {
      await refreshKeeping(() => (actionError.value = e));
    } else if (account !== null && e.code !== 'VALIDATION_FAILED') {
      const mine = generation();
      const fresh = await readAccount(account);
      if (fresh && isCurrent(mine)) useSearchStore().updateAccount(fresh);
    }
  }

  /** An action ran: its result shows, and the account panel shows the account as written or re-read. */
  function done(result: ActionOutcome): void {
    panel.value = { kind: 'result', outcome: result };
    if (result.account) useSearchStore().updateAccount(result.account);
  }

  /**
   * "Xác nhận": runs the confirmed action. The answer carries the account as written (or, when the
   * outcome is unknown, as re-read); without one the account is read again. Either way the account
   * panel shows the fresh state. A refusal stays on the confirmation, translated; a refusal about the
   * case (expired, closed) re-reads the case, any other re-reads the account.
   */
  async function act(): Promise<boolean> {
    const id = caseId.value;
    const p = panel.value;
    const account = accountId.value;
    // The contact change runs through its own code step (sendContact, saveContact).
    if (id === null || p.kind !== 'confirm' || account === null) return false;
    const r = await request('action', async (): Promise<Result<ActionOutcome>> => {
      const answer: Result<ActionResult> =
        p.action === 'unlock'
          ? await api.actions.unlock({ caseId: id })
          : p.unlockToo
            ? await api.actions.resetAndUnlock({ caseId: id })
            : await api.actions.resetPassword({ caseId: id });
      if (!answer.ok) return answer;
      const fresh = answer.value.account ?? (await readAccount(account));
      return { ok: true, value: { result: answer.value, account: fresh } };
    });
    if (!r) return false;
    if (!r.ok) {
      await actionRefused(r.error, account);
      return false;
    }
    done(r.value);
    return true;
  }

  /** The contact step: the mobile or the backup e-mail. A different choice starts from an empty value. */
  function chooseContact(kind: ContactKind): void {
    const p = panel.value;
    if (p.kind !== 'contact' || busy.value === 'contact-send' || busy.value === 'contact-save') return;
    panel.value = { ...p, contact: kind, value: kind === p.contact ? p.value : '', error: null };
  }

  /** "Nhập số hoặc địa chỉ khác": back from the code to the value (the waiting code is left to lapse). */
  function editContact(): void {
    const p = panel.value;
    if (p.kind !== 'contact' || busy.value === 'contact-save') return;
    panel.value = { ...p, editing: true, error: null };
  }

  /**
   * "Gửi mã tới số/địa chỉ mới": the main process checks the new value (a VN mobile, not a landline;
   * an e-mail other than the account's own) and sends a code to it. The case then carries the change
   * waiting for that code (`pendingContact`).
   */
  async function sendContact(): Promise<boolean> {
    const id = caseId.value;
    const p = panel.value;
    if (id === null || p.kind !== 'contact' || busy.value !== null) return false;
    const kind = p.contact;
    const value = cleanContactValue(p.value);
    if (value === '') {
      panel.value = { ...p, error: { code: 'VALIDATION_FAILED', field: 'value', reason: 'required' } };
      return false;
    }
    panel.value = { ...p, error: null };
    const r = await request('contact-send', () => api.actions.sendContactCode({ caseId: id, kind, value }));
    if (!r) return false;
    if (!r.ok) {
      await actionRefused(r.error, null);
      return false;
    }
    if (panel.value.kind === 'contact') panel.value = { ...panel.value, editing: false };
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
    if (id === null || account === null || panel.value.kind !== 'contact' || busy.value !== null) return false;
    actionError.value = null;
    const r = await request('contact-save', async (): Promise<Result<ActionOutcome>> => {
      const answer = await api.actions.updateContact({ caseId: id, code });
      if (!answer.ok) return answer;
      const fresh = answer.value.account ?? (await readAccount(account));
      return { ok: true, value: { result: answer.value, account: fresh, contact: pending } };
    });
    if (!r) return false;
    if (!r.ok) {
      await actionRefused(r.error, null);
      return false;
    }
    done(r.value);
    await refresh();
    return true;
  }

  /**
   * "Xác minh thay" (supervisor): opens the override form. `unreachable`: the account has usable contacts
   * but the caller says they cannot reach them; the override then says so explicitly.
   */
  function beginOverride(unreachable: boolean): void {
    if (current.value === null || busy.value !== null) return;
    panel.value = { kind: 'override', unreachable, error: null };
  }

  function cancelOverride(): void {
    if (busy.value === 'override' || panel.value.kind !== 'override') return;
    panel.value = noPanel();
  }

  /**
   * "Xác minh thay": the supervisor's identity check and note. The case comes back verified (by
   * override, with no contact to send a temporary password to yet). A CCCD that does not match, a
   * refusal of the role or of the rules stays on the form.
   */
  async function override(form: OverrideForm): Promise<boolean> {
    const id = caseId.value;
    const p = panel.value;
    if (id === null || p.kind !== 'override' || busy.value !== null) return false;
    const refuse = (e: ApiError): void => {
      if (panel.value.kind === 'override') panel.value = { ...panel.value, error: e };
    };
    const input = overrideInput(id, form, p.unreachable);
    if ('code' in input) {
      refuse(input);
      return false;
    }
    panel.value = { ...p, error: null };
    const r = await request('override', () => api.cases.override(input));
    if (!r) return false;
    if (!r.ok) {
      refuse(r.error);
      if (r.error.code === 'NOT_SIGNED_IN') useSessionStore().expired();
      else if (isGateRefusal(r.error)) await refreshKeeping(() => refuse(r.error));
      return false;
    }
    wrong.value = null;
    newVerification(false);
    take(r.value);
    return true;
  }


  return { ask, cancelAsk, act, chooseContact, editContact, sendContact, saveContact, beginOverride, cancelOverride, override };
}
