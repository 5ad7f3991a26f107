import { describe, expect, it } from 'vitest';
import { createSmsRelay, parseEsmsSecret } from '../../../src-main/adapters/sms/index';
import { type SmsSettings, smsSettingsSchema } from '../../../src-main/common/settings';

const m = { to: '84912345678', text: 'Ma OTP: 482913', requestId: 'r-1' };
const parse = (input: Record<string, unknown>): SmsSettings => smsSettingsSchema.parse(input);

describe('createSmsRelay', () => {
  it('provider none → RELAY_NOT_CONFIGURED at send time', async () => {
    const relay = createSmsRelay({ provider: 'none' }, null);
    await expect(relay.send(m)).rejects.toMatchObject({ code: 'RELAY_NOT_CONFIGURED' });
    await relay.close();
  });

  it.each([
    ['esms', { provider: 'esms', brandname: 'B' }],
    ['speedsms', { provider: 'speedsms', sender: 'S' }],
    ['smpp', { provider: 'smpp', url: 'smpp://127.0.0.1:2775', systemId: 'hd', sourceAddr: 'B' }],
  ])('%s without a secret → RELAY_AUTH "secret missing" at send time', async (provider, input) => {
    for (const secret of [null, '']) {
      const relay = createSmsRelay(parse(input), secret);
      expect(relay.provider).toBe(provider);
      await expect(relay.send(m)).rejects.toMatchObject({ code: 'RELAY_AUTH', detail: 'secret missing' });
    }
  });

  it('esms with an unreadable keychain entry → RELAY_AUTH, without quoting it', async () => {
    const secret = '{"apiKey":"KEY-123", secretKey: oops';
    const relay = createSmsRelay(parse({ provider: 'esms', brandname: 'B' }), secret);
    const err = await relay.send(m).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'RELAY_AUTH', detail: 'secret missing' });
    expect(String((err as Error).message)).not.toContain('KEY-123');
    expect((err as Error).cause).toBeUndefined();
  });

  it('http without a secret is fine when no secret header is configured', () => {
    const relay = createSmsRelay(parse({ provider: 'http', url: 'https://sms.example.vn/send' }), null);
    expect(relay.provider).toBe('http');
  });
});

describe('parseEsmsSecret', () => {
  it('reads {"apiKey","secretKey"}', () => {
    expect(parseEsmsSecret('{"apiKey":"a","secretKey":"b"}')).toEqual({ apiKey: 'a', secretKey: 'b' });
  });
  it.each([null, '', 'plain', '[]', 'null', '{"apiKey":"a"}', '{"apiKey":"","secretKey":"b"}', '{"apiKey":1,"secretKey":"b"}'])('%s → null', (s) => {
    expect(parseEsmsSecret(s)).toBeNull();
  });
});
