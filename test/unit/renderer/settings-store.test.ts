import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { SettingsView } from '../../../src-main/common/dto';
import type { ApiError, Result } from '../../../src-main/common/result';
import { INPUT_SCHEMAS } from '../../../src-main/common/schemas';
import { directoryDefaults } from '../../../src-main/common/dialects';
import {
  DEFAULT_IDLE_LOCK_MINUTES,
  DEFAULT_RETENTION_MONTHS,
  mailSettingsSchema,
  type MailSettings,
  type Settings,
  settingsSchema,
  smsSettingsSchema,
  type SmsSettings,
} from '../../../src-main/common/settings';
import * as __stores_settings from '../../../src-renderer/src/stores/settings';
import * as __stores_session from '../../../src-renderer/src/stores/session';
import { RULES } from './case-fixtures';

// The store talks to the contract through bridge.ts; here the bridge is a set of mocks.
const api = vi.hoisted(() => ({
  settings: { get: vi.fn(), save: vi.fn(), testConnection: vi.fn() },
  app: { info: vi.fn() },
  session: { current: vi.fn(), signIn: vi.fn(), signOut: vi.fn() },
}));
vi.mock('../../../src-renderer/src/bridge', () => ({ api, inElectron: false, onSessionLocked: () => undefined }));
// The renderer's `@common/*` alias is the bundler's (tsconfig.web.json); here it points at the same file.

type Provider = SmsSettings['provider'];
interface SmsForm {
  provider: Provider;
  esms: { url: string; brandname: string; smsType: string; timeoutMs: number | string };
  speedsms: { url: string; sender: string; smsType: number | string; timeoutMs: number | string };
  http: Record<string, string | number> & { headers: string; secretHeader: string; url: string };
  smpp: { url: string; systemId: string; systemType: string; sourceAddr: string; sourceTon: number | string; sourceNpi: number | string; caCertificate: string; timeoutMs: number | string };
}
interface SettingsForm {
  mode: 'training' | 'directory';
  agencyName: string;
  directory: { url: string; baseDn: string; serviceBindDn: string; roleGroups: { operator: string; supervisor: string; auditor: string } };
  sms: SmsForm;
  mail: { provider: MailSettings['provider']; smtp: Record<string, string | number> & { port: number | string; security: string; user: string; host: string } };
  auditRetention: number | string;
  idleLockMinutes: number | string;
  servicePassword: string;
  smsSecret: string;
  smsApiKey: string;
  smsSecretKey: string;
  mailPassword: string;
}
interface SettingsStore {
  view: SettingsView | null;
  form: SettingsForm;
  saveError: ApiError | null;
  saved: 'saved' | 'signed-out' | null;
  smsSecretStored: boolean;
  mailPasswordStored: boolean;
  load(): Promise<void>;
  save(): Promise<boolean>;
  testConnection(): Promise<void>;
  dirty: boolean;
  discard(): void;
  chooseSmsProvider(p: Provider): void;
  chooseMailProvider(p: MailSettings['provider']): void;
  chooseMailSecurity(s: 'starttls' | 'tls'): void;
}

const mod = __stores_settings;

const ok = <T>(value: T): Result<T> => ({ ok: true, value });

function viewOf(settings: Partial<Settings>, extra: Partial<SettingsView> = {}): SettingsView {
  return {
    settings: { version: 1, locale: 'vi', mode: 'training', ...settings },
    servicePasswordStored: false,
    smsSecretStored: false,
    mailPasswordStored: false,
    keychainAvailable: true,
    ...extra,
  };
}

type SaveInput = { settings: Settings; servicePassword?: string; smsSecret?: string; mailPassword?: string };
/** The input of the last `settings.save` call, checked against the contract's own input schema. */
function lastSave(): SaveInput {
  const input = api.settings.save.mock.lastCall?.[0] as SaveInput;
  const parsed = INPUT_SCHEMAS.settings.save.safeParse(input);
  expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
  return input;
}

let store: SettingsStore;

async function loaded(view: SettingsView): Promise<void> {
  api.settings.get.mockResolvedValueOnce(ok(view));
  await store.load();
}

