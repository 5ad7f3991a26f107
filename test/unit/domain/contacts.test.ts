import { describe, expect, it } from 'vitest';
import { lockVerdict } from '../../../src-main/domain/account-actions';
import { backupEmailContact, destinationFor, hasUsableContact, holdsContact, mobileContact, newContact, previousContacts, recoveryMobiles, stillRegistered } from '../../../src-main/domain/contacts';
import type { DirectoryAccount } from '../../../src-main/domain/ports';

const account = (over: Partial<DirectoryAccount>): DirectoryAccount =>
  ({ dn: 'uid=a,dc=x', mail: 'annv@stttt.gov.vn', mobiles: [], backupEmails: [], locked: false, disabled: false, ...over }) as DirectoryAccount;

describe('recovery contacts: one rule for the panel, the sends and the changes', () => {
  it('a mobile counts when it is a VN mobile in any spelling; a landline or an old 11-digit number does not', () => {
    expect(mobileContact(['0912.345.698'])).toEqual({ status: 'present', masked: '09*****98' });
    expect(mobileContact(['02838123456', '01234567890'])).toEqual({ status: 'invalid', masked: null });
    expect(mobileContact([])).toEqual({ status: 'missing', masked: null });
    expect(destinationFor(account({ mobiles: ['028 3812 3456', '+84 912 345 698'] }), 'sms')).toEqual({ to: '84912345698', masked: '09*****98' });
  });

  it("a backup e-mail counts when it is an address and not the account's own mail", () => {
    expect(backupEmailContact(['ANNV@stttt.gov.vn'], 'annv@stttt.gov.vn')).toEqual({ status: 'invalid', masked: null });
    expect(backupEmailContact(['khong-phai-thu', 'an.nguyen@gmail.com'], 'annv@stttt.gov.vn')).toMatchObject({ status: 'present' });
    expect(backupEmailContact(['a@b.c'], null)).toEqual({ status: 'invalid', masked: null }); // one-letter top-level domain
    expect(() => destinationFor(account({ backupEmails: ['annv@stttt.gov.vn'] }), 'email')).toThrow(expect.objectContaining({ code: 'CONTACT_MISSING', detail: 'email' }));
    expect(hasUsableContact(account({ backupEmails: ['annv@stttt.gov.vn'], mobiles: ['02838123456'] }))).toBe(false);
  });

  it('what the panel shows present is exactly what a send can use (no second, looser rule)', () => {
    for (const v of ['an@gmail.com', 'x'.repeat(65) + '@gmail.com', 'an@gmail', 'an @gmail.com', 'an@gmail.c']) {
      const shown = backupEmailContact([v], null).status === 'present';
      const usable = (() => {
        try {
          destinationFor(account({ mail: null, backupEmails: [v] }), 'email');
          return true;
        } catch {
          return false;
        }
      })();
      expect([v, shown]).toEqual([v, usable]);
    }
  });

  it('a new contact is normalised and refused with its reason; a saved one is recognised and the old ones listed', () => {
    expect(newContact('mobile', '+84 988 777 666', account({}))).toEqual({ value: '0988777666', to: '84988777666', masked: '09*****66' });
    expect(() => newContact('mobile', '02838123456', account({}))).toThrow(expect.objectContaining({ reason: 'landline' }));
    expect(() => newContact('backupEmail', 'ANNV@stttt.gov.vn', account({}))).toThrow(expect.objectContaining({ reason: 'same_as_mail' }));
    expect(holdsContact(account({ mobiles: ['0988.777.666'] }), 'mobile', '0988777666')).toBe(true);
    expect(holdsContact(account({ backupEmails: ['AN@gmail.com'] }), 'backupEmail', 'an@gmail.com')).toBe(true);
    expect(previousContacts(account({ mobiles: ['0912345698', 'khong-so'] }), 'mobile').map((d) => d.to)).toEqual(['84912345698']);
    expect(stillRegistered(account({ mobiles: ['0912 345 698'] }), 'sms', '84912345698')).toBe(true);
    expect(stillRegistered(account({ mobiles: ['0912 345 699'] }), 'sms', '84912345698')).toBe(false);
  });
});

describe('what an action may do with the lock', () => {
  const locked = { locked: true, disabled: false };
  const admin = { locked: false, disabled: true };
  const free = { locked: false, disabled: false };
  it('a plain reset never ends an administrative lock, whoever asks; it leaves a lockout to the directory', () => {
    expect(lockVerdict('reset', admin, true)).toEqual({ refusal: 'administrative_lock', unlockToo: false, liftAdmin: false });
    expect(lockVerdict('reset', locked, false)).toEqual({ refusal: null, unlockToo: false, liftAdmin: false });
  });
  it('unlock and reset-and-unlock lift an administrative lock only for whoever may', () => {
    expect(lockVerdict('unlock', admin, false).refusal).toBe('administrative_lock');
    expect(lockVerdict('unlock', admin, true)).toEqual({ refusal: null, unlockToo: true, liftAdmin: true });
    expect(lockVerdict('reset-unlock', admin, false).refusal).toBe('administrative_lock');
    expect(lockVerdict('reset-unlock', admin, true)).toEqual({ refusal: null, unlockToo: true, liftAdmin: true });
  });
  it('an unlock of an account that is not locked is refused; reset-and-unlock there is just a reset', () => {
    expect(lockVerdict('unlock', free, true).refusal).toBe('not_locked');
    expect(lockVerdict('reset-unlock', free, false)).toEqual({ refusal: null, unlockToo: false, liftAdmin: false });
    expect(lockVerdict('unlock', locked, false)).toEqual({ refusal: null, unlockToo: true, liftAdmin: false });
  });
});

// Issue #15 item 4: a mobile kept in telephoneNumber (the mapping's fallback) counts when `mobile` holds none.
describe('recoveryMobiles: the mobile attribute first, its fallbacks only when it holds no usable mobile', () => {
  it('keeps the mobile attribute as it is when it holds a usable mobile (fallbacks not read)', () => {
    expect(recoveryMobiles(['0912345698'], [['0977000111']])).toEqual(['0912345698']);
    expect(recoveryMobiles(['028 3829 6052', '0912345698'], [['0977000111']])).toEqual(['028 3829 6052', '0912345698']);
  });

  it('takes the usable mobiles of the fallbacks when the mobile attribute is empty or holds none', () => {
    expect(recoveryMobiles([], [['0977 000 111']])).toEqual(['0977 000 111']);
    expect(mobileContact(recoveryMobiles([], [['0977 000 111']]))).toEqual({ status: 'present', masked: '09*****11' });
    // A landline in the mobile attribute stays (it is shown as not a mobile if nothing else is found).
    expect(recoveryMobiles(['028 3829 6052'], [['+84 977 000 111']])).toEqual(['028 3829 6052', '+84 977 000 111']);
    expect(mobileContact(recoveryMobiles(['028 3829 6052'], [['+84 977 000 111']])).status).toBe('present');
  });

  it('ignores landlines and repeats in the fallbacks: an office phone is not a missing-or-invalid mobile', () => {
    expect(recoveryMobiles([], [['028 3829 6052', '0977000111'], ['+84977000111', '0988000222']])).toEqual(['0977000111', '0988000222']);
    expect(recoveryMobiles([], [['028 3829 6052']])).toEqual([]);
    expect(mobileContact(recoveryMobiles([], [['028 3829 6052']])).status).toBe('missing');
    expect(recoveryMobiles([], [])).toEqual([]);
  });
});
