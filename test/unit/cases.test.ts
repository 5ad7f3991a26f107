import { servicePasswordKey } from '../../src-main/app/secret-keys';
import { noExports, recordingAudit } from '../helpers/fake-audit';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { APPROVAL_WINDOW_MS } from '../../src-main/domain/case';
import { cryptoRandom, HmacCodeHasher, newOtpKey } from '../../src-main/adapters/crypto/otp-crypto';
import { MemorySecretStore } from '../../src-main/adapters/secrets/keytar-secret-store';
import { openDatabase } from '../../src-main/adapters/store/database';
import { SqliteOtpStore } from '../../src-main/adapters/store/otp-store';
import { Outbox } from '../../src-main/adapters/training/outbox';
import { createHelpdesk } from '../../src-main/app/helpdesk';
import { directoryDefaults, DEFAULT_SETTINGS, type Settings } from '../../src-main/common/settings';
import { HelpdeskError } from '../../src-main/domain/errors';
import { OtpService } from '../../src-main/domain/otp';
import type { AuditRecord, Directory, DirectoryAccount, SmsMessage } from '../../src-main/domain/ports';

// The app's case flow with fakes for the directory and relays (real OTP service and SQLite store).
const T0 = new Date('2026-11-23T02:00:00Z');
let now = T0;
const dirs: string[] = [];
afterEach(() => {
  now = T0;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const account = (over: Partial<DirectoryAccount> = {}): DirectoryAccount => ({
  dn: 'uid=annv,ou=stttt,ou=people,dc=daotao,dc=gov,dc=vn',
  stableId: null,
  username: 'annv',
  displayName: 'Nguyễn Văn An',
  unit: null,
  title: null,
  mail: 'annv@stttt.daotao.gov.vn',
  accountType: 'individual',
  mobiles: ['0912 345 698'],
  backupEmails: ['an.nguyen.hcm@gmail.com'],
  citizenId: null,
  taxCode: null,
  socialInsuranceCode: null,
  locked: true,
  lockedAt: null,
  disabled: false,
  failureCount: 3,
  mustChangePassword: false,
  passwordChangedAt: null,
  passwordExpiresAt: null,
  policy: null,
  ...over,
});

function setup(opts: { failSms?: HelpdeskError | ((m: SmsMessage) => HelpdeskError | null); accounts?: DirectoryAccount[]; unknownReset?: boolean; failReset?: () => HelpdeskError | null; unknownContact?: boolean; settings?: Settings; secrets?: MemorySecretStore; failAudit?: (r: AuditRecord) => HelpdeskError | null } = {}) {
  const writes: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'cases-'));
  dirs.push(dir);
  const db = openDatabase(join(dir, 'db.sqlite'));
  const audit: AuditRecord[] = [];
  const sent: SmsMessage[] = [];
  const all = opts.accounts ?? [account(), account({ dn: 'uid=binhtt,dc=daotao,dc=gov,dc=vn', username: 'binhtt', mobiles: [], backupEmails: [] })];
  const directory: Directory = {
    authenticate: async (u) => ({ username: u, displayName: 'Đặng Thu Hà', dn: `uid=${u},dc=x`, roles: u.startsWith('giamsat') ? ['supervisor' as const] : ['operator' as const] }),
    search: async () => ({ accounts: [], total: 0, totalIsLowerBound: false }),
    getAccount: async (dn) => {
      const a = all.find((x) => x.dn === dn);
      if (!a) throw new HelpdeskError('ACCOUNT_NOT_FOUND');
      return structuredClone(a); // a fresh read, as a directory gives
    },
    unlock: async (dn) => {
      writes.push(`unlock ${dn}`);
      return { outcome: 'done' as const, account: all.find((x) => x.dn === dn) ?? null };
    },
    resetPassword: async (dn, password, options) => {
      const refused = opts.failReset?.();
      if (refused) throw refused;
      writes.push(`reset${options?.unlock ? '+unlock' : ''} ${dn} ${password}`);
      return { outcome: opts.unknownReset ? ('unknown' as const) : ('done' as const), account: all.find((x) => x.dn === dn) ?? null };
    },
    updateContacts: async (dn, change) => {
      writes.push(`contacts ${dn} ${JSON.stringify(change)}`);
      const a = all.find((x) => x.dn === dn)!;
      if (change.mobile) a.mobiles = [change.mobile];
      if (change.backupEmail) a.backupEmails = [change.backupEmail];
      return { outcome: opts.unknownContact ? ('unknown' as const) : ('done' as const), account: structuredClone(a) };
    },
    // The staff of the training data (tongdai…, giamsat…, kiemtra…) hold roles; callers do not.
    rolesOfAccount: async (a) => (/^(tongdai|giamsat|kiemtra)/u.test(a.username) ? ['operator' as const] : []),
    scanAccounts: async () => 0,
    readForIndex: async () => ({ read: 0, partial: false, mark: null }),
    readAccounts: async () => [],
    close: async () => undefined,
  };
  const otp = new OtpService(new SqliteOtpStore(db), { now: () => now }, cryptoRandom, new HmacCodeHasher(newOtpKey()));
  const outbox = new Outbox();
  const app = createHelpdesk({
    settings: { load: () => opts.settings ?? DEFAULT_SETTINGS, save: () => undefined },
    secrets: opts.secrets ?? new MemorySecretStore(),
    audit: () => {
      const log = recordingAudit(audit);
      return {
        ...log,
        append: async (r: AuditRecord) => {
          const e = opts.failAudit?.(r);
          if (e) throw e;
          await log.append(r);
        },
      };
    },
    clock: { now: () => now },
    directoryFactory: () => directory,
    startTraining: async () => ({
      settings: { ...directoryDefaults('openldap'), url: 'ldap://127.0.0.1:1', baseDn: 'dc=daotao,dc=gov,dc=vn', serviceBindDn: 'cn=s' },
      servicePassword: 'x',
      close: async () => undefined,
    }),
    testConnection: async () => ({ ok: true, steps: [] }),
    templates: {
      sms: '{{agency}}: ma OTP tai khoan {{username}} la {{code}}, hieu luc {{minutes}} phut.',
      mailSubject: 'Mã OTP {{agency}}',
      mailText: 'Xin chào {{name}}, mã: {{code}}',
      mailHtml: '<p>Xin chào {{name}}, mã: <b>{{code}}</b></p>',
      passwordSms: '{{agency}}: mat khau tam thoi {{username}}: {{password}}',
      passwordMailSubject: 'Mật khẩu tạm thời',
      passwordMailText: '{{password}}',
      passwordMailHtml: '<b>{{password}}</b>',
      contactNoticeSms: '{{agency}}: {{contact}} cua {{username}} da thay doi',
      contactNoticeMailSubject: 'Thay đổi',
      contactNoticeMailText: 'Thông tin {{contact}} đã thay đổi',
    },
    random: cryptoRandom,
    otpService: async () => otp,
    relays: async () => ({
      sms: {
        provider: 'fake',
        send: async (m) => {
          const failure = typeof opts.failSms === 'function' ? opts.failSms(m) : opts.failSms;
          if (failure) throw failure;
          sent.push(m);
          return { messageId: `m-${sent.length}` };
        },
        close: async () => undefined,
      },
      mail: outbox.mail(),
    }),
    outbox,
    ...noExports,
    version: 'test',
  });
  return { api: app.api, audit, sent, outbox, db, writes };
}

async function signedIn(s: ReturnType<typeof setup>, username = 'tongdai01', accountId = account().dn) {
  expect((await s.api.session.signIn({ username, password: 'x' })).ok).toBe(true);
  const opened = await s.api.cases.open({ accountId, reason: 'Phiếu #123: quên mật khẩu' });
  if (!opened.ok) throw new Error(opened.error.code);
  return opened.value;
}

