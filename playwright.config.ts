import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { defineConfig } from '@playwright/test';

// Evaluated in the runner and again in each worker: the env set here on first evaluation is inherited.
process.env.HELPDESK_E2E_PORT ??= String(40000 + Math.floor(Math.random() * 20000));
process.env.HELPDESK_E2E_TOKEN ??= randomBytes(24).toString('base64url');
process.env.HELPDESK_E2E_DATA ??= mkdtempSync(join(tmpdir(), 'helpdesk-e2e-'));
// The folder the harness proposes for exports (AppInfo.exportDir), instead of the user's Downloads.
process.env.HELPDESK_E2E_EXPORT ??= mkdtempSync(join(tmpdir(), 'helpdesk-e2e-export-'));
const port = process.env.HELPDESK_E2E_PORT;

/**
 * Whether this machine has the Electron binary (it cannot be downloaded everywhere). Looked up without
 * `require('electron')`, which in Electron 45 starts a download when the binary is missing.
 */
function electronBinary(): string | null {
  try {
    const dir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const rel = readFileSync(join(dir, 'path.txt'), 'utf8').trim();
    const path = join(dir, 'dist', rel);
    return rel !== '' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}
const hasElectron = electronBinary() !== null;

export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results/e2e',
  timeout: 60_000,
  fullyParallel: false,
  workers: 1,
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    viewport: { width: 1280, height: 820 },
    locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
  projects: [
    // Tests tagged @electron launch the real Electron binary; they run only where it exists (not on these machines).
    { name: 'web', grepInvert: /@electron/ },
    ...(hasElectron ? [{ name: 'electron', grep: /@electron/ }] : []),
  ],
  webServer: {
    command: 'npx tsx src-main/web/main.ts',
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      HELPDESK_PORT: port,
      HELPDESK_TOKEN: process.env.HELPDESK_E2E_TOKEN,
      HELPDESK_DATA_DIR: process.env.HELPDESK_E2E_DATA,
      HELPDESK_EXPORT_DIR: process.env.HELPDESK_E2E_EXPORT,
    },
  },
});
