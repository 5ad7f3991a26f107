import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainHash, checkpointDetail, newAuditKey } from '../../src-main/adapters/store/audit-chain';
import { PgAuditLog } from '../../src-main/adapters/team/audit-log';
import { migrateTeamStore } from '../../src-main/adapters/team/migrations';
import { poolConfig, TeamPool } from '../../src-main/adapters/team/pool';
import { createAuditApi } from '../../src-main/app/audit-api';
import type { Desk } from '../../src-main/app/desk';
import type { Result } from '../../src-main/common/result';
import type { Settings } from '../../src-main/common/settings';
import { retentionCutoff } from '../../src-main/domain/audit-filter';
import { errorCodeOf, HelpdeskError } from '../../src-main/domain/errors';
import { noExports, recordingAudit } from '../helpers/fake-audit';
import { startPostgres, type PostgresHandle } from '../helpers/postgres';

// Retention on the team store (migration step 5): rows leave the audit only through the owner's
// helpdesk_audit_purge, called by PgAuditLog.purgeBefore after it appended the checkpoint (chained with
// the team's key, which PostgreSQL never holds); never a row within the owner's floor (180 days unless
// the owner keeps another in helpdesk_meta); the workstations' role still holds no DELETE on the audit.

const DAY = 86_400_000;
let db: PostgresHandle;
const auditKey = newAuditKey();
const pools: TeamPool[] = [];
let databases = 0;

/** A team store of its own (a fresh database, migrated by the owner): each test starts from an empty chain. */
async function freshTeam(): Promise<string> {
  const name = `retention_${++databases}`;
  await db.createDatabase(name);
  await asOwner(name, (c) => migrateTeamStore(c, db.app.user));
  return name;
}

function workstation(database: string, name = 'Máy 1'): TeamPool {
  const url = db.url({ user: db.app.user, password: '' }, database).replace(':@', '@');
  const p = new TeamPool({ url, caCertificate: db.caPem, workstation: name }, db.app.password);
  pools.push(p);
  return p;
}

async function asOwner<T>(database: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(poolConfig({ url: db.url(db.owner, database).replace(/:[^:@]*@/u, '@'), caCertificate: db.caPem, workstation: 'admin' }, db.owner.password));
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A log whose clock the test sets: rows written "days ago" as a workstation would have written them then. */
function teamLog(pool: TeamPool): { log: PgAuditLog; at: (daysAgo: number) => void } {
  let shift = 0;
  const log = new PgAuditLog(pool, { now: () => new Date(Date.now() - shift) }, auditKey);
  return { log, at: (daysAgo) => void (shift = daysAgo * DAY) };
}

/** `n` rows written `daysAgo` days ago. */
async function rows(t: ReturnType<typeof teamLog>, daysAgo: number, n: number): Promise<void> {
  t.at(daysAgo);
  for (let i = 0; i < n; i++) await t.log.append({ operator: 'tongdai01', action: 'directory.search', outcome: 'ok', detail: { n: i } });
  t.at(0);
}

async function run<T>(fn: () => Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    return { ok: false, error: err instanceof HelpdeskError ? err.toApiError() : { code: 'INTERNAL' } };
  }
}

const codeOf = async (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: unknown) => errorCodeOf(e));
/** The SQLSTATE or message a statement failed with, as the server gave it. */
const sqlError = async (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (e: unknown) => {
      const cause = e instanceof HelpdeskError ? (e.cause as { code?: string; message?: string } | undefined) : (e as { code?: string; message?: string });
      return `${cause?.code ?? ''} ${cause?.message ?? ''}`.trim();
    },
  );

const count = async (database: string): Promise<number> => (await db.admin<{ n: number }>('SELECT count(*)::int AS n FROM audit', [], database)).rows[0]!.n;
const seqs = async (database: string): Promise<number[]> => (await db.admin<{ seq: string }>('SELECT seq FROM audit ORDER BY seq', [], database)).rows.map((r) => Number(r.seq));
const hashOf = async (database: string, seq: number): Promise<string> => (await db.admin<{ hash: string }>('SELECT hash FROM audit WHERE seq = $1', [seq], database)).rows[0]!.hash;

