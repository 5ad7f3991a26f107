import type { TeamStatus } from '../common/dto';
import { type Settings, teamProfileSchema, type TeamProfile } from '../common/settings';
import { HelpdeskError } from '../domain/errors';
import type { PublishedProfile, SecretStore } from '../domain/ports';
import type { Desk, SettingsSource } from './desk';
import { mailSecretKey, servicePasswordKey, smsSecretKey } from './secret-keys';

type Missing = NonNullable<TeamStatus['profile']>['missing'];

export interface TeamProfileDeps {
  desk: Desk;
  secrets: SecretStore;
  settings: SettingsSource;
  /** The directory changes under every open case of this workstation: they end. */
  closeCases: (why: string) => Promise<void>;
}

/** The shared parts of settings, as the team publishes them. */
const profileOf = (s: Settings): TeamProfile | null =>
  s.directory ? { directory: s.directory, ...(s.agencyName !== undefined ? { agencyName: s.agencyName } : {}), ...(s.sms ? { sms: s.sms } : {}), ...(s.mail ? { mail: s.mail } : {}) } : null;

/**
 * The team's directory and relay profile: a supervisor publishes the one their workstation runs; every
 * workstation takes the newest at sign-in — when its keychain holds the secrets that profile needs (its
 * own service password and relay secrets, entered once); otherwise it keeps its own and says what is missing.
 */
export function createTeamProfile(deps: TeamProfileDeps) {
  const { desk, secrets } = deps;

  /** Which of this workstation's secrets a profile would need and the keychain lacks. */
  async function missingFor(p: TeamProfile): Promise<Missing> {
    const missing: Missing = [];
    const has = async (key: string | null) => key === null || (await secrets.get(key).catch(() => null)) !== null;
    if (!(await has(servicePasswordKey(p.directory)))) missing.push('servicePassword');
    if (p.sms && !(await has(smsSecretKey(p.sms)))) missing.push('smsSecret');
    if (p.mail && !(await has(mailSecretKey(p.mail)))) missing.push('mailPassword');
    return missing;
  }

  /** The published profile, checked as any input is (a row written by another version, or by hand, is refused). */
  function parse(published: PublishedProfile): TeamProfile {
    const r = teamProfileSchema.safeParse(published.body);
    if (!r.success) throw new HelpdeskError('TEAM_STORE_SCHEMA', { reason: 'profile', detail: `profile version ${published.version}` });
    return r.data;
  }

  /** The same profile, whatever the order of keys or the defaults filled in (both read through the schema). */
  /** The version noted in the settings file and in effect; nothing else changes, nothing is rebuilt. */
  function remember(next: Settings): void {
    deps.settings.save(next);
    desk.note(next);
  }

  const same = (a: TeamProfile | null, b: TeamProfile) => a !== null && canonical(teamProfileSchema.parse(a)) === canonical(b);

  return {
    /** What team.status says about the profile (null: none published, or not in a team). */
    async status(): Promise<TeamStatus['profile']> {
      const published = await (await desk.team()).profile.read();
      if (!published) return null;
      const p = parse(published);
      return {
        version: published.version,
        publishedBy: published.publishedBy,
        publishedOn: published.publishedOn,
        publishedAt: published.publishedAt.toISOString(),
        applied: same(profileOf(desk.settings()), p),
        missing: await missingFor(p),
      };
    },

    /** Publishes this workstation's profile for the team (audited in the team's chain first). */
    async publish(by: string): Promise<void> {
      const mine = profileOf(desk.settings());
      if (!desk.inTeam() || !mine) throw new HelpdeskError('TEAM_NOT_JOINED');
      const stores = await desk.team();
      const current = await stores.profile.read();
      await desk.audit.append({ operator: by, action: 'team.profile', outcome: 'ok', detail: { step: 'published', version: (current?.version ?? 0) + 1, url: mine.directory.url, baseDn: mine.directory.baseDn } });
      const done = await stores.profile.publish(mine, by);
      // This workstation runs it already: noted, so that its next sign-in has nothing to take.
      remember({ ...desk.settings(), teamProfileVersion: done.version });
    },

    /**
     * At sign-in, in team mode: takes a newer published profile. The settings are saved and the desk
     * rebuilt for it (open cases of this workstation end: a verification holds for one directory), before
     * the sign-in binds to the directory. A profile this workstation lacks secrets for is left for later.
     */
    async pickUp(): Promise<void> {
      if (!desk.inTeam()) return;
      const s = desk.settings();
      const published = await (await desk.team()).profile.read();
      if (!published || (s.teamProfileVersion ?? 0) >= published.version) return;
      const p = parse(published);
      if (same(profileOf(s), p)) return remember({ ...s, teamProfileVersion: published.version });
      const missing = await missingFor(p);
      if (missing.length > 0) {
        await desk.audit.append({ operator: null, action: 'team.profile', outcome: 'refused', detail: { step: 'apply', version: published.version, missing: missing.join(',') } });
        return;
      }
      const next: Settings = { ...s, directory: p.directory, sms: p.sms, mail: p.mail, agencyName: p.agencyName, teamProfileVersion: published.version };
      // Recorded in the team's chain before it takes effect (a change of directory, as a settings save is).
      await desk.audit.append({ operator: null, action: 'team.profile', outcome: 'ok', detail: { step: 'applied', version: published.version, publishedBy: published.publishedBy, url: p.directory.url, baseDn: p.directory.baseDn } });
      deps.settings.save(next);
      await deps.closeCases('team profile applied');
      await desk.replace(next);
    },
  };
}

/** JSON with object keys in order: two equal profiles give the same text. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export type TeamProfileApi = ReturnType<typeof createTeamProfile>;
