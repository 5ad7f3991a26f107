import type { SmsSettings } from '../../common/settings';
import type { RelayReceipt, SmsMessage, SmsRelay } from '../../domain/ports';
import { callGateway, jsonHeaders, parseJsonObject } from './http';
import { gatewayToken, relayError, safeMessageId } from './relay-errors';
import { valueAtPath } from './json-path';

export type SpeedSmsSettings = Extract<SmsSettings, { provider: 'speedsms' }>;

export interface SpeedSmsSecret {
  accessToken: string;
}

/** SpeedSMS codes that mean the access token is refused (007: token / IP not authorised). */
const AUTH_CODES = new Set(['007']);

/**
 * SpeedSMS (`/index.php/sms/send`), HTTP Basic auth `accessToken:x`. Accepted iff
 * `status === "success"` and `code === "00"`; the receipt carries `data.tranId`.
 */
export class SpeedSmsRelay implements SmsRelay {
  readonly provider = 'speedsms';

  constructor(
    private readonly settings: SpeedSmsSettings,
    private readonly secret: SpeedSmsSecret,
  ) {}

  async send(message: SmsMessage): Promise<RelayReceipt> {
    const headers = jsonHeaders();
    headers.set('Authorization', basicAuth(this.secret.accessToken));
    const answer = await callGateway({
      url: new URL(this.settings.url),
      method: 'POST',
      headers,
      body: JSON.stringify(speedSmsBody(this.settings, message)),
      timeoutMs: this.settings.timeoutMs,
    });
    return speedSmsReceipt(parseJsonObject(answer.text, 'speedsms'));
  }

  async close(): Promise<void> {}
}

function basicAuth(accessToken: string): string {
  return `Basic ${Buffer.from(`${accessToken}:x`, 'utf8').toString('base64')}`;
}

export function speedSmsBody(settings: SpeedSmsSettings, message: SmsMessage): Record<string, unknown> {
  return { to: [message.to], content: message.text, sms_type: settings.smsType, sender: settings.sender };
}

/** Judges SpeedSMS's answer: a receipt on success, else RELAY_AUTH / RELAY_REJECTED with `speedsms:<code>`. */
export function speedSmsReceipt(answer: Record<string, unknown>): RelayReceipt {
  const code = gatewayToken(answer.code);
  if (answer.status === 'success' && code === '00') return { messageId: safeMessageId(valueAtPath(answer, 'data.tranId')) };
  if (code === null) throw relayError('RELAY_BAD_RESPONSE', 'speedsms:no-code');
  throw relayError(AUTH_CODES.has(code) ? 'RELAY_AUTH' : 'RELAY_REJECTED', `speedsms:${code}`);
}
