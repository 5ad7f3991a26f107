import type { AppMode, ConnectionReport, SettingsView } from '@common/dto';
import type { ApiError } from '@common/result';
import { DIALECT_DEFAULTS, type Dialect, directoryDefaults } from '@common/dialects';
import type { Role } from '@common/roles';
import type { DirectorySettings, MailSettings, Settings, SmsSettings } from '@common/settings';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api } from '../bridge';
import { DEFAULT_IDLE_LOCK_MINUTES, DEFAULT_RETENTION_MONTHS } from '@common/setting-bounds';
import { useAppStore } from './app';
import { clearOnSignOut, useSessionStore } from './session';

export type SmsProvider = SmsSettings['provider'];
export type MailProvider = MailSettings['provider'];
type SmsOf<P extends SmsProvider> = Omit<Extract<SmsSettings, { provider: P }>, 'provider'>;
type SmtpFields = Omit<Extract<MailSettings, { provider: 'smtp' }>, 'provider'>;
export type HttpSmsFields = Omit<SmsOf<'http'>, 'headers'> & {
  /** The non-secret headers as text, one `Name: value` a line. */
  headers: string;
};

export const SMS_PROVIDERS: readonly SmsProvider[] = ['none', 'esms', 'speedsms', 'http', 'smpp'];
export const MAIL_PROVIDERS: readonly MailProvider[] = ['none', 'smtp'];
export const ESMS_SMS_TYPES: readonly SmsOf<'esms'>['smsType'][] = ['2', '8', '24', '25'];

/**
 * A new profile's values: the defaults of `smsSettingsSchema` (common/settings.ts, which the renderer
 * does not import at run time; a unit test keeps the two equal) and empty required fields.
 */
export const SMS_DEFAULTS: {
  esms: SmsOf<'esms'>;
  speedsms: SmsOf<'speedsms'>;
  http: HttpSmsFields;
  smpp: SmsOf<'smpp'>;
} = {
  esms: {
    url: 'https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/',
    brandname: '',
    smsType: '2',
    timeoutMs: 10_000,
  },
  speedsms: { url: 'https://api.speedsms.vn/index.php/sms/send', sender: '', smsType: 3, timeoutMs: 10_000 },
  http: {
    url: '',
    method: 'POST',
    contentType: 'application/json',
    headers: '',
    secretHeader: '',
    secretPrefix: '',
    bodyTemplate: '{"to":"{{to}}","text":"{{text}}","requestId":"{{requestId}}"}',
    successPath: '',
    successValue: '',
    messageIdPath: '',
    timeoutMs: 10_000,
  },
  smpp: {
    url: '',
    systemId: '',
    systemType: '',
    sourceAddr: '',
    sourceTon: 5,
    sourceNpi: 0,
    caCertificate: '',
    timeoutMs: 10_000,
  },
};

/** A new SMTP profile: the defaults of `mailSettingsSchema`. */
export const SMTP_DEFAULTS: SmtpFields = {
  host: '',
  port: 587,
  security: 'starttls',
  user: '',
  fromName: 'Bàn trợ giúp tài khoản',
  fromAddress: '',
  caCertificate: '',
  timeoutMs: 10_000,
};

/** The port that goes with each SMTP security mode. */
export const SMTP_PORTS = { starttls: 587, tls: 465 } as const;

/** Every provider's fields are kept while the operator switches between them; only the chosen one is sent. */
export interface SmsForm {
  provider: SmsProvider;
  esms: SmsOf<'esms'>;
  speedsms: SmsOf<'speedsms'>;
  http: HttpSmsFields;
  smpp: SmsOf<'smpp'>;
}

export interface MailForm {
  provider: MailProvider;
  smtp: SmtpFields;
}

/** The role groups as edited: one group DN a line, per role. */
export type RoleGroupsText = Record<Role, string>;

/** The directory profile as edited: as saved, but the role groups as text. */
export type DirectoryForm = Omit<DirectorySettings, 'roleGroups'> & { roleGroups: RoleGroupsText };

