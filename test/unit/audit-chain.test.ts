import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { newAuditKey, SqliteAuditLog } from '../../src-main/adapters/store/audit-store';
import { migrate, openDatabase, type Db } from '../../src-main/adapters/store/database';
import { retentionCutoff } from '../../src-main/domain/audit-filter';

// The audit chain on real SQLite files; tampering done the way an attacker with the file would:
// a raw connection that drops the append-only triggers, edits, and puts them back.
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

let tick = 0;
const clock = { now: () => new Date(Date.UTC(2026, 10, 23, 2, 0, 0) + tick++ * 1000) };

async function fresh(rows: number, key = newAuditKey()) {
  const dir = mkdtempSync(join(tmpdir(), 'audit-chain-'));
  dirs.push(dir);
  const file = join(dir, 'helpdesk.sqlite');
  const db = openDatabase(file);
  const log = new SqliteAuditLog(db, clock, key);
  for (let i = 0; i < rows; i++) {
    await log.append({ operator: `tongdai0${i % 3}`, action: i % 2 ? 'directory.search' : 'account.unlock', outcome: 'ok', target: `user${i}`, detail: { case: `c-${i % 7}`, results: i } });
  }
  return { file, db, log, key };
}

/** What an attacker with write access to the file does: triggers off, a change, triggers back. */
function tamper(file: string, sql: string, ...params: unknown[]): void {
  const raw = new Database(file);
  raw.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
  raw.prepare(sql).run(...params);
  raw.exec(`CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
            CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;`);
  raw.close();
}

/** The stored hash of one row, as a supervisor would have exported it as the head at that time. */
function hashOf(log: SqliteAuditLog, seq: number): string {
  return ((log as unknown as { db: Db }).db.prepare('SELECT hash FROM audit WHERE seq = ?').get(seq) as { hash: string }).hash;
}

/** One byte of a text changed (the same length, a different character). */
const flip = (s: string, at: number) => s.slice(0, at) + (s[at] === 'x' ? 'y' : 'x') + s.slice(at + 1);