beforeEach(() => {
  setActivePinia(createPinia());
  for (const group of Object.values(api)) for (const f of Object.values(group)) f.mockReset();
  // app.info failing keeps the app store away from `document` (node environment).
  api.app.info.mockResolvedValue({ ok: false, error: { code: 'INTERNAL' } });
  api.session.current.mockResolvedValue(ok({ operator: null, since: null, mode: 'training' }));
  api.settings.save.mockImplementation(async (input: SaveInput) => ok(viewOf(input.settings)));
  store = mod.useSettingsStore();
});

describe('settings store: relays', () => {
  it('new profiles start from the schema defaults', () => {
    for (const provider of ['esms', 'speedsms', 'http', 'smpp'] as const) {
      const required = { esms: { brandname: 'x' }, speedsms: { sender: 'x' }, http: { url: 'https://x.vn' }, smpp: { url: 'ssmpp://x:3550', systemId: 'x', sourceAddr: 'x' } }[provider];
      const parsed = smsSettingsSchema.parse({ provider, ...required }) as Record<string, unknown>;
      const defaults = { ...mod.SMS_DEFAULTS[provider] };
      for (const [k, v] of Object.entries(defaults)) {
        if (k in required || v === '') continue;
        if (k === 'headers') expect(mod.headersText(parsed.headers as Record<string, string>)).toBe(v);
        else expect(v, `${provider}.${k}`).toEqual(parsed[k]);
      }
    }
    const smtp = mailSettingsSchema.parse({ provider: 'smtp', host: 'x', fromAddress: 'a@b.vn' }) as Record<string, unknown>;
    for (const [k, v] of Object.entries(mod.SMTP_DEFAULTS)) if (v !== '' || k === 'user') expect(v, k).toEqual(smtp[k]);
  });

  it('sends neither relay nor agency name when none is set, and keeps the directory rules', async () => {
    await loaded(viewOf({}));
    expect(store.form.sms.provider).toBe('none');
    expect(store.form.mail.provider).toBe('none');
    expect(await store.save()).toBe(true);
    const input = lastSave();
    expect(input.settings).toEqual({ version: 1, locale: 'vi', mode: 'training' });
    expect(input).not.toHaveProperty('smsSecret');
    expect(input).not.toHaveProperty('mailPassword');
  });

  it('eSMS: only its own fields, the two keys as one JSON secret', async () => {
    await loaded(viewOf({}));
    store.chooseSmsProvider('esms');
    store.form.sms.esms.brandname = 'SO TTTT';
    store.form.sms.http.url = 'https://other.example.vn'; // another provider's field: never sent
    store.form.agencyName = '  So TTTT ';
    store.form.smsApiKey = ' AK1 ';
    store.form.smsSecretKey = 'SK1';
    expect(await store.save()).toBe(true);
    const input = lastSave();
    expect(input.settings.sms).toEqual({
      provider: 'esms',
      url: 'https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/',
      brandname: 'SO TTTT',
      smsType: '2',
      timeoutMs: 10_000,
    });
    expect(input.settings.agencyName).toBe('So TTTT');
    expect(JSON.parse(input.smsSecret!)).toEqual({ apiKey: 'AK1', secretKey: 'SK1' });
    expect(input.settings).not.toHaveProperty('mail');
    // Saved: the typed keys are gone from the form.
    expect(store.form.smsApiKey).toBe('');
    expect(store.form.smsSecretKey).toBe('');
    expect(store.form.sms.esms.brandname).toBe('SO TTTT');
  });

  it('eSMS: one key without the other is refused before anything is sent', async () => {
    await loaded(viewOf({}));
    store.chooseSmsProvider('esms');
    store.form.sms.esms.brandname = 'SO TTTT';
    store.form.smsApiKey = 'AK1';
    expect(await store.save()).toBe(false);
    expect(store.saveError).toEqual({ code: 'VALIDATION_FAILED', field: 'smsSecret.secretKey', reason: 'required' });
    store.form.smsApiKey = '';
    store.form.smsSecretKey = 'SK1';
    expect(await store.save()).toBe(false);
    expect(store.saveError).toMatchObject({ field: 'smsSecret', reason: 'required' });
    expect(api.settings.save).not.toHaveBeenCalled();
  });

  it('SpeedSMS, generic HTTP and SMPP: numbers as numbers, headers as a record, the secret as typed', async () => {
    await loaded(viewOf({}));
    store.chooseSmsProvider('speedsms');
    store.form.sms.speedsms.sender = 'SO-TTTT';
    store.form.sms.speedsms.smsType = 5;
    store.form.sms.speedsms.timeoutMs = ''; // emptied number field: the default
    store.form.smsSecret = ' token ';
    await store.save();
    let input = lastSave();
    expect(input.settings.sms).toEqual({ provider: 'speedsms', url: 'https://api.speedsms.vn/index.php/sms/send', sender: 'SO-TTTT', smsType: 5, timeoutMs: 10_000 });
    expect(input.smsSecret).toBe(' token ');

    store.chooseSmsProvider('http');
    Object.assign(store.form.sms.http, {
      url: 'http://127.0.0.1:9000/send',
      headers: 'X-Api-Version: 2\n\n  X-Tenant : so-tttt ',
      secretHeader: 'Authorization',
      secretPrefix: 'Bearer ',
      successPath: 'status',
      successValue: 'ok',
    });
    store.form.smsSecret = 's3cret';
    await store.save();
    input = lastSave();
    expect(input.settings.sms).toMatchObject({
      provider: 'http',
      method: 'POST',
      contentType: 'application/json',
      headers: { 'X-Api-Version': '2', 'X-Tenant': 'so-tttt' },
      secretHeader: 'Authorization',
      secretPrefix: 'Bearer ',
      successPath: 'status',
      successValue: 'ok',
    });
    expect(input.smsSecret).toBe('s3cret');
    // Read back: the headers as text again.
    expect(store.form.sms.http.headers).toBe('X-Api-Version: 2\nX-Tenant: so-tttt');

    store.chooseSmsProvider('smpp');
    Object.assign(store.form.sms.smpp, { url: 'ssmpp://smsc.example.vn:3550', systemId: 'helpdesk', sourceAddr: 'SO TTTT', sourceTon: 1, sourceNpi: 1 });
    await store.save();
    input = lastSave();
    expect(input.settings.sms).toEqual({
      provider: 'smpp',
      url: 'ssmpp://smsc.example.vn:3550',
      systemId: 'helpdesk',
      systemType: '',
      sourceAddr: 'SO TTTT',
      sourceTon: 1,
      sourceNpi: 1,
      caCertificate: '',
      timeoutMs: 10_000,
    });
    expect(input).not.toHaveProperty('smsSecret');
  });

  it('a secret typed for one provider is dropped when the operator picks another', async () => {
    await loaded(viewOf({}));
    store.chooseSmsProvider('speedsms');
    store.form.smsSecret = 'speedsms-token';
    store.chooseSmsProvider('http');
    expect(store.form.smsSecret).toBe('');
    store.form.mail.provider = 'smtp';
    store.form.mailPassword = 'pw';
    store.chooseMailProvider('none');
    expect(store.form.mailPassword).toBe('');
  });

  it('turning a saved relay off sends { provider: "none" }; an untouched "none" is left out', async () => {
    await loaded(
      viewOf({
        sms: { provider: 'esms', url: 'https://rest.esms.vn/x/', brandname: 'SO', smsType: '2', timeoutMs: 10_000 },
        mail: { provider: 'none' },
        agencyName: 'So TTTT',
      }),
    );
    expect(store.form.agencyName).toBe('So TTTT');
    store.chooseSmsProvider('none');
    store.form.agencyName = ' ';
    await store.save();
    const input = lastSave();
    expect(input.settings.sms).toEqual({ provider: 'none' });
    expect(input.settings).not.toHaveProperty('mail');
    // The emptied agency name goes as undefined (removes it over IPC).
    expect(input.settings.agencyName).toBe(''); // cleared: '' survives JSON over HTTP
  });

  it('SMTP: port as a number, following the security mode; the password only when typed', async () => {
    await loaded(viewOf({}));
    store.chooseMailProvider('smtp');
    Object.assign(store.form.mail.smtp, { host: 'mail.tphcm.gov.vn', user: 'helpdesk', fromAddress: 'hotro@tphcm.gov.vn' });
    store.chooseMailSecurity('tls');
    expect(store.form.mail.smtp.port).toBe(465);
    store.form.mail.smtp.port = 2465;
    store.chooseMailSecurity('starttls');
    expect(store.form.mail.smtp.port).toBe(2465); // a custom port stays
    store.chooseMailSecurity('tls');
    await store.save();
    let input = lastSave();
    expect(input.settings.mail).toEqual({
      provider: 'smtp',
      host: 'mail.tphcm.gov.vn',
      port: 2465,
      security: 'tls',
      user: 'helpdesk',
      fromName: 'Bàn trợ giúp tài khoản',
      fromAddress: 'hotro@tphcm.gov.vn',
      caCertificate: '',
      timeoutMs: 10_000,
    });
    expect(input).not.toHaveProperty('mailPassword');
    store.form.mailPassword = 'mat khau';
    await store.save();
    input = lastSave();
    expect(input.mailPassword).toBe('mat khau');
  });

  it('shows a stored secret only while the form names the endpoint it was stored for', async () => {
    await loaded(
      viewOf(
        {
          sms: { provider: 'speedsms', url: 'https://api.speedsms.vn/index.php/sms/send', sender: 'SO', smsType: 3, timeoutMs: 10_000 },
          mail: { provider: 'smtp', host: 'mail.x.vn', port: 587, security: 'starttls', user: 'u', fromName: 'n', fromAddress: 'a@x.vn', caCertificate: '', timeoutMs: 10_000 },
        },
        { smsSecretStored: true, mailPasswordStored: true },
      ),
    );
    expect(store.smsSecretStored).toBe(true);
    expect(store.mailPasswordStored).toBe(true);
    store.form.sms.speedsms.url = 'https://other.speedsms.vn/send';
    store.form.mail.smtp.port = 2587;
    expect(store.smsSecretStored).toBe(false);
    expect(store.mailPasswordStored).toBe(false);
    store.form.sms.speedsms.url = 'https://api.speedsms.vn/index.php/sms/send';
    store.chooseSmsProvider('esms');
    expect(store.smsSecretStored).toBe(false);
  });

  it('a field error from the main process is kept for the view', async () => {
    await loaded(viewOf({}));
    store.chooseSmsProvider('esms');
    store.form.sms.esms.url = 'http://example.org';
    api.settings.save.mockResolvedValueOnce({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'settings.sms.url', reason: 'invalid_format' } });
    expect(await store.save()).toBe(false);
    expect(store.saveError).toMatchObject({ field: 'settings.sms.url' });
    expect(store.form.sms.esms.url).toBe('http://example.org');
  });

  it('"Kiểm tra kết nối" sends the directory only, never the relays or their secrets', async () => {
    await loaded(viewOf({}));
    store.chooseSmsProvider('http'); // url still empty: would not validate
    store.form.smsSecret = 'x';
    store.form.agencyName = 'So TTTT';
    api.settings.testConnection.mockResolvedValueOnce(ok({ ok: true, steps: [] }));
    await store.testConnection();
    const input = api.settings.testConnection.mock.lastCall?.[0] as { settings: Settings };
    expect(Object.keys(input)).toEqual(['settings']);
    expect(input.settings).not.toHaveProperty('sms');
    expect(input.settings).not.toHaveProperty('mail');
    expect(input.settings).not.toHaveProperty('agencyName');
    expect(input.settings.directory).toBeDefined();
  });

  it('parses header lines', () => {
    expect(mod.parseHeaders('A: 1\r\nB:two: parts\n\nbad')).toEqual({ A: '1', B: 'two: parts', bad: '' });
  });
});