const SUPERVISORS = { operator: [], supervisor: ['cn=giamsat,ou=groups,dc=daotao,dc=gov,dc=vn'], auditor: [] };

const codeFrom = (text: string) => /\b(\d{6})\b/u.exec(text)![1]!;

/** A case on annv, verified by the SMS code read back (the fake gateway keeps what it was sent). */
async function verified(s: ReturnType<typeof setup>) {
  const c = await signedIn(s);
  await s.api.cases.sendCode({ caseId: c.id, channel: 'sms' });
  expect((await s.api.cases.verifyCode({ caseId: c.id, code: codeFrom(s.sent.at(-1)!.text) })).ok).toBe(true);
  return c;
}

describe('case flow', () => {
  it('opens a case with masked channels and an SMS preview of one GSM-7 segment', async () => {
    const s = setup();
    const c = await signedIn(s);
    expect(c).toMatchObject({
      status: 'open',
      reason: 'Phiếu #123: quên mật khẩu',
      channels: { sms: { status: 'present', masked: '09*****98' }, email: { status: 'present', masked: 'an***@gmail.com' } },
      resend: { availableAt: { sms: null, email: null }, remainingToday: 2 },
      attemptsLeft: 5,
    });
    expect(c.smsPreview).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    expect(c.smsPreview.text).toContain('******');
  });

  it('sends by SMS in gateway form, unaccented, verifies, and the gate opens', async () => {
    const s = setup();
    const c = await signedIn(s);
    expect(await s.api.cases.gate({ caseId: c.id })).toEqual({ ok: false, error: { code: 'CASE_NOT_VERIFIED' } });
    const sent = await s.api.cases.sendCode({ caseId: c.id, channel: 'sms' });
    expect(sent).toMatchObject({ ok: true, value: { status: 'code-sent', destination: '09*****98', channel: 'sms' } });
    expect(s.sent[0]!.to).toBe('84912345698');
    expect(s.sent[0]!.text).toMatch(/^Tong dai ho tro: ma OTP tai khoan annv la \d{6}, hieu luc 5 phut\.$/u);
    const code = codeFrom(s.sent[0]!.text);
    const wrong = code === '000000' ? '111111' : '000000';
    expect(await s.api.cases.verifyCode({ caseId: c.id, code: wrong })).toMatchObject({ ok: true, value: { verified: false, attemptsLeft: 4 } });
    expect(await s.api.cases.verifyCode({ caseId: c.id, code })).toMatchObject({ ok: true, value: { verified: true, case: { status: 'verified' } } });
    expect(await s.api.cases.gate({ caseId: c.id })).toMatchObject({ ok: true, value: { allowed: true } });
    now = new Date(T0.getTime() + 5 * 60_000);
    expect(await s.api.cases.gate({ caseId: c.id })).toEqual({ ok: false, error: { code: 'CASE_EXPIRED' } });
    // No code in any audit row; every row carries the reason.
    const rows = JSON.stringify(s.audit);
    expect(rows).not.toContain(code);
    expect(s.audit.filter((a) => a.action.startsWith('case.') || a.action.startsWith('code.')).every((a) => a.detail?.reason === 'Phiếu #123: quên mật khẩu')).toBe(true);
    expect(s.audit.map((a) => `${a.action}:${a.outcome}`)).toEqual([
      'session.signIn:ok',
      'case.open:ok',
      'code.send:ok',
      'code.verify:refused',
      'code.verify:ok',
    ]);
  });

  it('sends by e-mail to the backup address (training Outbox)', async () => {
    const s = setup();
    const c = await signedIn(s);
    expect(await s.api.cases.sendCode({ caseId: c.id, channel: 'email' })).toMatchObject({ ok: true, value: { destination: 'an***@gmail.com' } });
    const [m] = s.outbox.list(1);
    expect(m).toMatchObject({ channel: 'email', to: 'an.nguyen.hcm@gmail.com', subject: 'Mã OTP Tổng đài hỗ trợ' });
    expect(m!.html).toContain('Nguyễn Văn An');
  });

  it('switching channel while a code is live: no wait for the other channel, the first code is void once the new one went, the row says so', async () => {
    const s = setup();
    const c = await signedIn(s);
    await s.api.cases.sendCode({ caseId: c.id, channel: 'sms' });
    const smsCode = codeFrom(s.sent.at(-1)!.text);
    now = new Date(T0.getTime() + 60_000);
    expect(await s.api.cases.sendCode({ caseId: c.id, channel: 'sms' })).toMatchObject({ ok: false, error: { code: 'OTP_TOO_SOON' } });
    const switched = await s.api.cases.sendCode({ caseId: c.id, channel: 'email' });
    expect(switched).toMatchObject({ ok: true, value: { status: 'code-sent', channel: 'email', resend: { remainingToday: 0 } } });
    expect(s.audit.filter((a) => a.action === 'code.send' && a.outcome === 'ok').map((a) => a.detail?.voided ?? null)).toEqual([null, 'sms']);
    const mailCode = codeFrom(s.outbox.list(1)[0]!.text);
    if (mailCode !== smsCode) expect(await s.api.cases.verifyCode({ caseId: c.id, code: smsCode })).toMatchObject({ ok: true, value: { verified: false } });
    expect(await s.api.cases.verifyCode({ caseId: c.id, code: mailCode })).toMatchObject({ ok: true, value: { verified: true } });
  });

  it('a relay refusal is a clear error, uses no quota, and is audited', async () => {
    const s = setup({ failSms: new HelpdeskError('RELAY_UNREACHABLE', { detail: 'ECONNREFUSED' }) });
    const c = await signedIn(s);
    expect(await s.api.cases.sendCode({ caseId: c.id, channel: 'sms' })).toEqual({ ok: false, error: { code: 'RELAY_UNREACHABLE', detail: 'ECONNREFUSED' } });
    const again = await s.api.cases.get({ caseId: c.id });
    expect(again.ok && again.value.resend).toEqual({ availableAt: { sms: null, email: null }, remainingToday: 2 });
    expect(s.audit.at(-1)).toMatchObject({ action: 'code.send', outcome: 'error', detail: { code: 'RELAY_UNREACHABLE', destination: '09*****98' } });
  });

  it('a relay timeout keeps the send slot and the code: the SMS may have arrived, so the operator asks (unknown)', async () => {
    let lost: SmsMessage | null = null;
    const s = setup({
      failSms: (m) => {
        lost = m; // the gateway took it, but its answer never came
        return new HelpdeskError('RELAY_TIMEOUT', { detail: 'timeout' });
      },
    });
    const c = await signedIn(s);
    const sent = await s.api.cases.sendCode({ caseId: c.id, channel: 'sms' });
    expect(sent).toMatchObject({ ok: true, value: { status: 'code-sent', codeDelivery: 'unknown', resend: { remainingToday: 1 } } });
    expect(sent.ok && sent.value.resend.availableAt.sms).toBe(new Date(T0.getTime() + 5 * 60_000).toISOString());
    expect(s.audit.at(-1)).toMatchObject({ action: 'code.send', outcome: 'error', detail: { code: 'RELAY_TIMEOUT', slotKept: true } });
    // The caller did get it: the code reads back and verifies the case.
    const v = await s.api.cases.verifyCode({ caseId: c.id, code: codeFrom(lost!.text) });
    expect(v).toMatchObject({ ok: true, value: { verified: true, case: { status: 'verified', codeDelivery: null } } });
  });

  it('a missing contact refuses the channel; other operators cannot see the case', async () => {
    const s = setup();
    await s.api.session.signIn({ username: 'tongdai01', password: 'x' });
    const opened = await s.api.cases.open({ accountId: 'uid=binhtt,dc=daotao,dc=gov,dc=vn', reason: 'Gọi lúc 9h' });
    const id = opened.ok ? opened.value.id : '';
    expect(opened.ok && opened.value.channels.sms.status).toBe('missing');
    expect(await s.api.cases.sendCode({ caseId: id, channel: 'sms' })).toEqual({ ok: false, error: { code: 'CONTACT_MISSING', detail: 'sms' } });
    await s.api.session.signOut({});
    await s.api.session.signIn({ username: 'tongdai02', password: 'x' });
    expect(await s.api.cases.get({ caseId: id })).toEqual({ ok: false, error: { code: 'CASE_NOT_FOUND' } });
  });

  it('"Quay lại" abandons cleanly: nothing more can happen on the case', async () => {
    const s = setup();
    const c = await signedIn(s);
    expect(await s.api.cases.close({ caseId: c.id, outcome: 'abandoned' })).toMatchObject({ ok: true, value: { status: 'closed', outcome: 'abandoned' } });
    expect(await s.api.cases.sendCode({ caseId: c.id, channel: 'sms' })).toEqual({ ok: false, error: { code: 'CASE_CLOSED' } });
    expect(await s.api.cases.gate({ caseId: c.id })).toEqual({ ok: false, error: { code: 'CASE_CLOSED' } });
  });

  it('bad code input is refused without counting an attempt', async () => {
    const s = setup();
    const c = await signedIn(s);
    await s.api.cases.sendCode({ caseId: c.id, channel: 'sms' });
    for (const code of ['', '12345', '1234567', '１２３４５６', '12345a']) {
      expect(await s.api.cases.verifyCode({ caseId: c.id, code })).toEqual({
        ok: false,
        error: { code: 'VALIDATION_FAILED', field: 'code', reason: 'not_code' },
      });
    }
    const v = await s.api.cases.get({ caseId: c.id });
    expect(v.ok && v.value.attemptsLeft).toBe(5);
  });
});

