import { expect, test } from '@playwright/test';
import { signInAs, signOutBeforeEach } from './support';

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
  await expect(page.getByTestId('connection-report-outcome')).toBeVisible();
  // Nothing was saved: the app is still in training mode.
  await page.reload();
  await expect(page.getByTestId('training-banner')).toBeVisible();
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
