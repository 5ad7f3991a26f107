import { expect, type Page, test } from '@playwright/test';
import { auth, shot, signIn, signInAs, signOutBeforeEach, TRAINING_PASSWORD } from './support';

// The idle lock as the operator meets it: the session is locked (here at once through the contract, as
// the UI's idle timer does after the configured minutes); the next action shows the lock screen, the
// wrong password is refused, the right one goes on where the operator was.
signOutBeforeEach();

test('a locked session shows the lock screen; a wrong password is refused, the right one unlocks', async ({ page, request }, info) => {
  await signIn(page);
  const locked = await request.post('/api/session/lock', { data: {}, headers: auth });
  expect((await locked.json()).value).toMatchObject({ locked: true });

  await page.getByTestId('search-input').fill('nguyen van');
  const screen = page.getByTestId('lock-screen');
  await expect(screen).toBeVisible();
  await expect(screen).toContainText('Phiên làm việc đã khóa');
  await expect(page.getByTestId('lock-password')).toBeFocused();
  await shot(screen, info, 'lock-screen');

  await page.getByTestId('lock-password').fill('Sai@MatKhau1');
  await page.getByTestId('lock-unlock').click();
  await expect(page.getByTestId('lock-error')).toBeVisible();
  await expect(screen).toBeVisible();

  await page.getByTestId('lock-password').fill('DaoTao@2026');
  await page.getByTestId('lock-unlock').click();
  await expect(screen).toHaveCount(0);
  await page.getByTestId('search-input').fill('nguyen');
  await expect(page.getByTestId('result-row').first()).toBeVisible();
});

test('supervisor sets the idle time on the settings screen; after that many minutes without input the session locks by itself', async ({ page }, info) => {
  // Page timers and Date are driven by Playwright's clock: "two minutes" pass without waiting.
  await page.clock.install();
  await signInAs(page, 'giamsat01', 'Võ Thanh Tâm');
  await page.getByTestId('nav-settings').click();
  const card = page.getByTestId('settings-session');
  await expect(card.locator('legend')).toHaveText('Phiên làm việc');
  const field = page.getByTestId('settings-session-idle-lock');
  await expect(page.getByLabel('Tự khóa sau khi không thao tác (phút)')).toBeVisible();
  await expect(field).toHaveAttribute('placeholder', '10');

  // Out of range: refused next to the field, nothing saved.
  await field.fill('0');
  await page.getByTestId('settings-save').click();
  await expect(card).toContainText('Thời gian tối thiểu là 1 phút.');
  await field.fill('241');
  await page.getByTestId('settings-save').click();
  await expect(card).toContainText('Thời gian tối đa là 240 phút.');
  expect(await savedIdleMinutes(page)).toBeUndefined();

  await field.fill('2');
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('settings-saved')).toContainText('Đã lưu');
  expect(await savedIdleMinutes(page)).toBe(2);
  await shot(card, info, 'settings-idle-lock');

  try {
    // Input keeps the session open: 1:50 idle, a key, another 1:50 idle — still unlocked.
    await page.clock.runFor('01:50');
    await page.getByTestId('settings-session-idle-lock').press('ArrowUp');
    await page.clock.runFor('01:50');
    await expect(page.getByTestId('lock-screen')).toHaveCount(0);
    // Then past two minutes with no input: locked, saying after how long.
    await page.clock.runFor('00:30');
    const screen = page.getByTestId('lock-screen');
    await expect(screen).toBeVisible();
    await expect(screen).toContainText('Đã khóa sau 2 phút không thao tác');
    await page.getByTestId('lock-password').fill('DaoTao@2026');
    await page.getByTestId('lock-unlock').click();
    await expect(screen).toHaveCount(0);
  } finally {
    // Back to the default for the other specs (same data folder): emptied field → 10.
    await page.getByTestId('settings-session-idle-lock').fill('');
    await page.getByTestId('settings-save').click();
    await expect(page.getByTestId('settings-saved')).toContainText('Đã lưu');
    expect(await savedIdleMinutes(page)).toBe(10);
  }
});

test('sign-out leaves nothing of the last caller on screen for the next operator', async ({ page }) => {
  await signIn(page);
  await page.getByTestId('search-input').fill('nguyen van');
  await expect(page.getByTestId('result-row').first()).toBeVisible();
  await page.getByTestId('result-row').first().click();
  await expect(page.getByTestId('account-panel')).toBeVisible();
  await page.getByTestId('signout').click();
  await expect(page.getByTestId('signin-username')).toBeVisible();

  // The next operator, same window: an empty search, no list, no account.
  await page.getByTestId('signin-username').fill('tongdai02');
  await page.getByTestId('signin-password').fill(TRAINING_PASSWORD);
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('operator-name')).toBeVisible();
  await expect(page.getByTestId('search-input')).toHaveValue('');
  await expect(page.getByTestId('result-row')).toHaveCount(0);
  await expect(page.getByTestId('account-panel')).toHaveCount(0);
});

/** The saved idle minutes (undefined: not set), read through the API as the page's session. */
async function savedIdleMinutes(page: Page): Promise<number | undefined> {
  const r = await page.request.post('/api/settings/get', { data: {}, headers: auth });
  const body = (await r.json()) as { ok: boolean; value: { settings: { session?: { idleLockMinutes: number } } } };
  expect(body.ok).toBe(true);
  return body.value.settings.session?.idleLockMinutes;
}
