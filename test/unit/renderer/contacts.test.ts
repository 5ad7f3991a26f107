import { describe, expect, it } from 'vitest';
import type { PendingContact } from '../../../src-main/common/dto';
import { T0, accountDetail, iso } from './case-fixtures';
import * as __flows_contacts from '../../../src-renderer/src/flows/contacts';

const flows = __flows_contacts;

const pending = (over: Partial<PendingContact> = {}): PendingContact => ({
  kind: 'mobile',
  destination: '09*****66',
  expiresAt: iso(T0 + 300_000),
  ...over,
});

describe('currentContact', () => {
  it('shows the masked contact as the account panel has it', () => {
    expect(flows.currentContact(accountDetail(), 'mobile')).toEqual({ masked: '09*****98', reasonKey: null });
    expect(flows.currentContact(accountDetail(), 'backupEmail')).toEqual({ masked: 'an***@gmail.com', reasonKey: null });
  });

  it('says why there is none: missing, invalid, or no account at hand', () => {
    const a = accountDetail({
      mobile: { status: 'invalid', masked: null },
      backupEmail: { status: 'missing', masked: null },
    });
    expect(flows.currentContact(a, 'mobile')).toEqual({ masked: null, reasonKey: 'account.invalidMobile' });
    expect(flows.currentContact(a, 'backupEmail')).toEqual({ masked: null, reasonKey: 'account.noBackupEmail' });
    expect(flows.currentContact(null, 'mobile')).toEqual({ masked: null, reasonKey: 'account.noMobile' });
    // "present" without a masked value is not shown as present.
    expect(flows.currentContact(accountDetail({ mobile: { status: 'present', masked: null } }), 'mobile').masked).toBeNull();
  });
});

describe('contactPhase', () => {
  it('asks for the new value until a code went to it', () => {
    expect(flows.contactPhase(null, false, iso(T0 + 300_000), T0)).toEqual({ kind: 'form' });
  });

  it('reads the code back while it and the verification live', () => {
    const p = pending();
    expect(flows.contactPhase(p, false, iso(T0 + 300_000), T0 + 60_000)).toEqual({ kind: 'code', pending: p, expired: false });
  });

  it('the code runs out with the earlier of its own time and the verification', () => {
    const p = pending({ expiresAt: iso(T0 + 400_000) });
    expect(flows.contactDeadline(p, iso(T0 + 300_000))).toBe(iso(T0 + 300_000));
    expect(flows.contactDeadline(p, iso(T0 + 500_000))).toBe(iso(T0 + 400_000));
    expect(flows.contactDeadline(p, null)).toBe(iso(T0 + 400_000));
    expect(flows.contactDeadline(p, 'nonsense')).toBe(iso(T0 + 400_000));
    expect(flows.contactPhase(p, false, iso(T0 + 300_000), T0 + 300_000)).toMatchObject({ kind: 'code', expired: true });
    expect(flows.contactPhase(p, false, iso(T0 + 500_000), T0 + 350_000)).toMatchObject({ kind: 'code', expired: false });
  });

  it('"another number or address" goes back to the value over a waiting code', () => {
    expect(flows.contactPhase(pending(), true, iso(T0 + 300_000), T0)).toEqual({ kind: 'form' });
  });
});

describe('the value input', () => {
  it('a phone keypad for the mobile, an e-mail keyboard for the e-mail', () => {
    expect(flows.contactInput('mobile')).toMatchObject({ type: 'tel', inputmode: 'tel' });
    expect(flows.contactInput('backupEmail')).toMatchObject({ type: 'email', inputmode: 'email' });
  });

  it('sends what was typed, trimmed (the main process normalises the number)', () => {
    expect(flows.cleanContactValue('  +84 988 777 666 ')).toBe('+84 988 777 666');
    expect(flows.cleanContactValue(' \t ')).toBe('');
  });
});

describe('contactFeedback', () => {
  it('a wrong code carries the tries left in its detail', () => {
    expect(flows.contactFeedback({ code: 'OTP_WRONG', attemptsLeft: 4 })).toEqual({ kind: 'wrong', attemptsLeft: 4 });
    expect(flows.contactFeedback({ code: 'OTP_WRONG', attemptsLeft: 0 })).toEqual({ kind: 'wrong', attemptsLeft: 0 });
    // Without a count it is shown as the code's own text.
    expect(flows.contactFeedback({ code: 'OTP_WRONG' })).toEqual({ kind: 'error' });
  });

  it('a refused value goes to the value field, a malformed code to the code field', () => {
    expect(flows.contactFeedback({ code: 'VALIDATION_FAILED', field: 'value' })).toEqual({ kind: 'value' });
    expect(flows.contactFeedback({ code: 'VALIDATION_FAILED', field: 'code' })).toEqual({ kind: 'code' });
  });

  it('anything else is translated by its code', () => {
    for (const code of ['OTP_TOO_SOON', 'OTP_DAILY_LIMIT', 'OTP_EXPIRED', 'CASE_EXPIRED', 'RELAY_TIMEOUT', 'VALIDATION_FAILED'] as const) {
      expect(flows.contactFeedback({ code }), code).toEqual({ kind: 'error' });
    }
  });

  it('knows when the waiting code can no longer be used', () => {
    for (const code of ['OTP_EXPIRED', 'OTP_VOID', 'OTP_USED', 'OTP_NOT_SENT'] as const) expect(flows.codeGone({ code }), code).toBe(true);
    expect(flows.codeGone({ code: 'OTP_WRONG', attemptsLeft: 0 })).toBe(true);
    expect(flows.codeGone({ code: 'OTP_WRONG', attemptsLeft: 3 })).toBe(false);
    expect(flows.codeGone({ code: 'OTP_TOO_SOON' })).toBe(false);
    expect(flows.codeGone({ code: 'CASE_EXPIRED' })).toBe(false);
  });
});
