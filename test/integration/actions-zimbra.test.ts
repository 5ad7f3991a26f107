import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySecretStore } from '../../src-main/adapters/secrets/keytar-secret-store';
import { createRuntime, type Runtime } from '../../src-main/app/runtime';
import { directoryDefaults, type Settings } from '../../src-main/common/settings';
import { type HttpSmsSink, startHttpSmsSink } from '../helpers/sms-sinks';
import { type SlapdHandle, sshaHash, startSlapd } from '../helpers/slapd';

// Zimbra's account state on a slapd carrying a minimal Zimbra schema fixture: `lockout` (after failed
// logins) is unlocked by the helpdesk with the timestamps cleared; `locked` (administrative) is not.
const BASE = 'dc=mail,dc=gov,dc=vn';
const ESMS = { apiKey: 'k-zimbra-000', secretKey: 's-zimbra-000' };
const person = (uid: string, name: string, extra: string[]) =>
  [
    `dn: uid=${uid},ou=people,${BASE}`,
    'objectClass: inetOrgPerson',
    'objectClass: zimbraAccount',
    `uid: ${uid}`,
    `cn: ${uid}`,
    `sn: ${uid}`,
    `displayName:: ${Buffer.from(name).toString('base64')}`,
    `mail: ${uid}@mail.gov.vn`,
    ...extra,
    '',
  ].join('\n');
const OPERATORS = `cn=helpdesk-operators,ou=groups,${BASE}`;
const SUPERVISORS = `cn=helpdesk-supervisors,ou=groups,${BASE}`;
const group = (dn: string, members: string[]) =>
  [`dn: ${dn}`, 'objectClass: groupOfNames', `cn: ${dn.slice(3, dn.indexOf(','))}`, ...members.map((m) => `member: uid=${m},ou=people,${BASE}`), ''].join('\n');
const LDIF = [
  person('operator1', 'Đặng Thu Hà', [`userPassword: ${sshaHash('Op@2026pass')}`, 'zimbraAccountStatus: active']),
  person('supervisor1', 'Võ Thanh Tâm', [`userPassword: ${sshaHash('Sup@2026pass')}`, 'zimbraAccountStatus: active']),
  person('mai.pt', 'Phạm Thị Mai', [
    'mobile: 0912000333',
    `userPassword: ${sshaHash('Cu@Mai2025')}`,
    'zimbraAccountStatus: lockout',
    'zimbraPasswordLockoutLockedTime: 20261123020000Z',
    'zimbraPasswordLockoutFailureTime: 20261123020000Z',
  ]),
  ['dn: ou=groups,' + BASE, 'objectClass: organizationalUnit', 'ou: groups', ''].join('\n'),
  group(OPERATORS, ['operator1']),
  group(SUPERVISORS, ['supervisor1']),
  person('lan.nt', 'Nguyễn Thị Lan', [
    'mobile: 0912000111',
    'zimbraPrefPasswordRecoveryAddress: lan.nguyen@gmail.com',
    'zimbraAccountStatus: lockout',
    'zimbraPasswordLockoutLockedTime: 20261123010000Z',
    'zimbraPasswordLockoutFailureTime: 20261123005900Z',
    'zimbraPasswordLockoutFailureTime: 20261123010000Z',
  ]),
  person('hung.tv', 'Trần Văn Hùng', ['mobile: 0912000222', 'zimbraAccountStatus: locked']),
  person('khoa.lv', 'Lê Văn Khoa', ['mobile: 0912000444', 'zimbraAccountStatus: locked']),
  person('vy.nt', 'Nguyễn Tường Vy', ['mobile: 0912000555', 'zimbraAccountStatus: locked']),
  person('tuan.lm', 'Lê Minh Tuấn', ['mobile: 0912000666', `userPassword: ${sshaHash('Cu@Tuan2025')}`, 'zimbraAccountStatus: locked']),
  person('binh.ht', 'Hồ Thanh Bình', [
    'mobile: 0912000777',
    `userPassword: ${sshaHash('Cu@Binh2025')}`,
    'zimbraAccountStatus: lockout',
    'zimbraPasswordLockoutLockedTime: 20261123030000Z',
  ]),
].join('\n');

let slapd: SlapdHandle;
let sms: HttpSmsSink;
let runtime: Runtime;
let dataDir: string;

async function signInAs(username: string, password: string): Promise<void> {
  await runtime.api.session.signOut({});
  expect((await runtime.api.session.signIn({ username, password })).ok).toBe(true);
}

async function rootRead(uid: string, attributes: string[]) {
  const c = new Client({ url: slapd.url, timeout: 5000 });
  await c.bind(slapd.rootDn, slapd.rootPassword);
  try {
    return (await c.search(`uid=${uid},ou=people,${BASE}`, { scope: 'base', attributes })).searchEntries[0]!;
  } finally {
    await c.unbind();
  }
}

