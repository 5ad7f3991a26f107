import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { newAuditKey, SqliteAuditLog } from '../../src-main/adapters/store/audit-store';
import { openDatabase, storageError } from '../../src-main/adapters/store/database';
import { SqliteOtpStore } from '../../src-main/adapters/store/otp-store';
import { HelpdeskError } from '../../src-main/domain/errors';
import { DEFAULT_OTP_POLICY, sendDecision } from '../../src-main/domain/otp';

// A write the disk cannot take is a contract error naming the cause (STORAGE_FULL / STORAGE_ERROR), not
// INTERNAL; the failed write leaves nothing behind. The full disk itself is in the fault sweep
// (test/integration/fault-sweep.test.ts, a tmpfs filled up); here SQLite's own page limit stands in for it.
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const clock = { now: () => new Date(Date.UTC(2026, 10, 23, 2, 0, 0)) };

function file(): string {
  const dir = mkdtempSync(join(tmpdir(), 'storage-errors-'));
  dirs.push(dir);
  return join(dir, 'helpdesk.sqlite');
}

const codeOf = async (fn: () => unknown): Promise<string> => {
  try {
    await fn();
    return 'no error';
  } catch (err) {
    return err instanceof HelpdeskError ? `${err.code} ${err.detail}` : `raw ${(err as { code?: string }).code}`;
  }
};

describe('storageError', () => {
  it('maps SQLite write failures by cause and leaves everything else alone', async () => {
    const sqlite = (code: string) => new Database.SqliteError('x', code);
    expect((storageError(sqlite('SQLITE_FULL')) as HelpdeskError).toApiError()).toEqual({ code: 'STORAGE_FULL', detail: 'SQLITE_FULL' });
    for (const code of ['SQLITE_IOERR', 'SQLITE_IOERR_WRITE', 'SQLITE_IOERR_FSYNC', 'SQLITE_READONLY', 'SQLITE_READONLY_DBMOVED', 'SQLITE_CANTOPEN']) {
      expect((storageError(sqlite(code)) as HelpdeskError).toApiError()).toEqual({ code: 'STORAGE_ERROR', detail: code });
    }
    const constraint = sqlite('SQLITE_CONSTRAINT_PRIMARYKEY');
    expect(storageError(constraint)).toBe(constraint);
    const other = Object.assign(new Error('ENOSPC'), { code: 'SQLITE_FULL' }); // not from SQLite
    expect(storageError(other)).toBe(other);
  });
});

describe('the stores when the database cannot grow', () => {
  it('audit: STORAGE_FULL, no row written, the chain intact; appends again once there is room', async () => {
    const path = file();
    const db = openDatabase(path);
    const log = new SqliteAuditLog(db, clock, newAuditKey());
    await log.append({ operator: 'tongdai01', action: 'session.signIn', outcome: 'ok', detail: {} });
    // The file may not grow by a single page: the next rows cannot fit for long.
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    let failure = 'no error';
    for (let i = 0; i < 200 && failure === 'no error'; i++) {
      failure = await codeOf(() => log.append({ operator: 'tongdai01', action: 'directory.search', outcome: 'ok', detail: { filler: 'x'.repeat(400), i } }));
    }
    expect(failure).toBe('STORAGE_FULL SQLITE_FULL');
    const head = (await log.head())!;
    expect(await log.verify()).toMatchObject({ ok: true, problemCount: 0, rows: head.seq }); // every row there is whole
    db.pragma('max_page_count = 1073741823');
    await log.append({ operator: 'tongdai01', action: 'directory.search', outcome: 'ok', detail: { after: true } });
    expect((await log.head())!.seq).toBe(head.seq + 1);
    expect(await log.verify()).toMatchObject({ ok: true, problemCount: 0 });
    db.close();
  });

  it('audit and OTP store on a file opened read-only: STORAGE_ERROR', async () => {
    const path = file();
    const key = newAuditKey();
    const rw = openDatabase(path);
    new SqliteAuditLog(rw, clock, key); // chains the (empty) schema-1 table once, as the app does
    rw.close();
    const ro = new Database(path, { readonly: true });
    try {
      const log = new SqliteAuditLog(ro, clock, key);
      expect(await codeOf(() => log.append({ operator: null, action: 'session.signIn', outcome: 'refused', detail: {} }))).toMatch(/^STORAGE_ERROR SQLITE_READONLY/u);
      const otp = new SqliteOtpStore(ro);
      expect(await codeOf(() => otp.reserveSend('id:x', 'sms', clock.now(), '2026-11-23', (stats) => sendDecision(stats, 'sms', clock.now(), DEFAULT_OTP_POLICY)))).toMatch(/^STORAGE_ERROR SQLITE_READONLY/u);
    } finally {
      ro.close();
    }
  });
});
