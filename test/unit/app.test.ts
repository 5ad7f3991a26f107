import { mailSecretKey, servicePasswordKey, smsSecretKey } from '../../src-main/app/secret-keys';
import { noExports, recordingAudit } from '../helpers/fake-audit';
import { describe, expect, it, vi } from 'vitest';
import { MemorySecretStore } from '../../src-main/adapters/secrets/keytar-secret-store';
import { createHelpdesk, type HelpdeskDeps } from '../../src-main/app/helpdesk';
import type { HelpdeskApi } from '../../src-main/common/api';
import { API_MANIFEST } from '../../src-main/common/manifest';
import type { Role } from '../../src-main/common/roles';
import { DEFAULT_SETTINGS, directoryDefaults, type Settings } from '../../src-main/common/settings';
import { HelpdeskError } from '../../src-main/domain/errors';
import type { AuditRecord, Directory } from '../../src-main/domain/ports';

/** The fake directory's role groups: giamsat* supervise, kiemtra* audit, khach* have no role, the rest operate. */
function rolesOf(u: string): Role[] {
  if (u.startsWith('giamsat')) return ['supervisor'];
  if (u.startsWith('kiemtra')) return ['auditor'];
  if (u.startsWith('khach')) return [];
  return ['operator'];
}

// Unit tests of the app module alone: its ports are fakes here (the real ones are proven in integration/).
function setup(initial: Settings = DEFAULT_SETTINGS) {
  const audit: AuditRecord[] = [];
  /** The rows of each mode's own audit, as the runtime keeps them apart (also all in `audit`). */
  const byMode: Record<'training' | 'directory', AuditRecord[]> = { training: [], directory: [] };
  const directory: Directory = {
    authenticate: vi.fn(async (u: string, p: string) => {
      if (p !== 'right') throw new HelpdeskError('INVALID_CREDENTIALS');
      return { username: u, displayName: 'Đặng Thu Hà', dn: `uid=${u},dc=x`, roles: rolesOf(u) };
    }),
    search: vi.fn(async () => ({ accounts: [], total: 0, totalIsLowerBound: false })),
    getAccount: vi.fn(async () => {
      throw new HelpdeskError('ACCOUNT_NOT_FOUND');
    }),
    unlock: vi.fn(async () => ({ outcome: 'done' as const, account: null })),
    resetPassword: vi.fn(async () => ({ outcome: 'done' as const, account: null })),
    updateContacts: vi.fn(async () => ({ outcome: 'done' as const, account: null })),
    rolesOfAccount: vi.fn(async () => []),
    scanAccounts: vi.fn(async () => 0),
    readForIndex: vi.fn(async () => ({ read: 0, partial: false, mark: null })),
    readAccounts: vi.fn(async () => []),
    close: vi.fn(async () => undefined),
  };
  let stored = structuredClone(initial);
  const secrets = new MemorySecretStore();
  const testConnection = vi.fn(async (_p: unknown, password: string | null) => ({ ok: password !== null, steps: [] }));
  const deps: HelpdeskDeps = {
    settings: { load: () => structuredClone(stored), save: (s) => void (stored = structuredClone(s)) },
    secrets,
    audit: (mode) => {
      const log = recordingAudit(byMode[mode]);
      return { ...log, append: (r) => (audit.push(r), log.append(r)) };
    },
    clock: { now: () => new Date('2026-11-23T03:00:00Z') },
    directoryFactory: vi.fn(() => directory),
    startTraining: vi.fn(async () => ({
      settings: { ...directoryDefaults('openldap'), url: 'ldap://127.0.0.1:1', baseDn: 'dc=x', serviceBindDn: 'cn=s,dc=x' },
      servicePassword: 'training-secret',
      close: async () => undefined,
    })),
    testConnection,
    templates: {
      sms: '{{code}}', mailSubject: '{{code}}', mailText: '{{code}}', mailHtml: '{{code}}',
      passwordSms: '{{password}}', passwordMailSubject: 'x', passwordMailText: '{{password}}', passwordMailHtml: '{{password}}',
      contactNoticeSms: 'x', contactNoticeMailSubject: 'x', contactNoticeMailText: 'x',
    },
    random: { int: () => 0 },
    otpService: async () => {
      throw new HelpdeskError('INTERNAL');
    },
    relays: async () => {
      throw new HelpdeskError('RELAY_NOT_CONFIGURED');
    },
    outbox: { list: () => [] },
    ...noExports,
    version: 'test',
  };
  const app = createHelpdesk(deps);
  return { app, api: app.api, audit, byMode, directory, secrets, testConnection, deps, stored: () => stored };
}

