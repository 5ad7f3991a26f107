import { createServer, type Server, type Socket, connect } from 'node:net';
import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LdapDirectory } from '../../src-main/adapters/ldap/ldap-directory';
import { testDirectoryConnection } from '../../src-main/adapters/ldap/connection-test';
import { directoryDefaults, type DirectorySettings } from '../../src-main/common/settings';
import { toAccountDetail } from '../../src-main/domain/account-view';
import { HelpdeskError } from '../../src-main/domain/errors';
import { parseSearchQuery } from '../../src-main/domain/search-query';
import { generateDirectoryLdif, TRAINING_OPERATOR_PASSWORD } from '../../scripts/training-data';
import { freePort } from '../helpers/free-port';
import { type SlapdHandle, startSlapd } from '../helpers/slapd';

const BASE = 'dc=daotao,dc=gov,dc=vn';
let slapd: SlapdHandle;
let dir: LdapDirectory;

function profile(over: Partial<DirectorySettings> = {}): DirectorySettings {
  return {
    ...directoryDefaults('openldap'),
    url: slapd.url,
    baseDn: BASE,
    serviceBindDn: slapd.serviceDn,
    passwordPolicyDn: slapd.policyDn,
    timeoutMs: 5000,
    connectTimeoutMs: 2000,
    ...over,
  };
}

async function find(query: string, kind?: Parameters<typeof parseSearchQuery>[1]) {
  const r = await dir.search(parseSearchQuery(query, kind), 50);
  return r.accounts.map((a) => a.username).sort();
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (e) {
    return e instanceof HelpdeskError ? e.code : `not a HelpdeskError: ${String(e)}`;
  }
}

beforeAll(async () => {
  slapd = await startSlapd({ baseDn: BASE, ldif: generateDirectoryLdif({ baseDn: BASE }), tls: true });
  dir = new LdapDirectory(profile(), slapd.servicePassword);
});

afterAll(async () => {
  await dir?.close();
  await slapd?.stop();
});

