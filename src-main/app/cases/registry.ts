import type { AuditAction, CaseView, OperatorInfo } from '../../common/dto';
import type { Result } from '../../common/result';
import { type Case, checkGate, type GatedAction } from '../../domain/case';
import { backupEmailContact, type ContactKind, mobileContact } from '../../domain/contacts';
import { accountKeyOf } from '../../domain/dn';
import { HelpdeskError } from '../../domain/errors';
import { callRules, type OtpService, type RandomSource } from '../../domain/otp';
import type { AuditLog, Clock, Directory, DirectoryAccount } from '../../domain/ports';
import type { Messenger } from './messages';

export interface CaseDeps {
  clock: Clock;
  audit: AuditLog;
  requireOperator: () => OperatorInfo;
  directory: () => Promise<Directory>;
  otp: () => Promise<OtpService>;
  random: RandomSource;
  dialect: () => string;
  /** The directory profile lets supervisors lift administrative locks (off by default). */
  allowAdministrativeUnlock: () => boolean;
  run: <T>(fn: () => Promise<T>) => Promise<Result<T>>;
}

/** A contact change waiting for the code sent to the new value. */
export interface PendingContact {
  kind: ContactKind;
  value: string;
  to: string;
  masked: string;
  expiresAt: Date;
}

type Detail = Record<string, string | number | boolean | null>;

/**
 * The open cases of this process and what every part of the case flow shares about them: whose a case
 * is, one action at a time, the account as last read, the pending contact change, the audit rows of a
 * case, the gate against the entry about to be written, and the case as the UI sees it.
 */
export interface CaseRegistry {
  add(c: Case, account: DirectoryAccount): void;
  /** The signed-in operator's own case (another operator's is as invisible as a missing one). */
  own(caseId: string): Case;
  /** Runs one send or action at a time per case (CASE_BUSY otherwise). */
  exclusive<T>(caseId: string, fn: () => Promise<T>): Promise<T>;
  /** The account as last read for the case (contacts are read again before each send). */
  remember(c: Case, account: DirectoryAccount): void;
  pending: Map<string, PendingContact>;
  audit(c: Case, action: AuditAction, outcome: 'ok' | 'error' | 'refused', detail?: Detail): Promise<void>;
  /**
   * The outcome row of a directory write that already happened. The storage failing now must not turn
   * a done action into an error the operator would retry: it is reported with the result instead.
   */
  auditOutcome(c: Case, action: AuditAction, outcome: 'ok' | 'error', detail: Detail): Promise<{ auditRecorded?: false }>;
  /**
   * The gate against the entry as it is now: the DN and permanent id read just before the write must be
   * the case's account (an entry deleted and re-created at the same DN is another account). Audited.
   */
  gateOn(c: Case, current: DirectoryAccount, action: GatedAction, auditAction: AuditAction): Promise<void>;
  view(c: Case): Promise<CaseView>;
  /** Settings changed the directory: every open case ends (a verification holds for one directory only). */
  closeAll(why: string): Promise<void>;
}