const profile = {
  ...directoryDefaults('openldap'),
  url: 'ldaps://ldap.agency.gov.vn',
  baseDn: 'dc=agency,dc=gov,dc=vn',
  serviceBindDn: 'cn=svc,dc=agency,dc=gov,dc=vn',
  roleGroups: { operator: ['cn=tongdai,ou=groups,dc=agency,dc=gov,dc=vn'], supervisor: ['cn=giamsat,ou=groups,dc=agency,dc=gov,dc=vn'], auditor: [] },
};
const directorySettings: Settings = { version: 1, locale: 'vi', mode: 'directory', directory: profile };

describe('app: session and lookups', () => {
  it('refuses lookups before sign-in, and writes nothing', async () => {
    const { api, audit, directory } = setup();
    expect(await api.directory.search({ query: 'annv' })).toEqual({ ok: false, error: { code: 'NOT_SIGNED_IN' } });
    expect(await api.directory.getAccount({ id: 'uid=a,dc=x' })).toEqual({ ok: false, error: { code: 'NOT_SIGNED_IN' } });
    expect(await api.audit.recent({})).toEqual({ ok: false, error: { code: 'NOT_SIGNED_IN' } });
    expect(directory.search).not.toHaveBeenCalled();
    expect(audit).toEqual([]);
  });

  it('audits a refused sign-in without the password', async () => {
    const { api, audit } = setup();
    expect(await api.session.signIn({ username: 'tongdai01', password: 'wrong-Secret!' })).toEqual({
      ok: false,
      error: { code: 'INVALID_CREDENTIALS' },
    });
    expect(audit).toEqual([{ operator: null, action: 'session.signIn', outcome: 'refused', target: 'tongdai01', detail: { code: 'INVALID_CREDENTIALS' } }]);
    expect(JSON.stringify(audit)).not.toContain('wrong-Secret!');
  });

  it('signs in, searches (auditing the kind, never the value), signs out', async () => {
    const { api, audit, directory } = setup();
    expect(await api.session.signIn({ username: 'tongdai01', password: 'right' })).toMatchObject({
      ok: true,
      value: { operator: { username: 'tongdai01' }, since: '2026-11-23T03:00:00.000Z', mode: 'training' },
    });
    expect(await api.directory.search({ query: '079088001234' })).toEqual({
      ok: true,
      value: { items: [], total: 0, totalIsLowerBound: false, readAs: ['citizenId'] },
    });
    expect(directory.search).toHaveBeenCalledWith([{ kind: 'citizenId', value: '079088001234' }], 50);
    await api.session.signOut({});
    expect(audit.map((a) => a.action)).toEqual(['session.signIn', 'directory.search', 'session.signOut']);
    expect(JSON.stringify(audit)).not.toContain('079088001234');
  });

  it('filter syntax is an exact username for the directory, never filter text; control characters are refused', async () => {
    const { api, audit, directory } = setup();
    await api.session.signIn({ username: 'tongdai01', password: 'right' });
    audit.length = 0;
    for (const query of ['*)(uid=*', 'admin)(|(uid=*']) {
      expect(await api.directory.search({ query })).toEqual({ ok: true, value: { items: [], total: 0, totalIsLowerBound: false, readAs: ['username'] } });
      expect(directory.search).toHaveBeenLastCalledWith([{ kind: 'username', value: query }], 50);
    }
    vi.mocked(directory.search).mockClear();
    audit.length = 0;
    expect(await api.directory.search({ query: 'annv\u0000' })).toEqual({
      ok: false,
      error: { code: 'VALIDATION_FAILED', field: 'query', reason: 'invalid_characters' },
    });
    expect(directory.search).not.toHaveBeenCalled();
    expect(audit).toEqual([]);
  });

  it('a partial answer cut by the directory\'s limit is passed on as such and audited', async () => {
    const { api, audit, directory } = setup();
    await api.session.signIn({ username: 'tongdai01', password: 'right' });
    audit.length = 0;
    vi.mocked(directory.search).mockResolvedValueOnce({ accounts: [], total: 0, totalIsLowerBound: true, limitedByDirectory: true });
    expect(await api.directory.search({ query: 'nguyen van' })).toEqual({
      ok: true,
      value: { items: [], total: 0, totalIsLowerBound: true, limitedByDirectory: true, readAs: ['name'] },
    });
    expect(audit.map((a) => a.detail)).toEqual([{ readAs: 'name', results: 0, partial: true }]);
  });

  it('a directory failure is a clear error and is audited; the app stays usable', async () => {
    const { api, audit, directory } = setup();
    await api.session.signIn({ username: 'tongdai01', password: 'right' });
    vi.mocked(directory.search).mockRejectedValueOnce(new HelpdeskError('DIRECTORY_TIMEOUT', { detail: 'timeout' }));
    expect(await api.directory.search({ query: 'annv' })).toEqual({ ok: false, error: { code: 'DIRECTORY_TIMEOUT', detail: 'timeout' } });
    expect(audit.at(-1)).toMatchObject({ action: 'directory.search', outcome: 'error', detail: { code: 'DIRECTORY_TIMEOUT' } });
    expect((await api.directory.search({ query: 'annv' })).ok).toBe(true);
  });

  it('an unexpected exception becomes INTERNAL with no message leaked', async () => {
    const { api, directory } = setup();
    await api.session.signIn({ username: 'tongdai01', password: 'right' });
    vi.mocked(directory.search).mockRejectedValueOnce(new Error('bind cn=svc password=hunter2 failed'));
    const r = await api.directory.search({ query: 'annv' });
    expect(r).toEqual({ ok: false, error: { code: 'INTERNAL' } });
  });
});