describe('tamper-evident audit', () => {
  it('an untouched chain verifies; its head is the last row', async () => {
    const { log } = await fresh(50);
    const r = await log.verify();
    expect(r).toMatchObject({ ok: true, rows: 50, problemCount: 0, firstBad: null });
    expect(r.head).toEqual(await log.head());
    expect((await log.head())?.seq).toBe(50);
    expect((await log.head())?.hash).toMatch(/^[0-9a-f]{64}$/u);
  });

  it('UPDATE and DELETE are refused by the database itself', async () => {
    const { db } = await fresh(3);
    expect(() => db.prepare("UPDATE audit SET outcome = 'error' WHERE seq = 2").run()).toThrow(/append-only/u);
    expect(() => db.prepare('DELETE FROM audit WHERE seq = 2').run()).toThrow(/append-only/u);
  });

  it('one byte changed in 20 different rows (any column): each of the 20 is reported', async () => {
    const { file, db, key } = await fresh(200);
    db.close();
    const columns = ['at', 'operator', 'action', 'target', 'detail'] as const;
    const picked = Array.from({ length: 20 }, (_, i) => 7 + i * 9); // 7, 16, …, 178
    for (const [i, seq] of picked.entries()) {
      const column = columns[i % columns.length]!;
      const raw = new Database(file, { readonly: true });
      const value = (raw.prepare(`SELECT ${column} AS v FROM audit WHERE seq = ?`).get(seq) as { v: string }).v;
      raw.close();
      tamper(file, `UPDATE audit SET ${column} = ? WHERE seq = ?`, flip(value, Math.min(3, value.length - 1)), seq);
    }
    const reopened = new SqliteAuditLog(openDatabase(file), clock, key);
    const r = await reopened.verify();
    expect(r.ok).toBe(false);
    expect(r.problems.filter((p) => p.problem === 'hash').map((p) => p.seq)).toEqual(picked);
    expect(r.problemCount).toBe(20);
    expect(r.firstBad).toBe(7);
  });

  it('a stored hash changed: that row and the link of the next are reported', async () => {
    const { file, db, key } = await fresh(20);
    db.close();
    tamper(file, "UPDATE audit SET hash = ? WHERE seq = 10", 'ab'.repeat(32));
    const r = await new SqliteAuditLog(openDatabase(file), clock, key).verify();
    expect(r.problems).toEqual([
      { seq: 10, problem: 'hash' },
      { seq: 11, problem: 'link' },
    ]);
  });

  it('a row deleted in the middle is reported as missing, and the chain link breaks there', async () => {
    const { file, db, key } = await fresh(30);
    db.close();
    tamper(file, 'DELETE FROM audit WHERE seq = 15');
    const r = await new SqliteAuditLog(openDatabase(file), clock, key).verify();
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([
      { seq: 15, problem: 'missing' },
      { seq: 16, problem: 'link' },
    ]);
  });

  it('rows cut from the end are invisible to the chain alone, and caught against an exported head', async () => {
    const { file, db, log, key } = await fresh(40);
    const exported = (await log.head())!;
    db.close();
    tamper(file, 'DELETE FROM audit WHERE seq > 35');
    const cut = new SqliteAuditLog(openDatabase(file), clock, key);
    expect((await cut.verify()).ok).toBe(true); // a shorter chain is still a chain…
    expect(await cut.verify(exported)).toMatchObject({ ok: false, problems: [{ seq: 36, problem: 'truncated' }] }); // …but not the one exported
  });

  it('a chain cut and regrown to the same length does not match the exported head', async () => {
    const { file, db, log, key } = await fresh(10);
    const exported = (await log.head())!;
    db.close();
    tamper(file, 'DELETE FROM audit WHERE seq > 8');
    const regrown = new SqliteAuditLog(openDatabase(file), clock, key);
    await regrown.append({ operator: 'x', action: 'directory.search', outcome: 'ok' });
    await regrown.append({ operator: 'x', action: 'directory.view', outcome: 'ok' });
    expect(await regrown.verify(exported)).toMatchObject({ ok: false, problems: [{ seq: 10, problem: 'head' }] });
  });

  it('rows written with another key (a forged append) do not verify', async () => {
    const { file, db, key } = await fresh(5);
    db.close();
    const forger = new SqliteAuditLog(openDatabase(file), clock, newAuditKey());
    await forger.append({ operator: 'x', action: 'account.unlock', outcome: 'ok' });
    expect((await new SqliteAuditLog(openDatabase(file), clock, key).verify()).problems).toEqual([{ seq: 6, problem: 'hash' }]);
  });

  it('CR/LF and control characters are stripped from every logged field', async () => {
    const { log } = await fresh(0);
    await log.append({ operator: 'a\r\nFAKE', action: 'directory.view', outcome: 'ok', target: 't\u0000u', unit: 'S\u2028X', detail: { 'k\n': 'v\r\nw' } });
    const [row] = await log.recent(1);
    expect(row).toMatchObject({ operator: 'a FAKE', action: 'directory.view', target: 't u', unit: 'S X', detail: { 'k ': 'v w' } });
    expect((await log.verify()).ok).toBe(true);
  });

  it('bidi overrides, lone surrogates and a pair cut at the length limit never reach the store (the chain still verifies)', async () => {
    const { log } = await fresh(0);
    const longWithEmoji = `${'x'.repeat(511)}😀tail`; // the pair straddles the 512-unit cut
    await log.append({ operator: 'a\u202egnp.exe', action: 'directory.view', outcome: 'ok', target: 'lone\ud800x', unit: longWithEmoji, detail: { name: 'Nguy\u2067ễn' } });
    const [row] = await log.recent(1);
    expect(row).toMatchObject({ operator: 'a gnp.exe', target: 'lone\ufffdx', detail: { name: 'Nguy ễn' } });
    expect(row!.unit).toBe(`${'x'.repeat(511)}\ufffd`);
    expect((await log.verify()).ok).toBe(true);
  });

  it('rows written before the chain existed (schema 2) join it, in order, when the log first opens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-legacy-'));
    dirs.push(dir);
    const file = join(dir, 'old.sqlite');
    const old: Db = new Database(file);
    migrate(old, 2);
    const ins = old.prepare('INSERT INTO audit (at, operator, action, outcome, target, detail) VALUES (?, ?, ?, ?, ?, ?)');
    ins.run('2026-11-20T01:00:00.000Z', 'tongdai01', 'session.signIn', 'ok', 'tongdai01', '{}');
    ins.run('2026-11-20T01:01:00.000Z', 'tongdai01', 'case.open', 'ok', 'annv', '{"case":"c-1","reason":"x"}');
    old.close();
    const key = newAuditKey();
    const log = new SqliteAuditLog(openDatabase(file), clock, key);
    await log.append({ operator: 'tongdai01', action: 'session.signOut', outcome: 'ok' });
    expect((await log.recent(5)).map((r) => [r.seq, r.action])).toEqual([
      [3, 'session.signOut'],
      [2, 'case.open'],
      [1, 'session.signIn'],
    ]);
    expect(await log.verify()).toMatchObject({ ok: true, rows: 3 });
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare("SELECT name FROM sqlite_master WHERE name = 'audit_unchained'").all()).toEqual([]);
    expect(raw.prepare('SELECT case_id FROM audit WHERE seq = 2').get()).toEqual({ case_id: 'c-1' });
    raw.close();
  });
});

