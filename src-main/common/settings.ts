import { z } from 'zod';
import { type AttributeMapping as PlainMapping, DIALECTS } from './dialects';
import { attributeName, dnText, lineText } from './text-rules';

export * from './dialects';

/** Which directory attribute holds each piece of account data. */
export const attributeMappingSchema = z.strictObject({
  username: attributeName,
  displayName: attributeName,
  mail: attributeName,
  mobile: attributeName,
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
      return (u.protocol === 'ldap:' || u.protocol === 'ldaps:') && u.hostname !== '' && u.pathname.replace('/', '') === '' && u.search === '';
    } catch {
      return false;
    }
  },
  { error: 'invalid_format' },
);

const pemCertificates = z
  .string()
  .max(64 * 1024, { error: 'too_long' })
  .refine((s) => s.trim() === '' || /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/u.test(s), {
    error: 'invalid_format',
  });

const ldapFilterText = lineText(1024).refine((s) => s.startsWith('(') && s.endsWith(')') && balanced(s), {
  error: 'invalid_format',
});

function balanced(s: string): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

export const directorySettingsSchema = z.strictObject({
  url: ldapUrl,
  startTls: z.boolean().default(false),
  caCertificate: pemCertificates.default(''),
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
});
export type DirectorySettings = z.infer<typeof directorySettingsSchema>;

export const LOCALES = ['vi', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/** The settings file (`settings.json`, or the file named by HELPDESK_CONFIG). Holds no secret. */
export const settingsSchema = z.strictObject({
  version: z.literal(1).default(1),
  locale: z.enum(LOCALES).default('vi'),
  mode: z.enum(['training', 'directory']).default('training'),
  directory: directorySettingsSchema.optional(),
});
export type Settings = z.infer<typeof settingsSchema>;

export const DEFAULT_SETTINGS: Settings = { version: 1, locale: 'vi', mode: 'training' };

