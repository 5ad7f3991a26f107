import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAuditKey } from '../../src-main/adapters/store/audit-chain';
import { PgAuditLog, queueMac, type QueuedRow } from '../../src-main/adapters/team/audit-log';
import { migrateTeamStore } from '../../src-main/adapters/team/migrations';
import { poolConfig, TeamPool } from '../../src-main/adapters/team/pool';
import { errorCodeOf } from '../../src-main/domain/errors';
import { startPostgres, type PostgresHandle } from '../helpers/postgres';

// Issue #13, the team's appends batched (migration step 8): a row that cannot go in at once is queued with
// an HMAC under the team's key and chained by whoever holds the chain's turn, several rows in one commit.
// What must hold whatever the batching: no acknowledged row lost (a server crash included), one chain that
// verifies, no row chained that was queued without the key, no turn kept by a workstation that stopped.

let db: PostgresHandle;
const key = newAuditKey();
const pools: TeamPool[] = [];

function workstation(name: string): TeamPool {
  const p = new TeamPool({ url: db.url({ user: db.app.user, password: '' }).replace(':@', '@'), caCertificate: db.caPem, workstation: name }, db.app.password);
  pools.push(p);
  return p;
}

const clock = { now: () => new Date() };

/** A client of the app's role, outside the app (what anyone holding the role's password could do). */
async function asApp<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(poolConfig({ url: db.url({ user: db.app.user, password: '' }).replace(':@', '@'), caCertificate: db.caPem, workstation: 'raw' }, db.app.password));
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

function queued(workstationName: string, n: number): QueuedRow {
  return {
    nonce: randomBytes(16).toString('hex'),
    at: new Date().toISOString(),
    workstation: workstationName,
    operator: 'tongdai01',
    action: 'directory.search',
    outcome: 'ok',
    target: null,
    unit: null,
    case_id: null,
    detail: JSON.stringify({ n, workstation: workstationName }),
  };
}

/** The procedure called by hand, through the queue (no head expected), as a workstation would. */
function callAppend(c: pg.Client, q: QueuedRow, mac: string, idleMs: number): Promise<pg.QueryResult<{ result: string | null }>> {
  const lit = (v: string | null): string => (v === null ? 'NULL' : c.escapeLiteral(v));
  const args = ['NULL', 'NULL', 'NULL', ...[q.nonce, q.at, q.workstation, q.operator, q.action, q.outcome, q.target, q.unit, q.case_id, q.detail, mac].map(lit), String(idleMs)];
  return c.query<{ result: string | null }>(`CALL helpdesk_audit_append(${args.join(', ')})`);
}

beforeAll(async () => {
  // The WAL writer slowed down: a commit not flushed by its own transaction stays in the server's memory
  // long enough for the crash below to take it (what a power cut does to one not yet on disk).
  db = await startPostgres({ settings: { wal_writer_delay: '10s', wal_writer_flush_after: '0' } });
  const owner = new pg.Client(poolConfig({ url: db.url(db.owner).replace(`:${encodeURIComponent(db.owner.password)}@`, '@'), caCertificate: db.caPem, workstation: 'admin' }, db.owner.password));
  await owner.connect();
  await migrateTeamStore(owner, db.app.user);
  await owner.end();
}, 60_000);

afterAll(async () => {
  for (const p of pools) await p.close();
  await db?.stop();
});