describe('account actions behind the gate', () => {
  it('refuses every action without a live verification of that account in that case (contract called directly)', async () => {
    const s = setup();
    const c = await signedIn(s);
    expect(await s.api.actions.unlock({ caseId: c.id })).toEqual({ ok: false, error: { code: 'CASE_NOT_VERIFIED' } });
    expect(await s.api.actions.resetPassword({ caseId: c.id })).toEqual({ ok: false, error: { code: 'CASE_NOT_VERIFIED' } });
    expect(await s.api.actions.unlock({ caseId: '00000000-0000-4000-8000-000000000000' })).toEqual({ ok: false, error: { code: 'CASE_NOT_FOUND' } });
    expect(s.writes).toEqual([]);
  });

  it('unlocks once verified; refuses after the 5 minutes', async () => {
    const s = setup();
    const c = await verified(s);
    expect(await s.api.actions.unlock({ caseId: c.id })).toMatchObject({ ok: true, value: { action: 'unlock', outcome: 'done', delivery: null } });
    expect(s.writes).toEqual([`unlock ${account().dn}`]);
    expect(s.audit.at(-1)).toMatchObject({ action: 'account.unlock', outcome: 'ok', detail: { dn: account().dn, verification: 'sms:09*****98', reason: 'Phiếu #123: quên mật khẩu' } });
    now = new Date(T0.getTime() + 5 * 60_000);
    expect(await s.api.actions.unlock({ caseId: c.id })).toEqual({ ok: false, error: { code: 'CASE_EXPIRED' } });
  });

  it('resets with a generated password delivered only to the verified channel, never returned or audited', async () => {
    const s = setup();
    const c = await verified(s);
    const r = await s.api.actions.resetPassword({ caseId: c.id });
    expect(r).toMatchObject({ ok: true, value: { action: 'reset', outcome: 'done', delivery: { status: 'sent', channel: 'sms', destination: '09*****98' } } });
    const password = s.writes.at(-1)!.split(' ').at(-1)!;
    expect(password).toMatch(/^\S{12}$/u);
    expect(s.sent.at(-1)).toMatchObject({ to: '84912345698' });
    expect(s.sent.at(-1)!.text).toContain(password);
    expect(JSON.stringify(r)).not.toContain(password);
    expect(JSON.stringify(s.audit)).not.toContain(password);
  });

  it('a full disk after the write: the done action is reported as done, with auditRecorded false (not an error to retry)', async () => {
    let diskFull = false;
    const s = setup({ failAudit: (r) => (diskFull && r.action === 'account.reset' ? new HelpdeskError('STORAGE_FULL') : null) });
    const c = await verified(s);
    diskFull = true;
    const r = await s.api.actions.resetPassword({ caseId: c.id });
    expect(r).toMatchObject({ ok: true, value: { action: 'reset', outcome: 'done', delivery: { status: 'sent' }, auditRecorded: false } });
    expect(s.writes).toHaveLength(1);
    // The row written before the directory was is there: the audit knows a reset was attempted.
    expect(s.audit.at(-1)).toMatchObject({ action: 'account.write', outcome: 'ok', detail: { write: 'reset' } });
  });

  it('a full disk before the write: STORAGE_FULL and the directory is not touched', async () => {
    let diskFull = false;
    const s = setup({ failAudit: () => (diskFull ? new HelpdeskError('STORAGE_FULL') : null) });
    const c = await verified(s);
    diskFull = true;
    expect(await s.api.actions.unlock({ caseId: c.id })).toEqual({ ok: false, error: { code: 'STORAGE_FULL' } });
    expect(s.writes).toEqual([]);
  });

  it('the verification is spent with the row written before the directory is: refused there, it stands again; done, a second reset needs a new code', async () => {
    let refuse = true;
    const s = setup({ failReset: () => (refuse ? new HelpdeskError('PASSWORD_REJECTED') : null) });
    const c = await verified(s);
    expect(await s.api.actions.resetPassword({ caseId: c.id })).toMatchObject({ ok: false, error: { code: 'PASSWORD_REJECTED' } });
    expect(s.audit.slice(-2).map((r) => `${r.action}:${r.outcome}`)).toEqual(['account.write:ok', 'account.reset:refused']);
    refuse = false;
    expect(await s.api.actions.resetPassword({ caseId: c.id })).toMatchObject({ ok: true, value: { outcome: 'done' } });
    expect(await s.api.actions.resetPassword({ caseId: c.id })).toMatchObject({ ok: false, error: { code: 'CASE_NOT_VERIFIED' } });
    expect(s.writes.filter((w) => w.startsWith('reset'))).toHaveLength(1);
  });

  it('an unknown outcome is reported as unknown and nothing is delivered', async () => {
    const s = setup({ unknownReset: true });
    const c = await verified(s);
    const before = s.sent.length;
    expect(await s.api.actions.resetPassword({ caseId: c.id })).toMatchObject({ ok: true, value: { outcome: 'unknown', delivery: null } });
    expect(s.sent.length).toBe(before);
  });
});

