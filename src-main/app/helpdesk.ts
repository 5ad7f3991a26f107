import { basename } from 'node:path';
import type { HelpdeskApi } from '../common/api';
import type {
  AppInfo,
  AppMode,
  AuditEntry,
  AuditExportResult,
  ConnectionReport,
  DirectoryDashboard,
  MonthlyReport,
  ReportResult,
  OperatorInfo,
  OutboxMessage,
  SessionInfo,
  SettingsView,
} from '../common/dto';
import { resolveAuditFilter, retentionCutoff } from '../domain/audit-filter';
import { fail, ok, type Result } from '../common/result';
import { DEFAULT_IDLE_LOCK_MINUTES, DEFAULT_RETENTION_MONTHS, type DirectorySettings, type Settings } from '../common/settings';
import { mailSecretKey, servicePasswordKey, smsSecretKey } from './secret-keys';
import { toAccountDetail, toAccountSummary } from '../domain/account-view';
import { dnKey } from '../domain/dn';
import { errorCodeOf, HelpdeskError } from '../domain/errors';
import type { OtpService, RandomSource } from '../domain/otp';
import type { AuditLog, Clock, Directory, DirectoryFactory, MailRelay, SecretStore, SmsRelay } from '../domain/ports';
import { enforceAccess } from './access';
import { type ChooseExportPath, exportTarget } from './export-target';
import { createCases, type MessageTemplates } from './cases';
import { createDashboards, createReports } from './dashboards';
import { criteriaKinds, parseSearchQuery } from '../domain/search-query';

/** Where settings live: the JSON file (or anything with the same two methods). */
export interface SettingsSource {
  load(): Settings;
  save(settings: Settings): void;
}

/** The in-process training directory, started on first use. */
export interface TrainingBackend {
  settings: DirectorySettings;
  servicePassword: string;
  close(): Promise<void>;
}

export interface HelpdeskDeps {
  settings: SettingsSource;
  secrets: SecretStore;
  /** The audit of a mode: training keeps its own, production's is chained with a key from the keychain. */
  audit: (mode: AppMode) => AuditLog;
  clock: Clock;
  directoryFactory: DirectoryFactory;
  startTraining: () => Promise<TrainingBackend>;
  testConnection: (profile: DirectorySettings, servicePassword: string | null) => Promise<ConnectionReport>;
  templates: MessageTemplates;
  /** The OTP service for a mode (its hash key: keychain in directory mode, memory in training). */
  otpService: (mode: AppMode) => Promise<OtpService>;
  /** The relays for the current settings: the training Outbox, or the configured SMS gateway and SMTP server. */
  relays: (settings: Settings, mode: AppMode) => Promise<{ sms: SmsRelay; mail: MailRelay }>;
  outbox: { list(limit: number): OutboxMessage[] };
  /** CSPRNG for temporary passwords. */
  random: RandomSource;
  /** Writes a finished scan's list (per-unit counts, locked accounts) to CSV or XLSX. */
  exportDashboardList: (d: DirectoryDashboard, list: 'units' | 'locked', format: 'csv' | 'xlsx', path: string) => Promise<AuditExportResult>;
  /** Writes the monthly report PDF, whole or not at all. */
  writeReport: (report: MonthlyReport, path: string) => Promise<ReportResult>;
  /** Folder proposed for exports. */
  exportDir: string;
  /** The file an export goes to: the desktop app's save dialog, or `exportDir` in the web harness. */
  chooseExportPath: ChooseExportPath;
  /** Writes audit rows to a CSV or XLSX file, whole or not at all. */
  exportAudit: (rows: Iterable<AuditEntry>, format: 'csv' | 'xlsx', path: string) => Promise<AuditExportResult>;
  version: string;
}

export interface HelpdeskApp {
  api: HelpdeskApi;
  close(): Promise<void>;
}

