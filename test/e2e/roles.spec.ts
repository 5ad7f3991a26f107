import { expect, type APIRequestContext, test } from '@playwright/test';
import {
  auth,
  codeIn,
  openAccount,
  outbox,
  shot,
  signIn,
  signInAs,
  signOutBeforeEach,
  token,
  TRAINING_PASSWORD,
  unusedNguyens,
  verifyBySms,
} from './support';

// Roles come from the training directory's groups: tongdai01 is an operator, giamsat01 a supervisor,
// kiemtra01 an auditor. cuonglh (in TAKEN) has no mobile and no backup e-mail, and CMND 024681357 on
// record. The supervisor test gives cuonglh a mobile, which the training directory keeps until the
// harness stops: the tests that need cuonglh without one (desk.spec.ts, the operator test below) run
// before it.

const CUONG = { username: 'cuonglh', displayName: 'Lê Hữu Cường' };
const CUONG_CMND = '024681357';
/** The new mobile the supervisor saves for cuonglh, as typed, as the SMS gateway gets it, and masked. */
const NEW_MOBILE = '0912 468 135';
const NEW_MOBILE_GATEWAY = '84912468135';
const NEW_MOBILE_MASKED = '09*****35';

signOutBeforeEach();

/** A contract call through the web harness with the run's token, as the page would make it. */
async function call(request: APIRequestContext, path: string, data: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string } }> {
  const r = await request.post(`/api/${path}`, { data, headers: auth });
  return (await r.json()) as { ok: boolean; value?: unknown; error?: { code: string } };
}

test('operator: an account with no usable contact needs a supervisor (no override offered); a reset offers no "Đồng thời mở khóa"', async ({ page }, info) => {
  await signIn(page);
  await expect(page.getByTestId('operator-roles')).toHaveText('Tổng đài viên');
  // No audit view for an operator: no link, and its address leads back to the search.
  await expect(page.getByTestId('nav-audit')).toHaveCount(0);
  await page.goto(`/?token=${token}#/audit`);
  await expect(page.getByTestId('search-input')).toBeVisible();
  await expect(page.getByTestId('audit-filters')).toHaveCount(0);

  await openAccount(page, CUONG);
  const panel = page.getByTestId('account-panel');
  await panel.getByTestId('action-verify').click();
  await page.getByTestId('case-reason').fill('Quên mật khẩu, mất SIM — phiếu E2E-301');
  await page.getByTestId('case-open').click();
  await expect(page.getByTestId('no-channel')).toBeVisible();
  await expect(page.getByTestId('send-code')).toBeDisabled();
  await expect(page.getByTestId('override-needed')).toContainText('Cần giám sát viên xác thực thay');
  await expect(page.getByTestId('override-start')).toHaveCount(0);
  await expect(page.getByTestId('override-unreachable')).toHaveCount(0);
  await shot(page.getByTestId('verify-caller'), info, 'roles-operator-needs-supervisor');
  await page.getByTestId('case-abandon').click();
  await expect(page.getByTestId('verify-caller')).toHaveCount(0);

  // A caller with a mobile: verified by SMS; the reset is a plain reset (no unlock-too for an operator).
  const account = (await unusedNguyens(page.request, (a) => !a.state.disabled)).at(0);
  expect(account, 'an unused "nguyen" account with a mobile').toBeDefined();
  await openAccount(page, account!);
  await verifyBySms(page, 'Quên mật khẩu — phiếu E2E-302', account!.mobile.masked!);
  await panel.getByTestId('action-reset').click();
  const confirm = page.getByTestId('action-confirm');
  await expect(confirm.getByTestId('action-effect')).toContainText(`gửi tới ${account!.mobile.masked!}`);
  await expect(confirm.getByTestId('action-unlock-too')).toHaveCount(0);
  await expect(confirm).not.toContainText('Đồng thời mở khóa');
  await shot(page.getByTestId('verify-caller'), info, 'roles-operator-reset-confirm');
  await confirm.getByTestId('action-confirm-no').click();
  await page.getByTestId('case-abandon').click();
  await expect(page.getByTestId('verify-caller')).toHaveCount(0);
});

