import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { domainToASCII } from 'node:url';
import { createTransport } from 'nodemailer';
import type { SendMailOptions } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { MailSettings } from '../../common/settings';
import { HelpdeskError } from '../../domain/errors';
import type { MailMessage, MailRelay, RelayReceipt } from '../../domain/ports';
import { isEarlyConnectionFailure, toRelayError } from './smtp-errors';

export type SmtpMailSettings = Extract<MailSettings, { provider: 'smtp' }>;

/** Pause before the one retry, so a relay that was restarting or a dropped balancer slot can recover. */
const RETRY_PAUSE_MS = 250;
/**
 * The idle-socket timer runs a little longer than the setup bound (connect + greeting + STARTTLS, all
 * within connectionTimeout since nodemailer 10.1): with equal values the two race, and the setup's own
 * timeout type (GREETING_TIMEOUT: wrong port or security mode) is the one worth reporting.
 */
const SOCKET_GRACE_MS = 500;

/** One recipient, as an addr-spec only: nothing nodemailer could read as a list, a group or a display name. */
const SINGLE_ADDRESS = /^[^\s@,;:<>()[\]"\\]+@[^\s@,;:<>()[\]"\\]+\.[^\s@,;:<>()[\]"\\]+$/u;

type Outcome = { ok: true; info: SMTPTransport.SentMessageInfo } | { ok: false; error: unknown; serverAnswered: boolean };

/**
 * The mail relay over SMTP (nodemailer). TLS is mandatory: SMTPS (`tls`, 465) or STARTTLS that must
 * succeed (`starttls`, 587) — never plaintext; the certificate is always verified (the agency's CA when
 * given). `send` resolves once the server accepted the message (250 after DATA).
 *
 * Retry: one, with the same Message-ID, and only when the connection failed before the server sent
 * anything (refused, reset, closed before the greeting). Never after an SMTP reply: the server may
 * already hold the message.
 */
export class SmtpRelay implements MailRelay {
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  constructor(
    private readonly settings: SmtpMailSettings,
    private readonly password: string | null,
  ) {}

  async send(message: MailMessage): Promise<RelayReceipt> {
    if (this.closed) throw new HelpdeskError('RELAY_NOT_CONFIGURED', { detail: 'closed' });
    if (this.settings.user !== '' && !this.password) throw new HelpdeskError('RELAY_NOT_CONFIGURED', { detail: 'ENOAUTH' });
    const mail = composeMail(this.settings, message);
    let outcome = await this.attempt(mail);
    if (!outcome.ok && isEarlyConnectionFailure(outcome.error, outcome.serverAnswered)) {
      await sleep(RETRY_PAUSE_MS);
      if (!this.closed) outcome = await this.attempt(mail);
    }
    if (!outcome.ok) throw toRelayError(outcome.error);
    return { messageId: outcome.info.serverMessageId ?? outcome.info.messageId };
  }

  /** Stops new sends and cancels the ones in flight. */
  async close(): Promise<void> {
    this.closed = true;
    for (const controller of this.inFlight) controller.abort();
    this.inFlight.clear();
  }

  /** One connection, one message. A transport per attempt, so its log tells whether *this* server answered. */
  private async attempt(mail: SendMailOptions): Promise<Outcome> {
    const watch = serverReplyWatch();
    const controller = new AbortController();
    const transport = createTransport(transportOptions(this.settings, this.password, watch.logger));
    this.inFlight.add(controller);
    try {
      return { ok: true, info: await transport.sendMail({ ...mail, signal: controller.signal }) };
    } catch (error) {
      return { ok: false, error, serverAnswered: watch.answered() };
    } finally {
      this.inFlight.delete(controller);
      transport.close();
    }
  }
}

/** A relay for the settings; provider `none` gives one whose every send fails with RELAY_NOT_CONFIGURED. */
export function createMailRelay(settings: MailSettings, password: string | null): MailRelay {
  if (settings.provider === 'smtp') return new SmtpRelay(settings, password);
  return {
    send: () => Promise.reject(new HelpdeskError('RELAY_NOT_CONFIGURED', { detail: 'mail' })),
    close: () => Promise.resolve(),
  };
}

export function transportOptions(s: SmtpMailSettings, password: string | null, logger: SMTPTransport.Options['logger']): SMTPTransport.Options {
  return {
    host: s.host,
    port: s.port,
    secure: s.security === 'tls',
    requireTLS: s.security === 'starttls',
    ignoreTLS: false,
    opportunisticTLS: false,
    ...(s.user !== '' ? { auth: { user: s.user, pass: password ?? '' } } : {}),
    tls: tlsOptions(s),
    connectionTimeout: s.timeoutMs,
    greetingTimeout: s.timeoutMs,
    socketTimeout: s.timeoutMs + SOCKET_GRACE_MS,
    disableFileAccess: true,
    disableUrlAccess: true,
    logger,
    // Server and client command lines reach `logger` (the message data never does): only used to
    // learn whether the server answered; see serverReplyWatch.
    transactionLog: true,
  };
}

function tlsOptions(s: SmtpMailSettings): ConnectionOptions {
  const opts: ConnectionOptions = { minVersion: 'TLSv1.2', rejectUnauthorized: true };
  if (s.caCertificate.trim() !== '') opts.ca = s.caCertificate;
  if (isIP(s.host) === 0) opts.servername = s.host;
  return opts;
}

/** The message as nodemailer takes it: one recipient, UTF-8 text + HTML, a Message-ID derived from the request. */
export function composeMail(s: SmtpMailSettings, m: MailMessage): SendMailOptions {
  if (!SINGLE_ADDRESS.test(m.to)) throw new HelpdeskError('VALIDATION_FAILED', { field: 'to', reason: 'invalid_format' });
  return {
    from: { name: s.fromName, address: s.fromAddress },
    to: m.to,
    subject: m.subject,
    text: m.text,
    html: m.html,
    messageId: messageIdFor(m.requestId, s.fromAddress),
    headers: { 'X-Helpdesk-Request': requestToken(m.requestId) },
  };
}

/** `<requestId@domain-of-the-sender>`: the same for a retry, so a server or a reader can recognise it. */
export function messageIdFor(requestId: string, fromAddress: string): string {
  const domain = domainToASCII(fromAddress.slice(fromAddress.lastIndexOf('@') + 1)).toLowerCase() || 'helpdesk.invalid';
  return `<${requestToken(requestId)}@${domain}>`;
}

/** The request id as a msg-id left part (dot-atom text without dots); a UUID passes unchanged. */
function requestToken(requestId: string): string {
  const token = requestId.replace(/[^A-Za-z0-9_-]/gu, '-').slice(0, 128);
  if (token === '') throw new HelpdeskError('VALIDATION_FAILED', { field: 'requestId', reason: 'required' });
  return token;
}

/**
 * nodemailer 10 reports a connection closed or reset before the greeting exactly like one closed in
 * the middle of the session (ECONNECTION / ESOCKET, command CONN, no reply), and a transport does not
 * expose its connection. Its transaction log does mark every line the server sent (`tnx: 'server'`):
 * this logger keeps only that fact and never reads an entry's text.
 */
function serverReplyWatch(): { logger: NonNullable<SMTPTransport.Options['logger']>; answered: () => boolean } {
  let answered = false;
  const note = (entry?: unknown): void => {
    if (typeof entry === 'object' && entry !== null && (entry as { tnx?: unknown }).tnx === 'server') answered = true;
  };
  return { logger: { trace: note, debug: note, info: note, warn: note, error: note, fatal: note }, answered: () => answered };
}
