import { describe, expect, it } from 'vitest';
import { accountState, signInVerdict, toAccountDetail, toSearchItems } from '../../../src-main/domain/account-view';
import type { DirectoryAccount } from '../../../src-main/domain/ports';

const now = new Date('2026-11-20T00:00:00Z');
const base: DirectoryAccount = {
  dn: 'uid=annv,ou=stttt,ou=people,dc=daotao,dc=gov,dc=vn',
  stableId: null,
  username: 'annv',
  displayName: 'Nguyễn Văn An',
  unit: 'Sở Thông tin và Truyền thông',
  title: null,
  mail: 'annv@stttt.daotao.gov.vn',
  accountType: 'individual',
  mobiles: ['0912 345 698'],
  backupEmails: ['an.nguyen.hcm@gmail.com'],
  citizenId: '079088001234',
  taxCode: null,
  socialInsuranceCode: null,
  locked: false,
  lockedAt: null,
  disabled: false,
  failureCount: 0,
  mustChangePassword: false,
  passwordChangedAt: new Date('2026-10-01T00:00:00Z'),
  passwordExpiresAt: null,
  policy: { maxAgeSeconds: 180 * 86400, expireWarningSeconds: 14 * 86400, lockoutDurationSeconds: 0, maxFailures: 3, mustChangeEnforced: true },
};

describe('account state', () => {
  it('a lock with no duration lasts until an operator unlocks', () => {
    const s = accountState({ ...base, locked: true, lockedAt: new Date('2026-11-19T08:30:00Z'), failureCount: 3 }, now);
    expect(s).toMatchObject({ locked: true, lockedAt: '2026-11-19T08:30:00.000Z', lockedUntil: null, failedLogins: 3 });
  });
  it('a lock with a duration ends by itself', () => {
    const policy = { ...base.policy!, lockoutDurationSeconds: 1800 };
    expect(accountState({ ...base, locked: true, lockedAt: new Date('2026-11-19T23:40:00Z'), policy }, now)).toMatchObject({
      locked: true,
      lockedUntil: '2026-11-20T00:10:00.000Z',
    });
    expect(accountState({ ...base, locked: true, lockedAt: new Date('2026-11-19T23:00:00Z'), policy }, now).locked).toBe(false);
  });
  it('expiry from the policy: expired, expiring within the warning, fine', () => {
    expect(accountState({ ...base, passwordChangedAt: new Date('2026-03-01T00:00:00Z') }, now)).toMatchObject({
      passwordExpired: true,
      passwordExpiringSoon: false,
    });
    expect(accountState({ ...base, passwordChangedAt: new Date('2026-05-30T00:00:00Z') }, now)).toMatchObject({
      passwordExpired: false,
      passwordExpiringSoon: true,
    });
    expect(accountState(base, now)).toMatchObject({ passwordExpired: false, passwordExpiringSoon: false });
  });
  it('an administrative lock is shown as disabled, not locked', () => {
    expect(accountState({ ...base, locked: false, disabled: true }, now)).toMatchObject({ locked: false, disabled: true });
  });
});

describe('account detail', () => {
  it('masks contacts and identifiers', () => {
    const d = toAccountDetail(base, now, 'openldap');
    expect(d.mobile).toEqual({ status: 'present', masked: '09*****98' });
    expect(d.backupEmail).toEqual({ status: 'present', masked: 'an***@gmail.com' });
    expect(d.citizenId).toBe('********1234');
  });
  it('flags missing and invalid contacts', () => {
    const d = toAccountDetail({ ...base, mobiles: [], backupEmails: ['annv@stttt.daotao.gov.vn'] }, now, 'openldap');
    expect(d.mobile).toEqual({ status: 'missing', masked: null });
    expect(d.backupEmail).toEqual({ status: 'invalid', masked: null });
    expect(toAccountDetail({ ...base, mobiles: ['02838233717'] }, now, 'openldap').mobile).toEqual({ status: 'invalid', masked: null });
  });
});

