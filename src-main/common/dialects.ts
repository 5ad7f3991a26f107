import type { DirectorySettings } from './settings';

/**
 * Directory dialects and their default attribute mapping. No zod here: the renderer imports this
 * file for the settings screen without pulling the schemas into its bundle.
 */
export const DIALECTS = ['openldap', 'active-directory', 'zimbra'] as const;
export type Dialect = (typeof DIALECTS)[number];

/** Which directory attribute holds each piece of account data. */
export interface AttributeMapping {
  username: string;
  displayName: string;
  mail: string;
  /** The recovery mobile: read, searched, and where a changed mobile is written. */
  mobile: string;
  /**
   * Where a mobile may also be found (`telephoneNumber`): searched too, and read as the recovery mobile
   * only when `mobile` holds no usable one — and then only their Vietnamese mobile numbers (a landline
   * there is no mobile). Never written: a changed mobile goes to `mobile`, which then comes first.
   */
  mobileFallbacks: string[];
  backupEmail: string;
  citizenId: string;
  taxCode: string;
  socialInsuranceCode: string;
  unit: string;
  title: string;
  accountType: string;
}

/**
 * Defaults per dialect; an agency overrides any of them in Settings. A mobile is looked for in `mobile`,
 * then in `telephoneNumber` (where many directories keep the only number they have).
 */
export const DIALECT_DEFAULTS: Record<Dialect, { attributes: AttributeMapping; userFilter: string }> = {
  openldap: {
    userFilter: '(objectClass=inetOrgPerson)',
    attributes: {
      username: 'uid',
      displayName: 'cn',
      mail: 'mail',
      mobile: 'mobile',
      mobileFallbacks: ['telephoneNumber'],
      backupEmail: 'hdRecoveryEmail',
      citizenId: 'hdCitizenId',
      taxCode: 'hdTaxCode',
      socialInsuranceCode: 'hdSocialInsuranceCode',
      unit: 'ou',
      title: 'title',
      accountType: 'hdAccountType',
    },
  },
  'active-directory': {
    userFilter: '(&(objectCategory=person)(objectClass=user))',
    attributes: {
      username: 'sAMAccountName',
      displayName: 'displayName',
      mail: 'mail',
      mobile: 'mobile',
      mobileFallbacks: ['telephoneNumber'],
      backupEmail: 'otherMailbox',
      citizenId: 'employeeID',
      taxCode: 'employeeNumber',
      socialInsuranceCode: 'extensionAttribute1',
      unit: 'department',
      title: 'title',
      accountType: 'employeeType',
    },
  },
  zimbra: {
    userFilter: '(objectClass=zimbraAccount)',
    attributes: {
      username: 'uid',
      displayName: 'displayName',
      mail: 'mail',
      mobile: 'mobile',
      mobileFallbacks: ['telephoneNumber'],
      backupEmail: 'zimbraPrefPasswordRecoveryAddress',
      citizenId: 'employeeNumber',
      taxCode: 'hdTaxCode',
      socialInsuranceCode: 'hdSocialInsuranceCode',
      unit: 'ou',
      title: 'title',
      accountType: 'employeeType',
    },
  },
};

/** A directory profile with every default filled in for the given dialect. */
export function directoryDefaults(dialect: Dialect): Omit<DirectorySettings, 'url' | 'baseDn' | 'serviceBindDn'> {
  return {
    startTls: false,
    caCertificate: '',
    tlsServerName: '',
    dialect,
    userFilter: DIALECT_DEFAULTS[dialect].userFilter,
    passwordPolicyDn: '',
    attributes: { ...DIALECT_DEFAULTS[dialect].attributes, mobileFallbacks: [...DIALECT_DEFAULTS[dialect].attributes.mobileFallbacks] },
    timeoutMs: 8000,
    connectTimeoutMs: 5000,
    pageSize: 200,
    maxResults: 50,
    operatorFilter: '',
    allowAdministrativeUnlock: false,
    allowPlainLdap: false,
    roleGroups: { operator: [], supervisor: [], auditor: [] },
  };
}