describe('app: settings and the service password', () => {
  it('stores the service password in the secret store only, keyed by URL and bind DN', async () => {
    const { api, secrets, stored } = setup();
    const r = await api.settings.save({ settings: directorySettings, servicePassword: 'Svc-P@ss' });
    expect(r).toMatchObject({ ok: true, value: { servicePasswordStored: true, keychainAvailable: true } });
    expect(await secrets.get(servicePasswordKey(profile))).toBe('Svc-P@ss');
    expect(JSON.stringify(stored())).not.toContain('Svc-P@ss');
  });

  it('once a directory is configured, settings change only for a signed-in supervisor', async () => {
    const { api } = setup(directorySettings);
    expect(await api.settings.save({ settings: DEFAULT_SETTINGS })).toEqual({ ok: false, error: { code: 'NOT_SIGNED_IN' } });
  });

  it('directory mode without a stored password says so', async () => {
    const { api } = setup(directorySettings);
    expect(await api.session.signIn({ username: 'a', password: 'right' })).toEqual({ ok: false, error: { code: 'SERVICE_PASSWORD_MISSING' } });
  });

  it('the connection test never offers the stored password to another URL or bind DN', async () => {
    const { api, secrets, testConnection } = setup();
    await secrets.set(servicePasswordKey(profile), 'Svc-P@ss');
    await api.settings.testConnection({ settings: directorySettings });
    expect(testConnection).toHaveBeenLastCalledWith(profile, 'Svc-P@ss');
    const rogue = { ...profile, url: 'ldap://rogue.example' };
    await api.settings.testConnection({ settings: { ...directorySettings, directory: rogue } });
    expect(testConnection).toHaveBeenLastCalledWith(rogue, null);
    const otherDn = { ...profile, serviceBindDn: 'cn=admin,dc=agency,dc=gov,dc=vn' };
    await api.settings.testConnection({ settings: { ...directorySettings, directory: otherDn } });
    expect(testConnection).toHaveBeenLastCalledWith(otherDn, null);
    // Same URL and DN but a CA the attacker controls: not the profile the password was saved for.
    const otherCa = { ...profile, caCertificate: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----' };
    await api.settings.testConnection({ settings: { ...directorySettings, directory: otherCa } });
    expect(testConnection).toHaveBeenLastCalledWith(otherCa, null);
  });

  it('once configured, the stored password is only tested for a signed-in operator', async () => {
    const { api, secrets, testConnection } = setup(directorySettings);
    await secrets.set(servicePasswordKey(profile), 'Svc-P@ss');
    expect(await api.settings.testConnection({ settings: directorySettings })).toEqual({ ok: false, error: { code: 'NOT_SIGNED_IN' } });
    expect(testConnection).not.toHaveBeenCalled();
  });

  it('relay secrets go to the keychain only, keyed to their endpoint; eSMS needs both keys', async () => {
    const sms = { provider: 'esms' as const, url: 'https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/', brandname: 'STTTT', smsType: '2' as const, timeoutMs: 10_000 };
    const mail = { provider: 'smtp' as const, host: 'mail.stttt.gov.vn', port: 587, security: 'starttls' as const, user: 'hotro', fromName: 'Hỗ trợ', fromAddress: 'hotro@stttt.gov.vn', caCertificate: '', timeoutMs: 10_000 };
    const { api, secrets, stored } = setup();
    const bad = await api.settings.save({ settings: { ...DEFAULT_SETTINGS, sms }, smsSecret: 'only-one-key' });
    expect(bad).toEqual({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'smsSecret', reason: 'invalid_format' } });
    const secret = JSON.stringify({ apiKey: 'AK-1', secretKey: 'SK-2' });
    const r = await api.settings.save({ settings: { ...DEFAULT_SETTINGS, sms, mail }, smsSecret: secret, mailPassword: 'Mail-P@ss' });
    expect(r).toMatchObject({ ok: true, value: { smsSecretStored: true, mailPasswordStored: true } });
    expect(await secrets.get(`sms-esms:${sms.url}`)).toBe(secret);
    expect(await secrets.get(mailSecretKey(mail)!)).toBe('Mail-P@ss');
    expect(JSON.stringify(stored())).not.toMatch(/AK-1|SK-2|Mail-P@ss/u);
    // The workstation now holds secrets: the settings are no longer open without sign-in.
    expect(await api.settings.save({ settings: { ...DEFAULT_SETTINGS, sms, mail } })).toEqual({ ok: false, error: { code: 'NOT_SIGNED_IN' } });
    expect(await api.session.signIn({ username: 'giamsat01', password: 'right' })).toMatchObject({ ok: true });
    // Moving the gateway to another URL: the stored secret does not follow it.
    const moved = await api.settings.save({ settings: { ...DEFAULT_SETTINGS, sms: { ...sms, url: 'https://evil.example/send' }, mail } });
    expect(moved).toMatchObject({ ok: true, value: { smsSecretStored: false, mailPasswordStored: true } });
    // Nor does the SMTP password follow another CA or another TLS mode: it is asked for again.
    const ca = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----';
    for (const changed of [{ ...mail, caCertificate: ca }, { ...mail, security: 'tls' as const, port: 587 }]) {
      const r2 = await api.settings.save({ settings: { ...DEFAULT_SETTINGS, mail: changed } });
      expect(r2).toMatchObject({ ok: true, value: { mailPasswordStored: false } });
      expect(mailSecretKey(changed)).not.toBe(mailSecretKey(mail));
    }
    // An SMPP secret likewise follows its CA.
    const smpp = { provider: 'smpp' as const, url: 'ssmpp://smsc.stttt.gov.vn:3550', systemId: 'hd', systemType: '', sourceAddr: 'STTTT', sourceTon: 5, sourceNpi: 0, caCertificate: '', timeoutMs: 10_000 };
    expect(smsSecretKey(smpp)).not.toBe(smsSecretKey({ ...smpp, caCertificate: ca }));
  });

  it('a save keeps the settings the caller left out (relays)', async () => {
    const withSms: Settings = { ...DEFAULT_SETTINGS, sms: { provider: 'speedsms', url: 'https://api.speedsms.vn/index.php/sms/send', sender: 'STTTT', smsType: 3, timeoutMs: 10_000 } };
    const { api, stored } = setup(withSms);
    expect((await api.settings.save({ settings: { version: 1, locale: 'en', mode: 'training' } })).ok).toBe(true);
    expect(stored()).toMatchObject({ locale: 'en', sms: { provider: 'speedsms' } });
  });

  it('a keychain failure refuses the save and writes no settings', async () => {
    const { api, secrets, stored } = setup();
    vi.spyOn(secrets, 'set').mockRejectedValueOnce(new HelpdeskError('SECRET_STORE_UNAVAILABLE'));
    expect(await api.settings.save({ settings: directorySettings, servicePassword: 'x' })).toEqual({
      ok: false,
      error: { code: 'SECRET_STORE_UNAVAILABLE' },
    });
    expect(stored()).toEqual(DEFAULT_SETTINGS);
  });
});

