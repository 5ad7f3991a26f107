import { expect, test } from '@playwright/test';
import { shot, signIn, signOutBeforeEach, token } from './support';

signOutBeforeEach();

test('training mode: sign in, find "nguyen van", open a locked account, see the badge and the masked phone', async ({ page }, info) => {
  await signIn(page);
  // The token left the address bar.
  expect(page.url()).not.toContain(token);
  const box = page.getByTestId('search-input');
  await expect(box).toBeFocused();
  await box.fill('nguyen van');
  const rows = page.getByTestId('result-row');
  await expect(rows.first()).toBeVisible();
  const an = rows.filter({ hasText: 'Nguyễn Văn An' }).filter({ hasText: 'annv' }).first();
  await expect(an).toBeVisible();
  await an.click();
  const panel = page.getByTestId('account-panel');
  await expect(panel).toContainText('Nguyễn Văn An');
  await expect(panel.getByTestId('badge-locked')).toContainText('Đã khóa');
  await expect(panel.getByTestId('account-mobile')).toContainText('09*****98');
  await expect(panel).not.toContainText('0912345698');
  await shot(page, info, 'account-locked');
});

test('keyboard: Ctrl+K focuses search, arrows and Enter open an account', async ({ page }) => {
  await signIn(page);
  await page.getByTestId('search-input').fill('cuonglh');
  await expect(page.getByTestId('result-row').first()).toContainText('Lê Hữu Cường');
  await page.getByTestId('result-row').first().click();
  await page.keyboard.press('Control+k');
  await expect(page.getByTestId('search-input')).toBeFocused();
  await page.getByTestId('search-input').fill('binhtt');
  await expect(page.getByTestId('result-row').first()).toContainText('Trần Thị Bình');
  await page.getByTestId('search-input').press('ArrowDown');
  await page.getByTestId('search-input').press('Enter');
  const panel = page.getByTestId('account-panel');
  await expect(panel.getByTestId('badge-must-change')).toBeVisible();
  await expect(panel.getByTestId('badge-no-backup-email')).toBeVisible();
});

test('a search for an account without a mobile shows it missing; bad input gets a translated error', async ({ page }) => {
  await signIn(page);
  await page.getByTestId('search-input').fill('024681357');
  await page.getByTestId('result-row').first().click();
  await expect(page.getByTestId('account-panel').getByTestId('badge-no-mobile')).toContainText('Chưa có số điện thoại');
  await page.getByTestId('search-input').fill('x'.repeat(300));
  await expect(page.getByTestId('search-error')).toContainText(/quá dài/i);
});

test('wrong password is refused with a translated message', async ({ page }) => {
  await page.goto(`/?token=${token}`);
  await page.getByTestId('signin-username').fill('tongdai02');
  await page.getByTestId('signin-password').fill('sai-mat-khau');
  await page.getByTestId('signin-submit').click();
  // The translated sentence, and the same one whichever part was wrong (an unknown user reads alike).
  await expect(page.getByTestId('signin-error')).toHaveText('Tên đăng nhập hoặc mật khẩu không đúng.');
  await page.getByTestId('signin-username').fill('khongtontai99');
  await page.getByTestId('signin-password').fill('sai-mat-khau');
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('signin-error')).toHaveText('Tên đăng nhập hoặc mật khẩu không đúng.');
});