describe('two writers on one file', () => {
  it('appends interleaved from two connections still form one chain (no fork)', async () => {
    const { file, log: a, key } = await fresh(1);
    const b = new SqliteAuditLog(openDatabase(file), clock, key);
    for (let i = 0; i < 20; i++) await (i % 2 ? a : b).append({ operator: i % 2 ? 'a' : 'b', action: 'directory.search', outcome: 'ok' });
    expect(await a.verify()).toMatchObject({ ok: true, rows: 21 });
    expect(await b.head()).toEqual(await a.head());
  });
});

describe('retention purge with a checkpoint', () => {
  /** Rows one day apart from 2025-01-01 (00:00 VN): row n is written on day n−1. */
  async function daily(days: number) {
    let t = Date.parse('2024-12-31T17:00:00Z');
    const dir = mkdtempSync(join(tmpdir(), 'audit-purge-'));
    dirs.push(dir);
    const file = join(dir, 'helpdesk.sqlite');
    const key = newAuditKey();
    const log = new SqliteAuditLog(openDatabase(file), { now: () => new Date(t) }, key);
    for (let i = 0; i < days; i++) {
      await log.append({ operator: 'tongdai01', action: 'case.open', outcome: 'ok', target: `u${i}` });
      t += 86_400_000;
    }
    return { file, key, log };
  }
  const at = (day: string) => new Date(`${day}T00:00:00+07:00`).toISOString();

  it('removes the rows before the cutoff, records them in a checkpoint row, and the chain still verifies', async () => {
    const { log } = await daily(100);
    const r = await log.purgeBefore(at('2025-02-01'), 'giamsat01', '2025-02-01');
    expect(r).toEqual({ purged: 31, through: 31, checkpoint: 101 });
    const v = await log.verify();
    expect(v).toMatchObject({ ok: true, rows: 70, problemCount: 0 }); // 69 left + the checkpoint
    const [checkpoint] = await log.recent(1);
    expect(checkpoint).toMatchObject({ action: 'audit.checkpoint', operator: 'giamsat01', detail: { purgedFrom: 1, through: 31, rows: 31, before: '2025-02-01' } });
    // A second purge later on: still one verifiable chain.
    expect(await log.purgeBefore(at('2025-03-01'), 'giamsat01', '2025-03-01')).toEqual({ purged: 28, through: 59, checkpoint: 102 });
    expect(await log.verify()).toMatchObject({ ok: true, rows: 43 });
    // The table is append-only again afterwards.
    expect(() => (log as unknown as { db: Db }).db.prepare('DELETE FROM audit WHERE seq = 60').run()).toThrow(/append-only/u);
  });

  it('nothing older than the cutoff: nothing removed, nothing written; the newest row is never purged', async () => {
    const { log } = await daily(5);
    expect(await log.purgeBefore(at('2024-06-01'), 'giamsat01', '2024-06-01')).toEqual({ purged: 0, through: null, checkpoint: null });
    expect(await log.purgeBefore(at('2030-01-01'), 'giamsat01', '2030-01-01')).toMatchObject({ purged: 4, through: 4 });
    expect(await log.verify()).toMatchObject({ ok: true, rows: 2 });
  });

  it('rows deleted without the key, dressed up with a forged checkpoint, do not verify', async () => {
    const { file, key } = await daily(40);
    const raw = new Database(file);
    const h = raw.prepare('SELECT hash FROM audit WHERE seq = 20').get() as { hash: string };
    raw.exec('DROP TRIGGER audit_no_delete');
    raw.prepare('DELETE FROM audit WHERE seq <= 20').run();
    const detail = JSON.stringify({ purgedFrom: 1, through: 20, throughHash: h.hash, rows: 20, before: '2025-01-21' });
    const last = raw.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string };
    raw.prepare("INSERT INTO audit (seq, at, operator, action, outcome, detail, prev_hash, hash) VALUES (?, ?, 'x', 'audit.checkpoint', 'ok', ?, ?, ?)").run(
      last.seq + 1, new Date().toISOString(), detail, last.hash, 'cd'.repeat(32),
    );
    raw.close();
    const r = await new SqliteAuditLog(openDatabase(file), clock, key).verify();
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([{ seq: 41, problem: 'hash' }]);
  });

  it('rows removed beyond what a checkpoint records are reported missing', async () => {
    const { file, key, log } = await daily(30);
    await log.purgeBefore(at('2025-01-11'), 'giamsat01', '2025-01-11'); // through 10
    tamper(file, 'DELETE FROM audit WHERE seq IN (11, 12)');
    expect((await new SqliteAuditLog(openDatabase(file), clock, key).verify()).problems).toEqual([
      { seq: 11, problem: 'missing' },
      { seq: 13, problem: 'link' },
    ]);
  });
});

