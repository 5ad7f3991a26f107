import { z } from 'zod';
import { type AttributeMapping as PlainMapping, DIALECTS } from './dialects';
import { MAX_IDLE_LOCK_MINUTES, MAX_RETENTION_MONTHS, MIN_IDLE_LOCK_MINUTES, MIN_RETENTION_MONTHS } from './setting-bounds';
import { attributeName, dnText, EMAIL_ADDRESS, lineText, multilineText, plainText } from './text-rules';

export * from './dialects';

/** Which directory attribute holds each piece of account data. */
export const attributeMappingSchema = z.strictObject({
  username: attributeName,
  displayName: attributeName,
  mail: attributeName,
  mobile: attributeName,
  /** Also searched, and read when `mobile` holds no usable mobile (see AttributeMapping). Absent in an older file: none. */
  mobileFallbacks: z.array(attributeName).max(5, { error: 'too_long' }).default([]),
  backupEmail: attributeName,
  citizenId: attributeName,
  taxCode: attributeName,
  socialInsuranceCode: attributeName,
  unit: attributeName,
  title: attributeName,
  accountType: attributeName,
});
// The plain interface (dialects.ts) and the schema must describe the same object.
const _sameMapping: [PlainMapping, z.infer<typeof attributeMappingSchema>] extends [z.infer<typeof attributeMappingSchema>, PlainMapping] ? true : never = true;
void _sameMapping;

const ldapUrl = lineText(512).refine(
  (s) => {
    try {
      const u = new URL(s);
      return (
        (u.protocol === 'ldap:' || u.protocol === 'ldaps:') &&
        u.hostname !== '' &&
        u.username === '' &&
        u.password === '' &&
        u.pathname.replace('/', '') === '' &&
        u.search === '' &&
        u.hash === ''
      );
    } catch {
      return false;
    }
  },
  { error: 'invalid_format' },
);

const pemCertificates = multilineText(64 * 1024).refine((s) => s.trim() === '' || /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/u.test(s), {
    error: 'invalid_format',
  });

/**
 * A DNS host name as a server certificate names it (`ldap.sotttt.gov.vn`): labels of letters, digits and
 * hyphens, dot-separated, at most 253 characters; not an IP address (a certificate's IP is matched by
 * the URL itself).
 */
const dnsHostName = lineText(253).refine(
  (s) => !/^[\d.]+$/u.test(s) && /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/u.test(s),
  { error: 'invalid_format' },
);

const ldapFilterText = lineText(1024).refine((s) => s.startsWith('(') && s.endsWith(')') && balanced(s), {
  error: 'invalid_format',
});

/** One parenthesised filter: the first '(' closes exactly at the last character. */
function balanced(s: string): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth < 0 || (depth === 0 && i !== s.length - 1)) return false;
    }
  }
  return depth === 0;
}

/** Loopback hosts, where plain LDAP is acceptable (a local proxy, the training directory, tests). */
export function isLoopbackHost(host: string): boolean {
  return /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\]|::1)$/u.test(host);
}

/**
 * Whether passwords (the service account's, the operators', a temporary one) may cross this directory
 * connection: over ldaps:// or StartTLS; over plain LDAP only to a loopback host or where the profile
 * says so explicitly (`allowPlainLdap`) — and never for Active Directory, loopback or not. The settings schema refuses a profile
 * that fails it; the LDAP adapter checks again before every bind.
 */
export function passwordsMayCross(d: { url: string; startTls: boolean; dialect: string; allowPlainLdap?: boolean }): boolean {
  const t = ldapTransport(d);
  if (t === 'ldaps' || t === 'starttls') return true;
  // Active Directory never takes plain LDAP, loopback included (a local proxy or tunnel end would
  // still see the service and operator passwords in clear; AD itself refuses unicodePwd without TLS).
  if (t !== 'plain' || d.dialect === 'active-directory') return false;
  return isLoopbackHost(new URL(d.url).hostname) || d.allowPlainLdap === true;
}

/**
 * How a profile's connection is protected, whatever the spelling of its scheme (`LDAPS://` is ldaps):
 * TLS from the start, StartTLS on a plain connection, nothing, or not an LDAP URL at all. The one
 * place the adapters and the rules above read it from.
 */