test('supervisor: a wrong CCCD counts down, the right one verifies instead; the new mobile waits for a second supervisor (four eyes), proves itself, then reset and unlock go to it', async ({ page }, info) => {
  await signInAs(page, 'giamsat01', 'Võ Thanh Tâm');
  await expect(page.getByTestId('operator-roles')).toHaveText('Giám sát viên');
  await expect(page.getByTestId('nav-search')).toBeVisible();

  await openAccount(page, CUONG);
  const panel = page.getByTestId('account-panel');
  await expect(panel.getByTestId('account-mobile')).toHaveText('Chưa có số điện thoại');
  await panel.getByTestId('action-verify').click();
  await page.getByTestId('case-reason').fill('Quên mật khẩu, mất SIM, chưa có thư dự phòng — phiếu E2E-311');
  await page.getByTestId('case-open').click();
  await expect(page.getByTestId('no-channel')).toBeVisible();
  await expect(page.getByTestId('override-needed')).toHaveCount(0);

  // The override: the CCCD check is preselected.
  await page.getByTestId('override-start').click();
  const form = page.getByTestId('override-form');
  await expect(form).toContainText('Giám sát viên xác thực thay');
  await expect(form.getByTestId('override-check-citizen-id').getByRole('radio')).toBeChecked();
  await expect(form.getByTestId('override-check-identity-document')).toContainText('Kiểm tra trực tiếp giấy tờ tùy thân');
  await expect(form.getByTestId('override-check-agency-letter')).toContainText('Công văn đề nghị của đơn vị');

  // A wrong number first: refused, with the tries left on this case.
  const cccd = form.getByTestId('override-citizen-id');
  await cccd.fill('024 681 358');
  await form.getByTestId('override-note').fill('Mất SIM, chưa có thư dự phòng; đối chiếu CMND do người gọi đọc');
  await form.getByTestId('override-confirm').click();
  await expect(form.getByTestId('override-error')).toHaveText('Số CCCD/CMND không khớp với hồ sơ. Còn 2 lần thử.');
  await expect(cccd).toHaveAttribute('aria-invalid', 'true');
  await expect(cccd).toBeFocused();
  await expect(page.getByTestId('case-verified')).toHaveCount(0);
  await shot(page.getByTestId('verify-caller'), info, 'roles-override-mismatch');

  // The number on record: verified instead, recorded as the supervisor's CCCD check.
  await cccd.fill(CUONG_CMND);
  await form.getByTestId('override-confirm').click();
  await expect(page.getByTestId('case-verified')).toContainText('Đã xác thực');
  await expect(page.getByTestId('verified-detail')).toContainText('Giám sát viên giamsat01 đã xác thực thay');
  await expect(page.getByTestId('verified-detail')).toContainText('Đối chiếu số CCCD/CMND với hồ sơ');
  await expect(page.getByTestId('override-form')).toHaveCount(0);

  // No contact was proven: the reset waits for a new one, and says why.
  const note = 'Chưa có liên hệ đã xác thực để gửi mật khẩu tạm thời — hãy cập nhật số di động hoặc thư điện tử dự phòng trước';
  await expect(panel.getByTestId('action-reset')).toBeDisabled();
  await expect(panel.getByTestId('action-reset')).toHaveAttribute('title', note);
  await expect(panel.getByTestId('actions-note')).toHaveText(note);
  await shot(page.getByTestId('account-panel'), info, 'roles-override-verified');

  // The new mobile after an override: four eyes — it waits for a second supervisor before any code goes to it.
  await panel.getByTestId('action-contact').click();
  let step = page.getByTestId('contact-step');
  await expect(step.getByTestId('contact-kind-mobile').getByRole('radio')).toBeChecked();
  await step.getByTestId('contact-value').fill(NEW_MOBILE);
  await step.getByTestId('contact-send').click();
  await expect(step.getByTestId('contact-error')).toContainText('cần một giám sát viên thứ hai phê duyệt');
  await expect(page.getByTestId('case-approval-waiting')).toContainText(NEW_MOBILE_MASKED);
  await shot(page.getByTestId('verify-caller'), info, 'roles-approval-waiting');
  expect((await outbox(page.request)).filter((m) => m.to === NEW_MOBILE_GATEWAY)).toHaveLength(0);
  // Signing out leaves the case waiting (not closed); the second supervisor approves it from the queue.
  await page.getByTestId('signout').click();
  await signInAs(page, 'giamsat02', 'Trịnh Quốc Bảo');
  const item = page.getByTestId('case-queue').getByTestId('queue-item').filter({ hasText: CUONG.username });
  await expect(item).toContainText(`giamsat01 đề nghị phê duyệt thông tin khôi phục mới ${NEW_MOBILE_MASKED}`);
  await item.getByTestId('queue-approve').click();
  await expect(page.getByTestId('case-queue')).toHaveCount(0);
  await page.getByTestId('signout').click();
  // Back, the first supervisor continues the case where it waited.
  await signInAs(page, 'giamsat01', 'Võ Thanh Tâm');
  await page.getByTestId('case-queue').getByTestId('mine-item').filter({ hasText: CUONG.username }).getByTestId('mine-continue').click();
  await expect(page.getByTestId('case-approved')).toContainText('giamsat02');
  await panel.getByTestId('action-contact').click();
  step = page.getByTestId('contact-step');
  await step.getByTestId('contact-value').fill(NEW_MOBILE);
  await step.getByTestId('contact-send').click();
  await expect(step.getByTestId('contact-sent-to')).toHaveText(`Đã gửi mã tới ${NEW_MOBILE_MASKED}`);
  const codeSms = (await outbox(page.request)).find((m) => m.channel === 'sms' && m.to === NEW_MOBILE_GATEWAY && codeIn(m.text) !== undefined);
  expect(codeSms, `the code SMS to ${NEW_MOBILE_GATEWAY}`).toBeDefined();
  await step.getByTestId('contact-code').fill(codeIn(codeSms!.text)!);
  await step.getByTestId('contact-save').click();
  await expect(page.getByTestId('contact-result').getByTestId('action-result-title')).toHaveText(
    `Đã cập nhật số điện thoại: ${NEW_MOBILE_MASKED}`,
  );
  await expect(panel.getByTestId('account-mobile')).toHaveText(NEW_MOBILE_MASKED);

  // Now the reset goes to the new mobile; the supervisor may unlock in the same action (unchecked by default).
  await expect(panel.getByTestId('action-reset')).toBeEnabled();
  await panel.getByTestId('action-reset').click();
  const confirm = page.getByTestId('action-confirm');
  const unlockToo = confirm.getByTestId('action-unlock-too');
  await expect(unlockToo).not.toBeChecked();
  await expect(confirm).toContainText('Đồng thời mở khóa tài khoản');
  await expect(confirm.getByTestId('action-effect')).toContainText(`gửi tới ${NEW_MOBILE_MASKED}`);
  await expect(confirm).toContainText('Đối chiếu số CCCD/CMND với hồ sơ — giám sát viên giamsat01');
  await unlockToo.check();
  await expect(confirm.getByTestId('action-effect')).toContainText('Tài khoản sẽ được mở khóa');
  await shot(page.getByTestId('verify-caller'), info, 'roles-reset-unlock-confirm');
  const before = (await outbox(page.request)).filter((m) => m.to === NEW_MOBILE_GATEWAY).length;
  await confirm.getByTestId('action-confirm-yes').click();

  const result = page.getByTestId('action-result');
  await expect(result).toHaveAttribute('data-action', 'reset-unlock');
  await expect(result.getByTestId('action-result-title')).toContainText(`Đã gửi mật khẩu tạm thời tới ${NEW_MOBILE_MASKED}`);
  await expect(result.getByTestId('action-result-must-change')).toBeVisible();
  await expect(result.getByTestId('badge-locked')).toHaveCount(0);
  await shot(page, info, 'roles-reset-unlock-result');
  // The temporary password went to the new mobile (and only there), never to the screen.
  const sent = (await outbox(page.request)).filter((m) => m.to === NEW_MOBILE_GATEWAY);
  expect(sent.length).toBe(before + 1);
  expect(sent[0]!.text).toMatch(/mat khau tam thoi/u);
  const password = /tai khoan \S+ la (\S+) \./u.exec(sent[0]!.text)?.[1];
  expect(password, sent[0]!.text).toHaveLength(12);
  expect(await page.locator('body').innerText()).not.toContain(password!);

  await page.getByTestId('case-done').click();
  await expect(page.getByTestId('verify-caller')).toHaveCount(0);

  // The audit's timeline of the case shows the override with the supervisor's note (issue #14 item 9).
  await page.getByTestId('nav-audit').click();
  await page.getByTestId('audit-account').fill('cuonglh');
  await page.getByTestId('audit-apply').click();
  const overrideRow = page.locator('[data-testid="audit-row"][data-action="case.override"]').filter({ hasText: 'Thành công' }).first();
  await overrideRow.getByTestId('audit-timeline-open').click();
  const entry = page.getByTestId('case-timeline').locator('[data-testid="timeline-entry"][data-action="case.override"]').last();
  await expect(entry.getByTestId('timeline-note')).toHaveText('Mất SIM, chưa có thư dự phòng; đối chiếu CMND do người gọi đọc');
  await expect(entry.getByTestId('timeline-check')).toContainText('Đối chiếu số CCCD/CMND với hồ sơ');
  await shot(page.getByTestId('case-timeline'), info, 'roles-override-note-in-timeline');
});

