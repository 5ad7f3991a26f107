import { expect, type APIRequestContext, type Page, test } from '@playwright/test';
import { codeIn, openAccount as openByUsername, outbox, shot, signIn, signOutBeforeEach, token, unusedNguyens } from './support';

// Codes are limited to 2 sends per account per day, 5 minutes apart, counted in a database that lives
// for the whole E2E run: every test here uses its own account, once.

signOutBeforeEach();

async function openAccount(page: Page, query: string, name: string) {
  await page.getByTestId('search-input').fill(query);
  await page.getByTestId('result-row').filter({ hasText: name }).first().click();
  await expect(page.getByTestId('account-panel').getByTestId('account-display-name')).toHaveText(name);
}

/** Opens the wizard and the case with a reason; leaves it on the channel step. */
async function startCase(page: Page, reason: string) {
  await page.getByTestId('action-verify').click();
  await expect(page.getByTestId('case-reason')).toBeFocused();
  await page.getByTestId('case-reason').fill(reason);
  await page.getByTestId('case-open').click();
  await expect(page.getByTestId('send-code')).toBeVisible();
}

/** The code in the newest Outbox message to `to`, read through the API with the run's token. */
async function codeFromApi(request: APIRequestContext, to: string): Promise<string> {
  const message = (await outbox(request, 50)).find((m) => m.to === to);
  expect(message, `a message to ${to}`).toBeDefined();
  return codeIn(message!.text)!;
}

