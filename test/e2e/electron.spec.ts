import { _electron as electron, expect, test } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_MANIFEST } from '../../src-main/common/manifest';

// @electron: launches the real Electron binary on the built app (`npm run build`). Runs only where the
// binary exists (playwright.config.ts adds the project then); the web project proves the same UI in Chromium.
test('@electron the desktop window is sandboxed, exposes only window.helpdesk, and runs training mode', async () => {
  const userData = mkdtempSync(join(tmpdir(), 'helpdesk-electron-'));
  const app = await electron.launch({ args: [join(process.cwd(), 'out/main/main.js'), `--user-data-dir=${userData}`] });
  try {
    const win = await app.firstWindow();
    // No Node in the page: no process, no require.
    expect(await win.evaluate(() => [typeof (globalThis as { process?: unknown }).process, typeof (globalThis as { require?: unknown }).require])).toEqual([
      'undefined',
      'undefined',
    ]);
    expect(await win.evaluate(() => Object.keys((globalThis as unknown as { helpdesk: object }).helpdesk).sort())).toEqual(Object.keys(API_MANIFEST).sort());
    // The page comes from the app's own scheme (checklist item 18), not file://, and cannot read files.
    expect(win.url()).toMatch(/^app:\/\/helpdesk\/index\.html(#.*)?$/u);
    expect(await win.evaluate(() => fetch('file:///etc/hostname').then(() => 'read', () => 'refused'))).toBe('refused');
    // The protocol handler itself, through the main process's net.fetch (the page cannot fetch app:// at all).
    const statusOf = (url: string) => app.evaluate(async ({ net }, u) => (await net.fetch(u)).status, url);
    expect(await statusOf('app://helpdesk/index.html')).toBe(200);
    expect(await statusOf('app://helpdesk/..%2f..%2fpackage.json')).toBe(404);
    expect(await statusOf('app://helpdesk/..%2fmain%2fmain.js')).toBe(404);
    await expect(win.getByTestId('training-banner')).toBeVisible();
    await win.getByTestId('signin-username').fill('tongdai01');
    await win.getByTestId('signin-password').fill('DaoTao@2026');
    await win.getByTestId('signin-submit').click();
    await expect(win.getByTestId('operator-name')).toContainText('Đặng Thu Hà');
    // window.open is denied.
    expect(await win.evaluate(() => (globalThis as unknown as { open(u: string): unknown }).open('https://example.org') === null)).toBe(true);
  } finally {
    await app.close();
  }
});
