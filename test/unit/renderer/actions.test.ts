import { describe, expect, it } from 'vitest';
import type { AccountState, ActionResult, PendingContact } from '../../../src-main/common/dto';
import * as __flows_actions from '../../../src-renderer/src/flows/actions';

type ActionGate = { kind: 'needs-verification' } | { kind: 'expired' } | { kind: 'ready' };
type Delivery = { channel: 'sms' | 'email'; destination: string } | null;
type Lock = Pick<AccountState, 'locked' | 'disabled'>;

const flows = __flows_actions;

const LOCKED: Lock = { locked: true, disabled: false };
const DISABLED: Lock = { locked: false, disabled: true };
const FINE: Lock = { locked: false, disabled: false };
const READY: ActionGate = { kind: 'ready' };
/** The contact the code was read back from: where a temporary password goes. */
const SMS: Delivery = { channel: 'sms', destination: '09*****98' };

function result(over: Partial<ActionResult>): ActionResult {
  return { action: 'reset', outcome: 'done', account: null, delivery: null, ...over };
}

describe('actionGate', () => {
  it('needs a verification until the wizard on this account is verified', () => {
    expect(flows.actionGate(null)).toEqual({ kind: 'needs-verification' });
    expect(flows.actionGate({ kind: 'reason' })).toEqual({ kind: 'needs-verification' });
    expect(flows.actionGate({ kind: 'channel', again: false })).toEqual({ kind: 'needs-verification' });
    expect(flows.actionGate({ kind: 'code', expired: false })).toEqual({ kind: 'needs-verification' });
    expect(flows.actionGate({ kind: 'code', expired: true })).toEqual({ kind: 'needs-verification' });
    expect(flows.actionGate({ kind: 'closed' })).toEqual({ kind: 'needs-verification' });
  });

  it('is ready while the verification is live, expired once it ran out', () => {
    expect(flows.actionGate({ kind: 'verified', expired: false })).toEqual({ kind: 'ready' });
    expect(flows.actionGate({ kind: 'verified', expired: true })).toEqual({ kind: 'expired' });
  });
});

