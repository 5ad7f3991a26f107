import type { AccountDetail, AccountState, AccountSummary, AccountType } from '../common/dto';
import { backupEmailContact, mobileContact } from './contacts';
import { maskIdentifier } from './masking';
import type { DirectoryAccount } from './ports';

const DAY = 86_400_000;

/** The account's state judged at `now` against its policy. */
export function accountState(a: DirectoryAccount, now: Date): AccountState {
  const maxAge = a.policy?.maxAgeSeconds ?? null;
  const warn = a.policy?.expireWarningSeconds ?? 0;
  let expiresAt = a.passwordExpiresAt;
  if (!expiresAt && a.passwordChangedAt && maxAge && maxAge > 0) {
    expiresAt = new Date(a.passwordChangedAt.getTime() + maxAge * 1000);
  }
  const expired = expiresAt !== null && expiresAt.getTime() <= now.getTime();
  const expiringSoon =
    !expired && expiresAt !== null && expiresAt.getTime() - now.getTime() <= (warn > 0 ? warn * 1000 : 14 * DAY);
  const duration = a.policy?.lockoutDurationSeconds ?? 0;
  let lockedUntil: Date | null = null;
  let locked = a.locked && !a.disabled;
  if (locked && a.lockedAt && duration > 0) {
    lockedUntil = new Date(a.lockedAt.getTime() + duration * 1000);
    if (lockedUntil.getTime() <= now.getTime()) {
      locked = false;
      lockedUntil = null;
    }
  }
  return {
    locked,
    lockedAt: locked && a.lockedAt ? a.lockedAt.toISOString() : null,
    lockedUntil: lockedUntil ? lockedUntil.toISOString() : null,
    failedLogins: a.failureCount,
    disabled: a.disabled,
    // Shown only where the directory will hold the user to it (see DirectoryPolicy.mustChangeEnforced).
    mustChangePassword: a.mustChangePassword && a.policy?.mustChangeEnforced !== false,
    passwordChangedAt: a.passwordChangedAt ? a.passwordChangedAt.toISOString() : null,
    passwordExpiresAt: expiresAt ? expiresAt.toISOString() : null,
    passwordExpired: expired,
    passwordExpiringSoon: expiringSoon,
  };
}

function accountType(a: DirectoryAccount): AccountType {
  const t = a.accountType?.toLowerCase();
  if (t === 'individual' || t === 'organisation' || t === 'social-insurance') return t;
  if (a.taxCode && !a.citizenId) return 'organisation';
  if (a.citizenId) return 'individual';
  return 'unknown';
}

export function toAccountSummary(a: DirectoryAccount, now: Date): AccountSummary {
  return {
    id: a.dn,
    username: a.username,
    displayName: a.displayName || a.username,
    unit: a.unit,
    accountType: accountType(a),
    state: accountState(a, now),
    mobile: mobileContact(a.mobiles),
    backupEmail: backupEmailContact(a.backupEmails, a.mail),
  };
}

export function toAccountDetail(a: DirectoryAccount, now: Date): AccountDetail {
  const p = a.policy;
  return {
    ...toAccountSummary(a, now),
    mail: a.mail,
    title: a.title,
    citizenId: a.citizenId ? maskIdentifier(a.citizenId) : null,
    taxCode: a.taxCode,
    socialInsuranceCode: a.socialInsuranceCode ? maskIdentifier(a.socialInsuranceCode) : null,
    policy: p
      ? {
          maxAgeDays: p.maxAgeSeconds ? Math.round(p.maxAgeSeconds / 86400) : null,
          expireWarningDays: p.expireWarningSeconds ? Math.round(p.expireWarningSeconds / 86400) : null,
          maxFailures: p.maxFailures,
        }
      : null,
    mustChangeNotEnforced: p?.mustChangeEnforced === false,
  };
}
