import { expect, type APIRequestContext, type Page, test } from '@playwright/test';
import { auth, isMasked, openAccount, outbox, shot, signIn, signOutBeforeEach, type Summary, unusedNguyens, verifyBySms as verifyCaseBySms } from './support';

// Codes are limited to 2 sends per account per day, 5 minutes apart, counted in a database that lives
// for the whole E2E run, and the training directory keeps what these tests write until the harness
// stops: every test here uses its own account, once, and none that another spec relies on (`unusedNguyens`).

signOutBeforeEach();

/** The newest Outbox SMS to the masked number whose text matches, read through the API with the run's token. */
async function newestSms(request: APIRequestContext, masked: string, text: RegExp): Promise<string> {
  const message = (await outbox(request)).find((m) => m.channel === 'sms' && isMasked(m.to, masked) && text.test(m.text));
  expect(message, `an SMS to ${masked} matching ${String(text)}`).toBeDefined();
  return message!.text;
}

/** The actions locked until the caller is verified, then the case verified by SMS. */
async function verifyBySms(page: Page, reason: string, masked: string) {
  const panel = page.getByTestId('account-panel');
  await expect(panel.getByTestId('action-unlock')).toBeDisabled();
  await expect(panel.getByTestId('action-reset')).toBeDisabled();
  await expect(panel.getByTestId('action-reset')).toHaveAttribute('title', 'Cần xác thực người gọi trước');
  await verifyCaseBySms(page, reason, masked);
  await expect(page.getByTestId('verified-countdown')).toContainText(/0[0-4]:\d\d/u);
}

test('unlock: search, verify by SMS, "Mở khóa tài khoản", confirm, "Mở khóa thành công" and the lock gone', async ({ page }, info) => {
  await signIn(page);
  // Only locked: an unlock lets the caller sign in (an expired password would still stop them: call-truth.spec).
  const candidates = (await unusedNguyens(page.request)).filter((a) => a.state.locked && !a.state.disabled && !a.state.passwordExpired);
  expect(candidates.length, 'a locked "nguyen" account with a mobile and a password still valid').toBeGreaterThan(0);
  const account = candidates[0]!;
  const masked = account.mobile.masked!;

  await openAccount(page, account);
  const panel = page.getByTestId('account-panel');
  const badges = panel.getByTestId('account-badges');
  await expect(badges.getByTestId('badge-locked')).toBeVisible();
  await verifyBySms(page, 'Mở khóa tài khoản — phiếu E2E-101', masked);

  // Verified: both actions open; the note says each asks first.
  await expect(panel.getByTestId('action-unlock')).toBeEnabled();
  await expect(panel.getByTestId('action-reset')).toBeEnabled();
  await expect(panel.getByTestId('actions-note')).toContainText('Mỗi thao tác cần xác nhận');

  await panel.getByTestId('action-unlock').click();
  const confirm = page.getByTestId('action-confirm');
  // Enter confirms: the keyboard is on "Xác nhận".
  await expect(confirm.getByTestId('action-confirm-yes')).toBeFocused();
  await expect(confirm).toContainText('Mở khóa tài khoản');
  await expect(confirm.getByTestId('action-confirm-account')).toContainText(account.displayName);
  await expect(confirm.getByTestId('action-confirm-account')).toContainText(account.username);
  await expect(confirm.getByTestId('action-confirm-reason')).toHaveText('Mở khóa tài khoản — phiếu E2E-101');
  await expect(confirm.getByTestId('action-effect')).toHaveText('Tài khoản sẽ được mở khóa, mật khẩu giữ nguyên.');
  // The verification's time stays in view.
  await expect(page.getByTestId('verified-countdown')).toContainText(/0[0-4]:\d\d/u);
  await shot(page.getByTestId('verify-caller'), info, 'unlock-confirm');

  // "Quay lại" changes nothing and gives the keyboard back to the button.
  await confirm.getByTestId('action-confirm-no').click();
  await expect(page.getByTestId('action-confirm')).toHaveCount(0);
  await expect(panel.getByTestId('action-unlock')).toBeFocused();
  await expect(badges.getByTestId('badge-locked')).toBeVisible();

  await panel.getByTestId('action-unlock').click();
  await page.getByTestId('action-confirm-yes').click();
  const result = page.getByTestId('action-result');
  await expect(result).toBeFocused();
  await expect(result.getByTestId('action-result-title')).toHaveText('Mở khóa thành công');
  await expect(result).toContainText(`Tài khoản ${account.username} đã được mở khóa, mật khẩu giữ nguyên.`);
  await expect(result.getByTestId('badge-locked')).toHaveCount(0);
  // The panel shows the fresh state: no lock, and unlock has nothing left to do.
  await expect(badges.getByTestId('badge-locked')).toHaveCount(0);
  await expect(panel.getByTestId('badge-locked')).toHaveCount(0);
  await expect(panel.getByTestId('action-unlock')).toBeDisabled();
  await expect(panel.getByTestId('action-unlock')).toHaveAttribute('title', 'Tài khoản không bị khóa');
  await expect(page.getByTestId('result-row').filter({ hasText: account.username }).getByTestId('badge-locked')).toHaveCount(0);
  // After an action only "Kết thúc" closes the case.
  await expect(page.getByTestId('case-back')).toHaveCount(0);
  await expect(page.getByTestId('case-abandon')).toHaveCount(0);
  await shot(page, info, 'unlock-result');
  await shot(panel, info, 'unlock-result-panel');

  await page.getByTestId('case-done').click();
  await expect(page.getByTestId('verify-caller')).toHaveCount(0);
  await expect(page.getByTestId('search-input')).toBeFocused();
  await expect(page.getByTestId('search-input')).toHaveValue('');
  await expect(panel.getByTestId('action-unlock')).toHaveAttribute('title', 'Cần xác thực người gọi trước');

  // The directory agrees.
  const r = await page.request.post('/api/directory/getAccount', { data: { id: account.id }, headers: auth });
  const fresh = (await r.json()) as { ok: boolean; value: Summary };
  expect(fresh.ok).toBe(true);
  expect(fresh.value.state.locked).toBe(false);
});

