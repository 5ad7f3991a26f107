import type { HelpdeskApi } from '../common/api';
import type { AppInfo, AppMode, AuditEntry, AuditExportResult, ConnectionReport, DirectoryDashboard, MonthlyReport, OutboxMessage, ReportResult } from '../common/dto';
import { fail, ok, type Result } from '../common/result';
import type { DirectorySettings } from '../common/settings';
import { HelpdeskError } from '../domain/errors';
import { callRules, DEFAULT_OTP_POLICY, type OtpPolicy, type OtpService, type RandomSource } from '../domain/otp';
import type { Clock, SearchIndex } from '../domain/ports';
import { enforceAccess } from './access';
import { createAuditApi } from './audit-api';
import { MemoryCaseStore } from '../adapters/store/memory-case-store';
import { createCases, type MessageTemplates } from './cases';
import { createDashboards, createReports } from './dashboards';
import { createDesk, type DeskDeps } from './desk';
import type { ChooseExportPath } from './export-target';
import { createLookups } from './lookups';
import { createIndexKeeper } from './search-index-keeper';
import { createSession } from './session';
import { createTeamApi, type TeamJoining } from './team-api';
import { createTeamProfile } from './team-profile';
import { createSettingsApi, createSettingsView } from './settings-api';

export type { SettingsSource, TrainingBackend } from './desk';

export interface HelpdeskDeps extends DeskDeps {
  clock: Clock;
  testConnection: (profile: DirectorySettings, servicePassword: string | null) => Promise<ConnectionReport>;
  templates: MessageTemplates;
  /** The OTP service for a mode (its hash key: keychain in directory mode, memory in training). */
  otpService: (mode: AppMode) => Promise<OtpService>;
  /** Joining the team store (absent: this build offers no team mode). */
  teamJoining?: TeamJoining;
  /** The code policy the OTP services were built with (the domain's default when absent). */
  otpPolicy?: OtpPolicy;
  outbox: { list(limit: number): OutboxMessage[] };
  /** CSPRNG for temporary passwords. */
  random: RandomSource;
  /** Writes a finished scan's list (per-unit counts, locked accounts) to CSV or XLSX. */
  exportDashboardList: (d: DirectoryDashboard, list: 'units' | 'locked', format: 'csv' | 'xlsx', path: string) => Promise<AuditExportResult>;
  /** Opens the local search index of a directory profile (absent: every search goes to the directory). */
  openSearchIndex?: (profile: DirectorySettings) => Promise<SearchIndex>;
  /** Writes the monthly report PDF, whole or not at all. */
  writeReport: (report: MonthlyReport, path: string) => Promise<ReportResult>;
  /** Folder proposed for exports. */
  exportDir: string;
  /** The file an export goes to: the desktop app's save dialog, or `exportDir` in the web harness. */
  chooseExportPath: ChooseExportPath;
  /** Writes audit rows to a CSV or XLSX file, whole or not at all. */
  exportAudit: (rows: AsyncIterable<AuditEntry[]>, format: 'csv' | 'xlsx', path: string) => Promise<AuditExportResult>;
  version: string;
}