describe('recovery contact change', () => {
  async function verifiedCase(s: ReturnType<typeof setup>) {
    const c = await signedIn(s);
    await s.api.cases.sendCode({ caseId: c.id, channel: 'email' });
    const code = codeFrom(s.outbox.list(1)[0]!.text);
    expect((await s.api.cases.verifyCode({ caseId: c.id, code })).ok).toBe(true);
    return c;
  }

  it('the new mobile gets its own code; saved normalised only after it is read back; the old one gets a notice', async () => {
    const s = setup({ accounts: [account()] });
    const c = await verifiedCase(s);
    expect(await s.api.actions.updateContact({ caseId: c.id, code: '123456' })).toEqual({ ok: false, error: { code: 'OTP_NOT_SENT' } });
    const sent = await s.api.actions.sendContactCode({ caseId: c.id, kind: 'mobile', value: '+84 988 777 666' });
    expect(sent).toMatchObject({ ok: true, value: { pendingContact: { kind: 'mobile', destination: '09*****66' } } });
    expect(s.sent.at(-1)!.to).toBe('84988777666');
    const code = codeFrom(s.sent.at(-1)!.text);
    expect(s.writes).toEqual([]);
    const wrong = code === '000000' ? '111111' : '000000';
    expect(await s.api.actions.updateContact({ caseId: c.id, code: wrong })).toMatchObject({ ok: false, error: { code: 'OTP_WRONG' } });
    expect(s.writes).toEqual([]);
    const r = await s.api.actions.updateContact({ caseId: c.id, code });
    expect(r).toMatchObject({ ok: true, value: { action: 'contact', outcome: 'done', notice: { status: 'sent', destination: '09*****98' } } });
    expect(s.writes).toEqual([`contacts ${account().dn} {"mobile":"0988777666"}`]);
    expect(s.sent.at(-1)).toMatchObject({ to: '84912345698' });
    expect(s.sent.at(-1)!.text).toContain('da thay doi');
  });

  it('refuses landlines, old numbers and a backup e-mail equal to the account mail; and without verification', async () => {
    const s = setup({ accounts: [account()] });
    const c0 = await signedIn(s);
    expect(await s.api.actions.sendContactCode({ caseId: c0.id, kind: 'mobile', value: '0988777666' })).toEqual({ ok: false, error: { code: 'CASE_NOT_VERIFIED' } });
    await s.api.cases.close({ caseId: c0.id, outcome: 'abandoned' });
    const c = await verifiedCase(s);
    const reason = async (kind: 'mobile' | 'backupEmail', value: string) => {
      const r = await s.api.actions.sendContactCode({ caseId: c.id, kind, value });
      return r.ok ? 'ok' : `${r.error.code}:${r.error.reason ?? ''}`;
    };
    expect(await reason('mobile', '028 3823 3717')).toBe('VALIDATION_FAILED:landline');
    expect(await reason('mobile', '01234567890')).toBe('VALIDATION_FAILED:old_format');
    expect(await reason('backupEmail', 'ANNV@stttt.daotao.gov.vn')).toBe('VALIDATION_FAILED:same_as_mail');
    expect(await reason('backupEmail', 'not-an-email')).toBe('VALIDATION_FAILED:not_email');
    expect(s.writes).toEqual([]);
  });
});

describe('exact destination, one action at a time, directory switch', () => {
  it('a contact that merely masks the same as the verified one never receives the password', async () => {
    const accounts = [account()];
    const s = setup({ accounts });
    const c = await verified(s);
    accounts[0]!.mobiles = ['0977777798']; // also "09*****98"
    expect(await s.api.actions.resetPassword({ caseId: c.id })).toEqual({ ok: false, error: { code: 'CASE_NOT_VERIFIED', detail: 'contact changed' } });
    expect(s.writes).toEqual([]);
  });

  it('one action at a time per case', async () => {
    const s = setup({ accounts: [account()] });
    const c = await verified(s);
    const [a, b] = await Promise.all([s.api.actions.resetPassword({ caseId: c.id }), s.api.actions.resetPassword({ caseId: c.id })]);
    expect([a.ok, b.ok].sort()).toEqual([false, true]);
    expect([a, b].find((r) => !r.ok)).toEqual({ ok: false, error: { code: 'CASE_BUSY' } });
    expect(s.writes.filter((w) => w.startsWith('reset'))).toHaveLength(1);
  });

  it("a second send while the first runs is refused as busy and never takes the first one's row", async () => {
    const s = setup({ accounts: [account()] });
    const c = await signedIn(s);
    const [a, b] = await Promise.all([s.api.cases.sendCode({ caseId: c.id, channel: 'sms' }), s.api.cases.sendCode({ caseId: c.id, channel: 'sms' })]);
    expect([a.ok, b.ok].sort()).toEqual([false, true]);
    expect([a, b].find((r) => !r.ok)).toEqual({ ok: false, error: { code: 'CASE_BUSY' } });
    expect(s.sent).toHaveLength(1);
    // The send that went out has its row, written with the case as it left it.
    expect(s.audit.filter((r) => r.action === 'code.send').map((r) => r.outcome)).toEqual(['ok']);
    expect((await s.api.cases.verifyCode({ caseId: c.id, code: codeFrom(s.sent[0]!.text) })).ok).toBe(true);
  });

  it('unlock refuses an account that is not locked', async () => {
    const s = setup({ accounts: [account({ locked: false })] });
    const c = await verified(s);
    expect(await s.api.actions.unlock({ caseId: c.id })).toEqual({ ok: false, error: { code: 'ACTION_NOT_PERMITTED', reason: 'not_locked' } });
    expect(s.writes).toEqual([]);
  });

  it('changing the directory settings closes every open case', async () => {
    const s = setup({ accounts: [account()] });
    const c = await verified(s);
    const profile = { ...directoryDefaults('openldap'), url: 'ldap://127.0.0.1:2', baseDn: 'dc=daotao,dc=gov,dc=vn', serviceBindDn: 'cn=s', roleGroups: SUPERVISORS };
    expect((await s.api.settings.save({ settings: { version: 1, locale: 'vi', mode: 'directory', directory: profile }, servicePassword: 'x' })).ok).toBe(true);
    expect((await s.api.session.signIn({ username: 'tongdai01', password: 'x' })).ok).toBe(true);
    expect(await s.api.actions.unlock({ caseId: c.id })).toEqual({ ok: false, error: { code: 'CASE_CLOSED' } });
    expect(s.writes).toEqual([]);
  });
});

describe('administrative locks', () => {
  async function verifiedIn(s: ReturnType<typeof setup>, username: string) {
    const c = await signedIn(s, username);
    await s.api.cases.sendCode({ caseId: c.id, channel: 'sms' });
    expect((await s.api.cases.verifyCode({ caseId: c.id, code: codeFrom(s.sent.at(-1)!.text) })).ok).toBe(true);
    return c;
  }
  const profile = (allow: boolean, dialect: 'openldap' | 'active-directory') => ({
    ...directoryDefaults(dialect),
    url: 'ldaps://ldap.agency.gov.vn',
    baseDn: 'dc=daotao,dc=gov,dc=vn',
    serviceBindDn: 'cn=s',
    allowAdministrativeUnlock: allow,
    roleGroups: SUPERVISORS,
  });

  it('are lifted only by a supervisor, only when the directory profile allows it, and never on Active Directory', async () => {
    for (const [allow, dialect, who, expected] of [
      [false, 'openldap', 'giamsat01', 'refused'],
      [true, 'openldap', 'tongdai01', 'refused'],
      [true, 'openldap', 'giamsat01', 'done'],
      [true, 'active-directory', 'giamsat01', 'refused'],
    ] as const) {
      const secrets = new MemorySecretStore();
      const directory = profile(allow, dialect);
      await secrets.set(servicePasswordKey(directory), 'x');
      const s = setup({ accounts: [account({ locked: false, disabled: true })], settings: { version: 1, locale: 'vi', mode: 'directory', directory }, secrets });
      const c = await verifiedIn(s, who);
      const r = await s.api.actions.unlock({ caseId: c.id });
      expect([allow, dialect, who, r.ok ? 'done' : r.error.reason === 'administrative_lock' ? 'refused' : r.error.code]).toEqual([allow, dialect, who, expected]);
    }
  });
});