describe('actionButton', () => {
  it('says why before the verification and after it expired, for both actions', () => {
    for (const action of ['unlock', 'reset'] as const) {
      expect(flows.actionButton(action, { kind: 'needs-verification' }, LOCKED, false, SMS)).toEqual({
        enabled: false,
        reasonKey: 'account.needsVerification',
      });
      expect(flows.actionButton(action, { kind: 'expired' }, LOCKED, false, SMS)).toEqual({
        enabled: false,
        reasonKey: 'account.verificationExpired',
      });
    }
  });

  it('offers unlock only for a locked account (an administrative lock too, for the reasoned refusal)', () => {
    expect(flows.actionButton('unlock', READY, LOCKED, false, SMS)).toEqual({ enabled: true, reasonKey: null });
    expect(flows.actionButton('unlock', READY, DISABLED, false, SMS)).toEqual({ enabled: true, reasonKey: null });
    expect(flows.actionButton('unlock', READY, FINE, false, SMS)).toEqual({ enabled: false, reasonKey: 'account.notLocked' });
    expect(flows.unlockApplies(FINE)).toBe(false);
    expect(flows.unlockApplies({ locked: true, disabled: true })).toBe(true);
  });

  it('offers reset whatever the lock state', () => {
    for (const state of [LOCKED, DISABLED, FINE]) {
      expect(flows.actionButton('reset', READY, state, false, SMS)).toEqual({ enabled: true, reasonKey: null });
    }
  });

  it('offers the contact change once verified, whatever the lock state', () => {
    for (const state of [LOCKED, DISABLED, FINE]) {
      expect(flows.actionButton('contact', READY, state, false, SMS)).toEqual({ enabled: true, reasonKey: null });
    }
    expect(flows.actionButton('contact', { kind: 'needs-verification' }, FINE, false, SMS)).toEqual({
      enabled: false,
      reasonKey: 'account.needsVerification',
    });
    expect(flows.actionButton('contact', { kind: 'expired' }, FINE, false, SMS)).toEqual({
      enabled: false,
      reasonKey: 'account.verificationExpired',
    });
    expect(flows.actionButton('contact', READY, FINE, true, SMS)).toEqual({ enabled: false, reasonKey: null });
  });

  it('waits while a request is in flight (no reason: it is momentary)', () => {
    expect(flows.actionButton('reset', READY, FINE, true, SMS)).toEqual({ enabled: false, reasonKey: null });
    expect(flows.actionButton('unlock', READY, LOCKED, true, SMS)).toEqual({ enabled: false, reasonKey: null });
  });

  it('notes the gate under the buttons', () => {
    expect(flows.actionNoteKey({ kind: 'needs-verification' }, null)).toBe('account.needsVerification');
    expect(flows.actionNoteKey({ kind: 'expired' }, SMS)).toBe('account.verificationExpired');
    expect(flows.actionNoteKey(READY, SMS)).toBe('account.actionsReady');
  });

  it('after an override (no contact proven): reset waits for a new contact, unlock and the contact change do not', () => {
    expect(flows.actionButton('reset', READY, FINE, false, null)).toEqual({ enabled: false, reasonKey: 'account.noDeliveryContact' });
    expect(flows.actionButton('reset', READY, LOCKED, false, null)).toEqual({ enabled: false, reasonKey: 'account.noDeliveryContact' });
    expect(flows.actionButton('unlock', READY, LOCKED, false, null)).toEqual({ enabled: true, reasonKey: null });
    expect(flows.actionButton('contact', READY, FINE, false, null)).toEqual({ enabled: true, reasonKey: null });
    expect(flows.actionNoteKey(READY, null)).toBe('account.noDeliveryContact');
    // Once a new contact is saved with its code, the reset goes to it.
    expect(flows.actionButton('reset', READY, FINE, false, { channel: 'sms', destination: '09*****66' })).toEqual({ enabled: true, reasonKey: null });
    // Before the verification, the verification is what is missing.
    expect(flows.actionButton('reset', { kind: 'needs-verification' }, FINE, false, null).reasonKey).toBe('account.needsVerification');
  });
});

describe('actionSummary', () => {
  it('an unlock that took effect', () => {
    expect(flows.actionSummary(result({ action: 'unlock' }))).toEqual({ kind: 'unlocked' });
  });

  it('a reset whose temporary password the relay accepted', () => {
    const r = result({ delivery: { status: 'sent', channel: 'sms', destination: '09*****98' } });
    expect(flows.actionSummary(r)).toEqual({ kind: 'reset-sent', destination: '09*****98', unlocked: false });
  });

  it("a supervisor's reset-and-unlock says it unlocked too", () => {
    const r = result({ action: 'reset-unlock', delivery: { status: 'sent', channel: 'sms', destination: '09*****66' } });
    expect(flows.actionSummary(r)).toEqual({ kind: 'reset-sent', destination: '09*****66', unlocked: true });
    const lost = result({ action: 'reset-unlock', outcome: 'unknown', delivery: null });
    expect(flows.actionSummary(lost)).toEqual({ kind: 'unknown', action: 'reset-unlock' });
  });

  it('a relay that timed out: neither sent nor failed, the caller is asked first', () => {
    const r = result({ delivery: { status: 'unknown', channel: 'sms', destination: '09*****98', code: 'RELAY_TIMEOUT' } });
    expect(flows.actionSummary(r)).toEqual({ kind: 'reset-unconfirmed', destination: '09*****98', unlocked: false });
    const both = result({ action: 'reset-unlock', delivery: { status: 'unknown', channel: 'email', destination: 'an***@gmail.com', code: 'RELAY_TIMEOUT' } });
    expect(flows.actionSummary(both)).toEqual({ kind: 'reset-unconfirmed', destination: 'an***@gmail.com', unlocked: true });
  });

  it('a reset whose temporary password could not be sent, with the relay code', () => {
    const r = result({ delivery: { status: 'failed', channel: 'email', destination: 'an***@gmail.com', code: 'RELAY_TIMEOUT' } });
    expect(flows.actionSummary(r)).toEqual({ kind: 'reset-undelivered', destination: 'an***@gmail.com', code: 'RELAY_TIMEOUT' });
  });

  it('never claims a password was sent without a delivery', () => {
    expect(flows.actionSummary(result({ delivery: null }))).toEqual({ kind: 'reset-undelivered', destination: null, code: 'INTERNAL' });
  });

  it('an unknown outcome stays unknown, whatever else the answer says', () => {
    expect(flows.actionSummary(result({ action: 'unlock', outcome: 'unknown' }))).toEqual({ kind: 'unknown', action: 'unlock' });
    const r = result({ outcome: 'unknown', delivery: { status: 'sent', channel: 'sms', destination: '09*****98' } });
    expect(flows.actionSummary(r)).toEqual({ kind: 'unknown', action: 'reset' });
  });
});

