import { mailSecretKey, smsSecretKey } from '../../src-main/app/secret-keys';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySecretStore } from '../../src-main/adapters/secrets/keytar-secret-store';
import { createRuntime, type Runtime } from '../../src-main/app/runtime';
import type { AccountSummary, CaseView } from '../../src-main/common/dto';
import { type Settings } from '../../src-main/common/settings';
import { generateDirectoryLdif, TRAINING_OPERATOR_PASSWORD } from '../../scripts/training-data';
import { type HttpSmsSink, type SmppSink, startHttpSmsSink, startSmppSink } from '../helpers/sms-sinks';
import { sessionSettings } from '../helpers/session-settings';
import { type SlapdHandle, startSlapd } from '../helpers/slapd';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink';

// The whole verification through the contract, against real servers: slapd, an eSMS-speaking HTTP
// gateway, an SMPP SMSC and an SMTP server with STARTTLS + AUTH. The test reads the code from what
// the server received and completes the verification.
const BASE = 'dc=daotao,dc=gov,dc=vn';
const ESMS = { apiKey: 'esms-api-key-0123', secretKey: 'esms-secret-key-4567' };
let slapd: SlapdHandle;
let http: HttpSmsSink;
let smsc: SmppSink;
let smtp: SmtpSink;
let dataDir: string;
let runtime: Runtime;
const secrets = new MemorySecretStore();
let settings: Settings;

beforeAll(async () => {
  [slapd, http, smsc, smtp] = await Promise.all([
    startSlapd({ baseDn: BASE, ldif: generateDirectoryLdif({ baseDn: BASE, count: 30 }) }),
    startHttpSmsSink({ esms: ESMS }),
    startSmppSink({ systemId: 'helpdesk', password: 'smpp-pass' }),
    startSmtpSink({ tls: 'starttls', users: { helpdesk: 'smtp-pass' } }),
  ]);
  dataDir = mkdtempSync(join(tmpdir(), 'helpdesk-verify-'));
  settings = sessionSettings({ slapd, baseDn: BASE, sms: http, smsTimeoutMs: 2000, smtp: { sink: smtp, user: 'helpdesk', timeoutMs: 3000 } });
  runtime = await createRuntime({ dataDir, resourcesDir: join(process.cwd(), 'resources'), secrets, version: 'test' });
  expect((await runtime.api.settings.save({ settings, servicePassword: slapd.servicePassword, smsSecret: JSON.stringify(ESMS), mailPassword: 'smtp-pass' })).ok).toBe(true);
  expect((await runtime.api.session.signIn({ username: 'giamsat01', password: TRAINING_OPERATOR_PASSWORD })).ok).toBe(true);
});