describe('settings store: role groups', () => {
  const OPS = 'cn=tongdai,ou=groups,dc=tphcm,dc=gov,dc=vn';
  const SUP = 'cn=giamsat,ou=groups,dc=tphcm,dc=gov,dc=vn';
  const SUP2 = 'cn=lanhdao,ou=groups,dc=tphcm,dc=gov,dc=vn';
  const AUD = 'cn=kiemtra,ou=groups,dc=tphcm,dc=gov,dc=vn';
  function directory(roleGroups: { operator: string[]; supervisor: string[]; auditor: string[] }): Settings['directory'] {
    return {
      ...directoryDefaults('openldap'),
      url: 'ldaps://ldap.tphcm.gov.vn',
      baseDn: 'dc=tphcm,dc=gov,dc=vn',
      serviceBindDn: 'cn=helpdesk,ou=services,dc=tphcm,dc=gov,dc=vn',
      roleGroups,
    };
  }

  it('one group DN a line: trimmed, empty lines dropped', () => {
    expect(mod.textLines(`  ${SUP}  \r\n\n   \n${SUP2}\n`)).toEqual([SUP, SUP2]);
    expect(mod.textLines('')).toEqual([]);
    expect(mod.textLines(mod.linesText([OPS, AUD]))).toEqual([OPS, AUD]);
  });

  it('saved groups show one a line, and go back as lists', async () => {
    await loaded(viewOf({ mode: 'directory', directory: directory({ operator: [OPS], supervisor: [SUP, SUP2], auditor: [] }) }));
    expect(store.form.directory.roleGroups).toEqual({ operator: OPS, supervisor: `${SUP}\n${SUP2}`, auditor: '' });
    store.form.directory.roleGroups.auditor = `\n ${AUD} \n`;
    store.form.directory.roleGroups.supervisor = `${SUP}\n\n`;
    expect(await store.save()).toBe(true);
    expect(lastSave().settings.directory?.roleGroups).toEqual({ operator: [OPS], supervisor: [SUP], auditor: [AUD] });
    // The answer is shown again as text.
    expect(store.form.directory.roleGroups).toEqual({ operator: OPS, supervisor: SUP, auditor: AUD });
  });

  it('a new profile starts with no groups, and a test of the connection sends them as lists', async () => {
    await loaded(viewOf({}));
    expect(store.form.directory.roleGroups).toEqual({ operator: '', supervisor: '', auditor: '' });
    api.settings.testConnection.mockResolvedValueOnce(ok({ ok: true, steps: [] }));
    await store.testConnection();
    const input = api.settings.testConnection.mock.lastCall?.[0] as { settings: Settings };
    expect(input.settings.directory?.roleGroups).toEqual({ operator: [], supervisor: [], auditor: [] });
  });

  it('no supervisor group: the refusal names the field for the view', async () => {
    await loaded(viewOf({ mode: 'directory', directory: directory({ operator: [OPS], supervisor: [SUP], auditor: [] }) }));
    store.form.directory.roleGroups.supervisor = '  \n';
    api.settings.save.mockResolvedValueOnce({
      ok: false,
      error: { code: 'VALIDATION_FAILED', field: 'settings.directory.roleGroups.supervisor', reason: 'required' },
    });
    expect(await store.save()).toBe(false);
    expect(lastSave().settings.directory?.roleGroups.supervisor).toEqual([]);
    expect(store.saveError).toMatchObject({ field: 'settings.directory.roleGroups.supervisor', reason: 'required' });
    expect(store.form.directory.roleGroups.supervisor).toBe('  \n');
  });
});

