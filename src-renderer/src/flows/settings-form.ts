/** The settings screen's form: its shapes, the providers' defaults (those of the schemas) and the mapping to and from the saved settings — pure functions, no store. */
import type { AppMode, SettingsView } from '@common/dto';
import { type Dialect, directoryDefaults } from '@common/dialects';
import type { Role } from '@common/roles';
import type { AttributeMapping, DirectorySettings, MailSettings, SmsSettings } from '@common/settings';

export type SmsProvider = SmsSettings['provider'];

export type MailProvider = MailSettings['provider'];

export type SmsOf<P extends SmsProvider> = Omit<Extract<SmsSettings, { provider: P }>, 'provider'>;

export type SmtpFields = Omit<Extract<MailSettings, { provider: 'smtp' }>, 'provider'>;

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

/** The attribute mapping as edited: as saved, but the mobile's fallback attributes as text (`telephoneNumber, homePhone`). */
export type AttributesForm = Omit<AttributeMapping, 'mobileFallbacks'> & { mobileFallbacks: string };

/** The directory profile as edited: as saved, but the role groups and the mobile's fallbacks as text. */
export type DirectoryForm = Omit<DirectorySettings, 'roleGroups' | 'attributes'> & { roleGroups: RoleGroupsText; attributes: AttributesForm };

/** The mapping as the form edits it: the fallback attributes comma-separated. */
export function attributesFormOf(a: AttributeMapping): AttributesForm {
  return { ...a, mobileFallbacks: a.mobileFallbacks.join(', ') };
}

/** The mapping to send: attribute names separated by commas or spaces, empty ones dropped. */
export function attributeMappingOf(a: AttributesForm): AttributeMapping {
  return { ...a, mobileFallbacks: a.mobileFallbacks.split(/[\s,]+/u).filter((n) => n !== '') };
}

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
export function directoryFormOf(d: DirectorySettings): DirectoryForm {
  const g = d.roleGroups;
  return {
    ...d,
    attributes: attributesFormOf(d.attributes),
    roleGroups: { operator: linesText(g.operator), supervisor: linesText(g.supervisor), auditor: linesText(g.auditor) },
  };
}

/** The profile to send: the role groups as lists again. */
export function directorySettingsOf(d: DirectoryForm): DirectorySettings {
  const g = d.roleGroups;
  return {
    ...d,
    attributes: attributeMappingOf(d.attributes),
    roleGroups: { operator: textLines(g.operator), supervisor: textLines(g.supervisor), auditor: textLines(g.auditor) },
  };
}

export function blankDirectory(dialect: Dialect = 'openldap'): DirectoryForm {
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
export function fieldsOf<T extends object>(defaults: T, saved: object | undefined): T {
  const out = { ...defaults };
  if (saved) {
    for (const k of Object.keys(defaults) as (keyof T)[]) {
      const v = (saved as Partial<T>)[k];
      if (v !== undefined) out[k] = v;
    }
  }
  return out;
}

export function smsFormOf(saved: SmsSettings | undefined): SmsForm {
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

export function mailFormOf(saved: MailSettings | undefined): MailForm {
  return {
    provider: saved?.provider ?? 'none',
    smtp: fieldsOf(SMTP_DEFAULTS, saved?.provider === 'smtp' ? saved : undefined),
  };
}

export function formOf(view: SettingsView | null): SettingsForm {
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
export function num(value: number | string, fallback: number): number {
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
export function sameSmsEndpoint(a: SmsSettings | undefined, b: SmsSettings): boolean {
  if (!a || a.provider === 'none' || b.provider !== a.provider || b.url.trim() !== a.url) return false;
  return a.provider !== 'smpp' || (b.provider === 'smpp' && b.caCertificate.trim() === a.caCertificate.trim());
}

export function sameMailEndpoint(a: MailSettings | undefined, b: MailSettings): boolean {
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
export type SecretInput = { smsSecret?: string; mailPassword?: string };
