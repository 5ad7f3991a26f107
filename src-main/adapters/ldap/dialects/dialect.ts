import { Attribute, Change, type Control, EqualityFilter, type Filter, OrFilter } from 'ldapts';
import type { Dialect as DialectName } from '../../../common/settings';
import type { DirectoryAccount, DirectoryPolicy } from '../../../domain/ports';
import type { EntryView } from '../entry';
import { activeDirectoryDialect } from './active-directory';
import { openLdapDialect } from './openldap';
import { zimbraDialect } from './zimbra';

export type AccountStateFields = Pick<
  DirectoryAccount,
  'locked' | 'lockedAt' | 'disabled' | 'failureCount' | 'mustChangePassword' | 'passwordChangedAt' | 'passwordExpiresAt'
>;

/** What differs between directories when reading an account's state. */
export interface DirectoryDialect {
  name: DialectName;
  /** Attributes to request (operational ones must be named). */
  stateAttributes: readonly string[];
  /** The entry's permanent id attribute (entryUUID, objectGUID, zimbraId). */
  stableIdAttribute: string;
  /**
   * The operational attribute every change of an entry raises, with an ordering match: the search
   * index's delta reads ask for the entries whose value is at or above the last one seen.
   */
  changeMark: { attribute: string; kind: 'generalizedTime' | 'integer' };
  readState(entry: EntryView): AccountStateFields;
  /** The DN of the entry's own password policy, when the directory names one. */
  policyDnOf(entry: EntryView): string | null;
  /** Policy values held on the account entry itself (Zimbra), when no policy entry exists. */
  inlinePolicy(entry: EntryView): DirectoryPolicy | null;
  /** Attributes of a policy entry to read, and how to read them. */
  policyAttributes: readonly string[];
  readPolicy(entry: EntryView): DirectoryPolicy;
  /**
   * The modify that ends the lockout seen in `entry` (password untouched). Where the dialect allows,
   * it deletes the exact value that was read, so the server refuses it if the state changed meanwhile
   * (e.g. an administrator locked the account): never lifts a lock it did not see.
   */
  unlockChanges(entry: EntryView): Change[];
  /** The modify that sets a temporary password AND must-change, as one request. */
  resetChanges(password: string): Change[];
  /** Controls sent with the reset (AD: policy hints, so history and complexity apply). */
  resetControls(): Control[];
  /** True when the directory only accepts password writes over TLS (AD's unicodePwd). */
  resetNeedsTls: boolean;
  /**
   * Membership filter for a role group (evaluated on the group entry, base scope). Default: direct
   * `member`, `uniqueMember` or `memberUid`; AD also follows nested groups.
   */
  memberFilter?(userDn: string, username: string): Filter;
}

/** delete exactly these values: noSuchAttribute if they are no longer there. */
export function removeValues(type: string, values: string[]): Change {
  return new Change({ operation: 'delete', modification: new Attribute({ type, values }) });
}

export function addValues(type: string, values: string[]): Change {
  return new Change({ operation: 'add', modification: new Attribute({ type, values }) });
}

/** replace with the given values; with none, removes the attribute if present (no error if absent). */
export function replace(type: string, values: string[] | Buffer[]): Change {
  return new Change({ operation: 'replace', modification: new Attribute({ type, values }) });
}

export function dialectFor(name: DialectName): DirectoryDialect {
  switch (name) {
    case 'openldap':
      return openLdapDialect;
    case 'active-directory':
      return activeDirectoryDialect;
    case 'zimbra':
      return zimbraDialect;
  }
}

export function intOrNull(v: string | null): number | null {
  if (v === null || !/^-?\d+$/u.test(v)) return null;
  return Number(v);
}

/** Direct membership, whatever the group's object class (groupOfNames, groupOfUniqueNames, posixGroup). */
export function directMemberFilter(userDn: string, username: string): Filter {
  return new OrFilter({
    filters: [
      new EqualityFilter({ attribute: 'member', value: userDn }),
      new EqualityFilter({ attribute: 'uniqueMember', value: userDn }),
      new EqualityFilter({ attribute: 'memberUid', value: username }),
    ],
  });
}
