import type { AuditAction, CaseView, OperatorInfo } from '../../common/dto';
import type { Result } from '../../common/result';
import { type Case, checkGate, type GatedAction, requireHolder } from '../../domain/case';
import { backupEmailContact, mobileContact } from '../../domain/contacts';
import { accountKeyOf } from '../../domain/dn';
import { HelpdeskError } from '../../domain/errors';
import { callRules, type CaseNumbers, type OtpService, type RandomSource } from '../../domain/otp';
import type { AuditLog, AuditRecord, CaseKeeper, CaseStore, Clock, Directory, DirectoryAccount } from '../../domain/ports';
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
  /** Where cases live: this workstation's memory, or the team store. */
  cases: () => Promise<CaseStore>;
}

type Detail = Record<string, string | number | boolean | null>;

/**
 * What every part of the case flow shares about cases: where they are kept (the case store), whose a case
 * is, one action at a time, the account as last read, the audit rows of a case, the gate against the
 * entry about to be written, and the case as the UI sees it.
 */
export interface CaseRegistry {
  /** A new case, stored with the row of its opening (both or neither). */
  add(c: Case, account: DirectoryAccount): Promise<void>;
  /** The signed-in user's own case, as stored now (another user's is as invisible as a missing one). */
  own(caseId: string): Promise<Case>;
  /**
   * One send or action at a time on the signed-in user's own case (CASE_BUSY otherwise), kept in the store.
   * `entry()`: the case's entry as the directory holds it now — with `readsEntry`, its read is started
   * while the case is being taken (a round trip to a team store), and given to the first call.
   */
  exclusive<T>(caseId: string, fn: (c: Case, entry: () => Promise<DirectoryAccount>) => Promise<T>, opts?: { readsEntry?: boolean }): Promise<T>;
  /** One action at a time on any case (a supervisor taking or approving one from the queue). */
  exclusiveAny<T>(caseId: string, fn: (c: Case, entry: () => Promise<DirectoryAccount>) => Promise<T>, opts?: { readsEntry?: boolean }): Promise<T>;
  store(): Promise<CaseStore>;
  /** The account as last read for the case (contacts are read again before each send). */
  remember(c: Case, account: DirectoryAccount): void;
  audit(c: Case, action: AuditAction, outcome: 'ok' | 'error' | 'refused', detail?: Detail): Promise<void>;
  /**
   * The row that closes an action on the case (inside exclusive): written with the case as the action
   * leaves it — one commit in the team store — once the action is done. If it cannot be written, the
   * case keeps nothing the action changed and the action fails with the row's error. Outside an action:
   * written at once, as audit().
   */
  closingRow(c: Case, action: AuditAction, outcome: 'ok' | 'error' | 'refused', detail?: Detail): Promise<void>;
  /**
   * A change to the case kept now with its row, before the action goes on (inside exclusive, the case
   * still held): one commit in the team store. If either cannot be written, the case is as it was and
   * the error is thrown — the action must not go on.
   */
  keepNow(c: Case, mutate: (draft: Case) => void, action: AuditAction, detail: Detail): Promise<void>;
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
  /** The case as the UI sees it; `numbers`: the counters shown, when their reading was started already. */
  view(c: Case, numbers?: Promise<CaseNumbers>): Promise<CaseView>;
  /** Settings changed the directory: every open case of this workstation ends (a verification holds for one directory only). */
  closeAll(why: string): Promise<void>;
}

/** What every view of a case starts with: which account, who opened and holds it, why, when, and a hand-off. */
export function caseHead(c: Case): Pick<CaseView, 'id' | 'account' | 'operator' | 'holder' | 'holderSince' | 'reason' | 'openedAt' | 'handOff'> {
  return {
    id: c.id,
    account: { id: c.accountDn, username: c.accountUsername, displayName: c.accountDisplayName },
    operator: c.operator,
    holder: c.holder,
    holderSince: c.holderSince.toISOString(),
    reason: c.reason,
    openedAt: c.openedAt.toISOString(),
    handOff: c.handOff ? { by: c.handOff.by, at: c.handOff.at.toISOString(), note: c.handOff.note } : null,
  };
}

