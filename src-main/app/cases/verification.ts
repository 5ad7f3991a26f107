import { randomUUID } from 'node:crypto';
import type { HelpdeskApi } from '../../common/api';
import type { VerificationChannel } from '../../common/dto';
import { type Case, checkVerified, codeVoidedBy, endForTakeOver, heldByAnother, requireOpen } from '../../domain/case';
import { destinationFor } from '../../domain/contacts';
import { accountKeyOf } from '../../domain/dn';
import { errorCodeOf, HelpdeskError } from '../../domain/errors';
import type { DirectoryAccount } from '../../domain/ports';
import type { Messenger } from './messages';
import { type CaseDeps, type CaseRegistry, recorded, started } from './registry';

type CasesApi = Pick<HelpdeskApi['cases'], 'open' | 'get' | 'sendCode' | 'verifyCode' | 'close' | 'gate'>;

/** Opening a case, sending the code, reading it back, the gate, closing: the caller's verification. */
export function createVerification(deps: CaseDeps, registry: CaseRegistry, messages: Messenger): CasesApi {
  const { own, audit, closingRow, view } = registry;

  async function send(c: Case, channel: VerificationChannel, entry: () => Promise<DirectoryAccount>): Promise<void> {
    requireOpen(c);
    if (c.state.kind === 'verified' && !c.state.spentBy && deps.clock.now() < c.state.expiresAt) {
      throw new HelpdeskError('VALIDATION_FAILED', { field: 'caseId', reason: 'invalid_value', detail: 'already verified' });
    }
    // Contacts are read again now: the code goes to what the directory holds at this moment.
    const account = await entry();
    const dest = destinationFor(account, channel);
    const otp = await deps.otp();
    const reservation = await otp.reserve(c.accountKey, channel);
    const code = otp.generate();
    const minutes = Math.round(otp.policy.validityMs / 60_000);
    const requestId = randomUUID();
    // The new code replaces the case's current one: a code still live by the other channel is void once
    // this one went out (said in the row). Until then the old one stands: a failed switch changes nothing.
    const live = codeVoidedBy(c, channel, deps.clock.now());
    const voided: Record<string, string> = live ? { voided: live } : {};
    let messageId: string | null = null;
    let uncertain = false;
    try {
      messageId = await messages.deliver('code', channel, dest.to, messages.values(c, code, minutes), requestId);
    } catch (err) {
      const errorCode = errorCodeOf(err);
      const detail = { channel, destination: dest.masked, code: errorCode, relayDetail: err instanceof HelpdeskError ? (err.detail ?? null) : null };
      // A timeout is not a refusal: the gateway may have taken the message and the caller may read the
      // code back. The slot stays used and the code stays valid; the operator asks before sending again.
      if (errorCode !== 'RELAY_TIMEOUT') {
        await otp.release(reservation);
        await audit(c, 'code.send', 'error', detail);
        throw err;
      }
      uncertain = true;
      await audit(c, 'code.send', 'error', { ...detail, slotKept: true, requestId, ...voided });
    }
    const expiresAt = await otp.commit(reservation, c.id, c.accountKey, channel, code);
    const sentAt = new Date(expiresAt.getTime() - otp.policy.validityMs);
    c.state = { kind: 'code-sent', channel, destination: dest.masked, to: dest.to, sentAt, expiresAt, messageId, uncertain };
    // Written with the case as the send leaves it (one commit in the team store).
    if (!uncertain) await closingRow(c, 'code.send', 'ok', { channel, destination: dest.masked, messageId, requestId, ...voided });
  }

  return {
    open: ({ accountId, reason, takeOver }) =>
      deps.run(async () => {
        const who = deps.requireOperator();
        const dir = await deps.directory();
        const account = await dir.getAccount(accountId);
        const now = deps.clock.now();
        const store = await registry.store();
        const id = randomUUID();
        const key = accountKeyOf(account);
        // The counters the new case shows (per account: no code of its own yet), read while presence is
        // (independent round trips to a team store).
        const numbers = started(deps.otp().then((otp) => otp.caseNumbers(key, id)));
        // Presence: someone else is handling this account. Said with who and since when; taken over only
        // when the operator confirmed it — their case ends (audited), and this one starts.
        const other = heldByAnother(await store.openOn(key), who.username);
        if (other) {
          if (takeOver !== true) throw new HelpdeskError('CASE_HELD', { heldBy: { holder: other.holder, since: other.holderSince.toISOString() } });
          await store.exclusive(other.id, async (held) => {
            if (!held || held.state.kind === 'closed') return;
            await recorded(
              held,
              (d) => endForTakeOver(d, now),
              (d, from) => audit({ ...d, holder: who.username }, 'case.takeOver', 'ok', { from, heldSince: other.holderSince.toISOString() }),
            );
          });
        }
        const c: Case = {
          id,
          accountDn: account.dn,
          accountKey: key,
          accountUsername: account.username,
          accountUnit: account.unit,
          accountDisplayName: account.displayName,
          operator: who.username,
          holder: who.username,
          holderSince: now,
          reason,
          openedAt: now,
          state: { kind: 'open' },
          deliveryContact: null,
          handOff: null,
          approval: null,
          pendingContact: null,
        };
        // Stored with its row (one commit in the team store), and shown: a case whose opening could not be
        // recorded (a full disk) does not exist.
        const [, shown] = await Promise.all([registry.add(c, account), view(c, numbers.value)]);
        return shown;
      }),
    get: ({ caseId }) => deps.run(async () => view(await own(caseId))),
    sendCode: ({ caseId, channel }) =>
      deps.run(async () => {
        const done = await registry.exclusive(
          caseId,
          async (c, entry) => {
            try {
              await send(c, channel, entry);
            } catch (err) {
              if (err instanceof HelpdeskError && err.code !== 'INTERNAL' && !err.code.startsWith('RELAY_')) {
                await audit(c, 'code.send', 'refused', { channel, code: err.code });
              }
              throw err;
            }
            return { shown: started(view(c)) };
          },
          { readsEntry: true },
        );
        return done.shown.value;
      }),
    verifyCode: ({ caseId, code }) =>
      deps.run(async () => {
        const done = await registry.exclusive(caseId, async (c) => {
          requireOpen(c);
          const otp = await deps.otp();
          let outcome;
          try {
            outcome = await otp.verify(c.id, code);
          } catch (err) {
            const e = errorCodeOf(err);
            // Malformed input is not an attempt: it is refused and not audited as one.
            if (e !== 'VALIDATION_FAILED') await audit(c, 'code.verify', 'refused', { code: e });
            throw err;
          }
          const s = c.state;
          // The row goes with the case as the check leaves it (one commit in the team store, at the end);
          // the case changes only with its row.
          if (!outcome.verified) {
            await closingRow(c, 'code.verify', 'refused', { code: 'OTP_WRONG', attemptsLeft: outcome.attemptsLeft });
            return { outcome, shown: started(view(c)) };
          }
          if (s.kind !== 'code-sent') throw new HelpdeskError('OTP_NOT_SENT');
          await recorded(
            c,
            (d) => {
              // A code read back answers the question an uncertain send left open: it arrived.
              d.state = { kind: 'verified', by: 'code', channel: s.channel, destination: s.destination, sentAt: s.sentAt, expiresAt: s.expiresAt, verifiedAt: deps.clock.now() };
              d.deliveryContact = { channel: s.channel, to: s.to, masked: s.destination };
            },
            (d) => closingRow(d, 'code.verify', 'ok', { channel: s.channel }),
          );
          return { outcome, shown: started(view(c)) };
        });
        const shown = await done.shown.value;
        const { outcome } = done;
        return { verified: outcome.verified, attemptsLeft: outcome.verified ? shown.attemptsLeft : outcome.attemptsLeft, case: shown };
      }),
    close: ({ caseId, outcome }) =>
      deps.run(async () => {
        const done = await registry.exclusive(caseId, async (c) => {
          requireOpen(c);
          const s = c.state;
          const lapsed = s.kind === 'code-sent' && deps.clock.now().getTime() >= s.expiresAt.getTime();
          await recorded(
            c,
            (d) => {
              d.state = { kind: 'closed', outcome: outcome === 'abandoned' && lapsed ? 'expired' : outcome, closedAt: deps.clock.now() };
              d.pendingContact = null;
              d.handOff = null;
              d.approval = null;
              return d.state.outcome;
            },
            (d, closedAs) => closingRow(d, 'case.close', 'ok', { outcome: closedAs }),
          );
          return { shown: started(view(c)) };
        });
        return done.shown.value;
      }),
    gate: ({ caseId }) =>
      deps.run(async () => {
        const c = await own(caseId);
        return { allowed: true as const, expiresAt: checkVerified(c, deps.clock.now()).expiresAt.toISOString() };
      }),
  };
}