describe('supervisor override for a caller with no usable contact', () => {
  // cuonglh: no mobile, no backup e-mail; a CMND on record.
  const noContact = () =>
    account({ dn: 'uid=cuonglh,ou=stttt,ou=people,dc=daotao,dc=gov,dc=vn', username: 'cuonglh', mobiles: [], backupEmails: [], citizenId: '024681357' });
  const note = 'Mất SIM, không có thư dự phòng; đối chiếu CMND qua video';

  it('is for supervisors only: an operator is refused before anything is read', async () => {
    const s = setup({ accounts: [noContact()] });
    const c = await signedIn(s, 'tongdai01', noContact().dn);
    const r = await s.api.cases.override({ caseId: c.id, check: 'citizen-id', citizenId: '024681357', note });
    expect(r).toEqual({ ok: false, error: { code: 'ROLE_NOT_ALLOWED' } });
    expect(s.audit.at(-1)).toMatchObject({ action: 'access.denied', outcome: 'refused', operator: 'tongdai01', detail: { method: 'cases.override' } });
    expect((await s.api.cases.get({ caseId: c.id })).ok && (await s.api.cases.get({ caseId: c.id }))).toMatchObject({ value: { status: 'open', verifiedBy: null } });
  });

  it('compares the CCCD/CMND with the directory: a wrong one is refused with attempts left, the 4th try is refused outright', async () => {
    const s = setup({ accounts: [noContact()] });
    const c = await signedIn(s, 'giamsat01', noContact().dn);
    for (const left of [2, 1, 0]) {
      const r = await s.api.cases.override({ caseId: c.id, check: 'citizen-id', citizenId: '024681358', note });
      expect(r).toEqual({ ok: false, error: { code: 'IDENTITY_MISMATCH', attemptsLeft: left } });
    }
    // Even the right number is refused now, and so is any other check, on this case or a new one:
    // three wrong numbers end overrides for this account for the day.
    const r = await s.api.cases.override({ caseId: c.id, check: 'citizen-id', citizenId: '024681357', note });
    expect(r).toEqual({ ok: false, error: { code: 'ACTION_NOT_PERMITTED', reason: 'override_attempts' } });
    expect(await s.api.cases.override({ caseId: c.id, check: 'agency-letter', note })).toEqual({ ok: false, error: { code: 'ACTION_NOT_PERMITTED', reason: 'override_attempts' } });
    const again = await s.api.cases.open({ accountId: noContact().dn, reason: 'Gọi lại' });
    expect(await s.api.cases.override({ caseId: again.ok ? again.value.id : '', check: 'identity-document', note })).toEqual({
      ok: false,
      error: { code: 'ACTION_NOT_PERMITTED', reason: 'override_attempts' },
    });
    // The next day (VN) the supervisor may try again (after unlocking the session idle since yesterday).
    now = new Date(T0.getTime() + 24 * 3600_000);
    expect(await s.api.cases.open({ accountId: noContact().dn, reason: 'x' })).toEqual({ ok: false, error: { code: 'SESSION_LOCKED' } });
    expect((await s.api.session.unlock({ password: 'x' })).ok).toBe(true);
    const tomorrow = await s.api.cases.open({ accountId: noContact().dn, reason: 'Hôm sau' });
    expect(await s.api.cases.override({ caseId: tomorrow.ok ? tomorrow.value.id : '', check: 'citizen-id', citizenId: '024681357', note })).toMatchObject({ ok: true });
    expect(JSON.stringify(s.audit)).not.toContain('024681357');
    expect(JSON.stringify(s.audit)).not.toContain('024681358');
  });

  it('verifies the case on a match (spaces and dots allowed), records the check, and a reset waits for a proven contact', async () => {
    const s = setup({ accounts: [noContact()] });
    const c = await signedIn(s, 'giamsat01', noContact().dn);
    const r = await s.api.cases.override({ caseId: c.id, check: 'citizen-id', citizenId: ' 024.681.357 ', note });
    expect(r).toMatchObject({ ok: true, value: { status: 'verified', verifiedBy: 'override', override: { check: 'citizen-id', supervisor: 'giamsat01' }, deliveryContact: null } });
    expect(s.audit.at(-1)).toMatchObject({
      action: 'case.override',
      outcome: 'ok',
      operator: 'giamsat01',
      detail: { check: 'citizen-id', supervisor: 'giamsat01', note, contactsOnRecord: false },
    });
    // No contact was proven: the temporary password has nowhere to go.
    expect(await s.api.actions.resetPassword({ caseId: c.id })).toEqual({ ok: false, error: { code: 'ACTION_NOT_PERMITTED', reason: 'no_delivery_contact' } });
    expect(s.writes).toEqual([]);
    // Unlock needs no delivery.
    expect(await s.api.actions.unlock({ caseId: c.id })).toMatchObject({ ok: true, value: { outcome: 'done' } });
    expect(s.audit.at(-1)).toMatchObject({ action: 'account.unlock', detail: { verification: 'override:citizen-id:giamsat01' } });
    // Four eyes: after an override, a new contact is one person's word — it waits for a second supervisor
    // before any code goes to it. Nothing is sent or written meanwhile.
    const sentBefore = s.sent.length;
    expect(await s.api.actions.sendContactCode({ caseId: c.id, kind: 'mobile', value: '+84 93 456 7890' })).toEqual({ ok: false, error: { code: 'APPROVAL_REQUIRED' } });
    expect(s.sent.length).toBe(sentBefore);
    expect(await s.api.cases.get({ caseId: c.id })).toMatchObject({ ok: true, value: { approval: { state: 'waiting', requestedBy: 'giamsat01', approvedBy: null, contact: { kind: 'mobile', destination: '09*****90' } } } });
    expect(s.audit.at(-1)).toMatchObject({ action: 'case.approval', outcome: 'ok', operator: 'giamsat01', detail: { step: 'requested', overrideBy: 'giamsat01', destination: '09*****90' } });
    // The first supervisor cannot approve their own.
    expect(await s.api.cases.approve({ caseId: c.id })).toEqual({ ok: false, error: { code: 'ACTION_NOT_PERMITTED', reason: 'self_approval' } });
    expect(s.audit.at(-1)).toMatchObject({ action: 'case.approval', outcome: 'refused', operator: 'giamsat01', detail: { reasonCode: 'self_approval' } });
    // A second supervisor, in another session, finds it in the queue and approves that contact (both names audited).
    expect((await s.api.session.signIn({ username: 'giamsat02', password: 'x' })).ok).toBe(true);
    expect(await s.api.cases.queue({})).toMatchObject({ ok: true, value: [{ id: c.id, waiting: 'approval', holder: 'giamsat01', approval: { requestedBy: 'giamsat01', contact: { destination: '09*****90' } } }] });
    // Not theirs to act on: the case stays the first supervisor's.
    expect(await s.api.actions.sendContactCode({ caseId: c.id, kind: 'mobile', value: '0934567890' })).toEqual({ ok: false, error: { code: 'CASE_NOT_FOUND' } });
    expect(await s.api.cases.approve({ caseId: c.id })).toMatchObject({ ok: true, value: { id: c.id, waiting: null } });
    expect(s.audit.at(-1)).toMatchObject({ action: 'case.approval', outcome: 'ok', operator: 'giamsat02', detail: { step: 'approved', requestedBy: 'giamsat01', approvedBy: 'giamsat02', destination: '09*****90' } });
    expect(await s.api.cases.approve({ caseId: c.id })).toEqual({ ok: false, error: { code: 'CASE_NOT_FOUND' } });
    expect((await s.api.session.signIn({ username: 'giamsat01', password: 'x' })).ok).toBe(true);
    // The approval is for that contact: another one would wait again.
    expect(await s.api.actions.sendContactCode({ caseId: c.id, kind: 'backupEmail', value: 'khac@example.vn' })).toEqual({ ok: false, error: { code: 'APPROVAL_REQUIRED' } });
    expect(await s.api.cases.get({ caseId: c.id })).toMatchObject({ ok: true, value: { approval: { state: 'waiting' } } });
    expect((await s.api.session.signIn({ username: 'giamsat02', password: 'x' })).ok).toBe(true);
    expect((await s.api.cases.approve({ caseId: c.id })).ok).toBe(true);
    expect((await s.api.session.signIn({ username: 'giamsat01', password: 'x' })).ok).toBe(true);
    expect(await s.api.actions.sendContactCode({ caseId: c.id, kind: 'mobile', value: '+84 93 456 7890' })).toEqual({ ok: false, error: { code: 'APPROVAL_REQUIRED' } });
    expect((await s.api.session.signIn({ username: 'giamsat02', password: 'x' })).ok).toBe(true);
    expect((await s.api.cases.approve({ caseId: c.id })).ok).toBe(true);
    expect((await s.api.session.signIn({ username: 'giamsat01', password: 'x' })).ok).toBe(true);
    // The approved mobile proves itself with its own code; then the reset goes there and nowhere else.
    expect((await s.api.actions.sendContactCode({ caseId: c.id, kind: 'mobile', value: '+84 93 456 7890' })).ok).toBe(true);
    const code = codeFrom(s.sent.at(-1)!.text);
    expect(s.sent.at(-1)!.to).toBe('84934567890');
    expect(await s.api.actions.updateContact({ caseId: c.id, code })).toMatchObject({ ok: true, value: { outcome: 'done' } });
    expect((await s.api.cases.get({ caseId: c.id }))).toMatchObject({ ok: true, value: { deliveryContact: { channel: 'sms', destination: '09*****90' } } });
    const reset = await s.api.actions.resetAndUnlock({ caseId: c.id });
    expect(reset).toMatchObject({ ok: true, value: { action: 'reset-unlock', outcome: 'done', delivery: { status: 'sent', channel: 'sms', destination: '09*****90' } } });
    const password = s.writes.at(-1)!.split(' ').at(-1)!;
    expect(s.sent.at(-1)).toMatchObject({ to: '84934567890' });
    expect(s.sent.at(-1)!.text).toContain(password);
  });

  it('four eyes: an approval request stands for a limited time; an old one is refused, said and audited, and stays in the queue', async () => {
    const s = setup({ accounts: [noContact()] });
    const c = await signedIn(s, 'giamsat01', noContact().dn);
    expect((await s.api.cases.override({ caseId: c.id, check: 'citizen-id', citizenId: '024681357', note })).ok).toBe(true);
    expect(await s.api.actions.sendContactCode({ caseId: c.id, kind: 'mobile', value: '0934567890' })).toEqual({ ok: false, error: { code: 'APPROVAL_REQUIRED' } });
    expect((await s.api.session.signIn({ username: 'giamsat02', password: 'x' })).ok).toBe(true);
    now = new Date(now.getTime() + APPROVAL_WINDOW_MS);
    expect((await s.api.session.unlock({ password: 'x' })).ok).toBe(true); // idle since the request
    expect(await s.api.cases.approve({ caseId: c.id })).toEqual({ ok: false, error: { code: 'CASE_EXPIRED', reason: 'approval' } });
    expect(s.audit.at(-1)).toMatchObject({ action: 'case.approval', outcome: 'refused', operator: 'giamsat02', detail: { code: 'CASE_EXPIRED' } });
    expect(await s.api.cases.queue({})).toMatchObject({ ok: true, value: [{ id: c.id, approval: { requestedBy: 'giamsat01' } }] });
  });

  it('refuses when the directory holds a usable contact, unless the supervisor states the caller cannot reach it', async () => {
    const s = setup({ accounts: [account({ citizenId: '079088001234' })] });
    const c = await signedIn(s, 'giamsat01');
    const input = { caseId: c.id, check: 'identity-document' as const, note: 'Mất điện thoại; CCCD gốc kiểm tra tại quầy' };
    expect(await s.api.cases.override(input)).toEqual({ ok: false, error: { code: 'ACTION_NOT_PERMITTED', reason: 'contact_available' } });
    const r = await s.api.cases.override({ ...input, contactsUnreachable: true });
    expect(r).toMatchObject({ ok: true, value: { verifiedBy: 'override', deliveryContact: null } });
    expect(s.audit.at(-1)).toMatchObject({ action: 'case.override', outcome: 'ok', detail: { check: 'identity-document', contactsOnRecord: true } });
  });

  it("the helpdesk's own staff cannot be verified by override: one supervisor cannot vouch their way into another's (or an operator's) account", async () => {
    const staff = account({ dn: 'uid=giamsat02,ou=staff,dc=daotao,dc=gov,dc=vn', username: 'giamsat02', mobiles: [], backupEmails: [], citizenId: '024681399' });
    const s = setup({ accounts: [staff] });
    const c = await signedIn(s, 'giamsat01', staff.dn);
    for (const check of ['citizen-id', 'identity-document', 'agency-letter'] as const) {
      expect(await s.api.cases.override({ caseId: c.id, check, ...(check === 'citizen-id' ? { citizenId: '024681399' } : {}), note })).toEqual({
        ok: false,
        error: { code: 'ACTION_NOT_PERMITTED', reason: 'staff_account' },
      });
    }
    expect(s.audit.at(-1)).toMatchObject({ action: 'case.override', outcome: 'refused', detail: { reasonCode: 'staff_account', supervisor: 'giamsat01' } });
    // The refusal counts no wrong CCCD: it is not an identity check that failed.
    expect((await s.api.cases.get({ caseId: c.id })).ok).toBe(true);
    expect(s.writes).toEqual([]);
  });

  it('a CCCD check on an account with no CCCD on record is refused; another check can be recorded', async () => {
    const s = setup({ accounts: [{ ...noContact(), citizenId: null }] });
    const c = await signedIn(s, 'giamsat01', noContact().dn);
    expect(await s.api.cases.override({ caseId: c.id, check: 'citizen-id', citizenId: '024681357', note })).toEqual({
      ok: false,
      error: { code: 'ACTION_NOT_PERMITTED', reason: 'no_citizen_id' },
    });
    expect(await s.api.cases.override({ caseId: c.id, check: 'agency-letter', note: 'Công văn 123/STTTT-VP ngày 20/11' })).toMatchObject({
      ok: true,
      value: { verifiedBy: 'override', override: { check: 'agency-letter' } },
    });
  });

  it('a note carrying a CCCD or phone number is refused: the audit must never hold it', async () => {
    const s = setup({ accounts: [noContact()] });
    const c = await signedIn(s, 'giamsat01', noContact().dn);
    for (const note of ['CCCD 024681357 khớp', 'số 024 681 357', 'gọi lại 0912.345.698']) {
      expect(await s.api.cases.override({ caseId: c.id, check: 'agency-letter', note })).toEqual({
        ok: false,
        error: { code: 'VALIDATION_FAILED', field: 'note', reason: 'contains_identifier' },
      });
    }
    expect(JSON.stringify(s.audit)).not.toMatch(/024 ?681 ?357|0912/u);
    expect((await s.api.cases.override({ caseId: c.id, check: 'agency-letter', note: 'Công văn 123/STTTT-VP ngày 20/11/2026' })).ok).toBe(true);
  });

  it('lasts one verification period (5 minutes), like a code', async () => {
    const s = setup({ accounts: [noContact()] });
    const c = await signedIn(s, 'giamsat01', noContact().dn);
    expect((await s.api.cases.override({ caseId: c.id, check: 'agency-letter', note })).ok).toBe(true);
    now = new Date(T0.getTime() + 5 * 60_000);
    expect(await s.api.actions.unlock({ caseId: c.id })).toEqual({ ok: false, error: { code: 'CASE_EXPIRED' } });
  });
});

