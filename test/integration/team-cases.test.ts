import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySecretStore } from '../../src-main/adapters/secrets/keytar-secret-store';
import { migrateTeamStore } from '../../src-main/adapters/team/migrations';
import { poolConfig } from '../../src-main/adapters/team/pool';
import { createRuntime, type Runtime } from '../../src-main/app/runtime';
import type { AccountSummary } from '../../src-main/common/dto';
import type { Settings, TeamSettings } from '../../src-main/common/settings';
import { generateDirectoryLdif, TRAINING_OPERATOR_PASSWORD } from '../../scripts/training-data';
import { startPostgres, type PostgresHandle } from '../helpers/postgres';
import { sessionSettings } from '../helpers/session-settings';
import { type SlapdHandle, startSlapd } from '../helpers/slapd';
import { type HttpSmsSink, startHttpSmsSink } from '../helpers/sms-sinks';

// Issue #13, cases of a team: two workstations (runtimes with their own data folders) on one slapd, one
// SMS gateway and one PostgreSQL team store. A case opened on A is continued on B, handed to a
// supervisor who finishes it on B, taken over with a confirmation, and a risky reset waits for a second
// supervisor.
const BASE = 'dc=daotao,dc=gov,dc=vn';
const ESMS = { apiKey: 'k-cases-123456', secretKey: 's-cases-123456' };
let slapd: SlapdHandle;
let sms: HttpSmsSink;
let db: PostgresHandle;
let settings: Settings;
let team: (workstation: string) => TeamSettings;
const dirs: string[] = [];
let a: Runtime;
let b: Runtime;

async function workstation(): Promise<Runtime> {
  const dataDir = mkdtempSync(join(tmpdir(), 'helpdesk-team-cases-'));
  dirs.push(dataDir);
  const runtime = await createRuntime({ dataDir, resourcesDir: join(process.cwd(), 'resources'), secrets: new MemorySecretStore(), version: 'test' });
  expect((await runtime.api.settings.save({ settings, servicePassword: slapd.servicePassword, smsSecret: JSON.stringify(ESMS) })).ok).toBe(true);
  return runtime;
}

const signIn = async (w: Runtime, username: string) => expect((await w.api.session.signIn({ username, password: TRAINING_OPERATOR_PASSWORD })).ok).toBe(true);

async function accountId(w: Runtime, username: string): Promise<string> {
  const found = await w.api.directory.search({ query: username, kind: 'username' });
  if (!found.ok) throw new Error(found.error.code);
  return (found.value.items[0] as AccountSummary).id;
}

async function open(w: Runtime, username: string, reason: string, takeOver?: boolean) {
  const r = await w.api.cases.open({ accountId: await accountId(w, username), reason, ...(takeOver ? { takeOver } : {}) });
  if (!r.ok) throw new Error(r.error.code);
  return r.value;
}

/** The code in the last SMS the gateway took (and the number it went to). */
function lastSms(): { phone: string; code: string | null; text: string } {
  const body = sms.requests.at(-1)!.body as { Phone: string; Content: string };
  return { phone: body.Phone, code: /\b(\d{6})\b/u.exec(body.Content)?.[1] ?? null, text: body.Content };
}

const rowsOf = async (caseId: string) =>
  (await db.admin<{ action: string; outcome: string; operator: string; workstation: string }>('SELECT action, outcome, operator, workstation FROM audit WHERE case_id = $1 ORDER BY seq', [caseId])).rows.map(
    (r) => `${r.action} ${r.outcome} ${r.operator}@${r.workstation}`,
  );

