import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import {
  Attribute,
  Change,
  Client,
  InsufficientAccessError,
  InvalidCredentialsError,
  NoSuchObjectError,
  type ClientOptions,
} from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshaHash, startSlapd, type SlapdHandle } from '../helpers/slapd';

const BASE = 'dc=example,dc=gov,dc=vn';
const ALICE_DN = `uid=alice,ou=people,${BASE}`;
const ALICE_PASSWORD = 'Alice-Correct-Horse-1';
const BOB_DN = `uid=bob,ou=people,${BASE}`;
const BOB_PASSWORD = 'Bob-Battery-Staple-2';

// No base entry here: the harness creates it and ou=people / ou=policies / ou=system.
const LDIF = `
dn: ${ALICE_DN}
objectClass: inetOrgPerson
objectClass: hdAccount
uid: alice
cn: Alice Nguyen
sn: Nguyen
mail: alice@example.gov.vn
hdCitizenId: 001190000001
userPassword: ${sshaHash(ALICE_PASSWORD)}

dn: ${BOB_DN}
objectClass: inetOrgPerson
uid: bob
cn: Bob Tran
sn: Tran
userPassword: ${BOB_PASSWORD}
`;

function client(url: string, extra: Partial<ClientOptions> = {}): Client {
  return new Client({ url, timeout: 5000, connectTimeout: 3000, ...extra });
}

