import { parseGeneralizedTime } from '../time';
import type { DirectoryDialect } from './dialect';
import { addValues, intOrNull, removeValues, replace } from './dialect';

/** Zimbra durations: `30d`, `1h`, `90m`, `45s`, `600` (seconds). */
function durationSeconds(v: string | null): number | null {
  if (!v) return null;
  const m = /^(\d+)([smhd]?)$/u.exec(v.trim());
  if (!m) return null;
  const mult = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * mult;
}

/**
 * Zimbra LDAP: `zimbraAccountStatus` `lockout` is the automatic lock after failed logins; `locked`
 * and `closed` are administrative (shown as disabled).
 */
export const zimbraDialect: DirectoryDialect = {
  name: 'zimbra',
  stableIdAttribute: 'zimbraId',
  changeMark: { attribute: 'modifyTimestamp', kind: 'generalizedTime' },
  stateAttributes: [
    'zimbraAccountStatus',
    'zimbraPasswordLockoutLockedTime',
    'zimbraPasswordLockoutFailureTime',
    'zimbraPasswordMustChange',
    'zimbraPasswordModifiedTime',
    'zimbraPasswordMaxAge',
    'zimbraPasswordLockoutDuration',
    'zimbraPasswordLockoutMaxFailures',
  ],
  readState(e) {
    const status = (e.first('zimbraAccountStatus') ?? 'active').toLowerCase();
    return {
      locked: status === 'lockout',
      lockedAt: status === 'lockout' ? parseGeneralizedTime(e.first('zimbraPasswordLockoutLockedTime')) : null,
      disabled: status === 'locked' || status === 'closed',
      failureCount: e.all('zimbraPasswordLockoutFailureTime').length,
      mustChangePassword: e.first('zimbraPasswordMustChange')?.toUpperCase() === 'TRUE',
      passwordChangedAt: parseGeneralizedTime(e.first('zimbraPasswordModifiedTime')),
      passwordExpiresAt: null,
    };
  },
  policyDnOf: () => null,
  inlinePolicy(e) {
    const maxAgeDays = intOrNull(e.first('zimbraPasswordMaxAge'));
    return {
      maxAgeSeconds: maxAgeDays ? maxAgeDays * 86400 : null,
      expireWarningSeconds: null,
      lockoutDurationSeconds: durationSeconds(e.first('zimbraPasswordLockoutDuration')),
      maxFailures: intOrNull(e.first('zimbraPasswordLockoutMaxFailures')),
      mustChangeEnforced: null,
    };
  },
  policyAttributes: [],
  readPolicy: () => ({ maxAgeSeconds: null, expireWarningSeconds: null, lockoutDurationSeconds: null, maxFailures: null, mustChangeEnforced: null }),
  unlockChanges: (e) => [
    // delete "lockout" + add "active": refused by the server if the status is no longer "lockout".
    ...(e.first('zimbraAccountStatus')?.toLowerCase() === 'lockout'
      ? [removeValues('zimbraAccountStatus', [e.first('zimbraAccountStatus')!]), addValues('zimbraAccountStatus', ['active'])]
      : [replace('zimbraAccountStatus', ['active'])]),
    replace('zimbraPasswordLockoutLockedTime', []),
    replace('zimbraPasswordLockoutFailureTime', []),
  ],
  resetChanges: (password) => [replace('userPassword', [password]), replace('zimbraPasswordMustChange', ['TRUE'])],
  resetControls: () => [],
  resetNeedsTls: false,
};
