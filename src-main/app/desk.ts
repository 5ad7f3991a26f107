import type { AppMode } from '../common/dto';
import type { DirectorySettings, Settings, TeamSettings } from '../common/settings';
import type { OtpService } from '../domain/otp';
import { HelpdeskError } from '../domain/errors';
import type { AuditLog, CaseStore, Clock, Directory, DirectoryFactory, MailRelay, SearchIndex, SecretStore, SmsRelay, TeamProfileStore } from '../domain/ports';
import { servicePasswordKey } from './secret-keys';

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

export interface DeskDeps {
  settings: SettingsSource;
  secrets: SecretStore;
  /** The audit of a mode: training keeps its own, production's is chained with a key from the keychain. */
  audit: (mode: AppMode) => AuditLog;
  directoryFactory: DirectoryFactory;
  startTraining: () => Promise<TrainingBackend>;
  /** The relays for the current settings: the training Outbox, or the configured SMS gateway and SMTP server. */
  relays: (settings: Settings, mode: AppMode) => Promise<{ sms: SmsRelay; mail: MailRelay }>;
  /** Opens the team store of a profile (its password and the team's keys from the keychain). Absent: no team mode. */
  openTeam?: (team: TeamSettings) => Promise<TeamStores>;
  /** The clock the app's rules use while the team store is open (the database's), null after. */
  useClock?: (clock: Clock | null) => void;
}

/** What directory mode keeps in the team store: the audit chain, the code counters, the cases, the database's clock. */
export interface TeamStores {
  audit: AuditLog;
  otp: OtpService;
  /** The team's cases (continued on another workstation, handed to a supervisor). */
  cases: CaseStore;
  /** The directory and relay profile a supervisor published for the team. */
  profile: TeamProfileStore;
  clock: Clock;
  /** The team's search index of a directory (one for every workstation of the team). */
  searchIndex(profile: DirectorySettings): Promise<SearchIndex>;
  /** A round trip to the store (TEAM_STORE_UNAVAILABLE when it does not answer). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const modeOf = (s: Settings): AppMode => (s.mode === 'directory' && s.directory ? 'directory' : 'training');

/**
 * The workstation's desk: the settings in effect and their mode, the audit of that mode, and the directory
 * and relays built for them — rebuilt after every settings change (a directory built for older settings is
 * discarded, never used).
 */
export interface Desk {
  settings(): Settings;
  mode(): AppMode;
  /** Every row goes to the audit of the mode in effect when it is written (the team's, in team mode). */
  audit: AuditLog;
  /** Directory mode with a team store profile. */
  inTeam(): boolean;
  /** The team store of the settings in effect, opened on first use (TEAM_* errors when it cannot be). */
  team(): Promise<TeamStores>;
  /** The directory of the settings in effect (the training directory in training mode), built on first use. */
  directory(): Promise<Directory>;
  relays(): Promise<{ sms: SmsRelay; mail: MailRelay }>;
  /** The training directory's profile once it runs (search limits, app info). */
  trainingProfile(): DirectorySettings | null;
  /** The directory profile in effect (training's in training mode), when known. */
  profile(): DirectorySettings | null;
  /** The agency's name in messages and reports, with its diacritics (an SMS is made unaccented as it is sent). */
  agencyName(): string;
  /** New settings take effect: the directory and relays of the old ones are closed (`onReset` hooks first). */
  replace(next: Settings): Promise<void>;
  /** Settings whose change rebuilds nothing (the team profile version noted): kept as they are. */
  note(next: Settings): void;
  onReset(hook: () => void): void;
  close(): Promise<void>;
}

export function createDesk(deps: DeskDeps): Desk {
  let settings = deps.settings.load();
  let directory: Directory | null = null;
  let training: TrainingBackend | null = null;
  let trainingStart: Promise<TrainingBackend> | null = null;
  let relays: Promise<{ sms: SmsRelay; mail: MailRelay }> | null = null;
  /** Bumped whenever settings change: a directory built for an older generation is discarded. */
  let generation = 0;
  let building: Promise<Directory> | null = null;
  const hooks: (() => void)[] = [];
  const mode = () => modeOf(settings);
  let team: Promise<TeamStores> | null = null;
  const inTeam = () => mode() === 'directory' && settings.team !== undefined && deps.openTeam !== undefined;
  function openTeam(): Promise<TeamStores> {
    const profile = settings.team;
    if (!profile || !deps.openTeam) return Promise.reject(new HelpdeskError('TEAM_NOT_JOINED'));
    if (!team) {
      const opening = deps.openTeam(profile).then((stores) => {
        deps.useClock?.(stores.clock);
        return stores;
      });
      // A store that could not be opened is tried again on the next call (it reconnects by itself).
      opening.catch(() => {
        if (team === opening) team = null;
      });
      team = opening;
    }
    return team;
  }
  /** The team's audit, reached through the store opened on first use. */
  const teamAudit: AuditLog = {
    append: async (r) => (await openTeam()).audit.append(r),
    recent: async (n) => (await openTeam()).audit.recent(n),
    head: async () => (await openTeam()).audit.head(),
    verify: async (h) => (await openTeam()).audit.verify(h),
    query: async (f, before, limit) => (await openTeam()).audit.query(f, before, limit),
    timeline: async (id) => (await openTeam()).audit.timeline(id),
    scan: async function* (f) {
      yield* (await openTeam()).audit.scan(f);
    },
    purgeBefore: async (iso, who, day) => (await openTeam()).audit.purgeBefore(iso, who, day),
  };
  const current = () => (inTeam() ? teamAudit : deps.audit(mode()));

  async function buildDirectory(): Promise<Directory> {
    if (mode() === 'training') {
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

  async function closeBuilt(): Promise<void> {
    generation++;
    for (const hook of hooks) hook();
    const d = directory;
    directory = null;
    await d?.close();
    const t = team;
    team = null;
    if (t) {
      deps.useClock?.(null);
      await (await t.catch(() => null))?.close();
    }
    const r = relays;
    relays = null;
    if (r) {
      const { sms, mail } = await r.catch(() => ({ sms: null, mail: null }));
      await sms?.close();
      await mail?.close();
    }
  }

  return {
    settings: () => settings,
    mode,
    audit: {
      append: (r) => current().append(r),
      recent: (n) => current().recent(n),
      head: () => current().head(),
      verify: (h) => current().verify(h),
      query: (f, before, limit) => current().query(f, before, limit),
      timeline: (id) => current().timeline(id),
      scan: (f) => current().scan(f),
      purgeBefore: (iso, who, day) => current().purgeBefore(iso, who, day),
    },
    inTeam,
    team: openTeam,
    async directory() {
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
    },
    relays() {
      relays ??= deps.relays(settings, mode());
      relays.catch(() => (relays = null));
      return relays;
    },
    trainingProfile: () => training?.settings ?? null,
    profile: () => (mode() === 'directory' ? (settings.directory ?? null) : (training?.settings ?? null)),
    agencyName: () => settings.agencyName || 'Tổng đài hỗ trợ',
    async replace(next) {
      settings = next;
      await closeBuilt();
    },
    note(next) {
      settings = next;
    },
    onReset: (hook) => void hooks.push(hook),
    async close() {
      await closeBuilt();
      const t = trainingStart ? await trainingStart.catch(() => null) : training;
      trainingStart = null;
      training = null;
      await t?.close();
    },
  };
}