export function ldapTransport(d: { url: string; startTls: boolean }): 'ldaps' | 'starttls' | 'plain' | null {
  let protocol: string;
  try {
    protocol = new URL(d.url).protocol; // lower-case, as the WHATWG parser gives it
  } catch {
    return null;
  }
  if (protocol === 'ldaps:') return 'ldaps';
  if (protocol === 'ldap:') return d.startTls ? 'starttls' : 'plain';
  return null;
}

export const directorySettingsSchema = z.strictObject({
  url: ldapUrl,
  startTls: z.boolean().default(false),
  caCertificate: pemCertificates.default(''),
  /**
   * The name the server's certificate must carry, when it is not the URL's host: a directory reached
   * by its IP address (`ldaps://10.0.0.5`) whose certificate names `ldap.sotttt.gov.vn`. Sent as SNI
   * and checked against the certificate instead of the URL's host. Empty: the URL's host.
   */
  tlsServerName: z.union([dnsHostName, z.literal('')]).default(''),
  baseDn: dnText,
  serviceBindDn: dnText,
  dialect: z.enum(DIALECTS),
  userFilter: ldapFilterText,
  passwordPolicyDn: z.union([dnText, z.literal('')]).default(''),
  attributes: attributeMappingSchema,
  timeoutMs: z.number().int().min(1000).max(120_000).default(8000),
  connectTimeoutMs: z.number().int().min(500).max(60_000).default(5000),
  pageSize: z.number().int().min(10).max(1000).default(200),
  maxResults: z.number().int().min(5).max(500).default(50),
  /** Optional extra filter an operator's own entry must match to sign in (e.g. a group membership). */
  operatorFilter: z.union([ldapFilterText, z.literal('')]).default(''),
  /**
   * Let the helpdesk lift an ADMINISTRATIVE lock too (Zimbra `locked`, ppolicy `000001010000Z`). Off by
   * default: such locks are the directory administrators' decision. Never enables a disabled AD account.
   */
  allowAdministrativeUnlock: z.boolean().default(false),
  /**
   * Let passwords cross plain `ldap://` (no TLS) to a host that is not loopback. Off by default, not
   * recommended, refused for Active Directory (see passwordsMayCross).
   */
  allowPlainLdap: z.boolean().default(false),
  /**
   * Directory groups (DNs) that give a role: members (direct `member` / `uniqueMember` / `memberUid`;
   * nested groups on AD) get it at sign-in. A user in none of them cannot sign in. Saving a directory
   * profile needs at least one supervisor group, so that someone can still change the settings.
   */
  roleGroups: z
    .strictObject({
      operator: z.array(dnText).max(20, { error: 'too_long' }).default([]),
      supervisor: z.array(dnText).max(20, { error: 'too_long' }).default([]),
      auditor: z.array(dnText).max(20, { error: 'too_long' }).default([]),
    })
    .default({ operator: [], supervisor: [], auditor: [] }),
}).superRefine((d, ctx) => {
  // Passwords (service and operators') never cross a network in clear unless the profile explicitly
  // allows it — and never to Active Directory.
  if (d.allowPlainLdap && d.dialect === 'active-directory') {
    ctx.addIssue({ code: 'custom', path: ['allowPlainLdap'], message: 'insecure_transport' });
  } else if (/^ldaps?:\/\//iu.test(d.url) && !passwordsMayCross(d)) {
    ctx.addIssue({ code: 'custom', path: ['url'], message: 'insecure_transport' });
  }
  // The name a certificate must carry means something only where there is a certificate: said, not ignored.
  if (d.tlsServerName !== '' && ldapTransport(d) === 'plain') {
    ctx.addIssue({ code: 'custom', path: ['tlsServerName'], message: 'needs_tls' });
  }
});
export type DirectorySettings = z.infer<typeof directorySettingsSchema>;

const httpUrl = lineText(1024).refine(
  (s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'https:' || (u.protocol === 'http:' && /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/u.test(u.hostname));
    } catch {
      return false;
    }
  },
  { error: 'invalid_format' },
);
const timeout = z.number().int().min(1000).max(60_000).default(10_000);

/** Whether an SMPP URL may carry codes and the bind password: TLS (ssmpp://), or plain to loopback. */
export function smppMayCarrySecrets(url: string): boolean {
  const m = /^(s?smpp):\/\/(\[[^\]]+\]|[^:/\s]+):\d+\/?$/u.exec(url);
  if (!m) return false;
  return m[1] === 'ssmpp' || isLoopbackHost(m[2]!);
}
const headerName = z.string().regex(/^[A-Za-z0-9-]{1,64}$/u, { error: 'invalid_format' });