export function createCaseRegistry(deps: CaseDeps, messages: Messenger): CaseRegistry {
  const cases = new Map<string, Case>();
  const accounts = new Map<string, DirectoryAccount>();
  const pending = new Map<string, PendingContact>();
  const busy = new Set<string>();

  const audit: CaseRegistry['audit'] = async (c, action, outcome, detail = {}) => {
    await deps.audit.append({ operator: c.operator, action, outcome, target: c.accountUsername, unit: c.accountUnit, detail: { case: c.id, reason: c.reason, ...detail } });
  };

  return {
    add(c, account) {
      cases.set(c.id, c);
      accounts.set(c.id, account);
    },
    own(caseId) {
      const who = deps.requireOperator();
      const c = cases.get(caseId);
      if (!c || c.operator !== who.username) throw new HelpdeskError('CASE_NOT_FOUND');
      return c;
    },
    async exclusive(caseId, fn) {
      if (busy.has(caseId)) throw new HelpdeskError('CASE_BUSY');
      busy.add(caseId);
      try {
        return await fn();
      } finally {
        busy.delete(caseId);
      }
    },
    remember(c, account) {
      accounts.set(c.id, account);
    },
    pending,
    audit,
    async auditOutcome(c, action, outcome, detail) {
      try {
        await audit(c, action, outcome, detail);
        return {};
      } catch (err) {
        if (err instanceof HelpdeskError && (err.code === 'STORAGE_FULL' || err.code === 'STORAGE_ERROR')) return { auditRecorded: false };
        throw err;
      }
    },
    async gateOn(c, current, action, auditAction) {
      try {
        checkGate(c, { dn: current.dn, key: accountKeyOf(current) }, deps.clock.now(), action);
      } catch (err) {
        if (err instanceof HelpdeskError && err.code === 'CASE_ACCOUNT_MISMATCH') {
          await audit(c, auditAction, 'refused', { dn: c.accountDn, code: err.code, reasonCode: 'entry_replaced' });
        }
        throw err;
      }
    },
    async view(c) {
      const otp = await deps.otp();
      const now = deps.clock.now();
      const { attemptsLeft, resend } = await otp.caseNumbers(c.accountKey, c.id);
      const account = accounts.get(c.id)!;
      const s = c.state;
      const live = (s.kind === 'code-sent' || s.kind === 'verified') && now.getTime() < s.expiresAt.getTime();
      const byCode = s.kind === 'code-sent' || (s.kind === 'verified' && s.by === 'code') ? s : null;
      const p = pending.get(c.id);
      return {
        id: c.id,
        account: { id: c.accountDn, username: c.accountUsername, displayName: c.accountDisplayName },
        operator: c.operator,
        reason: c.reason,
        openedAt: c.openedAt.toISOString(),
        status: s.kind === 'closed' ? 'closed' : s.kind === 'open' ? 'open' : live ? s.kind : 'expired',
        outcome: s.kind === 'closed' ? s.outcome : null,
        channel: byCode ? byCode.channel : null,
        destination: byCode ? byCode.destination : null,
        sentAt: byCode ? byCode.sentAt.toISOString() : null,
        expiresAt: s.kind === 'code-sent' || s.kind === 'verified' ? s.expiresAt.toISOString() : null,
        verifiedAt: s.kind === 'verified' ? s.verifiedAt.toISOString() : null,
        attemptsLeft,
        policy: callRules(otp.policy),
        resend: { availableAt: resend.availableAt?.toISOString() ?? null, remainingToday: resend.remainingToday },
        channels: { sms: mobileContact(account.mobiles), email: backupEmailContact(account.backupEmails, account.mail) },
        smsPreview: messages.smsPreview(c, Math.round(otp.policy.validityMs / 60_000)),
        pendingContact: p ? { kind: p.kind, destination: p.masked, expiresAt: p.expiresAt.toISOString() } : null,
        verifiedBy: s.kind === 'verified' ? s.by : null,
        override: s.kind === 'verified' && s.by === 'override' ? { check: s.override.check, supervisor: s.override.supervisor, at: s.verifiedAt.toISOString() } : null,
        deliveryContact: c.deliveryContact ? { channel: c.deliveryContact.channel, destination: c.deliveryContact.masked } : null,
        verificationSpent: s.kind === 'verified' ? (s.spentBy === 'contact' ? 'contact' : s.spentBy ? 'reset' : null) : null,
        codeDelivery: s.kind === 'code-sent' ? (s.uncertain ? 'unknown' : 'accepted') : null,
      };
    },
    async closeAll(why) {
      for (const c of cases.values()) {
        if (c.state.kind === 'closed') continue;
        c.state = { kind: 'closed', outcome: 'abandoned', closedAt: deps.clock.now() };
        pending.delete(c.id);
        await deps.audit.append({ operator: c.operator, action: 'case.close', outcome: 'ok', target: c.accountUsername, unit: c.accountUnit, detail: { case: c.id, outcome: 'abandoned', why } });
      }
    },
  };
}