describe('app: a refused or failed settings save changes nothing, in the keychain either', () => {
  const sms = { provider: 'esms' as const, url: 'https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/', brandname: 'STTTT', smsType: '2' as const, timeoutMs: 10_000 };
  const mail = { provider: 'smtp' as const, host: 'mail.stttt.gov.vn', port: 587, security: 'starttls' as const, user: 'hotro', fromName: 'Hỗ trợ', fromAddress: 'hotro@stttt.gov.vn', caCertificate: '', timeoutMs: 10_000 };

  it('a check that fails after the service password (a bad eSMS secret) leaves the stored password as it was', async () => {
    const { api, secrets, stored } = setup();
    await secrets.set(servicePasswordKey(profile), 'Old-Svc');
    const r = await api.settings.save({ settings: { ...directorySettings, sms }, servicePassword: 'New-Svc', smsSecret: 'only-one-key' });
    expect(r).toEqual({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'smsSecret', reason: 'invalid_format' } });
    expect(await secrets.get(servicePasswordKey(profile))).toBe('Old-Svc');
    expect(stored()).toEqual(DEFAULT_SETTINGS);
  });

  it('a keychain write failing half-way puts back the secrets already written (and deletes the new ones)', async () => {
    const { api, secrets, stored } = setup();
    await secrets.set(servicePasswordKey(profile), 'Old-Svc');
    const secret = JSON.stringify({ apiKey: 'AK-1', secretKey: 'SK-2' });
    const real = secrets.set.bind(secrets);
    let calls = 0;
    vi.spyOn(secrets, 'set').mockImplementation(async (k, v) => {
      calls += 1;
      if (calls === 3) throw new HelpdeskError('SECRET_STORE_UNAVAILABLE'); // the mail password
      return real(k, v);
    });
    const r = await api.settings.save({ settings: { ...directorySettings, sms, mail }, servicePassword: 'New-Svc', smsSecret: secret, mailPassword: 'Mail-P@ss' });
    expect(r).toEqual({ ok: false, error: { code: 'SECRET_STORE_UNAVAILABLE' } });
    expect(await secrets.get(servicePasswordKey(profile))).toBe('Old-Svc');
    expect(await secrets.get(`sms-esms:${sms.url}`)).toBeNull();
    expect(await secrets.get('mail-smtp:hotro@mail.stttt.gov.vn:587')).toBeNull();
    expect(stored()).toEqual(DEFAULT_SETTINGS);
  });

  it('the settings file failing to write puts the keychain back too', async () => {
    const { api, secrets, stored, deps, audit } = setup();
    await secrets.set(servicePasswordKey(profile), 'Old-Svc');
    vi.spyOn(deps.settings, 'save').mockImplementationOnce(() => {
      throw new HelpdeskError('SETTINGS_WRITE_FAILED');
    });
    const r = await api.settings.save({ settings: directorySettings, servicePassword: 'New-Svc' });
    expect(r).toEqual({ ok: false, error: { code: 'SETTINGS_WRITE_FAILED' } });
    expect(await secrets.get(servicePasswordKey(profile))).toBe('Old-Svc');
    expect(stored()).toEqual(DEFAULT_SETTINGS);    expect(audit.at(-1)).toMatchObject({ action: 'settings.save', outcome: 'error', detail: { code: 'SETTINGS_WRITE_FAILED', keychainRestored: true } });
  });

  it('a keychain that cannot be put back is said so in the audit row', async () => {
    const { api, secrets, deps, audit } = setup();
    await secrets.set(servicePasswordKey(profile), 'Old-Svc');
    vi.spyOn(deps.settings, 'save').mockImplementationOnce(() => {
      throw new HelpdeskError('SETTINGS_WRITE_FAILED');
    });
    const real = secrets.set.bind(secrets);
    vi.spyOn(secrets, 'set').mockImplementation(async (k, v) => {
      if (v === 'Old-Svc') throw new HelpdeskError('SECRET_STORE_UNAVAILABLE'); // the put-back fails
      return real(k, v);
    });
    expect(await api.settings.save({ settings: directorySettings, servicePassword: 'New-Svc' })).toEqual({ ok: false, error: { code: 'SETTINGS_WRITE_FAILED' } });
    expect(audit.at(-1)).toMatchObject({ action: 'settings.save', outcome: 'error', detail: { keychainRestored: false } });
    expect(JSON.stringify(audit)).not.toMatch(/Old-Svc|New-Svc/u);
  });
});

