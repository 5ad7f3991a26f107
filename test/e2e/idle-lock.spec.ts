import { expect, test } from '@playwright/test';
import { auth, shot, signIn, signOutBeforeEach } from './support';

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