afterAll(async () => {
  await runtime?.close();
  await Promise.all([slapd?.stop(), http?.close(), smsc?.close(), smtp?.close()]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function openCase(username: string): Promise<CaseView> {
  const found = await runtime.api.directory.search({ query: username, kind: 'username' });
  if (!found.ok) throw new Error(found.error.code);
  const account = found.value.items[0] as AccountSummary;
  const opened = await runtime.api.cases.open({ accountId: account.id, reason: `Phiếu HT-${username}` });
  if (!opened.ok) throw new Error(opened.error.code);
  return opened.value;
}

const sixDigits = (text: string) => /\b(\d{6})\b/u.exec(text)?.[1] ?? 'none';

describe('caller verification over real relays', () => {
  it('SMS through the eSMS gateway: number in gateway form, unaccented, one segment; the code read back verifies', async () => {
    const c = await openCase('annv');
    const sent = await runtime.api.cases.sendCode({ caseId: c.id, channel: 'sms' });
    expect(sent).toMatchObject({ ok: true, value: { status: 'code-sent', destination: '09*****98' } });
    const req = http.requests.at(-1)!;
    const body = req.body as { Phone: string; Content: string; Brandname: string; RequestId: string };
    expect(body.Phone).toBe('84912345698');
    expect(body.Brandname).toBe('STTTT');
    expect(body.Content).toMatch(/^[\x20-\x7e]+$/u); // unaccented
    expect(body.Content.length).toBeLessThanOrEqual(160);
    const v = await runtime.api.cases.verifyCode({ caseId: c.id, code: sixDigits(body.Content) });
    expect(v).toMatchObject({ ok: true, value: { verified: true, case: { status: 'verified' } } });
    expect((await runtime.api.cases.gate({ caseId: c.id })).ok).toBe(true);
  });

  it('e-mail through SMTP with STARTTLS + AUTH to the backup address', async () => {
    const c = await openCase('dungpq');
    expect(await runtime.api.cases.sendCode({ caseId: c.id, channel: 'email' })).toMatchObject({ ok: true, value: { destination: 'du***@yahoo.com' } });
    const m = smtp.messages.at(-1)!;
    expect(m.to).toEqual(['dung.pham@yahoo.com']);
    expect(m.authUser).toBe('helpdesk');
    expect(m.from).toEqual({ name: 'Sở Thông tin và Truyền thông', address: 'hotro@stttt.gov.vn' });
    expect(m.text).toContain('Nếu yêu cầu này không phải của Bạn, vui lòng bỏ qua thư điện tử này.');
    expect(m.text).toContain('Phạm Quốc Dũng');
    const code = sixDigits(m.text);
    expect(m.html).toContain(code);
    expect(m.subject).not.toContain(code);
    expect((await runtime.api.cases.verifyCode({ caseId: c.id, code })).ok && true).toBe(true);
  });

  it('SMS through an SMPP SMSC (submit_sm, GSM-7)', async () => {
    const smpp: Settings = { ...settings, sms: { provider: 'smpp', url: smsc.url, systemId: 'helpdesk', systemType: '', sourceAddr: 'STTTT', sourceTon: 5, sourceNpi: 0, caCertificate: '', timeoutMs: 3000 } };
    await secrets.set(smsSecretKey(smpp.sms!)!, 'smpp-pass');
    expect((await runtime.api.settings.save({ settings: smpp })).ok).toBe(true);
    const c = await openCase('cty.minhphat');
    expect((await runtime.api.cases.sendCode({ caseId: c.id, channel: 'sms' })).ok).toBe(true);
    const pdu = smsc.submits.at(-1)!;
    expect(pdu).toMatchObject({ destination_addr: '84971234567', source_addr: 'STTTT', data_coding: 0 });
    const v = await runtime.api.cases.verifyCode({ caseId: c.id, code: sixDigits(pdu.text) });
    expect(v.ok && v.value.verified).toBe(true);
    expect((await runtime.api.settings.save({ settings })).ok).toBe(true);
  });

  it('relay faults: a translated error naming the cause, quota unchanged, outcome audited', async () => {
    const c = await openCase('annv2');
    for (const [answer, code] of [
      [{ status: 500, json: {} }, 'RELAY_SERVER_ERROR'],
      [{ status: 429, json: {} }, 'RELAY_RATE_LIMITED'],
      [{ raw: '{"CodeResult":' }, 'RELAY_BAD_RESPONSE'],
      [{ json: { CodeResult: '103', ErrorMessage: 'Balance not enough' } }, 'RELAY_REJECTED'],
    ] as const) {
      http.answerNext(answer);
      const r = await runtime.api.cases.sendCode({ caseId: c.id, channel: 'sms' });
      expect(r.ok ? 'ok' : r.error.code).toBe(code);
      const now = await runtime.api.cases.get({ caseId: c.id });
      expect(now.ok && now.value.resend).toEqual({ availableAt: { sms: null, email: null }, remainingToday: 2 });
    }
    // A timeout is not a refusal: the gateway took the SMS but answered too late. The code stands and its
    // send counts (the caller may be reading it); the operator is told to ask.
    const before = http.requests.length;
    http.answerNext({ delayMs: 2500, json: { CodeResult: '100', SMSID: 'late' } });
    const late = await runtime.api.cases.sendCode({ caseId: c.id, channel: 'sms' });
    expect(late).toMatchObject({ ok: true, value: { status: 'code-sent', codeDelivery: 'unknown', resend: { remainingToday: 1 } } });
    expect(http.requests.length).toBe(before + 1);
    const audit = await runtime.api.audit.recent({ limit: 5 });
    expect(audit.ok && audit.value.every((a) => a.action === 'code.send' && a.outcome === 'error')).toBe(true);
    expect(audit.ok && audit.value[0]!.detail).toMatchObject({ code: 'RELAY_TIMEOUT', slotKept: true });
    const delivered = (http.requests.at(-1)!.body as { Content: string }).Content;
    expect((await runtime.api.cases.verifyCode({ caseId: c.id, code: /\b(\d{6})\b/u.exec(delivered)![1]! })).ok && 'verified').toBe('verified');
    // The gateway refused: the code it was given is in no audit row (none holds six digits in a row).
    expect(JSON.stringify(audit.ok && audit.value)).not.toMatch(/"\d{6}"/u);
    // A failed SMTP login names the cause too.
    await secrets.set(mailSecretKey(settings.mail!)!, 'wrong');
    expect((await runtime.api.settings.save({ settings })).ok).toBe(true); // rebuilds the relays
    const found = await runtime.api.directory.search({ query: 'nguyen' });
    const withMail = found.ok ? found.value.items.find((a) => a.backupEmail.status === 'present' && !['annv', 'annv2', 'dungpq'].includes(a.username)) : undefined;
    expect(withMail).toBeDefined();
    const mc = await openCase(withMail!.username);
    const e = await runtime.api.cases.sendCode({ caseId: mc.id, channel: 'email' });
    expect(e).toEqual({ ok: false, error: { code: 'RELAY_AUTH', detail: expect.stringMatching(/^smtp:535|EAUTH/u) } });
    const after = await runtime.api.cases.get({ caseId: mc.id });
    expect(after.ok && after.value.resend.remainingToday).toBe(2);
  });
});
