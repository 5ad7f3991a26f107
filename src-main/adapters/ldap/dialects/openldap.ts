import { parseGeneralizedTime } from '../time';
import type { DirectoryDialect } from './dialect';
import { intOrNull, removeValues, replace } from './dialect';

/** ppolicy marks an administrative lock (no automatic end) with this sentinel time. */
export const ADMIN_LOCK = '000001010000Z';

/** OpenLDAP with the ppolicy overlay (draft-behera-ldap-password-policy). */
export const openLdapDialect: DirectoryDialect = {
  name: 'openldap',
  stableIdAttribute: 'entryUUID',
  changeMark: { attribute: 'modifyTimestamp', kind: 'generalizedTime' },
  stateAttributes: ['pwdAccountLockedTime', 'pwdFailureTime', 'pwdReset', 'pwdChangedTime', 'pwdPolicySubentry', 'createTimestamp'],
  readState(e) {
    const locked = e.first('pwdAccountLockedTime');
    const disabled = locked === ADMIN_LOCK;
    return {
      locked: locked !== null && !disabled,
      lockedAt: locked && !disabled ? parseGeneralizedTime(locked) : null,
      disabled,
      failureCount: e.all('pwdFailureTime').length,
      mustChangePassword: e.first('pwdReset')?.toUpperCase() === 'TRUE',
      passwordChangedAt: parseGeneralizedTime(e.first('pwdChangedTime') ?? e.first('createTimestamp')),
      passwordExpiresAt: null,
    };
  },
  policyDnOf: (e) => e.first('pwdPolicySubentry'),
  inlinePolicy: () => null,
  policyAttributes: ['pwdMaxAge', 'pwdExpireWarning', 'pwdLockoutDuration', 'pwdMaxFailure', 'pwdLockout', 'pwdMustChange'],
  readPolicy(e) {
    const lockout = e.first('pwdLockout')?.toUpperCase() === 'TRUE';
    return {
      maxAgeSeconds: intOrNull(e.first('pwdMaxAge')),
      expireWarningSeconds: intOrNull(e.first('pwdExpireWarning')),
      lockoutDurationSeconds: intOrNull(e.first('pwdLockoutDuration')),
      maxFailures: lockout ? intOrNull(e.first('pwdMaxFailure')) : null,
      mustChangeEnforced: e.first('pwdMustChange')?.toUpperCase() === 'TRUE',
    };
  },
  // pwdFailureTime is not user-modifiable; ppolicy clears it at the next successful bind.
  unlockChanges: (e) => {
    const locked = e.first('pwdAccountLockedTime');
    return [locked ? removeValues('pwdAccountLockedTime', [locked]) : replace('pwdAccountLockedTime', [])];
  },
  // Cleartext so the server applies its quality and history checks (and hashes it: ppolicy_hash_cleartext).
  resetChanges: (password) => [replace('userPassword', [password]), replace('pwdReset', ['TRUE'])],
  resetControls: () => [],
  resetNeedsTls: false,
};
