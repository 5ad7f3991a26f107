import { setTimeout as sleep } from 'node:timers/promises';
import smpp from 'smpp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSmsRelay, EsmsRelay, HttpSmsRelay, SmppRelay, SpeedSmsRelay } from '../../src-main/adapters/sms/index';
import { type SmsSettings, smsSettingsSchema } from '../../src-main/common/settings';
import { HelpdeskError } from '../../src-main/domain/errors';
import type { SmsMessage, SmsRelay } from '../../src-main/domain/ports';
import { freePort } from '../helpers/free-port';
import { type HttpSmsSink, type SmppSink, startHttpSmsSink, startSmppSink } from '../helpers/sms-sinks';

// Secrets and message texts that must never appear in an error (message, detail, causes).
const ESMS_KEYS = { apiKey: 'ESMS-API-7f3a9c', secretKey: 'ESMS-SECRET-b81d44' };
const SPEEDSMS_TOKEN = 'SPEED-TOKEN-5e2c1a';
const HTTP_TOKEN = 'HTTP-TOKEN-91ab0f';
const SMPP_PASSWORD = 'smppPw7';
const OTP = '482913';
const TEXT = `Ma OTP cua ban la ${OTP}. Hieu luc 5 phut. Khong cung cap ma nay cho ai.`;
const FORBIDDEN = [TEXT, OTP, ESMS_KEYS.apiKey, ESMS_KEYS.secretKey, SPEEDSMS_TOKEN, HTTP_TOKEN, SMPP_PASSWORD];

let requestSerial = 0;
function message(text = TEXT): SmsMessage {
  requestSerial += 1;
  return { to: '84912345678', text, requestId: `req-${requestSerial}-c0ffee` };
}

type Provider<P extends SmsSettings['provider']> = Extract<SmsSettings, { provider: P }>;
function settings<P extends SmsSettings['provider']>(input: { provider: P } & Record<string, unknown>): Provider<P> {
  return smsSettingsSchema.parse(input) as Provider<P>;
}

/** Every text an error carries: message, detail, API form, and the messages of its causes. */
function errorTexts(err: unknown): string[] {
  const out: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && e !== null && depth < 6; depth++) {
    if (e instanceof Error) out.push(e.message, String(e), e.stack ?? '');
    if (e instanceof HelpdeskError) out.push(JSON.stringify(e.toApiError()));
    if (e instanceof AggregateError) e.errors.forEach((inner) => out.push(...errorTexts(inner)));
    e = (e as { cause?: unknown }).cause;
  }
  return out;
}

/** Sends, expects a HelpdeskError with this code (and detail), and checks that it leaks nothing. */
async function expectRelayError(relay: SmsRelay, m: SmsMessage, code: string, detail?: string | RegExp): Promise<HelpdeskError> {
  const err = await relay.send(m).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HelpdeskError);
  const he = err as HelpdeskError;
  expect({ code: he.code, detail: he.detail }).toMatchObject({ code, ...(detail === undefined ? {} : { detail }) });
  const texts = errorTexts(he).join('\n');
  for (const secret of [...FORBIDDEN, m.text]) expect(texts).not.toContain(secret);
  return he;
}

// ---------------------------------------------------------------------------------------------

