import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySecretStore } from '../../src-main/adapters/secrets/keytar-secret-store';
import { createRuntime, type Runtime } from '../../src-main/app/runtime';
import type { Settings } from '../../src-main/common/settings';
import { generateDirectoryLdif, TRAINING_OPERATOR_PASSWORD } from '../../scripts/training-data';
import { sessionSettings } from '../helpers/session-settings';
import { type SlapdHandle, startSlapd } from '../helpers/slapd';
import { type HttpSmsSink, startHttpSmsSink } from '../helpers/sms-sinks';

// Who may change the settings, and when, on a real runtime (SQLite audit, the training directory) over a
// real slapd and a real SMS gateway sink: the first setup is open; a workstation that holds an audit or a
// stored secret is not, in training mode either; leaving training mode re-confirms the whole profile;
// a save that would sign everyone out passes its connection test first.
const BASE = 'dc=daotao,dc=gov,dc=vn';
const ESMS = { apiKey: 'k-guard-123456', secretKey: 's-guard-123456' };
let slapd: SlapdHandle;
let sms: HttpSmsSink;
let runtime: Runtime;
let dataDir: string;
let production: Settings;

const settingsFile = () => readFileSync(runtime.settingsPath, 'utf8');

beforeAll(async () => {
  [slapd, sms] = await Promise.all([startSlapd({ baseDn: BASE, ldif: generateDirectoryLdif({ baseDn: BASE, count: 10 }) }), startHttpSmsSink({ esms: ESMS })]);
  dataDir = mkdtempSync(join(tmpdir(), 'helpdesk-settings-guard-'));
  runtime = await createRuntime({ dataDir, resourcesDir: join(process.cwd(), 'resources'), secrets: new MemorySecretStore(), version: 'test' });
  production = sessionSettings({ slapd, baseDn: BASE, sms, smsTimeoutMs: 3000 });
});

afterAll(async () => {
  await runtime?.close();
  await Promise.all([slapd?.stop(), sms?.close()]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('settings: the first setup only is open without sign-in', () => {
  it('a fresh workstation: open to whoever sets it up', async () => {
    expect(await runtime.api.session.current({})).toMatchObject({ ok: true, value: { mode: 'training', setupOpen: true, operator: null } });
    expect(await runtime.api.settings.get({})).toMatchObject({ ok: true });
  });

  it('a save that would leave a directory nobody can sign in to is refused by its connection test; nothing is saved', async () => {
    const before = (() => {
      try {
        return settingsFile();
      } catch {
        return null;
      }
    })();
    const r = await runtime.api.settings.save({ settings: production, servicePassword: 'not-the-password', smsSecret: JSON.stringify(ESMS) });
    expect(r).toEqual({ ok: false, error: { code: 'DIRECTORY_BIND', reason: 'connection_test', detail: 'connection test: bind' } });
    const after = (() => {
      try {
        return settingsFile();
      } catch {
        return null;
      }
    })();
    expect(after).toBe(before);
    expect(await runtime.api.session.current({})).toMatchObject({ ok: true, value: { mode: 'training', setupOpen: true } });
  });

  it('once the workstation holds an audit and secrets, training mode does not open the settings to a passer-by', async () => {
    expect((await runtime.api.settings.save({ settings: production, servicePassword: slapd.servicePassword, smsSecret: JSON.stringify(ESMS) })).ok).toBe(true);
    expect((await runtime.api.session.signIn({ username: 'giamsat01', password: TRAINING_OPERATOR_PASSWORD })).ok).toBe(true);
    // The supervisor takes the workstation to training mode for a lesson, and leaves it signed out.
    expect((await runtime.api.settings.save({ settings: { ...production, mode: 'training' } })).ok).toBe(true);
    await runtime.api.session.signOut({});
    expect(await runtime.api.session.current({})).toMatchObject({ ok: true, value: { mode: 'training', setupOpen: false, operator: null } });
    const kept = settingsFile();
    for (const call of [
      runtime.api.settings.get({}),
      runtime.api.settings.save({ settings: { ...production, directory: { ...production.directory!, url: `ldap://localhost:${new URL(slapd.url).port}` } }, servicePassword: 'x' }),
      runtime.api.settings.testConnection({ settings: production }),
    ]) {
      expect(await call).toEqual({ ok: false, error: { code: 'NOT_SIGNED_IN' } });
    }
    expect(settingsFile()).toBe(kept);
  });

  it('leaving training mode: the same directory only, and every secret given again (the relays included)', async () => {
    // A training sign-in (its passwords are public) is a sign-in, but it cannot take the audit elsewhere…
    expect((await runtime.api.session.signIn({ username: 'giamsat01', password: TRAINING_OPERATOR_PASSWORD })).ok).toBe(true);
    const kept = settingsFile();
    const elsewhere: Settings = { ...production, directory: { ...production.directory!, url: `ldap://localhost:${new URL(slapd.url).port}` } };
    expect(await runtime.api.settings.save({ settings: elsewhere, servicePassword: slapd.servicePassword, smsSecret: JSON.stringify(ESMS) })).toEqual({
      ok: false,
      error: { code: 'ACTION_NOT_PERMITTED', reason: 'directory_identity' },
    });
    // …nor reuse the agency's stored SMS account without its secret.
    expect(await runtime.api.settings.save({ settings: production, servicePassword: slapd.servicePassword })).toEqual({
      ok: false,
      error: { code: 'VALIDATION_FAILED', field: 'smsSecret', reason: 'required' },
    });
    expect(settingsFile()).toBe(kept);
    expect(await runtime.api.session.current({})).toMatchObject({ ok: true, value: { mode: 'training' } });
    // Whoever knows every secret of the same directory takes it back to work.
    const back = await runtime.api.settings.save({ settings: production, servicePassword: slapd.servicePassword, smsSecret: JSON.stringify(ESMS) });
    expect(back).toMatchObject({ ok: true, value: { settings: { mode: 'directory' }, servicePasswordStored: true, smsSecretStored: true } });
    expect(await runtime.api.session.current({})).toMatchObject({ ok: true, value: { mode: 'directory', setupOpen: false, operator: null } });
    expect(await runtime.api.settings.get({})).toEqual({ ok: false, error: { code: 'NOT_SIGNED_IN' } });
  });

  it('in directory mode, a supervisor changing the profile is held to the connection test too', async () => {
    expect((await runtime.api.session.signIn({ username: 'giamsat01', password: TRAINING_OPERATOR_PASSWORD })).ok).toBe(true);
    const kept = settingsFile();
    const wrongBase: Settings = { ...production, directory: { ...production.directory!, baseDn: 'dc=khong-co,dc=gov,dc=vn' } };
    expect(await runtime.api.settings.save({ settings: wrongBase })).toMatchObject({ ok: false, error: { code: 'DIRECTORY_BASE_DN', reason: 'connection_test' } });
    expect(settingsFile()).toBe(kept);
    // Still signed in: nothing changed, nobody was signed out.
    expect(await runtime.api.session.current({})).toMatchObject({ ok: true, value: { operator: { username: 'giamsat01' } } });
    expect(await runtime.api.settings.get({})).toMatchObject({ ok: true, value: { settings: { directory: { baseDn: BASE } }, smsSecretStored: true } });
  });
});
