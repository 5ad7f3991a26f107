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
  // The cause in words, not the system's code (kept for the administrator only when no words are known).
  await expect(page.getByTestId('connection-step-tcp').getByTestId('technical-detail')).toHaveText('Nguyên nhân: máy chủ từ chối kết nối');
  await expect(page.getByTestId('connection-step-tcp')).not.toContainText('ECONNREFUSED');
  await expect(page.getByTestId('connection-report-outcome')).toBeVisible();
  // Nothing was saved: the app is still in training mode.
  await page.reload();
  await expect(page.getByTestId('training-banner')).toBeVisible();
});
