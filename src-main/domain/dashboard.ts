import { type DashboardCounts, type DirectoryDashboard, type LockedAccountRow, NO_UNIT } from '../common/dto';
import { accountState } from './account-view';
import { backupEmailContact, mobileContact } from './contacts';
import type { DirectoryAccount } from './ports';

/** Locked accounts listed at most; the counters still count every one. */
export const LOCKED_LIST_CAP = 1000;

const collator = new Intl.Collator('vi', { sensitivity: 'base' });

export interface DashboardTally {
  add(account: DirectoryAccount): void;
  result(): DirectoryDashboard;
}

function emptyCounts(): DashboardCounts {
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
  };
}

/** Newest lock first, unknown times last; the DN breaks ties so that the order is total. */
function byLockNewestFirst(x: LockedAccountRow, y: LockedAccountRow): number {
  if (x.lockedAt !== y.lockedAt) {
    if (x.lockedAt === null) return 1;
    if (y.lockedAt === null) return -1;
    return x.lockedAt < y.lockedAt ? 1 : -1;
  }
  return x.dn < y.dn ? -1 : x.dn > y.dn ? 1 : 0;
}

/** Accumulates the directory dashboards one account at a time, keeping only counters and the locked list. */
export function createDashboardTally(now: Date): DashboardTally {
  const totals = emptyCounts();
  const units = new Map<string, DashboardCounts>();
  let locked: LockedAccountRow[] = [];

  // The list is cut back to the newest LOCKED_LIST_CAP whenever it doubles: bounded memory, same result as one sort at the end.
  const trimLocked = (): void => {
    locked.sort(byLockNewestFirst);
    locked = locked.slice(0, LOCKED_LIST_CAP);
  };

  return {
    add(account) {
      const unit = account.unit ?? NO_UNIT;
      let counts = units.get(unit);
      if (!counts) {
        counts = emptyCounts();
        units.set(unit, counts);
      }
      const state = accountState(account, now);
      const noMobile = mobileContact(account.mobiles).status !== 'present';
      const noBackupEmail = backupEmailContact(account.backupEmails, account.mail).status !== 'present';
      for (const c of [totals, counts]) {
        c.accounts++;
        if (noMobile) c.noMobile++;
        if (noBackupEmail) c.noBackupEmail++;
        if (noMobile && noBackupEmail) c.noContact++;
        if (state.locked) c.locked++;
        if (state.disabled) c.disabled++;
        if (state.mustChangePassword) c.mustChangePassword++;
        if (account.passwordChangedAt === null) c.passwordNeverChanged++;
        if (state.passwordExpired) c.passwordExpired++;
      }
      if (state.locked) {
        locked.push({
          dn: account.dn,
          username: account.username,
          displayName: account.displayName || account.username,
          unit: account.unit,
          lockedAt: state.lockedAt,
        });
        if (locked.length >= 2 * LOCKED_LIST_CAP) trimLocked();
      }
    },

    result() {
      trimLocked();
      const rows = [...units].map(([unit, counts]) => ({ unit, ...counts }));
      rows.sort((x, y) => (x.unit === NO_UNIT ? 1 : y.unit === NO_UNIT ? -1 : collator.compare(x.unit, y.unit)));
      return {
        at: now.toISOString(),
        totals: { ...totals },
        units: rows,
        lockedAccounts: locked.map((r) => ({ ...r })),
        lockedListCapped: totals.locked > locked.length,
      };
    },
  };
}
