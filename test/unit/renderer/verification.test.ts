import { describe, expect, it } from 'vitest';
import { caseView, iso, sentCase, T0 } from './case-fixtures';
import * as __flows_verification from '../../../src-renderer/src/flows/verification';

const flow = __flows_verification;

describe('wizardStep', () => {
  it('starts with the reason, then the channel once the case is open', () => {
    expect(flow.wizardStep(null, T0)).toEqual({ kind: 'reason' });
    expect(flow.wizardStep(caseView(), T0)).toEqual({ kind: 'channel', again: false });
  });

  it('goes back one step from the code to the channels (the code stands), and from there to the code', () => {
    const c = sentCase();
    expect(flow.wizardStep(c, T0 + 1_000, true)).toEqual({ kind: 'channel', again: true });
    expect(flow.wizardStep(sentCase({ status: 'expired' }), T0 + 400_000, true)).toEqual({ kind: 'channel', again: true });
    // An open case (no code yet) and a verification are not moved by it.
    expect(flow.wizardStep(caseView(), T0, true)).toEqual({ kind: 'channel', again: false });
    expect(flow.wizardStep(sentCase({ status: 'verified', verifiedAt: iso(T0 + 30_000) }), T0 + 60_000, true)).toEqual({ kind: 'verified', expired: false });
  });

  it('asks for the code while it is live, and says expired once the client clock passes expiresAt', () => {
    const c = sentCase();
    expect(flow.wizardStep(c, T0 + 1_000)).toEqual({ kind: 'code', expired: false });
    expect(flow.wizardStep(c, T0 + 299_999)).toEqual({ kind: 'code', expired: false });
    expect(flow.wizardStep(c, T0 + 300_000)).toEqual({ kind: 'code', expired: true });
  });

  it('shows a verification, live or lapsed, and a server-side expired verification as lapsed', () => {
    const v = sentCase({ status: 'verified', verifiedAt: iso(T0 + 30_000) });
    expect(flow.wizardStep(v, T0 + 60_000)).toEqual({ kind: 'verified', expired: false });
    expect(flow.wizardStep(v, T0 + 400_000)).toEqual({ kind: 'verified', expired: true });
    expect(flow.wizardStep({ ...v, status: 'expired' }, T0 + 60_000)).toEqual({ kind: 'verified', expired: true });
    expect(flow.wizardStep(sentCase({ status: 'expired' }), T0 + 60_000)).toEqual({ kind: 'code', expired: true });
  });

  it('ends on a closed case', () => {
    expect(flow.wizardStep(caseView({ status: 'closed', outcome: 'abandoned' }), T0)).toEqual({ kind: 'closed' });
  });
});

describe('sendState', () => {
  it('is ready for a first send', () => {
    expect(flow.sendState(caseView(), 'sms', T0)).toEqual({ kind: 'ready' });
  });

  it('waits until resend.availableAt, counting down on the client clock', () => {
    const c = sentCase();
    expect(flow.sendState(c, 'sms', T0 + 48_000)).toEqual({ kind: 'wait', ms: 252_000 });
    expect(flow.sendState(c, 'sms', T0 + 300_000)).toEqual({ kind: 'ready' });
  });

  it('counts the spacing per channel: the other channel may send at once', () => {
    expect(flow.sendState(sentCase(), 'email', T0 + 48_000)).toEqual({ kind: 'ready' });
  });

  it('says which live code a send by the other channel voids, and none for a resend or a lapsed code', () => {
    const c = sentCase();
    expect(flow.codeVoidedBy(c, 'email', T0 + 1_000)).toEqual({ channel: 'sms', sentAt: c.sentAt });
    expect(flow.codeVoidedBy(c, 'sms', T0 + 1_000)).toBeNull();
    expect(flow.codeVoidedBy(c, 'email', T0 + 300_000)).toBeNull();
    expect(flow.codeVoidedBy(caseView(), 'email', T0)).toBeNull();
  });

  it('has none left when the day is used up, and nothing when the wrong entries are', () => {
    expect(flow.sendState(sentCase({ resend: { availableAt: { sms: iso(T0 + 86_400_000), email: null }, remainingToday: 0 } }), 'sms', T0)).toEqual({
      kind: 'none-left',
    });
    expect(flow.sendState(sentCase({ attemptsLeft: 0 }), 'sms', T0 + 400_000)).toEqual({ kind: 'attempts-exhausted' });
  });
});

describe('msUntil', () => {
  it('is 0 for nothing and nonsense, negative once passed', () => {
    expect(flow.msUntil(null, T0)).toBe(0);
    expect(flow.msUntil('soon', T0)).toBe(0);
    expect(flow.msUntil(iso(T0 - 1_000), T0)).toBe(-1_000);
  });
});

describe('channels', () => {
  it('offers a present contact by its masked form', () => {
    expect(flow.channelOption('sms', { status: 'present', masked: '09*****98' })).toEqual({
      channel: 'sms',
      usable: true,
      masked: '09*****98',
      reasonKey: null,
    });
  });

  it('disables a missing or invalid contact with the reason', () => {
    expect(flow.channelOption('sms', { status: 'missing', masked: null }).reasonKey).toBe('account.noMobile');
    expect(flow.channelOption('sms', { status: 'invalid', masked: null }).reasonKey).toBe('account.invalidMobile');
    expect(flow.channelOption('email', { status: 'missing', masked: null }).reasonKey).toBe('account.noBackupEmail');
    expect(flow.channelOption('email', { status: 'invalid', masked: null })).toMatchObject({
      usable: false,
      reasonKey: 'account.invalidBackupEmail',
    });
  });

  it('preselects the last channel used, else SMS, else e-mail, else nothing', () => {
    expect(flow.defaultChannel(caseView())).toBe('sms');
    expect(flow.defaultChannel(sentCase({ channel: 'email' }))).toBe('email');
    const noSms = caseView({ channels: { sms: { status: 'missing', masked: null }, email: { status: 'present', masked: 'b***@x.vn' } } });
    expect(flow.defaultChannel(noSms)).toBe('email');
    expect(flow.channelOptions(noSms).map((o) => o.usable)).toEqual([false, true]);
    const none = caseView({ channels: { sms: { status: 'invalid', masked: null }, email: { status: 'missing', masked: null } } });
    expect(flow.defaultChannel(none)).toBeNull();
  });
});

describe('cleanCodeInput', () => {
  it('removes white space only: the main process decides what is a code', () => {
    expect(flow.cleanCodeInput(' 123 456 ')).toBe('123456');
    expect(flow.cleanCodeInput('123\u00a0456\t')).toBe('123456');
    expect(flow.cleanCodeInput('12-34a5')).toBe('12-34a5');
    expect(flow.cleanCodeInput('１２３４５６')).toBe('１２３４５６');
  });
});
