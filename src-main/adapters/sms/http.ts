import { HelpdeskError } from '../../domain/errors';
import { isTimeout, isTransient, networkError, relayError, systemCode } from './relay-errors';

/** One call to an HTTP SMS gateway. */
export interface GatewayRequest {
  url: URL;
  method: 'GET' | 'POST';
  headers: Headers;
  body?: string;
  /** Bounds each attempt, from connect to the last byte of the answer. */
  timeoutMs: number;
}

/** A 2xx answer (anything else has been turned into a HelpdeskError). */
export interface GatewayAnswer {
  status: number;
  text: string;
}

/** Gateways answer with a few hundred bytes; more than this is not an answer we can use. */
const MAX_BODY_BYTES = 256 * 1024;

/**
 * Sends a request with Node's fetch and maps the outcome to RELAY_* errors.
 *
 * Retry policy: at most one retry, and only when the connection failed before any answer
 * (refused, reset, closed without a response). Never after a timeout, a TLS failure or an HTTP
 * answer of any status. The retry sends the very same request (same RequestId, so a gateway that
 * did get the first one can recognise the duplicate).
 */
export async function callGateway(req: GatewayRequest): Promise<GatewayAnswer> {
  try {
    return await attempt(req);
  } catch (err) {
    if (!isTransient(err)) throw networkError(err);
  }
  try {
    return await attempt(req);
  } catch (err) {
    throw networkError(err);
  }
}

async function attempt(req: GatewayRequest): Promise<GatewayAnswer> {
  const signal = AbortSignal.timeout(req.timeoutMs);
  const init: RequestInit = { method: req.method, headers: req.headers, signal, redirect: 'manual' };
  if (req.body !== undefined) init.body = req.body;
  // Until fetch resolves, a failure is "before any answer" and the raw error goes up (maybe retried).
  const res = await fetch(req.url, init);
  // From here on the gateway has answered: every failure is final.
  const statusFailure = statusError(res.status);
  if (statusFailure) {
    await res.body?.cancel().catch(() => undefined);
    throw statusFailure;
  }
  return { status: res.status, text: await readBody(res) };
}

/** Maps a non-2xx HTTP status to its relay error; null for 2xx. */
export function statusError(status: number): HelpdeskError | null {
  if (status >= 200 && status < 300) return null;
  const detail = `http:${status}`;
  if (status === 429) return relayError('RELAY_RATE_LIMITED', detail);
  if (status === 401 || status === 403) return relayError('RELAY_AUTH', detail);
  if (status >= 500) return relayError('RELAY_SERVER_ERROR', detail);
  // Redirects are not followed: the keys in the request must go to the configured URL only.
  if (status >= 300 && status < 400) return relayError('RELAY_BAD_RESPONSE', detail);
  return relayError('RELAY_REJECTED', detail);
}

async function readBody(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel().catch(() => undefined);
        throw relayError('RELAY_BAD_RESPONSE', 'http:body-too-large');
      }
      chunks.push(value);
    }
  } catch (err) {
    throw answeredError(err);
  }
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks));
}

/** The answer started but did not finish: a timeout, or a broken answer — never retried. */
function answeredError(err: unknown): HelpdeskError {
  if (err instanceof HelpdeskError) return err;
  if (isTimeout(err)) return networkError(err);
  return relayError('RELAY_BAD_RESPONSE', systemCode(err) ?? 'http:incomplete', err);
}

/**
 * Parses a gateway's JSON answer. A parse failure carries no cause: a SyntaxError quotes the body,
 * and a body may echo the request (text, keys).
 */
export function parseJson(text: string, provider: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw relayError('RELAY_BAD_RESPONSE', `${provider}:invalid-json`);
  }
}

/** Parses a gateway's answer that must be a JSON object. */
export function parseJsonObject(text: string, provider: string): Record<string, unknown> {
  const value = parseJson(text, provider);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw relayError('RELAY_BAD_RESPONSE', `${provider}:not-an-object`);
  }
  return value as Record<string, unknown>;
}

/** Headers for a JSON POST. */
export function jsonHeaders(): Headers {
  return new Headers({ 'Content-Type': 'application/json; charset=utf-8', Accept: 'application/json' });
}
