import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import pg from 'pg';
import { migrateTeamStore } from '../../src-main/adapters/team/migrations';
import { poolConfig } from '../../src-main/adapters/team/pool';
import type { Settings } from '../../src-main/common/settings';
import { generateDirectoryLdif, TRAINING_OPERATOR_PASSWORD } from '../../scripts/training-data';
import { call, type Harness, killHarness, must, startHarness } from '../helpers/harness-process';
import { startPostgres, type PostgresHandle } from '../helpers/postgres';
import { sessionSettings } from '../helpers/session-settings';
import { type SlapdHandle, startSlapd } from '../helpers/slapd';
import { type HttpSmsSink, startHttpSmsSink } from '../helpers/sms-sinks';
import { shot } from './support';

// Issue #13 in the browser: two workstations (web harnesses, each with its own data folder, D-Bus session
// and keyring) on one slapd, one SMS gateway and one PostgreSQL team store. A supervisor founds the team
// on A from the settings screen, makes a join secret there, and joins B with it on B's screen; then a
// code sent from A makes B wait, and B's audit holds A's rows.

const BASE = 'dc=daotao,dc=gov,dc=vn';
const ESMS = { apiKey: 'k-e2e-team-1234', secretKey: 's-e2e-team-1234' };
let slapd: SlapdHandle | undefined;
let sms: HttpSmsSink | undefined;
let db: PostgresHandle | undefined;
let work: string | undefined;
const harness: Record<'a' | 'b', Harness | undefined> = { a: undefined, b: undefined };
const token = { a: randomBytes(24).toString('base64url'), b: randomBytes(24).toString('base64url') };

test.beforeAll(async () => {
  test.setTimeout(120_000);
  [slapd, sms, db] = await Promise.all([
    startSlapd({ baseDn: BASE, ldif: generateDirectoryLdif({ baseDn: BASE, count: 20 }) }),
    startHttpSmsSink({ esms: ESMS }),
    startPostgres(),
  ]);
  const owner = new pg.Client(poolConfig({ url: `postgres://${db.owner.user}@127.0.0.1:${db.port}/${db.database}`, caCertificate: db.caPem, workstation: 'admin' }, db.owner.password));
  await owner.connect();
  await migrateTeamStore(owner, db.app.user);
  await owner.end();
  work = mkdtempSync(join(tmpdir(), 'helpdesk-e2e-team-'));
  const settings: Settings = sessionSettings({ slapd, baseDn: BASE, sms, smsTimeoutMs: 3000 });
  for (const w of ['a', 'b'] as const) {
    const keyring = join(work, `keyring-${w}`);
    mkdirSync(keyring, { recursive: true });
    harness[w] = await startHarness({ dataDir: join(work, `data-${w}`), token: token[w], ownKeyring: keyring });
    await must(harness[w]!, 'settings', 'save', { settings, servicePassword: slapd.servicePassword, smsSecret: JSON.stringify(ESMS) });
  }
});

