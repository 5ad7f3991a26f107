import type { ErrorCode } from '../../common/errors';
import type { SmsSettings } from '../../common/settings';
import type { RelayReceipt, SmsMessage, SmsRelay } from '../../domain/ports';
import { smsSegments } from '../../domain/sms-text';
import { callGateway, jsonHeaders, parseJsonObject } from './http';
import { gatewayToken, relayError, safeMessageId } from './relay-errors';

export type EsmsSettings = Extract<SmsSettings, { provider: 'esms' }>;

export interface EsmsSecret {
  apiKey: string;
  secretKey: string;
}

/** eSMS CodeResult values that are not "rejected": everything else (103 balance, 104 brandname, …) is. */
const ESMS_CODES: Readonly<Record<string, ErrorCode>> = {
  '99': 'RELAY_SERVER_ERROR', // unknown error on eSMS's side
  '101': 'RELAY_AUTH', // wrong ApiKey / SecretKey
  '102': 'RELAY_AUTH', // account locked
};

/**
 * eSMS.vn (`SendMultipleMessage_V4_post_json`). Accepted iff `CodeResult === "100"`; the receipt
 * carries `SMSID`. eSMS answers HTTP 200 for refusals too: the CodeResult decides.
 */
export class EsmsRelay implements SmsRelay {
  readonly provider = 'esms';

  constructor(
    private readonly settings: EsmsSettings,
    private readonly secret: EsmsSecret,
  ) {}

  async send(message: SmsMessage): Promise<RelayReceipt> {
    const answer = await callGateway({
      url: new URL(this.settings.url),
      method: 'POST',
      headers: jsonHeaders(),
      body: JSON.stringify(esmsBody(this.settings, this.secret, message)),
      timeoutMs: this.settings.timeoutMs,
    });
    return esmsReceipt(parseJsonObject(answer.text, 'esms'));
  }

  async close(): Promise<void> {}
}

/** The request body. Plain (unaccented) text goes as IsUnicode "0"; text outside GSM-7 as "1". */
export function esmsBody(settings: EsmsSettings, secret: EsmsSecret, message: SmsMessage): Record<string, string> {
  return {
    ApiKey: secret.apiKey,
    SecretKey: secret.secretKey,
    Phone: message.to,
    Content: message.text,
    Brandname: settings.brandname,
    SmsType: settings.smsType,
    IsUnicode: smsSegments(message.text).encoding === 'GSM-7' ? '0' : '1',
    RequestId: message.requestId,
    Sandbox: '0',
  };
}

/** Judges eSMS's answer: a receipt for CodeResult "100", else the mapped error with `esms:<code>`. */
export function esmsReceipt(answer: Record<string, unknown>): RelayReceipt {
  const code = gatewayToken(answer.CodeResult);
  if (code === null) throw relayError('RELAY_BAD_RESPONSE', 'esms:no-CodeResult');
  if (code === '100') return { messageId: safeMessageId(answer.SMSID) };
  throw relayError(ESMS_CODES[code] ?? 'RELAY_REJECTED', `esms:${code}`);
}