/** The editable form: the directory profile is always there, even in training mode. */
export interface SettingsForm {
  mode: AppMode;
  /** Empty: the agency name is not set (the main process uses its own default). */
  agencyName: string;
  directory: DirectoryForm;
  sms: SmsForm;
  mail: MailForm;
  /** Months the audit rows are kept before a purge; '' (empty field): the default, 24. */
  auditRetention: number | string;
  /** Minutes without activity before the session locks; '' (empty field): the default, 10. */
  idleLockMinutes: number | string;
  /** Typed by the operator; sent only when not empty, never filled from the main process. */
  servicePassword: string;
  /** SpeedSMS access token, generic HTTP secret header value or SMPP password (typed, never filled). */
  smsSecret: string;
  /** eSMS: the two keys, sent together as `{"apiKey":"…","secretKey":"…"}` (typed, never filled). */
  smsApiKey: string;
  smsSecretKey: string;
  /** The SMTP password (typed, never filled). */
  mailPassword: string;
}

/** Group DNs, one a line: `[a, b]` → "a\nb". */
export function linesText(lines: readonly string[]): string {
  return lines.join('\n');
}

/** One group DN a line → the list: each line trimmed, empty lines dropped. */
export function textLines(text: string): string[] {
  return text
    .split(/\r?\n/u)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** The saved profile as the form edits it (copies: nothing reactive is shared with the view). */
function directoryFormOf(d: DirectorySettings): DirectoryForm {
  const g = d.roleGroups;
  return {
    ...d,
    attributes: { ...d.attributes },
    roleGroups: { operator: linesText(g.operator), supervisor: linesText(g.supervisor), auditor: linesText(g.auditor) },
  };
}

/** The profile to send: the role groups as lists again. */
export function directorySettingsOf(d: DirectoryForm): DirectorySettings {
  const g = d.roleGroups;
  return {
    ...d,
    attributes: { ...d.attributes },
    roleGroups: { operator: textLines(g.operator), supervisor: textLines(g.supervisor), auditor: textLines(g.auditor) },
  };
}

function blankDirectory(dialect: Dialect = 'openldap'): DirectoryForm {
  return directoryFormOf({ ...directoryDefaults(dialect), url: '', baseDn: '', serviceBindDn: '' });
}

/** `{ "X-Api-Version": "2" }` → `X-Api-Version: 2`, one header a line. */
export function headersText(headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n');
}

/**
 * `Name: value` lines → a record. Blank lines are skipped; a line without a colon becomes a header
 * with an empty value, which the main process refuses next to the headers field.
 */
export function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/u)) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    const name = (colon < 0 ? line : line.slice(0, colon)).trim();
    headers[name] = colon < 0 ? '' : line.slice(colon + 1).trim();
  }
  return headers;
}

/** A saved provider's own fields over the defaults (a copy: nothing reactive is shared with the view). */
function fieldsOf<T extends object>(defaults: T, saved: object | undefined): T {
  const out = { ...defaults };
  if (saved) {
    for (const k of Object.keys(defaults) as (keyof T)[]) {
      const v = (saved as Partial<T>)[k];
      if (v !== undefined) out[k] = v;
    }
  }
  return out;
}

function smsFormOf(saved: SmsSettings | undefined): SmsForm {
  const is = <P extends SmsProvider>(p: P) => (saved?.provider === p ? (saved as Extract<SmsSettings, { provider: P }>) : undefined);
  const http = is('http');
  return {
    provider: saved?.provider ?? 'none',
    esms: fieldsOf(SMS_DEFAULTS.esms, is('esms')),
    speedsms: fieldsOf(SMS_DEFAULTS.speedsms, is('speedsms')),
    http: { ...fieldsOf(SMS_DEFAULTS.http, http ? { ...http, headers: headersText(http.headers) } : undefined) },
    smpp: fieldsOf(SMS_DEFAULTS.smpp, is('smpp')),
  };
}

function mailFormOf(saved: MailSettings | undefined): MailForm {
  return {
    provider: saved?.provider ?? 'none',
    smtp: fieldsOf(SMTP_DEFAULTS, saved?.provider === 'smtp' ? saved : undefined),
  };
}

function formOf(view: SettingsView | null): SettingsForm {
  const d = view?.settings.directory;
  return {
    mode: view?.settings.mode ?? 'training',
    agencyName: view?.settings.agencyName ?? '',
    directory: d ? directoryFormOf(d) : blankDirectory(),
    sms: smsFormOf(view?.settings.sms),
    mail: mailFormOf(view?.settings.mail),
    auditRetention: view?.settings.audit?.retentionMonths ?? '',
    idleLockMinutes: view?.settings.session?.idleLockMinutes ?? '',
    servicePassword: '',
    smsSecret: '',
    smsApiKey: '',
    smsSecretKey: '',
    mailPassword: '',
  };
}