describe('DN containment', () => {
  it('compares whole RDNs, honouring escapes', async () => {
    const { isUnder, dnKey } = await import('../../../src-main/adapters/ldap/ldap-directory');
    const base = dnKey('ou=people,dc=x');
    expect(isUnder('uid=a,ou=people,dc=x', base)).toBe(true);
    expect(isUnder('OU=People, DC=x', base)).toBe(true);
    // One RDN "cn=x\,ou=people" directly under dc=x: NOT under ou=people.
    expect(isUnder('cn=x\\,ou=people,dc=x', base)).toBe(false);
    expect(isUnder('cn=x\\,ou=people,dc=x', dnKey('dc=x'))).toBe(true);
    expect(isUnder('cn=a\\,ou=people,dc=y', base)).toBe(false);
    expect(isUnder('ou=xou=people,dc=x', base)).toBe(false);
    expect(isUnder('dc=x', base)).toBe(false);
  });
});

describe('can the caller sign in (the screen tells the truth)', () => {
  const state = (over: Partial<ReturnType<typeof accountState>> = {}) => ({
    locked: false,
    lockedAt: null,
    lockedUntil: null,
    failedLogins: 0,
    disabled: false,
    mustChangePassword: false,
    passwordChangedAt: null,
    passwordExpiresAt: null,
    passwordExpired: false,
    passwordExpiringSoon: false,
    ...over,
  });

  it('nothing in the way: no blocker now or after any action; must-change is not one (they sign in and choose)', () => {
    expect(signInVerdict(state({ mustChangePassword: true }), true)).toEqual({ blockers: [], after: { unlock: [], reset: [], 'reset-unlock': [] }, next: 'reset' });
  });

  it('an unlock leaves an expired password in the way; a reset does not', () => {
    const v = signInVerdict(state({ locked: true, passwordExpired: true }), true);
    expect(v.blockers).toEqual(['locked', 'password-expired']);
    expect(v.after.unlock).toEqual(['password-expired']);
    expect(v.after.reset).toEqual([]);
    expect(v.after['reset-unlock']).toEqual([]);
    // One step clears both here (OpenLDAP ends the lockout on a password change): the reset.
    expect(v.next).toBe('reset');
    expect(signInVerdict(state({ locked: true }), true).next).toBe('unlock');
  });

  it('where a password change does not end a lockout (AD, Zimbra), a plain reset leaves it; reset-and-unlock does not', () => {
    const v = signInVerdict(state({ locked: true }), false);
    expect(v.after.reset).toEqual(['locked']);
    expect(v.after['reset-unlock']).toEqual([]);
    expect(signInVerdict(state({ locked: true, passwordExpired: true }), false).next).toBe('reset-unlock');
  });

  it('an administrative lock stays in the way of every action (a supervisor decides it elsewhere)', () => {
    const v = signInVerdict(state({ disabled: true, passwordExpired: true }), true);
    expect(v.blockers).toEqual(['disabled', 'password-expired']);
    expect(v.after).toEqual({ unlock: ['disabled', 'password-expired'], reset: ['disabled'], 'reset-unlock': ['disabled'] });
    expect(v.next).toBe('supervisor');
  });

  it('comes with every account the panel shows, judged for its dialect', () => {
    const locked: DirectoryAccount = { ...base, locked: true, lockedAt: new Date(now.getTime() - 60_000) };
    expect(toAccountDetail(locked, now, 'openldap').signIn.after.reset).toEqual([]);
    expect(toAccountDetail(locked, now, 'active-directory').signIn.after.reset).toEqual(['locked']);
  });
});

describe('search items: namesakes', () => {
  it('counts the other rows bearing the same name, diacritics, case and spacing aside; a unique name has none', () => {
    const rows = toSearchItems(
      [
        base,
        { ...base, dn: 'uid=annv2,dc=x', username: 'annv2', displayName: 'Nguyễn Văn Ân', title: 'Cán sự' },
        { ...base, dn: 'uid=annv3,dc=x', username: 'annv3', displayName: '  nguyễn  văn an ' },
        { ...base, dn: 'uid=anhnv,dc=x', username: 'anhnv', displayName: 'Nguyễn Văn Anh' },
      ],
      now,
    );
    expect(rows.map((r) => [r.username, r.namesakes])).toEqual([
      ['annv', 2],
      ['annv2', 2],
      ['annv3', 2],
      ['anhnv', 0],
    ]);
    // What tells them apart travels with each row.
    expect(rows[1]).toMatchObject({ unit: 'Sở Thông tin và Truyền thông', title: 'Cán sự', mobile: { status: 'present', masked: '09*****98' } });
  });
});
