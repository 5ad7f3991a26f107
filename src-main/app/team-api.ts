import type { HelpdeskApi } from '../common/api';
import type { OperatorInfo, SettingsView, TeamStatus } from '../common/dto';
import type { Result } from '../common/result';
import { teamTransport, type Settings, type TeamSettings } from '../common/settings';
import { errorCodeOf, HelpdeskError } from '../domain/errors';
import { ALL_AUDIT_ROWS } from '../domain/audit-filter';
import type { AuditLog, SecretStore } from '../domain/ports';
import type { LocalAudit } from '../adapters/team/segments';
import type { Desk } from './desk';
import { teamKeysKey, teamPasswordKey } from './secret-keys';

/** What joining needs from the team store adapter (the runtime gives the PostgreSQL one). */
export interface TeamJoining {
  /**
   * Connects with the password (schema checked) and returns the team's keys, serialized: opened from the
   * join secret, or — without one — new keys that found the team (refused when the team exists).
   */
  keysFor(team: TeamSettings, password: string, joinSecret: string | undefined): Promise<{ keys: string; founded: boolean }>;
  /** Brings this workstation's own audit into the team store as a verified segment (once, at joining). */
  importLocalAudit(team: TeamSettings, password: string, keys: string, by: string, local: LocalAudit): Promise<{ segment: number; rows: number }>;
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
    if (!desk.inTeam() || !team) return { enabled: false, workstation: null, url: null, state: 'off', error: null, clockOffsetMs: null };
    const base = { enabled: true, workstation: team.workstation, url: shownUrl(team) };
    try {
      const stores = await desk.team();
      await stores.ping();
      return { ...base, state: 'connected', error: null, clockOffsetMs: stores.clock.now().getTime() - Date.now() };
    } catch (err) {
      const e = err instanceof HelpdeskError ? err : new HelpdeskError('INTERNAL');
      const notJoined = e.code === 'TEAM_NOT_JOINED' || e.code === 'AUDIT_KEY_MISSING';
      return { ...base, state: notJoined ? 'not-joined' : 'unavailable', error: e.toApiError(), clockOffsetMs: null };
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
        const keys = await deps.joining.keysFor(team, password, joinSecret);
        const writes = [
          { key: teamPasswordKey(team), value: password },
          { key: teamKeysKey(team), value: keys.keys },
        ];
        const before: { key: string; value: string | null }[] = [];
        let imported: { segment: number; rows: number; localVerified: boolean; localHead: number | null };
        let recorded = false;
        try {
          for (const w of writes) {
            before.push({ key: w.key, value: await secrets.get(w.key) });
            await secrets.set(w.key, w.value);
          }
          await audit.append({ ...row, outcome: 'ok', detail: { ...row.detail, founded: keys.founded } });
          recorded = true;
          // The workstation's own audit comes along, verified here with its own key, never dropped.
          const [report, head] = await Promise.all([audit.verify(), audit.head()]);
          const brought = await deps.joining.importLocalAudit(team, password, keys.keys, who.username, { rows: audit.scan(ALL_AUDIT_ROWS), head, report });
          imported = { ...brought, localVerified: report.ok, localHead: head?.seq ?? null };
          const saved = await deps.saveSettings({ ...settings, team });
          if (!saved.ok) throw new HelpdeskError(saved.error.code, { detail: saved.error.detail, reason: saved.error.reason, field: saved.error.field });
        } catch (err) {
          for (const b of before.reverse()) await (b.value === null ? secrets.delete(b.key) : secrets.set(b.key, b.value)).catch(() => undefined);
          // The local chain already said the join went through: it says now that it did not.
          if (recorded) await audit.append({ ...row, outcome: 'error', detail: { ...row.detail, code: errorCodeOf(err) } }).catch(() => undefined);
          throw err;
        }
        // The team's chain says which segment holds this workstation's past (the first row it writes there).
        await desk.audit.append({ operator: who.username, action: 'audit.import', outcome: imported.localVerified ? 'ok' : 'error', detail: { workstation: team.workstation, ...imported } });
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
  };
}