describe('appends batched across the team', () => {
  it('20 writers at once share commits; the server crashed mid-way loses no acknowledged row, and the chain verifies', async () => {
    const writers = Array.from({ length: 20 }, (_, i) => new PgAuditLog(workstation(`ws-crash-${i + 1}`), clock, key));
    const before = Number((await db.admin<{ seq: string }>('SELECT seq FROM audit_head')).rows[0]!.seq);
    const acked: string[] = [];
    let stop = false;
    const runs = writers.map(async (log, w) => {
      for (let i = 0; !stop; i++) {
        const code = await log.append({ operator: 'tongdai01', action: 'directory.search', outcome: 'ok', detail: { w, i } }).then(
          () => 'ok',
          (e: unknown) => errorCodeOf(e),
        );
        if (code !== 'ok') return code;
        acked.push(`${w}:${i}`);
      }
      return 'stopped';
    });
    while (acked.length < 600) await new Promise((r) => setTimeout(r, 5));
    // A crash: every process of the cluster killed at once, as on a power cut of the server's host.
    await db.halt('SIGKILL');
    const ended = await Promise.all(runs);
    stop = true;
    expect(ended.every((c) => c === 'TEAM_STORE_UNAVAILABLE')).toBe(true);
    const ackedAtCrash = [...acked];
    await db.start();

    const kept = await db.admin<{ w: number; i: number }>("SELECT (detail::jsonb->>'w')::int AS w, (detail::jsonb->>'i')::int AS i FROM audit WHERE seq > $1", [before]);
    const keptSet = new Set(kept.rows.map((r) => `${r.w}:${r.i}`));
    const lost = ackedAtCrash.filter((a) => !keptSet.has(a));
    console.log(`[team queue] crash after ${ackedAtCrash.length} acknowledged appends: ${kept.rows.length} rows kept, ${lost.length} acknowledged lost`);
    expect(lost).toEqual([]);
    // Several rows per commit: the turns chained other workstations' rows with their own.
    const commits = await db.admin<{ n: string }>('SELECT count(DISTINCT xmin::text) AS n FROM audit WHERE seq > $1', [before]);
    console.log(`[team queue] ${kept.rows.length} rows in ${commits.rows[0]!.n} commits`);
    expect(Number(commits.rows[0]!.n)).toBeLessThan(kept.rows.length);

    // The chain goes on after the restart (appends through the queue and straight in) and verifies whole.
    await writers[0]!.append({ operator: 'tongdai01', action: 'directory.search', outcome: 'ok', detail: { after: 1 } });
    await writers[0]!.append({ operator: 'tongdai01', action: 'directory.search', outcome: 'ok', detail: { after: 2 } });
    expect(await writers[1]!.verify()).toMatchObject({ ok: true, problemCount: 0 });
  }, 120_000);

  it('a row queued without the team key is never chained, and a queued copy of a chained row is not chained twice', async () => {
    const log = new PgAuditLog(workstation('ws-forge'), clock, key);
    const forged = queued('ws-forge', 1);
    await asApp((c) =>
      c.query(
        'INSERT INTO audit_queue (nonce, at, workstation, operator, action, outcome, target, unit, case_id, detail, mac) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)',
        [forged.nonce, forged.at, forged.workstation, 'someone', forged.action, forged.outcome, null, null, null, forged.detail, queueMac(newAuditKey(), forged)],
      ),
    );
    // The first append of a workstation goes through the queue (it knows no head yet): its turn sees the forged row.
    await log.append({ operator: 'tongdai01', action: 'directory.search', outcome: 'ok', detail: { honest: 1 } });
    expect((await db.admin('SELECT 1 FROM audit WHERE nonce = $1', [forged.nonce])).rowCount).toBe(0);
    expect((await db.admin('SELECT 1 FROM audit_queue WHERE nonce = $1', [forged.nonce])).rowCount).toBe(1);

    // A chained row queued again, as it was (its HMAC right): removed by the next turn, never a second row.
    const last = (await db.admin<{ nonce: string; at: string; workstation: string; operator: string; action: string; outcome: string; detail: string }>(
      'SELECT nonce, at, workstation, operator, action, outcome, detail FROM audit WHERE nonce IS NOT NULL ORDER BY seq DESC LIMIT 1',
    )).rows[0]!;
    const copy: QueuedRow = { ...last, outcome: last.outcome as QueuedRow['outcome'], target: null, unit: null, case_id: null };
    await asApp((c) =>
      c.query(
        'INSERT INTO audit_queue (nonce, at, workstation, operator, action, outcome, target, unit, case_id, detail, mac) VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, NULL, $7, $8)',
        [copy.nonce, copy.at, copy.workstation, copy.operator, copy.action, copy.outcome, copy.detail, queueMac(key, copy)],
      ),
    );
    await new PgAuditLog(workstation('ws-forge-2'), clock, key).append({ operator: 'tongdai01', action: 'directory.search', outcome: 'ok', detail: { honest: 2 } });
    expect((await db.admin<{ n: number }>('SELECT count(*)::int AS n FROM audit WHERE nonce = $1', [copy.nonce])).rows[0]!.n).toBe(1);
    expect((await db.admin('SELECT 1 FROM audit_queue WHERE nonce = $1', [copy.nonce])).rowCount).toBe(0);
    expect(await log.verify()).toMatchObject({ ok: true, problemCount: 0 });
  }, 60_000);

  it('a workstation that takes the turn and stops answering loses it with its session; a row queued by a workstation gone meanwhile is chained by the next turn', async () => {
    const rawClient = async (name: string): Promise<pg.Client> => {
      const c = new pg.Client(poolConfig({ url: db.url({ user: db.app.user, password: '' }).replace(':@', '@'), caCertificate: db.caPem, workstation: name }, db.app.password));
      c.on('error', () => undefined);
      await c.connect();
      return c;
    };
    // X finds the chain free: it holds the turn at once (its row not queued), then says nothing more.
    const silent = await rawClient('silent');
    const own = queued('ws-silent', 1);
    const held = await callAppend(silent, own, queueMac(key, own), 1500);
    expect(JSON.parse(held.rows[0]!.result!)).toMatchObject({ queued: false });
    // Y finds it busy: its row is queued and it waits for its turn — and its workstation goes away.
    const gone = await rawClient('gone');
    const left = queued('ws-gone', 1);
    const waiting = callAppend(gone, left, queueMac(key, left), 16_000).catch(() => 'ended');
    for (let i = 0; i < 100 && (await db.admin('SELECT 1 FROM audit_queue WHERE nonce = $1', [left.nonce])).rowCount === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await db.admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'helpdesk gone'");
    expect(await waiting).toBe('ended');

    const log = new PgAuditLog(workstation('ws-next'), clock, key);
    const t0 = performance.now();
    await log.append({ operator: 'tongdai01', action: 'directory.search', outcome: 'ok', detail: { next: 1 } });
    const waited = performance.now() - t0;
    console.log(`[team queue] the turn came back from a silent holder after ${waited.toFixed(0)} ms`);
    expect(waited).toBeGreaterThan(1000);
    expect(waited).toBeLessThan(8000);
    // X's append never resolved and its row was never queued: not in the chain. Y's queued row is.
    expect((await db.admin('SELECT 1 FROM audit WHERE nonce = $1', [own.nonce])).rowCount).toBe(0);
    expect((await db.admin('SELECT 1 FROM audit WHERE nonce = $1', [left.nonce])).rowCount).toBe(1);
    expect(await log.verify()).toMatchObject({ ok: true, problemCount: 0 });
    await silent.end().catch(() => undefined);
    await gone.end().catch(() => undefined);
  }, 60_000);
});