test('verify a caller by SMS: send, read the code in the Outbox, type it back, "Đã xác thực"', async ({ page }, info) => {
  await signIn(page);
  await openAccount(page, 'annv', 'Nguyễn Văn An');
  const panel = page.getByTestId('account-panel');
  await expect(panel.getByTestId('badge-locked')).toBeVisible();
  await expect(panel.getByTestId('action-verify')).toBeEnabled();
  await expect(panel.getByTestId('action-unlock')).toBeDisabled();
  await expect(panel.getByTestId('action-unlock')).toHaveAttribute('title', 'Cần xác thực người gọi trước');
  await expect(panel.getByTestId('action-reset')).toBeDisabled();

  // 1. The reason is required.
  await panel.getByTestId('action-verify').click();
  await page.getByTestId('case-open').click();
  await expect(page.getByTestId('field-error-case.reason')).toContainText('Bắt buộc nhập');
  await page.getByTestId('case-reason').fill('Quên mật khẩu — phiếu E2E-001');
  await page.getByTestId('case-open').click();

  // 2. The registered contacts, masked; the SMS as it will go out, with its length.
  await expect(page.getByTestId('case-reason-shown')).toContainText('Quên mật khẩu — phiếu E2E-001');
  await expect(page.getByTestId('channel-sms')).toContainText('09*****98');
  await expect(page.getByTestId('channel-email')).toContainText('an***@gmail.com');
  await expect(page.getByTestId('channel-sms').getByRole('radio')).toBeChecked();
  const preview = page.getByTestId('sms-preview');
  await expect(preview).toContainText('******');
  await expect(preview).toContainText(/\d+ ký tự · 1 tin nhắn \(không dấu\)/u);
  await expect(preview).not.toContainText("GSM");
  await expect(page.getByTestId('resend-info')).toContainText('Mỗi kênh gửi mã OTP cách nhau 5 phút; tối đa 2 lần 1 ngày cho cả hai kênh');
  await expect(page.getByTestId('resend-info')).toContainText('còn 2 lần hôm nay');
  await shot(page.getByTestId('verify-caller'), info, 'case-channel');
  await page.getByTestId('send-code').click();

  // 3. Sent (not "received"), with the 5-minute countdown and the resend on hold.
  await expect(page.getByTestId('code-sent-to')).toContainText('Đã gửi tới 09*****98');
  await expect(page.getByTestId('code-sent-to')).not.toContainText('Đã nhận');
  await expect(page.getByTestId('code-countdown')).toContainText(/0[45]:\d\d/u);
  await expect(page.getByTestId('code-input')).toBeFocused();
  await expect(page.getByTestId('code-input')).toHaveAttribute('inputmode', 'numeric');
  await expect(page.getByTestId('code-input')).toHaveAttribute('autocomplete', 'one-time-code');
  await expect(page.getByTestId('resend-code')).toBeDisabled();
  await expect(page.getByTestId('resend-code')).toContainText(/Gửi lại sau 0[45]:\d\d/u);
  await expect(page.getByTestId('resend-info')).toContainText('còn 1 lần hôm nay');

  // The Outbox (training mode) shows what the caller's phone got; the case waits meanwhile.
  await page.getByTestId('nav-outbox').click();
  await expect(page.getByRole('heading', { name: 'Hộp thư đi (đào tạo)' })).toBeVisible();
  const sms = page.getByTestId('outbox-message').filter({ hasText: '84912345698' }).first();
  await expect(sms).toBeVisible();
  await expect(sms.getByTestId('outbox-channel')).toHaveText('SMS');
  await expect(sms.getByTestId('outbox-at')).toHaveText(/^\d\d\/\d\d\/\d{4} \d\d:\d\d$/u);
  await expect(sms.getByTestId('outbox-segments')).toContainText('1 tin nhắn');
  const text = await sms.getByTestId('outbox-text').innerText();
  const code = codeIn(text);
  expect(code, text).toMatch(/^\d{6}$/u);
  await shot(page, info, 'outbox');

  // Back to the case: still on the code step.
  await page.getByTestId('nav-search').click();
  await expect(page.getByTestId('code-sent-to')).toContainText('Đã gửi tới 09*****98');
  const input = page.getByTestId('code-input');
  // Pasted with spaces: only the spaces go, the main process judges the rest.
  await input.fill(` ${code!.slice(0, 3)} ${code!.slice(3)} `);
  await expect(input).toHaveValue(code!);
  await input.press('Enter');

  // 4. Verified, with the time the verification has left.
  const verified = page.getByTestId('case-verified');
  await expect(verified).toContainText('Đã xác thực');
  await expect(verified).toContainText('09*****98');
  await expect(page.getByTestId('verified-countdown')).toContainText(/0[0-4]:\d\d/u);
  await expect(panel.getByTestId('action-unlock')).toBeEnabled();
  await expect(panel.getByTestId('action-reset')).toBeEnabled();
  await expect(panel.getByTestId('actions-note')).toHaveText('Người gọi đã được xác thực. Mỗi thao tác cần xác nhận trước khi thực hiện.');
  await shot(page, info, 'case-verified');
  await shot(panel, info, 'case-verified-panel');

  // The primary button is the step the account needs (annv is locked: unlock); "Kết thúc" with nothing
  // done asks first, then closes the case; the panel is back to its start.
  await expect(page.getByTestId('case-next-action')).toHaveText('Mở khóa tài khoản');
  await expect(page.getByTestId('case-next-action')).toHaveClass(/button--primary/u);
  await page.getByTestId('case-done').click();
  await expect(page.getByTestId('case-done-confirm')).toContainText('Chưa thực hiện thao tác nào trên tài khoản');
  await expect(page.getByTestId('verify-caller')).toHaveCount(1);
  await shot(page.getByTestId('verify-caller'), info, 'case-done-asks');
  await page.getByTestId('case-done').click();
  await expect(page.getByTestId('verify-caller')).toHaveCount(0);
  // The call ended: the next caller starts from an empty search box, the keyboard in it.
  await expect(page.getByTestId('search-input')).toBeFocused();
  await expect(page.getByTestId('search-input')).toHaveValue('');
  await expect(panel.getByTestId('action-unlock')).toHaveAttribute('title', 'Cần xác thực người gọi trước');
});

test('wrong codes count down 4, 3, 2; the resend waits with its countdown and "còn 1 lần hôm nay"', async ({ page }, info) => {
  await signIn(page);
  await openAccount(page, 'binhtt', 'Trần Thị Bình');
  await startCase(page, 'Mở khóa tài khoản — phiếu E2E-002');
  await expect(page.getByTestId('channel-sms')).toContainText('09*****21');
  // No backup e-mail: that channel is offered disabled, with the reason.
  await expect(page.getByTestId('channel-email')).toContainText('Chưa có thư điện tử dự phòng');
  await expect(page.getByTestId('channel-email').getByRole('radio')).toBeDisabled();
  await page.getByTestId('send-code').click();
  await expect(page.getByTestId('code-sent-to')).toContainText('Đã gửi tới 09*****21');

  const code = await codeFromApi(page.request, '84987654321');
  const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  const input = page.getByTestId('code-input');
  const feedback = page.getByTestId('verify-error');
  await expect(feedback).toHaveAttribute('aria-live', /polite|assertive/u);
  for (const left of [4, 3, 2]) {
    await input.fill(wrong);
    await page.getByTestId('verify-code').click();
    await expect(feedback).toContainText(`Mã không đúng. Còn ${left} lần thử.`);
    await expect(input).toBeFocused();
  }
  await shot(page.getByTestId('verify-caller'), info, 'case-wrong-codes');
  // Malformed input is refused by the main process without using up a try.
  await input.fill('12345');
  await input.press('Enter');
  await expect(feedback).toContainText('Mã OTP gồm đúng 6 chữ số');

  await expect(page.getByTestId('resend-code')).toBeDisabled();
  await expect(page.getByTestId('resend-code')).toContainText(/Gửi lại sau 0[0-4]:\d\d/u);
  await expect(page.getByTestId('resend-info')).toContainText('còn 1 lần hôm nay');
  await expect(page.getByTestId('case-verified')).toHaveCount(0);

  // "Hủy yêu cầu hỗ trợ" abandons the case and returns to the account panel.
  await page.getByTestId('case-abandon').click();
  await expect(page.getByTestId('verify-caller')).toHaveCount(0);
  await expect(page.getByTestId('action-verify')).toBeVisible();
});

