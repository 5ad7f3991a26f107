import { randomUUID } from 'node:crypto';
import type { HelpdeskApi } from '../common/api';
import type { ActionResult, AuditAction, CaseView, OperatorInfo, OverrideInput, VerificationChannel } from '../common/dto';
import type { Result } from '../common/result';
import { backupEmailContact, mobileContact } from '../domain/account-view';
import { type Case, checkGate, checkVerified, type ProvenContact, requireOpen, spendVerification } from '../domain/case';
import { accountKeyOf } from '../domain/dn';
import { containsIdentifier, sameCitizenId } from '../domain/identifiers';
import { HelpdeskError } from '../domain/errors';
import { maskEmail, maskPhone } from '../domain/masking';
import type { OtpService, RandomSource } from '../domain/otp';
import { generateTemporaryPassword } from '../domain/password';
import { toAccountDetail } from '../domain/account-view';
import { normalizeVnMobile } from '../domain/phone';
import type { AuditLog, Clock, Directory, DirectoryAccount, MailRelay, SmsRelay } from '../domain/ports';
import { escapeHtml, fillTemplate, smsSegments, unaccentedSms } from '../domain/sms-text';

/** Message templates from resources/templates (placeholders {{agency}} {{username}} {{name}} {{code}} {{minutes}} {{operator}}). */
export interface MessageTemplates {
  sms: string;
  mailSubject: string;
  mailText: string;
  mailHtml: string;
  passwordSms: string;
  passwordMailSubject: string;
  passwordMailText: string;
  passwordMailHtml: string;
  contactNoticeSms: string;
  contactNoticeMailSubject: string;
  contactNoticeMailText: string;
}

export interface CaseDeps {
  clock: Clock;
  audit: AuditLog;
  templates: MessageTemplates;
  agencyName: () => string;
  requireOperator: () => OperatorInfo;
  directory: () => Promise<Directory>;
  otp: () => Promise<OtpService>;
  relays: () => Promise<{ sms: SmsRelay; mail: MailRelay }>;
  random: RandomSource;
  dialect: () => string;
  /** The directory profile lets supervisors lift administrative locks (off by default). */
  allowAdministrativeUnlock: () => boolean;
  run: <T>(fn: () => Promise<T>) => Promise<Result<T>>;
}

const CODE_MASK = '******';
type ActionKind = 'unlock' | 'reset' | 'reset-unlock';
/** Wrong CCCD numbers a supervisor may enter on one case before the override is refused for it. */
const MAX_IDENTITY_MISMATCHES = 3;

/** The templates of one kind of message, for both channels (no HTML: derived from the text). */
interface TemplateSet {
  sms: string;
  subject: string;
  text: string;
  html: string | null;
}

const codeTemplates = (t: MessageTemplates): TemplateSet => ({ sms: t.sms, subject: t.mailSubject, text: t.mailText, html: t.mailHtml });
const passwordTemplates = (t: MessageTemplates): TemplateSet => ({
  sms: t.passwordSms,
  subject: t.passwordMailSubject,
  text: t.passwordMailText,
  html: t.passwordMailHtml,
});
const noticeTemplates = (t: MessageTemplates): TemplateSet => ({
  sms: t.contactNoticeSms,
  subject: t.contactNoticeMailSubject,
  text: t.contactNoticeMailText,
  html: null,
});

/** Plain text as a minimal HTML body: paragraphs, line breaks, everything escaped. */
function textToHtml(text: string): string {
  const paras = text.split(/\n{2,}/u).map((para) => `<p>${escapeHtml(para).replace(/\n/gu, '<br>')}</p>`);
  return `<!doctype html><html lang="vi"><body>${paras.join('')}</body></html>`;
}

/** The first registered mobile in gateway form, or CONTACT_MISSING. */
function smsDestination(a: DirectoryAccount): { to: string; masked: string } {
  for (const v of a.mobiles) {
    const p = normalizeVnMobile(v);
    if (p.ok) return { to: p.gateway, masked: maskPhone(p.national) };
  }
  throw new HelpdeskError('CONTACT_MISSING', { detail: 'sms' });
}

/** The first backup e-mail that is not the account's own mail, or CONTACT_MISSING. */
function emailDestination(a: DirectoryAccount): { to: string; masked: string } {
  const own = a.mail?.toLowerCase();
  const to = a.backupEmails.find((e) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/u.test(e) && e.toLowerCase() !== own);
  if (!to) throw new HelpdeskError('CONTACT_MISSING', { detail: 'email' });
  return { to, masked: maskEmail(to) };
}

