import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LdapDirectory } from '../../src-main/adapters/ldap/ldap-directory';
import { directoryDefaults, type DirectorySettings } from '../../src-main/common/settings';
import { toAccountSummary } from '../../src-main/domain/account-view';
import { parseSearchQuery } from '../../src-main/domain/search-query';
import { type SlapdHandle, startSlapd } from '../helpers/slapd';

// Issue #15 item 4: the default mapping finds a mobile in `mobile` or, failing that, in `telephoneNumber`
// (many directories keep the only number there) — searched in both, read from the fallback only when
// `mobile` holds no usable mobile, a landline there never taken for one; a changed mobile goes to `mobile`.
const BASE = 'dc=didong,dc=gov,dc=vn';
const PEOPLE = `ou=people,${BASE}`;

const person = (uid: string, attrs: Record<string, string>) =>
  [`dn: uid=${uid},${PEOPLE}`, 'objectClass: inetOrgPerson', `uid: ${uid}`, `cn: Nguoi ${uid}`, 'sn: Nguoi', ...Object.entries(attrs).map(([k, v]) => `${k}: ${v}`)].join('\n');

const LDIF = [
  [`dn: ${BASE}`, 'objectClass: dcObject', 'objectClass: organization', 'dc: didong', 'o: didong'].join('\n'),
  [`dn: ${PEOPLE}`, 'objectClass: organizationalUnit', 'ou: people'].join('\n'),
  person('chimobile', { mobile: '0912000001' }),
  person('chiban', { telephoneNumber: '+84 912 000 002' }),
  person('cahai', { mobile: '0912000003', telephoneNumber: '0988000003' }),
  person('codinhmobile', { mobile: '028 3829 6053', telephoneNumber: '0912.000.004' }),
  person('codinh', { telephoneNumber: '028 3829 6052' }),
  person('chamle', { telephoneNumber: '0912.00.00.05' }),
].join('\n\n');

let slapd: SlapdHandle;
let dir: LdapDirectory;
const now = new Date();

function profile(over: Partial<DirectorySettings['attributes']> = {}): DirectorySettings {
  const d = directoryDefaults('openldap');
  return { ...d, url: slapd.url, baseDn: BASE, serviceBindDn: slapd.serviceDn, attributes: { ...d.attributes, ...over } };
}

const found = async (d: LdapDirectory, query: string) => (await d.search(parseSearchQuery(query, 'phone'), 10)).accounts;

beforeAll(async () => {
  slapd = await startSlapd({ baseDn: BASE, ldif: LDIF });
  dir = new LdapDirectory(profile(), slapd.servicePassword);
});
afterAll(async () => {
  await dir?.close();
  await slapd?.stop();
});

describe('a mobile in mobile or telephoneNumber (the default mapping, a real slapd)', () => {
  it('the default mapping of every dialect looks in telephoneNumber too', () => {
    for (const d of ['openldap', 'active-directory', 'zimbra'] as const) expect(directoryDefaults(d).attributes).toMatchObject({ mobile: 'mobile', mobileFallbacks: ['telephoneNumber'] });
  });

  it('finds an account whose only mobile is in telephoneNumber, in any written form, and shows it as its recovery mobile', async () => {
    for (const q of ['0912000002', '+84912000002', '0912 000 002']) {
      const [a, ...more] = await found(dir, q);
      expect(more).toEqual([]);
      expect(a?.username).toBe('chiban');
      expect(toAccountSummary(a!, now).mobile).toEqual({ status: 'present', masked: '09*****02' });
    }
    // The wider reading (the digits in order, any grouping: dots are not ignored by telephoneNumber matching) looks there too.
    expect((await found(dir, '0912000005')).map((a) => a.username)).toEqual(['chamle']);
  });

  it('reads the fallback only when mobile holds no usable mobile; a landline is not a mobile anywhere', async () => {
    const [both] = await found(dir, '0912000003');
    expect(both?.mobiles).toEqual(['0912000003']); // telephoneNumber not read: mobile has one
    // Found by the number in telephoneNumber too (the operator sees the truth: the recovery mobile is the other).
    expect((await found(dir, '0988000003')).map((a) => [a.username, a.mobiles])).toEqual([['cahai', ['0912000003']]]);

    const [landlineInMobile] = await found(dir, '0912000004');
    expect(landlineInMobile?.username).toBe('codinhmobile');
    expect(toAccountSummary(landlineInMobile!, now).mobile).toEqual({ status: 'present', masked: '09*****04' });

    const office = await dir.getAccount(`uid=codinh,${PEOPLE}`);
    expect(office.mobiles).toEqual([]);
    expect(toAccountSummary(office, now).mobile.status).toBe('missing');
  });

  it('without the fallback in the mapping, telephoneNumber is neither searched nor read', async () => {
    const plain = new LdapDirectory(profile({ mobileFallbacks: [] }), slapd.servicePassword);
    try {
      expect(await found(plain, '0912000002')).toEqual([]);
      expect((await plain.getAccount(`uid=chiban,${PEOPLE}`)).mobiles).toEqual([]);
    } finally {
      await plain.close();
    }
  });

  it('a changed mobile is written to mobile, which then comes first; telephoneNumber is left as it was', async () => {
    const dn = `uid=chiban,${PEOPLE}`;
    const r = await dir.updateContacts(dn, { mobile: '0977000222' });
    expect(r.account?.mobiles).toEqual(['0977000222']);
    const root = await import('ldapts').then(({ Client }) => new Client({ url: slapd.url }));
    try {
      await root.bind(slapd.rootDn, slapd.rootPassword);
      const { searchEntries } = await root.search(dn, { scope: 'base', attributes: ['mobile', 'telephoneNumber'] });
      expect(searchEntries[0]).toMatchObject({ mobile: '0977000222', telephoneNumber: '+84 912 000 002' });
    } finally {
      await root.unbind();
    }
    expect((await found(dir, '0977000222')).map((a) => a.username)).toEqual(['chiban']);
  });
});
