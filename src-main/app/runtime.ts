import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AppMode } from '../common/dto';
import { directoryDefaults, type Settings } from '../common/settings';
import { mailSecretKey, smsSecretKey } from './secret-keys';
import { cryptoRandom, HmacCodeHasher, newOtpKey } from '../adapters/crypto/otp-crypto';
import { exportAuditRows } from '../adapters/export/audit-export';
import { exportDashboardList } from '../adapters/export/dashboard-export';
import { writeMonthlyReportPdf } from '../adapters/export/monthly-report';
import { createMailRelay } from '../adapters/mail/smtp-relay';
import { createSmsRelay } from '../adapters/sms/index';
import { SqliteOtpStore } from '../adapters/store/otp-store';
import { Outbox } from '../adapters/training/outbox';
import { OtpService } from '../domain/otp';
import type { MessageTemplates } from './cases';
import type { ChooseExportPath } from './export-target';
import { testDirectoryConnection } from '../adapters/ldap/connection-test';
import { LdapDirectory } from '../adapters/ldap/ldap-directory';
import { auditIsEmpty, keyFitsChain, newAuditKey, SqliteAuditLog } from '../adapters/store/audit-store';
import { type Db, openDatabase } from '../adapters/store/database';
import { SqliteSearchIndex } from '../adapters/store/sqlite-search-index';
import { HelpdeskError } from '../domain/errors';
import { SettingsFile } from '../adapters/store/settings-file';
import { startTrainingDirectory, trainingRoleGroups } from '../adapters/training/training-directory';
import type { AuditLog, Clock, SecretStore } from '../domain/ports';
import { createHelpdesk, type HelpdeskApp, type TrainingBackend } from './helpdesk';
import { openTeamStores, pgTeamJoining } from './team-store';
import { indexProfileKey } from './search-index-keeper';

export interface RuntimeOptions {
  /** Folder for the database (and settings.json unless settingsPath is given). */
  dataDir: string;
  settingsPath?: string;
  /** The app's `resources/` folder (training directory LDIF, templates). */
  resourcesDir: string;
  secrets: SecretStore;
  version: string;
  clock?: Clock;
  /** Folder proposed for exports (default: ~/Downloads when it exists, else the home folder). */
  exportDir?: string;
  /** The file an export goes to (the desktop app: its save dialog). Default: the name in `exportDir`. */
  chooseExportPath?: ChooseExportPath;
}

export interface Runtime extends HelpdeskApp {
  dataDir: string;
  /** The production database (directory mode): audit chain, code counters. */
  databasePath: string;
  /** Training mode's own database, recreated at every start: nothing of it mixes with production. */
  trainingDatabasePath: string;
  settingsPath: string;
}

/** One mode's storage: its database, its audit chain, its code counters. */
interface ModeStore {
  db: Db;
  audit: SqliteAuditLog;
  otp: SqliteOtpStore;
}

/** Keychain entry of the key that chains the production audit rows. */
export const AUDIT_KEY_NAME = 'audit-hmac-key';

/**
 * Directory mode when the production audit cannot be opened (no keychain, or a key that does not fit
 * the chain): nothing can be audited, so nothing may happen — and nothing is shown as if it were empty.
 */
function unavailableAudit(code: 'SECRET_STORE_UNAVAILABLE' | 'AUDIT_KEY_MISSING'): AuditLog {
  const refuse = (): never => {
    throw new HelpdeskError(code);
  };
  return { append: refuse, recent: refuse, head: refuse, query: refuse, timeline: refuse, scan: refuse, purgeBefore: refuse, verify: refuse };
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
      roleGroups: trainingRoleGroups(server.baseDn),
    },
    servicePassword: server.servicePassword,
    close: () => server.close(),
  };
}

/** The caller-facing message templates (resources/templates). */
export function loadTemplates(resourcesDir: string): MessageTemplates {
  const t = (name: string) => readFileSync(join(resourcesDir, 'templates', name), 'utf8');
  return {
    sms: t('otp-sms.txt'),
    mailSubject: t('otp-mail.subject.txt'),
    mailText: t('otp-mail.txt'),
    mailHtml: t('otp-mail.html'),
    passwordSms: t('temp-password-sms.txt'),
    passwordMailSubject: t('temp-password-mail.subject.txt'),
    passwordMailText: t('temp-password-mail.txt'),
    passwordMailHtml: t('temp-password-mail.html'),
    contactNoticeSms: t('contact-notice-sms.txt'),
    contactNoticeMailSubject: t('contact-notice-mail.subject.txt'),
    contactNoticeMailText: t('contact-notice-mail.txt'),
  };
}

/** Keychain entry of the key that hashes one-time codes. */
export const OTP_KEY_NAME = 'otp-hmac-key';
/** The search index's key for the keyed hashes of the exact values it keeps. */
export const SEARCH_INDEX_KEY_NAME = 'search-index-key';

/**
 * The production store, when the keychain can hold the audit key. Without a keychain it is null: the
 * app still runs in training mode, and refuses directory work with SECRET_STORE_UNAVAILABLE.
 */
