import type { HelpdeskApi } from '../common/api';
import type { OperatorInfo, SettingsView, TeamStatus } from '../common/dto';
import type { Result } from '../common/result';
import { teamTransport, type Settings, type TeamSettings } from '../common/settings';
import { errorCodeOf, HelpdeskError } from '../domain/errors';
import { ALL_AUDIT_ROWS } from '../domain/audit-filter';
import type { AuditLog, SecretStore } from '../domain/ports';
import type { ImportedSegment, LocalAudit } from '../adapters/team/segments';
import type { Desk } from './desk';
import { teamKeysKey, teamPasswordKey } from './secret-keys';
import type { TeamProfileApi } from './team-profile';

/** What joining needs from the team store adapter (the runtime gives the PostgreSQL one). */
export interface TeamJoining {
  /**
   * Connects with the password (schema checked) and says which keys to join with, serialized: `held` (what
   * this keychain already holds for the store) when the store knows them as the team's — a join taken up
   * again after a later step failed; else the keys a join secret opens (the secret is spent); else — no
   * secret, no team yet — new keys to found it with, NOT yet claimed (`founding`: see `found`). Refused
   * (TEAM_JOIN_REFUSED founded) when the team exists and none of this applies.
   */
  keysFor(team: TeamSettings, password: string, joinSecret: string | undefined, held: string | null): Promise<{ keys: string; via: 'held' | 'secret' | 'founding' }>;
  /**
   * Founds the team with these keys (stores their check). The same keys again are fine (an earlier try's
   * claim went through); another founder's: TEAM_JOIN_REFUSED founded.
   */
  found(team: TeamSettings, password: string, keys: string): Promise<void>;
  /**
   * Brings this workstation's own audit into the team store as a verified segment — once: a retry gets the
   * segment back (`resumed`) — and records it in the team's chain (audit.import).
   */
  importLocalAudit(team: TeamSettings, password: string, keys: string, by: string, local: LocalAudit): Promise<ImportedSegment>;
  /** A join secret for another workstation, from the keys of this one. */
  createJoinSecret(team: TeamSettings, password: string, keys: string, by: string): Promise<{ secret: string; expiresAt: Date }>;
}

export interface TeamApiDeps {
  desk: Desk;
  secrets: SecretStore;
  joining: TeamJoining | null;
  requireOperator: () => OperatorInfo;
  /** The workstation's own (SQLite) audit of directory mode: where the join itself is recorded. */
  localAudit: () => AuditLog;
  saveSettings: (settings: Settings) => Promise<Result<SettingsView>>;
  /** The team's published directory and relay profile. */
  profile: TeamProfileApi;
  run: <T>(fn: () => Promise<T>) => Promise<Result<T>>;
}

/** The address of the store without credentials, for the screen. */
function shownUrl(team: TeamSettings): string {
  const p = teamTransport(team.url);
  return p ? `postgres://${p.user}@${p.host}:${p.port}/${p.database}` : '';
}