beforeAll(async () => {
  [slapd, sms, db] = await Promise.all([
    startSlapd({ baseDn: BASE, ldif: generateDirectoryLdif({ baseDn: BASE, count: 10 }) }),
    startHttpSmsSink({ esms: ESMS }),
    startPostgres(),
  ]);
  const owner = new pg.Client(poolConfig({ url: db.url(db.owner).replace(/:[^:@]*@/u, '@'), caCertificate: db.caPem, workstation: 'admin' }, db.owner.password));
  await owner.connect();
  await migrateTeamStore(owner, db.app.user);
  await owner.end();
  settings = sessionSettings({ slapd, baseDn: BASE, sms, smsTimeoutMs: 3000 });
  team = (name) => ({ url: `postgres://${db.app.user}@127.0.0.1:${db.port}/${db.database}`, caCertificate: db.caPem, workstation: name });
  [a, b] = [await workstation(), await workstation()];
  await signIn(a, 'giamsat01');
  expect((await a.api.team.join({ team: team('Máy A'), password: db.app.password })).ok).toBe(true);
  await signIn(a, 'giamsat01');
  const secret = await a.api.team.createJoinSecret({});
  if (!secret.ok) throw new Error(secret.error.code);
  await signIn(b, 'giamsat01');
  expect((await b.api.team.join({ team: team('Máy B'), password: db.app.password, joinSecret: secret.value.secret })).ok).toBe(true);
}, 120_000);

