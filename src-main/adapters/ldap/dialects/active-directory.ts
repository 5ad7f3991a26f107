import { parseFileTime } from '../time';
import type { DirectoryDialect } from './dialect';
import { BerWriter, Control, ExtensibleFilter } from 'ldapts';
import { intOrNull, replace } from './dialect';

/** LDAP_SERVER_POLICY_HINTS_OID: apply password history and complexity to an administrative reset. */
export const POLICY_HINTS_OID = '1.2.840.113556.1.4.2239';

class PolicyHintsControl extends Control {
  constructor() {
    super(POLICY_HINTS_OID, { critical: false });
  }
  protected override writeControl(writer: BerWriter): void {
    const w = new BerWriter();
    w.startSequence();
    w.writeInt(1);
    w.endSequence();
    writer.writeBuffer(w.buffer, 0x04);
  }
}

/** AD takes a new password as the UTF-16LE bytes of the password in double quotes. */
export function unicodePwd(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

/** LDAP_MATCHING_RULE_IN_CHAIN. */
const IN_CHAIN_OID = '1.2.840.113556.1.4.1941';

const UAC_ACCOUNTDISABLE = 0x2;
const UAC_LOCKOUT = 0x10;
const UAC_DONT_EXPIRE_PASSWORD = 0x10000;

/** Active Directory (and Samba AD DC): userAccountControl bits, FILETIME stamps. */
export const activeDirectoryDialect: DirectoryDialect = {
  name: 'active-directory',
  stableIdAttribute: 'objectGUID',
  changeMark: { attribute: 'uSNChanged', kind: 'integer' },
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
  readPolicy: () => ({ maxAgeSeconds: null, expireWarningSeconds: null, lockoutDurationSeconds: null, maxFailures: null, mustChangeEnforced: null }),
  unlockChanges: () => [replace('lockoutTime', ['0'])],
  resetChanges: (password) => [replace('unicodePwd', [unicodePwd(password)]), replace('pwdLastSet', ['0'])],
  resetControls: () => [new PolicyHintsControl()],
  resetNeedsTls: true,
  // LDAP_MATCHING_RULE_IN_CHAIN: members of nested groups count too.
  memberFilter: (userDn) => new ExtensibleFilter({ matchType: 'member', rule: IN_CHAIN_OID, value: userDn }),
};
