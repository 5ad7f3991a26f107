/**
 * The team store in `npm run bench` (issue #13): a PostgreSQL 15 cluster started here with every commit
 * flushed (fsync on, synchronous_commit on), TLS and SCRAM as in production: the whole case on a second
 * workstation joined to the team, interleaved case by case with the first one's on SQLite (the same
 * moments: the ratio is not a comparison of two quiet spells on a shared machine), and the team's audit
 * appends with 1, 5 and 20 workstations writing at once (each its own connection).
 */
import pg from 'pg';
import { newAuditKey } from '../src-main/adapters/store/audit-chain';
import { PgAuditLog } from '../src-main/adapters/team/audit-log';
import { migrateTeamStore } from '../src-main/adapters/team/migrations';
import { poolConfig, TeamClock, TeamPool } from '../src-main/adapters/team/pool';
import type { TeamSettings } from '../src-main/common/settings';
import { startPostgres } from '../test/helpers/postgres';
import { fmt, type Scoreboard, type Timing, timingOf } from './measure';

export interface TeamBenchContext {
  /** Sets a second workstation up in the team store (joined, signed in, its index replica filled). */
  join(team: TeamSettings, password: string): Promise<void>;
  /** The whole case on the first workstation (SQLite) and on the team's, interleaved case by case. */
  wholeCases(): Promise<{ sqlite: Timing; team: Timing; sqliteSteps: string; teamSteps: string }>;
  /** The whole case on `workstations` team workstations at once (`perWorkstation` cases each, distinct accounts). */
  concurrentCases(team: TeamSettings, password: string, workstations: number, perWorkstation: number): Promise<Timing>;
  sqliteAppend: Timing;
}

const APPENDS_PER_WRITER = Number(process.env.BENCH_TEAM_APPENDS ?? 200);
/** Whole cases per workstation when 5 or 20 work at once (each on its own accounts). */
const CASES_AT_ONCE = Number(process.env.BENCH_TEAM_CASES ?? 10);