/**
 * SMS gateways. Secrets (API key + secret key, access token, SMPP password, a secret header value)
 * are never here: they live in the OS keychain under `smsSecretKey(settings)`.
 * Plain http:// is allowed only to loopback (a local gateway or a test sink).
 */
export const smsSettingsSchema = z.discriminatedUnion('provider', [
  z.strictObject({ provider: z.literal('none') }),
  z.strictObject({
    provider: z.literal('esms'),
    url: httpUrl.default('https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/'),
    brandname: lineText(32),
    /** eSMS SmsType: "2" = customer care brandname. */
    smsType: z.enum(['2', '8', '24', '25']).default('2'),
    timeoutMs: timeout,
  }),
  z.strictObject({
    provider: z.literal('speedsms'),
    url: httpUrl.default('https://api.speedsms.vn/index.php/sms/send'),
    sender: lineText(32),
    /** SpeedSMS sms_type: 3 = brandname, 5 = app notification, 2 = customer care. */
    smsType: z.number().int().min(1).max(8).default(3),
    timeoutMs: timeout,
  }),
  z.strictObject({
    provider: z.literal('http'),
    url: httpUrl,
    method: z.enum(['POST', 'GET']).default('POST'),
    contentType: z.enum(['application/json', 'application/x-www-form-urlencoded']).default('application/json'),
    /** Non-secret headers. A "__proto__" key (JSON.parse keeps one as an own key; a record would drop it without a word) is refused. */
    headers: z
      .custom<object>((v) => typeof v !== 'object' || v === null || !Object.hasOwn(v, '__proto__'), { error: 'unknown_field' })
      .pipe(z.record(headerName, lineText(512)))
      .default({}),
    /** Header that carries the keychain secret (e.g. Authorization), and its prefix (e.g. "Bearer "). */
    secretHeader: z.union([headerName, z.literal('')]).default(''),
    secretPrefix: plainText(32).default(''),
    /** Body (POST) or query (GET) template: {{to}}, {{text}}, {{requestId}} — JSON-escaped or URL-encoded as fits. */
    bodyTemplate: multilineText(4096).default('{"to":"{{to}}","text":"{{text}}","requestId":"{{requestId}}"}'),
    /** Accepted when the JSON value at this dotted path equals successValue (empty path: any 2xx). */
    successPath: plainText(128).default(''),
    successValue: plainText(128).default(''),
    messageIdPath: plainText(128).default(''),
    timeoutMs: timeout,
  }),
  z.strictObject({
    provider: z.literal('smpp'),
    /**
     * ssmpp://host:3550 (TLS), or smpp://host:2775 to a loopback host only (a local SMSC or tunnel end):
     * codes, temporary passwords and the bind password never cross a network in clear.
     */
    url: lineText(512)
      .refine((s) => /^s?smpp:\/\/[^/\s]+:\d+\/?$/u.test(s), { error: 'invalid_format' })
      .refine((s) => smppMayCarrySecrets(s), { error: 'insecure_transport' }),
    systemId: lineText(16),
    systemType: plainText(13).default(''),
    sourceAddr: lineText(21),
    sourceTon: z.number().int().min(0).max(6).default(5),
    sourceNpi: z.number().int().min(0).max(18).default(0),
    caCertificate: multilineText(64 * 1024).default(''),
    timeoutMs: timeout,
  }),
]);
export type SmsSettings = z.infer<typeof smsSettingsSchema>;

/** SMTP relay (nodemailer). The password is in the keychain under `mailSecretKey(settings)`. */
export const mailSettingsSchema = z.discriminatedUnion('provider', [
  z.strictObject({ provider: z.literal('none') }),
  z.strictObject({
    provider: z.literal('smtp'),
    host: lineText(255),
    port: z.number().int().min(1).max(65535).default(587),
    /** starttls: upgrade required (587); tls: SMTPS (465). No plaintext mode. */
    security: z.enum(['starttls', 'tls']).default('starttls'),
    user: z.union([lineText(255), z.literal('')]).default(''),
    fromName: lineText(128).default('Bàn trợ giúp tài khoản'),
    fromAddress: lineText(255).refine((s) => EMAIL_ADDRESS.test(s), { error: 'invalid_format' }),
    caCertificate: multilineText(64 * 1024).default(''),
    timeoutMs: timeout,
  }),
]);
export type MailSettings = z.infer<typeof mailSettingsSchema>;