test('reset: verify by SMS, "Đặt lại mật khẩu", confirm; the temporary password goes to the phone, never to the screen', async ({ page }, info) => {
  await signIn(page);
  const candidates = (await unusedNguyens(page.request)).filter((a) => !a.state.locked && !a.state.disabled && !a.state.mustChangePassword);
  expect(candidates.length, 'a "nguyen" account with a mobile, not locked, no must-change').toBeGreaterThan(0);
  const account = candidates[0]!;
  const masked = account.mobile.masked!;

  await openAccount(page, account);
  const panel = page.getByTestId('account-panel');
  await expect(panel.getByTestId('account-badges').getByTestId('badge-must-change')).toHaveCount(0);
  await verifyBySms(page, 'Quên mật khẩu — phiếu E2E-102', masked);

  // Not locked: only the reset applies.
  await expect(panel.getByTestId('action-unlock')).toBeDisabled();
  await expect(panel.getByTestId('action-unlock')).toHaveAttribute('title', 'Tài khoản không bị khóa');
  await panel.getByTestId('action-reset').click();
  const confirm = page.getByTestId('action-confirm');
  await expect(confirm).toContainText('Đặt lại mật khẩu');
  await expect(confirm.getByTestId('action-confirm-reason')).toHaveText('Quên mật khẩu — phiếu E2E-102');
  await expect(confirm.getByTestId('action-effect')).toHaveText(
    `Một mật khẩu tạm thời sẽ được tạo và gửi tới ${masked}; người dùng phải đổi mật khẩu ở lần đăng nhập tiếp theo. Tổng đài viên không nhìn thấy mật khẩu này.`,
  );
  await shot(page.getByTestId('verify-caller'), info, 'reset-confirm');
  await confirm.getByTestId('action-confirm-yes').click();

  const result = page.getByTestId('action-result');
  await expect(result.getByTestId('action-result-title')).toHaveText(`Đã đặt lại mật khẩu. Đã gửi mật khẩu tạm thời tới ${masked}`);
  await expect(result).not.toContainText(/đã nhận/iu);
  await expect(result.getByTestId('action-result-must-change')).toHaveText('Người dùng phải đổi mật khẩu ở lần đăng nhập tiếp theo.');
  await expect(result.getByTestId('badge-must-change')).toHaveText(/Phải đổi mật khẩu/u);
  await expect(panel.getByTestId('account-badges').getByTestId('badge-must-change')).toHaveText(/Phải đổi mật khẩu/u);

  // The caller's phone got it (the Outbox); the operator's screen did not.
  const sms = await newestSms(page.request, masked, /mat khau tam thoi/u);
  const password = /tai khoan \S+ la (\S+) \./u.exec(sms)?.[1];
  expect(password, sms).toHaveLength(12);
  expect(await page.locator('body').innerText()).not.toContain(password!);
  expect(await page.content()).not.toContain(password!);
  await shot(page, info, 'reset-result');
  await shot(page.getByTestId('verify-caller'), info, 'reset-result-wizard');

  await page.getByTestId('case-done').click();
  await expect(page.getByTestId('verify-caller')).toHaveCount(0);
});