test('a code by e-mail: the Outbox shows the subject and text body, HTML only in a sandboxed frame', async ({ page }, info) => {
  await signIn(page);
  await openAccount(page, 'chault', 'Lê Thanh Châu');
  await startCase(page, 'Quên mật khẩu — phiếu E2E-003');
  await expect(page.getByTestId('channel-email')).toContainText('ch***@gmail.com');
  await page.getByTestId('channel-email').click();
  await expect(page.getByTestId('sms-preview')).toHaveCount(0);
  await expect(page.getByTestId('email-preview')).toContainText('ch***@gmail.com');
  await page.getByTestId('send-code').click();
  await expect(page.getByTestId('code-sent-to')).toContainText('Đã gửi tới ch***@gmail.com');

  // A second page in the same context (the same desk): the case page stays as it is.
  const outbox = await page.context().newPage();
  // The srcdoc frame inherits the page's CSP: the mail's inline style is dropped (cosmetic), and nothing
  // may try to run a script.
  const scriptViolations: string[] = [];
  outbox.on('console', (m) => {
    if (m.type() === 'error' && /directive 'script-src/u.test(m.text())) {
      scriptViolations.push(m.text());
    }
  });
  await outbox.goto(`/?token=${token}#/outbox`);
  const mail = outbox.getByTestId('outbox-message').filter({ hasText: 'chau.le@gmail.com' }).first();
  await expect(mail.getByTestId('outbox-channel')).toHaveText('Thư điện tử');
  await expect(mail.getByTestId('outbox-subject')).toContainText('Mã OTP');
  await expect(mail.getByTestId('outbox-text')).toContainText('Nếu yêu cầu này không phải của Bạn');
  // Issue #14 item 11: the mail greets the caller as an agency writes ("Kính gửi Ông/Bà …"), and names
  // the agency with its diacritics (only an SMS is unaccented).
  await expect(mail.getByTestId('outbox-text')).toContainText('Kính gửi Ông/Bà ');
  await expect(mail.getByTestId('outbox-subject')).not.toContainText('Tong dai');
  await expect(mail.getByTestId('outbox-text')).not.toContainText('Tong dai ho tro');
  const frame = mail.getByTestId('outbox-html');
  await expect(frame).toHaveAttribute('sandbox', '');
  const code = codeIn(await mail.getByTestId('outbox-text').innerText())!;
  await mail.locator('summary').click();
  await expect(frame).toBeVisible();
  // The frame shows the mail's HTML without running anything.
  await expect(frame.contentFrame().locator('body')).toContainText(code);
  expect(scriptViolations).toEqual([]);
  await shot(outbox, info, 'outbox-email');
  await shot(mail, info, 'outbox-email-html');
  await outbox.close();

  await page.getByTestId('code-input').fill(code);
  await page.getByTestId('verify-code').click();
  await expect(page.getByTestId('case-verified')).toContainText('Đã xác thực');
  await expect(page.getByTestId('case-verified')).toContainText('ch***@gmail.com');
});

test('the countdown reaches 0: "Mã đã hết hạn"; a resend the server refuses shows its reason in the same place', async ({ page }, info) => {
  // Only the browser's clock moves on; the main process keeps real time and decides.
  await page.clock.install();
  await signIn(page);
  await openAccount(page, 'tamnn', 'Nguyễn Ngọc Tâm');
  await startCase(page, 'Quên mật khẩu — phiếu E2E-004');
  await page.getByTestId('send-code').click();
  await expect(page.getByTestId('code-countdown')).toContainText(/0[45]:\d\d/u);
  await page.clock.fastForward('05:01');
  await expect(page.getByTestId('code-countdown')).toHaveText('Mã đã hết hạn');
  await expect(page.getByTestId('resend-code')).toBeEnabled();
  await expect(page.getByTestId('resend-code')).toHaveText('Gửi lại mã OTP');
  await page.getByTestId('resend-code').click();
  await expect(page.getByTestId('verify-error')).toContainText('Mỗi kênh gửi mã OTP cách nhau 5 phút');
  await shot(page.getByTestId('verify-caller'), info, 'case-code-expired');
  await page.getByTestId('case-abandon').click();
  await expect(page.getByTestId('action-verify')).toBeFocused();
});

