import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LdapDirectory } from '../../src-main/adapters/ldap/ldap-directory';
import { directoryDefaults } from '../../src-main/common/settings';
import { parseSearchQuery } from '../../src-main/domain/search-query';
import { type SlapdHandle, startSlapd } from '../helpers/slapd';

// DNs with RFC 4514 special characters: a write goes to exactly the entry that was found, never to a
// neighbour whose DN differs only in the escaped part.
const BASE = 'dc=dn,dc=gov,dc=vn';
const LOCKED = 'pwdAccountLockedTime: 20261123010000Z';
const rdns: [string, string][] = [
  ['cn=Nguyen\\, Van A', 'Nguyen, Van A'], // comma
  ['cn=Nguyen', 'Nguyen'], // the neighbour the comma must not reach
  ['cn=a\\+b', 'a+b'], // plus
  ['cn=\\"quoted\\"', '"quoted"'], // quotes
  ['cn=back\\\\slash', 'back\\slash'], // backslash
  ['cn=\\#hash', '#hash'], // leading #
  ['cn=trail\\ ', 'trail '], // trailing space (insignificant to matching, so it has no separate neighbour)
  ['cn=a', 'a'], // the neighbour of a+b
];
const LDIF = rdns
  .map(([rdn, cn], i) =>
    [`dn: ${rdn},ou=people,${BASE}`, 'objectClass: inetOrgPerson', `cn:: ${Buffer.from(cn).toString('base64')}`, `uid: user${i}`, `sn: s${i}`, LOCKED, ''].join('\n'),
  )
  .join('\n');

let slapd: SlapdHandle;
let dir: LdapDirectory;

beforeAll(async () => {
  slapd = await startSlapd({ baseDn: BASE, ldif: LDIF });
  dir = new LdapDirectory({ ...directoryDefaults('openldap'), url: slapd.url, baseDn: BASE, serviceBindDn: slapd.serviceDn, passwordPolicyDn: slapd.policyDn }, slapd.servicePassword);
});
afterAll(async () => {
  await dir?.close();
  await slapd?.stop();
});

async function lockedUids(): Promise<string[]> {
  const c = new Client({ url: slapd.url, timeout: 5000 });
  await c.bind(slapd.rootDn, slapd.rootPassword);
  const r = await c.search(BASE, { scope: 'sub', filter: '(pwdAccountLockedTime=*)', attributes: ['uid'] });
  await c.unbind();
  return r.searchEntries.map((e) => String(e.uid)).sort();
}

describe('DNs with special characters', () => {
  it('each entry is found, read and unlocked by its own DN; neighbours stay untouched', async () => {
    const remaining = rdns.map((_, i) => `user${i}`).sort();
    for (let i = 0; i < rdns.length; i++) {
      const found = await dir.search(parseSearchQuery(`user${i}`, 'username'), 5);
      expect(found.accounts).toHaveLength(1);
      const dn = found.accounts[0]!.dn;
      expect((await dir.getAccount(dn)).username).toBe(`user${i}`);
      expect((await dir.unlock(dn)).outcome).toBe('done');
      remaining.splice(remaining.indexOf(`user${i}`), 1);
      expect(await lockedUids()).toEqual(remaining);
    }
  });
});