describe('retention purge: what it must not do', () => {
  async function rowsAt(times: string[]) {
    const dir = mkdtempSync(join(tmpdir(), 'audit-purge2-'));
    dirs.push(dir);
    const file = join(dir, 'helpdesk.sqlite');
    let i = 0;
    const key = newAuditKey();
    // Each append takes the next time; the purge's checkpoint is written "now" (2026-07-01).
    const log = new SqliteAuditLog(openDatabase(file), { now: () => new Date(times[i++] ?? '2026-07-01T00:00:00Z') }, key);
    for (const _ of times) await log.append({ operator: 'x', action: 'case.open', outcome: 'ok' });
    return { file, key, log };
  }

  it('a clock set back later does not pull newer rows into the purge', async () => {
    const { log } = await rowsAt(['2023-01-01T00:00:00Z', '2024-01-01T00:00:00Z', '2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2019-01-01T00:00:00Z', '2026-06-01T00:00:00Z']);
    // Cutoff mid-2024: only the prefix before the first row written after it (2025) may go.
    expect(await log.purgeBefore('2024-06-01T00:00:00Z', 'giamsat01', '2024-06-01')).toMatchObject({ purged: 2, through: 2 });
    expect(await log.verify()).toMatchObject({ ok: true });
    expect((await log.recent(10)).filter((r) => r.action === 'case.open').map((r) => r.seq)).toEqual([6, 5, 4, 3]);
  });

  it('a chain already tampered with is not purged (that would launder it): AUDIT_TAMPERED, nothing removed', async () => {
    const { file, key } = await rowsAt(['2023-01-01T00:00:00Z', '2023-02-01T00:00:00Z', '2023-03-01T00:00:00Z', '2026-01-01T00:00:00Z']);
    tamper(file, "UPDATE audit SET operator = 'y' WHERE seq = 2");
    const log = new SqliteAuditLog(openDatabase(file), clock, key);
    await expect(log.purgeBefore('2025-01-01T00:00:00Z', 'giamsat01', '2025-01-01')).rejects.toMatchObject({ code: 'AUDIT_TAMPERED' });
    expect(await log.verify()).toMatchObject({ rows: 4, problems: [{ seq: 2, problem: 'hash' }] });
  });

  it('a head exported before a purge still checks out afterwards, against the checkpoint; a wrong one does not', async () => {
    const { log } = await rowsAt(['2023-01-01T00:00:00Z', '2023-02-01T00:00:00Z', '2023-03-01T00:00:00Z', '2026-01-01T00:00:00Z']);
    const exported = { seq: 3, hash: hashOf(log, 3) };
    expect(await log.purgeBefore('2025-01-01T00:00:00Z', 'giamsat01', '2025-01-01')).toMatchObject({ through: 3 });
    expect(await log.verify(exported)).toMatchObject({ ok: true });
    expect(await log.verify({ seq: 3, hash: 'ab'.repeat(32) })).toMatchObject({ ok: false, problems: [{ seq: 3, problem: 'head' }] });
    expect(await log.verify({ seq: 2, hash: 'ab'.repeat(32) })).toMatchObject({ ok: true }); // purged: nothing left to compare it with
  });
});

describe('retention cutoff', () => {
  it('is the same day N months back in VN time, clamped to the end of a shorter month', () => {
    expect(retentionCutoff(new Date('2026-03-31T03:00:00Z'), 1)).toEqual({ day: '2026-02-28', iso: '2026-02-27T17:00:00.000Z' });
    expect(retentionCutoff(new Date('2026-11-23T03:00:00Z'), 24).day).toBe('2024-11-23');
    expect(retentionCutoff(new Date('2026-01-15T18:00:00Z'), 6).day).toBe('2025-07-16'); // already the 16th in Hà Nội
  });
});
