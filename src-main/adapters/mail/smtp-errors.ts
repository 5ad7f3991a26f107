import type { ErrorCode } from '../../common/errors';
import { HelpdeskError } from '../../domain/errors';

/**
 * The fields nodemailer 10 puts on the errors it hands back (`NodemailerError`). Read defensively:
 * anything else (a bug, a stream error) arrives here too.
 */
interface SmtpFailure {
  code?: unknown;
  originalCode?: unknown;
  responseCode?: unknown;
  command?: unknown;
  timeoutType?: unknown;
}

/** Socket errors of a connection that failed or went away (no certificate or protocol problem). */
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
const TLS_CODE = /^(ERR_TLS|ERR_SSL|ERR_OSSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH|EPROTO$)/u;
const AUTH_REPLIES = new Set([530, 534, 535]);
const ENVELOPE_COMMANDS = /^(MAIL FROM|RCPT TO|DATA)$/u;

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function replyCode(f: SmtpFailure): number | undefined {
  return typeof f.responseCode === 'number' && f.responseCode >= 200 && f.responseCode < 600 ? f.responseCode : undefined;
}

function isTls(f: SmtpFailure): boolean {
  return f.code === 'ETLS' || TLS_CODE.test(text(f.originalCode) ?? '') || TLS_CODE.test(text(f.code) ?? '');
}

/**
 * True when a send failed on the connection itself before the server sent a single line:
 * refused, reset or closed. Worth one more attempt; a timeout is not (the operator's wait is
 * bounded by one timeout), nor a TLS, DNS or authentication failure (they would fail again).
 */
export function isEarlyConnectionFailure(err: unknown, serverAnswered: boolean): boolean {
  if (serverAnswered || typeof err !== 'object' || err === null) return false;
  const f = err as SmtpFailure;
  if (replyCode(f) !== undefined || isTls(f)) return false;
  if (f.code === 'ECONNECTION') return true;
  return f.code === 'ESOCKET' && NET_CODES.has(text(f.originalCode) ?? '');
}

function fromReply(f: SmtpFailure, reply: number): ErrorCode {
  if (reply === 421) return 'RELAY_SERVER_ERROR';
  if (f.code === 'EAUTH' || AUTH_REPLIES.has(reply)) return 'RELAY_AUTH';
  if (f.code === 'ETLS' || f.command === 'STARTTLS') return 'RELAY_TLS';
  if (reply < 400) return 'RELAY_BAD_RESPONSE';
  if (ENVELOPE_COMMANDS.test(text(f.command) ?? '')) return 'RELAY_REJECTED';
  // 4xx/5xx to the greeting or EHLO: the server refuses to serve us.
  return 'RELAY_SERVER_ERROR';
}

function withoutReply(f: SmtpFailure): ErrorCode {
  switch (f.code) {
    case 'EAUTH':
    case 'ENOAUTH':
      return 'RELAY_AUTH';
    case 'ETIMEDOUT':
      return 'RELAY_TIMEOUT';
    case 'EPROTOCOL':
      return 'RELAY_BAD_RESPONSE';
    case 'EENVELOPE':
    case 'EMESSAGE':
    case 'EMAXRECIPIENTS':
      return 'RELAY_REJECTED';
    default:
      if (isTls(f)) return 'RELAY_TLS';
      return 'RELAY_UNREACHABLE';
  }
}

/** `smtp:550` for a reply; otherwise the most specific code: ECONNREFUSED, SELF_SIGNED_CERT_IN_CHAIN, GREETING_TIMEOUT… */
function detailOf(f: SmtpFailure, reply: number | undefined): string {
  if (reply !== undefined) return `smtp:${reply}`;
  if (f.code === 'ETIMEDOUT') return text(f.timeoutType) ?? 'ETIMEDOUT';
  return text(f.originalCode) ?? text(f.code) ?? 'unknown';
}

/**
 * Maps a nodemailer failure to a RELAY_* contract error. The detail is an SMTP reply code or a
 * system/nodemailer error code — never the server's text, the message or a credential.
 */
export function toRelayError(err: unknown): HelpdeskError {
  if (err instanceof HelpdeskError) return err;
  const f: SmtpFailure = typeof err === 'object' && err !== null ? (err as SmtpFailure) : {};
  const reply = replyCode(f);
  const code = reply !== undefined ? fromReply(f, reply) : withoutReply(f);
  return new HelpdeskError(code, { detail: detailOf(f, reply), cause: err });
}