/**
 * In one transaction of the app's role (rolled back): appends a checkpoint row recording rows
 * first..through, chained with the team's key as the app would, then asks the function to remove them.
 * Resolves to what the function answered (its count, or the error).
 */
async function forgedPurge(pool: TeamPool, through: number, opts: { checkpoint?: boolean } = {}): Promise<string> {
  return pool.read(async (c) => {
    await c.query('BEGIN');
    try {
      if (opts.checkpoint !== false) {
        const head = (await c.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE')).rows[0]!;
        const first = Number((await c.query<{ seq: string }>('SELECT min(seq) AS seq FROM audit')).rows[0]!.seq);
        const last = (await c.query<{ hash: string }>('SELECT hash FROM audit WHERE seq = $1', [through])).rows[0]!;
        const row = {
          seq: Number(head.seq) + 1,
          at: new Date().toISOString(),
          operator: 'tongdai01',
          action: 'audit.checkpoint',
          outcome: 'ok' as const,
          target: null,
          unit: null,
          case_id: null,
          detail: JSON.stringify({ ...checkpointDetail(first, { seq: through, hash: last.hash }, '2000-01-01'), workstation: 'Máy 1' }),
        };
        const hash = chainHash(auditKey, head.hash, row);
        await c.query(
          `INSERT INTO audit (seq, at, workstation, operator, action, outcome, target, unit, case_id, detail, prev_hash, hash) VALUES ($1, $2, 'Máy 1', $3, $4, $5, NULL, NULL, NULL, $6, $7, $8)`,
          [row.seq, row.at, row.operator, row.action, row.outcome, row.detail, head.hash, hash],
        );
        await c.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [row.seq, hash]);
      }
      const r = await c.query<{ n: string }>('SELECT helpdesk_audit_purge($1)::text AS n', [through]);
      return r.rows[0]!.n;
    } catch (e) {
      const err = e as { code?: string; message?: string };
      return `${err.code ?? ''} ${err.message ?? ''}`;
    } finally {
      await c.query('ROLLBACK').catch(() => undefined);
    }
  });
}

beforeAll(async () => {
  db = await startPostgres();
}, 60_000);

afterAll(async () => {
  for (const p of pools) await p.close();
  await db?.stop();
});

