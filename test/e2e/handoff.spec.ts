import { expect, test } from '@playwright/test';
import { auth, openAccount, shot, signIn, signInAs, signOutBeforeEach, type Summary } from './support';

// Issue #14 item 5 on one workstation: an account with no usable contact says so before a case starts;
// the operator opens the case and hands it over ("Chuyển giám sát viên" is the way on, the primary
// button); the case is kept while a supervisor signs in on the same machine, takes it from the queue and
// verifies instead.

signOutBeforeEach();

test('no usable contact: said before the case; the operator hands it over; a supervisor signs in here, takes it and verifies instead', async ({ page }, info) => {
  await signIn(page);
  const r = await page.request.post('/api/directory/search', { data: { query: 'nguyen', kind: 'name' }, headers: auth });
  const items = ((await r.json()) as { value: { items: Summary[] } }).value.items;
  const account = items.find((a) => a.mobile.status !== 'present' && a.backupEmail.status !== 'present' && !a.state.disabled && !/^(tongdai|giamsat|kiemtra)/u.test(a.username));
  expect(account, 'a "nguyen" account with no usable contact').toBeDefined();

  await openAccount(page, account!);
  const panel = page.getByTestId('account-panel');
  await expect(panel.getByTestId('account-needs-supervisor')).toContainText('người gọi cần giám sát viên xác thực thay');
  await shot(panel, info, 'handoff-needs-supervisor-before-case');

  await panel.getByTestId('action-verify').click();
  await page.getByTestId('case-reason').fill('Mất SIM, không có thư dự phòng — phiếu E2E-1405');
  await page.getByTestId('case-open').click();
  await expect(page.getByTestId('no-channel')).toBeVisible();
  const start = page.getByTestId('case-handoff-start');
  await expect(start).toHaveClass(/button--primary/u);
  await start.click();
  await page.getByTestId('handoff-note').fill('Người gọi không còn liên hệ nào dùng được');
  await page.getByTestId('handoff-send').click();
  await expect(page.getByTestId('case-handed')).toContainText('Đã chuyển giám sát viên');
  await shot(page.getByTestId('verify-caller'), info, 'handoff-handed');

  // Signing out keeps the handed-over case (it is the supervisors' now, not closed).
  await page.getByTestId('signout').click();
  await signInAs(page, 'giamsat01', 'Võ Thanh Tâm');
  const item = page.getByTestId('case-queue').getByTestId('queue-item').filter({ hasText: account!.username });
  await expect(item).toContainText('tongdai01 chuyển lúc');
  await expect(item).toContainText('Người gọi không còn liên hệ nào dùng được');
  await shot(page, info, 'handoff-queue-one-workstation');
  await item.getByTestId('queue-take').click();
  await expect(panel.getByTestId('account-username')).toHaveText(account!.username);
  await expect(page.getByTestId('case-reason-shown')).toContainText('phiếu E2E-1405');

  // The supervisor verifies instead (the identity document seen), and the case goes on from there.
  await page.getByTestId('override-start').click();
  const form = page.getByTestId('override-form');
  await form.getByTestId('override-check-identity-document').click();
  await form.getByTestId('override-note').fill('Kiểm tra CCCD gốc qua video, khớp hồ sơ');
  await form.getByTestId('override-confirm').click();
  await expect(page.getByTestId('case-verified')).toContainText('Đã xác thực');
  await expect(page.getByTestId('verified-detail')).toContainText('Giám sát viên giamsat01 đã xác thực thay');
  // No contact to send a password to: the step the case needs is a new contact (which waits for a second supervisor).
  await expect(page.getByTestId('case-next-action')).toHaveText('Cập nhật thông tin khôi phục');
  await shot(page.getByTestId('verify-caller'), info, 'handoff-taken-verified');
  await page.getByTestId('case-done').click();
  await page.getByTestId('case-done').click();
  await expect(page.getByTestId('verify-caller')).toHaveCount(0);
});