describe('app: roles, enforced per contract method in the main process', () => {
  // The expectation is written out here, not derived from PERMISSIONS: a changed rule must change this test.
  const PUBLIC = ['app.info', 'session.current', 'session.signIn', 'session.signOut'];
  const SUPERVISOR_ONLY = ['cases.override', 'cases.queue', 'cases.take', 'cases.approve', 'actions.resetAndUnlock', 'settings.get', 'settings.save', 'settings.testConnection', 'audit.purge', 'team.join', 'team.createJoinSecret', 'team.publishProfile'];
  /** Every signed-in role, whatever it is. */
  const ANY_ROLE = ['team.status'];
  const SUPERVISOR_OR_AUDITOR = [
    'audit.verify',
    'audit.recent',
    'audit.head',
    'audit.query',
    'audit.timeline',
    'audit.export',
    'dashboards.auditStats',
    'dashboards.scanStart',
    'dashboards.scanStatus',
    'dashboards.scanCancel',
    'reports.monthly',
    'dashboards.exportScan',
  ];
  const caseId = '00000000-0000-4000-8000-000000000000';
  const inputs: Record<string, unknown> = {
    'session.signIn': { username: 'x', password: 'wrong' },
    'directory.search': { query: 'annv' },
    'directory.getAccount': { id: 'uid=annv,dc=agency,dc=gov,dc=vn' },
    'settings.save': { settings: directorySettings },
    'settings.testConnection': { settings: directorySettings },
    'cases.open': { accountId: 'uid=annv,dc=agency,dc=gov,dc=vn', reason: 'x' },
    'cases.sendCode': { caseId, channel: 'sms' },
    'cases.verifyCode': { caseId, code: '123456' },
    'cases.close': { caseId, outcome: 'done' },
    'cases.override': { caseId, check: 'agency-letter', note: 'x' },
    'actions.sendContactCode': { caseId, kind: 'mobile', value: '0912345678' },
    'actions.updateContact': { caseId, code: '123456' },
    'audit.query': { filter: {} },
    'dashboards.auditStats': { from: '2026-11-01', to: '2026-11-23' },
    'dashboards.scanStatus': { scanId: caseId },
    'dashboards.scanCancel': { scanId: caseId },
    'audit.export': { filter: {}, format: 'csv', path: '/nonexistent/x.csv' },
  };
  const methods = Object.entries(API_MANIFEST).flatMap(([g, ms]) => (ms as readonly string[]).map((m) => `${g}.${m}`));

  async function call(api: HelpdeskApi, path: string) {
    const [g, m] = path.split('.') as [string, string];
    const fn = (api as unknown as Record<string, Record<string, (i: unknown) => Promise<{ ok: boolean; error?: { code: string } }>>>)[g]![m]!;
    return fn(inputs[path] ?? (path.endsWith('.get') || path.endsWith('.gate') || path.startsWith('actions.') ? { caseId } : {}));
  }

  for (const [user, roleName] of [['tongdai01', 'operator'], ['giamsat01', 'supervisor'], ['kiemtra01', 'auditor']] as const) {
    it(`a signed-in ${roleName} reaches exactly the methods of that role (directory mode)`, async () => {
      const { api, secrets, audit } = setup(directorySettings);
      await secrets.set(servicePasswordKey(profile), 'svc');
      expect(await api.session.signIn({ username: user, password: 'right' })).toMatchObject({ ok: true, value: { operator: { roles: [roleName] } } });
      for (const path of methods) {
        if (['session.signOut', 'session.signIn', 'session.lock', 'session.unlock', 'settings.save'].includes(path)) continue; // would end or lock the session
        const allowed =
          PUBLIC.includes(path) ||
          ANY_ROLE.includes(path) ||
          (SUPERVISOR_OR_AUDITOR.includes(path) ? roleName !== 'operator' : roleName === 'supervisor' ? true : roleName === 'operator' ? !SUPERVISOR_ONLY.includes(path) : false);
        const r = await call(api, path);
        const denied = !r.ok && r.error?.code === 'ROLE_NOT_ALLOWED';
        expect([path, denied]).toEqual([path, !allowed]);
        if (denied) expect(audit.at(-1)).toMatchObject({ action: 'access.denied', outcome: 'refused', operator: user, detail: { method: path } });
      }
    });
  }

  it('signed out, every non-public method answers NOT_SIGNED_IN and never reaches the directory', async () => {
    const { api, directory, secrets } = setup(directorySettings);
    await secrets.set(servicePasswordKey(profile), 'svc');
    for (const path of methods.filter((p) => !PUBLIC.includes(p))) {
      const r = await call(api, path);
      expect([path, r.ok ? 'ok' : r.error?.code]).toEqual([path, 'NOT_SIGNED_IN']);
    }
    expect(directory.search).not.toHaveBeenCalled();
    expect(directory.getAccount).not.toHaveBeenCalled();
  });

  it('in training mode (no directory configured yet) settings are open to the desk; actions still need a role', async () => {
    const { api } = setup();
    expect((await api.settings.get({})).ok).toBe(true);
    expect(await api.cases.override({ caseId, check: 'agency-letter', note: 'x' })).toEqual({ ok: false, error: { code: 'NOT_SIGNED_IN' } });
  });

  it('a right password on an account in no role group is NO_ROLE: not signed in, audited', async () => {
    const { api, secrets, audit } = setup(directorySettings);
    await secrets.set(servicePasswordKey(profile), 'svc');
    expect(await api.session.signIn({ username: 'khach01', password: 'right' })).toEqual({ ok: false, error: { code: 'NO_ROLE' } });
    expect(await api.session.current({})).toMatchObject({ ok: true, value: { operator: null } });
    expect(audit.at(-1)).toMatchObject({ action: 'session.signIn', outcome: 'refused', target: 'khach01', detail: { code: 'NO_ROLE' } });
  });

  it('a directory profile without a supervisor group cannot be saved (nobody could change the settings again)', async () => {
    const { api, stored } = setup();
    const noSupervisor: Settings = { ...directorySettings, directory: { ...profile, roleGroups: { operator: ['cn=tongdai,dc=x'], supervisor: [], auditor: [] } } };
    expect(await api.settings.save({ settings: noSupervisor })).toEqual({
      ok: false,
      error: { code: 'VALIDATION_FAILED', field: 'settings.directory.roleGroups.supervisor', reason: 'required' },
    });
    expect(stored()).toEqual(DEFAULT_SETTINGS);
  });
});