describe('retention on the team store', () => {
  it('a purge removes exactly the rows before the cutoff and appends a checkpoint chained with the team key; the chain verifies after it, and a row changed later is still found', async () => {
    const name = await freshTeam();
    const ws = workstation(name);
    const t = teamLog(ws);
    await rows(t, 800, 6); // 1–6
    await rows(t, 400, 4); // 7–10
    await rows(t, 30, 3); // 11–13
    const hash10 = await hashOf(name, 10);
    const exportedHead = (await t.log.head())!;
    expect(exportedHead.seq).toBe(13);

    const cutoff = retentionCutoff(new Date(), 12); // 12 months: the 800- and 400-day-old rows go
    const done = await t.log.purgeBefore(cutoff.iso, 'giamsat01', cutoff.day);
    expect(done).toEqual({ purged: 10, through: 10, checkpoint: 14 });
    expect(await seqs(name)).toEqual([11, 12, 13, 14]);
    const checkpoint = (await t.log.recent(1))[0]!;
    expect(checkpoint).toMatchObject({ seq: 14, operator: 'giamsat01', action: 'audit.checkpoint', outcome: 'ok' });
    expect(checkpoint.detail).toEqual({ purgedFrom: 1, through: 10, throughHash: hash10, rows: 10, before: cutoff.day, workstation: 'Máy 1' });
    const head = await db.admin<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_head', [], name);
    expect(head.rows[0]).toEqual({ seq: '14', hash: await hashOf(name, 14) });

    // The chain verifies from the checkpoint; a head exported before the purge (now behind it) too.
    expect(await t.log.verify()).toMatchObject({ ok: true, rows: 4, head: { seq: 14 }, problemCount: 0 });
    expect(await t.log.verify(exportedHead)).toMatchObject({ ok: true, problemCount: 0 });
    // Appends go on after the checkpoint; a second purge finds nothing old and changes nothing.
    await t.log.append({ operator: 'tongdai02', action: 'session.signIn', outcome: 'ok' });
    expect(await t.log.purgeBefore(cutoff.iso, 'giamsat01', cutoff.day)).toEqual({ purged: 0, through: null, checkpoint: null });
    expect(await seqs(name)).toEqual([11, 12, 13, 14, 15]);
    expect(await t.log.verify()).toMatchObject({ ok: true, rows: 5 });

    // A kept row changed on the server (past the trigger, as the superuser): the verification names it…
    await db.admin('ALTER TABLE audit DISABLE TRIGGER audit_no_change', [], name);
    await db.admin("UPDATE audit SET operator = 'someone-else' WHERE seq = 12", [], name);
    await db.admin('ALTER TABLE audit ENABLE TRIGGER audit_no_change', [], name);
    expect(await t.log.verify()).toMatchObject({ ok: false, problems: [{ seq: 12, problem: 'hash' }] });
    // …and a purge then refuses, removing nothing: a purge does not launder tampering.
    expect(await codeOf(t.log.purgeBefore(new Date().toISOString(), 'giamsat01', '2026-12-07'))).toBe('AUDIT_TAMPERED');
    expect(await seqs(name)).toEqual([11, 12, 13, 14, 15]);
    // The checkpoint itself changed (to hide a purge's range): the chain breaks at its first kept row.
    await db.admin('ALTER TABLE audit DISABLE TRIGGER audit_no_change', [], name);
    await db.admin("UPDATE audit SET operator = 'tongdai01' WHERE seq = 12", [], name);
    await db.admin(`UPDATE audit SET detail = replace(detail, '"through":10', '"through":9') WHERE seq = 14`, [], name);
    await db.admin('ALTER TABLE audit ENABLE TRIGGER audit_no_change', [], name);
    const broken = await t.log.verify();
    expect(broken.ok).toBe(false);
    expect(broken.problems).toEqual(expect.arrayContaining([{ seq: 14, problem: 'hash' }]));
  }, 60_000);

  it("the workstations' role cannot remove or change audit rows itself: DELETE, UPDATE, TRUNCATE refused, the purge's mark set by hand changes nothing, even with DELETE granted by mistake", async () => {
    const name = await freshTeam();
    const ws = workstation(name);
    const t = teamLog(ws);
    await rows(t, 800, 3);
    const asApp = (sql: string) => ws.read((c) => c.query(sql));
    // No privilege (42501, translated as a store that is not the app's to change).
    expect(await codeOf(asApp('DELETE FROM audit WHERE seq = 1'))).toBe('TEAM_STORE_SCHEMA');
    expect(await codeOf(asApp("UPDATE audit SET operator = 'x' WHERE seq = 1"))).toBe('TEAM_STORE_SCHEMA');
    expect(await codeOf(asApp('TRUNCATE audit'))).toBe('TEAM_STORE_SCHEMA');
    expect(await sqlError(ws.transaction((c) => c.query("SET LOCAL helpdesk.audit_purge = 'on'; DELETE FROM audit WHERE seq = 1")))).toMatch(/^42501 permission denied/u);
    // DELETE granted to the app's role by mistake: the trigger still refuses it, the mark set or not —
    // only the owner's function, running as the owner, gets through.
    await db.admin(`GRANT DELETE, UPDATE ON audit TO ${db.app.user}`, [], name);
    try {
      expect(await sqlError(asApp('DELETE FROM audit WHERE seq = 1'))).toMatch(/append-only/u);
      expect(await sqlError(ws.transaction((c) => c.query("SELECT set_config('helpdesk.audit_purge', 'on', true); DELETE FROM audit WHERE seq = 1")))).toMatch(/append-only/u);
      expect(await sqlError(ws.transaction((c) => c.query("SET LOCAL helpdesk.audit_purge = 'on'; UPDATE audit SET operator = 'x' WHERE seq = 1")))).toMatch(/append-only/u);
    } finally {
      await db.admin(`REVOKE DELETE, UPDATE ON audit FROM ${db.app.user}`, [], name);
    }
    // The owner's own plain DELETE or TRUNCATE is refused too.
    expect(await sqlError(asOwner(name, (c) => c.query('DELETE FROM audit WHERE seq = 1')))).toMatch(/append-only/u);
    expect(await sqlError(asOwner(name, (c) => c.query('TRUNCATE audit')))).toMatch(/append-only/u);
    expect(await seqs(name)).toEqual([1, 2, 3]);

    // The function: the owner's, SECURITY DEFINER with a fixed search_path, executable by the app's role only.
    const fn = await db.admin<{ owner: string; definer: boolean; config: string[] }>(
      "SELECT pg_get_userbyid(proowner) AS owner, prosecdef AS definer, proconfig AS config FROM pg_proc WHERE proname = 'helpdesk_audit_purge'",
      [],
      name,
    );
    expect(fn.rows).toEqual([{ owner: db.owner.user, definer: true, config: ['search_path=public, pg_temp'] }]);
    await db.admin('CREATE ROLE someone_else', [], name).catch(() => undefined); // a role of the cluster
    const may = await db.admin<{ app: boolean; other: boolean }>(
      `SELECT has_function_privilege($1, 'helpdesk_audit_purge(bigint)', 'EXECUTE') AS app, has_function_privilege('someone_else', 'helpdesk_audit_purge(bigint)', 'EXECUTE') AS other`,
      [db.app.user],
      name,
    );
    expect(may.rows[0]).toEqual({ app: true, other: false });
    const grants = await db.admin<{ privilege_type: string }>(
      "SELECT privilege_type FROM information_schema.role_table_grants WHERE table_name = 'audit' AND grantee = $1 ORDER BY privilege_type",
      [db.app.user],
      name,
    );
    expect(grants.rows.map((r) => r.privilege_type)).toEqual(['INSERT', 'SELECT']);
  }, 60_000);

  it('the function refuses rows within the floor, a range the newest row does not record, and the newest row; the owner may keep a longer floor, and a purge then stops at it', async () => {
    const name = await freshTeam();
    const ws = workstation(name);
    const t = teamLog(ws);
    await rows(t, 1200, 3); // 1–3
    await rows(t, 400, 3); // 4–6
    await rows(t, 100, 3); // 7–9: within the 180-day floor
    await rows(t, 0, 1); // 10

    // Rows within the floor, even recorded by a well-chained checkpoint: refused (HD002), nothing removed.
    expect(await forgedPurge(ws, 8)).toMatch(/^HD002 /u);
    // No checkpoint of this range as the newest row: refused (HD001).
    expect(await forgedPurge(ws, 3, { checkpoint: false })).toMatch(/^HD001 /u);
    // The newest row, or no row of the chain: refused.
    expect(await forgedPurge(ws, 10, { checkpoint: false })).toMatch(/^HD001 /u);
    expect(await forgedPurge(ws, 0, { checkpoint: false })).toMatch(/^HD001 /u);
    // The same range, old enough and recorded: the function removes it (rolled back here).
    expect(await forgedPurge(ws, 6)).toBe('6');
    expect(await seqs(name)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await t.log.verify()).toMatchObject({ ok: true, rows: 10 });

    // The owner keeps three years at least: a purge asked for "before a year ago" stops at the floor.
    await asOwner(name, (c) => c.query("UPDATE helpdesk_meta SET value = '1000' WHERE key = 'audit_retention_floor_days'"));
    const lastYear = retentionCutoff(new Date(), 12);
    expect(await t.log.purgeBefore(lastYear.iso, 'giamsat01', lastYear.day)).toEqual({ purged: 3, through: 3, checkpoint: 11 });
    const floored = (await t.log.recent(1))[0]!;
    expect(floored.detail).toMatchObject({ purgedFrom: 1, through: 3, rows: 3, before: lastYear.day });
    expect(Date.now() - 1000 * DAY - Date.parse(String(floored.detail.floor))).toBeLessThan(60_000);
    // Back to 180 days; a purge asked for "before 30 days ago" (no setting of the app allows it): the
    // floor holds, the 400-day-old rows go, the 100-day-old ones stay.
    await asOwner(name, (c) => c.query("UPDATE helpdesk_meta SET value = '180' WHERE key = 'audit_retention_floor_days'"));
    const within = new Date(Date.now() - 30 * DAY).toISOString();
    expect(await t.log.purgeBefore(within, 'giamsat01', 'x')).toEqual({ purged: 3, through: 6, checkpoint: 12 });
    expect((await t.log.recent(1))[0]!.detail).toMatchObject({ purgedFrom: 4, through: 6, floor: expect.any(String) });
    expect(await seqs(name)).toEqual([7, 8, 9, 10, 11, 12]);
    expect(await t.log.verify()).toMatchObject({ ok: true, rows: 6 });
    // The workstations' role cannot move the floor.
    expect(await codeOf(ws.read((c) => c.query("UPDATE helpdesk_meta SET value = '0' WHERE key = 'audit_retention_floor_days'")))).toBe('TEAM_STORE_SCHEMA');
  }, 60_000);

  it('appends from other workstations during a purge, and two purges at once: one chain, every row kept or recorded, verified', async () => {
    const name = await freshTeam();
    const a = teamLog(workstation(name, 'Máy A'));
    const b = teamLog(workstation(name, 'Máy B'));
    await rows(a, 800, 300);
    const cutoff = retentionCutoff(new Date(), 12);
    const appends = Array.from({ length: 40 }, (_, i) => b.log.append({ operator: 'tongdai02', action: 'directory.search', outcome: 'ok', detail: { i } }));
    const [first, second] = await Promise.all([a.log.purgeBefore(cutoff.iso, 'giamsat01', cutoff.day), b.log.purgeBefore(cutoff.iso, 'giamsat02', cutoff.day), ...appends]);
    // Every old row went exactly once (the one purge that came second found none left, or only the few
    // rows the first one had to keep as the chain's newest).
    expect(first.purged + second.purged).toBeGreaterThanOrEqual(299);
    const left = await db.admin<{ action: string; n: number }>('SELECT action, count(*)::int AS n FROM audit GROUP BY action ORDER BY action', [], name);
    const byAction = Object.fromEntries(left.rows.map((r) => [r.action, r.n]));
    expect(byAction['directory.search']).toBe(300 + 40 - first.purged - second.purged);
    expect(await a.log.verify()).toMatchObject({ ok: true, problemCount: 0 });
    expect(await count(name)).toBe(300 + 40 - first.purged - second.purged + (byAction['audit.checkpoint'] ?? 0));
  }, 60_000);

  it("the app's audit.purge in team mode: the retention setting's cutoff, the checkpoint in the team's chain, verified through the app", async () => {
    const name = await freshTeam();
    const ws = workstation(name);
    const t = teamLog(ws);
    await rows(t, 800, 5); // 1–5
    await rows(t, 200, 2); // 6–7: kept with 12 months
    const settings = { version: 1, locale: 'vi', mode: 'directory', audit: { retentionMonths: 12 } } as unknown as Settings;
    const desk = { audit: t.log, settings: () => settings, mode: () => 'directory', inTeam: () => true } as unknown as Desk;
    // The desk's audit is the team's; the mode's own (the workstation's SQLite, read for the purge's
    // reference date) holds nothing newer here.
    const api = createAuditApi({
      clock: { now: () => new Date() },
      desk,
      audit: () => recordingAudit([]),
      requireOperator: () => ({ username: 'giamsat01', displayName: 'Giám sát 01', role: 'supervisor' }) as never,
      chooseExportPath: noExports.chooseExportPath,
      exportAudit: noExports.exportAudit,
      run,
    });
    expect(await api.purge({})).toEqual({ ok: true, value: { purged: 5, through: 5, checkpoint: 8 } });
    const cutoff = retentionCutoff(new Date(), 12);
    expect((await t.log.recent(1))[0]).toMatchObject({ action: 'audit.checkpoint', operator: 'giamsat01', detail: { purgedFrom: 1, through: 5, rows: 5, before: cutoff.day, workstation: 'Máy 1' } });
    expect(await api.verify({})).toMatchObject({ ok: true, value: { ok: true, rows: 3 } });
    // Nothing more to remove: the app records that purge itself.
    expect(await api.purge({})).toEqual({ ok: true, value: { purged: 0, through: null, checkpoint: null } });
    expect((await t.log.recent(1))[0]).toMatchObject({ action: 'audit.purge', outcome: 'ok', detail: { purged: 0, before: cutoff.day } });
  }, 60_000);
});