describe('settings store: audit retention', () => {
  it('the field as months: empty is the default (null), numbers as typed, anything else NaN', () => {
    expect(mod.optionalNumberOf('')).toBeNull();
    expect(mod.optionalNumberOf('   ')).toBeNull();
    expect(mod.optionalNumberOf(36)).toBe(36);
    expect(mod.optionalNumberOf(' 48 ')).toBe(48);
    expect(mod.optionalNumberOf('abc')).toBeNaN();
  });

  it('not set: the field is empty and `audit` is left out', async () => {
    await loaded(viewOf({}));
    expect(store.form.auditRetention).toBe('');
    expect(await store.save()).toBe(true);
    expect(lastSave().settings).not.toHaveProperty('audit');
  });

  it('typed: sent as settings.audit.retentionMonths, shown again from the answer', async () => {
    await loaded(viewOf({}));
    store.form.auditRetention = 6;
    expect(await store.save()).toBe(true);
    const input = lastSave();
    expect(input.settings.audit).toEqual({ retentionMonths: 6 });
    expect(settingsSchema.safeParse(input.settings).success).toBe(true);
    expect(store.form.auditRetention).toBe(6);
  });

  it('a saved retention fills the field; emptied, the default goes (left out, the saved one would stay)', async () => {
    await loaded(viewOf({ audit: { retentionMonths: 60 } }));
    expect(store.form.auditRetention).toBe(60);
    expect(await store.save()).toBe(true);
    expect(lastSave().settings.audit).toEqual({ retentionMonths: 60 });
    store.form.auditRetention = '';
    expect(await store.save()).toBe(true);
    expect(lastSave().settings.audit).toEqual({ retentionMonths: DEFAULT_RETENTION_MONTHS });
  });

  it('out of range: the refusal names the field; the value typed stays', async () => {
    await loaded(viewOf({}));
    store.form.auditRetention = 3;
    // The main process's own answer for 3 (the contract schema, as it checks the input).
    const parsed = INPUT_SCHEMAS.settings.save.safeParse({ settings: { version: 1, locale: 'vi', mode: 'training', audit: { retentionMonths: 3 } } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({ path: ['settings', 'audit', 'retentionMonths'], message: 'too_short' });
    api.settings.save.mockResolvedValueOnce({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'settings.audit.retentionMonths', reason: 'too_short' } });
    expect(await store.save()).toBe(false);
    expect((api.settings.save.mock.lastCall?.[0] as SaveInput).settings.audit).toEqual({ retentionMonths: 3 });
    expect(store.saveError).toMatchObject({ field: 'settings.audit.retentionMonths', reason: 'too_short' });
    expect(store.form.auditRetention).toBe(3);
  });

  it('"Kiểm tra kết nối" never sends the retention', async () => {
    await loaded(viewOf({ audit: { retentionMonths: 60 } }));
    api.settings.testConnection.mockResolvedValueOnce(ok({ ok: true, steps: [] }));
    await store.testConnection();
    expect((api.settings.testConnection.mock.lastCall?.[0] as { settings: Settings }).settings).not.toHaveProperty('audit');
  });
});

describe('settings store: idle lock minutes', () => {
  it('not set: the field is empty and `session` is left out', async () => {
    await loaded(viewOf({}));
    expect(store.form.idleLockMinutes).toBe('');
    expect(await store.save()).toBe(true);
    expect(lastSave().settings).not.toHaveProperty('session');
  });

  it('typed: sent as settings.session.idleLockMinutes, valid for the contract', async () => {
    await loaded(viewOf({}));
    store.form.idleLockMinutes = 3;
    expect(await store.save()).toBe(true);
    expect(lastSave().settings.session).toEqual({ idleLockMinutes: 3 });
    expect(INPUT_SCHEMAS.settings.save.safeParse(lastSave()).success).toBe(true);
  });

  it('a saved value fills the field; emptied, the default goes', async () => {
    await loaded(viewOf({ session: { idleLockMinutes: 30 } }));
    expect(store.form.idleLockMinutes).toBe(30);
    store.form.idleLockMinutes = '';
    expect(await store.save()).toBe(true);
    expect(lastSave().settings.session).toEqual({ idleLockMinutes: DEFAULT_IDLE_LOCK_MINUTES });
  });

  it('out of range: refused by the contract at the field; what was typed stays', async () => {
    await loaded(viewOf({}));
    store.form.idleLockMinutes = 0;
    const parsed = INPUT_SCHEMAS.settings.save.safeParse({ settings: { version: 1, locale: 'vi', mode: 'training', session: { idleLockMinutes: 0 } } });
    expect(parsed.error?.issues[0]).toMatchObject({ path: ['settings', 'session', 'idleLockMinutes'], message: 'too_short' });
    api.settings.save.mockResolvedValueOnce({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'settings.session.idleLockMinutes', reason: 'too_short' } });
    expect(await store.save()).toBe(false);
    expect(store.form.idleLockMinutes).toBe(0);
  });
});

