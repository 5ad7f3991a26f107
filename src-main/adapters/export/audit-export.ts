import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join } from 'node:path';
import ExcelJS from 'exceljs';
import type { AuditEntry, AuditExportResult } from '../../common/dto';
import { HelpdeskError } from '../../domain/errors';

export type ExportFormat = 'csv' | 'xlsx';

/** Column titles (Vietnamese: the files go to Vietnamese offices). */
const HEADER = ['STT', 'Thời điểm (giờ Việt Nam)', 'Người thực hiện', 'Thao tác', 'Kết quả', 'Tài khoản', 'Đơn vị', 'Phiên xử lý', 'Chi tiết'];

/** 2026-11-23T02:00:05.123Z → "2026-11-23 09:00:05" (Asia/Ho_Chi_Minh). */
export function vnTime(iso: string): string {
  return new Date(new Date(iso).getTime() + 7 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

function cells(r: AuditEntry): string[] {
  return [String(r.seq), vnTime(r.at), r.operator ?? '', r.action, r.outcome, r.target ?? '', r.unit ?? '', r.caseId ?? '', JSON.stringify(r.detail)];
}

/**
 * A cell as CSV (RFC 4180): quoted when needed; a leading = + - @ tab or CR is defused with a quote
 * mark so a spreadsheet never runs it as a formula (CSV injection).
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/u.test(value) ? `'${value}` : value;
  return /[",\r\n]/u.test(safe) ? `"${safe.replace(/"/gu, '""')}"` : safe;
}

/** Checks the target before anything is written: absolute, the format's extension, in an existing folder. */
export function checkTarget(path: string, format: string): void {
  if (!isAbsolute(path) || extname(path).toLowerCase() !== `.${format}` || basename(path).length <= format.length + 1) {
    throw new HelpdeskError('VALIDATION_FAILED', { field: 'path', reason: 'invalid_format' });
  }
  let folder;
  try {
    folder = statSync(dirname(path));
  } catch (err) {
    throw new HelpdeskError('EXPORT_WRITE_FAILED', { detail: (err as NodeJS.ErrnoException).code ?? 'stat', cause: err });
  }
  if (!folder.isDirectory()) throw new HelpdeskError('EXPORT_WRITE_FAILED', { detail: 'ENOTDIR' });
}

/**
 * Writes to a temporary file beside the target, then renames it into place: the target is the whole
 * export or untouched, never half a file.
 */
export async function atomically(path: string, write: (tmp: string) => Promise<void>): Promise<number> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await write(tmp);
    renameSync(tmp, path);
    return statSync(path).size;
  } catch (err) {
    rmSync(tmp, { force: true });
    if (err instanceof HelpdeskError) throw err;
    throw new HelpdeskError('EXPORT_WRITE_FAILED', { detail: (err as NodeJS.ErrnoException).code ?? 'write', cause: err });
  }
}

async function writeCsv(rows: Iterable<AuditEntry>, tmp: string): Promise<number> {
  const fd = openSync(tmp, 'w', 0o600);
  let n = 0;
  try {
    // BOM: Excel then reads the Vietnamese text as UTF-8.
    let chunk = `\uFEFF${HEADER.map(csvCell).join(',')}\r\n`;
    for (const r of rows) {
      chunk += `${cells(r).map(csvCell).join(',')}\r\n`;
      n++;
      if (chunk.length > 1 << 20) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    writeSync(fd, chunk);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return n;
}

async function writeXlsx(rows: Iterable<AuditEntry>, tmp: string): Promise<number> {
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: tmp, useStyles: true, useSharedStrings: false });
  const sheet = book.addWorksheet('Nhật ký', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = HEADER.map((header, i) => ({ header, width: [8, 20, 16, 22, 10, 18, 28, 38, 60][i] }));
  sheet.getRow(1).font = { bold: true };
  sheet.getRow(1).commit();
  let n = 0;
  for (const r of rows) {
    const c = cells(r);
    sheet.addRow([r.seq, ...c.slice(1)]).commit();
    n++;
  }
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: HEADER.length } };
  sheet.commit();
  await book.commit();
  return n;
}

/** The rows to `path` as CSV or XLSX. */
export async function exportAuditRows(rows: Iterable<AuditEntry>, format: ExportFormat, path: string): Promise<AuditExportResult> {
  checkTarget(path, format);
  let count = 0;
  const bytes = await atomically(path, async (tmp) => {
    count = format === 'csv' ? await writeCsv(rows, tmp) : await writeXlsx(rows, tmp);
  });
  return { path, rows: count, bytes };
}
