/**
 * The TRAINING directory: an in-process LDAP server (ldapjs) on 127.0.0.1, seeded from LDIF, that
 * behaves like OpenLDAP with the ppolicy overlay for what the Helpdesk client does: simple binds
 * with lockout after pwdMaxFailure wrong passwords, searches (filters evaluated here, OpenLDAP's
 * attribute selection, sizeLimit, RFC 2696 paged results) and modifies by the service account.
 *
 * Access rules (as the slapd test harness configures OpenLDAP): anonymous may bind and read the
 * root DSE only; bound users read every entry; ppolicy state attributes are readable by the
 * service account and by the entry itself; userPassword is never returned nor usable in a filter;
 * only the service account may modify. Nothing here logs, and no password leaves memory.
 */
import { randomBytes } from 'node:crypto';
import { parseLdif } from './ldif';
import { DirectoryCore } from './directory/core';
import { loadStore } from './directory/load';
import { LdapServer } from './directory/server';

/** The SSHA hashing slappasswd does, for LDIF fixtures and the slapd harness. */
export { sshaHash } from './directory/passwords';

export interface TrainingDirectory {
  /** ldap://127.0.0.1:<port> */
  url: string;
  baseDn: string;
  /** cn=helpdesk-service,ou=system,<base> */
  serviceDn: string;
  /** Random per run, kept in memory only. */
  servicePassword: string;
  /** cn=default,ou=policies,<base> */
  policyDn: string;
  /** Stops listening and drops every connection. Idempotent. */
  close(): Promise<void>;
}

export interface TrainingDirectoryOptions {
  ldif: string;
  /** Default {@link DEFAULT_TRAINING_BASE_DN}. */
  baseDn?: string;
  /** Default 0 (a random free port). */
  port?: number;
  /** The clock for ppolicy times and timestamps. Default: the system clock. */
  now?: () => Date;
}

export const DEFAULT_TRAINING_BASE_DN = 'dc=daotao,dc=gov,dc=vn';
export { PAGED_RESULTS_OID } from './directory/paging';

/** The training directory's role groups (in the generated LDIF, one sample user of each role). */
export function trainingRoleGroups(baseDn: string): { operator: string[]; supervisor: string[]; auditor: string[] } {
  return {
    operator: [`cn=helpdesk-operators,ou=groups,${baseDn}`],
    supervisor: [`cn=helpdesk-supervisors,ou=groups,${baseDn}`],
    auditor: [`cn=helpdesk-auditors,ou=groups,${baseDn}`],
  };
}

export async function startTrainingDirectory(opts: TrainingDirectoryOptions): Promise<TrainingDirectory> {
  const baseDn = opts.baseDn ?? DEFAULT_TRAINING_BASE_DN;
  const serviceDn = `cn=helpdesk-service,ou=system,${baseDn}`;
  const policyDn = `cn=default,ou=policies,${baseDn}`;
  const servicePassword = randomBytes(24).toString('base64url');
  const now = opts.now ?? ((): Date => new Date());
  const store = loadStore(parseLdif(opts.ldif), { baseDn, serviceDn, now });
  const core = new DirectoryCore(store, { baseDn, serviceDn, policyDn, servicePassword, now });
  const server = new LdapServer(core);
  const port = await server.listen(opts.port ?? 0);
  return {
    url: `ldap://127.0.0.1:${port}`,
    baseDn,
    serviceDn,
    servicePassword,
    policyDn,
    close: () => server.close(),
  };
}