describe('bounds of the number settings (common/setting-bounds.ts)', () => {
  it('are the schema\'s own: each default valid, each bound the last valid value', async () => {
    const b = await import('../../../src-main/common/setting-bounds');
    const valid = (s: Partial<Settings>) => settingsSchema.safeParse(s).success;
    const months = (n: number) => valid({ audit: { retentionMonths: n } });
    const minutes = (n: number) => valid({ session: { idleLockMinutes: n } });
    expect([b.MIN_RETENTION_MONTHS - 1, b.MIN_RETENTION_MONTHS, b.MAX_RETENTION_MONTHS, b.MAX_RETENTION_MONTHS + 1].map(months)).toEqual([false, true, true, false]);
    expect([b.MIN_IDLE_LOCK_MINUTES - 1, b.MIN_IDLE_LOCK_MINUTES, b.MAX_IDLE_LOCK_MINUTES, b.MAX_IDLE_LOCK_MINUTES + 1].map(minutes)).toEqual([false, true, true, false]);
    expect(months(b.DEFAULT_RETENTION_MONTHS) && minutes(b.DEFAULT_IDLE_LOCK_MINUTES)).toBe(true);
  });
});

describe('settings store: answers that arrive after sign-out', () => {
  it('a connection report or a load answered after the session ended is dropped, not shown to the next user', async () => {
    const { useSessionStore } = __stores_session;
    useSessionStore().current = { operator: { username: 'giamsat01', displayName: 'Võ Thanh Tâm', dn: 'uid=giamsat01', roles: ['supervisor'] }, since: '2026-11-23T01:00:00.000Z', mode: 'directory', locked: false, idleLockMinutes: 10, setupOpen: false, rules: RULES };
    await loaded(viewOf({}));
    let answerTest!: (v: unknown) => void;
    api.settings.testConnection.mockReturnValueOnce(new Promise((r) => (answerTest = r)));
    let answerLoad!: (v: unknown) => void;
    api.settings.get.mockReturnValueOnce(new Promise((r) => (answerLoad = r)));
    const testing = store.testConnection();
    const loading = store.load();
    useSessionStore().expired();
    answerTest(ok({ ok: true, steps: [{ step: 'dns', ok: true, ms: 1 }] }));
    answerLoad(ok(viewOf({ agencyName: 'Sở của người trước' })));
    await Promise.all([testing, loading]);
    expect((store as unknown as { report: unknown }).report).toBeNull();
    expect(store.view).toBeNull();
    expect(store.form.agencyName).toBe('');
  });
});

