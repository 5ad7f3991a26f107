import type { TeamSettings } from '../common/settings';
import { join } from 'node:path';
import { cryptoRandom, HmacCodeHasher } from '../adapters/crypto/otp-crypto';
import { SqliteSearchIndex } from '../adapters/store/sqlite-search-index';
import { PgAuditLog } from '../adapters/team/audit-log';
import { caseSealKey, PgCaseStore } from '../adapters/team/case-store';
import { PgOtpStore } from '../adapters/team/otp-store';
import { PgTeamProfileStore, profileMacKey } from '../adapters/team/profile-store';
import { PgSearchIndex, searchIndexKey } from '../adapters/team/search-index';
import { TeamClock, TeamPool } from '../adapters/team/pool';
import { importSegment } from '../adapters/team/segments';
import { claimOrCheckKeys, createJoinSecret, keysAreTeams, newTeamKeys, parseKeys, redeemJoinSecret, serializeKeys, teamFounded } from '../adapters/team/team-keys';
import { HelpdeskError } from '../domain/errors';
import { DEFAULT_OTP_POLICY, OtpService, type OtpPolicy } from '../domain/otp';
import type { Clock, SecretStore } from '../domain/ports';
import type { TeamStores } from './desk';
import { teamKeysKey, teamPasswordKey } from './secret-keys';
import type { TeamJoining } from './team-api';
import { indexProfileKey } from './search-index-keeper';

/**
 * Opens the team store of a profile with what this workstation's keychain holds: the store's password
 * and the team's keys. The schema is checked, the clock measured, the keys checked against the team's
 * (a workstation whose keys are not the team's writes nothing). TEAM_NOT_JOINED when the keychain lacks them.
 */
export async function openTeamStores(
  team: TeamSettings,
  secrets: SecretStore,
  local: Clock,
  opts: { policy?: OtpPolicy; replicaDir: string },
): Promise<TeamStores> {
  const policy = opts.policy ?? DEFAULT_OTP_POLICY;
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
    const audit = new PgAuditLog(pool, clock, keys.audit);
    return {
      audit,
      otp: new OtpService(new PgOtpStore(pool), clock, cryptoRandom, new HmacCodeHasher(keys.otp), policy),
      cases: new PgCaseStore(pool, caseSealKey(keys.otp), audit),
      profile: new PgTeamProfileStore(pool, profileMacKey(keys.audit)),
      clock,
      // The team's index in the store; searches answered by this workstation's replica of it (data folder).
      searchIndex: async (directory) => {
        const profileKey = indexProfileKey(directory);
        const key = searchIndexKey(keys.otp);
        const replica = new SqliteSearchIndex(join(opts.replicaDir, `search-index-team-${profileKey}.sqlite`), key);
        try {
          return await new PgSearchIndex(pool, profileKey, key, replica).open();
        } catch (err) {
          await replica.close();
          throw err;
        }
      },
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
  async keysFor(team, password, joinSecret, held) {
    const pool = new TeamPool(team, password);
    try {
      await pool.open();
      // Keys this keychain already holds that the store knows as the team's: a join that had the store's
      // word (a founding claimed, a secret spent) but failed at a later step is taken up again with them —
      // no secret spent, nothing claimed. They give the workstation nothing it did not hold already.
      const heldKeys = parseKeys(held);
      if (heldKeys && (await keysAreTeams(pool, heldKeys)) === true) return { keys: serializeKeys(heldKeys), via: 'held' };
      if (joinSecret !== undefined) {
        const keys = await redeemJoinSecret(pool, joinSecret);
        await claimOrCheckKeys(pool, keys, team.workstation);
        return { keys: serializeKeys(keys), via: 'secret' };
      }
      if (await teamFounded(pool)) throw new HelpdeskError('TEAM_JOIN_REFUSED', { reason: 'founded' });
      // Not claimed here: the caller keeps them in the keychain first, then calls found().
      return { keys: serializeKeys(newTeamKeys()), via: 'founding' };
    } finally {
      await pool.close();
    }
  },
  async found(team, password, keyText) {
    const keys = parseKeys(keyText);
    if (!keys) throw new HelpdeskError('TEAM_NOT_JOINED');
    const pool = new TeamPool(team, password);
    try {
      await pool.open();
      // The same keys again (an earlier try's claim went through) are the team's already: 'member' is fine.
      // Two workstations founding at once: one wins, the other is told the team exists.
      await claimOrCheckKeys(pool, keys, team.workstation).catch((err: unknown) => {
        if (err instanceof HelpdeskError && err.code === 'AUDIT_KEY_MISSING' && err.reason === 'team_keys') throw new HelpdeskError('TEAM_JOIN_REFUSED', { reason: 'founded' });
        throw err;
      });
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
      // Only the team's own key may chain a segment (other keys would make rows no member can verify).
      if ((await keysAreTeams(pool, keys)) !== true) throw new HelpdeskError('AUDIT_KEY_MISSING', { reason: 'team_keys' });
      const imported = await importSegment(pool, keys.audit, by, local);
      // The team's chain says which segment holds this workstation's past — written here, before the
      // settings switch the workstation to the team, so a failure leaves a join that can simply be tried
      // again (a retry finds the segment and says so: `resumed`, with the local head of now and the segment's).
      const clock = new TeamClock(pool);
      await clock.sync();
      await new PgAuditLog(pool, clock, keys.audit).append({
        operator: by,
        action: 'audit.import',
        outcome: imported.localVerified ? 'ok' : 'error',
        detail: { workstation: team.workstation, segment: imported.segment, rows: imported.rows, localVerified: imported.localVerified, localHead: local.head?.seq ?? null, segmentHead: imported.localHead, resumed: imported.resumed },
      });
      return imported;
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
