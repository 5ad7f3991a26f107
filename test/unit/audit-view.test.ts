import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, describe, expect, it } from 'vitest';
import { csvCell, exportAuditRows } from '../../src-main/adapters/export/audit-export';
import { newAuditKey, SqliteAuditLog } from '../../src-main/adapters/store/audit-store';
import { openDatabase } from '../../src-main/adapters/store/database';
import { resolveAuditFilter } from '../../src-main/domain/audit-filter';
import type { HelpdeskError } from '../../src-main/domain/errors';

// The audit view's filters (calendar rules in the domain, bound parameters in the store) and its exports.
const NOW = new Date('2026-11-23T03:00:00Z'); // 10:00 in Hà Nội
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'audit-view-'));
  dirs.push(d);
  return d;
};
const all = resolveAuditFilter({}, NOW);

async function seeded() {
  let t = Date.parse('2026-11-20T16:30:00Z'); // 23:30 on 20/11 in VN
  const db = openDatabase(join(tmp(), 'a.sqlite'));
  const log = new SqliteAuditLog(db, { now: () => new Date((t += 20 * 60_000)) }, newAuditKey());
  const units = ['Sở Nội vụ', 'Sở Tài chính'];
  for (let i = 0; i < 60; i++) {
    await log.append({
      operator: i % 3 === 0 ? 'giamsat01' : 'tongdai01',
      action: (['case.open', 'code.send', 'code.verify', 'account.unlock', 'case.close'] as const)[i % 5]!,
      outcome: i % 7 === 0 ? 'refused' : 'ok',
      target: `user${Math.floor(i / 5)}`,
      unit: units[Math.floor(i / 5) % 2]!,
      detail: { case: `00000000-0000-4000-8000-${String(Math.floor(i / 5)).padStart(12, '0')}`, note: i === 3 ? '=HYPERLINK("http://x")' : 'Sở, "quote"' },
    });
  }
  return log;
}

describe('audit filter: the calendar is checked in the domain', () => {
  it('days are Vietnamese days: 23/11 runs from 17:00Z on the 22nd to 17:00Z on the 23rd', async () => {
    expect(resolveAuditFilter({ from: '2026-11-23', to: '2026-11-23' }, NOW)).toMatchObject({
      fromIso: '2026-11-22T17:00:00.000Z',
      toIso: '2026-11-23T17:00:00.000Z',
    });
  });

  it('reversed, absurd or non-existent days are refused with a reason', () => {
    const reason = (f: Parameters<typeof resolveAuditFilter>[0]) => {
      try {
        resolveAuditFilter(f, NOW);
        return 'accepted';
      } catch (e) {
        return `${(e as HelpdeskError).toApiError().field}:${(e as HelpdeskError).reason}`;
      }
    };
    expect(reason({ from: '2026-11-20', to: '2026-11-01' })).toBe('filter.to:reversed_range');
    expect(reason({ from: '1900-01-01' })).toBe('filter.from:out_of_range');
    expect(reason({ to: '2099-12-31' })).toBe('filter.to:out_of_range');
    expect(reason({ from: '2026-11-24' })).toBe('filter.from:out_of_range'); // tomorrow
    expect(reason({ from: '2026-02-30' })).toBe('filter:invalid_value');
    expect(reason({ from: '2026-11-23', to: '2026-11-23' })).toBe('accepted');
  });
});

describe('audit view (SQLite)', () => {
  it('pages newest first with a keyset cursor; the total counts the whole match', async () => {
    const log = await seeded();
    const first = await log.query(all, null, 25);
    expect(first.rows.map((r) => r.seq)).toEqual(Array.from({ length: 25 }, (_, i) => 60 - i));
    expect(first).toMatchObject({ total: 60, totalIsLowerBound: false, nextBefore: 36 });
    const second = await log.query(all, first.nextBefore, 25);
    expect(second.rows[0]!.seq).toBe(35);
    const last = await log.query(all, second.nextBefore, 25);
    expect(last.rows.map((r) => r.seq)).toEqual(Array.from({ length: 10 }, (_, i) => 10 - i));
    expect(last.nextBefore).toBeNull();
  });

  it('filters by operator, account, action, outcome, unit, case and day — together', async () => {
    const log = await seeded();
    const q = async (f: Parameters<typeof resolveAuditFilter>[0]) => (await log.query(resolveAuditFilter(f, NOW), null, 500)).rows;
    expect((await q({ operator: 'giamsat01' })).every((r) => r.operator === 'giamsat01')).toBe(true);
    expect(await q({ operator: 'giamsat01' })).toHaveLength(20);
    expect((await q({ account: 'user3' })).map((r) => r.seq)).toEqual([20, 19, 18, 17, 16]);
    expect((await q({ action: 'account.unlock', outcome: 'ok' })).every((r) => r.action === 'account.unlock' && r.outcome === 'ok')).toBe(true);
    expect(await q({ unit: 'Sở Tài chính' })).toHaveLength(30);
    expect((await q({ caseId: '00000000-0000-4000-8000-000000000002' })).map((r) => r.action).reverse()).toEqual(['case.open', 'code.send', 'code.verify', 'account.unlock', 'case.close']);
    // Rows every 20 minutes from 23:50 on 20/11 (VN): 21/11 holds exactly 72 slots, all 59 others fall in it.
    expect((await q({ from: '2026-11-20', to: '2026-11-20' })).map((r) => r.seq)).toEqual([1]);
    expect(await q({ from: '2026-11-21', to: '2026-11-21' })).toHaveLength(59);
    expect(await q({ from: '2026-11-22' })).toHaveLength(0);
  });

  it('injection strings are values: they match nothing and break nothing', async () => {
    const log = await seeded();
    for (const evil of ["' OR 1=1 --", 'user1" OR "1"="1', "x'); DROP TABLE audit; --", '%', '_', '*)(uid=*', '\\']) {
      const f = resolveAuditFilter({ account: evil, operator: evil, unit: evil }, NOW);
      expect(await log.query(f, null, 50)).toMatchObject({ rows: [], total: 0 });
    }
    expect((await log.query(all, null, 1)).total).toBe(60);
    expect((await log.verify()).ok).toBe(true);
  });

  it('a case timeline is its rows in order', async () => {
    const log = await seeded();
    const t = await log.timeline('00000000-0000-4000-8000-000000000004');
    expect(t.map((r) => [r.seq, r.action])).toEqual([
      [21, 'case.open'],
      [22, 'code.send'],
      [23, 'code.verify'],
      [24, 'account.unlock'],
      [25, 'case.close'],
    ]);
  });
});