describe('LDAP directory against a real slapd (ppolicy)', () => {
  it('finds an account by each identifier', async () => {
    expect(await find('annv')).toEqual(['annv']);
    expect(await find('ANNV@stttt.daotao.gov.vn')).toEqual(['annv']);
    expect(await find('an.nguyen.hcm@gmail.com')).toEqual(['annv']); // backup e-mail
    expect(await find('079088001234')).toEqual(['annv']); // CCCD
    expect(await find('024681357')).toEqual(['cuonglh']); // CMND
    expect(await find('7912345678', 'socialInsurance')).toEqual(['annv']); // BHXH
    expect(await find('0314409058', 'taxCode')).toEqual(['cty.minhphat']);
  });

  it('finds a mobile whatever form the caller or the directory uses', async () => {
    for (const q of ['0912345698', '+84 912 345 698', '84912345698', '912345698']) expect(await find(q, 'phone')).toEqual(['annv']);
    // binhtt is stored as +84987654321, dungpq as "0903 111 222"
    expect(await find('0987654321', 'phone')).toEqual(['binhtt']);
    expect(await find('0903111222', 'phone')).toEqual(['dungpq']);
  });

  it('finds a name with diacritics when typed without them', async () => {
    const found = await dir.search(parseSearchQuery('nguyen van an'), 50);
    const names = found.accounts.map((a) => a.displayName);
    expect(names).toContain('Nguyễn Văn An');
    expect(names).toContain('Nguyễn Văn Ân');
    for (const n of names) expect(n.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()).toMatch(/nguyen van an/u);
    expect(found.total).toBe(found.accounts.length);
  });

  it('injection strings find nothing they should not', async () => {
    // The domain refuses them first; here the adapter is handed them directly, as values of every criterion.
    for (const q of ['*)(uid=*', 'admin)(|(uid=*', '*', '\\2a', 'annv)(objectClass=*', 'annv\u0000']) {
      const r = await dir.search(
        [
          { kind: 'username', value: q },
          { kind: 'email', value: q },
          { kind: 'citizenId', value: q },
          { kind: 'taxCode', value: q },
          { kind: 'socialInsurance', value: q },
          { kind: 'phone', national: q },
        ],
        50,
      );
      expect([q, r.accounts.map((a) => a.username)]).toEqual([q, []]);
    }
    // Read as an exact username (filter syntax is part of the value): finds nothing, and is no error.
    expect(await find('*)(uid=*')).toEqual([]);
    expect(await codeOf(find('annv\u0000'))).toBe('VALIDATION_FAILED');
  });

  it('caps the list and counts the rest', async () => {
    const r = await dir.search(parseSearchQuery('nguyen'), 5);
    expect(r.accounts).toHaveLength(5);
    expect(r.total).toBeGreaterThan(5);
  });

  it('shows an account locked by real failed binds as locked', async () => {
    const target = (await dir.search(parseSearchQuery('annv2', 'username'), 1)).accounts[0]!;
    expect(toAccountDetail(target, new Date(), 'openldap').state.locked).toBe(false);
    for (let i = 0; i < 3; i++) {
      const c = new Client({ url: slapd.url, timeout: 5000, connectTimeout: 2000 });
      await expect(c.bind(target.dn, 'wrong-password')).rejects.toThrow();
      await c.unbind();
    }
    const after = toAccountDetail(await dir.getAccount(target.dn), new Date(), 'openldap');
    expect(after.state).toMatchObject({ locked: true, failedLogins: 3, lockedUntil: null });
    expect(Date.now() - new Date(after.state.lockedAt!).getTime()).toBeLessThan(60_000);
  });

  it('reads must-change, disabled, expired, missing contacts and masking', async () => {
    const now = new Date();
    const get = async (u: string) => toAccountDetail((await dir.search(parseSearchQuery(u, 'username'), 1)).accounts[0]!, now, 'openldap');
    const binh = await get('binhtt');
    expect(binh.state.mustChangePassword).toBe(true);
    expect(binh.backupEmail.status).toBe('missing');
    const cuong = await get('cuonglh');
    expect(cuong.state.passwordExpired).toBe(true);
    expect(cuong.mobile).toEqual({ status: 'missing', masked: null });
    const dung = await get('dungpq');
    expect(dung.state).toMatchObject({ disabled: true, locked: false });
    const an = await get('annv');
    expect(an.state.locked).toBe(true);
    expect(an.mobile.masked).toBe('09*****98');
    expect(an.policy).toEqual({ maxAgeDays: 180, expireWarningDays: 14, maxFailures: 3 });
  });

  it('refuses to read an entry outside the base DN', async () => {
    expect(await codeOf(dir.getAccount('cn=admin,dc=other'))).toBe('ACCOUNT_NOT_FOUND');
    expect(await codeOf(dir.getAccount(`uid=nobody,ou=people,${BASE}`))).toBe('ACCOUNT_NOT_FOUND');
    expect(await codeOf(dir.getAccount(`ou=xdc=daotao,dc=gov,dc=vn`))).toBe('ACCOUNT_NOT_FOUND');
  });

  it('checks an operator password with a bind of their own', async () => {
    expect(await dir.authenticate('tongdai01', TRAINING_OPERATOR_PASSWORD)).toMatchObject({ username: 'tongdai01', displayName: 'Đặng Thu Hà' });
    expect(await codeOf(dir.authenticate('tongdai02', 'wrong'))).toBe('INVALID_CREDENTIALS');
    expect(await codeOf(dir.authenticate('nobody', 'wrong'))).toBe('INVALID_CREDENTIALS');
    expect(await codeOf(dir.authenticate('*', TRAINING_OPERATOR_PASSWORD))).toBe('INVALID_CREDENTIALS');
  });

  it('works over LDAPS and StartTLS with the agency CA', async () => {
    const ldaps = new LdapDirectory(profile({ url: slapd.ldapsUrl!, caCertificate: slapd.caPem! }), slapd.servicePassword);
    const starttls = new LdapDirectory(profile({ startTls: true, caCertificate: slapd.caPem! }), slapd.servicePassword);
    try {
      expect((await ldaps.search(parseSearchQuery('annv', 'username'), 5)).accounts).toHaveLength(1);
      expect((await starttls.search(parseSearchQuery('annv', 'username'), 5)).accounts).toHaveLength(1);
    } finally {
      await ldaps.close();
      await starttls.close();
    }
  });

  it('names the cause when the connection fails', async () => {
    const closedPort = await freePort();
    const cases: [Partial<DirectorySettings>, string, string][] = [
      [{ url: `ldap://127.0.0.1:${closedPort}` }, slapd.servicePassword, 'DIRECTORY_UNREACHABLE'],
      [{}, 'wrong-service-password', 'DIRECTORY_BIND'],
      [{ url: slapd.ldapsUrl! }, slapd.servicePassword, 'DIRECTORY_TLS'], // no CA given: certificate refused
      [{ startTls: true }, slapd.servicePassword, 'DIRECTORY_TLS'],
      // An upper-case scheme is still StartTLS (the upgrade is tried, and fails without the CA), never a bind in clear.
      [{ startTls: true, url: slapd.url.replace(/^ldap:/u, 'LDAP:') }, slapd.servicePassword, 'DIRECTORY_TLS'],
      [{ url: slapd.ldapsUrl!.replace(/^ldaps:/u, 'LDAPS:') }, slapd.servicePassword, 'DIRECTORY_TLS'],
      // Plain LDAP off loopback must be allowed explicitly (otherwise INSECURE_CONNECTION before any lookup).
      [{ url: 'ldap://no-such-host.invalid:389', allowPlainLdap: true }, slapd.servicePassword, 'DIRECTORY_DNS'],
      [{ url: 'ldap://no-such-host.invalid:389' }, slapd.servicePassword, 'INSECURE_CONNECTION'],
      [{ baseDn: 'dc=nowhere,dc=vn' }, slapd.servicePassword, 'DIRECTORY_BASE_DN'],
    ];
    for (const [over, pw, code] of cases) {
      const d = new LdapDirectory(profile(over), pw);
      expect([over, await codeOf(d.search(parseSearchQuery('annv', 'username'), 5))]).toEqual([over, code]);
      await d.close();
    }
  });

  it('times out on a server that accepts and never answers', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const d = new LdapDirectory(profile({ url: `ldap://127.0.0.1:${port}`, timeoutMs: 1000 }), slapd.servicePassword);
    expect(await codeOf(d.search(parseSearchQuery('annv', 'username'), 5))).toBe('DIRECTORY_TIMEOUT');
    await d.close();
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  });

  it('reconnects when the connection drops', async () => {
    // A TCP relay in front of slapd lets the test cut the live connection.
    const live: Socket[] = [];
    const target = new URL(slapd.url);
    const relay: Server = createServer((client) => {
      const upstream = connect(Number(target.port), '127.0.0.1');
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      live.push(client, upstream);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const port = (relay.address() as { port: number }).port;
    const d = new LdapDirectory(profile({ url: `ldap://127.0.0.1:${port}` }), slapd.servicePassword);
    try {
      const an = (await d.search(parseSearchQuery('annv', 'username'), 5)).accounts[0]!;
      for (const s of live.splice(0)) s.destroy();
      await new Promise((r) => setTimeout(r, 50));
      expect((await d.getAccount(an.dn)).username).toBe('annv'); // a read reconnects too
      for (const s of live.splice(0)) s.destroy();
      await new Promise((r) => setTimeout(r, 50));
      expect((await d.search(parseSearchQuery('binhtt', 'username'), 5)).accounts).toHaveLength(1);
    } finally {
      await d.close();
      for (const s of live) s.destroy();
      await new Promise((r) => relay.close(r));
    }
  });
});

describe('connection test ("Kiểm tra kết nối")', () => {
  const steps = (r: { steps: { step: string; ok: boolean; code?: string }[] }) => r.steps.map((s) => `${s.step}:${s.ok ? 'ok' : s.code}`);

  it('walks every step on a good profile', async () => {
    expect(steps(await testDirectoryConnection(profile(), slapd.servicePassword))).toEqual(['dns:ok', 'tcp:ok', 'bind:ok', 'baseDn:ok']);
    const tls = await testDirectoryConnection(profile({ url: slapd.ldapsUrl!, caCertificate: slapd.caPem! }), slapd.servicePassword);
    expect(steps(tls)).toEqual(['dns:ok', 'tcp:ok', 'tls:ok', 'bind:ok', 'baseDn:ok']);
    expect(tls.ok).toBe(true);
  });

  it('stops at the step that fails and names it', async () => {
    const closed = await freePort();
    expect(steps(await testDirectoryConnection(profile({ url: `ldap://127.0.0.1:${closed}` }), 'x'))).toEqual([
      'dns:ok',
      `tcp:DIRECTORY_UNREACHABLE`,
    ]);
    expect(steps(await testDirectoryConnection(profile({ url: 'ldap://no-such-host.invalid' }), 'x'))).toEqual(['dns:DIRECTORY_DNS']);
    expect(steps(await testDirectoryConnection(profile({ url: slapd.ldapsUrl! }), slapd.servicePassword)).at(-1)).toBe('tls:DIRECTORY_TLS');
    expect(steps(await testDirectoryConnection(profile({ startTls: true }), slapd.servicePassword)).at(-1)).toBe('tls:DIRECTORY_TLS');
    expect(steps(await testDirectoryConnection(profile(), 'wrong')).at(-1)).toBe('bind:DIRECTORY_BIND');
    expect(steps(await testDirectoryConnection(profile(), null)).at(-1)).toBe('bind:SERVICE_PASSWORD_MISSING');
    expect(steps(await testDirectoryConnection(profile({ baseDn: 'dc=nowhere,dc=vn' }), slapd.servicePassword)).at(-1)).toBe(
      'baseDn:DIRECTORY_BASE_DN',
    );
  });
});