describe('app: settings changes are owned and recorded where they happen', () => {
  it('training mode with a kept directory profile: nobody turns the directory on without giving the service password again', async () => {
    const kept: Settings = { ...directorySettings, mode: 'training' };
    const { api, secrets, stored } = setup(kept);
    await secrets.set(servicePasswordKey(profile), 'svc'); // kept in the keychain from before
    // Not a first setup (a secret is stored): the settings need a sign-in, even in training mode.
    expect(await api.session.current({})).toMatchObject({ ok: true, value: { mode: 'training', setupOpen: false } });
    expect(await api.settings.save({ settings: directorySettings, servicePassword: 'svc' })).toEqual({ ok: false, error: { code: 'NOT_SIGNED_IN' } });
    expect(await api.settings.get({})).toEqual({ ok: false, error: { code: 'NOT_SIGNED_IN' } });
    expect(await api.session.signIn({ username: 'giamsat01', password: 'right' })).toMatchObject({ ok: true });
    const rogue = { ...profile, roleGroups: { operator: [], supervisor: ['cn=tongdai,ou=groups,dc=agency,dc=gov,dc=vn'], auditor: [] } };
    expect(await api.settings.save({ settings: { ...directorySettings, directory: rogue } })).toEqual({
      ok: false,
      error: { code: 'VALIDATION_FAILED', field: 'servicePassword', reason: 'required' },
    });
    expect(stored()).toEqual(kept);
    // Whoever gives the password may (it is a setup, as on a fresh machine).
    expect((await api.settings.save({ settings: directorySettings, servicePassword: 'svc' })).ok).toBe(true);
  });

  it('a supervisor switching production to training: the sign-out and the change are in the production audit, with who did it', async () => {
    const { api, secrets, byMode } = setup(directorySettings);
    await secrets.set(servicePasswordKey(profile), 'svc');
    expect((await api.session.signIn({ username: 'giamsat01', password: 'right' })).ok).toBe(true);
    expect((await api.settings.save({ settings: { ...directorySettings, mode: 'training' } })).ok).toBe(true);
    expect(byMode.directory.map((r) => [r.action, r.operator])).toEqual([
      ['session.signIn', 'giamsat01'],
      ['settings.save', 'giamsat01'],
      ['session.signOut', 'giamsat01'],
    ]);
    expect(byMode.directory[1]).toMatchObject({ detail: { mode: 'training', directoryChanged: true, roleGroups: JSON.stringify(profile.roleGroups) } });
    expect(byMode.training.map((r) => [r.action, r.operator])).toEqual([['settings.save', 'giamsat01']]);
  });

  it('a sign-in the roles refuse leaves the current session as it was', async () => {
    const { api, secrets, audit } = setup(directorySettings);
    await secrets.set(servicePasswordKey(profile), 'svc');
    expect((await api.session.signIn({ username: 'tongdai01', password: 'right' })).ok).toBe(true);
    expect((await api.session.signIn({ username: 'khach01', password: 'right' })).ok).toBe(false);
    expect(await api.session.current({})).toMatchObject({ ok: true, value: { operator: { username: 'tongdai01' } } });
    expect(audit.filter((r) => r.action === 'session.signOut')).toEqual([]);
  });
});