/**
 * How a workstation reaches the team store (PostgreSQL), read from its URL: `postgres://user@host:port/db`
 * with `sslmode=disable` for plain TCP, anything else TLS with certificate and host-name verification.
 * Null when it is not such a URL (a password inside counts as not: the password lives in the keychain).
 */
export function teamTransport(url: string): { host: string; port: number; database: string; user: string; tls: boolean } | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if ((u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') || u.password) return null;
  const database = decodeURIComponent(u.pathname.replace(/^\//u, ''));
  const user = decodeURIComponent(u.username);
  if (!u.hostname || !database || database.includes('/') || !user) return null;
  return { host: u.hostname, port: u.port ? Number(u.port) : 5432, database, user, tls: u.searchParams.get('sslmode') !== 'disable' };
}

/** The team store's profile (no secret: the password and the team's keys are in the keychain). */
export const teamSettingsSchema = z.strictObject({
  url: lineText(300)
    .refine((s) => teamTransport(s) !== null, { error: 'invalid_format' })
    // Plain TCP only to this machine (a local tunnel end); off loopback TLS is required.
    .refine((s) => {
      const t = teamTransport(s);
      return t === null || t.tls || isLoopbackHost(t.host);
    }, { error: 'insecure_transport' }),
  caCertificate: pemCertificates.default(''),
  /** This workstation's name on every audit row it writes ("Máy 3 — tầng 2"). */
  workstation: lineText(60),
});
export type TeamSettings = z.infer<typeof teamSettingsSchema>;

/** Keychain entry names of relay secrets: tied to the endpoint, so a changed URL never receives them. */
export const LOCALES = ['vi', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/** The settings file (`settings.json`, or the file named by HELPDESK_CONFIG). Holds no secret. */
export const settingsSchema = z.strictObject({
  version: z.literal(1).default(1),
  locale: z.enum(LOCALES).default('vi'),
  mode: z.enum(['training', 'directory']).default('training'),
  /** Shown in messages to callers ("{{agency}}: mã OTP…"). */
  agencyName: z.union([lineText(60), z.literal('')]).optional(),
  directory: directorySettingsSchema.optional(),
  /** Absent: no SMS relay (training mode uses the Outbox). */
  sms: smsSettingsSchema.optional(),
  /** Absent: no mail relay (training mode uses the Outbox). */
  mail: mailSettingsSchema.optional(),
  /** Minutes without activity before the session locks (default 10). */
  session: z
    .strictObject({ idleLockMinutes: z.number().int().min(MIN_IDLE_LOCK_MINUTES, { error: 'too_short' }).max(MAX_IDLE_LOCK_MINUTES, { error: 'too_long' }) })
    .optional(),
  /**
   * Team mode ("Dùng chung cho tổ tổng đài"): the counters, the codes and the audit of directory mode live
   * in the team's PostgreSQL instead of this workstation's SQLite. Absent: one workstation, SQLite.
   */
  team: teamSettingsSchema.optional(),
  /** The version of the team's published profile this workstation took (team mode; see teamProfileSchema). */
  teamProfileVersion: z.number().int().min(1).optional(),
  /** How long audit rows are kept before a supervisor may purge them (default 24 months). */
  audit: z
    .strictObject({ retentionMonths: z.number().int().min(MIN_RETENTION_MONTHS, { error: 'too_short' }).max(MAX_RETENTION_MONTHS, { error: 'too_long' }) })
    .optional(),
});

/**
 * The team's directory and relay profile, published by a supervisor in the team store and taken by every
 * workstation at sign-in: the parts of the settings the whole hotline shares. No secret is in it (the
 * settings hold none); each workstation keeps its own service password and relay secrets in its keychain.
 */
export const teamProfileSchema = settingsSchema.pick({ agencyName: true, sms: true, mail: true }).extend({ directory: directorySettingsSchema });
export type TeamProfile = z.infer<typeof teamProfileSchema>;

export { DEFAULT_IDLE_LOCK_MINUTES, DEFAULT_RETENTION_MONTHS } from './setting-bounds';
export type Settings = z.infer<typeof settingsSchema>;

export const DEFAULT_SETTINGS: Settings = { version: 1, locale: 'vi', mode: 'training' };

