import type { ErrorCode } from '../../common/errors';
import { HelpdeskError } from '../../domain/errors';

/**
 * Errors shared by the SMS adapters. A relay error's detail names the cause with the gateway's own
 * code (`esms:103`, `http:500`, `smpp:0x00000058`) or a system code (`ECONNREFUSED`): never the
 * message text (it holds the one-time code), a key or a token, and never a server's message text.
 */
export function relayError(code: ErrorCode, detail: string, cause?: unknown): HelpdeskError {
  return new HelpdeskError(code, cause === undefined ? { detail } : { detail, cause });
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME']);
const NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
/** Failures to reach the gateway where one immediate retry may succeed (a restart, a dropped idle socket). */
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

function ownCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The system error code of an error or of its causes: fetch wraps the socket error in `cause`,
 * and a connection to several addresses fails with an AggregateError holding one per address.
 */
export function systemCode(err: unknown, depth = 0): string | undefined {
  if (err === null || typeof err !== 'object' || depth > 4) return undefined;
  const own = ownCode(err);
  if (own) return own;
  if (err instanceof AggregateError) {
    for (const inner of err.errors) {
      const code = systemCode(inner, depth + 1);
      if (code) return code;
    }
  }
  return systemCode((err as { cause?: unknown }).cause, depth + 1);
}

export function isTimeout(err: unknown): boolean {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return true;
  const code = systemCode(err);
  return code !== undefined && TIMEOUT_CODES.has(code);
}

export function isTlsCode(code: string): boolean {
  return /^(ERR_TLS|ERR_SSL|ERR_OSSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH)/u.test(code) || code === 'EPROTO';
}

/** True when an immediate second attempt is worth it: the connection failed before any answer. */
export function isTransient(err: unknown): boolean {
  if (err instanceof HelpdeskError || isTimeout(err)) return false;
  const code = systemCode(err);
  return code !== undefined && TRANSIENT_CODES.has(code);
}

/** Maps a socket/TLS/DNS/abort failure to RELAY_TIMEOUT, RELAY_TLS or RELAY_UNREACHABLE. */
export function networkError(err: unknown): HelpdeskError {
  if (err instanceof HelpdeskError) return err;
  const code = systemCode(err);
  if (isTimeout(err)) return relayError('RELAY_TIMEOUT', code ?? 'timeout', err);
  if (code && isTlsCode(code)) return relayError('RELAY_TLS', code, err);
  if (code && (DNS_CODES.has(code) || NET_CODES.has(code))) return relayError('RELAY_UNREACHABLE', code, err);
  return relayError('RELAY_UNREACHABLE', code ?? 'network', err);
}

/** A gateway's result code, fit for a detail: a short token, or null when it is anything else. */
export function gatewayToken(value: unknown): string | null {
  const s = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  return typeof s === 'string' && /^[A-Za-z0-9_.-]{1,32}$/u.test(s) ? s : null;
}

/** A gateway's message id as the receipt carries it: a printable string of at most 128 characters. */
export function safeMessageId(value: unknown): string | null {
  const s = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof s !== 'string') return null;
  const clean = s.replace(/[\u0000-\u001f\u007f]/gu, '').trim();
  return clean === '' ? null : clean.slice(0, 128);
}
