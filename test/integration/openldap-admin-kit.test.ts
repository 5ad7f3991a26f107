import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Attribute, Change, Client, InsufficientAccessError, SizeLimitExceededError } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LdapDirectory } from '../../src-main/adapters/ldap/ldap-directory';
import { sshaHash } from '../../src-main/adapters/training/training-directory';
import { directoryDefaults, type DirectorySettings } from '../../src-main/common/settings';
import { freePort } from '../helpers/free-port';
import { terminate, watch, type Watched } from '../helpers/server-process';

/**
 * The admin kit of resources/ldap/ on a slapd run as Debian runs it: from a cn=config directory (slapd -F),
 * with the stock Debian ACL and a server size limit. The schema LDIF and the service account's ACL LDIF
 * are loaded as an administrator would (ldapadd / ldapmodify, the files as shipped); then the service
 * account, through the app's LDAP adapter, finds accounts by the schema's attributes, scans them all with
 * paged searches past the server's limit, unlocks, resets and changes contacts — and is refused the rest.
 */

const REPO = resolve(import.meta.dirname, '..', '..');
const BASE = 'dc=example,dc=gov,dc=vn';
const PEOPLE = `ou=people,${BASE}`;
// The DNs the kit's files are written for (the README says to replace them): used as they are.
const SERVICE_DN = `cn=helpdesk-service,ou=system,${BASE}`;
const SERVICE_PW = 'Dich-Vu-2026-kit';
const POLICY_DN = `cn=default,ou=policies,${BASE}`;
const ROOT_DN = `cn=admin,${BASE}`;
const ROOT_PW = 'root-secret-kit';
const CONFIG_PW = 'config-secret-kit';
/** The server's own size limit for everyone (a stock slapd has 500; smaller here so that 60 accounts pass it). */
const SERVER_SIZE_LIMIT = 20;
const ACCOUNTS = 60;
const USER_PW = 'Nguoi-Dung-2026';

let dir: string;
let slapd: Watched;
let url: string;
let root: Client;

function run(file: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile(file, args, (err, stdout, stderr) => done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }));
  });
}

const userDn = (i: number): string => `uid=user${String(i).padStart(3, '0')},${PEOPLE}`;

async function bound(dn: string, password: string): Promise<Client> {
  const c = new Client({ url, timeout: 5000, connectTimeout: 2000 });
  await c.bind(dn, password);
  return c;
}

async function bindResult(dn: string, password: string): Promise<string> {
  try {
    await (await bound(dn, password)).unbind();
    return 'ok';
  } catch (e) {
    return (e as Error).constructor.name;
  }
}

const change = (operation: 'add' | 'replace' | 'delete', type: string, values: string[]) =>
  new Change({ operation, modification: new Attribute({ type, values }) });

