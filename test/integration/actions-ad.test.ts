import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LdapDirectory } from '../../src-main/adapters/ldap/ldap-directory';
import { MemorySecretStore } from '../../src-main/adapters/secrets/keytar-secret-store';
import { createRuntime, type Runtime } from '../../src-main/app/runtime';
import { directoryDefaults, directorySettingsSchema, type DirectorySettings, type Settings } from '../../src-main/common/settings';
import { HelpdeskError } from '../../src-main/domain/errors';
import { type SambaAdHandle, startSambaAd } from '../helpers/samba-ad';
import { type HttpSmsSink, startHttpSmsSink } from '../helpers/sms-sinks';

// Active Directory (a real Samba AD DC on loopback): lockout from real failed binds, unlock and reset
// through the contract over LDAPS; must-change answers `data 773`; a reset never goes over plain LDAP.
const ESMS = { apiKey: 'k-ad-000000', secretKey: 's-ad-000000' };
let ad: SambaAdHandle;
let sms: HttpSmsSink;
let runtime: Runtime;
let dataDir: string;
let profile: DirectorySettings;

async function bindAs(dn: string, password: string): Promise<string> {
  const c = new Client({ url: ad.ldapsUrl, timeout: 5000, connectTimeout: 2000, tlsOptions: { ca: ad.caPem } });
  try {
    await c.bind(dn, password);
    return 'ok';
  } catch (e) {
    return /\bdata ([0-9a-f]+)\b/iu.exec((e as Error).message)?.[1] ?? (e as Error).constructor.name;
  } finally {
    await c.unbind().catch(() => undefined);
  }
}

async function verifiedCase(user: string): Promise<string> {
  const found = await runtime.api.directory.search({ query: user, kind: 'username' });
  if (!found.ok) throw new Error(found.error.code);
  const opened = await runtime.api.cases.open({ accountId: found.value.items[0]!.id, reason: `AD ${user}` });
  if (!opened.ok) throw new Error(opened.error.code);
  const sent = await runtime.api.cases.sendCode({ caseId: opened.value.id, channel: 'sms' });
  if (!sent.ok) throw new Error(sent.error.code);
  const code = /\b(\d{6})\b/u.exec((sms.requests.at(-1)!.body as { Content: string }).Content)![1]!;
  expect((await runtime.api.cases.verifyCode({ caseId: opened.value.id, code })).ok).toBe(true);
  return opened.value.id;
}

beforeAll(async () => {
  [ad, sms] = await Promise.all([
    startSambaAd({
      users: [
        { sAMAccountName: 'tongdai', displayName: 'Đặng Thu Hà', password: 'TongDai@2026x' },
        { sAMAccountName: 'lannt', displayName: 'Nguyễn Thị Lan', mobile: '0912 000 333', otherMailbox: 'lan@gmail.com', password: 'CuLan@2025x' },
        { sAMAccountName: 'hungtv', displayName: 'Trần Văn Hùng', mobile: '+84912000444', password: 'CuHung@2025x' },
        { sAMAccountName: 'giamsat', displayName: 'Võ Thanh Tâm', password: 'GiamSat@2026x' },
        { sAMAccountName: 'minhlq', displayName: 'Lê Quang Minh', mobile: '0912000666', password: 'CuMinh@2025x' },
        { sAMAccountName: 'thuvt', displayName: 'Võ Thị Thu', mobile: '0912000777', password: 'CuThu@2025x' },
        { sAMAccountName: 'quynhdt', displayName: 'Đỗ Thị Quỳnh', mobile: '0912000888', password: 'CuQuynh@2025x' },
      ],
    }),
    startHttpSmsSink({ esms: ESMS }),
  ]);
  dataDir = mkdtempSync(join(tmpdir(), 'helpdesk-ad-'));
  const secrets = new MemorySecretStore();
  // Role groups as AD admins build them: the operators' group holds a team group (nested), which holds the operator.
  const admin = new Client({ url: ad.ldapsUrl, timeout: 10_000, tlsOptions: { ca: ad.caPem } });
  await admin.bind(ad.adminDn, ad.adminPassword);
  const groupDn = (cn: string) => `CN=${cn},CN=Users,${ad.baseDn}`;
  try {
    await admin.add(groupDn('Hotline Team'), { objectClass: ['top', 'group'], sAMAccountName: 'hotline-team', member: [ad.userDn('tongdai')] });
    await admin.add(groupDn('Helpdesk Operators'), { objectClass: ['top', 'group'], sAMAccountName: 'helpdesk-operators', member: [groupDn('Hotline Team')] });
    await admin.add(groupDn('Helpdesk Supervisors'), { objectClass: ['top', 'group'], sAMAccountName: 'helpdesk-supervisors', member: [ad.userDn('giamsat')] });
  } finally {
    await admin.unbind().catch(() => undefined);
  }
  profile = {
    ...directoryDefaults('active-directory'),
    url: ad.ldapsUrl,
    caCertificate: ad.caPem,
    baseDn: ad.baseDn,
    serviceBindDn: ad.serviceDn,
    roleGroups: { operator: [groupDn('Helpdesk Operators')], supervisor: [groupDn('Helpdesk Supervisors')], auditor: [] },
  };
  const settings: Settings = { version: 1, locale: 'vi', mode: 'directory', directory: profile, sms: { provider: 'esms', url: sms.esmsUrl, brandname: 'AD', smsType: '2', timeoutMs: 3000 } };
  runtime = await createRuntime({ dataDir, resourcesDir: join(process.cwd(), 'resources'), secrets, version: 'test' });
  expect((await runtime.api.settings.save({ settings, servicePassword: ad.servicePassword, smsSecret: JSON.stringify(ESMS) })).ok).toBe(true);
  expect((await runtime.api.session.signIn({ username: 'tongdai', password: 'TongDai@2026x' })).ok).toBe(true);
}, 120_000);

