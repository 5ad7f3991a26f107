import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { Attribute, Change, Client, InsufficientAccessError } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LdapDirectory } from '../../src-main/adapters/ldap/ldap-directory';
import { directoryDefaults, type DirectorySettings } from '../../src-main/common/settings';
import { HelpdeskError } from '../../src-main/domain/errors';
import { type SambaAdHandle, startSambaAd } from '../helpers/samba-ad';

// Issue #15 item 4: resources/ldap/samba-ad-delegation.sh, run as shipped on a Samba AD DC, gives a plain
// account (no admin group, no right of its own before) what the app needs on the users of one container —
// reset (with must-change), unlock, the mapped contacts — and nothing else: other attributes, another OU,
// groups stay refused. (ad-delegation.ps1 gives the same rights with dsacls on Windows AD; not run here.)
const REPO = resolve(import.meta.dirname, '..', '..');
const SCRIPT = join(REPO, 'resources', 'ldap', 'samba-ad-delegation.sh');
const KIT = 'helpdesk-kit';
const KIT_PW = 'Kit-Dich-Vu-2026!';
const USER_PW = 'Nguoi-Dung-2026!';

let ad: SambaAdHandle;
let admin: Client;
let otherOu: string;

function run(file: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile(file, args, { timeout: 120_000 }, (err, stdout, stderr) => done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }));
  });
}

function profile(): DirectorySettings {
  return { ...directoryDefaults('active-directory'), url: ad.ldapsUrl, caCertificate: ad.caPem, baseDn: ad.baseDn, serviceBindDn: ad.userDn(KIT) };
}

async function bindResult(dn: string, password: string): Promise<string> {
  const c = new Client({ url: ad.ldapsUrl, timeout: 10_000, tlsOptions: { ca: ad.caPem } });
  try {
    await c.bind(dn, password);
    return 'ok';
  } catch (e) {
    return (e as Error).message.match(/data ([0-9a-f]+)/u)?.[1] ?? (e as Error).constructor.name;
  } finally {
    await c.unbind().catch(() => undefined);
  }
}

const replace = (type: string, values: string[]) => new Change({ operation: 'replace', modification: new Attribute({ type, values }) });

beforeAll(async () => {
  ad = await startSambaAd({
    users: [
      { sAMAccountName: KIT, password: KIT_PW, displayName: 'Helpdesk (kit)' },
      { sAMAccountName: 'nvkhoa', password: USER_PW, displayName: 'Nguyen Van Khoa', mobile: '0912000101' },
      { sAMAccountName: 'nvreset', password: USER_PW, displayName: 'Nguyen Van Reset', mobile: '0912000102' },
      { sAMAccountName: 'nvlienhe', password: USER_PW, displayName: 'Nguyen Van Lien He', mobile: '0912000103' },
    ],
  });
  admin = new Client({ url: ad.ldapsUrl, timeout: 30_000, tlsOptions: { ca: ad.caPem } });
  await admin.bind(ad.adminDn, ad.adminPassword);
  // A user in another OU: outside the delegation.
  otherOu = `OU=Khac,${ad.baseDn}`;
  await admin.add(otherOu, { objectClass: ['top', 'organizationalUnit'], ou: 'Khac' });
  await admin.add(`CN=ngoai,${otherOu}`, { objectClass: ['top', 'person', 'organizationalPerson', 'user'], sAMAccountName: 'ngoai', mobile: '0912000104' });
}, 180_000);

afterAll(async () => {
  await admin?.unbind().catch(() => undefined);
  await ad?.stop();
});

