import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createMailRelay, SmtpRelay, type SmtpMailSettings } from '../../src-main/adapters/mail/smtp-relay';
import { HelpdeskError } from '../../src-main/domain/errors';
import type { MailMessage } from '../../src-main/domain/ports';
import { freePort } from '../helpers/free-port';
import { type SinkTls, type SmtpSink, startSmtpSink } from '../helpers/smtp-sink';

const TEMPLATES = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), 'resources', 'templates');
const SEED_LINE = 'Nếu yêu cầu này không phải của Bạn, vui lòng bỏ qua thư điện tử này.';
const USER = 'helpdesk-relay';
const PASSWORD = `relay-${randomBytes(12).toString('base64url')}`;
const CODE = '482915';
const FROM = { name: 'Bàn trợ giúp tài khoản', address: 'no_reply@tphcm.gov.vn' };
const TO = 'tuyet.nta.dp@gmail.com';
const VALUES = {
  name: 'Nguyễn Thị Ánh Tuyết',
  code: CODE,
  minutes: '5',
  agency: 'Sở TT&TT TP. Hồ Chí Minh',
  operator: 'Trần Văn Đức',
};

// ---------------------------------------------------------------------------------------------
// A local stand-in for the renderer: fills {{placeholders}}, HTML-escaping values for the HTML body.

function template(name: string): string {
  return readFileSync(join(TEMPLATES, name), 'utf8');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/gu, (c) => `&#${c.charCodeAt(0)};`);
}

function fill(text: string, values: Record<string, string>, escape: (s: string) => string = (s) => s): string {
  return text.replace(/\{\{(\w+)\}\}/gu, (_m, key: string) => {
    const v = values[key];
    if (v === undefined) throw new Error(`template placeholder {{${key}}} has no value`);
    return escape(v);
  });
}

function otpMail(requestId: string = randomUUID()): MailMessage {
  return {
    to: TO,
    subject: fill(template('otp-mail.subject.txt').trim(), VALUES),
    text: fill(template('otp-mail.txt'), VALUES),
    html: fill(template('otp-mail.html'), VALUES, escapeHtml),
    requestId,
  };
}

// ---------------------------------------------------------------------------------------------

const sinks: SmtpSink[] = [];

async function sink(tls: SinkTls = 'starttls'): Promise<SmtpSink> {
  const s = await startSmtpSink({ tls, users: { [USER]: PASSWORD } });
  sinks.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.close()));
});

function settings(port: number, over: Partial<SmtpMailSettings> = {}): SmtpMailSettings {
  return {
    provider: 'smtp',
    host: '127.0.0.1',
    port,
    security: 'starttls',
    user: USER,
    fromName: FROM.name,
    fromAddress: FROM.address,
    caCertificate: '',
    timeoutMs: 5000,
    ...over,
  };
}

function relayTo(s: SmtpSink, over: Partial<SmtpMailSettings> = {}, password: string | null = PASSWORD): SmtpRelay {
  return new SmtpRelay(settings(s.port, { caCertificate: s.caPem, ...over }), password);
}

