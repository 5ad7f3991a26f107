import type { TeamSettings } from '../common/settings';
import { cryptoRandom, HmacCodeHasher } from '../adapters/crypto/otp-crypto';
import { PgAuditLog } from '../adapters/team/audit-log';
import { PgOtpStore } from '../adapters/team/otp-store';
import { TeamClock, TeamPool } from '../adapters/team/pool';
import { importSegment } from '../adapters/team/segments';
import { claimOrCheckKeys, createJoinSecret, newTeamKeys, parseKeys, redeemJoinSecret, serializeKeys, teamFounded } from '../adapters/team/team-keys';
import { HelpdeskError } from '../domain/errors';
import { DEFAULT_OTP_POLICY, OtpService, type OtpPolicy } from '../domain/otp';
import type { Clock, SecretStore } from '../domain/ports';
import type { TeamStores } from './desk';
import { teamKeysKey, teamPasswordKey } from './secret-keys';
import type { TeamJoining } from './team-api';

/**
 * Opens the team store of a profile with what this workstation's keychain holds: the store's password
 * and the team's keys. The schema is checked, the clock measured, the keys checked against the team's
 * (a workstation whose keys are not the team's writes nothing). TEAM_NOT_JOINED when the keychain lacks them.
 */
export async function openTeamStores(team: TeamSettings, secrets: SecretStore, local: Clock, policy: OtpPolicy = DEFAULT_OTP_POLICY): Promise<TeamStores> {
  const [password, keyText] = await Promise.all([secrets.get(teamPasswordKey(team)), secrets.get(teamKeysKey(team))]);
  const keys = parseKeys(keyText);
  if (!password || !keys) throw new HelpdeskError('TEAM_NOT_JOINED');
  const pool = new TeamPool(team, password);
  try {
    await pool.open();
    if (!(await teamFounded(pool))) throw new HelpdeskError('TEAM_NOT_JOINED');
    await claimOrCheckKeys(pool, keys, team.workstation);
    const clock = new TeamClock(pool, local);
    await clock.sync();
    return {
      audit: new PgAuditLog(pool, clock, keys.audit),
      otp: new OtpService(new PgOtpStore(pool), clock, cryptoRandom, new HmacCodeHasher(keys.otp), policy),
      clock,
      ping: async () => {
        await pool.read((c) => c.query('SELECT 1'));
      },
      close: () => pool.close(),
    };
  } catch (err) {
    await pool.close();
    throw err;
  }
}

/** Joining, on PostgreSQL: keys from a join secret, or new keys that found a store no team has yet. */
export const pgTeamJoining: TeamJoining = {
  async keysFor(team, password, joinSecret) {
    const pool = new TeamPool(team, password);
    try {
      await pool.open();
      if (joinSecret !== undefined) {
        const keys = await redeemJoinSecret(pool, joinSecret);
        await claimOrCheckKeys(pool, keys, team.workstation);
        return { keys: serializeKeys(keys), founded: false };
      }
      if (await teamFounded(pool)) throw new HelpdeskError('TEAM_JOIN_REFUSED', { reason: 'founded' });
      const keys = newTeamKeys();
      // Two workstations founding at once: one wins, the other is told the team exists.
      if ((await claimOrCheckKeys(pool, keys, team.workstation).catch(() => 'lost')) !== 'founded') throw new HelpdeskError('TEAM_JOIN_REFUSED', { reason: 'founded' });
      return { keys: serializeKeys(keys), founded: true };
    } finally {
      await pool.close();
    }
  },
  async importLocalAudit(team, password, keyText, by, local) {
    const keys = parseKeys(keyText);
    if (!keys) throw new HelpdeskError('TEAM_NOT_JOINED');
    const pool = new TeamPool(team, password);
    try {
      await pool.open();
      return await importSegment(pool, keys.audit, by, local);
    } finally {
      await pool.close();
    }
  },
  async createJoinSecret(team, password, keyText, by) {
    const keys = parseKeys(keyText);
    if (!keys) throw new HelpdeskError('TEAM_NOT_JOINED');
    const pool = new TeamPool(team, password);
    try {
      await pool.open();
      return await createJoinSecret(pool, keys, by);
    } finally {
      await pool.close();
    }
  },
};