async function verifiedCase(uid: string, channel: 'sms' | 'email' = 'sms'): Promise<string> {
  const found = await runtime.api.directory.search({ query: uid, kind: 'username' });
  if (!found.ok) throw new Error(found.error.code);
  const opened = await runtime.api.cases.open({ accountId: found.value.items[0]!.id, reason: `Zimbra ${uid}` });
  if (!opened.ok) throw new Error(opened.error.code);
  const sent = await runtime.api.cases.sendCode({ caseId: opened.value.id, channel });
  if (!sent.ok) throw new Error(sent.error.code);
  const code = /\b(\d{6})\b/u.exec((sms.requests.at(-1)!.body as { Content: string }).Content)![1]!;
  expect((await runtime.api.cases.verifyCode({ caseId: opened.value.id, code })).ok).toBe(true);
  return opened.value.id;
}

beforeAll(async () => {
  [slapd, sms] = await Promise.all([
    startSlapd({ baseDn: BASE, ldif: LDIF, schemas: [join(process.cwd(), 'test', 'fixtures', 'zimbra-min.schema')] }),
    startHttpSmsSink({ esms: ESMS }),
  ]);
  dataDir = mkdtempSync(join(tmpdir(), 'helpdesk-zimbra-'));
  const secrets = new MemorySecretStore();
  const settings: Settings = {
    version: 1,
    locale: 'vi',
    mode: 'directory',
    directory: {
      ...directoryDefaults('zimbra'),
      url: slapd.url,
      baseDn: BASE,
      serviceBindDn: slapd.serviceDn,
      roleGroups: { operator: [OPERATORS], supervisor: [SUPERVISORS], auditor: [] },
    },
    sms: { provider: 'esms', url: sms.esmsUrl, brandname: 'MAIL', smsType: '2', timeoutMs: 3000 },
  };
  runtime = await createRuntime({ dataDir, resourcesDir: join(process.cwd(), 'resources'), secrets, version: 'test' });
  expect((await runtime.api.settings.save({ settings, servicePassword: slapd.servicePassword, smsSecret: JSON.stringify(ESMS) })).ok).toBe(true);
  expect((await runtime.api.session.signIn({ username: 'operator1', password: 'Op@2026pass' })).ok).toBe(true);
});

