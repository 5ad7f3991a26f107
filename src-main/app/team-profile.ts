import { createHash } from 'node:crypto';
import type { ConnectionReport, TeamStatus } from '../common/dto';
import { type DirectorySettings, type Settings, teamProfileSchema, type TeamProfile } from '../common/settings';
import { canonicalJson } from '../domain/canonical-json';
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
  /** The same connection test a settings save passes before it changes the directory. */
  testConnection: (profile: DirectorySettings, servicePassword: string | null) => Promise<ConnectionReport>;
}

/** The shared parts of settings, as the team publishes them. */
const profileOf = (s: Settings): TeamProfile | null =>
  s.directory ? { directory: s.directory, ...(s.agencyName !== undefined ? { agencyName: s.agencyName } : {}), ...(s.sms ? { sms: s.sms } : {}), ...(s.mail ? { mail: s.mail } : {}) } : null;

/** A short fingerprint of a profile for the audit (the same profile, the same digest, on every workstation). */
const digestOf = (p: TeamProfile): string => createHash('sha256').update(canonicalJson(p)).digest('hex').slice(0, 16);

/** Which settings a profile changes (`directory.roleGroups`, `sms.url`…): the audit says what moved, not just that something did. */
function changedFields(from: TeamProfile | null, to: TeamProfile): string {
  const flat = (p: TeamProfile | null): Map<string, string> => {
    const out = new Map<string, string>();
    for (const [section, value] of Object.entries(p ?? {})) {
      if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value as Record<string, unknown>)) out.set(`${section}.${k}`, canonicalJson(v));
      else out.set(section, canonicalJson(value));
    }
    return out;
  };
  const a = flat(from);
  const b = flat(to);
  return [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort().join(',');
}

/**
 * The team's directory and relay profile: a supervisor publishes the one their workstation runs; every
 * workstation takes the newest at sign-in when it is authentic (its MAC checks with the team's key), is a
 * profile this app can run (schema, a supervisor role group), its directory passes the connection test,
 * and the keychain holds the secrets it needs; otherwise the workstation keeps its own and says why. A
 * profile that cannot be taken never stops a sign-in.
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

  /** The published profile as this app can run it, or why not (a row changed in the database, another version's body). */
  function check(published: PublishedProfile): { profile: TeamProfile } | { refused: 'not_authentic' | 'invalid' } {
    if (!published.authentic) return { refused: 'not_authentic' };
    const r = teamProfileSchema.safeParse(published.body);
    if (!r.success || r.data.directory.roleGroups.supervisor.length === 0) return { refused: 'invalid' };
    return { profile: r.data };
  }

  /** The same profile, whatever the order of keys or the defaults filled in (both read through the schema). */
  const same = (a: TeamProfile | null, b: TeamProfile) => a !== null && canonicalJson(teamProfileSchema.parse(a)) === canonicalJson(b);

  /** The version noted in the settings file and in effect; nothing else changes, nothing is rebuilt. */
  function remember(next: Settings): void {
    deps.settings.save(next);
    desk.note(next);
  }

  const refuse = (version: number, reasonCode: string, extra: Record<string, string> = {}) =>
    desk.audit.append({ operator: null, action: 'team.profile', outcome: 'refused', detail: { step: 'apply', version, reasonCode, ...extra } });

  return {
    /** What team.status says about the profile (null: none published). */
    async status(): Promise<TeamStatus['profile']> {
      const published = await (await desk.team()).profile.read();
      if (!published) return null;
      const checked = check(published);
      const base = { version: published.version, publishedBy: published.publishedBy, publishedOn: published.publishedOn, publishedAt: published.publishedAt.toISOString() };
      if ('refused' in checked) return { ...base, applied: false, missing: [], refused: checked.refused };
      return { ...base, applied: same(profileOf(desk.settings()), checked.profile), missing: await missingFor(checked.profile), refused: null };
    },

    /** Publishes this workstation's profile for the team (audited in the team's chain first, with its digest). */
    async publish(by: string): Promise<void> {
      const mine = profileOf(desk.settings());
      if (!desk.inTeam() || !mine) throw new HelpdeskError('TEAM_NOT_JOINED');
      const stores = await desk.team();
      const current = await stores.profile.read();
      const parsed = teamProfileSchema.parse(mine);
      await desk.audit.append({
        operator: by,
        action: 'team.profile',
        outcome: 'ok',
        detail: { step: 'published', version: (current?.version ?? 0) + 1, digest: digestOf(parsed), url: mine.directory.url, baseDn: mine.directory.baseDn },
      });
      const done = await stores.profile.publish(parsed, by);
      // This workstation runs it already: noted, so that its next sign-in has nothing to take.
      remember({ ...desk.settings(), teamProfileVersion: done.version });
    },

    /**
     * At sign-in, in team mode: takes a newer published profile (see above). The settings are saved and
     * the desk rebuilt for it (open cases of this workstation end: a verification holds for one
     * directory), before the sign-in binds to the directory. Recorded in the team's chain either way.
     */
    async pickUp(): Promise<void> {
      if (!desk.inTeam()) return;
      const s = desk.settings();
      const published = await (await desk.team()).profile.read();
      if (!published || (s.teamProfileVersion ?? 0) >= published.version) return;
      const checked = check(published);
      if ('refused' in checked) return void (await refuse(published.version, checked.refused));
      const p = checked.profile;
      if (same(profileOf(s), p)) return remember({ ...s, teamProfileVersion: published.version });
      const missing = await missingFor(p);
      if (missing.length > 0) return void (await refuse(published.version, 'missing_secret', { missing: missing.join(',') }));
      const report = await deps.testConnection(p.directory, await secrets.get(servicePasswordKey(p.directory)));
      if (!report.ok) {
        const failed = report.steps.find((st) => !st.ok);
        return void (await refuse(published.version, 'connection_test', { code: failed?.code ?? 'DIRECTORY_ERROR' }));
      }
      const next: Settings = { ...s, directory: p.directory, sms: p.sms, mail: p.mail, agencyName: p.agencyName, teamProfileVersion: published.version };
      // Recorded in the team's chain before it takes effect (a change of directory, as a settings save is).
      await desk.audit.append({
        operator: null,
        action: 'team.profile',
        outcome: 'ok',
        detail: { step: 'applied', version: published.version, publishedBy: published.publishedBy, digest: digestOf(p), changed: changedFields(profileOf(s), p) },
      });
      deps.settings.save(next);
      await deps.closeCases('team profile applied');
      await desk.replace(next);
    },
  };
}

export type TeamProfileApi = ReturnType<typeof createTeamProfile>;
