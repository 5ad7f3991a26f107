import { parseFileTime } from '../time';
import type { DirectoryDialect } from './dialect';
import { intOrNull } from './dialect';

const UAC_ACCOUNTDISABLE = 0x2;
const UAC_LOCKOUT = 0x10;
const UAC_DONT_EXPIRE_PASSWORD = 0x10000;

/** Active Directory (and Samba AD DC): userAccountControl bits, FILETIME stamps. */
export const activeDirectoryDialect: DirectoryDialect = {
  name: 'active-directory',
  stateAttributes: [
    'userAccountControl',
    'msDS-User-Account-Control-Computed',
    'lockoutTime',
    'pwdLastSet',
    'badPwdCount',
    'msDS-UserPasswordExpiryTimeComputed',
  ],
  readState(e) {
    const uac = intOrNull(e.first('userAccountControl')) ?? 0;
    const computed = intOrNull(e.first('msDS-User-Account-Control-Computed'));
    const lockoutTime = parseFileTime(e.first('lockoutTime'));
    const locked = computed === null ? lockoutTime !== null : (computed & UAC_LOCKOUT) !== 0;
    const pwdLastSet = e.first('pwdLastSet');
    return {
      locked,
      lockedAt: locked ? lockoutTime : null,
      disabled: (uac & UAC_ACCOUNTDISABLE) !== 0,
      failureCount: intOrNull(e.first('badPwdCount')) ?? 0,
      mustChangePassword: pwdLastSet === '0',
      passwordChangedAt: parseFileTime(pwdLastSet),
      passwordExpiresAt:
        (uac & UAC_DONT_EXPIRE_PASSWORD) !== 0 ? null : parseFileTime(e.first('msDS-UserPasswordExpiryTimeComputed')),
    };
  },
  policyDnOf: () => null,
  inlinePolicy: () => null,
  policyAttributes: [],
  readPolicy: () => ({ maxAgeSeconds: null, expireWarningSeconds: null, lockoutDurationSeconds: null, maxFailures: null }),
};
