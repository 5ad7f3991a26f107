import { describe, expect, it } from 'vitest';
import { esmsBody, esmsReceipt } from '../../../src-main/adapters/sms/esms';
import { httpSmsReceipt, httpSmsRequest } from '../../../src-main/adapters/sms/generic-http';
import { parseJson, statusError } from '../../../src-main/adapters/sms/http';
import { networkError, safeMessageId } from '../../../src-main/adapters/sms/relay-errors';
import { connectOptions, smppDetail, submitError, submitOptions } from '../../../src-main/adapters/sms/smpp';
import { speedSmsReceipt } from '../../../src-main/adapters/sms/speedsms';
import { type SmsSettings, smsSettingsSchema } from '../../../src-main/common/settings';
import { HelpdeskError } from '../../../src-main/domain/errors';

function thrown(fn: () => unknown): HelpdeskError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HelpdeskError) return err;
    throw err;
  }
  throw new Error('did not throw');
}

const m = { to: '84912345678', text: 'Ma OTP: 482913', requestId: 'r-1' };

describe('HTTP status mapping', () => {
  it.each([
    [429, 'RELAY_RATE_LIMITED'],
    [401, 'RELAY_AUTH'],
    [403, 'RELAY_AUTH'],
    [500, 'RELAY_SERVER_ERROR'],
    [503, 'RELAY_SERVER_ERROR'],
    [400, 'RELAY_REJECTED'],
    [404, 'RELAY_REJECTED'],
    [302, 'RELAY_BAD_RESPONSE'],
  ])('%i → %s', (status, code) => {
    expect(statusError(status)).toMatchObject({ code, detail: `http:${status}` });
  });

  it('2xx is no error', () => {
    expect(statusError(200)).toBeNull();
    expect(statusError(204)).toBeNull();
  });

  it('invalid JSON: BAD_RESPONSE without a cause (a SyntaxError quotes the body)', () => {
    const err = thrown(() => parseJson('{"k":"secret-value"', 'esms'));
    expect(err).toMatchObject({ code: 'RELAY_BAD_RESPONSE', detail: 'esms:invalid-json' });
    expect(err.cause).toBeUndefined();
  });
});

describe('network errors', () => {
  const wrapped = (code: string) => new TypeError('fetch failed', { cause: Object.assign(new Error(`x ${code}`), { code }) });
  it.each([
    ['ECONNREFUSED', 'RELAY_UNREACHABLE'],
    ['ENOTFOUND', 'RELAY_UNREACHABLE'],
    ['UND_ERR_SOCKET', 'RELAY_UNREACHABLE'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'RELAY_TLS'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'RELAY_TLS'],
    ['CERT_HAS_EXPIRED', 'RELAY_TLS'],
    ['UND_ERR_CONNECT_TIMEOUT', 'RELAY_TIMEOUT'],
  ])('%s → %s', (code, expected) => {
    expect(networkError(wrapped(code))).toMatchObject({ code: expected, detail: code });
  });

  it('an abort by AbortSignal.timeout → RELAY_TIMEOUT', () => {
    expect(networkError(new DOMException('aborted', 'TimeoutError'))).toMatchObject({ code: 'RELAY_TIMEOUT', detail: 'timeout' });
  });

  it('an AggregateError (several addresses) is read through', () => {
    const agg = new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' })], 'all failed');
    expect(networkError(new TypeError('fetch failed', { cause: agg }))).toMatchObject({ detail: 'ECONNREFUSED' });
  });
});

describe('eSMS', () => {
  const settings = smsSettingsSchema.parse({ provider: 'esms', brandname: 'BRAND' }) as Extract<SmsSettings, { provider: 'esms' }>;

  it('IsUnicode "0" for GSM-7 text, "1" when the text needs UCS-2', () => {
    expect(esmsBody(settings, { apiKey: 'a', secretKey: 's' }, m).IsUnicode).toBe('0');
    expect(esmsBody(settings, { apiKey: 'a', secretKey: 's' }, { ...m, text: 'Mã OTP' }).IsUnicode).toBe('1');
  });

  it.each([
    ['101', 'RELAY_AUTH'],
    ['102', 'RELAY_AUTH'],
    ['103', 'RELAY_REJECTED'],
    ['104', 'RELAY_REJECTED'],
    ['118', 'RELAY_REJECTED'],
    ['124', 'RELAY_REJECTED'],
    ['146', 'RELAY_REJECTED'],
    ['177', 'RELAY_REJECTED'],
    ['99', 'RELAY_SERVER_ERROR'],
    ['5000', 'RELAY_REJECTED'],
  ])('CodeResult %s → %s', (code, expected) => {
    expect(thrown(() => esmsReceipt({ CodeResult: code, ErrorMessage: 'msg' }))).toMatchObject({ code: expected, detail: `esms:${code}` });
  });

  it('accepts "100" (and 100 as a number) with SMSID', () => {
    expect(esmsReceipt({ CodeResult: '100', SMSID: 'abc' })).toEqual({ messageId: 'abc' });
    expect(esmsReceipt({ CodeResult: 100 })).toEqual({ messageId: null });
  });

  it('no usable CodeResult → BAD_RESPONSE', () => {
    expect(thrown(() => esmsReceipt({}))).toMatchObject({ code: 'RELAY_BAD_RESPONSE' });
    expect(thrown(() => esmsReceipt({ CodeResult: 'a very long text that is not a code at all, really' }))).toMatchObject({
      code: 'RELAY_BAD_RESPONSE',
    });
  });
});