/**
 * A number field as a number. `v-model.number` leaves an empty or unparsable input as a string:
 * empty takes the default, anything else goes as NaN (sent as null) and the main process refuses it
 * next to the field.
 */
function num(value: number | string, fallback: number): number {
  if (typeof value === 'number') return value;
  return value.trim() === '' ? fallback : Number(value);
}

/**
 * An optional number field (retention months, idle minutes): null when empty (the default applies),
 * NaN for anything that is not a number (sent as null: the main process refuses it next to the field).
 */
export function optionalNumberOf(value: number | string): number | null {
  if (typeof value === 'number') return value;
  return value.trim() === '' ? null : Number(value);
}

/** The chosen provider's settings, and nothing of the others. */
export function smsSettingsOf(f: SmsForm): SmsSettings {
  switch (f.provider) {
    case 'none':
      return { provider: 'none' };
    case 'esms': {
      const e = f.esms;
      return {
        provider: 'esms',
        url: e.url,
        brandname: e.brandname,
        smsType: e.smsType,
        timeoutMs: num(e.timeoutMs, SMS_DEFAULTS.esms.timeoutMs),
      };
    }
    case 'speedsms': {
      const e = f.speedsms;
      return {
        provider: 'speedsms',
        url: e.url,
        sender: e.sender,
        smsType: num(e.smsType, SMS_DEFAULTS.speedsms.smsType),
        timeoutMs: num(e.timeoutMs, SMS_DEFAULTS.speedsms.timeoutMs),
      };
    }
    case 'http': {
      const e = f.http;
      return {
        provider: 'http',
        url: e.url,
        method: e.method,
        contentType: e.contentType,
        headers: parseHeaders(e.headers),
        secretHeader: e.secretHeader.trim(),
        secretPrefix: e.secretPrefix,
        bodyTemplate: e.bodyTemplate,
        successPath: e.successPath.trim(),
        successValue: e.successValue,
        messageIdPath: e.messageIdPath.trim(),
        timeoutMs: num(e.timeoutMs, SMS_DEFAULTS.http.timeoutMs),
      };
    }
    case 'smpp': {
      const e = f.smpp;
      return {
        provider: 'smpp',
        url: e.url.trim(),
        systemId: e.systemId,
        systemType: e.systemType.trim(),
        sourceAddr: e.sourceAddr,
        sourceTon: num(e.sourceTon, SMS_DEFAULTS.smpp.sourceTon),
        sourceNpi: num(e.sourceNpi, SMS_DEFAULTS.smpp.sourceNpi),
        caCertificate: e.caCertificate,
        timeoutMs: num(e.timeoutMs, SMS_DEFAULTS.smpp.timeoutMs),
      };
    }
  }
}

export function mailSettingsOf(f: MailForm): MailSettings {
  if (f.provider === 'none') return { provider: 'none' };
  const e = f.smtp;
  return {
    provider: 'smtp',
    host: e.host,
    port: num(e.port, SMTP_PORTS[e.security]),
    security: e.security,
    user: e.user.trim(),
    fromName: e.fromName,
    fromAddress: e.fromAddress,
    caCertificate: e.caCertificate,
    timeoutMs: num(e.timeoutMs, SMTP_DEFAULTS.timeoutMs),
  };
}

/**
 * The keychain entry a relay secret is stored under depends on the endpoint and how it is reached
 * (app/secret-keys.ts: URL; for SMPP and SMTP also the TLS mode and the CA): a stored secret only counts
 * while the form still names that endpoint the same way.
 */
function sameSmsEndpoint(a: SmsSettings | undefined, b: SmsSettings): boolean {
  if (!a || a.provider === 'none' || b.provider !== a.provider || b.url.trim() !== a.url) return false;
  return a.provider !== 'smpp' || (b.provider === 'smpp' && b.caCertificate.trim() === a.caCertificate.trim());
}
function sameMailEndpoint(a: MailSettings | undefined, b: MailSettings): boolean {
  return (
    !!a &&
    a.provider === 'smtp' &&
    b.provider === 'smtp' &&
    a.user !== '' &&
    b.user === a.user &&
    b.host.trim() === a.host &&
    b.port === a.port &&
    b.security === a.security &&
    b.caCertificate.trim() === a.caCertificate.trim()
  );
}

/** The relay secrets typed on the form, as the contract takes them; or the field that is missing. */
type SecretInput = { smsSecret?: string; mailPassword?: string };

