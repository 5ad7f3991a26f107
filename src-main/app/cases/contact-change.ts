import type { HelpdeskApi } from '../../common/api';
import type { ActionResult, CaseView, VerificationChannel } from '../../common/dto';
import { toAccountDetail } from '../../domain/account-view';
import { type Case, checkVerified, needsSecondApproval, requestApproval, spendVerification } from '../../domain/case';
import { type ContactKind, type Destination, holdsContact, newContact, previousContacts } from '../../domain/contacts';
import { errorCodeOf, HelpdeskError } from '../../domain/errors';
import type { DirectoryAccount } from '../../domain/ports';
import type { Messenger } from './messages';
import { type CaseDeps, type CaseRegistry, recorded } from './registry';

const channelOf = (kind: ContactKind): VerificationChannel => (kind === 'mobile' ? 'sms' : 'email');

/**
 * Changing a recovery contact: the new mobile or backup e-mail proves itself with its own code, is saved
 * only once that code is read back, and every previous contact of that kind is told.
 */
export function createContactChange(deps: CaseDeps, registry: CaseRegistry, messages: Messenger): Pick<HelpdeskApi['actions'], 'sendContactCode' | 'updateContact'> {
  const { audit } = registry;
  const contactScope = (c: Case) => `${c.id}#contact`;

  async function sendContactCode(c: Case, kind: ContactKind, value: string, entry: () => Promise<DirectoryAccount>): Promise<CaseView> {
    checkVerified(c, deps.clock.now(), 'contact');
    const account = await entry();
    await registry.gateOn(c, account, 'contact', 'contact.code');
    const contact = newContact(kind, value, account);
    // Four eyes after an override: this very contact waits for a second supervisor before any code goes
    // to it (the request, with both names, is audited; nothing is sent or written).
    if (needsSecondApproval(c, { kind, value: contact.value })) {
      const who = deps.requireOperator().username;
      const s = c.state.kind === 'verified' && c.state.by === 'override' ? c.state.override.supervisor : null;
      await recorded(
        c,
        (d) => requestApproval(d, who, deps.clock.now(), { kind, value: contact.value, masked: contact.masked }),
        (d) => audit(d, 'case.approval', 'ok', { step: 'requested', kind, destination: contact.masked, requestedBy: d.approval!.requestedBy, overrideBy: s }),
      );
      throw new HelpdeskError('APPROVAL_REQUIRED');
    }
    const otp = await deps.otp();
    // Codes to a NEW contact have their own count (same limits) so that verifying the caller first does
    // not use up the interval; they are still limited per account.
    const key = `${c.accountKey}#contact`;
    const reservation = await otp.reserve(key, channelOf(kind));
    const code = otp.generate();
    const minutes = Math.round(otp.policy.validityMs / 60_000);
    try {
      await messages.deliver('code', channelOf(kind), contact.to, messages.values(c, code, minutes));
    } catch (err) {
      await otp.release(reservation);
      await audit(c, 'contact.code', 'error', { kind, destination: contact.masked, code: errorCodeOf(err) });
      throw err;
    }
    const expiresAt = await otp.commit(reservation, contactScope(c), key, channelOf(kind), code);
    c.pendingContact = { kind, value: contact.value, to: contact.to, masked: contact.masked, expiresAt };
    await audit(c, 'contact.code', 'ok', { kind, destination: contact.masked });
    return registry.view(c);
  }

  async function updateContact(c: Case, code: string): Promise<ActionResult> {
    checkVerified(c, deps.clock.now(), 'contact');
    const p = c.pendingContact;
    if (!p) throw new HelpdeskError('OTP_NOT_SENT');
    const otp = await deps.otp();
    let outcome;
    try {
      outcome = await otp.verify(contactScope(c), code);
    } catch (err) {
      const e = errorCodeOf(err);
      if (e !== 'VALIDATION_FAILED') await audit(c, 'contact.verify', 'refused', { kind: p.kind, code: e });
      throw err;
    }
    if (!outcome.verified) {
      await audit(c, 'contact.verify', 'refused', { kind: p.kind, attemptsLeft: outcome.attemptsLeft });
      throw new HelpdeskError('OTP_WRONG', { attemptsLeft: outcome.attemptsLeft });
    }
    const dir = await deps.directory();
    let before: DirectoryAccount;
    let result;
    const verifiedState = c.state;
    try {
      before = await dir.getAccount(c.accountDn);
      await registry.gateOn(c, before, 'contact', 'account.contact');
      // Written before the directory is, with the verification spent from now on (one commit in the team
      // store): whatever fails after this point, it is not used twice.
      await registry.keepNow(c, (d) => spendVerification(d, 'contact'), 'account.write', { write: 'contact', kind: p.kind, dialect: deps.dialect(), dn: c.accountDn });
      result = await dir.updateContacts(c.accountDn, p.kind === 'mobile' ? { mobile: p.value } : { backupEmail: p.value });
      // The answer was lost but the entry read again holds the new value: the change happened.
      if (result.outcome === 'unknown' && result.account && holdsContact(result.account, p.kind, p.value)) {
        result = { outcome: 'done' as const, account: result.account };
      }
    } catch (err) {
      // Refused or failed before it reached the entry: the verification stands again (put back when the
      // action ends; if that cannot be written, it stays spent).
      c.state = verifiedState;
      await audit(c, 'account.contact', 'error', { kind: p.kind, destination: p.masked, code: errorCodeOf(err) });
      throw err;
    }
    c.pendingContact = null;
    if (result.account) registry.remember(c, result.account);
    // The change (done, or possibly done) used the verification: what may follow is a reset to the new
    // contact, which proved itself with its own code — a temporary password may go there, nowhere else.
    spendVerification(c, 'contact');
    c.deliveryContact = result.outcome === 'done' ? { channel: channelOf(p.kind), to: p.to, masked: p.masked } : null;
    const notice = result.outcome === 'done' ? await noticeOldContacts(c, p.kind, previousContacts(before, p.kind)) : { status: 'none' as const, destination: null };
    const recorded = await registry.auditOutcome(c, 'account.contact', result.outcome === 'done' ? 'ok' : 'error', {
      kind: p.kind,
      destination: p.masked,
      outcome: result.outcome,
      notice: notice.status,
      dialect: deps.dialect(),
      dn: c.accountDn,
    });
    return {
      action: 'contact',
      outcome: result.outcome,
      account: result.account ? toAccountDetail(result.account, deps.clock.now(), deps.dialect()) : null,
      delivery: null,
      notice,
      ...recorded,
    };
  }

  /** Tells every previous contact that it no longer recovers the account (the directory replaced them all); the first is reported. */
  async function noticeOldContacts(c: Case, kind: ContactKind, olds: Destination[]): Promise<NonNullable<ActionResult['notice']>> {
    if (olds.length === 0) return { status: 'none', destination: null };
    // The SMS is unaccented anyway; the e-mail names the contact with its diacritics.
    const v = messages.values(c, '', 0, { contact: kind === 'mobile' ? 'so dien thoai' : 'thư điện tử dự phòng' });
    let status: 'sent' | 'failed' = 'sent';
    for (const old of olds) {
      try {
        await messages.deliver('notice', channelOf(kind), old.to, v);
      } catch {
        status = 'failed';
      }
    }
    return { status, destination: olds[0]!.masked };
  }

  return {
    sendContactCode: ({ caseId, kind, value }) => deps.run(() => registry.exclusive(caseId, (c, entry) => sendContactCode(c, kind, value, entry), { readsEntry: true })),
    updateContact: ({ caseId, code }) => deps.run(() => registry.exclusive(caseId, (c) => updateContact(c, code))),
  };
}
