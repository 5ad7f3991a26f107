import { expect, type APIRequestContext, type Page, test } from '@playwright/test';
import { auth, codeIn, isMasked, openAccount, outbox, type OutboxMessage, shot, signIn, signOutBeforeEach, type Summary, unusedNguyens, verifyBySms as verifyCaseBySms } from './support';

// Codes are limited per account per day and the training directory keeps what these tests write until
// the harness stops: this spec uses its own account, once, and none that another spec relies on (the
// named ones, and any whose number already got an SMS in this run: `unusedNguyens`).

/** The new mobile as the operator types it, as the SMS gateway gets it, and masked. */
const NEW_MOBILE = '+84 988 777 666';
const NEW_MOBILE_GATEWAY = '84988777666';
const NEW_MOBILE_MASKED = '09*****66';
/** A landline (the seed's own switchboard number): refused as the new mobile. */
const LANDLINE = '028 3823 3717';

signOutBeforeEach();

/**
 * An unused "nguyen" account with a mobile, as the search answers (the operator is signed in): not one
 * another spec names, none whose number already got an SMS in this run, not locked or disabled (the
 * unlock tests want those), and not already ending like the new number. The last one, so that a spec
 * taking the first never meets it.
 */
async function unusedAccount(request: APIRequestContext, prefer: (a: Summary) => boolean = () => true): Promise<Summary> {
  const candidates = await unusedNguyens(request, (a) => !a.state.locked && !a.state.disabled && a.mobile.masked !== NEW_MOBILE_MASKED);
  expect(candidates.length, 'an unused "nguyen" account with a mobile').toBeGreaterThan(0);
  return candidates.filter(prefer).at(-1) ?? candidates.at(-1)!;
}

/** The 6-digit code of the newest Outbox SMS the predicate accepts. */
async function newestCode(request: APIRequestContext, accept: (m: OutboxMessage) => boolean, what: string): Promise<string> {
  const message = (await outbox(request)).find((m) => m.channel === 'sms' && accept(m));
  expect(message, what).toBeDefined();
  const code = codeIn(message!.text);
  expect(code, message!.text).toBeDefined();
  return code!;
}

/** The contact action locked until the caller is verified, then the case verified by SMS. */
async function verifyBySms(page: Page, reason: string, masked: string) {
  const panel = page.getByTestId('account-panel');
  await expect(panel.getByTestId('action-contact')).toBeDisabled();
  await expect(panel.getByTestId('action-contact')).toHaveAttribute('title', 'Cần xác thực người gọi trước');
  await verifyCaseBySms(page, reason, masked);
}