describe('settings store: a save that ends the session before its answer arrives', () => {
  it('still says it was saved (and that the session ended), showing the saved settings with no secret', async () => {
    const { useSessionStore } = __stores_session;
    useSessionStore().current = { operator: { username: 'giamsat01', displayName: 'Võ Thanh Tâm', dn: 'uid=giamsat01', roles: ['supervisor'] }, since: '2026-11-23T01:00:00.000Z', mode: 'training', locked: false, idleLockMinutes: 10, setupOpen: false, rules: RULES };
    await loaded(viewOf({}));
    store.form.agencyName = 'So TTTT';
    store.form.servicePassword = 'typed-secret';
    let answer!: (v: unknown) => void;
    api.settings.save.mockReturnValueOnce(new Promise((r) => (answer = r)));
    const saving = store.save();
    // A poll answered NOT_SIGNED_IN while the save was on its way: the main process had ended the session.
    useSessionStore().expired();
    expect(store.form.servicePassword).toBe('');
    answer(ok(viewOf({ agencyName: 'So TTTT' })));
    expect(await saving).toBe(true);
    expect(store.saved).toBe('signed-out');
    expect(store.form.agencyName).toBe('So TTTT');
    expect(store.form.servicePassword).toBe('');
  });
});

describe('settings store: unsaved changes', () => {
  it('is dirty once something is typed, clean again when saved or dropped', async () => {
    await loaded(viewOf({ agencyName: 'Sở Nội vụ' }));
    expect(store.dirty).toBe(false);
    store.form.agencyName = 'Sở Y tế';
    expect(store.dirty).toBe(true);
    store.discard();
    expect(store.form.agencyName).toBe('Sở Nội vụ');
    expect(store.dirty).toBe(false);
    store.form.agencyName = 'Sở Y tế';
    expect(await store.save()).toBe(true);
    expect(store.dirty).toBe(false);
  });

  it('what is typed while the settings are read again stays, as an unsaved change; a save made meanwhile keeps its answer', async () => {
    await loaded(viewOf({ agencyName: 'Sở Nội vụ', audit: { retentionMonths: 6 } }));
    let answer!: (r: Result<SettingsView>) => void;
    api.settings.get.mockReturnValueOnce(new Promise((r) => (answer = r)));
    const reading = store.load();
    store.form.auditRetention = 3;
    api.settings.save.mockResolvedValueOnce({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'settings.audit.retentionMonths', reason: 'too_short' } });
    expect(await store.save()).toBe(false);
    answer(ok(viewOf({ agencyName: 'Sở Nội vụ', audit: { retentionMonths: 6 } })));
    await reading;
    expect(store.form.auditRetention).toBe(3);
    expect(store.dirty).toBe(true);
    expect(store.saveError?.field).toBe('settings.audit.retentionMonths');
  });
});
