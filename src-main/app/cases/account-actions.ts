import type { HelpdeskApi } from '../../common/api';
import type { ActionResult } from '../../common/dto';
import { lockVerdict, type DirectAction } from '../../domain/account-actions';
import { toAccountDetail } from '../../domain/account-view';
import { type Case, checkVerified, type ProvenContact, spendVerification } from '../../domain/case';
import { stillRegistered } from '../../domain/contacts';
import { errorCodeOf, HelpdeskError } from '../../domain/errors';
import { generateTemporaryPassword } from '../../domain/password';
import type { Messenger } from './messages';
import type { DirectoryAccount } from '../../domain/ports';
import type { CaseDeps, CaseRegistry } from './registry';

/** What the case's verification was: `sms:09*****98`, `email:ng***@…`, or `override:citizen-id:giamsat01`. */
function verificationRef(s: Extract<Case['state'], { kind: 'verified' }>): string {
  return s.by === 'code' ? `${s.channel}:${s.destination}` : `override:${s.override.check}:${s.override.supervisor}`;
}

/** Unlock, reset, reset and unlock: the gate, then one write; audited with dialect, DN, reason and the verification relied on. */
export function createAccountActions(deps: CaseDeps, registry: CaseRegistry, messages: Messenger): Pick<HelpdeskApi['actions'], 'unlock' | 'resetPassword' | 'resetAndUnlock'> {
  const { audit } = registry;

  /**
   * Sends the temporary password. A relay timeout is "unknown", not "failed": the gateway may have
   * accepted the message, so the operator asks the caller before resetting again.
   */
  async function deliverPassword(c: Case, dest: ProvenContact, password: string): Promise<NonNullable<ActionResult['delivery']>> {
    const { channel, masked: destination } = dest;
    try {
      await messages.deliver('password', channel, dest.to, messages.values(c, '', 0, { password }));
      return { status: 'sent', channel, destination };
    } catch (err) {
      const code = errorCodeOf(err);
      return { status: code === 'RELAY_TIMEOUT' ? 'unknown' : 'failed', channel, destination, code };
    }
  }

  /** Who may lift an administrative lock: a supervisor, where the profile allows it, never on AD. */
  const mayLiftAdministrative = () =>
    deps.requireOperator().roles.includes('supervisor') && deps.allowAdministrativeUnlock() && deps.dialect() !== 'active-directory';

  async function act(c: Case, action: DirectAction, entry: () => Promise<DirectoryAccount>): Promise<ActionResult> {
    const verified = checkVerified(c, deps.clock.now(), action);
    const dir = await deps.directory();
    const base = { dialect: deps.dialect(), dn: c.accountDn, verification: verificationRef(verified) };
    const auditAction = `account.${action}` as const;
    const current = await entry();
    await registry.gateOn(c, current, action, auditAction);
    const verdict = lockVerdict(action, current, mayLiftAdministrative());
    if (verdict.refusal) {
      await audit(c, auditAction, 'refused', { ...base, code: 'ACTION_NOT_PERMITTED', reasonCode: verdict.refusal });
      throw new HelpdeskError('ACTION_NOT_PERMITTED', { reason: verdict.refusal });
    }
    let password: string | null = null;
    let dest: ProvenContact | null = null;
    if (action !== 'unlock') {
      // The temporary password goes only where the caller proved they are in this case, and only while
      // the directory still holds that contact.
      dest = c.deliveryContact;
      if (!dest) {
        await audit(c, auditAction, 'refused', { ...base, code: 'ACTION_NOT_PERMITTED', reasonCode: 'no_delivery_contact' });
        throw new HelpdeskError('ACTION_NOT_PERMITTED', { reason: 'no_delivery_contact' });
      }
      if (!stillRegistered(current, dest.channel, dest.to)) {
        await audit(c, auditAction, 'refused', { ...base, code: 'CASE_NOT_VERIFIED', reasonCode: 'contact_changed' });
        throw new HelpdeskError('CASE_NOT_VERIFIED', { detail: 'contact changed' });
      }
      password = generateTemporaryPassword(deps.random, c.accountUsername);
    }
    // The reads above took time: the verification must still be live when the write goes out.
    checkVerified(c, deps.clock.now(), action);
    // Written before the directory is, with the case: if the audit cannot take a row, the account is not
    // touched; a reset's verification is spent from now on, in the store (one commit in the team store) —
    // it may go out, so nothing that fails after this point lets a second one use the same verification.
    const verifiedState = c.state;
    await registry.keepNow(c, (d) => (action !== 'unlock' ? spendVerification(d, action) : undefined), 'account.write', { ...base, write: action });
    let result;
    try {
      result =
        action === 'unlock'
          ? await dir.unlock(c.accountDn, { allowAdministrative: verdict.liftAdmin })
          : await dir.resetPassword(c.accountDn, password!, { unlock: verdict.unlockToo, allowAdministrative: verdict.liftAdmin });
      // A reset whose answer was lost but whose effect is visible (must-change now set) did happen.
      if (action !== 'unlock' && result.outcome === 'unknown' && result.account?.mustChangePassword && !current.mustChangePassword) {
        result = { outcome: 'done' as const, account: result.account };
      }
    } catch (err) {
      const code = errorCodeOf(err);
      // Refused or failed before it reached the entry: the verification stands again (the case is put back
      // as it was when the action ends; if that cannot be written, it stays spent — closed, not open).
      c.state = verifiedState;
      await audit(c, auditAction, code === 'PASSWORD_REJECTED' || code === 'INSECURE_CONNECTION' || code === 'ACTION_NOT_PERMITTED' ? 'refused' : 'error', {
        ...base,
        code,
        reasonCode: err instanceof HelpdeskError ? (err.reason ?? null) : null,
      });
      throw err;
    }
    // A reset that went out (or may have) used the verification: anything further needs a new code.
    if (action !== 'unlock') spendVerification(c, action);
    const account = result.account ? toAccountDetail(result.account, deps.clock.now(), deps.dialect()) : null;
    // Judged from the entry read again: a lockout that a reset ended (ppolicy) is said and audited.
    const lockoutEnded = action === 'reset' && current.locked && result.account !== null && !result.account.locked;
    const delivery = action !== 'unlock' && result.outcome === 'done' && dest && password ? await deliverPassword(c, dest, password) : null;
    const recorded = await registry.auditOutcome(c, auditAction, result.outcome === 'done' ? 'ok' : 'error', {
      ...base,
      ...(action === 'reset-unlock' ? { unlocked: verdict.unlockToo } : {}),
      ...(lockoutEnded ? { lockoutEnded } : {}),
      outcome: result.outcome,
      delivery: delivery ? delivery.status : null,
      deliveryCode: delivery && delivery.status !== 'sent' ? delivery.code : null,
    });
    return { action, outcome: result.outcome, account, delivery, ...(lockoutEnded ? { lockoutEnded } : {}), ...recorded };
  }

  const run = (caseId: string, action: DirectAction) => deps.run(() => registry.exclusive(caseId, (c, entry) => act(c, action, entry), { readsEntry: true }));
  return {
    unlock: ({ caseId }) => run(caseId, 'unlock'),
    resetPassword: ({ caseId }) => run(caseId, 'reset'),
    resetAndUnlock: ({ caseId }) => run(caseId, 'reset-unlock'),
  };
}