/** `team.*`: joining a workstation to the hotline's team store, and how the store answers. */
export function createTeamApi(deps: TeamApiDeps): HelpdeskApi['team'] {
  const { desk, secrets } = deps;

  async function status(): Promise<TeamStatus> {
    const team = desk.settings().team;
    if (!desk.inTeam() || !team) return { enabled: false, workstation: null, url: null, state: 'off', error: null, clockOffsetMs: null, profile: null };
    const base = { enabled: true, workstation: team.workstation, url: shownUrl(team) };
    try {
      const stores = await desk.team();
      await stores.ping();
      return { ...base, state: 'connected', error: null, clockOffsetMs: stores.clock.now().getTime() - Date.now(), profile: await deps.profile.status() };
    } catch (err) {
      const e = err instanceof HelpdeskError ? err : new HelpdeskError('INTERNAL');
      const notJoined = e.code === 'TEAM_NOT_JOINED' || e.code === 'AUDIT_KEY_MISSING';
      return { ...base, state: notJoined ? 'not-joined' : 'unavailable', error: e.toApiError(), clockOffsetMs: null, profile: null };
    }
  }

  return {
    status: () => deps.run(status),
    join: ({ team, password, joinSecret }) =>
      deps.run(async () => {
        const who = deps.requireOperator();
        if (!deps.joining) throw new HelpdeskError('ACTION_NOT_PERMITTED', { reason: 'team_unsupported' });
        const settings = desk.settings();
        if (desk.mode() !== 'directory' || !settings.directory) throw new HelpdeskError('DIRECTORY_NOT_CONFIGURED');
        const audit = deps.localAudit();
        const row = { operator: who.username, action: 'team.join' as const, target: shownUrl(team), detail: { workstation: team.workstation, withSecret: joinSecret !== undefined } };
        // Everything is checked on the store before anything is kept: a wrong password, CA, secret or a
        // foreign database leaves the keychain, the settings and the local SQLite as they were (the store
        // counts a wrong join secret's tries itself, and voids it after five).
        const keysKey = teamKeysKey(team);
        const keys = await deps.joining.keysFor(team, password, joinSecret, await secrets.get(keysKey));
        const writes = [
          { key: teamPasswordKey(team), value: password },
          { key: keysKey, value: keys.keys },
        ];
        // Never half-applied, and never stuck: the store's side of a join cannot be taken back (a founding's
        // key check, which the app's role may not delete; a spent secret, its sealed keys wiped), so the keys are in the keychain
        // BEFORE the store depends on them, and stay there from then on, whatever fails later. A failed join
        // is then simply tried again: keysFor finds the held keys to be the team's and goes on with them (the
        // founding is not claimed twice, no new secret is needed), the import gives the segment back, and the
        // settings save is tried again. Entries kept this way are inert until a save names the team (the same
        // as after leaving a team). Before the store depends on them (a founding not yet claimed, or another
        // founder won), a failure puts the keychain back as it was. No secret goes to a file, log or row.
        let storeDepends = keys.via !== 'founding';
        const before: { key: string; value: string | null }[] = [];
        let recorded = false;
        try {
          for (const w of writes) {
            before.push({ key: w.key, value: await secrets.get(w.key) });
            await secrets.set(w.key, w.value);
          }
          if (keys.via === 'founding') {
            // From here an answer lost on the way may hide a claim that went through: the keys stay.
            storeDepends = true;
            await deps.joining.found(team, password, keys.keys).catch((err: unknown) => {
              // The store said no (another founder won, or it refused founding): these keys are nobody's.
              if (err instanceof HelpdeskError && (err.code === 'TEAM_JOIN_REFUSED' || err.code === 'AUDIT_KEY_MISSING')) storeDepends = false;
              throw err;
            });
          }
          await audit.append({ ...row, outcome: 'ok', detail: { ...row.detail, founded: keys.via === 'founding', resumed: keys.via === 'held' } });
          recorded = true;
          // The workstation's own audit comes along, verified here with its own key, never dropped; the
          // team's chain records which segment holds it (audit.import) before the settings switch over.
          const [report, head] = await Promise.all([audit.verify(), audit.head()]);
          await deps.joining.importLocalAudit(team, password, keys.keys, who.username, { rows: () => audit.scan(ALL_AUDIT_ROWS), head, report });
          const saved = await deps.saveSettings({ ...settings, team });
          if (!saved.ok) throw new HelpdeskError(saved.error.code, { detail: saved.error.detail, reason: saved.error.reason, field: saved.error.field });
        } catch (err) {
          if (!storeDepends) for (const b of before.reverse()) await (b.value === null ? secrets.delete(b.key) : secrets.set(b.key, b.value)).catch(() => undefined);
          // The local chain already said the join went through: it says now that it did not.
          if (recorded) await audit.append({ ...row, outcome: 'error', detail: { ...row.detail, code: errorCodeOf(err), keysKept: storeDepends } }).catch(() => undefined);
          throw err;
        }
        return status();
      }),
    createJoinSecret: () =>
      deps.run(async () => {
        const who = deps.requireOperator();
        const team = desk.settings().team;
        if (!deps.joining || !desk.inTeam() || !team) throw new HelpdeskError('TEAM_NOT_JOINED');
        const [password, keys] = await Promise.all([secrets.get(teamPasswordKey(team)), secrets.get(teamKeysKey(team))]);
        if (!password || !keys) throw new HelpdeskError('TEAM_NOT_JOINED');
        // Recorded in the team's chain before the secret exists: no secret is ever made unaudited.
        await desk.audit.append({ operator: who.username, action: 'team.joinSecret', outcome: 'ok', detail: { workstation: team.workstation } });
        const made = await deps.joining.createJoinSecret(team, password, keys, who.username);
        return { secret: made.secret, expiresAt: made.expiresAt.toISOString() };
      }),
    publishProfile: () =>
      deps.run(async () => {
        const who = deps.requireOperator();
        await deps.profile.publish(who.username);
        return status();
      }),
  };
}
