import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { HelpdeskApi } from '../../src-main/common/api';
import { API_CHANNELS, API_MANIFEST, channelOf } from '../../src-main/common/manifest';
import { ok } from '../../src-main/common/result';
import { INPUT_SCHEMAS } from '../../src-main/common/schemas';
import { createIpcHandler } from '../../src-main/electron/ipc-handler';
import type { SenderFacts, SenderPolicy } from '../../src-main/electron/sender-guard';

/** An api whose every method is a spy: proves whether anything reached the app. */
function spyApi() {
  const calls: string[] = [];
  const api = {} as Record<string, Record<string, (i: unknown) => Promise<unknown>>>;
  for (const [group, methods] of Object.entries(API_MANIFEST)) {
    api[group] = {};
    for (const m of methods) {
      api[group]![m] = vi.fn(async (input: unknown) => {
        calls.push(`${group}.${m}`);
        return ok({ echo: input });
      });
    }
  }
  return { api: api as unknown as HelpdeskApi, calls };
}

const policy: SenderPolicy = { trustedWebContents: new Set([7]), appOrigin: 'app://helpdesk', appPath: '/index.html' };
const good: SenderFacts = { webContentsId: 7, frameUrl: 'app://helpdesk/index.html#/search', isMainFrame: true };

describe('IPC handler: sender validation', () => {
  let spy: ReturnType<typeof spyApi>;
  beforeEach(() => {
    spy = spyApi();
  });
  const handler = () => createIpcHandler(spy.api, () => policy, channelOf('session', 'current'));

  it('answers the app window', async () => {
    expect(await handler()(good, {})).toEqual({ ok: true, value: { echo: {} } });
    expect(spy.calls).toEqual(['session.current']);
  });

  it.each<[string, SenderFacts]>([
    ['an unknown webContents', { ...good, webContentsId: 8 }],
    ['a sub-frame', { ...good, isMainFrame: false }],
    ['a local file, even the renderer itself', { ...good, frameUrl: 'file:///opt/helpdesk/out/renderer/index.html' }],
    ['another page of the app scheme', { ...good, frameUrl: 'app://helpdesk/other.html' }],
    ['the app page with a query', { ...good, frameUrl: 'app://helpdesk/index.html?next=evil#/search' }],
    ['another host of the app scheme', { ...good, frameUrl: 'app://evil/index.html' }],
    ['the app scheme with credentials', { ...good, frameUrl: 'app://user@helpdesk/index.html' }],
    ['the app host over another scheme', { ...good, frameUrl: 'http://helpdesk/index.html' }],
    ['a web origin', { ...good, frameUrl: 'https://evil.example/' }],
    ['a destroyed frame', { ...good, frameUrl: null }],
    ['a malformed URL', { ...good, frameUrl: 'not a url' }],
  ])('refuses %s, and nothing reaches the app', async (_name, facts) => {
    expect(await handler()(facts, {})).toEqual({ ok: false, error: { code: 'FORBIDDEN_SENDER' } });
    expect(spy.calls).toEqual([]);
  });

  it('in development trusts only the dev server origin', async () => {
    const dev: SenderPolicy = { trustedWebContents: new Set([7]), appOrigin: 'http://localhost:5173' };
    const h = createIpcHandler(spy.api, () => dev, channelOf('app', 'info'));
    expect((await h({ ...good, frameUrl: 'http://localhost:5173/#/search' }, {})).ok).toBe(true);
    expect((await h({ ...good, frameUrl: 'http://localhost:5174/' }, {})).ok).toBe(false);
  });
});