describe('HTTP gateways', () => {
  let sink: HttpSmsSink;

  beforeAll(async () => {
    sink = await startHttpSmsSink({
      esms: ESMS_KEYS,
      speedSmsToken: SPEEDSMS_TOKEN,
      genericHeader: { name: 'Authorization', value: `Bearer ${HTTP_TOKEN}` },
    });
  });
  afterAll(async () => {
    await sink?.close();
  });
  afterEach(() => sink.reset());

  describe('eSMS', () => {
    const esms = (over: Record<string, unknown> = {}) =>
      new EsmsRelay(settings({ provider: 'esms', url: sink.esmsUrl, brandname: 'TTCNTT-HCM', timeoutMs: 1000, ...over }), ESMS_KEYS);

    it('posts the eSMS V4 JSON and returns the SMSID', async () => {
      const m = message();
      const receipt = await esms().send(m);
      expect(sink.requests).toHaveLength(1);
      const r = sink.requests[0]!;
      expect(r.method).toBe('POST');
      expect(r.path).toContain('SendMultipleMessage_V4_post_json');
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(r.body).toEqual({
        ApiKey: ESMS_KEYS.apiKey,
        SecretKey: ESMS_KEYS.secretKey,
        Phone: '84912345678',
        Content: TEXT,
        Brandname: 'TTCNTT-HCM',
        SmsType: '2',
        IsUnicode: '0',
        RequestId: m.requestId,
        Sandbox: '0',
      });
      expect(receipt).toEqual({ messageId: 'esms-1' });
    });

    it('CodeResult 103 (balance) in a 200 answer → RELAY_REJECTED esms:103', async () => {
      sink.answerNext({ json: { CodeResult: '103', CountRegenerate: 0, ErrorMessage: `No balance for ${TEXT}` } });
      await expectRelayError(esms(), message(), 'RELAY_REJECTED', 'esms:103');
    });

    it('wrong keys: CodeResult 101 → RELAY_AUTH esms:101', async () => {
      const relay = new EsmsRelay(settings({ provider: 'esms', url: sink.esmsUrl, brandname: 'X', timeoutMs: 1000 }), {
        apiKey: ESMS_KEYS.apiKey,
        secretKey: 'wrong',
      });
      await expectRelayError(relay, message(), 'RELAY_AUTH', 'esms:101');
    });

    it('unknown CodeResult → RELAY_REJECTED with the code', async () => {
      sink.answerNext({ json: { CodeResult: '777' } });
      await expectRelayError(esms(), message(), 'RELAY_REJECTED', 'esms:777');
    });

    it('HTTP 500 → RELAY_SERVER_ERROR http:500, not retried', async () => {
      sink.answerNext({ status: 500, raw: 'Internal Server Error' });
      await expectRelayError(esms(), message(), 'RELAY_SERVER_ERROR', 'http:500');
      expect(sink.requests).toHaveLength(1);
    });

    it('HTTP 429 → RELAY_RATE_LIMITED, not retried', async () => {
      sink.answerNext({ status: 429, json: { message: 'slow down' } });
      await expectRelayError(esms(), message(), 'RELAY_RATE_LIMITED', 'http:429');
      expect(sink.requests).toHaveLength(1);
    });

    it('malformed JSON (echoing the request) → RELAY_BAD_RESPONSE without quoting it', async () => {
      const m = message();
      sink.answerNext({ raw: `{"CodeResult":"100", "echo": ${JSON.stringify({ ...ESMS_KEYS, text: m.text })}` });
      await expectRelayError(esms(), m, 'RELAY_BAD_RESPONSE', 'esms:invalid-json');
    });

    it('timeout (answer later than timeoutMs) → RELAY_TIMEOUT after exactly one request', async () => {
      sink.answerNext({ delayMs: 1800, json: { CodeResult: '100', SMSID: 'late' } });
      const started = Date.now();
      await expectRelayError(esms(), message(), 'RELAY_TIMEOUT');
      expect(Date.now() - started).toBeLessThan(1700);
      await sleep(300);
      expect(sink.requests).toHaveLength(1);
    });

    it('connection closed without an answer once → one retry with the same RequestId', async () => {
      const m = message();
      sink.answerNext({ hangUp: true });
      const receipt = await esms().send(m);
      expect(receipt.messageId).toBe('esms-2');
      expect(sink.requests).toHaveLength(2);
      expect(sink.countFor(m.requestId)).toBe(2);
    });

    it('connection closed twice → RELAY_UNREACHABLE after exactly two requests (no retry storm)', async () => {
      const m = message();
      sink.answerNext({ hangUp: true }, { hangUp: true });
      await expectRelayError(esms(), m, 'RELAY_UNREACHABLE', 'UND_ERR_SOCKET');
      await sleep(200);
      expect(sink.countFor(m.requestId)).toBe(2);
      expect(sink.requests).toHaveLength(2);
    });

    it('nothing listening → RELAY_UNREACHABLE ECONNREFUSED', async () => {
      const port = await freePort();
      const relay = new EsmsRelay(
        settings({ provider: 'esms', url: `http://127.0.0.1:${port}/MainService.svc/json/SendMultipleMessage_V4_post_json/`, brandname: 'X', timeoutMs: 1000 }),
        ESMS_KEYS,
      );
      await expectRelayError(relay, message(), 'RELAY_UNREACHABLE', 'ECONNREFUSED');
    });

    it('a redirect is not followed (keys stay with the configured URL) → RELAY_BAD_RESPONSE', async () => {
      sink.answerNext({ status: 307, raw: '' });
      await expectRelayError(esms(), message(), 'RELAY_BAD_RESPONSE', 'http:307');
      expect(sink.requests).toHaveLength(1);
    });
  });

  describe('SpeedSMS', () => {
    const speed = (token = SPEEDSMS_TOKEN) =>
      new SpeedSmsRelay(settings({ provider: 'speedsms', url: sink.speedSmsUrl, sender: 'HELPDESK', timeoutMs: 1000 }), { accessToken: token });

    it('posts with Basic auth token:x and returns data.tranId', async () => {
      const receipt = await speed().send(message());
      const r = sink.requests[0]!;
      expect(r.path).toBe('/index.php/sms/send');
      expect(Buffer.from(String(r.headers.authorization).replace(/^Basic /, ''), 'base64').toString()).toBe(`${SPEEDSMS_TOKEN}:x`);
      expect(r.body).toEqual({ to: ['84912345678'], content: TEXT, sms_type: 3, sender: 'HELPDESK' });
      expect(receipt).toEqual({ messageId: '7001' });
    });

    it('code 007 in a 200 answer → RELAY_AUTH speedsms:007', async () => {
      sink.answerNext({ json: { status: 'error', code: '007', message: 'IP locked' } });
      await expectRelayError(speed(), message(), 'RELAY_AUTH', 'speedsms:007');
    });

    it('wrong token: HTTP 401 → RELAY_AUTH http:401', async () => {
      await expectRelayError(speed('not-the-token'), message(), 'RELAY_AUTH', 'http:401');
    });

    it('other codes → RELAY_REJECTED with the code', async () => {
      sink.answerNext({ json: { status: 'error', code: '105', message: 'balance not enough', invalidPhone: [] } });
      await expectRelayError(speed(), message(), 'RELAY_REJECTED', 'speedsms:105');
    });

    it('HTTP 500 / 429 / malformed / timeout', async () => {
      sink.answerNext({ status: 503 }, { status: 429 }, { raw: '<html>oops' }, { delayMs: 1500, json: {} });
      await expectRelayError(speed(), message(), 'RELAY_SERVER_ERROR', 'http:503');
      await expectRelayError(speed(), message(), 'RELAY_RATE_LIMITED', 'http:429');
      await expectRelayError(speed(), message(), 'RELAY_BAD_RESPONSE', 'speedsms:invalid-json');
      await expectRelayError(speed(), message(), 'RELAY_TIMEOUT');
      expect(sink.requests).toHaveLength(4);
    });

    it('connection closed without an answer once → exactly one retry', async () => {
      sink.answerNext({ hangUp: true });
      const receipt = await speed().send(message());
      expect(receipt.messageId).toBe('7002');
      expect(sink.requests).toHaveLength(2);
    });
  });

  describe('generic HTTP', () => {
    const generic = (over: Record<string, unknown> = {}, token: string | null = HTTP_TOKEN) =>
      new HttpSmsRelay(
        settings({
          provider: 'http',
          url: sink.genericUrl,
          headers: { 'X-Client': 'helpdesk' },
          secretHeader: 'Authorization',
          secretPrefix: 'Bearer ',
          successPath: 'result.status',
          successValue: 'ok',
          messageIdPath: 'result.id',
          timeoutMs: 1000,
          ...over,
        }),
        token === null ? null : { headerValue: token },
      );

    it('JSON body from the template, headers, secret header; predicate and message id', async () => {
      const m = message();
      const receipt = await generic().send(m);
      const r = sink.requests[0]!;
      expect(r.method).toBe('POST');
      expect(r.headers.authorization).toBe(`Bearer ${HTTP_TOKEN}`);
      expect(r.headers['x-client']).toBe('helpdesk');
      expect(r.body).toEqual({ to: '84912345678', text: TEXT, requestId: m.requestId });
      expect(receipt).toEqual({ messageId: 'gen-1' });
    });

    it('JSON-escapes quotes, backslashes and newlines in the text', async () => {
      const tricky = `Ma "${OTP}" \\ {{text}}\nhet han 5'`;
      await generic().send(message(tricky));
      expect((sink.requests[0]!.body as { text: string }).text).toBe(tricky);
    });

    it('form body: values URL-encoded', async () => {
      const tricky = `Ma ${OTP} & a=b + c%`;
      const m = message(tricky);
      await generic({ contentType: 'application/x-www-form-urlencoded', bodyTemplate: 'phone={{to}}&msg={{text}}&id={{requestId}}' }).send(m);
      const r = sink.requests[0]!;
      expect(r.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
      expect(r.body).toEqual({ phone: '84912345678', msg: tricky, id: m.requestId });
    });

    it('GET: the template is the query, appended to the URL', async () => {
      const m = message();
      await generic({ method: 'GET', url: `${sink.genericUrl}?account=hd`, bodyTemplate: 'to={{to}}&text={{text}}&requestId={{requestId}}' }).send(m);
      const r = sink.requests[0]!;
      expect(r.method).toBe('GET');
      expect(r.query).toEqual({ account: 'hd', to: '84912345678', text: TEXT, requestId: m.requestId });
      expect(r.raw).toBe('');
    });

    it('predicate not met → RELAY_REJECTED naming the value', async () => {
      sink.answerNext({ json: { result: { status: 'E42', id: null } } });
      await expectRelayError(generic(), message(), 'RELAY_REJECTED', 'http:E42');
    });

    it('empty successPath: any 2xx is accepted, even a non-JSON body', async () => {
      sink.answerNext({ raw: 'OK' });
      expect(await generic({ successPath: '', messageIdPath: '' }).send(message())).toEqual({ messageId: null });
    });

    it('secret header configured but no secret → RELAY_AUTH "secret missing", nothing sent', async () => {
      await expectRelayError(generic({}, null), message(), 'RELAY_AUTH', 'secret missing');
      expect(sink.requests).toHaveLength(0);
    });

    it('wrong secret: HTTP 401 → RELAY_AUTH', async () => {
      await expectRelayError(generic({}, 'wrong'), message(), 'RELAY_AUTH', 'http:401');
    });
  });
});

describe('HTTPS gateway with an untrusted certificate', () => {
  let tlsSink: HttpSmsSink;
  beforeAll(async () => {
    tlsSink = await startHttpSmsSink({ esms: ESMS_KEYS, tls: true });
  });
  afterAll(async () => {
    await tlsSink?.close();
  });

  it('→ RELAY_TLS, no request delivered, not retried', async () => {
    const relay = new EsmsRelay(settings({ provider: 'esms', url: tlsSink.esmsUrl, brandname: 'X', timeoutMs: 2000 }), ESMS_KEYS);
    await expectRelayError(relay, message(), 'RELAY_TLS', /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$/);
    expect(tlsSink.requests).toHaveLength(0);
    expect(tlsSink.connections()).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------

describe('SMPP', () => {
  let smsc: SmppSink;
  const relays: SmsRelay[] = [];
  const smppRelay = (over: Record<string, unknown> = {}, password = SMPP_PASSWORD, url = smsc.url): SmppRelay => {
    const relay = new SmppRelay(settings({ provider: 'smpp', url, systemId: 'helpdesk', sourceAddr: 'TTCNTT', timeoutMs: 1000, ...over }), {
      password,
    });
    relays.push(relay);
    return relay;
  };

  beforeAll(async () => {
    smsc = await startSmppSink({ systemId: 'helpdesk', password: SMPP_PASSWORD });
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.close()));
    smsc.binds.length = 0;
    smsc.submits.length = 0;
  });
  afterAll(async () => {
    await smsc?.close();
  });

  it('binds as transceiver, submits in GSM-7, returns the message_id', async () => {
    const receipt = await smppRelay().send(message());
    expect(smsc.binds).toEqual([{ systemId: 'helpdesk', systemType: '', accepted: true }]);
    expect(smsc.submits).toEqual([
      {
        source_addr: 'TTCNTT',
        source_addr_ton: 5,
        source_addr_npi: 0,
        destination_addr: '84912345678',
        dest_addr_ton: 1,
        dest_addr_npi: 1,
        text: TEXT,
        usedPayload: false,
        data_coding: 0,
        registered_delivery: 0,
      },
    ]);
    expect(receipt.messageId).toMatch(/^smsc-\d+$/);
  });

  it('reuses one bound session across sends; close() unbinds', async () => {
    const relay = smppRelay();
    await relay.send(message());
    await relay.send(message());
    expect(smsc.binds).toHaveLength(1);
    expect(smsc.submits).toHaveLength(2);
    const unbindsBefore = smsc.unbinds();
    await relay.close();
    expect(smsc.unbinds()).toBe(unbindsBefore + 1);
    await expect(relay.send(message())).rejects.toMatchObject({ code: 'RELAY_UNREACHABLE', detail: 'smpp:closed' });
  });

  it('binds again once when the SMSC dropped the session (noticed before submit_sm is written)', async () => {
    const relay = smppRelay();
    await relay.send(message());
    for (let i = 0; i < 3; i++) {
      await smsc.dropSessions();
      const receipt = await relay.send(message());
      expect(receipt.messageId).toMatch(/^smsc-\d+$/);
    }
    expect(smsc.binds).toHaveLength(4);
    expect(smsc.submits).toHaveLength(4);
  });

  it('an SMSC that stops answering: the probe times out, the relay binds afresh and sends once', async () => {
    const relay = smppRelay();
    await relay.send(message());
    smsc.ignoreNextEnquireLink();
    const receipt = await relay.send(message());
    expect(receipt.messageId).toMatch(/^smsc-\d+$/);
    expect(smsc.binds).toHaveLength(2);
    expect(smsc.submits).toHaveLength(2);
  });

  it('a text beyond 254 octets goes in message_payload', async () => {
    const long = `${TEXT} `.repeat(4);
    await smppRelay().send(message(long));
    expect(smsc.submits[0]).toMatchObject({ text: long, usedPayload: true, data_coding: 0 });
  });

  it('plain smpp:// to a host off loopback is refused before any socket opens (TLS required); the schema refuses it too', async () => {
    const port = new URL(smsc.url).port;
    const offLoopback = `smpp://smsc.stttt.invalid:${port}`;
    // Built past the schema, as a settings file edited by hand would be.
    const relay = new SmppRelay({ ...settings({ provider: 'smpp', url: smsc.url, systemId: 'helpdesk', sourceAddr: 'TTCNTT', timeoutMs: 1000 }), url: offLoopback }, { password: SMPP_PASSWORD });
    relays.push(relay);
    await expectRelayError(relay, message(), 'RELAY_TLS', 'smpp:plain-off-loopback');
    expect(smsc.binds).toHaveLength(0);
    expect(smsSettingsSchema.safeParse({ provider: 'smpp', url: offLoopback, systemId: 'helpdesk', sourceAddr: 'TTCNTT' }).error?.issues[0]?.message).toBe('insecure_transport');
    expect(smsSettingsSchema.safeParse({ provider: 'smpp', url: `ssmpp://smsc.stttt.invalid:${port}`, systemId: 'helpdesk', sourceAddr: 'TTCNTT' }).success).toBe(true);
    // The same relay on loopback reaches the real SMSC (the check is about the network, not SMPP).
    await smppRelay().send(message());
    expect(smsc.binds).toHaveLength(1);
  });

  it('wrong password → RELAY_AUTH smpp:0x0000000D (ESME_RBINDFAIL)', async () => {
    await expectRelayError(smppRelay({}, 'wrong'), message(), 'RELAY_AUTH', 'smpp:0x0000000D');
    expect(smsc.submits).toHaveLength(0);
  });

  it('throttled → RELAY_RATE_LIMITED smpp:0x00000058; the session stays usable', async () => {
    const relay = smppRelay();
    smsc.failNextSubmit(smpp.ESME_RTHROTTLED);
    await expectRelayError(relay, message(), 'RELAY_RATE_LIMITED', 'smpp:0x00000058');
    await expect(relay.send(message())).resolves.toMatchObject({ messageId: expect.stringMatching(/^smsc-/) });
    expect(smsc.binds).toHaveLength(1);
  });

  it('other refusals → RELAY_REJECTED with the status', async () => {
    smsc.failNextSubmit(0x0b); // ESME_RINVDSTADR
    await expectRelayError(smppRelay(), message(), 'RELAY_REJECTED', 'smpp:0x0000000B');
  });

  it('no submit_sm_resp within timeoutMs → RELAY_TIMEOUT, submitted once', async () => {
    smsc.ignoreNextSubmit();
    await expectRelayError(smppRelay(), message(), 'RELAY_TIMEOUT', 'smpp:timeout');
    expect(smsc.submits).toHaveLength(1);
  });

  it('nothing listening → RELAY_UNREACHABLE ECONNREFUSED', async () => {
    const port = await freePort();
    await expectRelayError(smppRelay({}, SMPP_PASSWORD, `smpp://127.0.0.1:${port}`), message(), 'RELAY_UNREACHABLE', 'ECONNREFUSED');
  });

  it('through the factory: the keychain string is the password', async () => {
    const relay = createSmsRelay(settings({ provider: 'smpp', url: smsc.url, systemId: 'helpdesk', sourceAddr: 'TTCNTT', timeoutMs: 1000 }), SMPP_PASSWORD);
    relays.push(relay);
    expect(relay.provider).toBe('smpp');
    await expect(relay.send(message())).resolves.toMatchObject({ messageId: expect.stringMatching(/^smsc-/) });
  });
});

describe('SMPP over TLS (ssmpp://)', () => {
  let smsc: SmppSink;
  beforeAll(async () => {
    smsc = await startSmppSink({ systemId: 'helpdesk', password: SMPP_PASSWORD, tls: true });
  });
  afterAll(async () => {
    await smsc?.close();
  });

  const tlsRelay = (caCertificate: string) =>
    new SmppRelay(settings({ provider: 'smpp', url: smsc.url, systemId: 'helpdesk', sourceAddr: 'TTCNTT', caCertificate, timeoutMs: 2000 }), {
      password: SMPP_PASSWORD,
    });

  it('verifies the certificate against the configured CA and sends', async () => {
    const relay = tlsRelay(smsc.caPem ?? '');
    try {
      await expect(relay.send(message())).resolves.toMatchObject({ messageId: expect.stringMatching(/^smsc-/) });
    } finally {
      await relay.close();
    }
    expect(smsc.submits).toHaveLength(1);
  });

  it('an untrusted certificate → RELAY_TLS, no bind', async () => {
    const before = smsc.binds.length;
    const relay = tlsRelay('');
    try {
      await expectRelayError(relay, message(), 'RELAY_TLS', /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)$/);
    } finally {
      await relay.close();
    }
    expect(smsc.binds.length).toBe(before);
  });
});
