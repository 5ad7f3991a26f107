import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Attribute, Change, Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LdapDirectory } from '../../src-main/adapters/ldap/ldap-directory';
import { MemorySecretStore } from '../../src-main/adapters/secrets/keytar-secret-store';
import { createRuntime, type Runtime } from '../../src-main/app/runtime';
import { directoryDefaults, type Settings } from '../../src-main/common/settings';
import { HelpdeskError } from '../../src-main/domain/errors';
import { generateDirectoryLdif, TRAINING_OPERATOR_PASSWORD } from '../../scripts/training-data';
import { type HttpSmsSink, startHttpSmsSink } from '../helpers/sms-sinks';
import { type SlapdHandle, startSlapd, trainingProfile } from '../helpers/slapd';

// Unlock and reset through the contract against a real slapd with ppolicy; codes and temporary
// passwords read from a real HTTP SMS gateway sink.
const BASE = 'dc=daotao,dc=gov,dc=vn';
const ESMS = { apiKey: 'k-1234567890', secretKey: 's-1234567890' };
const OLD = 'Cu@MatKhau2025';
let slapd: SlapdHandle;
let sms: HttpSmsSink;
let runtime: Runtime;
let dataDir: string;
let root: Client;

const LDIF = generateDirectoryLdif({ baseDn: BASE, count: 20 });
/** Each sample user's DN, whatever their unit. */
const DNS = new Map([...LDIF.matchAll(/^dn: (uid=([^,]+),[^\n]+)$/gmu)].map((m) => [m[2]!, m[1]!]));
const dnOf = (uid: string) => DNS.get(uid) ?? `uid=${uid},ou=stttt,ou=people,${BASE}`;
const CHAULT = `uid=chault,ou=bhxh,ou=people,${BASE}`;

async function bindAs(dn: string, password: string): Promise<string> {
  const c = new Client({ url: slapd.url, timeout: 5000, connectTimeout: 2000 });
  try {
    await c.bind(dn, password);
    return 'ok';
  } catch (e) {
    return (e as Error).constructor.name;
  } finally {
    await c.unbind().catch(() => undefined);
  }
}

async function setPassword(dn: string, password: string) {
  await root.modify(dn, [new Change({ operation: 'replace', modification: new Attribute({ type: 'userPassword', values: [password] }) })]);
}

async function readOp(dn: string, attrs: string[]) {
  return (await root.search(dn, { scope: 'base', attributes: attrs })).searchEntries[0]!;
}

/** Opens a case on the account, sends the code by SMS, reads it from the gateway sink, verifies. */
async function verifiedCase(uid: string): Promise<string> {
  const found = await runtime.api.directory.search({ query: uid, kind: 'username' });
  if (!found.ok) throw new Error(found.error.code);
  const opened = await runtime.api.cases.open({ accountId: found.value.items[0]!.id, reason: `Phiếu ${uid}` });
  if (!opened.ok) throw new Error(opened.error.code);
  const sent = await runtime.api.cases.sendCode({ caseId: opened.value.id, channel: 'sms' });
  if (!sent.ok) throw new Error(sent.error.code);
  const text = (sms.requests.at(-1)!.body as { Content: string }).Content;
  const v = await runtime.api.cases.verifyCode({ caseId: opened.value.id, code: /\b(\d{6})\b/u.exec(text)![1]! });
  expect(v.ok && v.value.verified).toBe(true);
  return opened.value.id;
}

/** The protocol operation tag of the first LDAPMessage in a chunk (SEQUENCE, length, INTEGER id, op). */
function protocolOp(chunk: Buffer): number | null {
  if (chunk[0] !== 0x30 || chunk.length < 2) return null;
  let i = 1;
  const len = chunk[i]!;
  i += len & 0x80 ? 1 + (len & 0x7f) : 1;
  if (chunk[i] !== 0x02) return null;
  return chunk[i + 2 + chunk[i + 1]!] ?? null;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)) : [join(dir, n)]));
}

