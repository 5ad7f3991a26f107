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
  const onB = await must(harness.b!, 'cases', 'open', { accountId: await idOn(harness.b!), reason: 'Phiếu HT-B' });
  sms!.reset();
  await must(harness.a!, 'cases', 'sendCode', { caseId: onA.id, channel: 'sms' });
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
