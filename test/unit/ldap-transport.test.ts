import { describe, expect, it } from 'vitest';
import { openBound, tlsOptionsFor } from '../../src-main/adapters/ldap/connection';
import { servicePasswordKey } from '../../src-main/app/secret-keys';
import { directoryDefaults } from '../../src-main/common/dialects';
import { type DirectorySettings, directorySettingsSchema, ldapTransport, passwordsMayCross } from '../../src-main/common/settings';
import { validationError } from '../../src-main/common/schemas';
import { HelpdeskError } from '../../src-main/domain/errors';

// Issue #6 item 4: passwords never cross plain LDAP unless the profile explicitly allows it, never to
// Active Directory — one rule (passwordsMayCross) for the settings schema and for every bind.
const profile = (over: Partial<DirectorySettings>): DirectorySettings => ({
  ...directoryDefaults('openldap'),
  url: 'ldap://ldap.agency.gov.vn',
  baseDn: 'dc=agency,dc=gov,dc=vn',
  serviceBindDn: 'cn=helpdesk,dc=agency,dc=gov,dc=vn',
  ...over,
});

describe('passwordsMayCross', () => {
  it.each<[string, Partial<DirectorySettings>, boolean]>([
    ['ldaps', { url: 'ldaps://ldap.agency.gov.vn' }, true],
    ['StartTLS', { startTls: true }, true],
    ['plain to another host', {}, false],
    ['plain to another host, explicitly allowed', { allowPlainLdap: true }, true],
    ['plain to AD, even if allowed', { dialect: 'active-directory', allowPlainLdap: true }, false],
    ['plain to Zimbra, allowed', { dialect: 'zimbra', allowPlainLdap: true }, true],
    ['plain to loopback', { url: 'ldap://127.0.0.1:3389' }, true],
    ['plain to IPv6 loopback', { url: 'ldap://[::1]:3389' }, true],
    ['plain to a name that only starts like loopback', { url: 'ldap://127.0.0.1.evil.example' }, false],
    ['another scheme', { url: 'http://ldap.agency.gov.vn' }, false],
    ['no URL', { url: 'not a url' }, false],
    ['upper-case scheme, plain', { url: 'LDAP://ldap.agency.gov.vn' }, false],
    ['upper-case scheme, StartTLS', { url: 'LDAP://ldap.agency.gov.vn', startTls: true }, true],
  ])('%s → %s', (_what, over, expected) => {
    expect(passwordsMayCross(profile(over))).toBe(expected);
  });
});

describe('ldapTransport and the schema: one spelling of the scheme', () => {
  it('reads the scheme whatever its case', () => {
    expect(ldapTransport({ url: 'LDAPS://dc1.agency.gov.vn', startTls: false })).toBe('ldaps');
    expect(ldapTransport({ url: 'LdAp://dc1.agency.gov.vn', startTls: true })).toBe('starttls');
    expect(ldapTransport({ url: 'Ldap://dc1.agency.gov.vn', startTls: false })).toBe('plain');
    expect(ldapTransport({ url: 'https://dc1.agency.gov.vn', startTls: true })).toBeNull();
  });

  it('the schema judges the scheme whatever its case, and keeps the URL as written (the keychain entry is keyed to it)', () => {
    expect(directorySettingsSchema.parse(profile({ url: 'LDAP://ldap.agency.gov.vn', startTls: true })).url).toBe('LDAP://ldap.agency.gov.vn');
    expect(directorySettingsSchema.safeParse(profile({ url: 'LDAPS://ldap.agency.gov.vn:636' })).success).toBe(true);
    // Plain, upper-case, to another host: still refused.
    expect(directorySettingsSchema.safeParse(profile({ url: 'LDAP://ldap.agency.gov.vn' })).success).toBe(false);
  });

});

describe('openBound', () => {
  it('refuses before connecting when a password would cross plain LDAP (no socket is opened)', async () => {
    // 192.0.2.1 (TEST-NET-1) answers nothing: a connection attempt would wait for the timeout.
    const started = Date.now();
    const err = await openBound(profile({ url: 'ldap://192.0.2.1:389', connectTimeoutMs: 5000 }), 'cn=helpdesk', 'secret').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HelpdeskError);
    expect((err as HelpdeskError).code).toBe('INSECURE_CONNECTION');
    expect(String((err as Error).message)).not.toContain('secret');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('with plain LDAP explicitly allowed, it does try the server (here: nobody answers)', async () => {
    const err = await openBound(profile({ url: 'ldap://192.0.2.1:389', allowPlainLdap: true, connectTimeoutMs: 500, timeoutMs: 1000 }), 'cn=helpdesk', 'secret').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as { code?: string }).code).not.toBe('INSECURE_CONNECTION');
  });
});