/** The `cases` and part of the contract: open a case, send and check codes, the gate, close. */
export function createCases(deps: CaseDeps): {
  api: HelpdeskApi['cases'];
  actions: HelpdeskApi['actions'];
  closeAll: (why: string) => void;
} {
  const cases = new Map<string, Case>();
  /** The account as read when the case was opened (contacts are re-read before each send). */
  const accounts = new Map<string, DirectoryAccount>();
  /** Contact changes waiting for the code sent to the new value. */
  const pending = new Map<string, { kind: 'mobile' | 'backupEmail'; value: string; to: string; masked: string; expiresAt: Date }>();
  const contactScope = (c: Case) => `${c.id}#contact`;
  /** Cases with an action or send in progress: one at a time per case. */
  const busy = new Set<string>();

  async function exclusive<T>(caseId: string, fn: () => Promise<T>): Promise<T> {
    if (busy.has(caseId)) throw new HelpdeskError('CASE_BUSY');
    busy.add(caseId);
    try {
      return await fn();
    } finally {
      busy.delete(caseId);
    }
  }

  function own(caseId: string): Case {
    const who = deps.requireOperator();
    const c = cases.get(caseId);
    // Another operator's case is as invisible as a missing one.
    if (!c || c.operator !== who.username) throw new HelpdeskError('CASE_NOT_FOUND');
    return c;
  }

  function values(c: Case, code: string, minutes: number): Record<string, string> {
    const who = deps.requireOperator();
    return {
      agency: deps.agencyName(),
      username: c.accountUsername,
      name: c.accountDisplayName,
      code,
      minutes: String(minutes),
      operator: who.displayName,
    };
  }

  /** One message through the relay of its channel: SMS unaccented (GSM-7), e-mail with text and HTML bodies. */
  async function deliver(set: TemplateSet, channel: VerificationChannel, to: string, v: Record<string, string>, requestId = randomUUID()): Promise<string | null> {
    const relays = await deps.relays();
    if (channel === 'sms') {
      return (await relays.sms.send({ to, text: unaccentedSms(fillTemplate(set.sms.trim(), v)), requestId })).messageId;
    }
    const text = fillTemplate(set.text, v);
    const html = set.html ? fillTemplate(set.html, v, escapeHtml) : textToHtml(text);
    return (await relays.mail.send({ to, subject: fillTemplate(set.subject.trim(), v), text, html, requestId })).messageId;
  }

  async function view(c: Case): Promise<CaseView> {
    const otp = await deps.otp();
    const now = deps.clock.now();
    const key = c.accountKey;
    const resend = otp.resendInfo(key);
    const account = accounts.get(c.id)!;
    const s = c.state;
    const live = (s.kind === 'code-sent' || s.kind === 'verified') && now.getTime() < s.expiresAt.getTime();
    const byCode = s.kind === 'code-sent' || (s.kind === 'verified' && s.by === 'code') ? s : null;
    const status =
      s.kind === 'closed' ? 'closed' : s.kind === 'open' ? 'open' : live ? s.kind : 'expired';
    const minutes = Math.round(otp.policy.validityMs / 60_000);
    const smsText = unaccentedSms(fillTemplate(deps.templates.sms.trim(), values(c, CODE_MASK, minutes)));
    const seg = smsSegments(smsText);
    return {
      id: c.id,
      account: { id: c.accountDn, username: c.accountUsername, displayName: c.accountDisplayName },
      operator: c.operator,
      reason: c.reason,
      openedAt: c.openedAt.toISOString(),
      status,
      outcome: s.kind === 'closed' ? s.outcome : null,
      channel: byCode ? byCode.channel : null,
      destination: byCode ? byCode.destination : null,
      sentAt: byCode ? byCode.sentAt.toISOString() : null,
      expiresAt: s.kind === 'code-sent' || s.kind === 'verified' ? s.expiresAt.toISOString() : null,
      verifiedAt: s.kind === 'verified' ? s.verifiedAt.toISOString() : null,
      attemptsLeft: otp.attemptsLeft(key, c.id),
      resend: { availableAt: resend.availableAt?.toISOString() ?? null, remainingToday: resend.remainingToday },
      channels: { sms: mobileContact(account.mobiles), email: backupEmailContact(account.backupEmails, account.mail) },
      smsPreview: { text: smsText, characters: seg.characters, segments: seg.segments, encoding: seg.encoding },
      pendingContact: (() => {
        const p = pending.get(c.id);
        return p ? { kind: p.kind, destination: p.masked, expiresAt: p.expiresAt.toISOString() } : null;
      })(),
      verifiedBy: s.kind === 'verified' ? s.by : null,
      override:
        s.kind === 'verified' && s.by === 'override'
          ? { check: s.override.check, supervisor: s.override.supervisor, at: s.verifiedAt.toISOString() }
          : null,
      deliveryContact: c.deliveryContact ? { channel: c.deliveryContact.channel, destination: c.deliveryContact.masked } : null,
      verificationSpent: s.kind === 'verified' ? (s.spentBy === 'contact' ? 'contact' : s.spentBy ? 'reset' : null) : null,
      codeDelivery: s.kind === 'code-sent' ? (s.uncertain ? 'unknown' : 'accepted') : null,
    };
  }

  function audit(c: Case, action: AuditAction, outcome: 'ok' | 'error' | 'refused', detail: Record<string, string | number | boolean | null> = {}) {
    deps.audit.append({ operator: c.operator, action, outcome, target: c.accountUsername, unit: c.accountUnit, detail: { case: c.id, reason: c.reason, ...detail } });
  }

  /**
   * The outcome row of a directory write that already happened. The storage failing now must not turn
   * a done action into an error the operator would retry: it is reported with the result instead.
   */
  function auditOutcome(c: Case, action: AuditAction, outcome: 'ok' | 'error', detail: Record<string, string | number | boolean | null>): { auditRecorded?: false } {
    try {
      audit(c, action, outcome, detail);
      return {};
    } catch (err) {
      if (err instanceof HelpdeskError && (err.code === 'STORAGE_FULL' || err.code === 'STORAGE_ERROR')) return { auditRecorded: false };
      throw err;
    }
  }

  async function send(c: Case, channel: VerificationChannel): Promise<void> {
    requireOpen(c);
    if (c.state.kind === 'verified' && !c.state.spentBy && deps.clock.now() < c.state.expiresAt) {
      throw new HelpdeskError('VALIDATION_FAILED', { field: 'caseId', reason: 'invalid_value', detail: 'already verified' });
    }
    const dir = await deps.directory();
    // Contacts are read again now: the code goes to what the directory holds at this moment.
    const account = await dir.getAccount(c.accountDn);
    accounts.set(c.id, account);
    const dest = channel === 'sms' ? smsDestination(account) : emailDestination(account);
    const otp = await deps.otp();
    const key = c.accountKey;
    const reservation = otp.reserve(key);
    const code = otp.generate();
    const minutes = Math.round(otp.policy.validityMs / 60_000);
    const requestId = randomUUID();
    let messageId: string | null = null;
    let uncertain = false;
    try {
      messageId = await deliver(codeTemplates(deps.templates), channel, dest.to, values(c, code, minutes), requestId);
    } catch (err) {
      const errorCode = err instanceof HelpdeskError ? err.code : 'INTERNAL';
      const detail = { channel, destination: dest.masked, code: errorCode, relayDetail: err instanceof HelpdeskError ? (err.detail ?? null) : null };
      // A timeout is not a refusal: the gateway may have taken the message and the caller may read the
      // code back. The slot stays used and the code stays valid; the operator asks before sending again.
      if (errorCode !== 'RELAY_TIMEOUT') {
        otp.release(reservation);
        audit(c, 'code.send', 'error', detail);
        throw err;
      }
      uncertain = true;
      audit(c, 'code.send', 'error', { ...detail, slotKept: true, requestId });
    }
    const expiresAt = otp.commit(reservation, c.id, key, channel, code);
    const sentAt = new Date(expiresAt.getTime() - otp.policy.validityMs);
    c.state = { kind: 'code-sent', channel, destination: dest.masked, to: dest.to, sentAt, expiresAt, messageId, uncertain };
    if (!uncertain) audit(c, 'code.send', 'ok', { channel, destination: dest.masked, messageId, requestId });
  }

  const api: HelpdeskApi['cases'] = {
    open: ({ accountId, reason }) =>
      deps.run(async () => {
        const who = deps.requireOperator();
        const dir = await deps.directory();
        const account = await dir.getAccount(accountId);
        const c: Case = {
          id: randomUUID(),
          accountDn: account.dn,
          accountKey: accountKeyOf(account),
          accountUsername: account.username,
          accountUnit: account.unit,
          accountDisplayName: account.displayName,
          operator: who.username,
          reason,
          openedAt: deps.clock.now(),
          state: { kind: 'open' },
          deliveryContact: null,
        };
        // Audited first: a case whose opening could not be recorded (a full disk) does not exist.
        audit(c, 'case.open', 'ok');
        cases.set(c.id, c);
        accounts.set(c.id, account);
        return view(c);
      }),
    get: ({ caseId }) => deps.run(async () => view(own(caseId))),
    sendCode: ({ caseId, channel }) =>
      deps.run(() => exclusive(caseId, async () => {
        const c = own(caseId);
        try {
          await send(c, channel);
        } catch (err) {
          if (err instanceof HelpdeskError && err.code !== 'INTERNAL' && !err.code.startsWith('RELAY_')) {
            audit(c, 'code.send', 'refused', { channel, code: err.code });
          }
          throw err;
        }
        return view(c);
      })),
    verifyCode: ({ caseId, code }) =>
      deps.run(async () => {
        const c = own(caseId);
        requireOpen(c);
        const otp = await deps.otp();
        let outcome;
        try {
          outcome = otp.verify(c.id, code);
        } catch (err) {
          const e = err instanceof HelpdeskError ? err.code : 'INTERNAL';
          // Malformed input is not an attempt: it is refused and not audited as one.
          if (e !== 'VALIDATION_FAILED') audit(c, 'code.verify', 'refused', { code: e });
          throw err;
        }
        const s = c.state;
        if (outcome.verified) {
          if (s.kind !== 'code-sent') throw new HelpdeskError('OTP_NOT_SENT');
          // A code read back answers the question an uncertain send left open: it arrived.
          c.state = { kind: 'verified', by: 'code', channel: s.channel, destination: s.destination, sentAt: s.sentAt, expiresAt: s.expiresAt, verifiedAt: deps.clock.now() };
          c.deliveryContact = { channel: s.channel, to: s.to, masked: s.destination };
          audit(c, 'code.verify', 'ok', { channel: s.channel });
        } else {
          audit(c, 'code.verify', 'refused', { code: 'OTP_WRONG', attemptsLeft: outcome.attemptsLeft });
        }
        return { verified: outcome.verified, attemptsLeft: outcome.verified ? otp.attemptsLeft(c.accountKey, c.id) : outcome.attemptsLeft, case: await view(c) };
      }),
    close: ({ caseId, outcome }) =>
      deps.run(async () => {
        const c = own(caseId);
        requireOpen(c);
        const s = c.state;
        const lapsed = s.kind === 'code-sent' && deps.clock.now().getTime() >= s.expiresAt.getTime();
        c.state = { kind: 'closed', outcome: outcome === 'abandoned' && lapsed ? 'expired' : outcome, closedAt: deps.clock.now() };
        audit(c, 'case.close', 'ok', { outcome: c.state.outcome });
        return view(c);
      }),
    gate: ({ caseId }) =>
      deps.run(async () => {
        const c = own(caseId);
        return { allowed: true as const, expiresAt: checkVerified(c, deps.clock.now()).expiresAt.toISOString() };
      }),
    override: (input) => deps.run(() => exclusive(input.caseId, () => override(input))),
  };

  /**
   * A supervisor stands in for the code: the caller has no usable contact (or none they can reach, said
   * so explicitly), and the supervisor records the identity check done. A CCCD check is made here,
   * against the directory's record; the number itself is never stored or audited.
   */
  async function override(input: OverrideInput): Promise<CaseView> {
    const who = deps.requireOperator();
    const c = own(input.caseId);
    requireOpen(c);
    if (containsIdentifier(input.note)) throw new HelpdeskError('VALIDATION_FAILED', { field: 'note', reason: 'contains_identifier' });
    const now = deps.clock.now();
    if (c.state.kind === 'verified' && now < c.state.expiresAt) {
      throw new HelpdeskError('VALIDATION_FAILED', { field: 'caseId', reason: 'invalid_value', detail: 'already verified' });
    }
    const dir = await deps.directory();
    const account = await dir.getAccount(c.accountDn);
    accounts.set(c.id, account);
    const contactsOnRecord =
      mobileContact(account.mobiles).status === 'present' || backupEmailContact(account.backupEmails, account.mail).status === 'present';
    const base = { check: input.check, supervisor: who.username, contactsOnRecord };
    if (contactsOnRecord && input.contactsUnreachable !== true) {
      audit(c, 'case.override', 'refused', { ...base, code: 'ACTION_NOT_PERMITTED', reasonCode: 'contact_available' });
      throw new HelpdeskError('ACTION_NOT_PERMITTED', { reason: 'contact_available' });
    }
    // Three wrong CCCD numbers on an account end overrides for it that day (every case, every kind of
    // check, across restarts: counted in the OTP store).
    const otp = await deps.otp();
    const wrong = otp.identityMismatches(c.accountKey);
    if (wrong >= MAX_IDENTITY_MISMATCHES) {
      audit(c, 'case.override', 'refused', { ...base, code: 'ACTION_NOT_PERMITTED', reasonCode: 'override_attempts' });
      throw new HelpdeskError('ACTION_NOT_PERMITTED', { reason: 'override_attempts' });
    }
    if (input.check === 'citizen-id') {
      if (!account.citizenId) {
        audit(c, 'case.override', 'refused', { ...base, code: 'ACTION_NOT_PERMITTED', reasonCode: 'no_citizen_id' });
        throw new HelpdeskError('ACTION_NOT_PERMITTED', { reason: 'no_citizen_id' });
      }
      if (!sameCitizenId(input.citizenId ?? '', account.citizenId)) {
        const left = Math.max(0, MAX_IDENTITY_MISMATCHES - otp.recordIdentityMismatch(c.accountKey));
        audit(c, 'case.override', 'refused', { ...base, code: 'IDENTITY_MISMATCH', attemptsLeft: left });
        throw new HelpdeskError('IDENTITY_MISMATCH', { detail: String(left) });
      }
    }
    c.state = {
      kind: 'verified',
      by: 'override',
      override: { check: input.check, supervisor: who.username, note: input.note, contactsOnRecord },
      verifiedAt: now,
      expiresAt: new Date(now.getTime() + otp.policy.validityMs),
    };
    // No contact was proven: a temporary password has nowhere to go until a new one is saved with its code.
    c.deliveryContact = null;
    pending.delete(c.id);
    audit(c, 'case.override', 'ok', { ...base, note: input.note });
    return view(c);
  }

  /** The gate, then the write; audited with dialect, DN, reason and the verification it relied on. */
  async function act(caseId: string, action: ActionKind): Promise<ActionResult> {
    return exclusive(caseId, () => actNow(caseId, action));
  }

  /** What the case's verification was: `sms:09*****98`, `email:ng***@…`, or `override:citizen-id`. */
  function verificationRef(s: Extract<Case['state'], { kind: 'verified' }>): string {
    return s.by === 'code' ? `${s.channel}:${s.destination}` : `override:${s.override.check}:${s.override.supervisor}`;
  }

  /**
   * Whether an unlock may end the account's lock. A lockout after failed logins, yes. An
   * administrative lock (ppolicy 000001010000Z, AD disabled, Zimbra `locked`/`closed`) is the
   * directory administrators' decision: only a supervisor, only where the profile allows it, never on AD.
   */
  function unlockVerdict(current: DirectoryAccount): { liftAdmin: boolean; refusal: 'administrative_lock' | 'not_locked' | null } {
    const supervisor = deps.requireOperator().roles.includes('supervisor');
    const liftAdmin = current.disabled && supervisor && deps.allowAdministrativeUnlock() && deps.dialect() !== 'active-directory';
    if (current.disabled && !liftAdmin) return { liftAdmin, refusal: 'administrative_lock' };
    if (!current.locked && !liftAdmin) return { liftAdmin, refusal: 'not_locked' };
    return { liftAdmin, refusal: null };
  }

  /**
   * The gate against the entry as it is now: the DN and permanent id read just before the write must be
   * the case's account (an entry deleted and re-created at the same DN is another account). Audited.
   */
  function gateOn(c: Case, current: DirectoryAccount, action: ActionKind | 'contact', auditAction: AuditAction) {
    try {
      return checkGate(c, { dn: current.dn, key: accountKeyOf(current) }, deps.clock.now(), action);
    } catch (err) {
      if (err instanceof HelpdeskError && err.code === 'CASE_ACCOUNT_MISMATCH') {
        audit(c, auditAction, 'refused', { dn: c.accountDn, code: err.code, reasonCode: 'entry_replaced' });
      }
      throw err;
    }
  }

  async function actNow(caseId: string, action: ActionKind): Promise<ActionResult> {
    const c = own(caseId);
    const verified = checkVerified(c, deps.clock.now(), action);
    const dir = await deps.directory();
    const base = { dialect: deps.dialect(), dn: c.accountDn, verification: verificationRef(verified) };
    const auditAction = `account.${action}` as const;
    let password: string | null = null;
    let dest: ProvenContact | null = null;
    let unlockToo = false;
    let liftAdmin = false;
    const current = await dir.getAccount(c.accountDn);
    gateOn(c, current, action, auditAction);
    const verdict = unlockVerdict(current);
    // Unlock: the verdict as it stands. Reset and unlock: an administrative lock the supervisor may not
    // lift refuses the whole action (never the reset without the unlock). A plain reset never ends an
    // administrative lock — on OpenLDAP replacing the password would delete even the permanent
    // 000001010000Z — so it is refused whoever asks (a supervisor who may lift it resets and unlocks).
    const refusal =
      action === 'unlock' ? verdict.refusal : action === 'reset-unlock' ? (verdict.refusal === 'administrative_lock' ? verdict.refusal : null) : current.disabled ? 'administrative_lock' : null;
    if (refusal) {
      audit(c, auditAction, 'refused', { ...base, code: 'ACTION_NOT_PERMITTED', reasonCode: refusal });
      throw new HelpdeskError('ACTION_NOT_PERMITTED', { reason: refusal });
    }
    if (action === 'unlock' || action === 'reset-unlock') {
      unlockToo = current.locked || verdict.liftAdmin;
      liftAdmin = verdict.liftAdmin;
    }
    if (action === 'reset' || action === 'reset-unlock') {
      // The temporary password goes only where the caller proved they are in this case, and only
      // while the directory still holds that contact.
      dest = c.deliveryContact;
      if (!dest) {
        audit(c, auditAction, 'refused', { ...base, code: 'ACTION_NOT_PERMITTED', reasonCode: 'no_delivery_contact' });
        throw new HelpdeskError('ACTION_NOT_PERMITTED', { reason: 'no_delivery_contact' });
      }
      const registered = dest.channel === 'sms' ? current.mobiles.map((m) => normalizeVnMobile(m)).flatMap((p) => (p.ok ? [p.gateway] : [])) : current.backupEmails;
      const to = dest.to.toLowerCase();
      if (!registered.some((r) => r.toLowerCase() === to)) {
        audit(c, auditAction, 'refused', { ...base, code: 'CASE_NOT_VERIFIED', reasonCode: 'contact_changed' });
        throw new HelpdeskError('CASE_NOT_VERIFIED', { detail: 'contact changed' });
      }
      password = generateTemporaryPassword(deps.random, c.accountUsername);
    }
    // The reads above took time: the verification must still be live when the write goes out.
    checkVerified(c, deps.clock.now(), action);
    // Written before the directory is: if the audit cannot take a row, the account is not touched.
    audit(c, 'account.write', 'ok', { ...base, write: action });
    let result;
    try {
      result =
        action === 'unlock'
          ? await dir.unlock(c.accountDn, { allowAdministrative: liftAdmin })
          : await dir.resetPassword(c.accountDn, password!, { unlock: unlockToo, allowAdministrative: liftAdmin });
      // A reset whose answer was lost but whose effect is visible (must-change now set) did happen.
      if (action !== 'unlock' && result.outcome === 'unknown' && result.account?.mustChangePassword && !current.mustChangePassword) {
        result = { outcome: 'done' as const, account: result.account };
      }
    } catch (err) {
      const code = err instanceof HelpdeskError ? err.code : 'INTERNAL';
      audit(c, auditAction, code === 'PASSWORD_REJECTED' || code === 'INSECURE_CONNECTION' || code === 'ACTION_NOT_PERMITTED' ? 'refused' : 'error', {
        ...base,
        code,
        reasonCode: err instanceof HelpdeskError ? (err.reason ?? null) : null,
      });
      throw err;
    }
    // A reset that went out (or may have) used the verification: anything further needs a new code.
    if (action !== 'unlock') spendVerification(c, action);
    const account = result.account ? toAccountDetail(result.account, deps.clock.now()) : null;
    // Judged from the entry read again: a lockout that a reset ended (ppolicy) is said and audited.
    const lockoutEnded = action === 'reset' && current.locked && result.account !== null && !result.account.locked;
    let delivery: ActionResult['delivery'] = null;
    if (action !== 'unlock' && result.outcome === 'done' && dest && password) {
      delivery = await deliverPassword(c, dest, password);
    }
    const recorded = auditOutcome(c, auditAction, result.outcome === 'done' ? 'ok' : 'error', {
      ...base,
      ...(action === 'reset-unlock' ? { unlocked: unlockToo } : {}),
      ...(lockoutEnded ? { lockoutEnded } : {}),
      outcome: result.outcome,
      delivery: delivery ? delivery.status : null,
      deliveryCode: delivery && delivery.status !== 'sent' ? delivery.code : null,
    });
    return { action, outcome: result.outcome, account, delivery, ...(lockoutEnded ? { lockoutEnded } : {}), ...recorded };
  }

  /**
   * Sends the temporary password. A relay timeout is "unknown", not "failed": the gateway may have
   * accepted the message, so the operator asks the caller before resetting again.
   */
  async function deliverPassword(c: Case, dest: ProvenContact, password: string): Promise<NonNullable<ActionResult['delivery']>> {
    const v = { ...values(c, '', 0), password };
    const { channel, masked: destination } = dest;
    try {
      await deliver(passwordTemplates(deps.templates), channel, dest.to, v);
      return { status: 'sent', channel, destination };
    } catch (err) {
      const code = err instanceof HelpdeskError ? err.code : 'INTERNAL';
      return { status: code === 'RELAY_TIMEOUT' ? 'unknown' : 'failed', channel, destination, code };
    }
  }

  /** A new contact, normalised and checked: a VN mobile (not a landline), or an e-mail other than the account's mail. */
  function newContact(kind: 'mobile' | 'backupEmail', value: string, account: DirectoryAccount): { value: string; to: string; masked: string } {
    if (kind === 'mobile') {
      const p = normalizeVnMobile(value);
      if (!p.ok) throw new HelpdeskError('VALIDATION_FAILED', { field: 'value', reason: p.reason === 'landline' || p.reason === 'old_format' ? p.reason : 'not_phone' });
      return { value: p.national, to: p.gateway, masked: maskPhone(p.national) };
    }
    const email = value.trim();
    if (!/^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/u.test(email)) throw new HelpdeskError('VALIDATION_FAILED', { field: 'value', reason: 'not_email' });
    if (email.toLowerCase() === account.mail?.toLowerCase()) throw new HelpdeskError('VALIDATION_FAILED', { field: 'value', reason: 'same_as_mail' });
    return { value: email, to: email, masked: maskEmail(email) };
  }

  async function sendContactCode(caseId: string, kind: 'mobile' | 'backupEmail', value: string): Promise<CaseView> {
    const c = own(caseId);
    checkVerified(c, deps.clock.now(), 'contact');
    const dir = await deps.directory();
    const account = await dir.getAccount(c.accountDn);
    gateOn(c, account, 'contact', 'contact.code');
    const contact = newContact(kind, value, account);
    const otp = await deps.otp();
    // Codes to a NEW contact have their own count (same limits) so that verifying the caller first
    // does not use up the interval; they are still limited per account.
    const key = `${c.accountKey}#contact`;
    const reservation = otp.reserve(key);
    const code = otp.generate();
    const minutes = Math.round(otp.policy.validityMs / 60_000);
    const v = values(c, code, minutes);
    const channel: VerificationChannel = kind === 'mobile' ? 'sms' : 'email';
    try {
      await deliver(codeTemplates(deps.templates), channel, contact.to, v);
    } catch (err) {
      otp.release(reservation);
      audit(c, 'contact.code', 'error', { kind, destination: contact.masked, code: err instanceof HelpdeskError ? err.code : 'INTERNAL' });
      throw err;
    }
    const expiresAt = otp.commit(reservation, contactScope(c), key, channel, code);
    pending.set(c.id, { kind, value: contact.value, to: contact.to, masked: contact.masked, expiresAt });
    audit(c, 'contact.code', 'ok', { kind, destination: contact.masked });
    return view(c);
  }

  async function updateContact(caseId: string, code: string): Promise<ActionResult> {
    const c = own(caseId);
    checkVerified(c, deps.clock.now(), 'contact');
    const p = pending.get(c.id);
    if (!p) throw new HelpdeskError('OTP_NOT_SENT');
    const otp = await deps.otp();
    let outcome;
    try {
      outcome = otp.verify(contactScope(c), code);
    } catch (err) {
      const e = err instanceof HelpdeskError ? err.code : 'INTERNAL';
      if (e !== 'VALIDATION_FAILED') audit(c, 'contact.verify', 'refused', { kind: p.kind, code: e });
      throw err;
    }
    if (!outcome.verified) {
      audit(c, 'contact.verify', 'refused', { kind: p.kind, attemptsLeft: outcome.attemptsLeft });
      throw new HelpdeskError('OTP_WRONG', { detail: String(outcome.attemptsLeft) });
    }
    const dir = await deps.directory();
    let before: DirectoryAccount;
    let result;
    try {
      before = await dir.getAccount(c.accountDn);
      gateOn(c, before, 'contact', 'account.contact');
      audit(c, 'account.write', 'ok', { write: 'contact', kind: p.kind, dialect: deps.dialect(), dn: c.accountDn });
      result = await dir.updateContacts(c.accountDn, p.kind === 'mobile' ? { mobile: p.value } : { backupEmail: p.value });
      // The answer was lost but the entry read again holds the new value: the change happened.
      if (result.outcome === 'unknown' && result.account && holdsContact(result.account, p.kind, p.value)) {
        result = { outcome: 'done' as const, account: result.account };
      }
    } catch (err) {
      audit(c, 'account.contact', 'error', { kind: p.kind, destination: p.masked, code: err instanceof HelpdeskError ? err.code : 'INTERNAL' });
      throw err;
    }
    pending.delete(c.id);
    if (result.account) accounts.set(c.id, result.account);
    // The change (done, or possibly done) used the verification: what may follow is a reset to the new
    // contact, which proved itself with its own code — a temporary password may go there, nowhere else.
    spendVerification(c, 'contact');
    c.deliveryContact = result.outcome === 'done' ? { channel: p.kind === 'mobile' ? 'sms' : 'email', to: p.to, masked: p.masked } : null;
    let notice: NonNullable<ActionResult['notice']> = { status: 'none', destination: null };
    if (result.outcome === 'done') notice = await noticeOldContact(c, p.kind, before);
    const recorded = auditOutcome(c, 'account.contact', result.outcome === 'done' ? 'ok' : 'error', {
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
      account: result.account ? toAccountDetail(result.account, deps.clock.now()) : null,
      delivery: null,
      notice,
      ...recorded,
    };
  }

  /** Whether the entry holds `value` as its recovery mobile or backup e-mail (as normalised when it was saved). */
  function holdsContact(a: DirectoryAccount, kind: 'mobile' | 'backupEmail', value: string): boolean {
    if (kind === 'backupEmail') return a.backupEmails.some((e) => e.toLowerCase() === value.toLowerCase());
    return a.mobiles.some((m) => {
      const p = normalizeVnMobile(m);
      return p.ok && p.national === value;
    });
  }

  /** Tells the previous contact (if any) that it no longer recovers the account. */
  async function noticeOldContact(c: Case, kind: 'mobile' | 'backupEmail', before: DirectoryAccount): Promise<NonNullable<ActionResult['notice']>> {
    // Every value the change removes is told (the directory replaces them all); the first is reported.
    const olds: { to: string; masked: string }[] =
      kind === 'mobile'
        ? before.mobiles.map((m) => normalizeVnMobile(m)).flatMap((p) => (p.ok ? [{ to: p.gateway, masked: maskPhone(p.national) }] : []))
        : before.backupEmails.filter((e) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/u.test(e)).map((e) => ({ to: e, masked: maskEmail(e) }));
    if (olds.length === 0) return { status: 'none', destination: null };
    let status: 'sent' | 'failed' = 'sent';
    for (const old of olds) if ((await noticeOne(c, kind, old)) === 'failed') status = 'failed';
    return { status, destination: olds[0]!.masked };
  }

  async function noticeOne(c: Case, kind: 'mobile' | 'backupEmail', old: { to: string; masked: string }): Promise<'sent' | 'failed'> {
    const v = { ...values(c, '', 0), contact: kind === 'mobile' ? 'so dien thoai' : 'thu dien tu du phong' };
    try {
      const vm = kind === 'mobile' ? v : { ...v, contact: 'thư điện tử dự phòng' };
      await deliver(noticeTemplates(deps.templates), kind === 'mobile' ? 'sms' : 'email', old.to, vm);
      return 'sent';
    } catch {
      return 'failed';
    }
  }

  const actions: HelpdeskApi['actions'] = {
    unlock: ({ caseId }) => deps.run(() => act(caseId, 'unlock')),
    resetPassword: ({ caseId }) => deps.run(() => act(caseId, 'reset')),
    resetAndUnlock: ({ caseId }) => deps.run(() => act(caseId, 'reset-unlock')),
    sendContactCode: ({ caseId, kind, value }) => deps.run(() => exclusive(caseId, () => sendContactCode(caseId, kind, value))),
    updateContact: ({ caseId, code }) => deps.run(() => exclusive(caseId, () => updateContact(caseId, code))),
  };

  /** Settings changed the directory: every open case ends (a verification holds for one directory only). */
  function closeAll(why: string): void {
    for (const c of cases.values()) {
      if (c.state.kind === 'closed') continue;
      c.state = { kind: 'closed', outcome: 'abandoned', closedAt: deps.clock.now() };
      pending.delete(c.id);
      deps.audit.append({ operator: c.operator, action: 'case.close', outcome: 'ok', target: c.accountUsername, unit: c.accountUnit, detail: { case: c.id, outcome: 'abandoned', why } });
    }
  }

  return {
    api,
    actions,
    closeAll,
  };
}
