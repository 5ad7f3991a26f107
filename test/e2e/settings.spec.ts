import { expect, test } from '@playwright/test';
import { shot, signInAs, signOutBeforeEach } from './support';

signOutBeforeEach();

test('settings: a bad URL is shown next to the field; "Kiểm tra kết nối" names the failing step', async ({ page }) => {
  await signInAs(page, 'giamsat01', 'Võ Thanh Tâm');
  await page.getByTestId('search-input').waitFor();
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-mode').selectOption('directory');
  await page.getByTestId('settings-url').fill('http://not-ldap');
  await page.getByTestId('settings-base-dn').fill('dc=daotao,dc=gov,dc=vn');
  await page.getByTestId('settings-bind-dn').fill('cn=helpdesk,ou=system,dc=daotao,dc=gov,dc=vn');
  await page.getByTestId('settings-test').click();
  await expect(page.getByTestId('field-error-settings.directory.url')).toContainText('Sai định dạng');

  // Port 1 on loopback: nothing listens there, so TCP is the step that fails.
  await page.getByTestId('settings-url').fill('ldap://127.0.0.1:1');
  await page.getByTestId('settings-test').click();
  await expect(page.getByTestId('connection-step-dns')).toHaveClass(/is-ok/);
  await expect(page.getByTestId('connection-step-tcp')).toHaveClass(/is-failed/);
  await expect(page.getByTestId('connection-step-tcp')).toContainText('Không kết nối được đến máy chủ thư mục');
  // The cause in words, not the system's code (kept for the administrator only when no words are known).
  await expect(page.getByTestId('connection-step-tcp').getByTestId('technical-detail')).toHaveText('Nguyên nhân: máy chủ từ chối kết nối');
  await expect(page.getByTestId('connection-step-tcp')).not.toContainText('ECONNREFUSED');
  await expect(page.getByTestId('connection-report-outcome')).toBeVisible();
  // Nothing was saved: the app is still in training mode.
  await page.reload();
  await expect(page.getByTestId('training-banner')).toBeVisible();
});

test('settings: sections with a side navigation; leaving with unsaved changes asks (stay, or drop them and leave)', async ({ page }, info) => {
  await page.setViewportSize({ width: 1366, height: 768 });
  await signInAs(page, 'giamsat01', 'Võ Thanh Tâm');
  await page.getByTestId('search-input').waitFor();
  await page.getByTestId('nav-settings').click();
  const nav = page.getByTestId('settings-nav');
  await expect(nav).toBeVisible();
  await expect(nav.getByRole('link')).toHaveText([
    'Thông tin chung',
    'Máy chủ thư mục',
    'Tìm kiếm',
    'Phân quyền và thuộc tính',
    'Kênh gửi tin nhắn SMS',
    'Thư điện tử (SMTP)',
    'Nhật ký và phiên làm việc',
    'Dùng chung cho tổ tổng đài',
  ]);
  // A section from the navigation: brought into view, marked as the current one.
  await page.getByTestId('settings-nav-mail').click();
  await expect(page.getByTestId('settings-mail')).toBeInViewport();
  await expect(page.getByTestId('settings-nav-mail')).toHaveAttribute('aria-current', 'location');
  // The navigation stays in view while the form scrolls.
  await expect(nav).toBeInViewport();
  await shot(page, info, 'settings-side-nav');

  // Nothing typed: leaving asks nothing.
  await page.getByTestId('nav-search').click();
  await expect(page.getByTestId('search-input')).toBeVisible();
  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('settings-dirty')).toHaveCount(0);

  // A change not saved: marked, and leaving asks; "Ở lại" keeps the screen and what was typed.
  await page.getByTestId('settings-agency').fill('Sở Thông tin và Truyền thông Hà Giang');
  await expect(page.getByTestId('settings-dirty')).toHaveText('Có thay đổi chưa lưu');
  await page.getByTestId('nav-search').click();
  const prompt = page.getByTestId('settings-leave-prompt');
  await expect(prompt).toContainText('Có thay đổi chưa lưu. Rời trang sẽ bỏ các thay đổi này.');
  await expect(page.getByTestId('settings-leave-stay')).toBeFocused();
  await shot(page, info, 'settings-leave-prompt');
  await page.keyboard.press('Enter');
  await expect(prompt).toHaveCount(0);
  await expect(page.getByTestId('settings-agency')).toHaveValue('Sở Thông tin và Truyền thông Hà Giang');
  await expect(page.getByTestId('search-input')).toHaveCount(0);

  // Dropping them leaves, and nothing was saved.
  await page.getByTestId('nav-search').click();
  await page.getByTestId('settings-leave-discard').click();
  await expect(page.getByTestId('search-input')).toBeVisible();
  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('settings-agency')).not.toHaveValue('Sở Thông tin và Truyền thông Hà Giang');
  await expect(page.getByTestId('settings-dirty')).toHaveCount(0);
});

test('settings: the server name on the certificate and the mobile fallbacks — labelled in Vietnamese, checked by the main process', async ({ page }) => {
  await signInAs(page, 'giamsat01', 'Võ Thanh Tâm');
  await page.getByTestId('search-input').waitFor();
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-mode').selectOption('directory');
  await expect(page.getByLabel('Tên máy chủ ghi trên chứng chỉ')).toHaveValue('');
  await expect(page.getByLabel('Tìm số di động cả trong')).toHaveValue('telephoneNumber');
  await page.getByTestId('settings-url').fill('ldaps://127.0.0.1:1');
  await page.getByTestId('settings-base-dn').fill('dc=daotao,dc=gov,dc=vn');
  await page.getByTestId('settings-bind-dn').fill('cn=helpdesk,ou=system,dc=daotao,dc=gov,dc=vn');
  // An IP address is no name a certificate is checked against: refused next to the field.
  await page.getByTestId('settings-tls-server-name').fill('10.0.0.5');
  await page.getByTestId('settings-test').click();
  await expect(page.getByTestId('field-error-settings.directory.tlsServerName')).toContainText('Sai định dạng');
  // A name on a connection with no certificate (plain ldap:// on loopback) would go unused: said at the field.
  await page.getByTestId('settings-url').fill('ldap://127.0.0.1:1');
  await page.getByTestId('settings-tls-server-name').fill('ldap.daotao.gov.vn');
  await page.getByTestId('settings-test').click();
  await expect(page.getByTestId('field-error-settings.directory.tlsServerName')).toContainText('chỉ dùng với kết nối mã hóa');
  await page.getByTestId('settings-url').fill('ldaps://127.0.0.1:1');
  // One bad fallback attribute among several: shown at the field of the list.
  await page.getByTestId('settings-tls-server-name').fill('ldap.daotao.gov.vn');
  await page.getByTestId('settings-attr-mobileFallbacks').fill('telephoneNumber, số_di_động');
  await page.getByTestId('settings-test').click();
  await expect(page.getByTestId('field-error-settings.directory.attributes.mobileFallbacks')).toContainText('Sai định dạng');
  // Both right: the test reaches the network (nothing listens on port 1).
  await page.getByTestId('settings-attr-mobileFallbacks').fill('telephoneNumber, homePhone');
  await page.getByTestId('settings-test').click();
  await expect(page.getByTestId('connection-step-tcp')).toHaveClass(/is-failed/);
});
