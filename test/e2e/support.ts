import { type APIRequestContext, expect, type Locator, type Page, test, type TestInfo } from '@playwright/test';

/** Shared by the web specs: the run's token, sign-in, the Outbox and directory read through the API, screenshots. */

export const token = process.env.HELPDESK_E2E_TOKEN!;
export const auth = { Authorization: `Bearer ${token}` };

/**
 * Accounts the specs name: the account pickers below never hand them out. Codes are limited to 2 sends per
 * account per day, counted in a database that lives for the whole E2E run, and the training directory keeps
 * what the tests write until the harness stops.
 */
export const TAKEN = new Set(['annv', 'annv2', 'binhtt', 'chault', 'tamnn', 'cuonglh', 'dungpq']);

/** A directory search row, as `/api/directory/search` answers. */
export interface Summary {
  id: string;
  username: string;
  displayName: string;
  state: { locked: boolean; disabled: boolean; mustChangePassword: boolean; passwordExpired: boolean };
  mobile: { status: string; masked: string | null };
  backupEmail: { status: string; masked: string | null };
}

/** An Outbox message, as `/api/outbox/list` answers. */
export interface OutboxMessage {
  channel: string;
  to: string;
  subject: string | null;
  text: string;
}

/** The harness, like the desktop app, is one desk with one operator session: start each test signed out. */
export function signOutBeforeEach(): void {
  test.beforeEach(async ({ request }) => {
    const r = await request.post('/api/session/signOut', { data: {}, headers: auth });
    expect((await r.json()).ok).toBe(true);
  });
}

/** The training directory's password, the same for every sample user. */
export const TRAINING_PASSWORD = 'DaoTao@2026';

/**
 * Opens the app with the run's token and signs in as a training user: tongdai01, tongdai02 (operators),
 * giamsat01, giamsat02 (supervisors), kiemtra01 (auditor).
 */
export async function signInAs(page: Page, username: string, displayName: string): Promise<void> {
  await page.goto(`/?token=${token}`);
  await expect(page.getByTestId('training-banner')).toContainText('Chế độ đào tạo');
  await page.getByTestId('signin-username').fill(username);
  await page.getByTestId('signin-password').fill(TRAINING_PASSWORD);
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('operator-name')).toContainText(displayName);
}

/** Opens the app with the run's token and signs in as the training operator. */
export async function signIn(page: Page): Promise<void> {
  await signInAs(page, 'tongdai01', 'Đặng Thu Hà');
}

/** The Outbox, newest first, read through the API with the run's token. */
export async function outbox(request: APIRequestContext, limit = 200): Promise<OutboxMessage[]> {
  const r = await request.post('/api/outbox/list', { data: { limit }, headers: auth });
  const body = (await r.json()) as { ok: boolean; value: OutboxMessage[] };
  expect(body.ok).toBe(true);
  return body.value;
}

/** The 6-digit code in a message's text, if any. */
export function codeIn(text: string): string | undefined {
  return /(?<!\d)(\d{6})(?!\d)/u.exec(text)?.[1];
}

/** Whether an Outbox address (`84912345698`, or as written) is the number masked as `09*****98`. */
export function isMasked(to: string, masked: string): boolean {
  const digits = to.replace(/\D/gu, '');
  const local = digits.startsWith('84') ? `0${digits.slice(2)}` : digits;
  return local.startsWith(masked.slice(0, 2)) && local.endsWith(masked.slice(-2));
}

/**
 * The training directory's "nguyen" accounts with a mobile that `keep` accepts, as the search answers (the
 * operator is signed in), leaving out the accounts the specs name, the operators, and any whose number
 * already got an SMS in this run (an account one test used must not be picked again by the next).
 */
export async function unusedNguyens(request: APIRequestContext, keep: (a: Summary) => boolean = () => true): Promise<Summary[]> {
  const r = await request.post('/api/directory/search', { data: { query: 'nguyen', kind: 'name' }, headers: auth });
  const body = (await r.json()) as { ok: boolean; value: { items: Summary[] } };
  expect(body.ok).toBe(true);
  const sent = (await outbox(request)).filter((m) => m.channel === 'sms').map((m) => m.to);
  return body.value.items.filter(
    (a) =>
      !TAKEN.has(a.username) &&
      !/^(tongdai|giamsat|kiemtra)/u.test(a.username) &&
      a.mobile.status === 'present' &&
      a.mobile.masked !== null &&
      keep(a) &&
      !sent.some((to) => isMasked(to, a.mobile.masked!)),
  );
}

/** Searches for the account by username and opens it in the panel. */
export async function openAccount(page: Page, a: Pick<Summary, 'username' | 'displayName'>): Promise<void> {
  await page.getByTestId('search-input').fill(a.username);
  await page.getByTestId('result-row').filter({ hasText: a.username }).first().click();
  await expect(page.getByTestId('account-panel').getByTestId('account-username')).toHaveText(a.username);
  await expect(page.getByTestId('account-panel').getByTestId('account-display-name')).toHaveText(a.displayName);
}

/** A screenshot attached to the report: the page, or one element (the wizard scrolls inside its column). */
export async function shot(target: Page | Locator, info: TestInfo, name: string): Promise<void> {
  const path = info.outputPath(`${name}.png`);
  if ('goto' in target) await target.screenshot({ path, fullPage: true });
  else await target.screenshot({ path });
  await info.attach(name, { path, contentType: 'image/png' });
}

/**
 * From the panel's "verify" action: opens the case with the reason, sends the code by SMS to the masked
 * number, reads the newest code SMS to that number from the Outbox and types it back: "Đã xác thực".
 */
export async function verifyBySms(page: Page, reason: string, masked: string): Promise<void> {
  await page.getByTestId('account-panel').getByTestId('action-verify').click();
  await page.getByTestId('case-reason').fill(reason);
  await page.getByTestId('case-open').click();
  await expect(page.getByTestId('channel-sms')).toContainText(masked);
  await page.getByTestId('channel-sms').click();
  await page.getByTestId('send-code').click();
  await expect(page.getByTestId('code-sent-to')).toContainText(`Đã gửi tới ${masked}`);
  const message = (await outbox(page.request)).find((m) => m.channel === 'sms' && isMasked(m.to, masked) && codeIn(m.text) !== undefined);
  expect(message, `the verification SMS to ${masked}`).toBeDefined();
  await page.getByTestId('code-input').fill(codeIn(message!.text)!);
  await page.getByTestId('verify-code').click();
  await expect(page.getByTestId('case-verified')).toContainText('Đã xác thực');
}