describe('reset and unlock in one step', () => {
  async function verifiedAs(s: ReturnType<typeof setup>, username: string) {
    const c = await signedIn(s, username);
    await s.api.cases.sendCode({ caseId: c.id, channel: 'sms' });
    expect((await s.api.cases.verifyCode({ caseId: c.id, code: codeFrom(s.sent.at(-1)!.text) })).ok).toBe(true);
    return c;
  }

  it('is for supervisors only', async () => {
    const s = setup();
    const c = await verifiedAs(s, 'tongdai01');
    expect(await s.api.actions.resetAndUnlock({ caseId: c.id })).toEqual({ ok: false, error: { code: 'ROLE_NOT_ALLOWED' } });
    expect(s.writes).toEqual([]);
  });

  it('asks the directory for one modify with the unlock, audited as reset-unlock', async () => {
    const s = setup();
    const c = await verifiedAs(s, 'giamsat01');
    const r = await s.api.actions.resetAndUnlock({ caseId: c.id });
    expect(r).toMatchObject({ ok: true, value: { action: 'reset-unlock', outcome: 'done', delivery: { status: 'sent' } } });
    expect(s.writes).toHaveLength(1);
    expect(s.writes[0]).toMatch(/^reset\+unlock uid=annv,/u);
    expect(s.audit.at(-1)).toMatchObject({ action: 'account.reset-unlock', outcome: 'ok', operator: 'giamsat01', detail: { unlocked: true } });
  });

  it('on an account that is not locked it is just a reset', async () => {
    const s = setup({ accounts: [account({ locked: false })] });
    const c = await verifiedAs(s, 'giamsat01');
    expect((await s.api.actions.resetAndUnlock({ caseId: c.id })).ok).toBe(true);
    expect(s.writes[0]).toMatch(/^reset uid=annv,/u);
  });

  it('an administrative lock the profile does not let supervisors lift refuses the whole action: nothing is written', async () => {
    const s = setup({ accounts: [account({ locked: false, disabled: true })] });
    const c = await verifiedAs(s, 'giamsat01');
    expect(await s.api.actions.resetAndUnlock({ caseId: c.id })).toEqual({ ok: false, error: { code: 'ACTION_NOT_PERMITTED', reason: 'administrative_lock' } });
    expect(s.writes).toEqual([]);
  });
});

