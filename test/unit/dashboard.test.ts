import { describe, expect, it } from 'vitest';
import { type DashboardCounts, NO_UNIT } from '../../src-main/common/dto';
import { createDashboardTally, LOCKED_LIST_CAP } from '../../src-main/domain/dashboard';
import type { DirectoryAccount } from '../../src-main/domain/ports';

const now = new Date('2026-11-20T00:00:00Z');
const STTTT = 'Sở Thông tin và Truyền thông';
const SYT = 'Sở Y tế';
const BHXH = 'Bảo hiểm xã hội Quận 3';

let serial = 0;
function account(over: Partial<DirectoryAccount> = {}): DirectoryAccount {
  serial++;
  return {
    dn: `uid=u${serial},ou=people,dc=daotao,dc=gov,dc=vn`,
    stableId: null,
    username: `u${serial}`,
    displayName: `Người dùng ${serial}`,
    unit: STTTT,
    title: null,
    mail: `u${serial}@daotao.gov.vn`,
    accountType: 'individual',
    mobiles: ['0912 345 698'],
    backupEmails: ['ca.nhan@gmail.com'],
    citizenId: null,
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
    ...over,
  };
}

function counts(over: Partial<DashboardCounts>): DashboardCounts {
  return {
    accounts: 0,
    noMobile: 0,
    noBackupEmail: 0,
    noContact: 0,
    locked: 0,
    disabled: 0,
    mustChangePassword: 0,
    passwordNeverChanged: 0,
    passwordExpired: 0,
    ...over,
  };
}

function lockedAt(iso: string): Partial<DirectoryAccount> {
  return { locked: true, lockedAt: new Date(iso), failureCount: 3 };
}

