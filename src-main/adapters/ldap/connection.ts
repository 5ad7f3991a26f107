import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Client } from 'ldapts';
import { type DirectorySettings, ldapTransport, passwordsMayCross } from '../../common/settings';
import { HelpdeskError } from '../../domain/errors';

/**
 * TLS options for a profile: certificate always verified, the agency's CA when given, TLS 1.2+. The
 * certificate must name the profile's `tlsServerName` when one is set (also sent as SNI: Node checks the
 * certificate against `servername`), else the URL's host.
 */
export function tlsOptionsFor(s: DirectorySettings): ConnectionOptions {
  const host = new URL(s.url).hostname.replace(/^\[|\]$/gu, '');
  const opts: ConnectionOptions = { minVersion: 'TLSv1.2', rejectUnauthorized: true };
  if (s.caCertificate.trim() !== '') opts.ca = s.caCertificate;
  const expected = s.tlsServerName.trim();
  if (expected !== '') opts.servername = expected;
  else if (isIP(host) === 0) opts.servername = host;
  return opts;
}

/** A new ldapts client with the profile's timeouts (ldapts has none by default). */
export function newClient(s: DirectorySettings): Client {
  // ldapts treats any tlsOptions as "connect with TLS": give them only for ldaps:// (StartTLS gets its own).
  return new Client({
    url: s.url,
    timeout: s.timeoutMs,
    connectTimeout: s.connectTimeoutMs,
    ...(ldapTransport(s) === 'ldaps' ? { tlsOptions: tlsOptionsFor(s) } : {}),
    strictDN: true,
  });
}

/** Opens a client, upgrades with StartTLS when configured, and binds (never a password in clear, unless allowed). */
export async function openBound(s: DirectorySettings, dn: string, password: string): Promise<Client> {
  if (!passwordsMayCross(s)) throw new HelpdeskError('INSECURE_CONNECTION', { detail: 'ldaps or StartTLS required' });
  const client = newClient(s);
  try {
    if (ldapTransport(s) === 'starttls') await client.startTLS(tlsOptionsFor(s));
    await client.bind(dn, password);
    return client;
  } catch (err) {
    await client.unbind().catch(() => undefined);
    throw err;
  }
}
