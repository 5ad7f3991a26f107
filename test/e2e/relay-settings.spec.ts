import { type APIRequestContext, expect, type Page, test } from '@playwright/test';
import { auth, signInAs, signOutBeforeEach, token, TRAINING_PASSWORD } from './support';

/**
 * Not the default eSMS address: relay secrets are keyed to the endpoint in the OS keychain, which outlives
 * this run's data folder, so the test keys never sit under the real gateway's entry.
 */
const TEST_ESMS_URL = 'https://esms.e2e.invalid/MainService.svc/json/SendMultipleMessage_V4_post_json/';

interface SettingsView {
  settings: { sms?: { provider: string } } & Record<string, unknown>;
  keychainAvailable: boolean;
}

async function settingsGet(request: APIRequestContext): Promise<SettingsView> {
  const r = await request.post('/api/settings/get', { data: {}, headers: auth });
  const body = (await r.json()) as { ok: boolean; value: SettingsView };
  expect(body.ok).toBe(true);
  return body.value;
}

signOutBeforeEach();

// Whatever happened above, the rest of the run finds no SMS relay configured (a supervisor puts it back:
// once a secret is stored, the settings are no longer open without sign-in, training mode included).
test.afterEach(async ({ request }) => {
  const signedIn = await request.post('/api/session/signIn', { data: { username: 'giamsat01', password: TRAINING_PASSWORD }, headers: auth });
  expect((await signedIn.json()).ok).toBe(true);
  const view = await settingsGet(request);
  if (view.settings.sms && view.settings.sms.provider !== 'none') {
    const r = await request.post('/api/settings/save', { data: { settings: { ...view.settings, sms: { provider: 'none' } } }, headers: auth });
    expect((await r.json()).ok).toBe(true);
  }
});

async function openSettings(page: Page): Promise<void> {
  await signInAs(page, 'giamsat01', 'Võ Thanh Tâm');
  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('settings-sms-provider')).toBeVisible();
}

test('relay settings: eSMS keys go to the keychain (or a translated refusal), a bad URL is shown at its field', async ({ page }) => {
  await openSettings(page);
  // What the main process says about the keychain decides which outcome is the right one.
  const { keychainAvailable } = await settingsGet(page.request);
  test.info().annotations.push({ type: 'keychain', description: keychainAvailable ? 'available' : 'unavailable' });
  const training = 'Chế độ đào tạo: tin nhắn và thư được đưa vào Hộp thư đi, không gửi thật.';
  await expect(page.getByTestId('settings-sms-training')).toHaveText(training);
  await expect(page.getByTestId('settings-mail-training')).toHaveText(training);
  await expect(page.getByTestId('settings-sms-provider')).toHaveValue('none');
  await expect(page.getByTestId('settings-sms-url')).toHaveCount(0);

  await page.getByTestId('settings-sms-provider').selectOption('esms');
  await expect(page.getByTestId('settings-sms-provider').locator('option:checked')).toHaveText('eSMS.vn');
  await page.getByTestId('settings-sms-url').fill(TEST_ESMS_URL);
  await page.getByTestId('settings-sms-brandname').fill('SO TTTT');
  await page.getByTestId('settings-sms-api-key').fill('E2E-API-KEY');
  await page.getByTestId('settings-sms-secret-key').fill('E2E-SECRET-KEY');
  // Only eSMS's own fields are on the form.
  await expect(page.getByTestId('settings-sms-sender')).toHaveCount(0);
  await expect(page.getByTestId('settings-sms-secret')).toHaveCount(0);
  await page.getByTestId('settings-save').click();

  if (keychainAvailable) {
    await expect(page.getByTestId('settings-saved')).toContainText('Đã lưu');
    await expect(page.getByTestId('settings-sms-keychain-unavailable')).toHaveCount(0);
    await page.reload();
    await expect(page.getByTestId('settings-sms-provider')).toHaveValue('esms');
    await expect(page.getByTestId('settings-sms-url')).toHaveValue(TEST_ESMS_URL);
    await expect(page.getByTestId('settings-sms-brandname')).toHaveValue('SO TTTT');
    await expect(page.getByTestId('settings-sms-sms-type')).toHaveValue('2');
    for (const key of ['settings-sms-api-key', 'settings-sms-secret-key']) {
      await expect(page.getByTestId(key)).toHaveValue('');
      await expect(page.getByTestId(key)).toHaveAttribute('placeholder', 'Đã lưu trong kho khóa');
    }
    // The workstation holds a secret now: a passer-by (nobody signed in) no longer reaches the settings,
    // training mode or not — no link on the sign-in page, and the main process refuses the call itself.
    expect((await (await page.request.post('/api/session/signOut', { data: {}, headers: auth })).json()).ok).toBe(true);
    await page.goto(`/?token=${token}`);
    await expect(page.getByTestId('signin-username')).toBeVisible();
    await expect(page.getByRole('link', { name: 'Cài đặt kết nối thư mục' })).toHaveCount(0);
    const refused = (await (await page.request.post('/api/settings/get', { data: {}, headers: auth })).json()) as { ok: boolean; error?: { code: string } };
    expect(refused).toEqual({ ok: false, error: { code: 'NOT_SIGNED_IN' } });
    await openSettings(page);
  } else {
    await expect(page.getByTestId('settings-sms-keychain-unavailable')).toContainText('Kho khóa của hệ điều hành không khả dụng');
    await expect(page.getByTestId('settings-error')).toContainText('Kho khóa của hệ điều hành không khả dụng.');
    await expect(page.getByTestId('settings-saved')).toHaveCount(0);
    // Refused before anything was written: still no SMS relay.
    expect((await settingsGet(page.request)).settings.sms?.provider ?? 'none').toBe('none');
  }

  // Plain http:// off loopback: refused, and said next to the URL field.
  await page.getByTestId('settings-sms-url').fill('http://example.org');
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('field-error-settings.sms.url')).toHaveText('Sai định dạng.');
  await expect(page.getByTestId('settings-sms-url')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('settings-sms-url')).toBeFocused();

  // Back to "Không dùng", so the rest of the run is unaffected.
  await page.getByTestId('settings-sms-provider').selectOption({ label: 'Không dùng' });
  await expect(page.getByTestId('settings-sms-url')).toHaveCount(0);
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('settings-saved')).toContainText('Đã lưu');
  expect((await settingsGet(page.request)).settings.sms?.provider ?? 'none').toBe('none');
});
