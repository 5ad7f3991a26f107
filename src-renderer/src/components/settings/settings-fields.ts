import { ROLES } from '@common/roles';
import {
  DEFAULT_IDLE_LOCK_MINUTES,
  DEFAULT_RETENTION_MONTHS,
  MAX_IDLE_LOCK_MINUTES,
  MAX_RETENTION_MONTHS,
  MIN_IDLE_LOCK_MINUTES,
  MIN_RETENTION_MONTHS,
} from '@common/setting-bounds';
import type { AttributeMapping } from '@common/settings';

/** The settings form's field paths: an error naming one of them is shown next to it. */

const D = 'settings.directory';
export const RETENTION = 'settings.audit.retentionMonths';
export const IDLE_LOCK = 'settings.session.idleLockMinutes';
export const MOBILE_FALLBACKS = `${D}.attributes.mobileFallbacks`;

/** The mapping's one-attribute fields (the mobile's fallbacks, a list, have their own field: MOBILE_FALLBACKS). */
export const ATTRIBUTE_KEYS: readonly Exclude<keyof AttributeMapping, 'mobileFallbacks'>[] = [
  'username',
  'displayName',
  'mail',
  'mobile',
  'backupEmail',
  'citizenId',
  'taxCode',
  'socialInsuranceCode',
  'unit',
  'title',
  'accountType',
];

const SMS_FIELDS = [
  'provider',
  'url',
  'brandname',
  'smsType',
  'sender',
  'method',
  'contentType',
  'headers',
  'secretHeader',
  'secretPrefix',
  'bodyTemplate',
  'successPath',
  'successValue',
  'messageIdPath',
  'systemId',
  'systemType',
  'sourceAddr',
  'sourceTon',
  'sourceNpi',
  'caCertificate',
  'timeoutMs',
];
const MAIL_FIELDS = ['provider', 'host', 'port', 'security', 'user', 'fromName', 'fromAddress', 'caCertificate', 'timeoutMs'];
const DIRECTORY_FIELDS = [
  'url',
  'startTls',
  'allowPlainLdap',
  'caCertificate',
  'tlsServerName',
  'baseDn',
  'serviceBindDn',
  'dialect',
  'userFilter',
  'passwordPolicyDn',
  'operatorFilter',
  'allowAdministrativeUnlock',
  'timeoutMs',
  'connectTimeoutMs',
  'pageSize',
  'maxResults',
];

export const FIELDS = new Set<string>([
  'settings.mode',
  'settings.agencyName',
  D,
  ...DIRECTORY_FIELDS.map((k) => `${D}.${k}`),
  ...ATTRIBUTE_KEYS.map((k) => `${D}.attributes.${k}`),
  MOBILE_FALLBACKS,
  ...ROLES.map((r) => `${D}.roleGroups.${r}`),
  'servicePassword',
  ...SMS_FIELDS.map((k) => `settings.sms.${k}`),
  'smsSecret',
  'smsSecret.secretKey',
  ...MAIL_FIELDS.map((k) => `settings.mail.${k}`),
  'mailPassword',
  RETENTION,
  IDLE_LOCK,
]);

/** Where an error path is shown: one header of the generic gateway → the headers field; the relay itself → its provider. */
export function shownAt(field: string): string {
  if (field.startsWith('settings.sms.headers.')) return 'settings.sms.headers';
  if (field === 'settings.sms' || field === 'settings.mail') return `${field}.provider`;
  if (field === 'settings.audit') return RETENTION;
  if (field === 'settings.session') return IDLE_LOCK;
  // One group DN of a role (`…roleGroups.operator.2`) → that role's field.
  const group = /^(settings\.directory\.roleGroups\.[a-z]+)\.\d+$/u.exec(field);
  if (group) return group[1]!;
  // One of the mobile's fallback attributes (`…mobileFallbacks.1`) → the field of the list.
  if (field.startsWith(`${MOBILE_FALLBACKS}.`)) return MOBILE_FALLBACKS;
  return field;
}

/** The bounded number settings, one card each: the audit retention and the idle lock. */
export const BOUNDED = [
  {
    card: 'settings-audit',
    keys: 'settings.audit',
    label: 'retention',
    path: RETENTION,
    field: 'auditRetention',
    min: MIN_RETENTION_MONTHS,
    max: MAX_RETENTION_MONTHS,
    fallback: DEFAULT_RETENTION_MONTHS,
    testid: 'settings-audit-retention',
  },
  {
    card: 'settings-session',
    keys: 'settings.session',
    label: 'idleLock',
    path: IDLE_LOCK,
    field: 'idleLockMinutes',
    min: MIN_IDLE_LOCK_MINUTES,
    max: MAX_IDLE_LOCK_MINUTES,
    fallback: DEFAULT_IDLE_LOCK_MINUTES,
    testid: 'settings-session-idle-lock',
  },
] as const;