test('the SMS does not arrive: "Quay lại" goes one step back, the e-mail voids the SMS code, abandoning is its own button', async ({ page }, info) => {
  await signIn(page);
  const account = (await unusedNguyens(page.request, (a) => a.backupEmail.status === 'present' && !a.state.disabled)).at(0);
  expect(account, 'an unused "nguyen" account with a mobile and a backup e-mail').toBeDefined();
  await openByUsername(page, account!);
  await startCase(page, 'Quên mật khẩu, SMS không đến — phiếu E2E-005');
  await page.getByTestId('send-code').click();
  await expect(page.getByTestId('code-sent-to')).toContainText(`Đã gửi tới ${account!.mobile.masked!}`);

  // One step back: the channels again, the SMS code standing; the SMS waits its own spacing.
  await page.getByTestId('case-back').click();
  await expect(page.getByTestId('verify-caller')).toHaveCount(1);
  await expect(page.getByTestId('code-stands')).toContainText('Mã OTP đã gửi qua SMS lúc');
  await expect(page.getByTestId('channel-sms').getByRole('radio')).toBeChecked();
  await expect(page.getByTestId('send-code')).toBeDisabled();
  await expect(page.getByTestId('send-code')).toContainText(/Gửi lại sau 0[45]:\d\d/u);
  await shot(page.getByTestId('verify-caller'), info, 'case-back-to-channels');
  // "Quay lại" there returns to the code, as it was.
  await page.getByTestId('case-back').click();
  await expect(page.getByTestId('code-input')).toBeVisible();
  await page.getByTestId('case-back').click();

  // The other channel: not held back by the SMS's spacing; told, before sending, that the SMS code is voided.
  await page.getByTestId('channel-email').click();
  await expect(page.getByTestId('code-voided-by-send')).toContainText('Gửi qua kênh khác sẽ hủy mã đó');
  await expect(page.getByTestId('send-code')).toBeEnabled();
  await expect(page.getByTestId('send-code')).toHaveText('Gửi mã OTP qua thư điện tử');
  await expect(page.getByTestId('resend-info')).toContainText('cho cả hai kênh · còn 1 lần hôm nay');
  await shot(page.getByTestId('verify-caller'), info, 'case-switch-channel');
  await page.getByTestId('send-code').click();
  await expect(page.getByTestId('code-sent-to')).toContainText(`Đã gửi tới ${account!.backupEmail.masked!}`);
  // Both channels counted for the day: no third send, by either.
  await expect(page.getByTestId('resend-info')).toContainText('đã hết lượt hôm nay');

  const messages = await outbox(page.request, 50);
  const sms = messages.find((m) => m.channel === 'sms' && codeIn(m.text) !== undefined && m.to.endsWith(account!.mobile.masked!.slice(-2)));
  const [local, domain] = account!.backupEmail.masked!.split('@') as [string, string];
  const mail = messages.find((m) => m.channel === 'email' && codeIn(m.text) !== undefined && m.to.startsWith(local.slice(0, 2)) && m.to.endsWith(`@${domain}`));
  expect(sms && mail, 'the SMS and the e-mail with their codes').toBeTruthy();
  const smsCode = codeIn(sms!.text)!;
  const mailCode = codeIn(mail!.text)!;
  // The SMS's code no longer verifies (unless the two codes happen to be equal, one in a million).
  if (smsCode !== mailCode) {
    await page.getByTestId('code-input').fill(smsCode);
    await page.getByTestId('verify-code').click();
    await expect(page.getByTestId('verify-error')).toContainText('Mã không đúng');
  }
  await page.getByTestId('code-input').fill(mailCode);
  await page.getByTestId('verify-code').click();
  await expect(page.getByTestId('case-verified')).toContainText('Đã xác thực');

  // Abandoning is explicit, and it closes the case.
  await expect(page.getByTestId('case-abandon')).toHaveText('Hủy yêu cầu hỗ trợ');
  await page.getByTestId('case-abandon').click();
  await expect(page.getByTestId('verify-caller')).toHaveCount(0);
});