test('contact change: verified by SMS, a landline refused, then the new mobile proves itself with its own code; the old number is told', async ({ page }, info) => {
  await signIn(page);
  const account = await unusedAccount(page.request);
  const oldMasked = account.mobile.masked!;
  await openAccount(page, account);
  const panel = page.getByTestId('account-panel');
  await expect(panel.getByTestId('account-mobile')).toHaveText(oldMasked);
  await verifyBySms(page, 'Cập nhật thông tin khôi phục — phiếu E2E-201', oldMasked);

  // Verified: the third action opens its step inside the wizard.
  const contactButton = panel.getByTestId('action-contact');
  await expect(contactButton).toBeEnabled();
  await expect(contactButton).toHaveText('Cập nhật thông tin khôi phục');
  await contactButton.click();
  const step = page.getByTestId('contact-step');
  await expect(step).toContainText('Cập nhật thông tin khôi phục');
  const mobileKind = step.getByTestId('contact-kind-mobile');
  const emailKind = step.getByTestId('contact-kind-email');
  await expect(mobileKind).toContainText('Số điện thoại di động');
  await expect(mobileKind.getByRole('radio')).toBeChecked();
  await expect(step.getByTestId('contact-current-mobile')).toContainText(oldMasked);
  await expect(emailKind).toContainText('Thư điện tử dự phòng');
  const value = step.getByTestId('contact-value');
  await expect(value).toBeFocused();
  await expect(value).toHaveAttribute('inputmode', 'tel');
  await expect(step.getByTestId('contact-send')).toHaveText('Gửi mã tới số mới');
  // The e-mail gets an e-mail field; back to the mobile.
  await emailKind.click();
  await expect(value).toHaveAttribute('type', 'email');
  await expect(step.getByTestId('contact-send')).toHaveText('Gửi mã tới địa chỉ mới');
  await mobileKind.click();
  await expect(value).toHaveAttribute('inputmode', 'tel');

  // First, before anything is saved: a landline is refused with the translated reason, nothing sent.
  const before = (await outbox(page.request)).length;
  await value.fill(LANDLINE);
  await step.getByTestId('contact-send').click();
  await expect(step.getByTestId('contact-error')).toHaveText('Đây là số máy bàn; cần số điện thoại di động.');
  await expect(value).toHaveAttribute('aria-invalid', 'true');
  await expect(value).toBeFocused();
  await expect(step.getByTestId('contact-sent-to')).toHaveCount(0);
  expect((await outbox(page.request)).length).toBe(before);
  await expect(panel.getByTestId('account-mobile')).toHaveText(oldMasked);
  await shot(page.getByTestId('verify-caller'), info, 'contact-landline-refused');

  // "Quay lại" returns to the choice of actions, still verified; the step opens again from the start.
  await step.getByTestId('contact-back').click();
  await expect(page.getByTestId('contact-step')).toHaveCount(0);
  await expect(contactButton).toBeFocused();
  await expect(page.getByTestId('case-verified')).toContainText('Đã xác thực');
  await contactButton.click();
  await expect(value).toHaveValue('');
  await expect(step.getByTestId('contact-error')).toBeEmpty();

  // The new mobile, in international form: the code goes to it (not to the old number).
  await value.fill(NEW_MOBILE);
  await step.getByTestId('contact-send').click();
  await expect(step.getByTestId('contact-sent-to')).toHaveText(`Đã gửi mã tới ${NEW_MOBILE_MASKED}`);
  const code = step.getByTestId('contact-code');
  await expect(code).toBeFocused();
  const newCode = await newestCode(page.request, (m) => m.to === NEW_MOBILE_GATEWAY, `the code SMS to ${NEW_MOBILE_GATEWAY}`);
  await shot(page.getByTestId('verify-caller'), info, 'contact-code-sent');

  // A wrong code: the tries left, from the main process.
  await code.fill(newCode === '000000' ? '111111' : '000000');
  await step.getByTestId('contact-save').click();
  await expect(step.getByTestId('contact-error')).toHaveText('Mã không đúng. Còn 4 lần thử.');
  await expect(code).toHaveAttribute('aria-invalid', 'true');
  await expect(panel.getByTestId('account-mobile')).toHaveText(oldMasked);

  // The right code, confirmed with Enter: saved.
  await code.fill(newCode);
  await code.press('Enter');
  const result = page.getByTestId('contact-result');
  await expect(result).toBeFocused();
  await expect(result.getByTestId('action-result-title')).toHaveText(`Đã cập nhật số điện thoại: ${NEW_MOBILE_MASKED}`);
  await expect(result.getByTestId('contact-notice')).toHaveText(`Đã gửi thông báo tới số cũ ${oldMasked}`);
  await expect(result).not.toContainText(/đã nhận/iu);
  await expect(page.getByTestId('contact-step')).toHaveCount(0);
  // The account panel shows the new contact.
  await expect(panel.getByTestId('account-mobile')).toHaveText(NEW_MOBILE_MASKED);
  await shot(page, info, 'contact-result');
  await shot(result, info, 'contact-result-box');
  await shot(panel.locator('[aria-labelledby="ap-contacts"]'), info, 'contact-result-panel');

  // The old number got the notice (no code in it); the new number got only its code.
  const messages = await outbox(page.request);
  const notice = messages.find((m) => m.channel === 'sms' && m.to !== NEW_MOBILE_GATEWAY && isMasked(m.to, oldMasked) && /cap nhat/u.test(m.text));
  expect(notice, `a notice SMS to the old number ${oldMasked}`).toBeDefined();
  expect(notice!.text).toContain(account.username);
  expect(notice!.text).not.toMatch(/(?<!\d)\d{6}(?!\d)/u);
  expect(messages.filter((m) => m.to === NEW_MOBILE_GATEWAY)).toHaveLength(1);

  // The directory agrees.
  const r = await page.request.post('/api/directory/getAccount', { data: { id: account.id }, headers: auth });
  const fresh = (await r.json()) as { ok: boolean; value: Summary };
  expect(fresh.ok).toBe(true);
  expect(fresh.value.mobile).toEqual({ status: 'present', masked: NEW_MOBILE_MASKED });

  await page.getByTestId('case-done').click();
  await expect(page.getByTestId('verify-caller')).toHaveCount(0);
});