describe('actionSummary: the contact change', () => {
  const pending: PendingContact = { kind: 'mobile', destination: '09*****66', expiresAt: '2026-11-23T08:05:00.000Z' };

  it('names the contact and its new value (kept by the wizard), and the notice to the old one', () => {
    const r = result({ action: 'contact', notice: { status: 'sent', destination: '09*****98' } });
    expect(flows.actionSummary(r, pending)).toEqual({
      kind: 'contact-updated',
      contact: 'mobile',
      destination: '09*****66',
      notice: { status: 'sent', destination: '09*****98' },
    });
    const email: PendingContact = { kind: 'backupEmail', destination: 'an***@gmail.com', expiresAt: pending.expiresAt };
    const failed = result({ action: 'contact', notice: { status: 'failed', destination: 'ng***@yahoo.com' } });
    expect(flows.actionSummary(failed, email)).toMatchObject({ contact: 'backupEmail', notice: { status: 'failed' } });
  });

  it('is never read as a reset (no delivery is not "undelivered")', () => {
    const r = result({ action: 'contact', notice: { status: 'none', destination: null } });
    expect(flows.actionSummary(r, pending).kind).toBe('contact-updated');
  });

  it('without a notice in the answer, or without the change, says no more than it knows', () => {
    expect(flows.actionSummary(result({ action: 'contact' }))).toEqual({
      kind: 'contact-updated',
      contact: null,
      destination: null,
      notice: { status: 'none', destination: null },
    });
  });

  it('an unknown outcome stays unknown', () => {
    const r = result({ action: 'contact', outcome: 'unknown', notice: { status: 'none', destination: null } });
    expect(flows.actionSummary(r, pending)).toEqual({ kind: 'unknown', action: 'contact' });
  });
});

describe('helpers', () => {
  it('tells refusals about the case from others', () => {
    for (const code of ['CASE_NOT_VERIFIED', 'CASE_EXPIRED', 'CASE_CLOSED', 'CASE_NOT_FOUND'] as const) {
      expect(flows.isGateRefusal({ code }), code).toBe(true);
    }
    for (const code of ['ACTION_NOT_PERMITTED', 'PASSWORD_REJECTED', 'INSECURE_CONNECTION', 'DIRECTORY_TIMEOUT', 'NOT_SIGNED_IN'] as const) {
      expect(flows.isGateRefusal({ code }), code).toBe(false);
    }
  });

  it('drops the final full stop of a sentence set inside another', () => {
    expect(flows.withoutFinalStop('Cổng gửi tin không phản hồi kịp thời.')).toBe('Cổng gửi tin không phản hồi kịp thời');
    expect(flows.withoutFinalStop(' No stop ')).toBe('No stop');
    expect(flows.withoutFinalStop('Wait...')).toBe('Wait');
  });
});
