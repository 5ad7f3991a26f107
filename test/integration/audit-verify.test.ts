import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { KeytarSecretStore } from '../../src-main/adapters/secrets/keytar-secret-store';
import { newAuditKey, SqliteAuditLog } from '../../src-main/adapters/store/audit-store';
import { openDatabase } from '../../src-main/adapters/store/database';
import { AUDIT_KEY_NAME } from '../../src-main/app/runtime';

// The durable append (a child killed with SIGKILL mid-run) and `npm run audit:verify` as a user runs it.
const run = promisify(execFile);
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'audit-verify-'));
  dirs.push(d);
  return d;
};

async function verifyCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/audit-verify.ts', ...args], {
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

async function seeded(rows: number) {
  const file = join(tmp(), 'helpdesk.sqlite');
  const key = newAuditKey();
  const db = openDatabase(file);
  const log = new SqliteAuditLog(db, { now: () => new Date() }, key);
  for (let i = 0; i < rows; i++) await log.append({ operator: 'giamsat01', action: 'account.reset', outcome: 'ok', target: `u${i}`, detail: { case: `c${i}` } });
  const head = (await log.head())!;
  db.close();
  return { file, key, head };
}

describe('durable append', () => {
  it('a writer killed with SIGKILL at a random point loses no acknowledged event, and the chain verifies', async () => {
    const file = join(tmp(), 'helpdesk.sqlite');
    const key = newAuditKey();
    const killAfter = 100 + Math.floor(Math.random() * 800);
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/audit-writer.ts', file, '1000'], {
      env: { ...process.env, HELPDESK_AUDIT_KEY: key.toString('hex') },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acked: number[] = [];
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    for await (const line of createInterface({ input: child.stdout })) {
      const m = /^ack (\d+)$/u.exec(line);
      if (m) acked.push(Number(m[1]));
      if (acked.length === killAfter) child.kill('SIGKILL');
    }
    expect(await exited).toBe('SIGKILL');
    expect(acked.length).toBeGreaterThanOrEqual(killAfter);
    const db = openDatabase(file);
    // SIGKILL keeps the OS page cache, so this run alone cannot tell a synced write from an unsynced
    // one: the durability comes from these two settings (WAL is kept in the file; synchronous=FULL is
    // set by openDatabase, which the writer uses too).
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    const log = new SqliteAuditLog(db, { now: () => new Date() }, key);
    const report = await log.verify();
    expect(report.ok).toBe(true);
    // Every acknowledged event is there (and possibly a few the child wrote but had not yet said so).
    expect(report.rows).toBeGreaterThanOrEqual(acked.at(-1)!);
    expect(acked).toEqual(Array.from({ length: acked.length }, (_, i) => i + 1));
  }, 60_000);
});

describe('npm run audit:verify', () => {
  it('an intact chain: exit 0 with the row count and head; with the exported head too', async () => {
    const { file, key, head } = await seeded(25);
    const r = await verifyCli([file], { HELPDESK_AUDIT_KEY: key.toString('hex') });
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toContain(`audit chain OK: 25 rows, head 25:${head.hash}`);
    const withHead = await verifyCli([file, '--head', `${head.seq}:${head.hash}`], { HELPDESK_AUDIT_KEY: key.toString('hex') });
    expect(withHead.code).toBe(0);
  });

  it('reads the key from the OS keychain (gnome-keyring), as the app stored it', async () => {
    const store = new KeytarSecretStore();
    expect(await store.available()).toBe(true);
    const { file, key } = await seeded(3);
    const before = await store.get(AUDIT_KEY_NAME);
    await store.set(AUDIT_KEY_NAME, key.toString('hex'));
    try {
      const r = await verifyCli([file]); // no HELPDESK_AUDIT_KEY: the keychain it is

      expect(r.code).toBe(0);
    } finally {
      if (before) await store.set(AUDIT_KEY_NAME, before);
      else await store.delete(AUDIT_KEY_NAME);
    }
  });

  it('a changed row: exit 1 naming the first bad row; a cut chain against the exported head: exit 1, truncated', async () => {
    const { file, key, head } = await seeded(12);
    const raw = new Database(file);
    raw.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
    raw.prepare("UPDATE audit SET outcome = 'refused' WHERE seq = 4").run();
    raw.prepare('DELETE FROM audit WHERE seq > 10').run();
    raw.close();
    const env = { HELPDESK_AUDIT_KEY: key.toString('hex') };
    const r = await verifyCli([file], env);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/first bad row: seq 4\n\s+seq 4: content changed/u);
    const cut = await verifyCli([file, '--head', `${head.seq}:${head.hash}`], env);
    expect(cut.code).toBe(1);
    expect(cut.out).toContain('seq 11: rows missing after this point');
  });

  it('bad input gets a clear message and exit 2, the database untouched', async () => {
    const dir = tmp();
    const garbage = join(dir, 'garbage.sqlite');
    writeFileSync(garbage, 'this is not a database at all, just text '.repeat(100));
    const key = { HELPDESK_AUDIT_KEY: newAuditKey().toString('hex') };
    expect(await verifyCli([garbage], key)).toMatchObject({ code: 2, err: expect.stringContaining('not a readable Helpdesk database') });
    expect(await verifyCli([join(dir, 'none.sqlite')], key)).toMatchObject({ code: 2, err: expect.stringContaining('no such file') });
    const newer = join(dir, 'newer.sqlite');
    const db = new Database(newer);
    db.pragma('user_version = 99');
    db.close();
    expect(await verifyCli([newer], key)).toMatchObject({ code: 2, err: expect.stringContaining('newer Helpdesk') });
    const { file } = await seeded(1);
    expect(await verifyCli([file, '--head', '12:nothex'], key)).toMatchObject({ code: 2, err: expect.stringContaining('--head must be') });
    expect(await verifyCli([file], { HELPDESK_AUDIT_KEY: 'xyz' })).toMatchObject({ code: 2, err: expect.stringContaining('HELPDESK_AUDIT_KEY must be') });
  });
});