describe('IPC handler: input validation', () => {
  const big = 'x'.repeat(10 * 1024);
  it.each<[string, string, unknown, string, string | undefined]>([
    ['session', 'signIn', { username: '', password: 'x' }, 'required', 'username'],
    ['session', 'signIn', { username: 'a', password: '' }, 'required', 'password'],
    ['session', 'signIn', { username: big, password: 'x' }, 'too_long', 'username'],
    ['session', 'signIn', { username: 'a\nb', password: 'x' }, 'control_characters', 'username'],
    ['session', 'signIn', { username: 42, password: 'x' }, 'invalid_type', 'username'],
    ['session', 'signIn', { username: 'a', password: 'x', extra: 1 }, 'unknown_field', undefined],
    ['directory', 'search', { query: big }, 'too_long', 'query'],
    ['directory', 'search', { query: '   ' }, 'required', 'query'],
    ['directory', 'search', { query: 'a\u0000b' }, 'control_characters', 'query'],
    ['cases', 'open', { accountId: 'uid=annv,dc=x', reason: 'Quên mật khẩu \u202egnp.exe' }, 'control_characters', 'reason'],
    ['cases', 'open', { accountId: 'uid=annv,dc=x', reason: 'Quên \u2067mật khẩu\u2069' }, 'control_characters', 'reason'],
    ['directory', 'search', { query: 'annv', kind: 'sql' }, 'invalid_value', 'kind'],
    ['directory', 'search', null, 'invalid_type', undefined],
    ['directory', 'search', 'annv', 'invalid_type', undefined],
    ['directory', 'getAccount', { id: ['uid=x'] }, 'invalid_type', 'id'],
    ['audit', 'recent', { limit: 1e9 }, 'too_long', 'limit'],
    ['cases', 'verifyCode', { caseId: '0b0e6f3c-2a47-4d7c-9d3c-1f2e3a4b5c6d', code: 123456 }, 'invalid_type', 'code'],
    ['cases', 'verifyCode', { caseId: '0b0e6f3c-2a47-4d7c-9d3c-1f2e3a4b5c6d', code: big }, 'too_long', 'code'],
    ['cases', 'verifyCode', { caseId: '../../etc', code: '123456' }, 'invalid_format', 'caseId'],
    ['cases', 'open', { accountId: 'uid=annv,dc=x', reason: '' }, 'required', 'reason'],
    ['cases', 'sendCode', { caseId: '0b0e6f3c-2a47-4d7c-9d3c-1f2e3a4b5c6d', channel: 'fax' }, 'invalid_value', 'channel'],
    ['settings', 'save', { settings: { mode: 'directory', directory: { url: 'http://x' } } }, 'invalid_format', 'settings.directory.url'],
  ])('%s.%s %j → %s, nothing reaches the app', async (group, method, input, reason, field) => {
    const spy = spyApi();
    const res = await createIpcHandler(spy.api, () => policy, channelOf(group, method))(good, input);
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.error.code).toBe('VALIDATION_FAILED');
      expect(res.error.reason).toBe(reason);
      if (field) expect(res.error.field).toBe(field);
      // The offending value is never echoed back.
      expect(JSON.stringify(res.error)).not.toContain('xxxxxxxxxx');
    }
    expect(spy.calls).toEqual([]);
  });

  it('trims text and passes the clean value on', async () => {
    const spy = spyApi();
    const res = await createIpcHandler(spy.api, () => policy, channelOf('directory', 'search'))(good, { query: '  annv ' });
    expect(res).toEqual({ ok: true, value: { echo: { query: 'annv' } } });
  });

  it('refuses an unknown channel', async () => {
    const spy = spyApi();
    expect(await createIpcHandler(spy.api, () => policy, 'helpdesk:directory:drop')(good, {})).toEqual({
      ok: false,
      error: { code: 'UNKNOWN_METHOD' },
    });
    expect(spy.calls).toEqual([]);
  });
});