describe('directory dashboard tally', () => {
  it('counts each criterion per unit and overall', () => {
    const tally = createDashboardTally(now);
    tally.add(account()); // nothing to report
    tally.add(account({ mobiles: [] })); // no mobile
    tally.add(account({ mobiles: ['028 3822 1234'] })); // a landline is not usable
    tally.add(account({ mobiles: ['0123 456 7890', '0987654321'] })); // the second one is usable
    tally.add(account({ backupEmails: [] })); // no backup e-mail
    tally.add(account({ mail: 'own@daotao.gov.vn', backupEmails: ['OWN@daotao.gov.vn'] })); // same as own mail
    tally.add(account({ backupEmails: ['not an e-mail'] }));
    tally.add(account({ mobiles: [], backupEmails: [] })); // neither
    tally.add(account({ mustChangePassword: true }));
    tally.add(account({ passwordChangedAt: null }));
    tally.add(account({ passwordChangedAt: new Date('2026-05-01T00:00:00Z') })); // 180 days passed
    tally.add(account({ passwordChangedAt: null, passwordExpiresAt: new Date('2026-11-19T00:00:00Z') })); // stated by the directory (AD)
    tally.add(account({ unit: SYT, ...lockedAt('2026-11-19T08:30:00Z') }));
    tally.add(account({ unit: SYT, disabled: true }));
    // A lock whose duration has run out is no longer a lock.
    tally.add(account({ unit: SYT, ...lockedAt('2026-11-19T08:30:00Z'), policy: { maxAgeSeconds: null, expireWarningSeconds: null, lockoutDurationSeconds: 600, maxFailures: 3, mustChangeEnforced: true } }));
    tally.add(account({ unit: null, mobiles: [], mustChangePassword: true }));

    const r = tally.result();
    const stttt = counts({ accounts: 12, noMobile: 3, noBackupEmail: 4, noContact: 1, mustChangePassword: 1, passwordNeverChanged: 2, passwordExpired: 2 });
    const syt = counts({ accounts: 3, locked: 1, disabled: 1 });
    const none = counts({ accounts: 1, noMobile: 1, mustChangePassword: 1 });
    expect(r.units).toEqual([
      { unit: STTTT, ...stttt },
      { unit: SYT, ...syt },
      { unit: NO_UNIT, ...none },
    ]);
    expect(r.totals).toEqual(
      counts({ accounts: 16, noMobile: 4, noBackupEmail: 4, noContact: 1, locked: 1, disabled: 1, mustChangePassword: 2, passwordNeverChanged: 2, passwordExpired: 2 }),
    );
    expect(r.at).toBe('2026-11-20T00:00:00.000Z');
  });

  it('orders units the Vietnamese way, with the no-unit bucket last', () => {
    const tally = createDashboardTally(now);
    for (const unit of [null, SYT, 'UBND Quận 1', BHXH, STTTT, 'Đài Phát thanh']) tally.add(account({ unit }));
    expect(tally.result().units.map((u) => u.unit)).toEqual([BHXH, 'Đài Phát thanh', STTTT, SYT, 'UBND Quận 1', NO_UNIT]);
  });

  it('lists locked accounts newest lock first, unknown times last, without disabled ones', () => {
    const tally = createDashboardTally(now);
    const older = account({ unit: SYT, ...lockedAt('2026-11-18T10:00:00Z') });
    const newest = account({ unit: null, displayName: '', ...lockedAt('2026-11-19T23:59:59Z') });
    const unknown = account({ locked: true, lockedAt: null });
    const middle = account(lockedAt('2026-11-19T08:30:00Z'));
    for (const a of [older, unknown, account({ disabled: true }), newest, account(), middle]) tally.add(a);
    const r = tally.result();
    expect(r.lockedAccounts).toEqual([
      { dn: newest.dn, username: newest.username, displayName: newest.username, unit: null, lockedAt: '2026-11-19T23:59:59.000Z' },
      { dn: middle.dn, username: middle.username, displayName: middle.displayName, unit: STTTT, lockedAt: '2026-11-19T08:30:00.000Z' },
      { dn: older.dn, username: older.username, displayName: older.displayName, unit: SYT, lockedAt: '2026-11-18T10:00:00.000Z' },
      { dn: unknown.dn, username: unknown.username, displayName: unknown.displayName, unit: STTTT, lockedAt: null },
    ]);
    expect(r.lockedListCapped).toBe(false);
    expect(r.totals.locked).toBe(4);
  });

  it('keeps the newest locks up to the cap and says the list is cut', () => {
    const tally = createDashboardTally(now);
    const total = 2 * LOCKED_LIST_CAP + 537;
    // Lock times in a scrambled order (7919 is prime to `total`), one second apart.
    const times: number[] = [];
    for (let i = 0; i < total; i++) {
      const t = Date.parse('2026-11-01T00:00:00Z') + ((i * 7919) % total) * 1000;
      times.push(t);
      tally.add(account({ unit: i % 2 ? SYT : STTTT, locked: true, lockedAt: new Date(t) }));
    }
    const r = tally.result();
    const expected = times.sort((a, b) => b - a).slice(0, LOCKED_LIST_CAP).map((t) => new Date(t).toISOString());
    expect(r.lockedAccounts.map((a) => a.lockedAt)).toEqual(expected);
    expect(r.lockedListCapped).toBe(true);
    expect(r.totals.locked).toBe(total);
    expect(r.units.map((u) => u.locked)).toEqual([Math.ceil(total / 2), Math.floor(total / 2)]);
  });

  it('is not capped at exactly the cap', () => {
    const tally = createDashboardTally(now);
    for (let i = 0; i < LOCKED_LIST_CAP; i++) tally.add(account({ locked: true, lockedAt: new Date(Date.parse('2026-11-01T00:00:00Z') + i * 1000) }));
    const r = tally.result();
    expect(r.lockedAccounts).toHaveLength(LOCKED_LIST_CAP);
    expect(r.lockedListCapped).toBe(false);
  });

  it('gives a plain object that survives JSON and later adds', () => {
    const tally = createDashboardTally(now);
    tally.add(account(lockedAt('2026-11-19T08:30:00Z')));
    const first = tally.result();
    expect(JSON.parse(JSON.stringify(first))).toEqual(first);
    tally.add(account({ unit: SYT }));
    expect(first.totals.accounts).toBe(1); // an earlier result is not changed by later accounts
    expect(tally.result().totals.accounts).toBe(2);
  });
});