/**
 * A reading started now and taken later — the view of a case read while the action's closing rows and the
 * case are written (independent round trips to a team store), given once the action is done. A failure is
 * the taker's, never an unhandled rejection meanwhile.
 */
export function started<T>(p: Promise<T>): { value: Promise<T> } {
  p.catch(() => undefined);
  return { value: p };
}

/**
 * A change to a case that is audited first: `mutate` works on a copy (the domain's rule may refuse, and
 * nothing changed), its audit row is written, and only then does the case take the change — a row the
 * storage refused leaves the case as it was, never changed without its row.
 */
export async function recorded<R>(c: Case, mutate: (draft: Case) => R, record: (draft: Case, result: R) => Promise<void>): Promise<R> {
  const draft = structuredClone(c);
  const result = mutate(draft);
  await record(draft, result);
  Object.assign(c, draft);
  return result;
}

export function createCaseRegistry(deps: CaseDeps, messages: Messenger): CaseRegistry {
  /** The account as last read, per case (on another workstation it is read again when first needed). */
  const accounts = new Map<string, DirectoryAccount>();
  /** The cases this workstation opened or acted on (what a change of directory ends). */
  const touched = new Set<string>();

  /** The rows each action in progress leaves for its end (by case: one action at a time on a case). */
  const closing = new Map<string, AuditRecord[]>();
  /** How each action in progress keeps its case before it goes on (by case, while it is held). */
  const keepers = new Map<string, CaseKeeper>();

  const rowOf = (c: Case, action: AuditAction, outcome: 'ok' | 'error' | 'refused', detail: Detail = {}): AuditRecord => ({
    operator: c.holder,
    action,
    outcome,
    target: c.accountUsername,
    unit: c.accountUnit,
    detail: { case: c.id, reason: c.reason, ...detail },
  });

  const audit: CaseRegistry['audit'] = async (c, action, outcome, detail = {}) => {
    await deps.audit.append(rowOf(c, action, outcome, detail));
  };

  async function accountOf(c: Case): Promise<DirectoryAccount> {
    const known = accounts.get(c.id);
    if (known) return known;
    const account = await (await deps.directory()).getAccount(c.accountDn);
    accounts.set(c.id, account);
    return account;
  }

  const exclusiveAny: CaseRegistry['exclusiveAny'] = async (caseId, fn, opts = {}) => {
    const store = await deps.cases();
    const rows: AuditRecord[] = [];
    // The entry read while the case is taken, when this workstation knows its DN (it is read again, now).
    const dn = opts.readsEntry ? accounts.get(caseId)?.dn : undefined;
    let early = dn ? started(deps.directory().then((d) => d.getAccount(dn))) : null;
    const entryOf = (c: Case) => async (): Promise<DirectoryAccount> => {
      const reading = early && c.accountDn === dn ? early.value : deps.directory().then((d) => d.getAccount(c.accountDn));
      early = null;
      const account = await reading;
      accounts.set(c.id, account);
      return account;
    };
    return store.exclusive(
      caseId,
      async (c, keep) => {
        if (!c) throw new HelpdeskError('CASE_NOT_FOUND');
        // Only while the case is held: a second action refused as busy never takes the first one's rows.
        closing.set(caseId, rows);
        keepers.set(caseId, keep);
        try {
          return await fn(c, entryOf(c));
        } finally {
          closing.delete(caseId);
          keepers.delete(caseId);
          // What a change of directory here ends: the cases held here (not one a supervisor only approved).
          if (c.holder === deps.requireOperator().username && c.state.kind !== 'closed') touched.add(c.id);
          else touched.delete(c.id);
        }
      },
      rows,
    );
  };

  return {
    async add(c, account) {
      await (await deps.cases()).insert(c, rowOf(c, 'case.open', 'ok'));
      accounts.set(c.id, account);
      touched.add(c.id);
    },
    async own(caseId) {
      const who = deps.requireOperator();
      return requireHolder(await (await deps.cases()).read(caseId), who.username);
    },
    exclusive: (caseId, fn, opts) => exclusiveAny(caseId, (c, entry) => fn(requireHolder(c, deps.requireOperator().username), entry), opts),
    exclusiveAny,
    store: deps.cases,
    remember(c, account) {
      accounts.set(c.id, account);
    },
    audit,
    async keepNow(c, mutate, action, detail) {
      const keep = keepers.get(c.id);
      if (!keep) throw new HelpdeskError('INTERNAL', { detail: 'keepNow outside an action' });
      await recorded(c, mutate, (d) => keep(d, rowOf(d, action, 'ok', detail)));
    },
    async closingRow(c, action, outcome, detail) {
      const rows = closing.get(c.id);
      if (rows) rows.push(rowOf(c, action, outcome, detail));
      else await audit(c, action, outcome, detail);
    },
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
    async view(c, numbers) {
      const otp = await deps.otp();
      const now = deps.clock.now();
      const { attemptsLeft, resend } = await (numbers ?? otp.caseNumbers(c.accountKey, c.id));
      const account = await accountOf(c);
      const s = c.state;
      const live = (s.kind === 'code-sent' || s.kind === 'verified') && now.getTime() < s.expiresAt.getTime();
      const byCode = s.kind === 'code-sent' || (s.kind === 'verified' && s.by === 'code') ? s : null;
      const p = c.pendingContact;
      return {
        ...caseHead(c),
        status: s.kind === 'closed' ? 'closed' : s.kind === 'open' ? 'open' : live ? s.kind : 'expired',
        outcome: s.kind === 'closed' ? s.outcome : null,
        channel: byCode ? byCode.channel : null,
        destination: byCode ? byCode.destination : null,
        sentAt: byCode ? byCode.sentAt.toISOString() : null,
        expiresAt: s.kind === 'code-sent' || s.kind === 'verified' ? s.expiresAt.toISOString() : null,
        verifiedAt: s.kind === 'verified' ? s.verifiedAt.toISOString() : null,
        attemptsLeft,
        policy: callRules(otp.policy),
        resend: {
          availableAt: { sms: resend.availableAt.sms?.toISOString() ?? null, email: resend.availableAt.email?.toISOString() ?? null },
          remainingToday: resend.remainingToday,
        },
        channels: { sms: mobileContact(account.mobiles), email: backupEmailContact(account.backupEmails, account.mail) },
        smsPreview: messages.smsPreview(c, Math.round(otp.policy.validityMs / 60_000)),
        pendingContact: p ? { kind: p.kind, destination: p.masked, expiresAt: p.expiresAt.toISOString() } : null,
        verifiedBy: s.kind === 'verified' ? s.by : null,
        override: s.kind === 'verified' && s.by === 'override' ? { check: s.override.check, supervisor: s.override.supervisor, at: s.verifiedAt.toISOString() } : null,
        deliveryContact: c.deliveryContact ? { channel: c.deliveryContact.channel, destination: c.deliveryContact.masked } : null,
        verificationSpent: s.kind === 'verified' ? (s.spentBy === 'contact' ? 'contact' : s.spentBy ? 'reset' : null) : null,
        codeDelivery: s.kind === 'code-sent' ? (s.uncertain ? 'unknown' : 'accepted') : null,
        approval: c.approval
          ? {
              state: c.approval.state,
              requestedBy: c.approval.requestedBy,
              requestedAt: c.approval.requestedAt.toISOString(),
              approvedBy: c.approval.approvedBy,
              approvedAt: c.approval.approvedAt?.toISOString() ?? null,
              contact: { kind: c.approval.contact.kind, destination: c.approval.contact.masked },
            }
          : null,
      };
    },
    async closeAll(why) {
      const store = await deps.cases().catch(() => null);
      if (!store) return;
      for (const id of [...touched]) {
        const done = await store
          .exclusive(id, async (c) => {
            if (!c || c.state.kind === 'closed') return;
            await recorded(
              c,
              (d) => {
                d.state = { kind: 'closed', outcome: 'abandoned', closedAt: deps.clock.now() };
                d.pendingContact = null;
                d.handOff = null;
                d.approval = null;
              },
              (d) => deps.audit.append({ operator: d.holder, action: 'case.close', outcome: 'ok', target: d.accountUsername, unit: d.accountUnit, detail: { case: d.id, outcome: 'abandoned', why } }),
            );
          })
          .then(() => true)
          .catch(() => false);
        // One that was busy (or could not be recorded) is tried again at the next change.
        if (done) touched.delete(id);
      }
    },
  };
}
