import { servicePasswordKey } from '../../src-main/app/secret-keys';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeytarSecretStore } from '../../src-main/adapters/secrets/keytar-secret-store';
import { createRuntime, type Runtime } from '../../src-main/app/runtime';
import { AUDIT_KEY_NAME } from '../../src-main/app/runtime';
import { type Settings } from '../../src-main/common/settings';
import { generateDirectoryLdif, TRAINING_OPERATOR_PASSWORD } from '../../scripts/training-data';
import { type SlapdHandle, startSlapd, trainingProfile } from '../helpers/slapd';

// Needs a Secret Service: `npm test` runs the suite under dbus-run-session + gnome-keyring-daemon.
const BASE = 'dc=daotao,dc=gov,dc=vn';
const store = new KeytarSecretStore('vn.gov.helpdesk.test');
let slapd: SlapdHandle;
let dataDir: string;
let runtime: Runtime;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

beforeAll(async () => {
  expect(await store.available(), 'no Secret Service: run through `npm test` (gnome-keyring under dbus-run-session)').toBe(true);
  slapd = await startSlapd({ baseDn: BASE, ldif: generateDirectoryLdif({ baseDn: BASE, count: 40 }) });
  dataDir = mkdtempSync(join(tmpdir(), 'helpdesk-keychain-'));
});

afterAll(async () => {
  await runtime?.close();
  if (slapd) await store.delete(servicePasswordKey({ url: slapd.url, serviceBindDn: slapd.serviceDn, startTls: false, caCertificate: '' })).catch(() => undefined);
  await slapd?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('OS keychain (gnome-keyring via libsecret)', () => {
  it('round-trips a secret through keytar and deletes it', async () => {
    const name = `probe-${randomBytes(4).toString('hex')}`;
    const secret = `Mật khẩu-${randomBytes(8).toString('base64')}`;
    await store.set(name, secret);
    expect(await store.get(name)).toBe(secret);
    await store.delete(name);
    expect(await store.get(name)).toBeNull();
  });

  it('after a full session the service password is in no file of the data folder nor in the DB', async () => {
    runtime = await createRuntime({ dataDir, resourcesDir: join(process.cwd(), 'resources'), secrets: store, version: 'test' });
    const { api } = runtime;
    const settings: Settings = {
      version: 1,
      locale: 'vi',
      mode: 'directory',
      directory: trainingProfile(slapd, BASE),
    };
    const saved = await api.settings.save({ settings, servicePassword: slapd.servicePassword });
    expect(saved).toMatchObject({ ok: true, value: { servicePasswordStored: true, keychainAvailable: true } });
    expect(await store.get(servicePasswordKey(settings.directory!))).toBe(slapd.servicePassword);

    // Testing the stored password is a supervisor's business once a directory is configured.
    expect((await api.session.signIn({ username: 'giamsat01', password: TRAINING_OPERATOR_PASSWORD })).ok).toBe(true);
    const test = await api.settings.testConnection({ settings });
    expect(test.ok && test.value.ok).toBe(true); // used the stored password
    // A changed URL never receives the stored password.
    const moved = await api.settings.testConnection({ settings: { ...settings, directory: { ...settings.directory!, url: 'ldap://127.0.0.1:1' } } });
    expect(moved.ok && moved.value.steps.some((s) => s.code === 'SERVICE_PASSWORD_MISSING' || s.step === 'tcp')).toBe(true);

    const found = await api.directory.search({ query: 'nguyen van' });
    expect(found.ok && found.value.items.length).toBeGreaterThan(0);
    const id = found.ok ? found.value.items[0]!.id : '';
    expect((await api.directory.getAccount({ id })).ok).toBe(true);
    expect((await api.directory.search({ query: '079088001234' })).ok).toBe(true);
    // The production audit is chained with a key kept in the keychain; the supervisor's check walks it.
    const verified = await api.audit.verify({});
    expect(verified).toMatchObject({ ok: true, value: { ok: true, rows: 5, problemCount: 0 } });
    expect((await api.session.signOut({})).ok).toBe(true);
    await runtime.close();
    const auditKey = await store.get(AUDIT_KEY_NAME);
    expect(auditKey).toMatch(/^[0-9a-f]{64}$/u);

    const needles = [slapd.servicePassword, TRAINING_OPERATOR_PASSWORD, '079088001234', auditKey!];
    const files = filesUnder(dataDir);
    expect(files.some((f) => f.endsWith('helpdesk.sqlite'))).toBe(true);
    expect(files.some((f) => f.endsWith('settings.json'))).toBe(true);
    for (const f of files) {
      const bytes = readFileSync(f);
      expect([f, bytes.includes(Buffer.from(auditKey!, 'hex'))]).toEqual([f, false]); // the key's raw bytes either
      for (const n of needles) {
        expect([f, bytes.includes(Buffer.from(n, 'utf8')) || bytes.includes(Buffer.from(n, 'utf16le'))]).toEqual([f, false]);
      }
    }
    const db = new Database(join(dataDir, 'helpdesk.sqlite'), { readonly: true });
    const rows = db.prepare('SELECT * FROM audit ORDER BY seq').all() as { action: string; detail: string }[];
    db.close();
    expect(rows.map((r) => r.action)).toEqual([
      'settings.save',
      'session.signIn',
      'directory.search',
      'directory.view',
      'directory.search',
      'audit.verify',
      'session.signOut',
    ]);
    // Answered by the directory, or by the search index once its first build is done (a race on a busy machine).
    const { via, ...searched } = JSON.parse(rows[4]!.detail) as { via?: string };
    expect(searched).toEqual({ readAs: 'citizenId', results: 1 });
    expect([undefined, 'index']).toContain(via);
  });
});
