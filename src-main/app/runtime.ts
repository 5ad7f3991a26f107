import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { directoryDefaults } from '../common/settings';
import { testDirectoryConnection } from '../adapters/ldap/connection-test';
import { LdapDirectory } from '../adapters/ldap/ldap-directory';
import { SqliteAuditLog } from '../adapters/store/audit-store';
import { openDatabase } from '../adapters/store/database';
import { SettingsFile } from '../adapters/store/settings-file';
import { startTrainingDirectory } from '../adapters/training/training-directory';
import type { Clock, SecretStore } from '../domain/ports';
import { createHelpdesk, type HelpdeskApp, type TrainingBackend } from './helpdesk';

export interface RuntimeOptions {
  /** Folder for the database (and settings.json unless settingsPath is given). */
  dataDir: string;
  settingsPath?: string;
  /** The app's `resources/` folder (training directory LDIF, templates). */
  resourcesDir: string;
  secrets: SecretStore;
  version: string;
  clock?: Clock;
}

export interface Runtime extends HelpdeskApp {
  dataDir: string;
  databasePath: string;
  settingsPath: string;
}

export const systemClock: Clock = { now: () => new Date() };

/** Starts the training directory from resources/training/directory.ldif on a random loopback port. */
export async function startTraining(resourcesDir: string): Promise<TrainingBackend> {
  const ldif = readFileSync(join(resourcesDir, 'training', 'directory.ldif'), 'utf8');
  const server = await startTrainingDirectory({ ldif });
  return {
    settings: {
      ...directoryDefaults('openldap'),
      url: server.url,
      baseDn: server.baseDn,
      serviceBindDn: server.serviceDn,
      passwordPolicyDn: server.policyDn,
    },
    servicePassword: server.servicePassword,
    close: () => server.close(),
  };
}

/** The composition root shared by the Electron shell and the web harness. */
export function createRuntime(opts: RuntimeOptions): Runtime {
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const databasePath = join(opts.dataDir, 'helpdesk.sqlite');
  const settingsPath = opts.settingsPath ?? join(opts.dataDir, 'settings.json');
  const clock = opts.clock ?? systemClock;
  const db = openDatabase(databasePath);
  const app = createHelpdesk({
    settings: new SettingsFile(settingsPath),
    secrets: opts.secrets,
    audit: new SqliteAuditLog(db, clock),
    clock,
    directoryFactory: (profile, password) => new LdapDirectory(profile, password),
    startTraining: () => startTraining(opts.resourcesDir),
    testConnection: testDirectoryConnection,
    version: opts.version,
  });
  return {
    ...app,
    dataDir: opts.dataDir,
    databasePath,
    settingsPath,
    async close() {
      await app.close();
      db.close();
    },
  };
}