test('auditor: no search, no Outbox; the audit view is the home page', async ({ page }, info) => {
  await signInAs(page, 'kiemtra01', 'Lê Thị Kim Oanh');
  await expect(page.getByTestId('operator-roles')).toHaveText('Kiểm tra viên');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nhật ký kiểm tra');
  await expect(page.getByTestId('audit-filters')).toBeVisible();
  await expect(page.getByTestId('search-input')).toHaveCount(0);
  await expect(page.getByTestId('nav-search')).toHaveCount(0);
  await expect(page.getByTestId('nav-outbox')).toHaveCount(0);
  await expect(page.getByTestId('nav-audit')).toBeVisible();
  // The settings: an auditor sees them only during the first setup (the main process says which it is).
  const setupOpen = ((await call(page.request, 'session/current', {})).value as { setupOpen: boolean }).setupOpen;
  await expect(page.getByTestId('nav-settings')).toHaveCount(setupOpen ? 1 : 0);
  await shot(page, info, 'roles-auditor');

  // The Outbox by its address: back to the audit view.
  await page.goto(`/?token=${token}#/outbox`);
  await expect(page.getByTestId('audit-filters')).toBeVisible();
  await expect(page.getByTestId('outbox-refresh')).toHaveCount(0);

  // And the main process refuses the search itself.
  expect((await call(page.request, 'directory/search', { query: 'nguyen' })).error?.code).toBe('ROLE_NOT_ALLOWED');
  expect((await call(page.request, 'audit/recent', { limit: 5 })).ok).toBe(true);
});