test('backup e-mail: the account\'s own mail is refused, a new address proves itself by e-mail; the old address (if any) is told', async ({ page }, info) => {
  await signIn(page);
  const account = await unusedAccount(page.request, (a) => a.backupEmail.status === 'present');
  await openAccount(page, account);
  const panel = page.getByTestId('account-panel');
  const ownMail = (await panel.getByTestId('account-mail').innerText()).trim();
  expect(ownMail).toContain('@');
  await verifyBySms(page, 'Cập nhật thư điện tử dự phòng — phiếu E2E-202', account.mobile.masked!);

  await panel.getByTestId('action-contact').click();
  const step = page.getByTestId('contact-step');
  await step.getByTestId('contact-kind-email').click();
  await expect(step.getByTestId('contact-kind-email').getByRole('radio')).toBeChecked();
  const current = account.backupEmail.status === 'present' ? account.backupEmail.masked! : 'Chưa có thư điện tử dự phòng';
  await expect(step.getByTestId('contact-current-email')).toContainText(current);
  const value = step.getByTestId('contact-value');
  await expect(value).toHaveAttribute('type', 'email');

  // The account's own mail cannot be its backup.
  await value.fill(ownMail.toUpperCase());
  await step.getByTestId('contact-send').click();
  await expect(step.getByTestId('contact-error')).toHaveText('Thư điện tử dự phòng phải khác địa chỉ thư của chính tài khoản.');

  const address = `${account.username}.duphong@gmail.com`;
  await value.fill(address);
  await step.getByTestId('contact-send').click();
  await expect(step.getByTestId('contact-sent-to')).toHaveText(/^Đã gửi mã tới \S+@gmail\.com$/u);
  const mail = (await outbox(page.request)).find((m) => m.channel === 'email' && m.to === address);
  expect(mail, `the code e-mail to ${address}`).toBeDefined();
  const code = codeIn(mail!.text);
  expect(code, mail!.text).toBeDefined();
  await step.getByTestId('contact-code').fill(code!);
  await step.getByTestId('contact-save').click();

  const result = page.getByTestId('contact-result');
  await expect(result.getByTestId('action-result-title')).toHaveText(/^Đã cập nhật thư điện tử dự phòng: \S+@gmail\.com$/u);
  if (account.backupEmail.status === 'present') {
    await expect(result.getByTestId('contact-notice')).toHaveText(`Đã gửi thông báo tới địa chỉ cũ ${account.backupEmail.masked!}`);
  } else {
    await expect(result.getByTestId('contact-notice')).toHaveCount(0);
  }
  await expect(panel.getByTestId('account-backup-email')).toHaveText(/@gmail\.com$/u);
  await shot(page.getByTestId('verify-caller'), info, 'contact-email-result');
  await page.getByTestId('case-done').click();
  await expect(page.getByTestId('verify-caller')).toHaveCount(0);
});