/** Runs fn on a fresh client and always unbinds. */
async function withClient<T>(url: string, fn: (c: Client) => Promise<T>, extra?: Partial<ClientOptions>): Promise<T> {
  const c = client(url, extra);
  try {
    return await fn(c);
  } finally {
    await c.unbind().catch(() => undefined);
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

describe('slapd harness (plain ldap://)', () => {
  let ldap: SlapdHandle;

  beforeAll(async () => {
    ldap = await startSlapd({ ldif: LDIF });
  });
  afterAll(async () => {
    await ldap?.stop();
  });

  it('starts; the service account binds and finds the people of the LDIF', async () => {
    expect(ldap.url).toMatch(/^ldap:\/\/127\.0\.0\.1:\d+$/);
    expect(ldap.baseDn).toBe(BASE);
    expect(ldap.serviceDn).toBe(`cn=helpdesk-service,ou=system,${BASE}`);
    expect(ldap.policyDn).toBe(`cn=default,ou=policies,${BASE}`);
    await withClient(ldap.url, async (c) => {
      await c.bind(ldap.serviceDn, ldap.servicePassword);
      const { searchEntries } = await c.search(ldap.baseDn, {
        scope: 'sub',
        filter: '(&(objectClass=inetOrgPerson)(uid=alice))',
        attributes: ['uid', 'cn', 'mail', 'hdCitizenId'],
      });
      expect(searchEntries).toHaveLength(1);
      expect(searchEntries[0]?.dn).toBe(ALICE_DN);
      expect(searchEntries[0]?.hdCitizenId).toBe('001190000001');

      const people = await c.search(`ou=people,${ldap.baseDn}`, { scope: 'one', filter: '(objectClass=inetOrgPerson)' });
      expect(people.searchEntries.map((e) => e.dn).sort()).toEqual([ALICE_DN, BOB_DN]);

      // The policy entry the harness added is there and is the lockout policy.
      const policy = await c.search(ldap.policyDn, { scope: 'base', attributes: ['pwdMaxFailure', 'pwdLockout'] });
      expect(policy.searchEntries[0]?.pwdMaxFailure).toBe('3');
      expect(policy.searchEntries[0]?.pwdLockout).toBe('TRUE');
    });
  });

  it('a signed-in user reads other people but not their passwords', async () => {
    await withClient(ldap.url, async (c) => {
      await c.bind(BOB_DN, BOB_PASSWORD);
      const { searchEntries } = await c.search(ALICE_DN, {
        scope: 'base',
        attributes: ['cn', 'userPassword', 'pwdAccountLockedTime', 'pwdFailureTime'],
      });
      expect(searchEntries[0]?.cn).toBe('Alice Nguyen');
      // ldapts reports a requested attribute that the server did not send as [].
      expect(searchEntries[0]?.userPassword).toEqual([]);
      expect(searchEntries[0]?.pwdAccountLockedTime).toEqual([]);
    });
  });

  it('an anonymous search of the tree returns nothing', async () => {
    await withClient(ldap.url, async (c) => {
      let entries: unknown[] = [];
      try {
        entries = (await c.search(ldap.baseDn, { scope: 'sub', filter: '(objectClass=*)' })).searchEntries;
      } catch (err) {
        // Refused is fine too: slapd 2.5 answers insufficientAccess here (anonymous has `auth`,
        // which includes `disclose`; without it, it would answer noSuchObject).
        expect([InsufficientAccessError, NoSuchObjectError].some((cls) => err instanceof cls)).toBe(true);
      }
      expect(entries).toEqual([]);
    });
  });

  it('three wrong binds lock alice (ppolicy): the right password then fails, and pwdAccountLockedTime is set', async () => {
    // The password is right to begin with.
    await withClient(ldap.url, (c) => c.bind(ALICE_DN, ALICE_PASSWORD));

    for (let i = 0; i < 3; i++) {
      await withClient(ldap.url, async (c) => {
        await expect(c.bind(ALICE_DN, `wrong-${i}`)).rejects.toBeInstanceOf(InvalidCredentialsError);
      });
    }
    await withClient(ldap.url, async (c) => {
      await expect(c.bind(ALICE_DN, ALICE_PASSWORD)).rejects.toBeInstanceOf(InvalidCredentialsError);
    });

    await withClient(ldap.url, async (c) => {
      await c.bind(ldap.serviceDn, ldap.servicePassword);
      const { searchEntries } = await c.search(ALICE_DN, {
        scope: 'base',
        attributes: ['uid', 'pwdAccountLockedTime', 'pwdFailureTime'],
      });
      const alice = searchEntries[0];
      expect(alice?.uid).toBe('alice');
      expect(alice?.pwdAccountLockedTime).toMatch(/^\d{14}(\.\d+)?Z$/);
      expect([alice?.pwdFailureTime].flat()).toHaveLength(3);
    });

    // Bob is not affected, and cannot see alice's ppolicy state.
    await withClient(ldap.url, async (c) => {
      await c.bind(BOB_DN, BOB_PASSWORD);
      const { searchEntries } = await c.search(ALICE_DN, {
        scope: 'base',
        attributes: ['uid', 'pwdAccountLockedTime', 'pwdFailureTime'],
      });
      expect(searchEntries[0]?.uid).toBe('alice');
      expect(searchEntries[0]?.pwdAccountLockedTime).toEqual([]);
      expect(searchEntries[0]?.pwdFailureTime).toEqual([]);
    });

    // The service account may unlock her by deleting pwdAccountLockedTime.
    await withClient(ldap.url, async (c) => {
      await c.bind(ldap.serviceDn, ldap.servicePassword);
      await c.modify(
        ALICE_DN,
        new Change({ operation: 'delete', modification: new Attribute({ type: 'pwdAccountLockedTime' }) }),
      );
    });
    await withClient(ldap.url, (c) => c.bind(ALICE_DN, ALICE_PASSWORD));
  });
});

describe('slapd harness (TLS)', () => {
  let ldap: SlapdHandle;

  beforeAll(async () => {
    ldap = await startSlapd({ ldif: LDIF, tls: true });
  });
  afterAll(async () => {
    await ldap?.stop();
  });

  it('exposes an ldaps URL and the CA', () => {
    expect(ldap.ldapsUrl).toMatch(/^ldaps:\/\/127\.0\.0\.1:\d+$/);
    expect(ldap.caPem).toContain('-----BEGIN CERTIFICATE-----');
  });

  it('ldaps:// with the CA binds', async () => {
    await withClient(
      ldap.ldapsUrl!,
      async (c) => {
        await c.bind(ldap.serviceDn, ldap.servicePassword);
        const { searchEntries } = await c.search(ALICE_DN, { scope: 'base', attributes: ['uid'] });
        expect(searchEntries[0]?.uid).toBe('alice');
      },
      { tlsOptions: { ca: [ldap.caPem!] } },
    );
  });

  it('StartTLS on ldap:// with the CA works', async () => {
    await withClient(ldap.url, async (c) => {
      await c.startTLS({ ca: [ldap.caPem!] });
      await c.bind(ldap.serviceDn, ldap.servicePassword);
      const { searchEntries } = await c.search(BOB_DN, { scope: 'base', attributes: ['uid'] });
      expect(searchEntries[0]?.uid).toBe('bob');
    });
  });

  it('ldaps:// without the CA fails with a certificate error', async () => {
    const error = await withClient(ldap.ldapsUrl!, (c) => c.bind(ldap.serviceDn, ldap.servicePassword)).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(Error);
    const { code, message } = error as NodeJS.ErrnoException;
    expect(`${code ?? ''} ${message}`).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify|self[- ]signed|certificate/i);
  });

  it('StartTLS without the CA fails with a certificate error', async () => {
    const error = await withClient(ldap.url, (c) => c.startTLS()).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(Error);
    const { code, message } = error as NodeJS.ErrnoException;
    expect(`${code ?? ''} ${message}`).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify|self[- ]signed|certificate/i);
  });
});

describe('slapd harness stop()', () => {
  it('removes the dir and frees the ports', async () => {
    const ldap = await startSlapd({ tls: true });
    const ports = [portOf(ldap.url), portOf(ldap.ldapsUrl!)];
    await withClient(ldap.url, (c) => c.bind(ldap.serviceDn, ldap.servicePassword));
    expect(existsSync(ldap.dir)).toBe(true);
    expect(await portIsFree(ports[0]!)).toBe(false);

    await ldap.stop();
    expect(existsSync(ldap.dir)).toBe(false);
    for (const port of ports) expect(await portIsFree(port)).toBe(true);
    await ldap.stop(); // idempotent
  });
});
