import { type Client, type Filter, NoSuchObjectError } from 'ldapts';
import { ROLES, type Role } from '../../common/roles';
import type { DirectorySettings } from '../../common/settings';

/**
 * The roles whose groups (profile `roleGroups`) count the user as a member (`filter`, evaluated on each
 * group entry with the service account). The first group of a role that counts the user gives it.
 */
export async function rolesOf(groups: DirectorySettings['roleGroups'], filter: Filter, isMember: (groupDn: string, filter: Filter) => Promise<boolean>): Promise<Role[]> {
  const roles: Role[] = [];
  for (const role of ROLES) {
    for (const groupDn of groups[role]) {
      if (await isMember(groupDn, filter)) {
        roles.push(role);
        break;
      }
    }
  }
  return roles;
}

/**
 * Whether the group entry matches the membership filter. A group that does not exist gives nothing; any
 * other error (no right to read it, a referral) fails the sign-in: roles are never guessed.
 */
export async function isMemberOf(c: Client, groupDn: string, filter: Filter): Promise<boolean> {
  try {
    const { searchEntries } = await c.search(groupDn, { scope: 'base', filter, attributes: ['1.1'] });
    return searchEntries.length > 0;
  } catch (err) {
    if (err instanceof NoSuchObjectError) return false;
    throw err;
  }
}