function profile(): DirectorySettings {
  return { ...directoryDefaults('openldap'), url, baseDn: BASE, serviceBindDn: SERVICE_DN, passwordPolicyDn: POLICY_DN, pageSize: 10 };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'helpdesk-kit-'));
  await mkdir(join(dir, 'db'), { mode: 0o700 });
  await mkdir(join(dir, 'slapd.d'), { mode: 0o700 });
  // A server as Debian's package sets one up: converted to cn=config, stock ACL, no Helpdesk schema yet.
  await writeFile(
    join(dir, 'slapd.conf'),
    [
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      'moduleload ppolicy',
      'include /etc/ldap/schema/core.schema',
      'include /etc/ldap/schema/cosine.schema',
      'include /etc/ldap/schema/inetorgperson.schema',
      'include /etc/ldap/schema/nis.schema',
      `pidfile ${join(dir, 'slapd.pid')}`,
      `sizelimit ${SERVER_SIZE_LIMIT}`,
      'database config',
      'rootdn "cn=config"',
      `rootpw ${sshaHash(CONFIG_PW)}`,
      'database mdb',
      'maxsize 1073741824',
      'dbnosync',
      `suffix "${BASE}"`,
      `rootdn "${ROOT_DN}"`,
      `rootpw ${sshaHash(ROOT_PW)}`,
      `directory ${join(dir, 'db')}`,
      // Debian's stock ACL (slapd.postinst).
      'access to attrs=userPassword by self write by anonymous auth by * none',
      'access to attrs=shadowLastChange by self write by * read',
      'access to * by * read',
      'overlay ppolicy',
      `ppolicy_default "${POLICY_DN}"`,
      'ppolicy_use_lockout',
      'ppolicy_hash_cleartext',
      '',
    ].join('\n'),
  );
  // The base entry first (slaptest opens the database read-only to convert), then slapd.conf → cn=config.
  await writeFile(join(dir, 'base.ldif'), `dn: ${BASE}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: example\n`);
  const loaded = await run('/usr/sbin/slapadd', ['-f', join(dir, 'slapd.conf'), '-l', join(dir, 'base.ldif')]);
  expect(loaded.code, loaded.out).toBe(0);
  const converted = await run('/usr/sbin/slaptest', ['-f', join(dir, 'slapd.conf'), '-F', join(dir, 'slapd.d')]);
  expect(converted.code, converted.out).toBe(0);
  const port = await freePort();
  url = `ldap://127.0.0.1:${port}`;
  slapd = watch(spawn('/usr/sbin/slapd', ['-F', join(dir, 'slapd.d'), '-h', `${url}/`, '-d', '32768'], { stdio: ['ignore', 'pipe', 'pipe'] }));
  for (let i = 0; ; i++) {
    try {
      root = await bound(ROOT_DN, ROOT_PW);
      break;
    } catch (err) {
      if (slapd.exited || i > 100) throw new Error(`slapd did not start: ${slapd.output()}`, { cause: err });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}, 60_000);

