import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRuntime } from '../app/runtime';
import { KeytarSecretStore } from '../adapters/secrets/keytar-secret-store';
import { startWebServer } from './server';

/**
 * `npm run web`: the app in a browser, for development, E2E tests and machines without Electron.
 * HELPDESK_CONFIG names the settings JSON, HELPDESK_PORT the port, HELPDESK_DATA_DIR the data folder,
 * HELPDESK_TOKEN (optional) the API token.
 */
async function main(): Promise<void> {
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
  const dataDir = resolve(process.env.HELPDESK_DATA_DIR ?? join(homedir(), '.helpdesk-web'));
  const runtime = await createRuntime({
    dataDir,
    ...(process.env.HELPDESK_CONFIG ? { settingsPath: resolve(process.env.HELPDESK_CONFIG) } : {}),
    resourcesDir: join(repo, 'resources'),
    secrets: new KeytarSecretStore(),
    version: pkg.version,
    ...(process.env.HELPDESK_EXPORT_DIR ? { exportDir: resolve(process.env.HELPDESK_EXPORT_DIR) } : {}),
  });
  // HELPDESK_TOKEN lets a test runner know the token in advance; otherwise a fresh random one.
  const given = process.env.HELPDESK_TOKEN;
  if (given !== undefined && !/^[A-Za-z0-9_-]{16,128}$/u.test(given)) throw new Error('HELPDESK_TOKEN must be 16–128 URL-safe characters');
  const token = given ?? randomBytes(24).toString('base64url');
  const port = process.env.HELPDESK_PORT ? Number(process.env.HELPDESK_PORT) : 0;
  const web = await startWebServer({ api: runtime.api, staticDir: join(repo, 'out', 'renderer'), token, port });
  process.stdout.write(`Helpdesk web harness: ${web.url}\n`);
  const stop = () => {
    void web.close().then(() => runtime.close()).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`Helpdesk web harness failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