test.afterAll(async () => {
  for (const h of [harness.a, harness.b]) await killHarness(h);
  await Promise.all([slapd?.stop(), sms?.close(), db?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

async function signIn(page: Page, w: 'a' | 'b', username: string): Promise<void> {
  await page.goto(`${harness[w]!.base}/?token=${token[w]}`);
  await page.getByTestId('signin-username').fill(username);
  await page.getByTestId('signin-password').fill(TRAINING_OPERATOR_PASSWORD);
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('operator-name')).toBeVisible();
}

async function joinOnScreen(page: Page, w: 'a' | 'b', workstation: string, secret?: string): Promise<void> {
  await page.getByTestId('nav-settings').click();
  const card = page.getByTestId('settings-team');
  await expect(card.getByTestId('team-state')).toContainText('Máy này làm việc một mình');
  await card.getByTestId('settings-team-url').fill(`postgres://${db!.app.user}@127.0.0.1:${db!.port}/${db!.database}`);
  await card.getByTestId('settings-team-ca').fill(db!.caPem);
  await card.getByTestId('settings-team-workstation').fill(workstation);
  await card.getByTestId('settings-team-password').fill(db!.app.password);
  if (secret) await card.getByTestId('settings-team-join-secret').fill(secret);
  await card.getByTestId('team-join').click();
  // Joining ends the session: the audit goes to the team from now on.
  await expect(page.getByTestId('signin-username')).toBeVisible({ timeout: 20_000 });
  await signIn(page, w, 'giamsat01');
  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('team-state')).toContainText('Đã kết nối kho dữ liệu dùng chung');
  await expect(page.getByTestId('team-state')).toContainText(workstation);
}

test('a supervisor founds the team on A, makes a join secret, joins B with it; a code from A makes B wait; B reads A\'s rows', async ({ browser }, info) => {
  test.setTimeout(120_000);
  const a = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  const b = await browser.newPage({ viewport: { width: 1366, height: 768 } });

  await signIn(a, 'a', 'giamsat01');
  // A wrong password: refused in words on the card, nothing joined.
  await a.getByTestId('nav-settings').click();
  const cardA = a.getByTestId('settings-team');
  await cardA.getByTestId('settings-team-url').fill(`postgres://${db!.app.user}@127.0.0.1:${db!.port}/${db!.database}`);
  await cardA.getByTestId('settings-team-ca').fill(db!.caPem);
  await cardA.getByTestId('settings-team-workstation').fill('Máy A');
  await cardA.getByTestId('settings-team-password').fill('not-the-password');
  await cardA.getByTestId('team-join').click();
  await expect(cardA.getByTestId('team-error')).toContainText('từ chối tài khoản hoặc mật khẩu');
  await shot(a, info, 'team-refused-password');

  await joinOnScreen(a, 'a', 'Máy A');
  await a.getByTestId('team-make-secret').click();
  const secret = (await a.getByTestId('team-secret-value').textContent())!.trim();
  expect(secret).toMatch(/^HD-[A-Z2-9]{6}(-[A-Z2-9]{5}){4}$/u);
  await shot(a, info, 'team-join-secret');

  await signIn(b, 'b', 'giamsat01');
  await joinOnScreen(b, 'b', 'Máy B', secret);
  await shot(b, info, 'team-joined-b');

  // The counters are the team's: a code sent from A, then B must wait the spacing.
  await must(harness.a!, 'session', 'signIn', { username: 'tongdai01', password: TRAINING_OPERATOR_PASSWORD });
  await must(harness.b!, 'session', 'signIn', { username: 'tongdai02', password: TRAINING_OPERATOR_PASSWORD });
  const idOn = async (h: Harness) => (await must(h, 'directory', 'search', { query: 'annv', kind: 'username' })).items[0]!.id;
  const onA = await must(harness.a!, 'cases', 'open', { accountId: await idOn(harness.a!), reason: 'Phiếu HT-A' });
  sms!.reset();
  await must(harness.a!, 'cases', 'sendCode', { caseId: onA.id, channel: 'sms' });
  // Presence: B is told that A's operator handles the account; B takes it over (confirmed) and must wait.
  expect(await call(harness.b!, 'cases', 'open', { accountId: await idOn(harness.b!), reason: 'Phiếu HT-B' })).toMatchObject({
    ok: false,
    error: { code: 'CASE_HELD', heldBy: { holder: 'tongdai01' } },
  });
  const onB = await must(harness.b!, 'cases', 'open', { accountId: await idOn(harness.b!), reason: 'Phiếu HT-B', takeOver: true });
  expect(await call(harness.b!, 'cases', 'sendCode', { caseId: onB.id, channel: 'sms' })).toMatchObject({ ok: false, error: { code: 'OTP_TOO_SOON' } });
  expect(sms!.requests).toHaveLength(1);

  await must(harness.b!, 'session', 'signIn', { username: 'giamsat01', password: TRAINING_OPERATOR_PASSWORD });
  const rows = await must(harness.b!, 'audit', 'query', { filter: { action: 'code.send' } });
  expect(rows.rows.map((r) => [r.operator, r.outcome, r.detail.workstation])).toEqual([
    ['tongdai02', 'refused', 'Máy B'],
    ['tongdai01', 'ok', 'Máy A'],
  ]);
  await a.close();
  await b.close();
});

test('the operator hands the case over on A; the supervisor takes it from the queue on B and finishes it there', async ({ browser }, info) => {
  test.setTimeout(120_000);
  const a = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  const b = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  const caller = { username: 'binhtt' };
  sms!.reset();
  // The sessions the first test left (signed in through the API) end: each page signs in on its own.
  for (const h of [harness.a!, harness.b!]) await must(h, 'session', 'signOut', {});

  // A: the operator opens the case, sends the code, and hands the call over with why.
  await signIn(a, 'a', 'tongdai01');
  await a.getByTestId('search-input').fill(caller.username);
  await a.getByTestId('result-row').filter({ hasText: caller.username }).first().click();
  await a.getByTestId('account-panel').getByTestId('action-verify').click();
  await a.getByTestId('case-reason').fill('Phiếu HT-E2E: quên mật khẩu');
  await a.getByTestId('case-open').click();
  await a.getByTestId('channel-sms').click();
  await a.getByTestId('send-code').click();
  await expect(a.getByTestId('code-sent-to')).toBeVisible();
  expect(sms!.requests).toHaveLength(1);
  await a.getByTestId('case-handoff-start').click();
  await a.getByTestId('handoff-note').fill('Người gọi cần giám sát viên xử lý');
  await a.getByTestId('handoff-send').click();
  await expect(a.getByTestId('case-handed')).toContainText('Đã chuyển giám sát viên');
  await shot(a, info, 'team-handed-over');
  await a.getByTestId('case-leave').click();
  await expect(a.getByTestId('verify-caller')).toHaveCount(0);

  // B: the supervisor sees it in the queue, takes it, and the case opens where A left it (code sent).
  await signIn(b, 'b', 'giamsat01');
  const item = b.getByTestId('case-queue').getByTestId('queue-item').filter({ hasText: caller.username });
  await expect(item).toContainText('tongdai01 chuyển lúc');
  await expect(item).toContainText('Người gọi cần giám sát viên xử lý');
  await shot(b, info, 'team-queue');
  await item.getByTestId('queue-take').click();
  await expect(b.getByTestId('account-panel').getByTestId('account-username')).toHaveText(caller.username);
  await expect(b.getByTestId('code-sent-to')).toBeVisible();
  // The caller reads back the code sent from A.
  const body = sms!.requests.at(-1)!.body as { Content: string };
  await b.getByTestId('code-input').fill(/\b(\d{6})\b/u.exec(body.Content)![1]!);
  await b.getByTestId('verify-code').click();
  await expect(b.getByTestId('case-verified')).toContainText('Đã xác thực');
  await b.getByTestId('account-panel').getByTestId('action-reset').click();
  await b.getByTestId('action-confirm-yes').click();
  await expect(b.getByTestId('action-result').getByTestId('action-result-title')).toContainText('Đã đặt lại mật khẩu');
  await shot(b, info, 'team-finished-on-b');
  expect(sms!.requests).toHaveLength(2);

  // The team's audit tells it with both workstations and both names.
  const rows = await must(harness.b!, 'audit', 'query', { filter: { account: caller.username } });
  const story = rows.rows
    .filter((r) => ['case.open', 'code.send', 'case.handOff', 'case.take', 'code.verify', 'account.reset'].includes(r.action))
    .map((r) => `${r.action} ${r.operator}@${String(r.detail.workstation)}`)
    .reverse();
  expect(story).toEqual([
    'case.open tongdai01@Máy A',
    'code.send tongdai01@Máy A',
    'case.handOff tongdai01@Máy A',
    'case.take giamsat01@Máy B',
    'code.verify giamsat01@Máy B',
    'account.reset giamsat01@Máy B',
  ]);
  await a.close();
  await b.close();
});

test('presence and four eyes on two pages: B is told who handles the account and since when; after an override on A a new contact waits for a second supervisor, who approves it from the queue on B', async ({ browser }, info) => {
  test.setTimeout(120_000);
  const a = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  const b = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  for (const h of [harness.a!, harness.b!]) await must(h, 'session', 'signOut', {});
  sms!.reset();
  const open = async (page: Page, username: string, reason: string) => {
    await page.getByTestId('search-input').fill(username);
    await page.getByTestId('result-row').filter({ hasText: username }).first().click();
    await page.getByTestId('account-panel').getByTestId('action-verify').click();
    await page.getByTestId('case-reason').fill(reason);
    await page.getByTestId('case-open').click();
  };

  // A: the supervisor opens cuonglh (no contact on record) and verifies by override.
  await signIn(a, 'a', 'giamsat01');
  await open(a, 'cuonglh', 'Phiếu HT-E2E-2: mất SIM');
  await a.getByTestId('override-start').click();
  const form = a.getByTestId('override-form');
  await form.getByTestId('override-citizen-id').fill('024681357');
  await form.getByTestId('override-note').fill('Mất SIM; CCCD khớp hồ sơ');
  await form.getByTestId('override-confirm').click();
  await expect(a.getByTestId('case-verified')).toBeVisible();

  // B: another operator opens the same account — told who and since when; takes over only when confirmed.
  await signIn(b, 'b', 'tongdai02');
  await open(b, 'cuonglh', 'Phiếu HT-E2E-3');
  await expect(b.getByTestId('case-held')).toContainText('Tài khoản này đang được giamsat01 xử lý từ');
  await shot(b, info, 'team-presence');
  await b.getByTestId('case-back').click();
  await expect(b.getByTestId('verify-caller')).toHaveCount(0);

  // A: a new mobile after an override waits for a second supervisor; nothing is sent.
  await a.getByTestId('account-panel').getByTestId('action-contact').click();
  const step = a.getByTestId('contact-step');
  await step.getByTestId('contact-kind-mobile').click();
  await step.getByTestId('contact-value').fill('0938 765 432');
  await step.getByTestId('contact-send').click();
  await expect(step.getByTestId('contact-error')).toContainText('giám sát viên thứ hai phê duyệt');
  await expect(a.getByTestId('case-approval-waiting')).toContainText('09*****32');
  expect(sms!.requests).toHaveLength(0);
  await shot(a, info, 'team-approval-waiting');

  // B: a second supervisor approves that contact from the queue.
  await b.getByTestId('signout').click();
  await signIn(b, 'b', 'giamsat02');
  const item = b.getByTestId('case-queue').getByTestId('queue-item').filter({ hasText: 'cuonglh' });
  await expect(item).toContainText('giamsat01 đề nghị phê duyệt thông tin khôi phục mới 09*****32');
  await shot(b, info, 'team-approval-queue');
  await item.getByTestId('queue-approve').click();
  await expect(b.getByTestId('case-queue').getByTestId('queue-item').filter({ hasText: 'cuonglh' })).toHaveCount(0);

  // A: approved; the code goes to the new mobile, is read back, the contact is saved and the reset follows.
  await a.getByTestId('case-approval-refresh').click();
  await expect(a.getByTestId('case-approved')).toContainText('giamsat02');
  await step.getByTestId('contact-send').click();
  await expect(step.getByTestId('contact-sent-to')).toContainText('09*****32');
  const body = sms!.requests.at(-1)!.body as { Content: string; Phone: string };
  expect(body.Phone).toBe('84938765432');
  await step.getByTestId('contact-code').fill(/\b(\d{6})\b/u.exec(body.Content)![1]!);
  await step.getByTestId('contact-save').click();
  await expect(a.getByTestId('contact-result')).toBeVisible();
  const rows = await must(harness.a!, 'audit', 'query', { filter: { action: 'case.approval' } });
  expect(rows.rows.map((r) => `${r.operator} ${r.outcome} ${String(r.detail.step)} ${String(r.detail.workstation)}`).reverse()).toEqual([
    'giamsat01 ok requested Máy A',
    'giamsat02 ok approved Máy B',
  ]);
  await a.close();
  await b.close();
});