export interface HelpdeskApp {
  api: HelpdeskApi;
  close(): Promise<void>;
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

/**
 * The HelpdeskApi implementation, put together from rooms of one purpose: the desk (settings, mode,
 * audit, directory and relays), the session, the settings, lookups, cases and actions, dashboards and
 * reports, the audit — every method behind its access rule (access.ts).
 */
export function createHelpdesk(deps: HelpdeskDeps): HelpdeskApp {
  const desk = createDesk(deps);
  const run = guarded;
  const settingsView = createSettingsView({ ...deps, desk });
  const otpPolicy = deps.otpPolicy ?? DEFAULT_OTP_POLICY;
  // Taken at sign-in (team mode): the team's newer published directory and relay profile.
  let pickUpTeamProfile = async (): Promise<void> => undefined;
  const session = createSession({ clock: deps.clock, desk, setupOpen: settingsView.setupOpen, rules: callRules(otpPolicy), run, beforeSignIn: () => pickUpTeamProfile() });
  const { requireOperator } = session;
  const mode = () => desk.mode();

  // One workstation's cases live in its memory (a case lasts one call); a team's in the team store.
  const workstationCases = new MemoryCaseStore(desk.audit);
  const cases = createCases({
    clock: deps.clock,
    audit: desk.audit,
    templates: deps.templates,
    agencyName: desk.agencyName,
    requireOperator,
    directory: desk.directory,
    otp: async () => (desk.inTeam() ? (await desk.team()).otp : deps.otpService(mode())),
    random: deps.random,
    allowAdministrativeUnlock: () => mode() === 'directory' && desk.settings().directory?.allowAdministrativeUnlock === true,
    dialect: () => (mode() === 'directory' ? (desk.settings().directory?.dialect ?? 'openldap') : 'openldap'),
    relays: desk.relays,
    run,
    cases: async () => (desk.inTeam() ? (await desk.team()).cases : workstationCases),
  });

  const dashboardDeps = {
    clock: deps.clock,
    audit: desk.audit,
    requireOperator,
    directory: desk.directory,
    run,
    exportList: deps.exportDashboardList,
    chooseExportPath: deps.chooseExportPath,
  };
  const dashboards = createDashboards(dashboardDeps);
  desk.onReset(() => dashboards.cancelAll());
  // The index of the directory in effect (directory mode only): settings changed, it is closed and the new profile's is opened.
  const openSearchIndex = deps.openSearchIndex;
  const searchIndex = openSearchIndex
    ? createIndexKeeper({
        clock: deps.clock,
        directory: desk.directory,
        profile: () => (desk.mode() === 'directory' ? (desk.settings().directory ?? null) : null),
        // In team mode the team's index (in the team store), else this workstation's own file.
        openIndex: async (profile) => (desk.inTeam() ? (await desk.team()).searchIndex(profile) : openSearchIndex(profile)),
      })
    : null;
  desk.onReset(() => searchIndex?.reset());

  const settingsApi = createSettingsApi({ ...deps, desk, run }, session, settingsView.view, cases.closeAll);
  const teamProfile = createTeamProfile({ desk, secrets: deps.secrets, settings: deps.settings, closeCases: cases.closeAll, testConnection: deps.testConnection });
  pickUpTeamProfile = teamProfile.pickUp;
  const api: HelpdeskApi = {
    app: {
      info: () =>
        run(async (): Promise<AppInfo> => {
          const d = desk.profile();
          return {
            name: 'Helpdesk',
            version: deps.version,
            mode: mode(),
            locale: desk.settings().locale,
            directory: d ? { url: d.url, baseDn: d.baseDn, dialect: d.dialect } : null,
            exportDir: deps.exportDir,
          };
        }),
    },
    session: session.api,
    directory: createLookups({ clock: deps.clock, desk, requireOperator, run, ...(searchIndex ? { index: searchIndex } : {}) }),
    settings: settingsApi,
    cases: cases.api,
    actions: cases.actions,
    dashboards,
    team: createTeamApi({
      desk,
      secrets: deps.secrets,
      joining: deps.teamJoining ?? null,
      requireOperator,
      localAudit: () => deps.audit('directory'),
      saveSettings: (settings) => settingsApi.save({ settings }),
      profile: teamProfile,
      run,
    }),
    reports: createReports({ ...dashboardDeps, agencyName: desk.agencyName, writeReport: deps.writeReport }),
    outbox: {
      list: ({ limit }) =>
        run(async () => {
          requireOperator();
          return mode() === 'training' ? deps.outbox.list(limit ?? 50) : [];
        }),
    },
    audit: createAuditApi({ clock: deps.clock, desk, audit: deps.audit, requireOperator, chooseExportPath: deps.chooseExportPath, exportAudit: deps.exportAudit, run }),
  };

  return {
    api: enforceAccess(api, {
      operator: session.operator,
      setup: settingsView.setupOpen,
      denied: (who, method) => desk.audit.append({ operator: who.username, action: 'access.denied', outcome: 'refused', detail: { method } }),
      locked: session.isLocked,
      active: session.touch,
    }),
    close: () => {
      searchIndex?.reset();
      return desk.close();
    },
  };
}