afterAll(async () => {
  await runtime?.close();
  await Promise.all([ad?.stop(), sms?.close()]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('account actions on Active Directory (Samba AD DC)', () => {
  it('a lockout from real failed binds shows as locked; unlock through the app; the old password works', async () => {
    const dn = ad.userDn('lannt');
    for (let i = 0; i < 3; i++) await bindAs(dn, 'Wrong@Pass1');
    expect(await bindAs(dn, 'CuLan@2025x')).toBe('775');
    const found = await runtime.api.directory.search({ query: 'nguyen thi lan' });
    expect(found.ok && found.value.items[0]).toMatchObject({ username: 'lannt', state: { locked: true }, mobile: { masked: '09*****33' } });
    const caseId = await verifiedCase('lannt');
    expect(await runtime.api.actions.unlock({ caseId })).toMatchObject({ ok: true, value: { outcome: 'done', account: { state: { locked: false } } } });
    expect(await bindAs(dn, 'CuLan@2025x')).toBe('ok');
  });

  it('reset over LDAPS: the temporary password answers data 773 (must change), the old one 52e', async () => {
    const caseId = await verifiedCase('hungtv');
    const r = await runtime.api.actions.resetPassword({ caseId });
    expect(r).toMatchObject({ ok: true, value: { outcome: 'done', delivery: { status: 'sent', destination: '09*****44' }, account: { state: { mustChangePassword: true } } } });
    const temp = /la (\S+) \./u.exec((sms.requests.at(-1)!.body as { Content: string }).Content)![1]!;
    expect(await bindAs(ad.userDn('hungtv'), temp)).toBe('773');
    expect(await bindAs(ad.userDn('hungtv'), 'CuHung@2025x')).toBe('52e');
  });

  it('over plain ldap:// a reset is refused before any write', async () => {
    const plain = new LdapDirectory({ ...profile, url: ad.ldapUrl, caCertificate: '' }, ad.servicePassword);
    try {
      const err = await plain.resetPassword(ad.userDn('lannt'), 'Tam@Thoi2026x').catch((e: HelpdeskError) => e);
      expect(err).toBeInstanceOf(HelpdeskError);
      expect((err as HelpdeskError).code).toBe('INSECURE_CONNECTION');
    } finally {
      await plain.close();
    }
    expect(await bindAs(ad.userDn('lannt'), 'CuLan@2025x')).toBe('ok');
  });

  it('a reset the domain policy refuses (complexity) is named and changes nothing', async () => {
    const dir = new LdapDirectory(profile, ad.servicePassword);
    try {
      const err = await dir.resetPassword(ad.userDn('lannt'), 'short').catch((e: HelpdeskError) => e);
      expect((err as HelpdeskError).toApiError()).toMatchObject({ code: 'PASSWORD_REJECTED', detail: '0000052D' });
    } finally {
      await dir.close();
    }
    expect(await bindAs(ad.userDn('lannt'), 'CuLan@2025x')).toBe('ok');
  });
});

describe('roles and supervisor actions on Active Directory', () => {
  it('roles follow nested groups (LDAP_MATCHING_RULE_IN_CHAIN); a user in no role group gets NO_ROLE', async () => {
    await runtime.api.session.signOut({});
    try {
      const op = await runtime.api.session.signIn({ username: 'tongdai', password: 'TongDai@2026x' });
      expect(op.ok && op.value.operator?.roles).toEqual(['operator']);
      await runtime.api.session.signOut({});
      const sup = await runtime.api.session.signIn({ username: 'giamsat', password: 'GiamSat@2026x' });
      expect(sup.ok && sup.value.operator?.roles).toEqual(['supervisor']);
      await runtime.api.session.signOut({});
      expect(await runtime.api.session.signIn({ username: 'lannt', password: 'CuLan@2025x' })).toEqual({ ok: false, error: { code: 'NO_ROLE' } });
    } finally {
      await runtime.api.session.signOut({});
      expect((await runtime.api.session.signIn({ username: 'tongdai', password: 'TongDai@2026x' })).ok).toBe(true);
    }
  });

  it('reads objectGUID as the stable id that keys the limits', async () => {
    const dir = new LdapDirectory(profile, ad.servicePassword);
    try {
      expect((await dir.getAccount(ad.userDn('minhlq'))).stableId).toMatch(/^[0-9a-f]{32}$/u);
    } finally {
      await dir.close();
    }
  });

  it('reset and unlock in one step over LDAPS: lockoutTime cleared, the temporary password answers 773 (must change), not 775', async () => {
    const dn = ad.userDn('minhlq');
    for (let i = 0; i < 3; i++) await bindAs(dn, 'Wrong@Pass1');
    expect(await bindAs(dn, 'CuMinh@2025x')).toBe('775');
    await runtime.api.session.signOut({});
    expect((await runtime.api.session.signIn({ username: 'giamsat', password: 'GiamSat@2026x' })).ok).toBe(true);
    try {
      const caseId = await verifiedCase('minhlq');
      const r = await runtime.api.actions.resetAndUnlock({ caseId });
      expect(r).toMatchObject({ ok: true, value: { action: 'reset-unlock', outcome: 'done', delivery: { status: 'sent' }, account: { state: { locked: false, mustChangePassword: true } } } });
    } finally {
      await runtime.api.session.signOut({});
      expect((await runtime.api.session.signIn({ username: 'tongdai', password: 'TongDai@2026x' })).ok).toBe(true);
    }
    const temp = /la (\S+) \./u.exec((sms.requests.at(-1)!.body as { Content: string }).Content)![1]!;
    expect(await bindAs(dn, temp)).toBe('773');
  });
});

describe('what Active Directory never gets, and what a reset does not end', () => {
  async function adminModify(dn: string, type: string, values: string[]): Promise<void> {
    const { Attribute, Change } = await import('ldapts');
    const admin = new Client({ url: ad.ldapsUrl, timeout: 10_000, tlsOptions: { ca: ad.caPem } });
    await admin.bind(ad.adminDn, ad.adminPassword);
    try {
      await admin.modify(dn, [new Change({ operation: 'replace', modification: new Attribute({ type, values }) })]);
    } finally {
      await admin.unbind().catch(() => undefined);
    }
  }
  async function read(dn: string, attributes: string[]) {
    const admin = new Client({ url: ad.ldapsUrl, timeout: 10_000, tlsOptions: { ca: ad.caPem } });
    await admin.bind(ad.adminDn, ad.adminPassword);
    try {
      return (await admin.search(dn, { scope: 'base', attributes })).searchEntries[0]!;
    } finally {
      await admin.unbind().catch(() => undefined);
    }
  }

  it('plain ldap:// to AD is refused on loopback too: schema, every bind (no password on the wire), and a save', async () => {
    // A loopback hop in front of Samba's port 389 that records what crosses it in clear.
    let seen = Buffer.alloc(0);
    const sockets: Socket[] = [];
    const hop = createServer((client) => {
      const upstream = connect(Number(new URL(ad.ldapUrl).port || 389), '127.0.0.1');
      client.on('data', (chunk: Buffer) => {
        seen = Buffer.concat([seen, chunk]);
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => client.writable && client.write(chunk));
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      sockets.push(client, upstream);
    });
    await new Promise<void>((r) => hop.listen(0, '127.0.0.1', r));
    const plain: DirectorySettings = { ...profile, url: `ldap://127.0.0.1:${(hop.address() as { port: number }).port}`, caCertificate: '' };
    try {
      expect(directorySettingsSchema.safeParse(plain).error?.issues.map((i) => i.message)).toEqual(['insecure_transport']);
      expect(directorySettingsSchema.safeParse({ ...plain, allowPlainLdap: true }).success).toBe(false);
      const dir = new LdapDirectory(plain, ad.servicePassword);
      try {
        await expect(dir.authenticate('tongdai', 'TongDai@2026x')).rejects.toMatchObject({ code: 'INSECURE_CONNECTION' });
        await expect(dir.getAccount(ad.userDn('lannt'))).rejects.toMatchObject({ code: 'INSECURE_CONNECTION' });
      } finally {
        await dir.close();
      }
      // A supervisor's save of that profile (past the contract's schema) stops at its connection test.
      await runtime.api.session.signOut({});
      expect((await runtime.api.session.signIn({ username: 'giamsat', password: 'GiamSat@2026x' })).ok).toBe(true);
      const view = await runtime.api.settings.get({});
      const current = view.ok ? view.value.settings : null;
      const r = await runtime.api.settings.save({ settings: { ...current!, directory: plain }, servicePassword: ad.servicePassword });
      expect(r).toMatchObject({ ok: false, error: { code: 'INSECURE_CONNECTION', reason: 'connection_test' } });
      expect(await runtime.api.session.current({})).toMatchObject({ ok: true, value: { mode: 'directory', operator: { username: 'giamsat' } } });
      for (const secret of [ad.servicePassword, 'TongDai@2026x']) expect(seen.includes(Buffer.from(secret))).toBe(false);
    } finally {
      for (const so of sockets) so.destroy();
      await new Promise((r) => hop.close(r));
      await runtime.api.session.signOut({});
      expect((await runtime.api.session.signIn({ username: 'tongdai', password: 'TongDai@2026x' })).ok).toBe(true);
    }
  });

  it("an operator's reset of a disabled account is refused (the domain's administrative lock); nothing changes", async () => {
    const dn = ad.userDn('thuvt');
    const caseId = await verifiedCase('thuvt');
    await adminModify(dn, 'userAccountControl', ['514']); // disabled after the call began
    const before = await read(dn, ['userAccountControl', 'pwdLastSet']);
    expect(await runtime.api.actions.resetPassword({ caseId })).toEqual({ ok: false, error: { code: 'ACTION_NOT_PERMITTED', reason: 'administrative_lock' } });
    expect(await read(dn, ['userAccountControl', 'pwdLastSet'])).toEqual(before);
  });

  it('a reset does not end an AD lockout: the screen says still locked, and so does the domain (775)', async () => {
    const dn = ad.userDn('quynhdt');
    for (let i = 0; i < 3; i++) await bindAs(dn, 'Wrong@Pass1');
    expect(await bindAs(dn, 'CuQuynh@2025x')).toBe('775');
    const caseId = await verifiedCase('quynhdt');
    const r = await runtime.api.actions.resetPassword({ caseId });
    expect(r).toMatchObject({ ok: true, value: { action: 'reset', outcome: 'done', account: { state: { locked: true, mustChangePassword: true } } } });
    expect(r.ok && r.value.lockoutEnded).toBeUndefined();
    const temp = /la (\S+) \./u.exec((sms.requests.at(-1)!.body as { Content: string }).Content)![1]!;
    expect(await bindAs(dn, temp)).toBe('775');
  });
});
