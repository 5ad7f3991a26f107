import { randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, existsSync, fsyncSync, linkSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join } from 'node:path';
import ExcelJS from 'exceljs';
import type { AuditEntry, AuditExportResult } from '../../common/dto';
import { HelpdeskError } from '../../domain/errors';
import { vnDateTime } from '../../domain/vn-time';
import { capital, TERMS } from '../../common/glossary';

export type ExportFormat = 'csv' | 'xlsx';

/** A table to export: Vietnamese column titles (the files go to Vietnamese offices), widths, rows of cells. */
type Cells = (string | number)[];

/** The rows of a table a batch at a time, whether they were at hand or arrive from a store. */
async function* batches(rows: ExportTable['rows']): AsyncIterable<readonly Cells[]> {
  if (Symbol.asyncIterator in rows) yield* rows;
  else yield Array.isArray(rows) ? rows : [...rows];
}

export interface ExportTable {
  sheet: string;
  columns: { title: string; width: number }[];
  /** Read once, in order: rows at hand, or a store's rows arriving a batch at a time. */
  rows: Iterable<Cells> | AsyncIterable<Cells[]>;
}

const AUDIT_COLUMNS = [
  { title: 'STT', width: 8 },
  { title: 'Thời điểm (giờ Việt Nam)', width: 20 },
  { title: 'Người thực hiện', width: 16 },
  { title: 'Thao tác', width: 22 },
  { title: 'Kết quả', width: 10 },
  { title: 'Tài khoản', width: 18 },
  { title: 'Đơn vị', width: 28 },
  { title: capital(TERMS.case.vi), width: 38 },
  { title: 'Chi tiết', width: 60 },
];

/** 2026-11-23T02:00:05.123Z → "2026-11-23 09:00:05" (Asia/Ho_Chi_Minh). */
export const vnTime = (iso: string): string => vnDateTime(iso);

async function* auditCells(batchesOfRows: AsyncIterable<AuditEntry[]>): AsyncIterable<Cells[]> {
  for await (const rows of batchesOfRows) yield rows.map((r) => [r.seq, vnTime(r.at), r.operator ?? '', r.action, r.outcome, r.target ?? '', r.unit ?? '', r.caseId ?? '', JSON.stringify(r.detail)]);
}

/**
 * A cell as CSV (RFC 4180): quoted when needed; a leading = + - @ tab or CR is defused with a quote
 * mark so a spreadsheet never runs it as a formula (CSV injection).
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/u.test(value) ? `'${value}` : value;
  return /[",\r\n]/u.test(safe) ? `"${safe.replace(/"/gu, '""')}"` : safe;
}

/**
 * Checks the target before anything is written: absolute, not on a network share (a UNC path, `\\host\…`
 * or `//host/…`: an export of the audit never leaves the workstation by a path typed or picked), the
 * format's extension, in an existing folder, and no file there yet (see atomically: never replaced).
 */
export function checkTarget(path: string, format: string): void {
  if (/^[\\/]{2}/u.test(path)) throw new HelpdeskError('EXPORT_WRITE_FAILED', { reason: 'network_path', detail: 'UNC' });
  if (!isAbsolute(path) || extname(path).toLowerCase() !== `.${format}` || basename(path).length <= format.length + 1) {
    throw new HelpdeskError('VALIDATION_FAILED', { field: 'fileName', reason: 'invalid_format' });
  }
  if (existsSync(path)) throw new HelpdeskError('EXPORT_WRITE_FAILED', { reason: 'exists', detail: 'EEXIST' });
  let folder;
  try {
    folder = statSync(dirname(path));
  } catch (err) {
    throw new HelpdeskError('EXPORT_WRITE_FAILED', { detail: (err as NodeJS.ErrnoException).code ?? 'stat', cause: err });
  }
  if (!folder.isDirectory()) throw new HelpdeskError('EXPORT_WRITE_FAILED', { detail: 'ENOTDIR' });
}

/**
 * Writes to a temporary file beside the target, then links it into place: the target is the whole
 * export or absent, never half a file — and never an existing file replaced (a link fails with EEXIST
 * where a rename would overwrite silently).
 */
export async function atomically(path: string, write: (fd: number) => Promise<void>): Promise<number> {
  // A random name created exclusively (O_EXCL): a file or link planted beside the target is never
  // written through, and two exports never share a temporary file.
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`);
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'wx', 0o600);
    await write(fd);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    placeWithoutReplacing(tmp, path);
    return statSync(path).size;
  } catch (err) {
    if (fd !== null) {
      closeSync(fd);
    }
    // Only a file this call created is removed.
    if (fd !== null || (err as NodeJS.ErrnoException).syscall !== 'open') rmSync(tmp, { force: true });
    if (err instanceof HelpdeskError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new HelpdeskError('EXPORT_WRITE_FAILED', { ...(code === 'EEXIST' ? { reason: 'exists' } : {}), detail: code ?? 'write', cause: err });
  }
}

/**
 * Puts the finished temporary file at `path` unless something is there already. A hard link does it in
 * one step (EEXIST if taken); a file system without hard links (FAT32 or exFAT on a USB stick) gets a
 * rename after a last look — the only gap is another program creating the very name in between.
 */
function placeWithoutReplacing(tmp: string, path: string): void {
  try {
    linkSync(tmp, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    if (existsSync(path)) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
    renameSync(tmp, path);
    return;
  }
  rmSync(tmp, { force: true });
}

async function writeCsv(table: ExportTable, fd: number): Promise<number> {
  let n = 0;
  // BOM: Excel then reads the Vietnamese text as UTF-8.
  let chunk = `\uFEFF${table.columns.map((c) => csvCell(c.title)).join(',')}\r\n`;
  for await (const page of batches(table.rows)) for (const row of page) {
    chunk += `${row.map((v) => csvCell(String(v))).join(',')}\r\n`;
    n++;
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  writeSync(fd, chunk);
  return n;
}

async function writeXlsx(table: ExportTable, fd: number): Promise<number> {
  const stream = createWriteStream('', { fd, autoClose: false });
  const finished = new Promise<void>((resolve, reject) => {
    stream.once('finish', resolve);
    stream.once('error', reject);
  });
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream, useStyles: true, useSharedStrings: false });
  const sheet = book.addWorksheet(table.sheet, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = table.columns.map((c) => ({ header: c.title, width: c.width }));
  sheet.getRow(1).font = { bold: true };
  sheet.getRow(1).commit();
  let n = 0;
  for await (const page of batches(table.rows)) for (const row of page) {
    sheet.addRow(row).commit();
    n++;
  }
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: table.columns.length } };
  sheet.commit();
  await book.commit();
  await finished;
  return n;
}

/** A table to `path` as CSV or XLSX, whole or not at all. */
export async function exportTable(table: ExportTable, format: ExportFormat, path: string): Promise<AuditExportResult> {
  checkTarget(path, format);
  let count = 0;
  const bytes = await atomically(path, async (fd) => {
    count = format === 'csv' ? await writeCsv(table, fd) : await writeXlsx(table, fd);
  });
  return { path, rows: count, bytes };
}

/** Audit rows to `path` as CSV or XLSX. */
export function exportAuditRows(rows: AsyncIterable<AuditEntry[]>, format: ExportFormat, path: string): Promise<AuditExportResult> {
  return exportTable({ sheet: 'Nhật ký', columns: AUDIT_COLUMNS, rows: auditCells(rows) }, format, path);
}