describe('app: idle lock', () => {
  async function signedIn(user = 'tongdai01') {
    const s = setup(directorySettings);
    await s.secrets.set(servicePasswordKey(profile), 'svc');
    let t = Date.parse('2026-11-23T03:00:00Z');
    s.deps.clock.now = () => new Date(t);
    expect((await s.api.session.signIn({ username: user, password: 'right' })).ok).toBe(true);
    return { ...s, advance: (minutes: number) => (t += minutes * 60_000) };
  }

  it('locks after the idle time (polling does not count as activity); only the same password unlocks', async () => {
    const { api, audit, advance } = await signedIn();
    advance(6);
    expect((await api.directory.search({ query: 'annv' })).ok).toBe(true); // activity: the clock starts again
    advance(6);
    expect((await api.outbox.list({})).ok).toBe(true); // a poll: not activity
    advance(5); // 11 minutes since the search
    expect(await api.directory.search({ query: 'annv' })).toEqual({ ok: false, error: { code: 'SESSION_LOCKED' } });
    expect(await api.session.current({})).toMatchObject({ ok: true, value: { locked: true, operator: { username: 'tongdai01' } } });
    expect(audit.filter((r) => r.action === 'session.lock')).toEqual([expect.objectContaining({ operator: 'tongdai01', detail: { reason: 'idle' } })]);
    expect(await api.session.unlock({ password: 'wrong' })).toEqual({ ok: false, error: { code: 'INVALID_CREDENTIALS' } });
    expect(audit.at(-1)).toMatchObject({ action: 'session.unlock', outcome: 'refused' });
    expect(await api.session.unlock({ password: 'right' })).toMatchObject({ ok: true, value: { locked: false } });
    expect((await api.directory.search({ query: 'annv' })).ok).toBe(true);
  });

  it('the UI can lock at once; while locked nothing but sign-out and unlock works', async () => {
    const { api } = await signedIn();
    expect(await api.session.lock({})).toMatchObject({ ok: true, value: { locked: true, idleLockMinutes: 10 } });
    expect(await api.cases.open({ accountId: 'uid=annv,dc=agency,dc=gov,dc=vn', reason: 'x' })).toEqual({ ok: false, error: { code: 'SESSION_LOCKED' } });
    // Signing out is always possible, and a new sign-in starts unlocked.
    expect(await api.session.signOut({})).toMatchObject({ ok: true, value: { operator: null, locked: false } });
  });
});