afterAll(async () => {
  for (const w of [a, b]) await w?.close();
  await Promise.all([slapd?.stop(), sms?.close(), db?.stop()]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('cases of the team', () => {
  it('a code sent from A is verified after the hand-off, on B, by the supervisor who took the case; the reset goes to the contact proven on A', async () => {
    sms.reset();
    await signIn(a, 'tongdai01');
    const c = await open(a, 'annv', 'Phiếu HT-10: quên mật khẩu');
    expect((await a.api.cases.sendCode({ caseId: c.id, channel: 'sms' })).ok).toBe(true);
    const sent = lastSms();
    expect(await a.api.cases.handOff({ caseId: c.id, note: 'Người gọi đề nghị gặp giám sát viên' })).toMatchObject({ ok: true, value: { handOff: { by: 'tongdai01' } } });

    await signIn(b, 'giamsat01');
    expect(await b.api.cases.queue({})).toMatchObject({ ok: true, value: [{ id: c.id, waiting: 'supervisor', holder: 'tongdai01', handOff: { by: 'tongdai01', note: 'Người gọi đề nghị gặp giám sát viên' } }] });
    expect(await b.api.cases.take({ caseId: c.id })).toMatchObject({ ok: true, value: { holder: 'giamsat01', status: 'code-sent', destination: c.channels.sms.masked } });
    // The operator on A no longer holds it: their next step is refused, nothing happens.
    await signIn(a, 'tongdai01');
    expect(await a.api.cases.sendCode({ caseId: c.id, channel: 'sms' })).toEqual({ ok: false, error: { code: 'CASE_NOT_FOUND' } });
    expect(await b.api.cases.verifyCode({ caseId: c.id, code: sent.code! })).toMatchObject({ ok: true, value: { verified: true, case: { status: 'verified', holder: 'giamsat01' } } });
    const reset = await b.api.actions.resetPassword({ caseId: c.id });
    expect(reset).toMatchObject({ ok: true, value: { outcome: 'done', delivery: { status: 'sent', channel: 'sms' } } });
    expect(lastSms().phone).toBe(sent.phone);
    expect(sms.requests.length).toBe(2); // the code from A, the temporary password from B: nothing else
    expect(await b.api.cases.close({ caseId: c.id, outcome: 'done' })).toMatchObject({ ok: true, value: { status: 'closed' } });
    expect(await rowsOf(c.id)).toEqual([
      'case.open ok tongdai01@Máy A',
      'code.send ok tongdai01@Máy A',
      'case.handOff ok tongdai01@Máy A',
      'case.take ok giamsat01@Máy B',
      'code.verify ok giamsat01@Máy B',
      'account.write ok giamsat01@Máy B',
      'account.reset ok giamsat01@Máy B',
      'case.close ok giamsat01@Máy B',
    ]);
  }, 60_000);

  it('an operator continues their own case on another workstation', async () => {
    sms.reset();
    await signIn(a, 'tongdai02');
    const c = await open(a, 'dungpq', 'Phiếu HT-11');
    await signIn(b, 'tongdai02');
    expect(await b.api.cases.mine({})).toMatchObject({ ok: true, value: [{ id: c.id, holder: 'tongdai02', account: { username: 'dungpq' } }] });
    expect(await b.api.cases.sendCode({ caseId: c.id, channel: 'sms' })).toMatchObject({ ok: true, value: { status: 'code-sent' } });
    // Another operator sees nothing of it.
    await signIn(a, 'tongdai01');
    expect(await a.api.cases.get({ caseId: c.id })).toEqual({ ok: false, error: { code: 'CASE_NOT_FOUND' } });
    expect(await b.api.cases.verifyCode({ caseId: c.id, code: lastSms().code! })).toMatchObject({ ok: true, value: { verified: true } });
    await b.api.cases.close({ caseId: c.id, outcome: 'done' });
  }, 60_000);

  it('presence across workstations: B is told who handles the account on A and since when; taking over is confirmed and ends A\'s case', async () => {
    await signIn(a, 'tongdai01');
    const first = await open(a, 'binhtt', 'Phiếu HT-12');
    await signIn(b, 'tongdai02');
    const held = await b.api.cases.open({ accountId: await accountId(b, 'binhtt'), reason: 'Phiếu HT-13' });
    expect(held).toEqual({ ok: false, error: { code: 'CASE_HELD', heldBy: { holder: 'tongdai01', since: first.holderSince } } });
    const mine = await open(b, 'binhtt', 'Phiếu HT-13', true);
    expect(mine.holder).toBe('tongdai02');
    expect(await a.api.cases.sendCode({ caseId: first.id, channel: 'sms' })).toEqual({ ok: false, error: { code: 'CASE_CLOSED' } });
    expect(await rowsOf(first.id)).toEqual(['case.open ok tongdai01@Máy A', 'case.takeOver ok tongdai02@Máy B', 'code.send refused tongdai01@Máy A']);
    await b.api.cases.close({ caseId: mine.id, outcome: 'abandoned' });
  }, 60_000);

  it('one action at a time on a case across the team: a case another workstation holds answers CASE_BUSY, and nothing is sent', async () => {
    sms.reset();
    await signIn(a, 'tongdai01');
    const c = await open(a, 'cty.minhphat', 'Phiếu HT-14');
    await db.admin("UPDATE cases SET busy_until = clock_timestamp() + interval '1 minute', busy_token = 'other' WHERE id = $1", [c.id]);
    expect(await a.api.cases.sendCode({ caseId: c.id, channel: 'sms' })).toEqual({ ok: false, error: { code: 'CASE_BUSY' } });
    expect(sms.requests.length).toBe(0);
    await db.admin('UPDATE cases SET busy_until = NULL, busy_token = NULL WHERE id = $1', [c.id]);
    expect(await a.api.cases.sendCode({ caseId: c.id, channel: 'sms' })).toMatchObject({ ok: true });
    await a.api.cases.close({ caseId: c.id, outcome: 'abandoned' });
  }, 60_000);

  it('four eyes: after an override, a new contact waits for a second supervisor on another workstation before any code goes to it; self-approval is refused; both names audited', async () => {
    sms.reset();
    await signIn(a, 'giamsat01');
    const c = await open(a, 'cuonglh', 'Phiếu HT-15: mất SIM');
    expect(await a.api.cases.override({ caseId: c.id, check: 'citizen-id', citizenId: '024681357', note: 'Mất SIM; CCCD khớp', contactsUnreachable: true })).toMatchObject({ ok: true, value: { verifiedBy: 'override' } });
    expect(await a.api.actions.sendContactCode({ caseId: c.id, kind: 'mobile', value: '0938 765 432' })).toEqual({ ok: false, error: { code: 'APPROVAL_REQUIRED' } });
    expect(sms.requests.length).toBe(0);

    // The same supervisor in another session (on B) cannot approve it; a second supervisor can.
    await signIn(b, 'giamsat01');
    expect(await b.api.cases.queue({})).toMatchObject({ ok: true, value: [{ id: c.id, waiting: 'approval', approval: { requestedBy: 'giamsat01', contact: { kind: 'mobile' } } }] });
    expect(await b.api.cases.approve({ caseId: c.id })).toEqual({ ok: false, error: { code: 'ACTION_NOT_PERMITTED', reason: 'self_approval' } });
    await signIn(b, 'giamsat02');
    expect(await b.api.cases.approve({ caseId: c.id })).toMatchObject({ ok: true, value: { id: c.id, waiting: null } });

    expect((await a.api.actions.sendContactCode({ caseId: c.id, kind: 'mobile', value: '0938 765 432' })).ok).toBe(true);
    expect(lastSms().phone).toBe('84938765432');
    expect(await a.api.actions.updateContact({ caseId: c.id, code: lastSms().code! })).toMatchObject({ ok: true, value: { outcome: 'done' } });
    const reset = await a.api.actions.resetPassword({ caseId: c.id });
    expect(reset).toMatchObject({ ok: true, value: { outcome: 'done', delivery: { status: 'sent' } } });
    expect(lastSms().phone).toBe('84938765432');
    const rows = await rowsOf(c.id);
    expect(rows).toContain('case.approval ok giamsat01@Máy A');
    expect(rows).toContain('case.approval refused giamsat01@Máy B');
    expect(rows).toContain('case.approval ok giamsat02@Máy B');
    expect(rows.indexOf('case.approval ok giamsat02@Máy B')).toBeLessThan(rows.indexOf('contact.code ok giamsat01@Máy A'));
    expect(rows.at(-1)).toBe('account.reset ok giamsat01@Máy A');
  }, 60_000);

  it('the case in the store is sealed: no contact, note or code in the database — only what the queues need', async () => {
    const rows = await db.admin<{ body: Buffer; holder: string }>('SELECT body, holder FROM cases');
    expect(rows.rows.length).toBeGreaterThan(0);
    const all = Buffer.concat(rows.rows.map((r) => r.body)).toString('latin1');
    for (const plain of ['84938765432', '0938765432', '093', 'Mất SIM', 'HT-15', 'annv', 'override']) expect(all).not.toContain(plain);
    // The workstation's role cannot remove a case (kept with the audit's).
    const app = new pg.Client(poolConfig(team('test'), db.app.password));
    await app.connect();
    try {
      await expect(app.query('DELETE FROM cases')).rejects.toThrow(/permission denied/u);
    } finally {
      await app.end();
    }
  });
});

describe("the team's directory and relay profile", () => {
  const settingsOf = (w: Runtime) => JSON.parse(readFileSync(w.settingsPath, 'utf8')) as Settings;
  const profileRows = async () =>
    (await db.admin<{ outcome: string; workstation: string; detail: string }>("SELECT outcome, workstation, detail FROM audit WHERE action = 'team.profile' ORDER BY seq")).rows.map(
      (r) => ({ outcome: r.outcome, workstation: r.workstation, ...(JSON.parse(r.detail) as Record<string, unknown>) }),
    );

  it('a supervisor publishes it on A; B takes it at its next sign-in; a version B lacks a secret for is left (B keeps its own, and says what is missing)', async () => {
    await signIn(a, 'giamsat01');
    const shared: Settings = { ...settings, agencyName: 'So TTTT Can Tho' };
    expect((await a.api.settings.save({ settings: shared })).ok).toBe(true);
    const published = await a.api.team.publishProfile({});
    expect(published).toMatchObject({ ok: true, value: { state: 'connected', profile: { version: 1, publishedBy: 'giamsat01', publishedOn: 'Máy A', applied: true, missing: [] } } });
    expect(settingsOf(b).agencyName).not.toBe('So TTTT Can Tho');

    await signIn(b, 'tongdai01');
    expect(settingsOf(b)).toMatchObject({ agencyName: 'So TTTT Can Tho', teamProfileVersion: 1, team: { workstation: 'Máy B' } });
    expect((await profileRows()).at(-1)).toMatchObject({ outcome: 'ok', workstation: 'Máy B', step: 'applied', version: 1, publishedBy: 'giamsat01', changed: 'agencyName' });
    // No secret in the store: the published body is the settings' shared parts only.
    const body = (await db.admin<{ body: string }>('SELECT body FROM team_profile')).rows[0]!.body;
    for (const secret of [slapd.servicePassword, ESMS.secretKey, ESMS.apiKey, db.app.password]) expect(body).not.toContain(secret);

    // A moves to another SMS endpoint (its secret entered on A only) and publishes: B lacks that secret.
    const moved: Settings = { ...shared, sms: { ...shared.sms!, url: `${sms.esmsUrl}?route=2` } as Settings['sms'] };
    expect((await a.api.settings.save({ settings: moved, smsSecret: JSON.stringify(ESMS) })).ok).toBe(true);
    expect(await a.api.team.publishProfile({})).toMatchObject({ ok: true, value: { profile: { version: 2, applied: true } } });
    await signIn(b, 'giamsat01');
    expect(settingsOf(b)).toMatchObject({ teamProfileVersion: 1, sms: { url: sms.esmsUrl } });
    expect((await profileRows()).at(-1)).toMatchObject({ outcome: 'refused', workstation: 'Máy B', step: 'apply', version: 2, reasonCode: 'missing_secret', missing: 'smsSecret' });
    expect(await b.api.team.status({})).toMatchObject({ ok: true, value: { profile: { version: 2, applied: false, missing: ['smsSecret'] } } });

    // Back to the shared endpoint: B takes version 3 (which it already runs) and notes it.
    expect((await a.api.settings.save({ settings: shared })).ok).toBe(true);
    await signIn(a, 'giamsat01');
    expect(await a.api.team.publishProfile({})).toMatchObject({ ok: true, value: { profile: { version: 3 } } });
    await signIn(b, 'giamsat01');
    expect(settingsOf(b)).toMatchObject({ teamProfileVersion: 3, sms: { url: sms.esmsUrl } });
    expect(await b.api.team.status({})).toMatchObject({ ok: true, value: { profile: { version: 3, applied: true, missing: [] } } });
  }, 90_000);

  it('an operator cannot publish; a profile row altered in the database is not taken by any workstation, the sign-in goes on, and the card says so', async () => {
    await signIn(a, 'tongdai01');
    expect(await a.api.team.publishProfile({})).toEqual({ ok: false, error: { code: 'ROLE_NOT_ALLOWED' } });
    // Changed in the database (another role group made supervisors, a version number raised): the MAC,
    // made with the team's key the database never sees, does not check — no workstation takes it, and
    // the sign-in goes on with the workstation's own profile.
    const row = (await db.admin<{ body: string }>('SELECT body FROM team_profile')).rows[0]!;
    const forged = JSON.parse(row.body) as { directory: { roleGroups: { supervisor: string[] } } };
    forged.directory.roleGroups.supervisor.push('cn=helpdesk-operators,ou=groups,dc=daotao,dc=gov,dc=vn');
    await db.admin('UPDATE team_profile SET version = version + 1, body = $1', [JSON.stringify(forged)]);
    const kept = readFileSync(b.settingsPath, 'utf8');
    await signIn(b, 'tongdai01');
    expect(readFileSync(b.settingsPath, 'utf8')).toBe(kept);
    expect((await profileRows()).at(-1)).toMatchObject({ outcome: 'refused', workstation: 'Máy B', step: 'apply', version: 4, reasonCode: 'not_authentic' });
    await signIn(b, 'giamsat01');
    expect(await b.api.team.status({})).toMatchObject({ ok: true, value: { profile: { version: 4, applied: false, refused: 'not_authentic' } } });
    // A supervisor publishes again: version 5, authentic.
    await signIn(a, 'giamsat01');
    expect(await a.api.team.publishProfile({})).toMatchObject({ ok: true, value: { profile: { version: 5, applied: true, refused: null } } });
  }, 60_000);
});