describe('resources/ldap/samba-ad-delegation.sh on a Samba AD DC', () => {
  it('before: the plain account reads accounts but may change none of them', async () => {
    const dir = new LdapDirectory(profile(), KIT_PW);
    try {
      expect((await dir.getAccount(ad.userDn('nvlienhe'))).mobiles).toEqual(['0912000103']);
      const err = await dir.updateContacts(ad.userDn('nvlienhe'), { mobile: '0977000103' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HelpdeskError);
      expect((err as HelpdeskError).code).toBe('ACTION_NOT_PERMITTED');
    } finally {
      await dir.close();
    }
  });

  it('the script delegates, as shipped (a dry run first prints the ACEs and changes nothing)', async () => {
    const samLdb = join(ad.dir, 'samba', 'private', 'sam.ldb');
    const args = ['--url', samLdb, '--ou', `CN=Users,${ad.baseDn}`, '--account', KIT];
    const dry = await run(SCRIPT, [...args, '--dry-run']);
    expect(dry.code, dry.out).toBe(0);
    // Reset Password, pwdLastSet, lockoutTime, mobile, otherMailbox: five inherited object ACEs for user objects.
    expect(dry.out.match(/\(OA;CIIO;(CR|RPWP);[0-9a-f-]{36};bf967aba-0de6-11d0-a285-00aa003049e2;S-1-5-21-[\d-]+\)/gu)).toHaveLength(5);
    expect(dry.out).toContain('(OA;CIIO;CR;00299570-246d-11d0-a768-00aa006e0529;');
    const dir = new LdapDirectory(profile(), KIT_PW);
    try {
      await expect(dir.updateContacts(ad.userDn('nvlienhe'), { mobile: '0977000103' })).rejects.toMatchObject({ code: 'ACTION_NOT_PERMITTED' });
    } finally {
      await dir.close();
    }
    const done = await run(SCRIPT, args);
    expect(done.code, done.out).toBe(0);
  });

  it('after: it unlocks, resets with must-change over LDAPS, and writes the mapped contacts', async () => {
    for (let i = 0; i < 3; i++) expect(await bindResult(ad.userDn('nvkhoa'), 'Sai-Mat-Khau-1!')).toBe('52e');
    expect(await bindResult(ad.userDn('nvkhoa'), USER_PW)).toBe('775'); // locked out
    const dir = new LdapDirectory(profile(), KIT_PW);
    try {
      expect((await dir.getAccount(ad.userDn('nvkhoa'))).locked).toBe(true);
      expect(await dir.unlock(ad.userDn('nvkhoa'))).toMatchObject({ outcome: 'done', account: { locked: false } });
      expect(await bindResult(ad.userDn('nvkhoa'), USER_PW)).toBe('ok');

      expect(await dir.resetPassword(ad.userDn('nvreset'), 'Tam-Thoi-2026!x')).toMatchObject({ outcome: 'done', account: { mustChangePassword: true } });
      expect(await bindResult(ad.userDn('nvreset'), 'Tam-Thoi-2026!x')).toBe('773'); // must change at next logon

      const changed = await dir.updateContacts(ad.userDn('nvlienhe'), { mobile: '0977000103', backupEmail: 'lienhe@gmail.com' });
      expect(changed).toMatchObject({ outcome: 'done', account: { mobiles: ['0977000103'], backupEmails: ['lienhe@gmail.com'] } });
    } finally {
      await dir.close();
    }
  });

  it('and nothing else: other attributes, users of another OU, groups, creating users', async () => {
    const kit = new Client({ url: ad.ldapsUrl, timeout: 10_000, tlsOptions: { ca: ad.caPem } });
    await kit.bind(ad.userDn(KIT), KIT_PW);
    try {
      const refused = (p: Promise<unknown>) => expect(p).rejects.toBeInstanceOf(InsufficientAccessError);
      await refused(kit.modify(ad.userDn('nvlienhe'), [replace('displayName', ['Ke Gia Mao'])]));
      await refused(kit.modify(ad.userDn('nvlienhe'), [replace('telephoneNumber', ['0977000999'])]));
      await refused(kit.modify(ad.userDn('nvlienhe'), [replace('userAccountControl', ['66048'])]));
      await refused(kit.modify(`CN=ngoai,${otherOu}`, [replace('mobile', ['0977000104'])]));
      await refused(kit.modify(`CN=ngoai,${otherOu}`, [replace('lockoutTime', ['0'])]));
      await refused(kit.modify(`CN=Domain Admins,CN=Users,${ad.baseDn}`, [new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [ad.userDn(KIT)] }) })]));
      await refused(kit.add(`CN=moi,CN=Users,${ad.baseDn}`, { objectClass: ['top', 'person', 'organizationalPerson', 'user'], sAMAccountName: 'moi' }));
    } finally {
      await kit.unbind();
    }
    const outside = new LdapDirectory({ ...profile() }, KIT_PW);
    try {
      const err = await outside.updateContacts(`CN=ngoai,${otherOu}`, { mobile: '0977000104' }).catch((e: unknown) => e);
      expect((err as HelpdeskError).code).toBe('ACTION_NOT_PERMITTED');
    } finally {
      await outside.close();
    }
    const { searchEntries } = await admin.search(ad.userDn('nvlienhe'), { scope: 'base', attributes: ['displayName', 'telephoneNumber'] });
    expect(searchEntries[0]).toMatchObject({ displayName: 'Nguyen Van Lien He' });
    expect([searchEntries[0]!['telephoneNumber'] ?? []].flat()).toEqual([]);
  });
});