// Issue #15 item 4: the name the certificate must carry when the directory is reached by another name (an IP).
describe('tlsServerName', () => {
  const parse = (tlsServerName: unknown) => directorySettingsSchema.safeParse({ ...profile({ url: 'ldaps://10.0.0.5' }), tlsServerName });

  it('takes a DNS name, or nothing; refuses an IP address, a URL, a wildcard, a port, spaces inside', () => {
    for (const ok of ['ldap.sotttt.gov.vn', 'LDAP-01.tphcm.gov.vn', 'ldap', '']) expect(parse(ok).success, ok).toBe(true);
    expect(parse('  ldap.test  ').data?.tlsServerName).toBe('ldap.test');
    for (const bad of ['10.0.0.5', '::1', 'ldaps://ldap.test', '*.tphcm.gov.vn', 'ldap.test:636', 'ldap .test', '-ldap.test', 'ldap..test', 'ldap.test.', `${'a'.repeat(64)}.vn`]) {
      const r = parse(bad);
      expect(r.success, bad).toBe(false);
      expect(r.error?.issues[0]?.path).toEqual(['tlsServerName']);
    }
    // A profile saved before the field existed reads as "the URL's host".
    const { tlsServerName: _, ...older } = profile({ url: 'ldaps://ldap.agency.gov.vn' });
    expect(directorySettingsSchema.parse(older).tlsServerName).toBe('');
  });

  it('is refused, said at its field, on a connection with no certificate (plain ldap:// without StartTLS)', () => {
    const plain = directorySettingsSchema.safeParse({ ...profile({ url: 'ldap://127.0.0.1:389' }), tlsServerName: 'ldap.test' });
    expect(plain.success).toBe(false);
    expect(plain.error?.issues.map((i) => [i.path, i.message])).toEqual([[['tlsServerName'], 'needs_tls']]);
    // As the contract says it: the field and the reason the screens translate.
    expect(validationError(plain.error!)).toEqual({ code: 'VALIDATION_FAILED', field: 'tlsServerName', reason: 'needs_tls' });
    expect(directorySettingsSchema.safeParse({ ...profile({ url: 'ldap://127.0.0.1:389', startTls: true }), tlsServerName: 'ldap.test' }).success).toBe(true);
    expect(directorySettingsSchema.safeParse({ ...profile({ url: 'ldap://127.0.0.1:389' }), tlsServerName: '' }).success).toBe(true);
  });

  it('is what the certificate is checked against (and the SNI), instead of the URL host', () => {
    expect(tlsOptionsFor(profile({ url: 'ldaps://10.0.0.5' })).servername).toBeUndefined();
    expect(tlsOptionsFor(profile({ url: 'ldaps://10.0.0.5', tlsServerName: 'ldap.test' })).servername).toBe('ldap.test');
    expect(tlsOptionsFor(profile({ url: 'ldaps://ldap.agency.gov.vn' })).servername).toBe('ldap.agency.gov.vn');
    expect(tlsOptionsFor(profile({ url: 'ldaps://ldap.agency.gov.vn', tlsServerName: 'ldap.test' })).servername).toBe('ldap.test');
  });

  it("is part of the service password's keychain entry (a password stored without it keeps its entry)", () => {
    const p = profile({ url: 'ldaps://10.0.0.5' });
    const before = servicePasswordKey({ url: p.url, serviceBindDn: p.serviceBindDn, startTls: p.startTls, caCertificate: p.caCertificate });
    expect(servicePasswordKey(p)).toBe(before);
    const named = servicePasswordKey({ ...p, tlsServerName: 'ldap.test' });
    expect(named).not.toBe(before);
    expect(servicePasswordKey({ ...p, tlsServerName: 'LDAP.test' })).toBe(named);
    expect(servicePasswordKey({ ...p, tlsServerName: 'other.test' })).not.toBe(named);
  });
});
