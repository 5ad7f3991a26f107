/**
 * A workstation of the team, as a child process for the team store tests: its own pool, its own clock,
 * the shared keys given by the parent (as the join step would put them in its keychain). Told what to
 * do by argv; prints one JSON line per result, then `done`.
 *
 *   send <accountKey> <caseId>      reserve → commit one code (what a send does around the relay)
 *   append <count>                  appends rows, printing `ack <n>` after each one returns
 *
 * Env: TEAM_URL, TEAM_CA, TEAM_PASSWORD, TEAM_WORKSTATION, TEAM_AUDIT_KEY, TEAM_OTP_KEY (hex), TEAM_GO_AT
 * (epoch ms: every racer starts at the same instant), TEAM_SHIFT_MS (time passed, for a later wave).
 */
import { cryptoRandom, HmacCodeHasher } from '../../src-main/adapters/crypto/otp-crypto';
import { PgAuditLog } from '../../src-main/adapters/team/audit-log';
import { PgOtpStore } from '../../src-main/adapters/team/otp-store';
import { TeamClock, TeamPool } from '../../src-main/adapters/team/pool';
import { errorCodeOf } from '../../src-main/domain/errors';
import { OtpService } from '../../src-main/domain/otp';

const env = (k: string): string => {
  const v = process.env[k];
  if (v === undefined) throw new Error(`${k} missing`);
  return v;
};

const pool = new TeamPool({ url: env('TEAM_URL'), caCertificate: env('TEAM_CA'), workstation: env('TEAM_WORKSTATION') }, env('TEAM_PASSWORD'));
const teamClock = new TeamClock(pool);
// TEAM_SHIFT_MS: the test's way to let time pass (the database's clock, as this workstation reads it, moved on).
const shift = Number(process.env.TEAM_SHIFT_MS ?? 0);
const clock = { now: () => new Date(teamClock.now().getTime() + shift) };
const [command, ...args] = process.argv.slice(2);

async function waitForGo(): Promise<void> {
  const at = Number(process.env.TEAM_GO_AT ?? 0);
  const wait = at - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

async function main(): Promise<void> {
  await pool.open();
  await teamClock.sync();
  if (command === 'send') {
    const [accountKey, caseId] = args as [string, string];
    const otp = new OtpService(new PgOtpStore(pool), clock, cryptoRandom, new HmacCodeHasher(Buffer.from(env('TEAM_OTP_KEY'), 'hex')));
    await waitForGo();
    try {
      const reservation = await otp.reserve(accountKey, 'sms');
      const code = otp.generate();
      await otp.commit(reservation, caseId, accountKey, 'sms', code);
      process.stdout.write(`${JSON.stringify({ ok: true, caseId, code })}\n`);
    } catch (err) {
      process.stdout.write(`${JSON.stringify({ ok: false, code: errorCodeOf(err) })}\n`);
    }
  } else if (command === 'append') {
    const log = new PgAuditLog(pool, clock, Buffer.from(env('TEAM_AUDIT_KEY'), 'hex'));
    await waitForGo();
    const count = Number(args[0]);
    for (let i = 1; i <= count; i++) {
      await log.append({ operator: env('TEAM_WORKSTATION'), action: 'directory.search', outcome: 'ok', detail: { readAs: 'username', results: i } });
      process.stdout.write(`ack ${i}\n`);
    }
  } else {
    throw new Error(`unknown command ${command}`);
  }
  process.stdout.write('done\n');
  if (process.env.TEAM_STAY === '1') setInterval(() => undefined, 1000);
  else await pool.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