describe('contract', () => {
  it('manifest, input schemas and channels are the same set', () => {
    const manifest = Object.entries(API_MANIFEST).flatMap(([g, ms]) => ms.map((m) => `${g}.${m}`)).sort();
    const schemas = Object.entries(INPUT_SCHEMAS).flatMap(([g, ms]) => Object.keys(ms).map((m) => `${g}.${m}`)).sort();
    expect(schemas).toEqual(manifest);
    expect(API_CHANNELS.map((c) => c.channel).sort()).toEqual(manifest.map((k) => `helpdesk:${k.replace('.', ':')}`).sort());
  });

  it('the preload exposes exactly the manifest, each method invoking its own channel', async () => {
    const exposed: Record<string, unknown> = {};
    const invoke = vi.fn(async (channel: string, input: unknown) => ({ channel, input }));
    vi.doMock('electron', () => ({
      contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
      ipcRenderer: { invoke },
    }));
    await import('../../src-main/preload/index');
    const api = exposed.helpdesk as Record<string, Record<string, (i?: unknown) => Promise<unknown>>>;
    expect(Object.keys(exposed)).toEqual(['helpdesk']);
    const keys = Object.entries(api).flatMap(([g, ms]) => Object.keys(ms).map((m) => `${g}.${m}`)).sort();
    expect(keys).toEqual(Object.entries(API_MANIFEST).flatMap(([g, ms]) => ms.map((m) => `${g}.${m}`)).sort());
    expect(await api.directory!.search!({ query: 'annv' })).toEqual({ channel: 'helpdesk:directory:search', input: { query: 'annv' } });
    expect(Object.isFrozen(api)).toBe(true);
    vi.doUnmock('electron');
  });
});

describe('settings schema: transport security', () => {
  const base = { version: 1, locale: 'vi', mode: 'directory' } as const;
  const dir = { baseDn: 'dc=a,dc=vn', serviceBindDn: 'cn=s,dc=a,dc=vn', dialect: 'openldap', userFilter: '(objectClass=inetOrgPerson)', attributes: {
    username: 'uid', displayName: 'cn', mail: 'mail', mobile: 'mobile', backupEmail: 'hdRecoveryEmail', citizenId: 'hdCitizenId', taxCode: 'hdTaxCode',
    socialInsuranceCode: 'hdSocialInsuranceCode', unit: 'ou', title: 'title', accountType: 'hdAccountType' } };
  const reason = async (directory: Record<string, unknown>) => {
    const spy = spyApi();
    const r = await createIpcHandler(spy.api, () => policy, channelOf('settings', 'save'))(good, { settings: { ...base, directory: { ...dir, ...directory } } });
    return r.ok ? 'ok' : `${r.error.field}:${r.error.reason}`;
  };
  it('refuses plain ldap:// to another host, allows ldaps, StartTLS and loopback', async () => {
    expect(await reason({ url: 'ldap://ldap.agency.gov.vn' })).toBe('settings.directory.url:insecure_transport');
    expect(await reason({ url: 'ldaps://ldap.agency.gov.vn' })).toBe('ok');
    expect(await reason({ url: 'ldap://ldap.agency.gov.vn', startTls: true })).toBe('ok');
    expect(await reason({ url: 'ldap://127.0.0.1:3389' })).toBe('ok');
  });
  it('plain ldap:// to another host only where the profile explicitly allows it, never for Active Directory', async () => {
    expect(await reason({ url: 'ldap://ldap.agency.gov.vn', allowPlainLdap: true })).toBe('ok');
    expect(await reason({ url: 'ldap://zimbra.agency.gov.vn', dialect: 'zimbra', allowPlainLdap: true })).toBe('ok');
    expect(await reason({ url: 'ldap://dc1.agency.gov.vn', dialect: 'active-directory' })).toBe('settings.directory.url:insecure_transport');
    // AD: the switch itself is refused, whatever the URL (so it cannot sit there waiting for a plain URL).
    expect(await reason({ url: 'ldap://dc1.agency.gov.vn', dialect: 'active-directory', allowPlainLdap: true })).toBe('settings.directory.allowPlainLdap:insecure_transport');
    expect(await reason({ url: 'ldaps://dc1.agency.gov.vn', dialect: 'active-directory', allowPlainLdap: true })).toBe('settings.directory.allowPlainLdap:insecure_transport');
    expect(await reason({ url: 'ldaps://dc1.agency.gov.vn', dialect: 'active-directory' })).toBe('ok');
  });
  it('refuses credentials in the URL and filters that are not one expression', async () => {
    expect(await reason({ url: 'ldaps://user:pass@ldap.agency.gov.vn' })).toBe('settings.directory.url:invalid_format');
    expect(await reason({ url: 'ldaps://ldap.agency.gov.vn', userFilter: '(objectClass=*)(uid=*)' })).toBe('settings.directory.userFilter:invalid_format');
  });
});
