import type { DirectorySettings, MailSettings, Settings } from '../../src-main/common/settings';
import { type SlapdHandle, trainingProfile } from './slapd';
import type { HttpSmsSink } from './sms-sinks';
import type { SmtpSink } from './smtp-sink';

/** The agency the sessions over real servers send as (SMS brand name, mail sender). */
export const AGENCY = { name: 'So TTTT', brandname: 'STTTT', fromName: 'Sở Thông tin và Truyền thông', fromAddress: 'hotro@stttt.gov.vn' } as const;

/** The SMTP relay to a test sink: STARTTLS with AUTH, the sink's CA. */
export function smtpRelay(smtp: SmtpSink, user: string, timeoutMs: number): Extract<MailSettings, { provider: 'smtp' }> {
  return {
    provider: 'smtp',
    host: '127.0.0.1',
    port: smtp.port,
    security: 'starttls',
    user,
    fromName: AGENCY.fromName,
    fromAddress: AGENCY.fromAddress,
    caCertificate: smtp.caPem,
    timeoutMs,
  };
}

/**
 * Directory-mode settings for a session over real servers: the slapd training profile (with
 * overrides), an eSMS gateway sink, and optionally an SMTP sink.
 */
export function sessionSettings(o: {
  slapd: SlapdHandle;
  baseDn: string;
  sms: HttpSmsSink;
  smsTimeoutMs: number;
  smtp?: { sink: SmtpSink; user: string; timeoutMs: number };
  directory?: Partial<DirectorySettings>;
}): Settings {
  return {
    version: 1,
    locale: 'vi',
    mode: 'directory',
    agencyName: AGENCY.name,
    directory: { ...trainingProfile(o.slapd, o.baseDn), ...o.directory },
    sms: { provider: 'esms', url: o.sms.esmsUrl, brandname: AGENCY.brandname, smsType: '2', timeoutMs: o.smsTimeoutMs },
    ...(o.smtp ? { mail: smtpRelay(o.smtp.sink, o.smtp.user, o.smtp.timeoutMs) } : {}),
  };
}