async function openProductionStore(path: string, secrets: SecretStore, clock: Clock): Promise<ModeStore | AuditLog> {
  if (!(await secrets.available())) return unavailableAudit('SECRET_STORE_UNAVAILABLE');
  const db = openDatabase(path);
  try {
    let stored = await secrets.get(AUDIT_KEY_NAME);
    if (!stored && !auditIsEmpty(db)) {
      // Rows exist but their key is gone (another machine, a reset keychain): a new key would make every
      // row look forged. Refuse, and say so, until the key is restored.
      db.close();
      return unavailableAudit('AUDIT_KEY_MISSING');
    }
    if (!stored) {
      stored = newAuditKey().toString('hex');
      await secrets.set(AUDIT_KEY_NAME, stored);
    }
    const key = /^[0-9a-f]{64,}$/iu.test(stored) ? Buffer.from(stored, 'hex') : null;
    if (!key || !keyFitsChain(db, key)) {
      db.close();
      return unavailableAudit('AUDIT_KEY_MISSING');
    }
    return { db, audit: new SqliteAuditLog(db, clock, key), otp: new SqliteOtpStore(db) };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Training's sandbox: a fresh database and an in-memory chain key at every start. */
function openTrainingStore(path: string, clock: Clock): ModeStore {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  const db = openDatabase(path);
  return { db, audit: new SqliteAuditLog(db, clock, newAuditKey()), otp: new SqliteOtpStore(db) };
}

function defaultExportDir(): string {
  const downloads = join(homedir(), 'Downloads');
  return existsSync(downloads) ? downloads : homedir();
}

/** The composition root shared by the Electron shell and the web harness. */
export async function createRuntime(opts: RuntimeOptions): Promise<Runtime> {
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const databasePath = join(opts.dataDir, 'helpdesk.sqlite');
  const trainingDatabasePath = join(opts.dataDir, 'training.sqlite');
  const settingsPath = opts.settingsPath ?? join(opts.dataDir, 'settings.json');
  const localClock = opts.clock ?? systemClock;
  // In team mode the rules run on the database's clock (desk.useClock), otherwise on this workstation's.
  let teamClock: Clock | null = null;
  const clock: Clock = { now: () => (teamClock ?? localClock).now() };
  const exportDir = opts.exportDir ?? defaultExportDir();
  const opened = await openProductionStore(databasePath, opts.secrets, clock);
  const production = 'db' in opened ? opened : null;
  const productionAudit = 'db' in opened ? opened.audit : opened;
  const training = openTrainingStore(trainingDatabasePath, clock);
  const store = (mode: AppMode): ModeStore | null => (mode === 'training' ? training : production);
  const outbox = new Outbox(() => clock.now());
  const otpServices = new Map<AppMode, Promise<OtpService>>();
  const otpKey = async (mode: AppMode): Promise<Buffer> => {
    // Training keeps its key in memory; production keeps it in the keychain (never on disk).
    if (mode === 'training') return newOtpKey();
    const stored = await opts.secrets.get(OTP_KEY_NAME);
    if (stored) return Buffer.from(stored, 'hex');
    const key = newOtpKey();
    await opts.secrets.set(OTP_KEY_NAME, key.toString('hex'));
    return key;
  };
  const otpService = (mode: AppMode): Promise<OtpService> => {
    let s = otpServices.get(mode);
    if (!s) {
      s = otpKey(mode).then((key) => {
        const modeStore = store(mode);
        if (!modeStore) throw new HelpdeskError('SECRET_STORE_UNAVAILABLE');
        return new OtpService(modeStore.otp, clock, cryptoRandom, new HmacCodeHasher(key));
      });
      s.catch(() => otpServices.delete(mode));
      otpServices.set(mode, s);
    }
    return s;
  };
  const relays = async (settings: Settings, mode: AppMode) => {
    if (mode === 'training') return { sms: outbox.sms(), mail: outbox.mail() };
    const sms = settings.sms ?? { provider: 'none' as const };
    const mail = settings.mail ?? { provider: 'none' as const };
    const smsKey = smsSecretKey(sms);
    const mailKey = mailSecretKey(mail);
    return {
      sms: createSmsRelay(sms, smsKey ? await opts.secrets.get(smsKey) : null),
      mail: createMailRelay(mail, mailKey ? await opts.secrets.get(mailKey) : null),
    };
  };
  const app = createHelpdesk({
    settings: new SettingsFile(settingsPath),
    secrets: opts.secrets,
    audit: (mode) => (mode === 'training' ? training.audit : productionAudit),
    clock,
    directoryFactory: (profile, password) => new LdapDirectory(profile, password),
    startTraining: () => startTraining(opts.resourcesDir),
    testConnection: testDirectoryConnection,
    templates: loadTemplates(opts.resourcesDir),
    otpService,
    relays,
    outbox,
    random: cryptoRandom,
    exportAudit: exportAuditRows,
    writeReport: writeMonthlyReportPdf,
    // One file per directory (URL, base, user filter): a copy of what search needs, rebuilt from the directory at will.
    // Its exact values (e-mails, mobiles, identifiers) are kept as keyed hashes, the key in the keychain.
    openSearchIndex: async (profile) => {
      let key = await opts.secrets.get(SEARCH_INDEX_KEY_NAME);
      if (!key) {
        key = randomBytes(32).toString('hex');
        await opts.secrets.set(SEARCH_INDEX_KEY_NAME, key);
      }
      return new SqliteSearchIndex(join(opts.dataDir, `search-index-${indexProfileKey(profile)}.sqlite`), Buffer.from(key, 'hex'));
    },
    exportDashboardList,
    exportDir,
    chooseExportPath: opts.chooseExportPath ?? (async (fileName) => join(exportDir, fileName)),
    version: opts.version,
    openTeam: (team) => openTeamStores(team, opts.secrets, localClock, { replicaDir: opts.dataDir }),
    useClock: (c) => (teamClock = c),
    teamJoining: pgTeamJoining,
  });
  return {
    ...app,
    dataDir: opts.dataDir,
    databasePath,
    trainingDatabasePath,
    settingsPath,
    async close() {
      await app.close();
      production?.db.close();
      training.db.close();
    },
  };
}