export async function teamBench(board: Scoreboard, ctx: TeamBenchContext): Promise<void> {
  const db = await startPostgres({ durable: true });
  try {
    const owner = new pg.Client(poolConfig({ url: `postgres://${db.owner.user}@127.0.0.1:${db.port}/${db.database}`, caCertificate: db.caPem, workstation: 'bench' }, db.owner.password));
    await owner.connect();
    await migrateTeamStore(owner, db.app.user);
    await owner.end();
    const team: TeamSettings = { url: `postgres://${db.app.user}@127.0.0.1:${db.port}/${db.database}`, caCertificate: db.caPem, workstation: 'bench-1' };
    await ctx.join(team, db.app.password);

    console.log('');
    console.log('team store (PostgreSQL 15, fsync on, TLS + SCRAM on loopback)        p50 (ms)  p95 (ms)');
    const whole = await ctx.wholeCases();
    console.log(`  whole case, SQLite, interleaved with the team's                ${fmt(whole.sqlite.p50)} ${fmt(whole.sqlite.p95)}`);
    console.log(whole.sqliteSteps);
    console.log(`  whole case, team store                                       ${fmt(whole.team.p50)} ${fmt(whole.team.p95)}`);
    console.log(whole.teamSteps);
    const ratio = whole.team.p50 / whole.sqlite.p50;
    board.judge(
      'whole case on the team store vs SQLite, p50 (1 writer, interleaved)',
      `${whole.team.p50.toFixed(1)} ms vs ${whole.sqlite.p50.toFixed(1)} ms, ratio ${ratio.toFixed(2)}`,
      'ratio ≤ 1.5',
      ratio <= 1.5,
    );

    const key = newAuditKey();
    console.log(`  audit append, SQLite (one writer, above)                     ${fmt(ctx.sqliteAppend.p50)} ${fmt(ctx.sqliteAppend.p95)}`);
    for (const writers of [1, 5, 20]) {
      const pools = Array.from({ length: writers }, (_, i) => new TeamPool({ ...team, workstation: `bench-writer-${i + 1}` }, db.app.password));
      try {
        const logs = await Promise.all(
          pools.map(async (p) => {
            await p.open();
            const clock = new TeamClock(p);
            await clock.sync();
            return new PgAuditLog(p, clock, key);
          }),
        );
        // Warm every connection, then all writers append at once.
        await Promise.all(logs.map((l) => l.append({ operator: 'bench', action: 'directory.search', outcome: 'ok', detail: { warm: true } })));
        const times: number[] = [];
        const t0 = performance.now();
        await Promise.all(
          logs.map(async (l) => {
            for (let i = 0; i < APPENDS_PER_WRITER; i++) {
              const s = performance.now();
              await l.append({ operator: 'bench', action: 'directory.search', outcome: 'ok', detail: { readAs: 'username', results: i } });
              times.push(performance.now() - s);
            }
          }),
        );
        const rate = (writers * APPENDS_PER_WRITER) / ((performance.now() - t0) / 1000);
        const t = timingOf(times);
        console.log(`  audit append, team store, ${String(writers).padStart(2)} writer(s) at once (${rate.toFixed(0)} rows/s)    ${fmt(t.p50)} ${fmt(t.p95)}`);
        if (writers === 20) {
          // Judged as the issue asks: 20 writers appending back to back (the store saturated, every one
          // waiting for the chain's turn behind the 19 others — a turn chains every row queued meanwhile; all
          // 20 clients in this one process, beside the server, on this machine's cores).
          board.judge('team audit append p95 with 20 writers at once', `${t.p95.toFixed(1)} ms (p50 ${t.p50.toFixed(1)} ms, ${rate.toFixed(0)} rows/s)`, '≤ 20 ms', t.p95 <= 20);
          // And as a hotline writes: each of the 20 every ~100 ms at most (a busy desk writes a row every few seconds).
          const paced: number[] = [];
          await Promise.all(
            logs.map(async (l, w) => {
              await new Promise((r) => setTimeout(r, w * 5));
              for (let i = 0; i < APPENDS_PER_WRITER; i++) {
                const s = performance.now();
                await l.append({ operator: 'bench', action: 'directory.search', outcome: 'ok', detail: { readAs: 'username', results: i } });
                paced.push(performance.now() - s);
                await new Promise((r) => setTimeout(r, 80 + Math.random() * 40));
              }
            }),
          );
          const p = timingOf(paced);
          console.log(`  audit append, team store, 20 writers each every ~100 ms          ${fmt(p.p50)} ${fmt(p.p95)}`);
          board.note('team audit append, 20 writers each every ~100 ms, p50/p95', `${p.p50.toFixed(1)} / ${p.p95.toFixed(1)} ms`);
        } else board.note(`team audit append with ${writers} writer(s), p50/p95`, `${t.p50.toFixed(1)} / ${t.p95.toFixed(1)} ms`);
      } finally {
        for (const p of pools) await p.close();
      }
    }
    // The whole case with 5 and 20 team workstations at once (after the appends: 20 runtimes leave
    // their connections closing behind them).
    for (const workstations of [5, 20]) {
      const t = await ctx.concurrentCases(team, db.app.password, workstations, CASES_AT_ONCE);
      console.log(`  whole case, team store, ${String(workstations).padStart(2)} workstations at once, each ~1/s (${workstations * CASES_AT_ONCE} cases)   ${fmt(t.p50)} ${fmt(t.p95)}`);
      board.note(`whole case on the team store, ${workstations} workstations at once (each a case ~1/s, one process), p50/p95`, `${t.p50.toFixed(1)} / ${t.p95.toFixed(1)} ms`);
    }

    const check = new TeamPool({ ...team, workstation: 'bench-check' }, db.app.password);
    try {
      const report = await new PgAuditLog(check, { now: () => new Date() }, key).verify();
      // The bench's own rows are chained with another key than the joined workstation's: count only.
      console.log(`  the team chain after the bench: ${report.rows} rows`);
    } finally {
      await check.close();
    }
  } finally {
    await db.stop();
  }
}
