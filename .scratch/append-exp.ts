import pg from 'pg';
import { newAuditKey } from '../src-main/adapters/store/audit-chain';
import { PgAuditLog } from '../src-main/adapters/team/audit-log';
import { migrateTeamStore } from '../src-main/adapters/team/migrations';
import { poolConfig, TeamClock, TeamPool } from '../src-main/adapters/team/pool';
import { startPostgres } from '../test/helpers/postgres';

const N = Number(process.env.N ?? 100);
const db = await startPostgres({ durable: true });
try {
  const owner = new pg.Client(poolConfig({ url: `postgres://${db.owner.user}@127.0.0.1:${db.port}/${db.database}`, caCertificate: db.caPem, workstation: 'x' }, db.owner.password));
  await owner.connect();
  await migrateTeamStore(owner, db.app.user);
  await owner.end();
  const team = { url: `postgres://${db.app.user}@127.0.0.1:${db.port}/${db.database}`, caCertificate: db.caPem, workstation: 'w' };
  const key = newAuditKey();
  for (const writers of [1, 5, 20]) {
    const pools = Array.from({ length: writers }, (_, i) => new TeamPool({ ...team, workstation: `w${i}` }, db.app.password));
    const logs = await Promise.all(pools.map(async (p) => { await p.open(); const c = new TeamClock(p); await c.sync(); return new PgAuditLog(p, c, key); }));
    await Promise.all(logs.map((l) => l.append({ operator: 'b', action: 'directory.search', outcome: 'ok', detail: {} })));
    const times: number[] = [];
    const t0 = performance.now();
    await Promise.all(logs.map(async (l) => { for (let i = 0; i < N; i++) { const s = performance.now(); await l.append({ operator: 'b', action: 'directory.search', outcome: 'ok', detail: { i } }); times.push(performance.now() - s); } }));
    const el = performance.now() - t0;
    times.sort((a, b) => a - b);
    console.log(writers, 'p50', times[Math.floor(times.length * 0.5)]!.toFixed(2), 'p95', times[Math.floor(times.length * 0.95)]!.toFixed(2), 'rate', ((writers * N) / (el / 1000)).toFixed(0));
    for (const p of pools) await p.close();
  }
} finally {
  await db.stop();
}
