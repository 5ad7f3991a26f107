import type { SmsSettings } from '../../common/settings';
import { HelpdeskError } from '../../domain/errors';
import type { RelayReceipt, SmsMessage, SmsRelay } from '../../domain/ports';
import { callGateway, type GatewayRequest, parseJson } from './http';
import { matchesAtPath, scalarText, valueAtPath } from './json-path';
import { gatewayToken, relayError, safeMessageId } from './relay-errors';
import { renderTemplate } from './template';

export type HttpSmsSettings = Extract<SmsSettings, { provider: 'http' }>;

export interface HttpSmsSecret {
  headerValue: string;
}

/** What a header value may hold (a ByteString without CR, LF or NUL). */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/u;

/**
 * A configurable HTTP gateway: URL, method, content type, headers, a secret header from the
 * keychain, a body (POST) or query (GET) template, and a success predicate on the JSON answer.
 */
export class HttpSmsRelay implements SmsRelay {
  readonly provider = 'http';

  constructor(
    private readonly settings: HttpSmsSettings,
    private readonly secret: HttpSmsSecret | null,
  ) {}

  async send(message: SmsMessage): Promise<RelayReceipt> {
    const answer = await callGateway(httpSmsRequest(this.settings, this.secret, message));
    return httpSmsReceipt(this.settings, answer.text);
  }

  async close(): Promise<void> {}
}

/** Builds the request: template filled and escaped for where it goes, headers, the secret header last. */
export function httpSmsRequest(settings: HttpSmsSettings, secret: HttpSmsSecret | null, message: SmsMessage): GatewayRequest {
  const headers = plainHeaders(settings);
  if (settings.secretHeader !== '') headers.set(settings.secretHeader, secretHeaderValue(settings, secret));
  const url = new URL(settings.url);
  if (settings.method === 'GET') {
    appendQuery(url, renderTemplate(settings.bodyTemplate, message, 'url'));
    return { url, method: 'GET', headers, timeoutMs: settings.timeoutMs };
  }
  const encoding = settings.contentType === 'application/json' ? 'json' : 'url';
  if (!headers.has('Content-Type')) headers.set('Content-Type', `${settings.contentType}; charset=utf-8`);
  return { url, method: 'POST', headers, body: renderTemplate(settings.bodyTemplate, message, encoding), timeoutMs: settings.timeoutMs };
}

function plainHeaders(settings: HttpSmsSettings): Headers {
  const headers = new Headers({ Accept: 'application/json' });
  for (const [name, value] of Object.entries(settings.headers)) {
    // Checked here: Headers' own TypeError would quote the value.
    if (!HEADER_VALUE.test(value)) {
      throw new HelpdeskError('VALIDATION_FAILED', { field: `headers.${name}`, reason: 'invalid_characters' });
    }
    headers.set(name, value);
  }
  return headers;
}

function secretHeaderValue(settings: HttpSmsSettings, secret: HttpSmsSecret | null): string {
  if (secret === null || secret.headerValue === '') throw relayError('RELAY_AUTH', 'secret missing');
  const value = settings.secretPrefix + secret.headerValue;
  if (!HEADER_VALUE.test(value)) throw relayError('RELAY_AUTH', 'secret invalid');
  return value;
}

/** Adds a rendered query (`to=…&text=…`) to the URL's own query, if any. */
function appendQuery(url: URL, rendered: string): void {
  const query = rendered.replace(/^[?&]+/u, '');
  if (query === '') return;
  url.search = url.search === '' ? `?${query}` : `${url.search}&${query}`;
}

/**
 * Judges a 2xx answer. Empty successPath: accepted. Otherwise the answer must be JSON and the value
 * at successPath must spell successValue; a refusal names that value when it looks like a code.
 */
export function httpSmsReceipt(settings: HttpSmsSettings, text: string): RelayReceipt {
  const needsJson = settings.successPath !== '';
  const json = needsJson ? parseJson(text, 'http') : tryJson(text);
  if (needsJson && !matchesAtPath(json, settings.successPath, settings.successValue)) {
    const code = gatewayToken(scalarText(valueAtPath(json, settings.successPath)));
    throw relayError('RELAY_REJECTED', `http:${code ?? 'rejected'}`);
  }
  if (settings.messageIdPath === '' || json === undefined) return { messageId: null };
  return { messageId: safeMessageId(valueAtPath(json, settings.messageIdPath)) };
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
