import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDirectoryConnection } from '../../src-main/adapters/ldap/connection-test';
import { LdapDirectory } from '../../src-main/adapters/ldap/ldap-directory';
import { directoryDefaults, type DirectorySettings, directorySettingsSchema } from '../../src-main/common/settings';
import type { ConnectionReport } from '../../src-main/common/dto';
import { HelpdeskError } from '../../src-main/domain/errors';
import { parseSearchQuery } from '../../src-main/domain/search-query';
import { generateDirectoryLdif } from '../../scripts/training-data';
import { type SlapdHandle, startSlapd } from '../helpers/slapd';

// Issue #15 item 4: a directory reached by its IP address whose certificate names the host only
// ("ldap.test", no IP in it). Without "the server name to expect" the certificate is (rightly) refused;
// with it, the same connection is verified against that name — for the connection test and the adapter,
// over ldaps:// and over StartTLS. Any other name is still refused.
const BASE = 'dc=tls,dc=gov,dc=vn';
let slapd: SlapdHandle;

beforeAll(async () => {
  slapd = await startSlapd({ baseDn: BASE, ldif: generateDirectoryLdif({ baseDn: BASE, count: 10 }), tls: true, tlsAltNames: 'DNS:ldap.test' });
});
afterAll(async () => {
  await slapd?.stop();
});

/** A profile as the settings screen saves it: parsed by the schema. */
function profile(over: Partial<DirectorySettings>): DirectorySettings {
  return directorySettingsSchema.parse({
    ...directoryDefaults('openldap'),
    url: slapd.ldapsUrl!,
    caCertificate: slapd.caPem!,
    baseDn: BASE,
    serviceBindDn: slapd.serviceDn,
    passwordPolicyDn: slapd.policyDn,
    ...over,
  });
}

const steps = (r: ConnectionReport) => r.steps.map((s) => `${s.step}:${s.ok ? 'ok' : s.code}`);

describe('tlsServerName: a certificate that names the host, reached at 127.0.0.1', () => {
  for (const transport of ['ldaps://', 'StartTLS'] as const) {
    /** The profile over this transport (ldaps:// to the ldaps port, or StartTLS on the ldap:// one). */
    const withUrl = (o: Partial<DirectorySettings>): Partial<DirectorySettings> => (transport === 'StartTLS' ? { ...o, url: slapd.url, startTls: true } : o);

    it(`${transport}: the connection test fails at TLS without the name, passes with it, fails with another`, async () => {
      const without = await testDirectoryConnection(profile(withUrl({})), slapd.servicePassword);
      expect(steps(without)).toEqual(['dns:ok', 'tcp:ok', 'tls:DIRECTORY_TLS']);
      // The CA is trusted: what fails is the name alone.
      expect(without.steps.at(-1)?.detail).toBe('ERR_TLS_CERT_ALTNAME_INVALID');

      const named = await testDirectoryConnection(profile(withUrl({ tlsServerName: 'ldap.test' })), slapd.servicePassword);
      expect(steps(named)).toEqual(['dns:ok', 'tcp:ok', 'tls:ok', 'bind:ok', 'baseDn:ok']);
      expect(named.ok).toBe(true);

      const other = await testDirectoryConnection(profile(withUrl({ tlsServerName: 'ldap.other.test' })), slapd.servicePassword);
      expect(other.steps.at(-1)).toMatchObject({ step: 'tls', ok: false, code: 'DIRECTORY_TLS', detail: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    });

    it(`${transport}: the adapter binds and searches with the name, and refuses the certificate without it`, async () => {
      const named = new LdapDirectory(profile(withUrl({ tlsServerName: 'ldap.test' })), slapd.servicePassword);
      try {
        expect((await named.search(parseSearchQuery('annv', 'username'), 5)).accounts.map((a) => a.username)).toEqual(['annv']);
      } finally {
        await named.close();
      }
      const unnamed = new LdapDirectory(profile(withUrl({})), slapd.servicePassword);
      try {
        const err = await unnamed.search(parseSearchQuery('annv', 'username'), 5).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(HelpdeskError);
        expect((err as HelpdeskError).code).toBe('DIRECTORY_TLS');
      } finally {
        await unnamed.close();
      }
    });
  }
});
