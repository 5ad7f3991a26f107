import { servicePasswordKey } from '../../src-main/app/secret-keys';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { KeytarSecretStore } from '../../src-main/adapters/secrets/keytar-secret-store';
import type { Settings } from '../../src-main/common/settings';
import { generateDirectoryLdif, TRAINING_OPERATOR_PASSWORD } from '../../scripts/training-data';
import { type Harness, killHarness, must, startHarness } from '../helpers/harness-process';
import { type SlapdHandle, startSlapd, trainingProfile } from '../helpers/slapd';
import { shot } from './support';

// Issue #6, "directory restarts mid-session (reconnect, no stuck UI)", in the browser: a harness of its
// own in directory mode over a real slapd. The directory goes away, hangs, comes back; the operator's
// page says so in words each time, never keeps spinning, and works again without signing in again.
// (The contract-level proof with timings is test/integration/fault-sweep.test.ts.)

const BASE = 'dc=daotao,dc=gov,dc=vn';
const TOKEN = randomBytes(24).toString('base64url');
const TIMEOUT_MS = 2000;
const keychain = new KeytarSecretStore();

let slapd: SlapdHandle | undefined;
let harness: Harness | undefined;
let settings: Settings | undefined;
let work: string | undefined;

test.beforeAll(async () => {
  test.setTimeout(90_000);
  slapd = await startSlapd({ baseDn: BASE, ldif: generateDirectoryLdif({ baseDn: BASE, count: 30 }) });
  work = mkdtempSync(join(tmpdir(), 'helpdesk-e2e-restart-'));
  harness = await startHarness({ dataDir: join(work, 'data'), token: TOKEN });
  settings = {
    version: 1,
    locale: 'vi',
    mode: 'directory',
    directory: { ...trainingProfile(slapd, BASE), timeoutMs: TIMEOUT_MS, connectTimeoutMs: 1000 },
  };
  await must(harness, 'settings', 'save', { settings, servicePassword: slapd.servicePassword });
});

test.afterAll(async () => {
  await killHarness(harness);
  if (settings?.directory) await keychain.delete(servicePasswordKey(settings.directory)).catch(() => undefined);
  await slapd?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the directory stops, hangs and comes back: the page says so, never hangs, and goes on without a new sign-in', async ({ page }, info) => {
  test.setTimeout(90_000);
  await page.goto(`${harness!.base}/?token=${TOKEN}`);
  await page.getByTestId('signin-username').fill('tongdai01');
  await page.getByTestId('signin-password').fill(TRAINING_OPERATOR_PASSWORD);
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('operator-name')).toContainText('Đặng Thu Hà');
  await expect(page.getByTestId('training-banner')).toHaveCount(0);

  const input = page.getByTestId('search-input');
  const error = page.getByTestId('search-error');
  await input.fill('nguyen');
  await expect(page.getByTestId('result-row').first()).toBeVisible();

  // Stopped: a clear message at once, the field still usable.
  await slapd!.halt();
  await input.fill('tran');
  await expect(error).toContainText('Không kết nối được đến máy chủ thư mục.');
  await expect(page.getByTestId('result-row')).toHaveCount(0);
  await expect(input).toBeEditable();
  await shot(page, info, 'directory-stopped');

  // Back on the same port: the next search works, same session (no sign-in page on the way).
  await slapd!.start();
  await input.fill('nguyen van');
  await expect(page.getByTestId('result-row').first()).toBeVisible();
  await expect(error).toHaveCount(0);
  await expect(page.getByTestId('operator-name')).toContainText('Đặng Thu Hà');

  // Hung (accepts, never answers): the timeout's message within the timeout and a margin, no endless spinner.
  await slapd!.pause();
  try {
    const t0 = Date.now();
    await input.fill('le thi');
    await expect(error).toContainText('Máy chủ thư mục không phản hồi kịp thời.', { timeout: TIMEOUT_MS + 5000 });
    expect(Date.now() - t0).toBeLessThan(TIMEOUT_MS + 5000);
    await expect(page.locator('.search-results .spinner')).toHaveCount(0);
  } finally {
    slapd!.resume();
  }

  // And again it recovers by itself.
  await input.fill('nguyen');
  await expect(page.getByTestId('result-row').first()).toBeVisible();
  await expect(error).toHaveCount(0);
});