describe('app: retention purge', () => {
  it('the cutoff is bounded by the newest audit row at start: a clock set forward does not sweep the audit', async () => {
    const base = setup(directorySettings);
    await base.secrets.set(servicePasswordKey(profile), 'svc');
    const newestAtStart = '2026-11-20T08:00:00.000Z';
    let now = new Date('2026-11-23T03:00:00Z');
    const cutoffs: string[] = [];
    const log = recordingAudit([]);
    const audit = {
      ...log,
      recent: async () => [{ seq: 9, at: newestAtStart, operator: 'tongdai01', action: 'code.send' as const, outcome: 'ok' as const, target: null, unit: null, caseId: null, detail: {} }],
      purgeBefore: async (iso: string) => (cutoffs.push(iso), { purged: 0, through: null, checkpoint: null }),
    };
    const app = createHelpdesk({ ...base.deps, audit: () => audit, clock: { now: () => now } });
    expect((await app.api.session.signIn({ username: 'giamsat01', password: 'right' })).ok).toBe(true);
    // Right clock: 24 months before today (VN).
    expect((await app.api.audit.purge({})).ok).toBe(true);
    // The clock jumps ten years ahead: the cutoff stays 24 months before the newest row the app found.
    now = new Date('2036-11-23T03:00:00Z');
    expect((await app.api.session.signIn({ username: 'giamsat01', password: 'right' })).ok).toBe(true); // the idle lock ran out too
    expect((await app.api.audit.purge({})).ok).toBe(true);
    expect(cutoffs).toEqual(['2024-11-19T17:00:00.000Z', '2024-11-19T17:00:00.000Z']);
  });
});