test('an administratively disabled account: verified, unlock is refused with the reason, nothing changes', async ({ page }, info) => {
  await signIn(page);
  await openAccount(page, { username: 'dungpq', displayName: 'Phạm Quốc Dũng' });
  const panel = page.getByTestId('account-panel');
  await expect(panel.getByTestId('account-badges').getByTestId('badge-disabled')).toContainText('Bị vô hiệu hóa');
  await verifyBySms(page, 'Mở khóa tài khoản — phiếu E2E-103', '09*****22');

  // Offered, so the operator hears why not from the main process.
  await panel.getByTestId('action-unlock').click();
  await page.getByTestId('action-confirm-yes').click();
  const error = page.getByTestId('action-confirm').getByTestId('action-error');
  await expect(error).toHaveText(
    'Tài khoản bị quản trị viên khóa hoặc vô hiệu hóa: tổng đài không mở khóa được. Hãy chuyển yêu cầu cho quản trị hệ thống của đơn vị.',
  );
  await expect(page.getByTestId('action-result')).toHaveCount(0);
  await expect(panel.getByTestId('account-badges').getByTestId('badge-disabled')).toBeVisible();
  await shot(page.getByTestId('verify-caller'), info, 'unlock-refused');

  await page.getByTestId('action-confirm-no').click();
  await expect(page.getByTestId('action-confirm')).toHaveCount(0);
  await expect(page.getByTestId('case-verified')).toContainText('Đã xác thực');
  await page.getByTestId('case-abandon').click();
  await expect(page.getByTestId('verify-caller')).toHaveCount(0);
});

test('the verification runs out: the confirmation closes, both actions say "Phiên xác thực đã hết hạn"', async ({ page }, info) => {
  // Only the browser's clock moves on; the main process keeps real time and decides.
  await page.clock.install();
  await signIn(page);
  const candidates = (await unusedNguyens(page.request)).filter((a) => a.state.locked && !a.state.disabled);
  expect(candidates.length, 'another locked "nguyen" account with a mobile').toBeGreaterThan(0);
  const account = candidates[0]!;
  await openAccount(page, account);
  await verifyBySms(page, 'Mở khóa tài khoản — phiếu E2E-104', account.mobile.masked!);
  const panel = page.getByTestId('account-panel');
  await panel.getByTestId('action-unlock').click();
  await expect(page.getByTestId('action-confirm')).toBeVisible();

  await page.clock.fastForward('05:01');
  await expect(page.getByTestId('verified-countdown')).toContainText('Phiên xác thực đã hết hạn');
  await expect(page.getByTestId('action-confirm')).toHaveCount(0);
  for (const id of ['action-unlock', 'action-reset']) {
    await expect(panel.getByTestId(id)).toBeDisabled();
    await expect(panel.getByTestId(id)).toHaveAttribute('title', 'Phiên xác thực đã hết hạn');
  }
  await expect(panel.getByTestId('actions-note')).toHaveText('Phiên xác thực đã hết hạn');
  // Nothing was done: the lock is still there.
  await expect(panel.getByTestId('account-badges').getByTestId('badge-locked')).toBeVisible();
  await shot(page, info, 'actions-expired');
  await page.getByTestId('case-abandon').click();
  await expect(page.getByTestId('verify-caller')).toHaveCount(0);
});