/** eSMS needs two keys, kept as one keychain entry: `{"apiKey":"…","secretKey":"…"}`. */
function validEsmsSecret(text: string): boolean {
  try {
    const v = JSON.parse(text) as { apiKey?: unknown; secretKey?: unknown };
    return typeof v.apiKey === 'string' && v.apiKey !== '' && typeof v.secretKey === 'string' && v.secretKey !== '';
  } catch {
    return false;
  }
}

/** The same directory: server URL and base DN (what the stored audit was written against). */
function sameDirectory(a: DirectorySettings, b: DirectorySettings): boolean {
  return a.url.toLowerCase() === b.url.toLowerCase() && dnKey(a.baseDn) === dnKey(b.baseDn);
}

function modeOf(s: Settings): AppMode {
  return s.mode === 'directory' && s.directory ? 'directory' : 'training';
}

/** Runs a handler and turns thrown HelpdeskErrors into error results; anything else is INTERNAL. */
async function guarded<T>(fn: () => Promise<T>): Promise<Result<T>> {
  try {
    return ok(await fn());
  } catch (err) {
    if (err instanceof HelpdeskError) return { ok: false, error: err.toApiError() };
    return fail('INTERNAL');
  }
}

/** The HelpdeskApi implementation: session, directory lookups, settings, audit. */
export function createHelpdesk(deps: HelpdeskDeps): HelpdeskApp {
  let settings = deps.settings.load();
  let operator: OperatorInfo | null = null;
  let since: Date | null = null;
  let directory: Directory | null = null;
  let training: TrainingBackend | null = null;

  /** The agency's name in messages and reports (unaccented fallback: it also goes into SMS). */
  const agencyName = () => settings.agencyName || 'Tong dai ho tro';

  /** Every row goes to the audit of the mode in effect when it is written. */
  const current = () => deps.audit(modeOf(settings));
  const auditLog: AuditLog = {
    append: (r) => current().append(r),
    recent: (n) => current().recent(n),
    head: () => current().head(),
    verify: (h) => current().verify(h),
    query: (f, before, limit) => current().query(f, before, limit),
    timeline: (id) => current().timeline(id),
    scan: (f) => current().scan(f),
    purgeBefore: (iso, who, day) => current().purgeBefore(iso, who, day),
  };

  /** Idle lock: the last time the operator did something, and whether the session is locked. */
  let lastActive = 0;
  let locked = false;
  const idleLockMinutes = () => settings.session?.idleLockMinutes ?? DEFAULT_IDLE_LOCK_MINUTES;

  /** Locks the session once the idle time has passed since the last activity (audited once). */
  function isLocked(): boolean {
    if (operator && !locked && deps.clock.now().getTime() - lastActive >= idleLockMinutes() * 60_000) lock('idle');
    return locked;
  }

  function lock(reason: 'idle' | 'requested'): void {
    if (!operator || locked) return;
    locked = true;
    auditLog.append({ operator: operator.username, action: 'session.lock', outcome: 'ok', detail: { reason } });
  }

  const session = async (): Promise<SessionInfo> => ({
    operator,
    since: since ? since.toISOString() : null,
    mode: modeOf(settings),
    locked: operator !== null && isLocked(),
    idleLockMinutes: idleLockMinutes(),
    setupOpen: await setupOpen(),
  });

  /**
   * Whether this workstation was never put to work: no production audit row, and no secret of the stored
   * profile or relays in the keychain. Only then (and in training mode) are the settings open without
   * sign-in — the first setup. Once false it stays false; anything unreadable counts as used (fail closed).
   */
  let used = false;
  async function pristine(): Promise<boolean> {
    if (used) return false;
    try {
      const view = await settingsView();
      used = deps.audit('directory').head() !== null || view.servicePasswordStored || view.smsSecretStored || view.mailPasswordStored;
    } catch {
      return false;
    }
    return !used;
  }
  const setupOpen = async () => modeOf(settings) === 'training' && (await pristine());

  /**
   * The date of the newest production audit row when the app started: the purge's cutoff is bounded by
   * the rows' own dates, so a system clock set forward (then a sign-in, then a purge) cannot sweep the
   * audit — only rows older than the retention before that date can go.
   */
  const startReferenceAt: Date | null = (() => {
    try {
      const at = deps.audit('directory').recent(1)[0]?.at;
      return at ? new Date(at) : null;
    } catch {
      return null;
    }
  })();

  /** Bumped whenever settings change: a directory built for an older generation is discarded. */
  let generation = 0;
  let building: Promise<Directory> | null = null;
  let trainingStart: Promise<TrainingBackend> | null = null;

  async function buildDirectory(): Promise<Directory> {
    if (modeOf(settings) === 'training') {
      trainingStart ??= deps.startTraining().then((t) => (training = t));
      trainingStart.catch(() => (trainingStart = null));
      const t = await trainingStart;
      return deps.directoryFactory(t.settings, t.servicePassword);
    }
    const profile = settings.directory;
    if (!profile) throw new HelpdeskError('DIRECTORY_NOT_CONFIGURED');
    const password = await deps.secrets.get(servicePasswordKey(profile));
    if (!password) throw new HelpdeskError('SERVICE_PASSWORD_MISSING');
    return deps.directoryFactory(profile, password);
  }

  async function activeDirectory(): Promise<Directory> {
    for (;;) {
      if (directory) return directory;
      const gen = generation;
      building ??= buildDirectory().finally(() => (building = null));
      const built = await building;
      if (gen === generation) {
        directory ??= built;
        if (directory !== built) await built.close();
        return directory;
      }
      await built.close(); // settings changed while it was being built
    }
  }

  function requireOperator(): OperatorInfo {
    if (!operator) throw new HelpdeskError('NOT_SIGNED_IN');
    return operator;
  }

  async function settingsView(): Promise<SettingsView> {
    const keychainAvailable = await deps.secrets.available();
    let stored = false;
    if (keychainAvailable && settings.directory) {
      stored = (await deps.secrets.get(servicePasswordKey(settings.directory)).catch(() => null)) !== null;
    }
    const has = async (key: string | null) =>
      keychainAvailable && key !== null && (await deps.secrets.get(key).catch(() => null)) !== null;
    return {
      settings,
      servicePasswordStored: stored,
      smsSecretStored: await has(settings.sms ? smsSecretKey(settings.sms) : null),
      mailPasswordStored: await has(settings.mail ? mailSecretKey(settings.mail) : null),
      keychainAvailable,
    };
  }

  let relays: Promise<{ sms: SmsRelay; mail: MailRelay }> | null = null;

  async function resetDirectory(): Promise<void> {
    generation++;
    dashboards.cancelAll();
    const d = directory;
    directory = null;
    await d?.close();
    const r = relays;
    relays = null;
    if (r) {
      const { sms, mail } = await r.catch(() => ({ sms: null, mail: null }));
      await sms?.close();
      await mail?.close();
    }
  }

  const cases = createCases({
    clock: deps.clock,
    audit: auditLog,
    templates: deps.templates,
    agencyName,
    requireOperator,
    directory: activeDirectory,
    otp: () => deps.otpService(modeOf(settings)),
    random: deps.random,
    allowAdministrativeUnlock: () => modeOf(settings) === 'directory' && settings.directory?.allowAdministrativeUnlock === true,
    dialect: () => (modeOf(settings) === 'directory' ? (settings.directory?.dialect ?? 'openldap') : 'openldap'),
    relays: () => {
      relays ??= deps.relays(settings, modeOf(settings));
      relays.catch(() => (relays = null));
      return relays;
    },
    run: guarded,
  });

  const dashboardDeps = {
    clock: deps.clock,
    audit: auditLog,
    requireOperator,
    directory: activeDirectory,
    run: guarded,
    exportList: deps.exportDashboardList,
    chooseExportPath: deps.chooseExportPath,
  };
  const dashboards = createDashboards(dashboardDeps);
  const reports = createReports({ ...dashboardDeps, agencyName, writeReport: deps.writeReport });

  const api: HelpdeskApi = {
    app: {
      info: () =>
        guarded(async (): Promise<AppInfo> => {
          const mode = modeOf(settings);
          const d = mode === 'directory' ? settings.directory : training?.settings;
          return {
            name: 'Helpdesk',
            version: deps.version,
            mode,
            locale: settings.locale,
            directory: d ? { url: d.url, baseDn: d.baseDn, dialect: d.dialect } : null,
            exportDir: deps.exportDir,
          };
        }),
    },
    session: {
      current: () => guarded(async () => session()),
      signIn: ({ username, password }) =>
        guarded(async () => {
          const dir = await activeDirectory();
          // The session changes only once the sign-in is allowed and audited.
          let who: OperatorInfo;
          try {
            who = await dir.authenticate(username, password);
          } catch (err) {
            const code = errorCodeOf(err);
            auditLog.append({
              operator: null,
              action: 'session.signIn',
              outcome: code === 'INVALID_CREDENTIALS' ? 'refused' : 'error',
              // A password pasted into the username field must not land in the audit.
              target: /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/u.test(username) ? username : '(invalid username)',
              detail: { code },
            });
            throw err;
          }
          if (who.roles.length === 0) {
            // The password was right, but no role group counts this account: nothing to do here.
            auditLog.append({ operator: null, action: 'session.signIn', outcome: 'refused', target: who.username, detail: { code: 'NO_ROLE' } });
            throw new HelpdeskError('NO_ROLE');
          }
          if (operator && operator.username !== who.username) {
            auditLog.append({ operator: operator.username, action: 'session.signOut', outcome: 'ok', detail: { reason: 'another sign-in' } });
          }
          auditLog.append({ operator: who.username, action: 'session.signIn', outcome: 'ok', target: who.username, detail: { roles: who.roles.join(',') } });
          operator = who;
          since = deps.clock.now();
          lastActive = since.getTime();
          locked = false;
          return session();
        }),
      signOut: () =>
        guarded(async () => {
          if (operator) auditLog.append({ operator: operator.username, action: 'session.signOut', outcome: 'ok' });
          operator = null;
          since = null;
          locked = false;
          return session();
        }),
      lock: () =>
        guarded(async () => {
          requireOperator();
          lock('requested');
          return session();
        }),
      unlock: ({ password }) =>
        guarded(async () => {
          const current = requireOperator();
          if (!isLocked()) return session();
          const dir = await activeDirectory();
          let who: OperatorInfo;
          try {
            who = await dir.authenticate(current.username, password);
          } catch (err) {
            const code = errorCodeOf(err);
            auditLog.append({ operator: current.username, action: 'session.unlock', outcome: code === 'INVALID_CREDENTIALS' ? 'refused' : 'error', detail: { code } });
            throw err;
          }
          // The roles are read again: someone taken out of every group while away is signed out.
          if (who.roles.length === 0) {
            auditLog.append({ operator: current.username, action: 'session.unlock', outcome: 'refused', detail: { code: 'NO_ROLE' } });
            auditLog.append({ operator: current.username, action: 'session.signOut', outcome: 'ok', detail: { reason: 'no role' } });
            operator = null;
            since = null;
            locked = false;
            throw new HelpdeskError('NO_ROLE');
          }
          auditLog.append({ operator: who.username, action: 'session.unlock', outcome: 'ok', detail: { roles: who.roles.join(',') } });
          operator = who;
          locked = false;
          lastActive = deps.clock.now().getTime();
          return session();
        }),
    },
    directory: {
      search: ({ query, kind }) =>
        guarded(async () => {
          const who = requireOperator();
          const criteria = parseSearchQuery(query, kind ?? 'auto');
          const readAs = criteriaKinds(criteria);
          const limit = (modeOf(settings) === 'directory' ? settings.directory?.maxResults : training?.settings.maxResults) ?? 50;
          try {
            const dir = await activeDirectory();
            const found = await dir.search(criteria, limit);
            const now = deps.clock.now();
            auditLog.append({
              operator: who.username,
              action: 'directory.search',
              outcome: 'ok',
              detail: { readAs: readAs.join(',') || 'none', results: found.total },
            });
            return {
              items: found.accounts.map((a) => toAccountSummary(a, now)),
              total: found.total,
              totalIsLowerBound: found.totalIsLowerBound,
              readAs,
            };
          } catch (err) {
            auditLog.append({
              operator: who.username,
              action: 'directory.search',
              outcome: 'error',
              detail: { readAs: readAs.join(',') || 'none', code: errorCodeOf(err) },
            });
            throw err;
          }
        }),
      getAccount: ({ id }) =>
        guarded(async () => {
          const who = requireOperator();
          const dir = await activeDirectory();
          try {
            const account = await dir.getAccount(id);
            auditLog.append({ operator: who.username, action: 'directory.view', outcome: 'ok', target: account.username, unit: account.unit });
            return toAccountDetail(account, deps.clock.now());
          } catch (err) {
            auditLog.append({
              operator: who.username,
              action: 'directory.view',
              outcome: 'error',
              detail: { code: errorCodeOf(err) },
            });
            throw err;
          }
        }),
    },
    settings: {
      get: () => guarded(settingsView),
      save: ({ settings: next, servicePassword, smsSecret, mailPassword }) =>
        guarded(async () => {
          // Who may save is the access rule's business (supervisors; anyone before a directory is set up).
          if (next.mode === 'directory' && !next.directory) {
            throw new HelpdeskError('VALIDATION_FAILED', { field: 'settings.directory', reason: 'required' });
          }
          // Someone must still be able to change the settings once the directory decides who is who.
          if (next.mode === 'directory' && next.directory && next.directory.roleGroups.supervisor.length === 0) {
            throw new HelpdeskError('VALIDATION_FAILED', { field: 'settings.directory.roleGroups.supervisor', reason: 'required' });
          }
          // Leaving training mode re-confirms the whole profile: whoever turns the directory on gives the
          // service password and every relay secret again (training sign-ins are public), so nothing
          // stored from before — another profile's password, the agency's SMS account — is reused.
          const leavingTraining = modeOf(settings) === 'training' && next.mode === 'directory';
          if (leavingTraining) {
            if (servicePassword === undefined) throw new HelpdeskError('VALIDATION_FAILED', { field: 'servicePassword', reason: 'required' });
            const sms = next.sms ?? settings.sms;
            const mail = next.mail ?? settings.mail;
            if (sms && smsSecretKey(sms) && smsSecret === undefined) throw new HelpdeskError('VALIDATION_FAILED', { field: 'smsSecret', reason: 'required' });
            if (mail && mailSecretKey(mail) && mailPassword === undefined) throw new HelpdeskError('VALIDATION_FAILED', { field: 'mailPassword', reason: 'required' });
            // The audit this workstation holds belongs to the directory it was written for: from training
            // mode the app goes back to that directory only. Another directory is configured signed in as
            // its supervisor in directory mode (or on a fresh data folder).
            if (settings.directory && next.directory && !sameDirectory(settings.directory, next.directory) && deps.audit('directory').head() !== null) {
              throw new HelpdeskError('ACTION_NOT_PERMITTED', { reason: 'directory_identity' });
            }
          }
          // Every check first, then the writes: a refused save changes nothing, in the keychain either.
          const secretWrites: { key: string; value: string }[] = [];
          if (servicePassword !== undefined) {
            if (!next.directory) throw new HelpdeskError('VALIDATION_FAILED', { field: 'settings.directory', reason: 'required' });
            secretWrites.push({ key: servicePasswordKey(next.directory), value: servicePassword });
          }
          if (smsSecret !== undefined) {
            const key = next.sms ? smsSecretKey(next.sms) : null;
            if (!key) throw new HelpdeskError('VALIDATION_FAILED', { field: 'settings.sms', reason: 'required' });
            if (next.sms?.provider === 'esms' && !validEsmsSecret(smsSecret)) {
              throw new HelpdeskError('VALIDATION_FAILED', { field: 'smsSecret', reason: 'invalid_format' });
            }
            secretWrites.push({ key, value: smsSecret });
          }
          if (mailPassword !== undefined) {
            const key = next.mail ? mailSecretKey(next.mail) : null;
            if (!key) throw new HelpdeskError('VALIDATION_FAILED', { field: 'settings.mail.user', reason: 'required' });
            secretWrites.push({ key, value: mailPassword });
          }
          // Keys the caller left out (e.g. relays edited elsewhere) keep their saved values.
          const merged: Settings = { ...settings, ...next };
          // Any change to the directory profile (server, base, service account, dialect, filters, role
          // groups…) ends the session and every open case: a verification holds for the directory it was made on.
          const modeChanged = modeOf(merged) !== modeOf(settings);
          const directoryChanged = modeChanged || JSON.stringify(merged.directory ?? null) !== JSON.stringify(settings.directory ?? null);
          // The rows about this change go to the audit of the mode it was made in (and, when the mode
          // changes, to the new one as well); who made it, what roles and retention it sets.
          const previous = current();
          // The mode switched to must be able to audit (keychain reachable, its key fits the chain).
          if (modeChanged) deps.audit(modeOf(merged)).head();
          // A save that signs everyone out must leave a directory everyone can sign in to: its connection
          // test passes first (DNS, TCP, TLS, the service bind, the base DN), or nothing is saved.
          if (directoryChanged && modeOf(merged) === 'directory' && merged.directory) {
            const password = servicePassword ?? (await deps.secrets.get(servicePasswordKey(merged.directory)));
            const report = await deps.testConnection(merged.directory, password);
            const failed = report.steps.find((st) => !st.ok);
            if (!report.ok) {
              throw new HelpdeskError(failed?.code ?? 'DIRECTORY_ERROR', { reason: 'connection_test', detail: failed ? `connection test: ${failed.step}` : 'connection test' });
            }
          }
          const row = {
            operator: operator?.username ?? null,
            action: 'settings.save' as const,
            outcome: 'ok' as const,
            detail: {
              mode: modeOf(merged),
              directoryChanged,
              roleGroups: JSON.stringify(merged.directory?.roleGroups ?? null),
              retentionMonths: merged.audit?.retentionMonths ?? DEFAULT_RETENTION_MONTHS,
              servicePasswordChanged: servicePassword !== undefined,
              smsSecretChanged: smsSecret !== undefined,
              mailPasswordChanged: mailPassword !== undefined,
              sms: merged.sms?.provider ?? 'none',
              mail: merged.mail?.provider ?? 'none',
            },
          };
          // The secrets, each remembered as it was: if a later step fails, the keychain is put back, and
          // the failure is audited with whether that worked (the audit itself may be what failed).
          const before: { key: string; value: string | null }[] = [];
          const fail = async (err: unknown): Promise<never> => {
            let keychainRestored = true;
            for (const b of before.reverse()) {
              try {
                await (b.value === null ? deps.secrets.delete(b.key) : deps.secrets.set(b.key, b.value));
              } catch {
                keychainRestored = false;
              }
            }
            const code = errorCodeOf(err);
            try {
              previous.append({ ...row, outcome: 'error', detail: { ...row.detail, code, keychainRestored } });
            } catch {
              // nothing more can be recorded; the caller gets the first error
            }
            throw err;
          };
          try {
            for (const w of secretWrites) {
              before.push({ key: w.key, value: await deps.secrets.get(w.key) });
              await deps.secrets.set(w.key, w.value);
            }
            previous.append(row);
            deps.settings.save(merged);
          } catch (err) {
            await fail(err);
          }
          if (directoryChanged) {
            cases.closeAll('directory settings changed');
            if (operator) previous.append({ operator: operator.username, action: 'session.signOut', outcome: 'ok', detail: { reason: 'directory settings changed' } });
            operator = null;
            since = null;
          }
          settings = merged;
          await resetDirectory();
          if (modeChanged) current().append(row);
          return settingsView();
        }),
      testConnection: ({ settings: candidate, servicePassword }) =>
        guarded(async () => {
          const profile = candidate.directory;
          if (!profile) throw new HelpdeskError('VALIDATION_FAILED', { field: 'settings.directory', reason: 'required' });
          // The stored password is only ever offered to the exact profile it was saved for (and, by the
          // access rule, only to a supervisor once a directory is configured).
          const password = servicePassword ?? (await deps.secrets.get(servicePasswordKey(profile)).catch(() => null));
          return deps.testConnection(profile, password);
        }),
    },
    cases: cases.api,
    actions: cases.actions,
    dashboards,
    reports,
    outbox: {
      list: ({ limit }) =>
        guarded(async () => {
          requireOperator();
          return modeOf(settings) === 'training' ? deps.outbox.list(limit ?? 50) : [];
        }),
    },
    audit: {
      recent: ({ limit }) =>
        guarded(async () => {
          requireOperator();
          return auditLog.recent(limit ?? 50);
        }),
      head: () => guarded(async () => auditLog.head()),
      verify: ({ head }) =>
        guarded(async () => {
          const who = requireOperator();
          const report = auditLog.verify(head);
          auditLog.append({
            operator: who.username,
            action: 'audit.verify',
            outcome: report.ok ? 'ok' : 'error',
            detail: { rows: report.rows, problems: report.problemCount, firstBad: report.firstBad, againstHead: head ? head.seq : null },
          });
          return report;
        }),
      query: ({ filter, before, limit }) =>
        guarded(async () => {
          requireOperator();
          return auditLog.query(resolveAuditFilter(filter, deps.clock.now()), before ?? null, limit ?? 50);
        }),
      purge: () =>
        guarded(async () => {
          const who = requireOperator();
          const months = settings.audit?.retentionMonths ?? DEFAULT_RETENTION_MONTHS;
          const now = deps.clock.now();
          const reference = modeOf(settings) === 'directory' && startReferenceAt && startReferenceAt < now ? startReferenceAt : now;
          const cutoff = retentionCutoff(reference, months);
          // A purge that removes rows records itself in its checkpoint row; one that removes nothing, or
          // is refused (a broken chain), is recorded here.
          try {
            const done = auditLog.purgeBefore(cutoff.iso, who.username, cutoff.day);
            if (done.purged === 0) auditLog.append({ operator: who.username, action: 'audit.purge', outcome: 'ok', detail: { purged: 0, before: cutoff.day } });
            return done;
          } catch (err) {
            const code = errorCodeOf(err);
            auditLog.append({ operator: who.username, action: 'audit.purge', outcome: code === 'AUDIT_TAMPERED' ? 'refused' : 'error', detail: { code, before: cutoff.day } });
            throw err;
          }
        }),
      timeline: ({ caseId }) =>
        guarded(async () => {
          requireOperator();
          return auditLog.timeline(caseId);
        }),
      export: ({ filter, format, fileName }) =>
        guarded(async () => {
          const who = requireOperator();
          const resolved = resolveAuditFilter(filter, deps.clock.now());
          // What was exported is itself audited (the criteria and the count; the file's name, not its folder).
          const criteria = Object.entries(filter)
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(' ');
          try {
            const path = await exportTarget(deps.chooseExportPath, fileName, format);
            const done = await deps.exportAudit(auditLog.scan(resolved), format, path);
            auditLog.append({ operator: who.username, action: 'audit.export', outcome: 'ok', detail: { format, rows: done.rows, criteria, file: basename(path) } });
            return done;
          } catch (err) {
            const code = errorCodeOf(err);
            auditLog.append({ operator: who.username, action: 'audit.export', outcome: 'error', detail: { format, criteria, code } });
            throw err;
          }
        }),
    },
  };

  return {
    api: enforceAccess(api, {
      operator: () => operator,
      setup: setupOpen,
      denied: (who, method) => auditLog.append({ operator: who.username, action: 'access.denied', outcome: 'refused', detail: { method } }),
      locked: isLocked,
      active: () => {
        lastActive = deps.clock.now().getTime();
      },
    }),
    async close() {
      await resetDirectory();
      const t = trainingStart ? await trainingStart.catch(() => null) : training;
      trainingStart = null;
      training = null;
      await t?.close();
    },
  };
}