test('a call the role may not make, made directly: ROLE_NOT_ALLOWED', async ({ request }) => {
  const signedIn = await call(request, 'session/signIn', { username: 'tongdai01', password: TRAINING_PASSWORD });
  expect(signedIn.ok).toBe(true);
  expect((signedIn.value as { operator: { roles: string[] } }).operator.roles).toEqual(['operator']);

  const found = await call(request, 'directory/search', { query: CUONG.username, kind: 'username' });
  const id = (found.value as { items: { id: string; username: string }[] }).items.find((a) => a.username === CUONG.username)?.id;
  expect(id, CUONG.username).toBeDefined();
  // takeOver: whatever case an earlier test left open on this account ends (presence, confirmed).
  const opened = await call(request, 'cases/open', { accountId: id, reason: 'E2E: override by an operator', takeOver: true });
  expect(opened.ok).toBe(true);
  const caseId = (opened.value as { id: string }).id;

  const override = await call(request, 'cases/override', { caseId, check: 'citizen-id', citizenId: CUONG_CMND, note: 'E2E' });
  expect(override).toEqual({ ok: false, error: { code: 'ROLE_NOT_ALLOWED' } });
  const resetUnlock = await call(request, 'actions/resetAndUnlock', { caseId });
  expect(resetUnlock).toEqual({ ok: false, error: { code: 'ROLE_NOT_ALLOWED' } });
  // The case was not touched: still open, not verified.
  const c = await call(request, 'cases/get', { caseId });
  expect((c.value as { status: string; verifiedBy: string | null }).status).toBe('open');
  expect((c.value as { verifiedBy: string | null }).verifiedBy).toBeNull();
  expect((await call(request, 'cases/close', { caseId, outcome: 'abandoned' })).ok).toBe(true);
});

test('settings "Phân quyền": a group DN per line, a bad one shown at its role, no supervisor group refused; nothing saved', async ({ page }, info) => {
  await signInAs(page, 'giamsat01', 'Võ Thanh Tâm');
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-mode').selectOption('directory');
  // Loopback plain LDAP is allowed: the profile itself is valid.
  await page.getByTestId('settings-url').fill('ldap://127.0.0.1:1');
  await page.getByTestId('settings-base-dn').fill('dc=daotao,dc=gov,dc=vn');
  await page.getByTestId('settings-bind-dn').fill('cn=helpdesk,ou=system,dc=daotao,dc=gov,dc=vn');
  const roles = page.getByTestId('settings-roles');
  await expect(roles).toContainText('Phân quyền');
  await expect(roles).toContainText('Cần ít nhất một nhóm giám sát viên');
  await expect(page.getByTestId('settings-allow-admin-unlock').locator('..')).toContainText('giám sát viên');

  // A line that is no DN: refused at the operators' field (not the whole form).
  await page.getByTestId('settings-role-operator').fill('cn=tongdai,ou=groups,dc=daotao,dc=gov,dc=vn\n\nnhóm tổng đài\n');
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('field-error-settings.directory.roleGroups.operator')).toHaveText('Sai định dạng.');
  await expect(page.getByTestId('settings-role-operator')).toBeFocused();

  // Fixed, but no supervisor group: refused at the supervisors' field.
  await page.getByTestId('settings-role-operator').fill('  cn=tongdai,ou=groups,dc=daotao,dc=gov,dc=vn  \n\n');
  await page.getByTestId('settings-role-supervisor').fill('\n  \n');
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('field-error-settings.directory.roleGroups.supervisor')).toHaveText('Bắt buộc nhập.');
  await expect(page.getByTestId('settings-role-supervisor')).toBeFocused();
  await shot(roles, info, 'roles-settings-supervisor-required');

  // Nothing was saved: still training mode, still signed in.
  await page.reload();
  await expect(page.getByTestId('training-banner')).toBeVisible();
  await expect(page.getByTestId('operator-roles')).toHaveText('Giám sát viên');
});