describe('temporary password delivery', () => {
  it('a relay timeout is reported as unknown (the message may have gone), any other failure as failed', async () => {
    for (const [code, status] of [['RELAY_TIMEOUT', 'unknown'], ['RELAY_REJECTED', 'failed']] as const) {
      const s = setup({ failSms: (m) => (/mat khau/u.test(m.text) ? new HelpdeskError(code) : null) });
      const c = await signedIn(s);
      await s.api.cases.sendCode({ caseId: c.id, channel: 'sms' });
      expect((await s.api.cases.verifyCode({ caseId: c.id, code: codeFrom(s.sent.at(-1)!.text) })).ok).toBe(true);
      const r = await s.api.actions.resetPassword({ caseId: c.id });
      expect(r).toMatchObject({ ok: true, value: { outcome: 'done', delivery: { status, code, destination: '09*****98' } } });
      expect(s.audit.at(-1)).toMatchObject({ action: 'account.reset', detail: { delivery: status, deliveryCode: code } });
    }
  });
});

describe('limits follow the entry, not its name', () => {
  it('a renamed entry (same entryUUID, new DN) keeps its send interval', async () => {
    const before = account({ stableId: '3f1c0a5e-0000-4000-8000-00000000abcd' });
    const after = account({ stableId: '3F1C0A5E-0000-4000-8000-00000000ABCD', dn: 'uid=annv,ou=vpub,ou=people,dc=daotao,dc=gov,dc=vn' });
    const s = setup({ accounts: [before, after] });
    const c = await signedIn(s);
    expect((await s.api.cases.sendCode({ caseId: c.id, channel: 'sms' })).ok).toBe(true);
    const opened = await s.api.cases.open({ accountId: after.dn, reason: 'Gọi lại sau khi chuyển đơn vị' });
    if (!opened.ok) throw new Error(opened.error.code);
    const again = await s.api.cases.sendCode({ caseId: opened.value.id, channel: 'sms' });
    expect(again.ok ? 'sent' : again.error.code).toBe('OTP_TOO_SOON');
  });
});

describe('one verification, one change', () => {
  it('after a reset, a second reset, an unlock or a contact change needs a new code; the new code opens the gate again', async () => {
    const s = setup({ accounts: [account()] });
    const c = await verified(s);
    expect((await s.api.actions.resetPassword({ caseId: c.id })).ok).toBe(true);
    const spent = { ok: false, error: { code: 'CASE_NOT_VERIFIED', reason: 'verification_spent' } };
    expect(await s.api.actions.resetPassword({ caseId: c.id })).toEqual(spent);
    expect(await s.api.actions.unlock({ caseId: c.id })).toEqual(spent);
    expect(await s.api.actions.sendContactCode({ caseId: c.id, kind: 'mobile', value: '0988777666' })).toEqual(spent);
    expect(await s.api.cases.gate({ caseId: c.id })).toEqual(spent);
    expect(s.writes).toHaveLength(1);
    const view = await s.api.cases.get({ caseId: c.id });
    expect(view).toMatchObject({ ok: true, value: { status: 'verified', verificationSpent: 'reset' } });
    // A new code (5 minutes later, the seeds' spacing) verifies the caller again.
    now = new Date(T0.getTime() + 5 * 60_000);
    const again = await s.api.cases.sendCode({ caseId: c.id, channel: 'sms' });
    expect(again).toMatchObject({ ok: true, value: { status: 'code-sent' } });
    expect((await s.api.cases.verifyCode({ caseId: c.id, code: codeFrom(s.sent.at(-1)!.text) })).ok).toBe(true);
    expect(await s.api.actions.unlock({ caseId: c.id })).toMatchObject({ ok: true, value: { outcome: 'done' } });
  });

  it('after a contact change only a reset to the contact just proven may follow; then nothing without a new code', async () => {
    const s = setup({ accounts: [account()] });
    const c = await verified(s);
    await s.api.actions.sendContactCode({ caseId: c.id, kind: 'mobile', value: '0988777666' });
    expect((await s.api.actions.updateContact({ caseId: c.id, code: codeFrom(s.sent.at(-1)!.text) })).ok).toBe(true);
    const spent = { ok: false, error: { code: 'CASE_NOT_VERIFIED', reason: 'verification_spent' } };
    expect(await s.api.actions.sendContactCode({ caseId: c.id, kind: 'mobile', value: '0977111222' })).toEqual(spent);
    expect(await s.api.actions.unlock({ caseId: c.id })).toEqual(spent);
    const r = await s.api.actions.resetPassword({ caseId: c.id });
    expect(r).toMatchObject({ ok: true, value: { delivery: { status: 'sent', destination: '09*****66' } } });
    expect(s.sent.at(-1)!.to).toBe('84988777666');
    expect(await s.api.actions.resetPassword({ caseId: c.id })).toEqual(spent);
    expect(s.writes).toHaveLength(2);
  });

  it('a contact change whose answer was lost but whose re-read shows the new value is done, and the old contact is told', async () => {
    const s = setup({ accounts: [account()], unknownContact: true });
    const c = await verified(s);
    await s.api.actions.sendContactCode({ caseId: c.id, kind: 'mobile', value: '0988777666' });
    const r = await s.api.actions.updateContact({ caseId: c.id, code: codeFrom(s.sent.at(-1)!.text) });
    expect(r).toMatchObject({ ok: true, value: { action: 'contact', outcome: 'done', notice: { status: 'sent', destination: '09*****98' } } });
    expect(s.sent.at(-1)).toMatchObject({ to: '84912345698' });
    expect(s.audit.at(-1)).toMatchObject({ action: 'account.contact', outcome: 'ok', detail: { outcome: 'done', notice: 'sent' } });
  });

  it('the gate checks the entry about to be written: one re-created at the same DN (new permanent id) is refused', async () => {
    const a = account({ stableId: '3f1c0a5e-0000-4000-8000-00000000abcd' });
    const s = setup({ accounts: [a] });
    const c = await verified(s);
    a.stableId = '9d2e0b11-0000-4000-8000-00000000ffff'; // deleted and added again by an administrator
    const mismatch = { ok: false, error: { code: 'CASE_ACCOUNT_MISMATCH' } };
    expect(await s.api.actions.resetPassword({ caseId: c.id })).toEqual(mismatch);
    expect(await s.api.actions.unlock({ caseId: c.id })).toEqual(mismatch);
    expect(await s.api.actions.sendContactCode({ caseId: c.id, kind: 'mobile', value: '0988777666' })).toEqual(mismatch);
    expect(s.writes).toEqual([]);
    expect(s.audit.at(-1)).toMatchObject({ action: 'contact.code', outcome: 'refused', detail: { code: 'CASE_ACCOUNT_MISMATCH', reasonCode: 'entry_replaced' } });
  });

  it('a plain reset never ends an administrative lock, whoever asks; a lockout it ends is reported and audited', async () => {
    const s = setup({ accounts: [account({ disabled: true, locked: false })] });
    const c = await verified(s);
    expect(await s.api.actions.resetPassword({ caseId: c.id })).toEqual({ ok: false, error: { code: 'ACTION_NOT_PERMITTED', reason: 'administrative_lock' } });
    expect(s.writes).toEqual([]);
    expect(s.audit.at(-1)).toMatchObject({ action: 'account.reset', outcome: 'refused', detail: { reasonCode: 'administrative_lock' } });
  });
});