/** The send's error, checked to carry neither the code nor the password anywhere (message, detail, causes). */
async function failure(p: Promise<unknown>): Promise<HelpdeskError> {
  const err = await p.then(
    () => {
      throw new Error('expected the send to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HelpdeskError);
  const e = err as HelpdeskError;
  const texts = [e.message, e.detail ?? '', String(e), JSON.stringify(e.toApiError())];
  for (let c: unknown = e.cause; c instanceof Error; c = c.cause) {
    texts.push(c.message, String((c as { response?: unknown }).response ?? ''));
  }
  for (const t of texts) {
    expect(t).not.toContain(CODE);
    expect(t).not.toContain(PASSWORD);
  }
  return e;
}

function headerBlock(raw: string): string {
  return raw.slice(0, raw.search(/\r?\n\r?\n/u));
}

describe('OTP mail templates', () => {
  it('use only the renderer placeholders, carry the seed line and the read-it-to-the-operator line, and load nothing remote', () => {
    const known = new Set(['name', 'code', 'minutes', 'agency', 'operator', 'username']);
    for (const name of ['otp-mail.subject.txt', 'otp-mail.txt', 'otp-mail.html']) {
      const t = template(name);
      expect(t.normalize('NFC')).toBe(t);
      for (const [, key] of t.matchAll(/\{\{\s*(\w+)\s*\}\}/gu)) expect(known).toContain(key);
    }
    expect(template('otp-mail.subject.txt').trim()).toBe('Mã OTP khôi phục tài khoản - {{agency}}');
    expect(template('otp-mail.subject.txt')).not.toContain('{{code}}');
    for (const name of ['otp-mail.txt', 'otp-mail.html']) {
      const t = template(name);
      expect(t).toContain(SEED_LINE);
      expect(t).toContain('{{code}}');
      expect(t).toContain('{{minutes}} phút');
      expect(t).toMatch(/chỉ đọc mã này cho tổng đài viên (<strong>)?\{\{operator\}\}(<\/strong>)? qua điện thoại/u);
      expect(t).toContain('Tuyệt đối không cung cấp mã cho bất kỳ ai khác');
    }
    const html = template('otp-mail.html');
    expect(html).not.toMatch(/<script|<img|<link|<iframe|<object|\bsrc=|https?:\/\/|javascript:/iu);
    // Placeholders only in text content, never inside a tag (the renderer escapes for text, not attributes).
    expect(html).not.toMatch(/<[^>]*\{\{/u);
  });
});

describe('SMTP relay against a local smtp-server sink', () => {
  it('delivers over STARTTLS + AUTH with the Vietnamese subject and both bodies intact', async () => {
    const s = await sink('starttls');
    const mail = otpMail();
    const relay = relayTo(s);
    const receipt = await relay.send(mail);
    await relay.close();

    const expectedId = `<${mail.requestId}@tphcm.gov.vn>`;
    expect(receipt).toEqual({ messageId: expectedId });
    expect(s.messages).toHaveLength(1);
    const m = s.messages[0]!;
    expect(m.authUser).toBe(USER);
    expect(m.envelope).toEqual({ mailFrom: FROM.address, rcptTo: [TO] });
    expect(m.from).toEqual(FROM);
    expect(m.to).toEqual([TO]);
    expect(m.subject).toBe('Mã OTP khôi phục tài khoản - Sở TT&TT TP. Hồ Chí Minh');
    expect(m.messageId).toBe(expectedId);
    expect(m.headers.get('x-helpdesk-request')).toBe(mail.requestId);

    expect(m.text.trim()).toBe(mail.text.trim());
    expect(m.text).toContain('Kính gửi Ông/Bà Nguyễn Thị Ánh Tuyết,');
    expect(m.text).toContain(`Mã OTP của Bạn là: ${CODE}`);
    expect(m.text).toContain('Mã có hiệu lực trong 5 phút');
    expect(m.text).toContain('tổng đài viên Trần Văn Đức qua điện thoại');
    expect(m.text).toContain(SEED_LINE);

    expect(m.html).toContain('Kính gửi Ông/Bà Nguyễn Thị Ánh Tuyết,');
    expect(m.html).toContain(`>${CODE}</td>`);
    expect(m.html).toContain('Sở TT&#38;TT TP. Hồ Chí Minh');
    expect(m.html).toContain('<strong>Trần Văn Đức</strong>');
    expect(m.html).toContain(SEED_LINE);

    // The code travels in the body only: no header (subject, ids) carries it.
    expect(headerBlock(m.raw)).not.toContain(CODE);
    expect(headerBlock(m.raw)).toMatch(/^Subject: =\?UTF-8\?/imu);
    expect(s.stats).toMatchObject({ connections: 1, auth: 1, authFailures: 0, rcpt: 1, data: 1 });
  });

  it('delivers over SMTPS (implicit TLS)', async () => {
    const s = await sink('implicit');
    const mail = otpMail();
    const receipt = await relayTo(s, { security: 'tls' }).send(mail);
    expect(receipt.messageId).toBe(`<${mail.requestId}@tphcm.gov.vn>`);
    expect(s.messages).toHaveLength(1);
    expect(s.messages[0]!.subject).toBe('Mã OTP khôi phục tài khoản - Sở TT&TT TP. Hồ Chí Minh');
    expect(s.messages[0]!.text).toContain(SEED_LINE);
    expect(s.messages[0]!.authUser).toBe(USER);
  });

  it('retries once, with the same Message-ID, when the connection closes before the server answered', async () => {
    const s = await sink('starttls');
    s.inject({ at: 'connect', action: 'close' });
    const mail = otpMail();
    const receipt = await relayTo(s).send(mail);
    expect(receipt.messageId).toBe(`<${mail.requestId}@tphcm.gov.vn>`);
    expect(s.stats.connections).toBe(2);
    expect(s.messages.map((m) => m.messageId)).toEqual([`<${mail.requestId}@tphcm.gov.vn>`]);
  });

  it('retries only once: two closed connections → RELAY_UNREACHABLE', async () => {
    const s = await sink('starttls');
    s.inject({ at: 'connect', action: 'close' });
    s.inject({ at: 'connect', action: 'close' });
    const err = await failure(relayTo(s).send(otpMail()));
    expect(err.code).toBe('RELAY_UNREACHABLE');
    expect(s.stats.connections).toBe(2);
    expect(s.messages).toHaveLength(0);
  });
});

describe('SMTP relay failures map to RELAY_* codes, safe details, no retry after a reply', () => {
  it('wrong password → RELAY_AUTH smtp:535, one attempt', async () => {
    const s = await sink('starttls');
    const err = await failure(relayTo(s, {}, 'not-the-password').send(otpMail()));
    expect(err.code).toBe('RELAY_AUTH');
    expect(err.detail).toBe('smtp:535');
    expect(s.stats).toMatchObject({ connections: 1, auth: 1, authFailures: 1, mailFrom: 0 });
  });

  it('server certificate not trusted (no CA given) → RELAY_TLS before any AUTH', async () => {
    const s = await sink('starttls');
    const err = await failure(relayTo(s, { caCertificate: '' }).send(otpMail()));
    expect(err.code).toBe('RELAY_TLS');
    expect(err.detail).toMatch(/^(UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|CERT_)/u);
    expect(s.stats).toMatchObject({ connections: 1, auth: 0 });
  });

  it('server certificate not trusted over SMTPS → RELAY_TLS', async () => {
    const s = await sink('implicit');
    const err = await failure(relayTo(s, { security: 'tls', caCertificate: '' }).send(otpMail()));
    expect(err.code).toBe('RELAY_TLS');
    expect(s.stats.connections).toBe(1);
    expect(s.stats.auth).toBe(0);
  });

  it('a server without STARTTLS → RELAY_TLS, never plaintext AUTH or mail', async () => {
    const s = await sink('none');
    const err = await failure(relayTo(s).send(otpMail()));
    expect(err.code).toBe('RELAY_TLS');
    expect(err.detail).toMatch(/^smtp:5\d\d$/u);
    expect(s.stats).toMatchObject({ connections: 1, auth: 0, mailFrom: 0 });
  });

  it('SMTPS configured against a STARTTLS port → RELAY_TLS', async () => {
    const s = await sink('starttls');
    const err = await failure(relayTo(s, { security: 'tls' }).send(otpMail()));
    expect(err.code).toBe('RELAY_TLS');
    expect(s.stats.auth).toBe(0);
  });

  it('connection refused (closed port) → RELAY_UNREACHABLE ECONNREFUSED', async () => {
    const port = await freePort();
    const err = await failure(new SmtpRelay(settings(port), PASSWORD).send(otpMail()));
    expect(err.code).toBe('RELAY_UNREACHABLE');
    expect(err.detail).toBe('ECONNREFUSED');
  });

  it('4xx on RCPT → RELAY_REJECTED smtp:450, exactly one attempt', async () => {
    const s = await sink('starttls');
    s.inject({ at: 'rcpt', code: 450, text: 'Mailbox busy SERVER-TEXT-MARKER' });
    const err = await failure(relayTo(s).send(otpMail()));
    expect(err.code).toBe('RELAY_REJECTED');
    expect(err.detail).toBe('smtp:450');
    expect(err.message).not.toContain('SERVER-TEXT-MARKER'); // the server's text stays in the cause only
    expect(s.stats).toMatchObject({ connections: 1, rcpt: 1, data: 0 });
  });

  it('5xx on DATA → RELAY_REJECTED smtp:554, exactly one attempt', async () => {
    const s = await sink('starttls');
    s.inject({ at: 'data', code: 554 });
    const err = await failure(relayTo(s).send(otpMail()));
    expect(err.code).toBe('RELAY_REJECTED');
    expect(err.detail).toBe('smtp:554');
    expect(s.stats).toMatchObject({ connections: 1, rcpt: 1, data: 1 });
    expect(s.messages).toHaveLength(0);
  });

  it('421 (server closing) → RELAY_SERVER_ERROR smtp:421, exactly one attempt', async () => {
    const s = await sink('starttls');
    s.inject({ at: 'rcpt', code: 421, text: 'Service shutting down' });
    const err = await failure(relayTo(s).send(otpMail()));
    expect(err.code).toBe('RELAY_SERVER_ERROR');
    expect(err.detail).toBe('smtp:421');
    expect(s.stats.connections).toBe(1);
  });

  it('a connection dropped after the server answered (at RCPT) → RELAY_UNREACHABLE, not retried', async () => {
    const s = await sink('starttls');
    s.inject({ at: 'rcpt', action: 'drop' });
    const err = await failure(relayTo(s).send(otpMail()));
    expect(err.code).toBe('RELAY_UNREACHABLE');
    expect(s.stats).toMatchObject({ connections: 1, rcpt: 1, data: 0 });
  });

  it('a connection dropped after the message data, before the 250 → RELAY_UNREACHABLE, not retried (no duplicate)', async () => {
    const s = await sink('implicit');
    s.inject({ at: 'data', action: 'drop' });
    const err = await failure(relayTo(s, { security: 'tls' }).send(otpMail()));
    expect(err.code).toBe('RELAY_UNREACHABLE');
    expect(s.stats).toMatchObject({ connections: 1, data: 1 });
  });

  it('a server that never greets → RELAY_TIMEOUT, not retried', async () => {
    const s = await sink('starttls');
    s.inject({ at: 'connect', action: 'stall' });
    const started = Date.now();
    const err = await failure(relayTo(s, { timeoutMs: 1000 }).send(otpMail()));
    expect(err.code).toBe('RELAY_TIMEOUT');
    expect(err.detail).toBe('GREETING_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(4000);
    expect(s.stats.connections).toBe(1);
  });

  it('close() cancels a send in flight (no retry) and refuses later sends', async () => {
    const s = await sink('starttls');
    s.inject({ at: 'connect', action: 'stall' });
    const relay = relayTo(s, { timeoutMs: 10_000 });
    const started = Date.now();
    const pending = failure(relay.send(otpMail()));
    await new Promise((r) => setTimeout(r, 200));
    await relay.close();
    const err = await pending;
    expect(err.code).toBe('RELAY_UNREACHABLE');
    expect(err.detail).toBe('EABORT');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(s.stats.connections).toBe(1);
    expect((await failure(relay.send(otpMail()))).code).toBe('RELAY_NOT_CONFIGURED');
  });

  it('a user without a password in the keychain → RELAY_NOT_CONFIGURED, nothing sent', async () => {
    const s = await sink('starttls');
    const err = await failure(relayTo(s, {}, null).send(otpMail()));
    expect(err.code).toBe('RELAY_NOT_CONFIGURED');
    expect(s.stats.connections).toBe(0);
  });

  it('a recipient that is not exactly one address → VALIDATION_FAILED, nothing sent', async () => {
    const s = await sink('starttls');
    const err = await failure(relayTo(s).send({ ...otpMail(), to: `${TO}, attacker@example.com` }));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(s.stats.connections).toBe(0);
  });

  it('provider none → RELAY_NOT_CONFIGURED', async () => {
    const relay = createMailRelay({ provider: 'none' }, null);
    const err = await failure(relay.send(otpMail()));
    expect(err.code).toBe('RELAY_NOT_CONFIGURED');
    await relay.close();
  });
});
