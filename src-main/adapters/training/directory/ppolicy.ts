import { parseGeneralizedTime } from '../../ldap/time';
import { firstOf, setValues, valuesOf, type Entry } from './entries';
import { failureTime, generalizedTime } from './passwords';
import { ADMIN_LOCK } from '../../ldap/dialects/openldap';

// ppolicy


export const PPOLICY_STATE = new Set(
  [
    'pwdAccountLockedTime', 'pwdFailureTime', 'pwdReset', 'pwdChangedTime', 'pwdHistory', 'pwdGraceUseTime',
    'pwdPolicySubentry', 'pwdLastSuccess', 'pwdStartTime', 'pwdEndTime', 'pwdAccountTmpLockoutEnd',
  ].map((a) => a.toLowerCase()),
);

export const OPERATIONAL = new Set(
  [
    ...PPOLICY_STATE, 'createTimestamp', 'modifyTimestamp', 'entryUUID', 'creatorsName', 'modifiersName',
    'entryDN', 'entryCSN', 'structuralObjectClass', 'subschemaSubentry', 'hasSubordinates', 'namingContexts',
    'supportedControl', 'supportedExtension', 'supportedLDAPVersion', 'supportedSASLMechanisms',
  ].map((a) => a.toLowerCase()),
);

export interface Policy {
  maxFailure: number;
  lockout: boolean;
  /** Seconds; 0 = until an administrator unlocks. */
  lockoutDuration: number;
  /** Seconds; 0 = failures never expire. */
  failureCountInterval: number;
}

export function intOf(entry: Entry | undefined, name: string, fallback: number): number {
  const v = entry ? firstOf(entry, name) : undefined;
  return v !== undefined && /^\d+$/u.test(v.trim()) ? Number(v.trim()) : fallback;
}

export function readPolicy(entry: Entry | undefined): Policy {
  const lockout = entry ? firstOf(entry, 'pwdLockout') : undefined;
  return {
    maxFailure: intOf(entry, 'pwdMaxFailure', 3),
    lockout: lockout === undefined || lockout.trim().toUpperCase() === 'TRUE',
    lockoutDuration: intOf(entry, 'pwdLockoutDuration', 0),
    failureCountInterval: intOf(entry, 'pwdFailureCountInterval', 0),
  };
}

/** Locked now? An expired timed lock is lifted (with its failures) on the way, as ppolicy does. */
export function checkLocked(entry: Entry, policy: Policy, now: Date): boolean {
  const locked = firstOf(entry, 'pwdAccountLockedTime');
  if (locked === undefined) return false;
  if (locked === ADMIN_LOCK || policy.lockoutDuration === 0) return true;
  const at = parseGeneralizedTime(locked);
  if (at && at.getTime() + policy.lockoutDuration * 1000 > now.getTime()) return true;
  setValues(entry.attrs, 'pwdAccountLockedTime', []);
  setValues(entry.attrs, 'pwdFailureTime', []);
  return false;
}

export function recordFailure(entry: Entry, policy: Policy, now: Date): void {
  let failures = valuesOf(entry, 'pwdFailureTime');
  if (policy.failureCountInterval > 0) {
    const since = now.getTime() - policy.failureCountInterval * 1000;
    failures = failures.filter((f) => (parseGeneralizedTime(f)?.getTime() ?? 0) > since);
  }
  failures = [...failures, failureTime(now, failures)];
  setValues(entry.attrs, 'pwdFailureTime', failures);
  if (policy.lockout && policy.maxFailure > 0 && failures.length >= policy.maxFailure) {
    setValues(entry.attrs, 'pwdAccountLockedTime', [generalizedTime(now)]);
  }
}
