import type { AccountDetail, AccountState, AccountSummary, AccountType, SearchItem, SignInBlocker, SignInVerdict } from '../common/dto';
import { backupEmailContact, hasUsableContact, mobileContact } from './contacts';
import { maskIdentifier } from './masking';
import type { DirectoryAccount } from './ports';
import { nameWords } from './text';

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

/**
 * The screen tells the truth: what stops the caller signing in now, from the state as read (must-change
 * does not: they sign in and choose a new password).
 */
export function signInBlockers(s: Pick<AccountState, 'disabled' | 'locked' | 'passwordExpired'>): SignInBlocker[] {
  const out: SignInBlocker[] = [];
  if (s.disabled) out.push('disabled');
  if (s.locked) out.push('locked');
  if (s.passwordExpired) out.push('password-expired');
  return out;
}

/**
 * What each action would leave in the way (for the confirmation; the result is judged from the account
 * read again). An unlock ends a lockout, never an expired password; a reset gives a new password and,
 * where the directory ends a lockout on a password change (OpenLDAP ppolicy), the lockout too; an
 * administrative lock is lifted by none of them here (a supervisor decides that, where the profile allows).
 */
export function signInVerdict(s: AccountState, resetEndsLockout: boolean): SignInVerdict {
  const now = signInBlockers(s);
  const without = (...gone: SignInBlocker[]) => now.filter((b) => !gone.includes(b));
  const after: SignInVerdict['after'] = {
    unlock: without('locked'),
    reset: resetEndsLockout ? without('password-expired', 'locked') : without('password-expired'),
    'reset-unlock': without('password-expired', 'locked'),
  };
  const clears = (['unlock', 'reset', 'reset-unlock'] as const).find((a) => after[a].length === 0);
  return { blockers: now, after, next: now.length === 0 ? 'reset' : (clears ?? 'supervisor') };
}

/** Whether a password change ends a lockout on this dialect (OpenLDAP's ppolicy clears it; AD and Zimbra keep it). */
export const resetEndsLockout = (dialect: string): boolean => dialect === 'openldap';

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
    title: a.title,
    accountType: accountType(a),
    state: accountState(a, now),
    mobile: mobileContact(a.mobiles),
    backupEmail: backupEmailContact(a.backupEmails, a.mail),
  };
}

/**
 * The rows of a search answer, each with its namesakes among them: the same name once diacritics, case
 * and spacing are set aside — what a caller says on the phone does not tell those apart.
 */
export function toSearchItems(accounts: readonly DirectoryAccount[], now: Date): SearchItem[] {
  const summaries = accounts.map((a) => toAccountSummary(a, now));
  const names = summaries.map((s) => nameWords(s.displayName).join(' '));
  const count = new Map<string, number>();
  for (const n of names) count.set(n, (count.get(n) ?? 0) + 1);
  return summaries.map((s, i) => ({ ...s, namesakes: (count.get(names[i]!) ?? 1) - 1 }));
}

export function toAccountDetail(a: DirectoryAccount, now: Date, dialect: string): AccountDetail {
  const p = a.policy;
  const summary = toAccountSummary(a, now);
  return {
    ...summary,
    signIn: signInVerdict(summary.state, resetEndsLockout(dialect)),
    mail: a.mail,
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
    noUsableContact: !hasUsableContact(a),
  };
}