describe('audit exports', () => {
  it('CSV: UTF-8 with BOM, RFC 4180 quoting, formulas defused; every row', async () => {
    const log = await seeded();
    const path = join(tmp(), 'nhat-ky.csv');
    const r = await exportAuditRows(log.scan(all), 'csv', path);
    expect(r).toMatchObject({ path, rows: 60 });
    const text = readFileSync(path, 'utf8');
    expect(text.startsWith('\uFEFFSTT,Thời điểm (giờ Việt Nam),')).toBe(true);
    const lines = text.trimEnd().split('\r\n');
    expect(lines).toHaveLength(61);
    expect(lines[1]).toMatch(/^1,2026-11-20 23:50:00,giamsat01,case\.open,refused,user0,Sở Nội vụ,00000000-0000-4000-8000-000000000000,"\{""case"":/u);
    expect(text).not.toMatch(/,=HYPERLINK/u); // never a bare formula at the start of a cell
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('-5')).toBe("'-5");
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
  });

  it('XLSX: read back with exceljs — header, every row, Vietnamese intact', async () => {
    const log = await seeded();
    const path = join(tmp(), 'nhat-ky.xlsx');
    expect((await exportAuditRows(log.scan(resolveAuditFilter({ unit: 'Sở Nội vụ' }, NOW)), 'xlsx', path)).rows).toBe(30);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(path);
    const sheet = book.getWorksheet('Nhật ký')!;
    expect(sheet.rowCount).toBe(31);
    expect(sheet.getRow(1).getCell(7).value).toBe('Đơn vị');
    expect(sheet.getRow(2).getCell(1).value).toBe(1);
    expect(sheet.getRow(2).getCell(7).value).toBe('Sở Nội vụ');
  });

  it('an existing file, or a link planted at the target (dangling or not), is never replaced nor written through', async () => {
    const log = await seeded();
    const dir = tmp();
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'keep');
    writeFileSync(join(dir, 'old.csv'), 'an earlier export');
    symlinkSync(victim, join(dir, 'out.csv'));
    symlinkSync(join(dir, 'not-yet.txt'), join(dir, 'dangling.csv'));
    for (const name of ['old.csv', 'out.csv', 'dangling.csv']) {
      await expect(exportAuditRows(log.scan(all), 'csv', join(dir, name))).rejects.toMatchObject({ code: 'EXPORT_WRITE_FAILED', reason: 'exists' });
    }
    expect(readFileSync(victim, 'utf8')).toBe('keep');
    expect(readFileSync(join(dir, 'old.csv'), 'utf8')).toBe('an earlier export');
    expect(lstatSync(join(dir, 'out.csv')).isSymbolicLink()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['dangling.csv', 'old.csv', 'out.csv', 'victim.txt']);
  });

  it('a network share (UNC path) is refused before anything is written', async () => {
    const log = await seeded();
    for (const unc of ['\\\\may-chu\\chia-se\\nhat-ky.csv', '//may-chu/chia-se/nhat-ky.csv']) {
      await expect(exportAuditRows(log.scan(all), 'csv', unc)).rejects.toMatchObject({ code: 'EXPORT_WRITE_FAILED', reason: 'network_path' });
    }
  });

  it('a path that cannot be written: a clear error, nothing left behind, what was there untouched', async () => {
    const log = await seeded();
    const dir = tmp();
    const code = async (p: string, format: 'csv' | 'xlsx' = 'csv') =>
      exportAuditRows(log.scan(all), format, p).then(
        () => 'written',
        (e: HelpdeskError) => `${e.code}:${e.reason ?? e.detail}`,
      );
    expect(await code(join(dir, 'no-such-folder', 'x.csv'))).toBe('EXPORT_WRITE_FAILED:ENOENT');
    expect(await code(join(dir, 'x.txt'))).toBe('VALIDATION_FAILED:invalid_format');
    expect(await code('relative/x.csv')).toBe('VALIDATION_FAILED:invalid_format');
    expect(await code(join(dir, 'x.csv'), 'xlsx')).toBe('VALIDATION_FAILED:invalid_format');
    writeFileSync(join(dir, 'file'), 'keep');
    expect(await code(join(dir, 'file', 'x.csv'))).toBe('EXPORT_WRITE_FAILED:ENOTDIR');
    // A folder holds the name: refused, no trace of the export.
    mkdirSync(join(dir, 'taken.xlsx'));
    writeFileSync(join(dir, 'taken.xlsx', 'inside'), 'keep');
    expect(await code(join(dir, 'taken.xlsx'), 'xlsx')).toBe('EXPORT_WRITE_FAILED:exists');
    expect(readdirSync(dir).sort()).toEqual(['file', 'taken.xlsx']);
    expect(readFileSync(join(dir, 'taken.xlsx', 'inside'), 'utf8')).toBe('keep');
  });
});