describe('SpeedSMS', () => {
  it('accepts only status success + code 00', () => {
    expect(speedSmsReceipt({ status: 'success', code: '00', data: { tranId: 42 } })).toEqual({ messageId: '42' });
    expect(thrown(() => speedSmsReceipt({ status: 'error', code: '00' }))).toMatchObject({ code: 'RELAY_REJECTED', detail: 'speedsms:00' });
    expect(thrown(() => speedSmsReceipt({ status: 'error', code: '007' }))).toMatchObject({ code: 'RELAY_AUTH', detail: 'speedsms:007' });
    expect(thrown(() => speedSmsReceipt({ status: 'error' }))).toMatchObject({ code: 'RELAY_BAD_RESPONSE' });
  });
});

describe('generic HTTP', () => {
  const base = (over: Record<string, unknown> = {}) =>
    smsSettingsSchema.parse({ provider: 'http', url: 'https://sms.example.vn/send', ...over }) as Extract<SmsSettings, { provider: 'http' }>;

  it('refuses a secret that would not fit in a header, without quoting it', () => {
    const err = thrown(() => httpSmsRequest(base({ secretHeader: 'X-Key' }), { headerValue: 'abc\r\nX-Evil: 1' }, m));
    expect(err).toMatchObject({ code: 'RELAY_AUTH', detail: 'secret invalid' });
    expect(err.message).not.toContain('abc');
  });

  it('ignores a keychain secret when no secret header is configured', () => {
    const req = httpSmsRequest(base(), { headerValue: 'tok' }, m);
    expect([...req.headers.values()].join(' ')).not.toContain('tok');
  });

  it('a refusal names the value only when it looks like a code', () => {
    const s = base({ successPath: 'status', successValue: 'ok' });
    expect(thrown(() => httpSmsReceipt(s, '{"status":"E_BALANCE"}'))).toMatchObject({ detail: 'http:E_BALANCE' });
    expect(thrown(() => httpSmsReceipt(s, '{"status":"not sent: Ma OTP 482913"}'))).toMatchObject({ detail: 'http:rejected' });
    expect(thrown(() => httpSmsReceipt(s, 'OK'))).toMatchObject({ code: 'RELAY_BAD_RESPONSE' });
  });
});

describe('SMPP', () => {
  const settings = smsSettingsSchema.parse({ provider: 'smpp', url: 'ssmpp://smsc.example.vn:3550', systemId: 'hd', sourceAddr: 'BRAND' }) as Extract<
    SmsSettings,
    { provider: 'smpp' }
  >;

  it('command_status in detail as smpp:0x%08X', () => {
    expect(smppDetail(0x58)).toBe('smpp:0x00000058');
    expect(submitError(0x58)).toMatchObject({ code: 'RELAY_RATE_LIMITED' });
    expect(submitError(0x14)).toMatchObject({ code: 'RELAY_RATE_LIMITED' });
    expect(submitError(0x08)).toMatchObject({ code: 'RELAY_SERVER_ERROR' });
    expect(submitError(0x0b)).toMatchObject({ code: 'RELAY_REJECTED', detail: 'smpp:0x0000000B' });
  });

  it('ssmpp:// verifies the certificate, with the configured CA and SNI for DNS names', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
    expect(connectOptions({ ...settings, url: 'ssmpp://smsc.example.vn:3550', caCertificate: pem })).toEqual({
      url: 'ssmpp://smsc.example.vn:3550',
      auto_enquire_link_period: 30_000,
      rejectUnauthorized: true,
      servername: 'smsc.example.vn',
      ca: pem,
    });
    expect(connectOptions({ ...settings, url: 'ssmpp://127.0.0.1:3550' })).not.toHaveProperty('servername');
    expect(connectOptions({ ...settings, url: 'ssmpp://127.0.0.1:3550' })).not.toHaveProperty('ca');
    expect(connectOptions({ ...settings, url: 'smpp://127.0.0.1:2775' })).toEqual({ url: 'smpp://127.0.0.1:2775', auto_enquire_link_period: 30_000 });
  });

  it('GSM-7 text → data_coding 0; anything else → UCS-2 (8) instead of losing characters', () => {
    expect(submitOptions(settings, m)).toMatchObject({ data_coding: 0, short_message: m.text });
    expect(submitOptions(settings, { ...m, text: 'Mã 482913' })).toMatchObject({ data_coding: 8, short_message: 'Mã 482913' });
  });
});

describe('safeMessageId', () => {
  it('strips control characters and bounds the length', () => {
    expect(safeMessageId('id\r\n1')).toBe('id1');
    expect(safeMessageId('x'.repeat(300))).toHaveLength(128);
    expect(safeMessageId({})).toBeNull();
    expect(safeMessageId('')).toBeNull();
  });
});
