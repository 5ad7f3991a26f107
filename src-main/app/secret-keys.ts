import { createHash } from 'node:crypto';
import { teamTransport, type DirectorySettings, type MailSettings, type SmsSettings, type TeamSettings } from '../common/settings';

/**
 * Keychain entry names: each secret is tied to its endpoint AND to how it is reached (TLS mode, the
 * trusted CA), so a changed server, a weaker connection or another CA never receives a stored secret —
 * it is asked for again. The one place these names are made.
 */
function transportTag(mode: string, caCertificate: string, serverName = ''): string {
  // The server name expected on the certificate counts only when set, so entries stored before it existed keep their names.
  const name = serverName.trim().toLowerCase();
  return createHash('sha256').update(`${mode}\n${caCertificate.trim()}${name === '' ? '' : `\nservername:${name}`}`).digest('hex').slice(0, 16);
}

/** The directory profile's service password: URL, bind DN, StartTLS, CA and the server name expected on the certificate. */
export function servicePasswordKey(s: Pick<DirectorySettings, 'url' | 'serviceBindDn' | 'startTls' | 'caCertificate'> & Partial<Pick<DirectorySettings, 'tlsServerName'>>): string {
  return `directory-service:${s.serviceBindDn}@${s.url}#${transportTag(s.startTls ? 'starttls' : 'plain', s.caCertificate, s.tlsServerName)}`;
}

/** The SMS gateway's secret: the gateway URL (https); for SMPP also TLS or not and the CA. */
export function smsSecretKey(s: SmsSettings): string | null {
  if (s.provider === 'none') return null;
  if (s.provider !== 'smpp') return `sms-${s.provider}:${s.url}`;
  return `sms-smpp:${s.url}#${transportTag(s.url.startsWith('ssmpp:') ? 'tls' : 'plain', s.caCertificate)}`;
}

/** The SMTP password: user, host, port, STARTTLS or SMTPS, and the CA. */
export function mailSecretKey(s: MailSettings): string | null {
  if (s.provider === 'none' || s.user === '') return null;
  return `mail-smtp:${s.user}@${s.host}:${s.port}#${transportTag(s.security, s.caCertificate)}`;
}

/** The workstation's password on the team store: its user, host, port and database, TLS and the CA. */
export function teamPasswordKey(t: Pick<TeamSettings, 'url' | 'caCertificate'>): string {
  const p = teamTransport(t.url);
  return `team-store:${p?.user}@${p?.host}:${p?.port}/${p?.database}#${transportTag(p?.tls ? 'tls' : 'plain', t.caCertificate)}`;
}

/** The team's shared keys (audit chain, code hashes): one team store, whoever reaches it and how. */
export function teamKeysKey(t: Pick<TeamSettings, 'url'>): string {
  const p = teamTransport(t.url);
  return `team-keys:${p?.host}:${p?.port}/${p?.database}`;
}