beforeAll(async () => {
  [slapd, sms] = await Promise.all([startSlapd({ baseDn: BASE, ldif: LDIF }), startHttpSmsSink({ esms: ESMS })]);
  root = new Client({ url: slapd.url, timeout: 5000 });
  await root.bind(slapd.rootDn, slapd.rootPassword);
  dataDir = mkdtempSync(join(tmpdir(), 'helpdesk-actions-'));
  const secrets = new MemorySecretStore();
  const settings: Settings = {
    version: 1,
    locale: 'vi',
    mode: 'directory',
    directory: trainingProfile(slapd, BASE),
    sms: { provider: 'esms', url: sms.esmsUrl, brandname: 'STTTT', smsType: '2', timeoutMs: 3000 },
  };
  runtime = await createRuntime({ dataDir, resourcesDir: join(process.cwd(), 'resources'), secrets, version: 'test' });
  expect((await runtime.api.settings.save({ settings, servicePassword: slapd.servicePassword, smsSecret: JSON.stringify(ESMS) })).ok).toBe(true);
  expect((await runtime.api.session.signIn({ username: 'tongdai01', password: TRAINING_OPERATOR_PASSWORD })).ok).toBe(true);
});

afterAll(async () => {
  await runtime?.close();
  await root?.unbind().catch(() => undefined);
  await Promise.all([slapd?.stop(), sms?.close()]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('account actions on OpenLDAP (ppolicy)', () => {
  it('unlock: an account locked by real failed binds is unlocked and the old password works again', async () => {
    await setPassword(dnOf('annv2'), OLD);
    for (let i = 0; i < 3; i++) expect(await bindAs(dnOf('annv2'), 'wrong')).toBe('InvalidCredentialsError');
    expect(await bindAs(dnOf('annv2'), OLD)).toBe('InvalidCredentialsError'); // locked
    const caseId = await verifiedCase('annv2');
    const r = await runtime.api.actions.unlock({ caseId });
    expect(r).toMatchObject({ ok: true, value: { outcome: 'done', account: { state: { locked: false } } } });
    expect(await bindAs(dnOf('annv2'), OLD)).toBe('ok');
  });

  it('reset: the old password fails, the temporary one (from the SMS gateway) binds and must be changed', async () => {
    await setPassword(dnOf('binhtt'), OLD);
    await root.modify(dnOf('binhtt'), [new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdReset', values: [] }) })]);
    const caseId = await verifiedCase('binhtt');
    const r = await runtime.api.actions.resetPassword({ caseId });
    expect(r).toMatchObject({ ok: true, value: { outcome: 'done', delivery: { status: 'sent', channel: 'sms', destination: '09*****21' } } });
    const body = sms.requests.at(-1)!.body as { Phone: string; Content: string };
    expect(body.Phone).toBe('84987654321');
    const temp = /la (\S+) \./u.exec(body.Content)![1]!;
    expect(await bindAs(dnOf('binhtt'), OLD)).toBe('InvalidCredentialsError');
    expect(await bindAs(dnOf('binhtt'), temp)).toBe('ok');
    const entry = await readOp(dnOf('binhtt'), ['pwdReset', 'userPassword']);
    expect(entry.pwdReset).toBe('TRUE');
    expect(String(entry.userPassword)).toMatch(/^\{SSHA\}/u); // stored hashed, never in clear
    expect(r.ok && r.value.account?.state.mustChangePassword).toBe(true);
    // The temporary password is nowhere in the app's data folder.
    for (const f of filesUnder(dataDir)) expect([f, readFileSync(f).includes(Buffer.from(temp))]).toEqual([f, false]);
  });

  it('contact change: the new mobile gets its own code, is stored normalised, and the old number gets a notice', async () => {
    const caseId = await verifiedCase('annv');
    expect(await runtime.api.actions.updateContact({ caseId, code: '123456' })).toEqual({ ok: false, error: { code: 'OTP_NOT_SENT' } });
    const sent = await runtime.api.actions.sendContactCode({ caseId, kind: 'mobile', value: '+84 988 777 666' });
    expect(sent).toMatchObject({ ok: true, value: { pendingContact: { kind: 'mobile', destination: '09*****66' } } });
    const toNew = sms.requests.at(-1)!.body as { Phone: string; Content: string };
    expect(toNew.Phone).toBe('84988777666');
    expect((await readOp(dnOf('annv'), ['mobile'])).mobile).toBe('0912345698'); // nothing saved yet
    const r = await runtime.api.actions.updateContact({ caseId, code: /\b(\d{6})\b/u.exec(toNew.Content)![1]! });
    expect(r).toMatchObject({ ok: true, value: { action: 'contact', outcome: 'done', notice: { status: 'sent', destination: '09*****98' }, account: { mobile: { masked: '09*****66' } } } });
    expect((await readOp(dnOf('annv'), ['mobile'])).mobile).toBe('0988777666');
    const notice = sms.requests.at(-1)!.body as { Phone: string; Content: string };
    expect(notice.Phone).toBe('84912345698');
    expect(notice.Content).toMatch(/vua duoc cap nhat/u);
  });

  it('unlock deletes exactly the lock value it read: a lock set meanwhile is not lifted', async () => {
    const { openLdapDialect } = await import('../../src-main/adapters/ldap/dialects/openldap');
    const { EntryView } = await import('../../src-main/adapters/ldap/entry');
    // Seen a moment ago: locked at 01:00. Since then an administrator set a permanent lock.
    const stale = new EntryView({ dn: dnOf('cuonglh'), pwdAccountLockedTime: '20261123010000Z' });
    await root.modify(dnOf('cuonglh'), [new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdAccountLockedTime', values: ['000001010000Z'] }) })]);
    const c = new Client({ url: slapd.url, timeout: 5000 });
    await c.bind(slapd.serviceDn, slapd.servicePassword);
    await expect(c.modify(dnOf('cuonglh'), openLdapDialect.unlockChanges(stale))).rejects.toThrow(/No such attribute|0x10/u);
    await c.unbind();
    expect((await readOp(dnOf('cuonglh'), ['pwdAccountLockedTime'])).pwdAccountLockedTime).toBe('000001010000Z');
    await root.modify(dnOf('cuonglh'), [new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdAccountLockedTime', values: [] }) })]);
  });

  it('a password the policy refuses (history) is named and changes nothing', async () => {
    await setPassword(dnOf('cuonglh'), OLD);
    const dir = new LdapDirectory(
      { ...directoryDefaults('openldap'), url: slapd.url, baseDn: BASE, serviceBindDn: slapd.serviceDn, passwordPolicyDn: slapd.policyDn },
      slapd.servicePassword,
    );
    try {
      const before = await readOp(dnOf('cuonglh'), ['userPassword', 'pwdChangedTime']);
      const err = await dir.resetPassword(dnOf('cuonglh'), OLD).catch((e: HelpdeskError) => e);
      expect(err).toBeInstanceOf(HelpdeskError);
      expect((err as HelpdeskError).toApiError()).toMatchObject({ code: 'PASSWORD_REJECTED', reason: 'history' });
      expect(await readOp(dnOf('cuonglh'), ['userPassword', 'pwdChangedTime'])).toEqual(before);
      expect(await bindAs(dnOf('cuonglh'), OLD)).toBe('ok');
    } finally {
      await dir.close();
    }
  });

  it('a connection cut after the modify was sent is reported as unknown, with the re-read state', async () => {
    // A relay that forwards the modify to slapd, then cuts the client side before the answer arrives.
    const live: Socket[] = [];
    let cutOnModify = false;
    const relay: Server = createServer((client) => {
      const upstream = connect(Number(new URL(slapd.url).port), '127.0.0.1');
      client.on('data', (chunk: Buffer) => {
        upstream.write(chunk);
        // Cut once, right after forwarding a ModifyRequest ([APPLICATION 6], tag 0x66, after the message id).
        if (cutOnModify && protocolOp(chunk) === 0x66) {
          cutOnModify = false;
          setImmediate(() => client.destroy());
        }
      });
      upstream.on('data', (chunk: Buffer) => client.writable && client.write(chunk));
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      // Half-close, not destroy: what was forwarded (the modify) still reaches slapd, however slow the connect.
      client.on('close', () => upstream.end());
      live.push(client, upstream);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const dir = new LdapDirectory(
      { ...directoryDefaults('openldap'), url: `ldap://127.0.0.1:${(relay.address() as { port: number }).port}`, baseDn: BASE, serviceBindDn: slapd.serviceDn, passwordPolicyDn: slapd.policyDn },
      slapd.servicePassword,
    );
    try {
      await setPassword(dnOf('phongnd'), OLD);
      await dir.getAccount(dnOf('phongnd'));
      cutOnModify = true;
      const r = await dir.resetPassword(dnOf('phongnd'), 'Tam@Thoi2026xyz');
      expect(r.outcome).toBe('unknown');
      expect(r.account?.username).toBe('phongnd');
      // The write did reach the server: the honest answer was "unknown", not "failed".
      expect(await bindAs(dnOf('phongnd'), 'Tam@Thoi2026xyz')).toBe('ok');
    } finally {
      await dir.close();
      for (const s of live) s.destroy();
      await new Promise((r) => relay.close(r));
    }
  });
});

/** Signs the desk in as another user for the rest of a test; the suite's operator comes back afterwards. */
async function as<T>(username: string, fn: () => Promise<T>): Promise<T> {
  await runtime.api.session.signOut({});
  const r = await runtime.api.session.signIn({ username, password: TRAINING_OPERATOR_PASSWORD });
  expect(r.ok).toBe(true);
  try {
    return await fn();
  } finally {
    await runtime.api.session.signOut({});
    expect((await runtime.api.session.signIn({ username: 'tongdai01', password: TRAINING_OPERATOR_PASSWORD })).ok).toBe(true);
  }
}

describe('roles from directory groups (slapd)', () => {
  it('reads each sample user\'s role from the groupOfNames the profile names; an account in no group gets NO_ROLE', async () => {
    await runtime.api.session.signOut({});
    try {
      for (const [user, roles] of [['tongdai01', ['operator']], ['giamsat01', ['supervisor']], ['kiemtra01', ['auditor']]] as const) {
        const r = await runtime.api.session.signIn({ username: user, password: TRAINING_OPERATOR_PASSWORD });
        expect([user, r.ok && r.value.operator?.roles]).toEqual([user, roles]);
        await runtime.api.session.signOut({});
      }
      await setPassword(CHAULT, OLD);
      expect(await runtime.api.session.signIn({ username: 'chault', password: OLD })).toEqual({ ok: false, error: { code: 'NO_ROLE' } });
      expect(await runtime.api.session.current({})).toMatchObject({ ok: true, value: { operator: null } });
    } finally {
      expect((await runtime.api.session.signIn({ username: 'tongdai01', password: TRAINING_OPERATOR_PASSWORD })).ok).toBe(true);
    }
  });

  it('groupOfUniqueNames and posixGroup (memberUid) count too; a missing group DN gives nothing', async () => {
    const uniq = `cn=uniq-supervisors,ou=groups,${BASE}`;
    const posix = `cn=posix-auditors,ou=groups,${BASE}`;
    await root.add(uniq, { objectClass: ['top', 'groupOfUniqueNames'], cn: 'uniq-supervisors', uniqueMember: [CHAULT] });
    await root.add(posix, { objectClass: ['top', 'posixGroup'], cn: 'posix-auditors', gidNumber: '5001', memberUid: ['chault'] });
    const dir = new LdapDirectory(
      {
        ...directoryDefaults('openldap'),
        url: slapd.url,
        baseDn: BASE,
        serviceBindDn: slapd.serviceDn,
        roleGroups: { operator: [`cn=does-not-exist,ou=groups,${BASE}`], supervisor: [uniq], auditor: [posix] },
      },
      slapd.servicePassword,
    );
    try {
      await setPassword(CHAULT, OLD);
      expect((await dir.authenticate('chault', OLD)).roles).toEqual(['supervisor', 'auditor']);
      // A role group's filter value travels BER-encoded: a username made of filter syntax matches nothing.
      await expect(dir.authenticate('*)(memberUid=*', OLD)).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    } finally {
      await dir.close();
      await root.del(uniq);
      await root.del(posix);
    }
  });

  it('an operator cannot reset-and-unlock or override; the refusal writes nothing', async () => {
    const caseId = await verifiedCase('nhunglt');
    const before = await readOp(dnOf('nhunglt'), ['userPassword', 'pwdChangedTime']);
    expect(await runtime.api.actions.resetAndUnlock({ caseId })).toEqual({ ok: false, error: { code: 'ROLE_NOT_ALLOWED' } });
    expect(await runtime.api.cases.override({ caseId, check: 'agency-letter', note: 'Công văn 1/VP' })).toEqual({ ok: false, error: { code: 'ROLE_NOT_ALLOWED' } });
    expect(await readOp(dnOf('nhunglt'), ['userPassword', 'pwdChangedTime'])).toEqual(before);
    await runtime.api.cases.close({ caseId, outcome: 'abandoned' });
  });
});

describe('supervisor actions on OpenLDAP (ppolicy)', () => {
  it('reset and unlock in one step: a locked account gets a temporary password it can bind with, must change, lock gone', async () => {
    const uid = 'tamnn';
    await setPassword(dnOf(uid), OLD);
    for (let i = 0; i < 3; i++) expect(await bindAs(dnOf(uid), 'wrong')).toBe('InvalidCredentialsError');
    expect((await readOp(dnOf(uid), ['pwdAccountLockedTime'])).pwdAccountLockedTime).toBeTruthy();
    await as('giamsat01', async () => {
      const caseId = await verifiedCase(uid);
      const r = await runtime.api.actions.resetAndUnlock({ caseId });
      expect(r).toMatchObject({ ok: true, value: { action: 'reset-unlock', outcome: 'done', delivery: { status: 'sent' }, account: { state: { locked: false, mustChangePassword: true } } } });
    });
    const temp = /la (\S+) \./u.exec((sms.requests.at(-1)!.body as { Content: string }).Content)![1]!;
    const entry = await readOp(dnOf(uid), ['pwdAccountLockedTime', 'pwdReset']);
    expect([entry.pwdAccountLockedTime ?? []].flat()).toEqual([]);
    expect(entry.pwdReset).toBe('TRUE');
    expect(await bindAs(dnOf(uid), OLD)).toBe('InvalidCredentialsError');
    expect(await bindAs(dnOf(uid), temp)).toBe('ok');
  });

  it("an operator's account (a member of the operators' group on slapd) cannot be verified by a supervisor's override", async () => {
    await as('giamsat01', async () => {
      const found = await runtime.api.directory.search({ query: 'tongdai02', kind: 'username' });
      const opened = await runtime.api.cases.open({ accountId: found.ok ? found.value.items[0]!.id : '', reason: 'Quên mật khẩu' });
      if (!opened.ok) throw new Error(opened.error.code);
      const r = await runtime.api.cases.override({ caseId: opened.value.id, check: 'agency-letter', note: 'Công văn 9/VP', contactsUnreachable: true });
      expect(r).toEqual({ ok: false, error: { code: 'ACTION_NOT_PERMITTED', reason: 'staff_account' } });
      await runtime.api.cases.close({ caseId: opened.value.id, outcome: 'abandoned' });
    });
  });

  it('override for a caller with no contact: CMND checked against slapd, new mobile proven, temporary password sent there', async () => {
    // cuonglh has no mobile and no backup e-mail; his CMND on record is 024681357.
    await root.modify(dnOf('cuonglh'), [new Change({ operation: 'replace', modification: new Attribute({ type: 'mobile', values: [] }) })]);
    await setPassword(dnOf('cuonglh'), 'Cu@KhacHan2024');
    await as('giamsat01', async () => {
      const found = await runtime.api.directory.search({ query: 'cuonglh', kind: 'username' });
      const opened = await runtime.api.cases.open({ accountId: found.ok ? found.value.items[0]!.id : '', reason: 'Mất SIM, không có thư dự phòng' });
      if (!opened.ok) throw new Error(opened.error.code);
      const caseId = opened.value.id;
      expect(opened.value.channels).toMatchObject({ sms: { status: 'missing' }, email: { status: 'missing' } });
      expect(await runtime.api.cases.override({ caseId, check: 'citizen-id', citizenId: '024681350', note: 'Đối chiếu CMND' })).toEqual({
        ok: false,
        error: { code: 'IDENTITY_MISMATCH', attemptsLeft: 2 },
      });
      const o = await runtime.api.cases.override({ caseId, check: 'citizen-id', citizenId: '024 681 357', note: 'Đối chiếu CMND qua video, khớp' });
      expect(o).toMatchObject({ ok: true, value: { status: 'verified', verifiedBy: 'override', deliveryContact: null } });
      expect(await runtime.api.actions.resetPassword({ caseId })).toEqual({ ok: false, error: { code: 'ACTION_NOT_PERMITTED', reason: 'no_delivery_contact' } });
      // Four eyes: the new mobile waits for a second supervisor (here, another session on this workstation).
      expect(await runtime.api.actions.sendContactCode({ caseId, kind: 'mobile', value: '0934 567 890' })).toEqual({ ok: false, error: { code: 'APPROVAL_REQUIRED' } });
      expect((await runtime.api.session.signIn({ username: 'giamsat02', password: TRAINING_OPERATOR_PASSWORD })).ok).toBe(true);
      expect(await runtime.api.cases.approve({ caseId })).toMatchObject({ ok: true, value: { waiting: null } });
      expect((await runtime.api.session.signIn({ username: 'giamsat01', password: TRAINING_OPERATOR_PASSWORD })).ok).toBe(true);
      expect((await runtime.api.actions.sendContactCode({ caseId, kind: 'mobile', value: '0934 567 890' })).ok).toBe(true);
      const toNew = sms.requests.at(-1)!.body as { Phone: string; Content: string };
      expect(toNew.Phone).toBe('84934567890');
      expect((await runtime.api.actions.updateContact({ caseId, code: /\b(\d{6})\b/u.exec(toNew.Content)![1]! })).ok).toBe(true);
      expect((await readOp(dnOf('cuonglh'), ['mobile'])).mobile).toBe('0934567890');
      const r = await runtime.api.actions.resetPassword({ caseId });
      expect(r).toMatchObject({ ok: true, value: { delivery: { status: 'sent', channel: 'sms', destination: '09*****90' } } });
    });
    const last = sms.requests.at(-1)!.body as { Phone: string; Content: string };
    expect(last.Phone).toBe('84934567890');
    expect(await bindAs(dnOf('cuonglh'), /la (\S+) \./u.exec(last.Content)![1]!)).toBe('ok');
    // The audit has the override with its check and note, and never the CMND (read as a supervisor).
    const recent = await as('giamsat01', () => runtime.api.audit.recent({ limit: 50 }));
    expect(recent.ok).toBe(true);
    const rows = JSON.stringify(recent);
    expect(rows).toContain('case.override');
    expect(rows).toContain('Đối chiếu CMND qua video, khớp');
    expect(rows).not.toContain('024681357');
    expect(rows).not.toContain('024 681 357');
  });
});

describe('what a reset may end, and on which entry (ppolicy)', () => {
  const ADMIN_LOCK = '000001010000Z';
  const lockOf = async (uid: string) => [(await readOp(dnOf(uid), ['pwdAccountLockedTime'])).pwdAccountLockedTime ?? []].flat();
  const profile = () => ({ ...directoryDefaults('openldap'), url: slapd.url, baseDn: BASE, serviceBindDn: slapd.serviceDn, passwordPolicyDn: slapd.policyDn });

  it('the danger is real: on slapd, replacing the password deletes even the permanent administrative lock', async () => {
    // chaunt is locked by an administrator; the service account replaces the password as a plain reset would.
    expect(await lockOf('chaunt')).toEqual([ADMIN_LOCK]);
    const c = new Client({ url: slapd.url, timeout: 5000 });
    await c.bind(slapd.serviceDn, slapd.servicePassword);
    await c.modify(dnOf('chaunt'), [new Change({ operation: 'replace', modification: new Attribute({ type: 'userPassword', values: ['Tam@Thoi2026xyz'] }) })]);
    await c.unbind();
    expect(await lockOf('chaunt')).toEqual([]);
    expect(await bindAs(dnOf('chaunt'), 'Tam@Thoi2026xyz')).toBe('ok'); // a departed employee back in
  });

  it("an operator's plain reset of an administratively locked account is refused; the lock and the password stay", async () => {
    expect(await lockOf('dungpq')).toEqual([ADMIN_LOCK]);
    const caseId = await verifiedCase('dungpq');
    const before = await readOp(dnOf('dungpq'), ['userPassword', 'pwdChangedTime']);
    expect(await runtime.api.actions.resetPassword({ caseId })).toEqual({ ok: false, error: { code: 'ACTION_NOT_PERMITTED', reason: 'administrative_lock' } });
    expect(await lockOf('dungpq')).toEqual([ADMIN_LOCK]);
    expect(await readOp(dnOf('dungpq'), ['userPassword', 'pwdChangedTime'])).toEqual(before);
    await runtime.api.cases.close({ caseId, outcome: 'abandoned' });
  });

  it('the adapter checks again just before writing: an administrative lock set after the decision stops the reset', async () => {
    const dir = new LdapDirectory(profile(), slapd.servicePassword);
    try {
      await setPassword(dnOf('minhnt'), OLD);
      await root.modify(dnOf('minhnt'), [new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdAccountLockedTime', values: [ADMIN_LOCK] }) })]);
      await expect(dir.resetPassword(dnOf('minhnt'), 'Tam@Thoi2026xyz')).rejects.toMatchObject({ code: 'ACTION_NOT_PERMITTED', reason: 'state_changed' });
      expect(await lockOf('minhnt')).toEqual([ADMIN_LOCK]);
    } finally {
      await dir.close();
    }
  });

  it('a reset of an account locked after failed logins ends the lockout: reported, audited, judged from the re-read entry', async () => {
    await setPassword(dnOf('khoanv'), OLD);
    for (let i = 0; i < 3; i++) expect(await bindAs(dnOf('khoanv'), 'wrong')).toBe('InvalidCredentialsError');
    expect(await lockOf('khoanv')).toHaveLength(1);
    expect(await lockOf('khoanv')).not.toEqual([ADMIN_LOCK]);
    const caseId = await verifiedCase('khoanv');
    const r = await runtime.api.actions.resetPassword({ caseId });
    expect(r).toMatchObject({ ok: true, value: { action: 'reset', outcome: 'done', lockoutEnded: true, account: { state: { locked: false, mustChangePassword: true } } } });
    expect(await lockOf('khoanv')).toEqual([]);
    const temp = /la (\S+) \./u.exec((sms.requests.at(-1)!.body as { Content: string }).Content)![1]!;
    expect(await bindAs(dnOf('khoanv'), temp)).toBe('ok');
    const audit = await as('giamsat01', () => runtime.api.audit.query({ filter: { caseId } }));
    expect(audit.ok && audit.value.rows.find((row) => row.action === 'account.reset')?.detail).toMatchObject({ lockoutEnded: true, outcome: 'done' });
  });

  it('an entry deleted and added again at the same DN is another account: the verified case may not write to it', async () => {
    const dn = dnOf('thuynn');
    const caseId = await verifiedCase('thuynn');
    const old = await root.search(dn, { scope: 'base', attributes: ['*'] });
    const attrs: Record<string, string[] | Buffer[]> = {};
    for (const [k, v] of Object.entries(old.searchEntries[0]!)) {
      const values = [v].flat() as string[];
      if (k !== 'dn' && values.length > 0) attrs[k] = values;
    }
    const uuidBefore = (await readOp(dn, ['entryUUID'])).entryUUID;
    await root.del(dn);
    await root.add(dn, { ...attrs, userPassword: [OLD] });
    expect((await readOp(dn, ['entryUUID'])).entryUUID).not.toBe(uuidBefore);
    expect(await runtime.api.actions.resetPassword({ caseId })).toEqual({ ok: false, error: { code: 'CASE_ACCOUNT_MISMATCH' } });
    expect(await runtime.api.actions.unlock({ caseId })).toEqual({ ok: false, error: { code: 'CASE_ACCOUNT_MISMATCH' } });
    expect(await bindAs(dn, OLD)).toBe('ok'); // the new entry's password untouched
  });

  it('a policy without pwdMustChange: the connection test warns, the account says so, a reset does not claim "must change"', async () => {
    const lax = `cn=khong-bat-doi,ou=policies,${BASE}`;
    await root.add(lax, { objectClass: ['top', 'device', 'pwdPolicy'], cn: 'khong-bat-doi', pwdAttribute: 'userPassword', pwdMustChange: 'FALSE' });
    await root.modify(dnOf('ngoclt'), [new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdPolicySubentry', values: [lax] }) })]);
    const { testDirectoryConnection } = await import('../../src-main/adapters/ldap/connection-test');
    expect(await testDirectoryConnection({ ...profile(), passwordPolicyDn: lax }, slapd.servicePassword)).toMatchObject({ ok: true, warnings: ['must_change_not_enforced'] });
    expect(await testDirectoryConnection(profile(), slapd.servicePassword)).not.toHaveProperty('warnings');
    const found = await runtime.api.directory.search({ query: 'ngoclt', kind: 'username' });
    expect(await runtime.api.directory.getAccount({ id: found.ok ? found.value.items[0]!.id : '' })).toMatchObject({ ok: true, value: { mustChangeNotEnforced: true } });
    const caseId = await verifiedCase('ngoclt');
    const r = await runtime.api.actions.resetPassword({ caseId });
    expect(r).toMatchObject({ ok: true, value: { outcome: 'done', account: { mustChangeNotEnforced: true, state: { mustChangePassword: false } } } });
    // What the screen says is what slapd does: with this policy the temporary password works for everything…
    const temp = /la (\S+) \./u.exec((sms.requests.at(-1)!.body as { Content: string }).Content)![1]!;
    const asUser = new Client({ url: slapd.url, timeout: 5000 });
    await asUser.bind(dnOf('ngoclt'), temp);
    expect((await asUser.search(dnOf('ngoclt'), { scope: 'base', attributes: ['uid'] })).searchEntries).toHaveLength(1);
    await asUser.unbind();
    // …while under the default policy (pwdMustChange TRUE) it only lets the user change the password.
    const strict = new Client({ url: slapd.url, timeout: 5000 });
    const strictTemp = await (async () => {
      const id = await verifiedCase('landt');
      expect(await runtime.api.actions.resetPassword({ caseId: id })).toMatchObject({ ok: true, value: { account: { mustChangeNotEnforced: false, state: { mustChangePassword: true } } } });
      return /la (\S+) \./u.exec((sms.requests.at(-1)!.body as { Content: string }).Content)![1]!;
    })();
    await strict.bind(dnOf('landt'), strictTemp);
    await expect(strict.search(dnOf('landt'), { scope: 'base', attributes: ['uid'] })).rejects.toThrow(/restricted|Unwilling/iu);
    await strict.unbind();
  });
});