afterAll(async () => {
  await root?.unbind().catch(() => undefined);
  if (slapd) await terminate(slapd);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('resources/ldap on a cn=config slapd', () => {
  it('helpdesk.ldif loads with ldapadd, and the schema is then in force', async () => {
    const added = await run('ldapadd', ['-x', '-H', url, '-D', 'cn=config', '-w', CONFIG_PW, '-f', join(REPO, 'resources/ldap/helpdesk.ldif')]);
    expect(added.code, added.out).toBe(0);
    const { searchEntries } = await root.search('cn=Subschema', { scope: 'base', filter: '(objectClass=*)', attributes: ['attributeTypes', 'objectClasses'] });
    const types = [searchEntries[0]!['attributeTypes']].flat().map(String);
    for (const name of ['hdCitizenId', 'hdTaxCode', 'hdSocialInsuranceCode', 'hdRecoveryEmail', 'hdAccountType']) {
      expect(types.some((t) => t.includes(`NAME '${name}'`) && t.includes('1.3.6.1.4.1.32473.1.1.'))).toBe(true);
    }
    expect([searchEntries[0]!['objectClasses']].flat().map(String).some((t) => t.includes("NAME 'hdAccount'"))).toBe(true);
  });

  it('openldap-service-account.ldif loads with ldapmodify, before the stock rules', async () => {
    const modified = await run('ldapmodify', ['-x', '-H', url, '-D', 'cn=config', '-w', CONFIG_PW, '-f', join(REPO, 'resources/ldap/openldap-service-account.ldif')]);
    expect(modified.code, modified.out).toBe(0);
    const cfg = await bound('cn=config', CONFIG_PW);
    try {
      const { searchEntries } = await cfg.search('olcDatabase={1}mdb,cn=config', { scope: 'base', attributes: ['olcAccess', 'olcLimits'] });
      const access = [searchEntries[0]!['olcAccess']].flat().map(String);
      expect(access).toHaveLength(7);
      expect(access[0]).toMatch(/^\{0\}to dn.subtree="ou=people,dc=example,dc=gov,dc=vn" attrs=userPassword by dn.exact="cn=helpdesk-service/u);
      expect(access[4]).toMatch(/^\{4\}to attrs=userPassword\s+by self write/u); // the stock rule, moved down
      expect(String(searchEntries[0]!['olcLimits'])).toMatch(/size\.prtotal=unlimited/u);
    } finally {
      await cfg.unbind();
    }
  });

  it('accounts with the schema, a service account, a policy', async () => {
    const add = (dn: string, attrs: Record<string, string | string[]>) => root.add(dn, attrs);
    for (const ou of ['people', 'system', 'policies', 'groups']) await add(`ou=${ou},${BASE}`, { objectClass: ['organizationalUnit'], ou });
    await add(SERVICE_DN, { objectClass: ['applicationProcess', 'simpleSecurityObject'], cn: 'helpdesk-service', userPassword: SERVICE_PW });
    await add(POLICY_DN, {
      objectClass: ['device', 'pwdPolicy'], cn: 'default', pwdAttribute: 'userPassword', pwdLockout: 'TRUE', pwdMaxFailure: '3',
      pwdMinLength: '8', pwdInHistory: '3', pwdCheckQuality: '1', pwdMustChange: 'TRUE', pwdAllowUserChange: 'TRUE',
    });
    for (let i = 0; i < ACCOUNTS; i++) {
      await add(userDn(i), {
        objectClass: ['inetOrgPerson', 'hdAccount'],
        uid: `user${String(i).padStart(3, '0')}`, cn: `Nguyen Van ${i}`, sn: 'Nguyen',
        mail: `user${i}@example.gov.vn`, mobile: `09123450${String(i).padStart(2, '0')}`,
        hdCitizenId: `0790880${String(i).padStart(5, '0')}`, hdRecoveryEmail: `user${i}@gmail.com`, hdAccountType: 'individual',
        userPassword: USER_PW,
      });
    }
    // Outside ou=people: an account the grant does not cover.
    await add(`uid=outsider,ou=system,${BASE}`, { objectClass: ['inetOrgPerson'], uid: 'outsider', cn: 'Outsider', sn: 'O', mobile: '0987654321' });
  });

  it("the service account finds an account by the schema's attributes and reads its ppolicy state", async () => {
    const dir = new LdapDirectory(profile(), SERVICE_PW);
    try {
      const found = await dir.search([{ kind: 'citizenId', value: '079088000007' }], 10);
      expect(found.accounts.map((a) => a.dn)).toEqual([userDn(7)]);
      expect(found.accounts[0]).toMatchObject({ citizenId: '079088000007', backupEmails: ['user7@gmail.com'], accountType: 'individual', locked: false });
      expect(found.accounts[0]!.policy).toMatchObject({ maxFailures: 3, mustChangeEnforced: true });
      expect(found.accounts[0]!.stableId).toMatch(/^[0-9a-f-]{36}$/u);
    } finally {
      await dir.close();
    }
  });

  it('its paged searches pass the server size limit (size.prtotal); another reader is cut at the limit', async () => {
    const dir = new LdapDirectory(profile(), SERVICE_PW);
    try {
      let n = 0;
      expect(await dir.scanAccounts(() => n++, () => undefined, new AbortController().signal)).toBe(ACCOUNTS + 1);
      expect(n).toBe(ACCOUNTS + 1);
    } finally {
      await dir.close();
    }
    // The same paged search by an account without the limits line stops at the server's limit.
    const other = await bound(userDn(1), USER_PW);
    try {
      await expect(
        (async () => {
          let seen = 0;
          for await (const page of other.searchPaginated(BASE, { scope: 'sub', filter: '(objectClass=inetOrgPerson)', attributes: ['uid'], paged: { pageSize: 10 } })) seen += page.searchEntries.length;
          return seen;
        })(),
      ).rejects.toBeInstanceOf(SizeLimitExceededError);
    } finally {
      await other.unbind();
    }
  });

  it('unlocks a locked account, resets a password with must-change, changes the mapped contacts', async () => {
    for (let i = 0; i < 3; i++) expect(await bindResult(userDn(3), 'wrong-password')).toBe('InvalidCredentialsError');
    const dir = new LdapDirectory(profile(), SERVICE_PW);
    try {
      expect((await dir.getAccount(userDn(3))).locked).toBe(true);
      const unlocked = await dir.unlock(userDn(3));
      expect(unlocked.outcome).toBe('done');
      expect(unlocked.account?.locked).toBe(false);
      expect(await bindResult(userDn(3), USER_PW)).toBe('ok');

      const reset = await dir.resetPassword(userDn(4), 'Tam-Thoi-9x!Kp');
      expect(reset).toMatchObject({ outcome: 'done', account: { mustChangePassword: true } });
      expect(await bindResult(userDn(4), 'Tam-Thoi-9x!Kp')).toBe('ok');
      expect(await bindResult(userDn(4), USER_PW)).toBe('InvalidCredentialsError');

      const contacts = await dir.updateContacts(userDn(5), { mobile: '0977000111', backupEmail: 'moi@gmail.com' });
      expect(contacts.account).toMatchObject({ mobiles: ['0977000111'], backupEmails: ['moi@gmail.com'] });
    } finally {
      await dir.close();
    }
    // Stored hashed (ppolicy_hash_cleartext), as the root reads it.
    const { searchEntries } = await root.search(userDn(4), { scope: 'base', attributes: ['userPassword', 'pwdReset'] });
    expect(String(searchEntries[0]!['userPassword'])).toMatch(/^\{SSHA\}/u);
    expect(searchEntries[0]!['pwdReset']).toBe('TRUE');
  });

  it('is refused everything else: other attributes, entries outside ou=people, adding and deleting entries, reading password hashes', async () => {
    const svc = await bound(SERVICE_DN, SERVICE_PW);
    try {
      const refused = async (p: Promise<unknown>) => expect(p).rejects.toBeInstanceOf(InsufficientAccessError);
      await refused(svc.modify(userDn(6), [change('replace', 'mail', ['x@example.gov.vn'])]));
      await refused(svc.modify(userDn(6), [change('replace', 'hdCitizenId', ['079088999999'])]));
      await refused(svc.modify(userDn(6), [change('replace', 'cn', ['Ke Gia Mao'])]));
      await refused(svc.modify(`uid=outsider,ou=system,${BASE}`, [change('replace', 'mobile', ['0911111111'])]));
      await refused(svc.modify(`uid=outsider,ou=system,${BASE}`, [change('replace', 'userPassword', ['Outsider-Pw-1!'])]));
      await refused(svc.modify(SERVICE_DN, [change('replace', 'userPassword', ['Self-Service-1!'])]));
      await refused(svc.add(`uid=new,${PEOPLE}`, { objectClass: ['inetOrgPerson'], uid: 'new', cn: 'New', sn: 'N' }));
      await refused(svc.del(userDn(8)));
      await refused(svc.modify(`cn=default,ou=policies,${BASE}`, [change('replace', 'pwdMaxFailure', ['99'])]));
      const { searchEntries } = await svc.search(userDn(6), { scope: 'base', attributes: ['userPassword', 'pwdHistory', 'uid', 'pwdFailureTime'] });
      expect(searchEntries[0]!['uid']).toBe('user006');
      // No hash, old or new (the root reads both).
      expect([searchEntries[0]!['userPassword'] ?? []].flat()).toEqual([]);
      const reset = await svc.search(userDn(4), { scope: 'base', attributes: ['pwdHistory', 'userPassword', 'pwdReset'] });
      expect(reset.searchEntries[0]).toMatchObject({ pwdHistory: [], userPassword: [], pwdReset: 'TRUE' });
      expect([(await root.search(userDn(4), { scope: 'base', attributes: ['pwdHistory'] })).searchEntries[0]!['pwdHistory']].flat()).toHaveLength(1);
    } finally {
      await svc.unbind();
    }
    // Nothing of it happened.
    const { searchEntries } = await root.search(userDn(6), { scope: 'base', attributes: ['mail', 'hdCitizenId', 'cn', 'userPassword'] });
    expect(searchEntries[0]).toMatchObject({ mail: 'user6@example.gov.vn', hdCitizenId: '079088000006', cn: 'Nguyen Van 6' });
    expect(String(searchEntries[0]!['userPassword'])).toMatch(/^\{SSHA\}/u);
  });
});