afterAll(async () => {
  await runtime?.close();
  await Promise.all([slapd?.stop(), sms?.close()]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('Zimbra dialect', () => {
  it('shows lockout as locked and locked as administratively disabled, with the recovery address', async () => {
    const r = await runtime.api.directory.search({ query: 'nguyen thi lan' });
    expect(r.ok && r.value.items[0]).toMatchObject({
      username: 'lan.nt',
      state: { locked: true, disabled: false, failedLogins: 2 },
      backupEmail: { status: 'present', masked: 'la***@gmail.com' },
    });
    const h = await runtime.api.directory.search({ query: 'hung.tv', kind: 'username' });
    expect(h.ok && h.value.items[0]!.state).toMatchObject({ locked: false, disabled: true });
  });

  it('unlock sets active and clears the lockout timestamps; a reset in the same verified case sets must-change', async () => {
    const caseId = await verifiedCase('lan.nt');
    expect(await runtime.api.actions.unlock({ caseId })).toMatchObject({ ok: true, value: { outcome: 'done', account: { state: { locked: false } } } });
    const c = new Client({ url: slapd.url, timeout: 5000 });
    await c.bind(slapd.rootDn, slapd.rootPassword);
    const e = (await c.search(`uid=lan.nt,ou=people,${BASE}`, { scope: 'base', attributes: ['zimbraAccountStatus', 'zimbraPasswordLockoutLockedTime', 'zimbraPasswordLockoutFailureTime'] })).searchEntries[0]!;
    await c.unbind();
    expect(e.zimbraAccountStatus).toBe('active');
    expect(e.zimbraPasswordLockoutLockedTime).toEqual([]);
    expect(e.zimbraPasswordLockoutFailureTime).toEqual([]);
    const reset = await runtime.api.actions.resetPassword({ caseId });
    expect(reset).toMatchObject({ ok: true, value: { outcome: 'done', delivery: { status: 'sent', destination: '09*****11' }, account: { state: { mustChangePassword: true } } } });
    const temp = /la (\S+) \./u.exec((sms.requests.at(-1)!.body as { Content: string }).Content)![1]!;
    const user = new Client({ url: slapd.url, timeout: 5000 });
    await user.bind(`uid=lan.nt,ou=people,${BASE}`, temp);
    await user.unbind();
  });

  it('reset and unlock in one step (supervisor): lockout → active, timestamps cleared, must change, the temporary password binds', async () => {
    await signInAs('supervisor1', 'Sup@2026pass');
    const caseId = await verifiedCase('mai.pt');
    const r = await runtime.api.actions.resetAndUnlock({ caseId });
    expect(r).toMatchObject({ ok: true, value: { action: 'reset-unlock', outcome: 'done', account: { state: { locked: false, mustChangePassword: true } } } });
    const e = await rootRead('mai.pt', ['zimbraAccountStatus', 'zimbraPasswordLockoutLockedTime', 'zimbraPasswordLockoutFailureTime', 'zimbraPasswordMustChange']);
    expect(e).toMatchObject({ zimbraAccountStatus: 'active', zimbraPasswordLockoutLockedTime: [], zimbraPasswordLockoutFailureTime: [], zimbraPasswordMustChange: 'TRUE' });
    const temp = /la (\S+) \./u.exec((sms.requests.at(-1)!.body as { Content: string }).Content)![1]!;
    const user = new Client({ url: slapd.url, timeout: 5000 });
    await user.bind(`uid=mai.pt,ou=people,${BASE}`, temp);
    await user.unbind();
    await signInAs('operator1', 'Op@2026pass');
  });

  it('an administrative lock is not lifted by the helpdesk — only by a supervisor, and only when the directory profile allows it', async () => {
    const caseId = await verifiedCase('hung.tv');
    expect(await runtime.api.actions.unlock({ caseId })).toEqual({ ok: false, error: { code: 'ACTION_NOT_PERMITTED', reason: 'administrative_lock' } });
    // Only a supervisor changes settings; a settings change ends the session and every open case.
    expect(await runtime.api.settings.get({})).toEqual({ ok: false, error: { code: 'ROLE_NOT_ALLOWED' } });
    await signInAs('supervisor1', 'Sup@2026pass');
    const view = await runtime.api.settings.get({});
    const s = view.ok ? view.value.settings : null;
    expect((await runtime.api.settings.save({ settings: { ...s!, directory: { ...s!.directory!, allowAdministrativeUnlock: true } } })).ok).toBe(true);
    expect(await runtime.api.actions.unlock({ caseId })).toEqual({ ok: false, error: { code: 'NOT_SIGNED_IN' } });
    // Allowed now, but an operator still cannot lift it (codes are 5 minutes apart per account: other accounts).
    await signInAs('operator1', 'Op@2026pass');
    expect(await runtime.api.actions.unlock({ caseId })).toEqual({ ok: false, error: { code: 'CASE_CLOSED' } });
    const byOperator = await verifiedCase('khoa.lv');
    expect(await runtime.api.actions.unlock({ caseId: byOperator })).toEqual({ ok: false, error: { code: 'ACTION_NOT_PERMITTED', reason: 'administrative_lock' } });
    expect((await rootRead('khoa.lv', ['zimbraAccountStatus'])).zimbraAccountStatus).toBe('locked');
    await signInAs('supervisor1', 'Sup@2026pass');
    const bySupervisor = await verifiedCase('vy.nt');
    expect(await runtime.api.actions.unlock({ caseId: bySupervisor })).toMatchObject({ ok: true, value: { outcome: 'done', account: { state: { disabled: false } } } });
    expect((await rootRead('vy.nt', ['zimbraAccountStatus'])).zimbraAccountStatus).toBe('active');
  });


  it("an operator's plain reset of a locked (administrative) account is refused: status and password stay", async () => {
    await signInAs('operator1', 'Op@2026pass');
    const caseId = await verifiedCase('tuan.lm');
    const before = await rootRead('tuan.lm', ['zimbraAccountStatus', 'userPassword', 'zimbraPasswordMustChange']);
    expect(await runtime.api.actions.resetPassword({ caseId })).toEqual({ ok: false, error: { code: 'ACTION_NOT_PERMITTED', reason: 'administrative_lock' } });
    expect(await rootRead('tuan.lm', ['zimbraAccountStatus', 'userPassword', 'zimbraPasswordMustChange'])).toEqual(before);
  });

  it('a plain reset does not end a Zimbra lockout: the result shows the account still locked, no lockout ended', async () => {
    const caseId = await verifiedCase('binh.ht');
    const r = await runtime.api.actions.resetPassword({ caseId });
    expect(r).toMatchObject({ ok: true, value: { action: 'reset', outcome: 'done', account: { state: { locked: true, mustChangePassword: true } } } });
    expect(r.ok && r.value.lockoutEnded).toBeUndefined();
    expect((await rootRead('binh.ht', ['zimbraAccountStatus'])).zimbraAccountStatus).toBe('lockout');
  });
});
