/**
 * The audit's figures for `npm run bench`: durable appends against raw better-sqlite3 inserts with the
 * same pragmas (each its own transaction, so each one fsync), the audit view's queries on 1,000,000 rows
 * (by account, by month, by action and outcome — each varied from query to query, so no answer is served
 * from a cache warmed by the previous one), and 100,000-row exports to CSV and XLSX.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportAuditRows } from '../src-main/adapters/export/audit-export';
import { chainHash, GENESIS_HASH, newAuditKey, SqliteAuditLog } from '../src-main/adapters/store/audit-store';
import { type Db, openDatabase } from '../src-main/adapters/store/database';
import type { AuditFilter } from '../src-main/common/dto';
import { resolveAuditFilter } from '../src-main/domain/audit-filter';
import { fmt, type Scoreboard, timingOf } from './measure';

const ROWS = Number(process.env.BENCH_AUDIT_ROWS ?? 1_000_000);
const APPENDS = 2000;
const QUERIES = 400;
const EXPORT_ROWS = 100_000;


/** Seeds `rows` chained rows in one transaction (seeding is not measured). */
function seed(db: Db, key: Buffer, rows: number, from = 1): void {
  const insert = db.prepare(
    'INSERT INTO audit (seq, at, operator, action, outcome, target, unit, case_id, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const actions = ['case.open', 'code.send', 'code.verify', 'account.unlock', 'case.close'];
  let prev = (db.prepare('SELECT hash FROM audit ORDER BY seq DESC LIMIT 1').get() as { hash: string } | undefined)?.hash ?? GENESIS_HASH;
  const t0 = Date.parse('2025-01-01T00:00:00Z');
  db.transaction(() => {
    for (let seq = from; seq < from + rows; seq++) {
      const row = {
        seq,
        at: new Date(t0 + seq * 30_000).toISOString(),
        operator: `tongdai${String(seq % 40).padStart(2, '0')}`,
        action: actions[seq % 5]!,
        outcome: seq % 11 === 0 ? 'refused' : 'ok',
        target: `user${Math.floor(seq / 5) % 100_000}`,
        unit: `Đơn vị ${seq % 30}`,
        case_id: `00000000-0000-4000-8000-${String(Math.floor(seq / 5)).padStart(12, '0')}`,
        detail: JSON.stringify({ case: 'x', reason: 'Quên mật khẩu', channel: 'sms', destination: '09*****98' }),
      } as const;
      const hash = chainHash(key, prev, row);
      insert.run(row.seq, row.at, row.operator, row.action, row.outcome, row.target, row.unit, row.case_id, row.detail, prev, hash);
      prev = hash;
    }
  })();
}

export async function auditBench(board: Scoreboard): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'helpdesk-bench-audit-'));
  try {
    // Durable appends: the chained log vs a plain INSERT, both WAL + synchronous=FULL, one transaction each.
    const key = newAuditKey();
    const appDb = openDatabase(join(dir, 'app.sqlite'));
    const log = new SqliteAuditLog(appDb, { now: () => new Date() }, key);
    // The floor: plain INSERTs of the same row into the same table (same schema, indexes and pragmas:
    // openDatabase), without the chain — what SQLite itself costs for a durable row.
    const rawDb = openDatabase(join(dir, 'raw.sqlite'));
    const rawInsert = rawDb.prepare(
      'INSERT INTO audit (at, operator, action, outcome, target, unit, case_id, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const detail = { case: '00000000-0000-4000-8000-000000000001', reason: 'Quên mật khẩu', channel: 'sms' };
    // Interleaved blocks, so that both see the same disk and cache conditions.
    let rawMs = 0;
    let appMs = 0;
    const block = APPENDS / 10;
    for (let round = 0; round < 10; round++) {
      let t = performance.now();
      for (let i = 0; i < block; i++) {
        rawInsert.run(new Date().toISOString(), 'tongdai01', 'code.send', 'ok', 'annv', 'Sở Nội vụ', detail.case, JSON.stringify(detail), GENESIS_HASH, GENESIS_HASH);
      }
      rawMs += performance.now() - t;
      t = performance.now();
      for (let i = 0; i < block; i++) await log.append({ operator: 'tongdai01', action: 'code.send', outcome: 'ok', target: 'annv', unit: 'Sở Nội vụ', detail });
      appMs += performance.now() - t;
    }
    const rawRate = APPENDS / (rawMs / 1000);
    const appRate = APPENDS / (appMs / 1000);
    rawDb.close();
    console.log('');
    console.log(`audit (${APPENDS} durable appends each)                 rows/s`);
    console.log(`  raw better-sqlite3 INSERT, same table (WAL, FULL) ${fmt(rawRate)}`);
    console.log(`  chained audit append (HMAC-SHA256 link)          ${fmt(appRate)}`);
    console.log(`  ratio                                            ${fmt(appRate / rawRate)}`);
    board.judge('audit append vs raw durable INSERT', `${appRate.toFixed(0)}/s vs ${rawRate.toFixed(0)}/s, ratio ${(appRate / rawRate).toFixed(2)}`, 'ratio ≥ 0.80', appRate / rawRate >= 0.8);
    await expectChain(log);

    // 1,000,000 rows: the audit view's query by account.
    const appended = (await log.head())!.seq;
    seed(appDb, key, ROWS - appended, appended + 1);
    appDb.pragma('wal_checkpoint(TRUNCATE)');
    const now = new Date();
    const actions = ['case.open', 'code.send', 'code.verify', 'account.unlock', 'case.close'] as const;
    // The seeded rows run from 2025-01-01, one every 30 s: the months and accounts they cover.
    const monthCount = Math.max(1, Math.min(11, Math.floor((ROWS * 30) / (31 * 86_400))));
    const months = Array.from({ length: monthCount }, (_, m) => `2025-${String(m + 1).padStart(2, '0')}`);
    const accounts = Math.max(2, Math.min(100_000, Math.floor(ROWS / 5)));
    const firstUser = Math.min(accounts - 1, Math.ceil(APPENDS / 5) + 1); // the appends above seeded no user rows
    const variants: { name: string; filter: (i: number) => AuditFilter; targetMs: number }[] = [
      { name: 'by account', filter: (i) => ({ account: `user${firstUser + ((i * 7919) % (accounts - firstUser))}` }), targetMs: 5 },
      { name: 'by month', filter: (i) => ({ from: `${months[i % months.length]}-01`, to: `${months[i % months.length]}-28` }), targetMs: 50 },
      { name: 'by action and outcome', filter: (i) => ({ action: actions[i % actions.length]!, outcome: i % 2 ? 'refused' : 'ok' }), targetMs: 50 },
    ];
    for (const v of variants) {
      const times: number[] = [];
      for (let i = 0; i < QUERIES + 20; i++) {
        const f = resolveAuditFilter(v.filter(i), now);
        const t0 = performance.now();
        const page = await log.query(f, null, 50);
        if (i >= 20) times.push(performance.now() - t0);
        if (page.rows.length === 0) throw new Error(`bench: query ${v.name} found nothing`);
      }
      const t = timingOf(times);
      const rows = (await log.head())!.seq;
      console.log(`  query ${v.name.padEnd(22)} on ${rows} rows (ms)   p50 ${fmt(t.p50)}  p95 ${fmt(t.p95)}`);
      board.judge(`audit query ${v.name} on ${rows} rows p95`, `${t.p95.toFixed(2)} ms`, `≤ ${v.targetMs} ms`, t.p95 <= v.targetMs);
    }

    // 100,000-row exports.
    const range = resolveAuditFilter({}, now);
    /** The first EXPORT_ROWS rows, in the store's batches. */
    const first = (async function* () {
      let n = 0;
      for await (const batch of log.scan(range)) {
        const take = batch.slice(0, EXPORT_ROWS - n);
        n += take.length;
        if (take.length > 0) yield take;
        if (n >= EXPORT_ROWS) return;
      }
    });
    for (const format of ['csv', 'xlsx'] as const) {
      const t0 = performance.now();
      const done = await exportAuditRows(first(), format, join(dir, `export.${format}`));
      const s = (performance.now() - t0) / 1000;
      const limit = format === 'csv' ? 1 : 6;
      console.log(`  export ${done.rows} rows to ${format.toUpperCase().padEnd(4)}                       ${fmt(s)} s  (${(done.bytes / 1e6).toFixed(1)} MB)`);
      board.judge(`export ${done.rows} rows to ${format.toUpperCase()}`, `${s.toFixed(2)} s`, `≤ ${limit} s`, s <= limit);
    }
    appDb.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function expectChain(log: SqliteAuditLog): Promise<void> {
  if (!(await log.verify()).ok) throw new Error('bench: the audit chain does not verify');
}