/** Settings as viewed and edited on the settings screen. */
export const useSettingsStore = defineStore('settings', () => {
  const view = ref<SettingsView | null>(null);
  const form = ref<SettingsForm>(formOf(null));
  const loading = ref(false);
  const loadError = ref<ApiError | null>(null);
  const saving = ref(false);
  const saveError = ref<ApiError | null>(null);
  const saved = ref<'saved' | 'signed-out' | null>(null);
  const testing = ref(false);
  const report = ref<ConnectionReport | null>(null);
  const testError = ref<ApiError | null>(null);
  /** True while a save reloads the session (a mode change ends it: see clear()). */
  let sessionEndedBySave = false;
  /** Moves on at every clear(): an answer that arrives for an earlier session is dropped. */
  let epoch = 0;

  async function load(): Promise<void> {
    const at = epoch;
    loading.value = true;
    const r = await api.settings.get({});
    if (at !== epoch) return;
    loading.value = false;
    if (r.ok) {
      view.value = r.value;
      form.value = formOf(r.value);
      loadError.value = null;
    } else {
      loadError.value = r.error;
    }
    saveError.value = null;
    saved.value = null;
    report.value = null;
    testError.value = null;
  }

  /** A different directory type: its default filter and attribute mapping replace the current ones. */
  function applyDialect(dialect: Dialect): void {
    const d = form.value.directory;
    d.dialect = dialect;
    d.userFilter = DIALECT_DEFAULTS[dialect].userFilter;
    d.attributes = { ...DIALECT_DEFAULTS[dialect].attributes };
  }

  function directoryTouched(d: DirectoryForm): boolean {
    return d.url.trim() !== '' || d.baseDn.trim() !== '' || d.serviceBindDn.trim() !== '';
  }

  /**
   * The Settings to send: the profile goes along in directory mode, or when the operator filled it in.
   * With `relays`, the agency name, the SMS and mail relays, the audit retention and the idle lock too:
   * a relay is sent when one is chosen, or as `{ provider: 'none' }` when the operator turns a saved one
   * off; left out otherwise, so the main process keeps what it has. The retention and the idle minutes
   * go when typed (or when a saved one is emptied: as the default).
   */
  function settingsOf(withDirectory: boolean, relays: boolean): Settings {
    const f = form.value;
    const saved = view.value?.settings;
    const s: Settings = { version: 1, locale: saved?.locale ?? 'vi', mode: f.mode };
    if (withDirectory || f.mode === 'directory' || directoryTouched(f.directory)) {
      s.directory = directorySettingsOf(f.directory);
    }
    if (!relays) return s;
    const agency = f.agencyName.trim();
    if (agency !== '') s.agencyName = agency;
    else if (saved?.agencyName) s.agencyName = ''; // cleared: '' survives JSON (undefined would be dropped)
    if (f.sms.provider !== 'none' || (saved?.sms && saved.sms.provider !== 'none')) s.sms = smsSettingsOf(f.sms);
    if (f.mail.provider !== 'none' || (saved?.mail && saved.mail.provider !== 'none')) s.mail = mailSettingsOf(f.mail);
    const retention = optionalNumberOf(f.auditRetention);
    if (retention !== null) s.audit = { retentionMonths: retention };
    // Emptied: back to the default. Left out, the main process would keep the saved value.
    else if (saved?.audit) s.audit = { retentionMonths: DEFAULT_RETENTION_MONTHS };
    const idle = optionalNumberOf(f.idleLockMinutes);
    if (idle !== null) s.session = { idleLockMinutes: idle };
    else if (saved?.session) s.session = { idleLockMinutes: DEFAULT_IDLE_LOCK_MINUTES };
    return s;
  }

  function passwordInput(): { servicePassword?: string } {
    const p = form.value.servicePassword;
    return p === '' ? {} : { servicePassword: p };
  }

  /** The relay secrets the operator typed for the chosen providers, or the half of the eSMS pair that is missing. */
  function secretInput(): SecretInput | ApiError {
    const f = form.value;
    const out: SecretInput = {};
    if (f.sms.provider === 'esms') {
      const apiKey = f.smsApiKey.trim();
      const secretKey = f.smsSecretKey.trim();
      if (apiKey !== '' || secretKey !== '') {
        if (apiKey === '') return { code: 'VALIDATION_FAILED', field: 'smsSecret', reason: 'required' };
        if (secretKey === '') return { code: 'VALIDATION_FAILED', field: 'smsSecret.secretKey', reason: 'required' };
        out.smsSecret = JSON.stringify({ apiKey, secretKey });
      }
    } else if (f.sms.provider !== 'none' && f.smsSecret !== '') {
      out.smsSecret = f.smsSecret;
    }
    if (f.mail.provider === 'smtp' && f.mailPassword !== '') out.mailPassword = f.mailPassword;
    return out;
  }

  /** Whether the keychain holds a secret for the SMS endpoint now on the form. */
  const smsSecretStored = computed(
    () => !!view.value?.smsSecretStored && sameSmsEndpoint(view.value.settings.sms, smsSettingsOf(form.value.sms)),
  );
  /** Whether the keychain holds the password for the SMTP account now on the form. */
  const mailPasswordStored = computed(
    () => !!view.value?.mailPasswordStored && sameMailEndpoint(view.value.settings.mail, mailSettingsOf(form.value.mail)),
  );

  /** Another SMS provider: the secrets typed for the previous one are never sent to this one. */
  function chooseSmsProvider(provider: SmsProvider): void {
    const f = form.value;
    f.sms.provider = provider;
    f.smsSecret = '';
    f.smsApiKey = '';
    f.smsSecretKey = '';
  }

  function chooseMailProvider(provider: MailProvider): void {
    form.value.mail.provider = provider;
    form.value.mailPassword = '';
  }

  /** Another SMTP security mode: the port follows when it was the other mode's standard port (or empty). */
  function chooseMailSecurity(security: SmtpFields['security']): void {
    const smtp = form.value.mail.smtp;
    const port = smtp.port as number | string;
    if (port === '' || Object.values(SMTP_PORTS).includes(port as 587 | 465)) smtp.port = SMTP_PORTS[security];
    smtp.security = security;
  }

  async function save(): Promise<boolean> {
    saving.value = true;
    saveError.value = null;
    testError.value = null;
    saved.value = null;
    const session = useSessionStore();
    const wasSignedIn = session.signedIn;
    try {
      const secrets = secretInput();
      if ('code' in secrets) {
        saveError.value = secrets;
        return false;
      }
      const at = epoch;
      const r = await api.settings.save({ settings: settingsOf(false, true), ...passwordInput(), ...secrets });
      if (at !== epoch) {
        // The session ended while the save was on its way (a mode change ends it before the answer):
        // a save that took effect still says so; the screen holds the saved settings, no secret.
        if (r.ok) {
          view.value = r.value;
          form.value = formOf(r.value);
          saved.value = 'signed-out';
        }
        return r.ok;
      }
      if (!r.ok) {
        saveError.value = r.error;
        return false;
      }
      view.value = r.value;
      form.value = formOf(r.value);
      // A changed mode restarts the directory and ends the session in the main process.
      sessionEndedBySave = true;
      try {
        await Promise.all([useAppStore().load(), session.load()]);
      } finally {
        sessionEndedBySave = false;
      }
      saved.value = wasSignedIn && !session.signedIn ? 'signed-out' : 'saved';
      return true;
    } finally {
      saving.value = false;
    }
  }

  async function testConnection(): Promise<void> {
    testing.value = true;
    report.value = null;
    testError.value = null;
    saveError.value = null;
    saved.value = null;
    try {
      const at = epoch;
      const r = await api.settings.testConnection({ settings: settingsOf(true, false), ...passwordInput() });
      if (at !== epoch) return;
      if (r.ok) report.value = r.value;
      else testError.value = r.error;
    } finally {
      testing.value = false;
    }
  }

  /**
   * Sign-out: what was read or typed here (the settings, passwords and keys typed, a connection
   * report) is forgotten; the screen reads the settings again when opened. Except when the save itself
   * ended the session (a mode change): its answer stays, with `saved` saying so, and its form holds
   * the saved settings with no secret (formOf never carries one).
   */
  function clear(): void {
    if (sessionEndedBySave) return;
    epoch += 1;
    view.value = null;
    form.value = formOf(null);
    loading.value = false;
    loadError.value = null;
    saving.value = false;
    saveError.value = null;
    saved.value = null;
    testing.value = false;
    report.value = null;
    testError.value = null;
  }

  clearOnSignOut(clear);

  return {
    view,
    form,
    loading,
    loadError,
    saving,
    saveError,
    saved,
    testing,
    report,
    testError,
    smsSecretStored,
    mailPasswordStored,
    load,
    applyDialect,
    chooseSmsProvider,
    chooseMailProvider,
    chooseMailSecurity,
    save,
    testConnection,
    clear,
  };
});