describe('wrong codes across VN midnight', () => {
  it('a live code takes at most 5 wrong entries in all, though the day changes under it', async () => {
    now = new Date('2026-11-23T16:58:00Z'); // 23:58 in Hà Nội
    const s = setup();
    const c = await signedIn(s);
    await s.api.cases.sendCode({ caseId: c.id, channel: 'sms' });
    const code = codeFrom(s.sent.at(-1)!.text);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 4; i >= 1; i--) expect(await s.api.cases.verifyCode({ caseId: c.id, code: wrong })).toMatchObject({ ok: true, value: { attemptsLeft: i } });
    now = new Date('2026-11-23T17:01:00Z'); // 00:01 the next VN day, the code still valid
    expect(await s.api.cases.get({ caseId: c.id })).toMatchObject({ ok: true, value: { attemptsLeft: 1 } });
    expect(await s.api.cases.verifyCode({ caseId: c.id, code: wrong })).toMatchObject({ ok: true, value: { verified: false, attemptsLeft: 0 } });
    expect(await s.api.cases.verifyCode({ caseId: c.id, code })).toEqual({ ok: false, error: { code: 'OTP_VOID' } });
  });
});

describe('presence, hand-off to a supervisor, cases one holds', () => {
  it('a second operator opening the same account is told who handles it and since when; taking over is confirmed, ends the first case, and is audited', async () => {
    const s = setup();
    const first = await signedIn(s, 'tongdai01');
    expect((await s.api.session.signIn({ username: 'tongdai02', password: 'x' })).ok).toBe(true);
    const auditBefore = s.audit.length;
    const held = await s.api.cases.open({ accountId: account().dn, reason: 'Gọi lại' });
    expect(held).toEqual({ ok: false, error: { code: 'CASE_HELD', heldBy: { holder: 'tongdai01', since: first.holderSince } } });
    expect(s.audit.length).toBe(auditBefore); // nothing opened, nothing taken
    const taken = await s.api.cases.open({ accountId: account().dn, reason: 'Gọi lại', takeOver: true });
    expect(taken).toMatchObject({ ok: true, value: { holder: 'tongdai02', operator: 'tongdai02', status: 'open' } });
    expect(s.audit.slice(auditBefore).map((r) => [r.action, r.operator])).toEqual([
      ['case.takeOver', 'tongdai02'],
      ['case.open', 'tongdai02'],
    ]);
    expect(s.audit[auditBefore]).toMatchObject({ detail: { case: first.id, from: 'tongdai01' } });
    // The first operator's case has ended: their next step says so.
    expect((await s.api.session.signIn({ username: 'tongdai01', password: 'x' })).ok).toBe(true);
    expect(await s.api.cases.sendCode({ caseId: first.id, channel: 'sms' })).toEqual({ ok: false, error: { code: 'CASE_CLOSED' } });
    expect(await s.api.cases.mine({})).toEqual({ ok: true, value: [] });
  });

  it('an operator hands a case over with its code sent; a supervisor takes it from the queue and verifies the code the caller reads back', async () => {
    const s = setup();
    const c = await signedIn(s, 'tongdai01');
    expect((await s.api.cases.sendCode({ caseId: c.id, channel: 'sms' })).ok).toBe(true);
    const code = codeFrom(s.sent.at(-1)!.text);
    expect(await s.api.cases.mine({})).toMatchObject({ ok: true, value: [{ id: c.id, holder: 'tongdai01', waiting: null }] });
    expect(await s.api.cases.handOff({ caseId: c.id, note: 'CCCD 079088001234' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'note', reason: 'contains_identifier' } });
    const handed = await s.api.cases.handOff({ caseId: c.id, note: 'Người gọi cần giám sát viên' });
    expect(handed).toMatchObject({ ok: true, value: { handOff: { by: 'tongdai01', note: 'Người gọi cần giám sát viên' }, holder: 'tongdai01' } });
    expect(await s.api.cases.handOff({ caseId: c.id, note: 'lần nữa' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    // An operator has no queue and cannot take it.
    expect(await s.api.cases.queue({})).toEqual({ ok: false, error: { code: 'ROLE_NOT_ALLOWED' } });
    expect(await s.api.cases.take({ caseId: c.id })).toEqual({ ok: false, error: { code: 'ROLE_NOT_ALLOWED' } });
    expect((await s.api.session.signIn({ username: 'giamsat01', password: 'x' })).ok).toBe(true);
    expect(await s.api.cases.get({ caseId: c.id })).toEqual({ ok: false, error: { code: 'CASE_NOT_FOUND' } });
    expect(await s.api.cases.queue({})).toMatchObject({ ok: true, value: [{ id: c.id, waiting: 'supervisor', handOff: { by: 'tongdai01' } }] });
    const took = await s.api.cases.take({ caseId: c.id });
    expect(took).toMatchObject({ ok: true, value: { holder: 'giamsat01', operator: 'tongdai01', handOff: null, status: 'code-sent' } });
    expect(s.audit.at(-1)).toMatchObject({ action: 'case.take', operator: 'giamsat01', detail: { case: c.id, from: 'tongdai01' } });
    expect(await s.api.cases.take({ caseId: c.id })).toEqual({ ok: false, error: { code: 'CASE_NOT_FOUND' } });
    expect(await s.api.cases.queue({})).toEqual({ ok: true, value: [] });
    expect(await s.api.cases.verifyCode({ caseId: c.id, code })).toMatchObject({ ok: true, value: { verified: true, case: { status: 'verified', holder: 'giamsat01' } } });
    expect(s.audit.at(-1)).toMatchObject({ action: 'code.verify', outcome: 'ok', operator: 'giamsat01' });
    // The operator who handed it over no longer holds it.
    expect((await s.api.session.signIn({ username: 'tongdai01', password: 'x' })).ok).toBe(true);
    expect(await s.api.cases.get({ caseId: c.id })).toEqual({ ok: false, error: { code: 'CASE_NOT_FOUND' } });
  });
});
