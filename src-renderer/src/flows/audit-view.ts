import type { AuditFilter, AuditHead } from '@common/dto';
import type { ApiError } from '@common/result';
import { type ExportFormat, withFormat } from '../export-path';
import { formatDateTimeSeconds } from '../format';

export const AUDIT_OUTCOMES = ['ok', 'error', 'refused'] as const;

export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];
export type { ExportFormat };

/** The filter form as typed: every field a string, '' for "not filtered". */
export interface AuditForm {
  from: string;
  to: string;
  operator: string;
  account: string;
  action: string;
  outcome: AuditOutcome | '';
  unit: string;
}

export const FORM_FIELDS = ['from', 'to', 'operator', 'account', 'action', 'outcome', 'unit'] as const satisfies readonly (keyof AuditForm & keyof AuditFilter)[];

export type FormField = (typeof FORM_FIELDS)[number];

export function emptyForm(): AuditForm {
  return { from: '', to: '', operator: '', account: '', action: '', outcome: '', unit: '' };
}

/**
 * The form as the contract's filter: values trimmed, empty fields left out (the schema is strict: no
 * empty strings, no unknown keys).
 */
export function cleanFilter(form: AuditForm): AuditFilter {
  const out: Record<string, string> = {};
  for (const key of FORM_FIELDS) {
    const value = (form[key] ?? '').trim();
    if (value !== '') out[key] = value;
  }
  return out as AuditFilter;
}

/** Where an error from the main process belongs: next to a filter field, the export's file name, the head field, or nowhere in particular. */
export type ErrorPlace = FormField | 'fileName' | 'head' | null;

export function errorPlace(error: ApiError | null): ErrorPlace {
  const field = error?.field;
  if (!field) return null;
  if (field === 'fileName') return 'fileName';
  if (field === 'head' || field.startsWith('head.')) return 'head';
  const m = /^filter\.([A-Za-z]+)$/u.exec(field);
  const key = m?.[1];
  return key !== undefined && (FORM_FIELDS as readonly string[]).includes(key) ? (key as FormField) : null;
}

/** A head as it is printed and kept: `seq:hash`. */
export function headText(head: AuditHead): string {
  return `${head.seq}:${head.hash}`;
}

/** The file a head is saved to: `dau-chuoi-nhat-ky-<seq>.txt`. */
export function headFileName(head: AuditHead): string {
  return `dau-chuoi-nhat-ky-${head.seq}.txt`;
}

/**
 * The head as it is kept on paper or in a file, in Vietnamese whatever the UI language (a record for
 * the agency's files) and naming no agency; the last line is what "Đầu chuỗi đã lưu" takes back.
 */
export function headRecordLines(head: AuditHead, at: Date): string[] {
  return [
    'Đầu chuỗi nhật ký kiểm tra Helpdesk',
    `Số thứ tự: ${head.seq}`,
    `Mã băm: ${head.hash}`,
    `Thời điểm: ${formatDateTimeSeconds(at)} (giờ Việt Nam)`,
    `Nhập khi kiểm tra: ${headText(head)}`,
  ];
}

/** The head file's text: UTF-8 with a BOM and CRLF line ends, so that any Windows editor shows the diacritics. */
export function headFileText(head: AuditHead, at: Date): string {
  return `\uFEFF${headRecordLines(head, at).join('\r\n')}\r\n`;
}

/** A head typed back (`seq:hash`, spaces and letter case forgiven); null for an empty field, 'invalid' otherwise. */
export function parseHead(text: string): AuditHead | null | 'invalid' {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const m = /^(\d{1,16})\s*:\s*([0-9a-fA-F]{64})$/u.exec(trimmed);
  if (!m) return 'invalid';
  const seq = Number(m[1]);
  if (!Number.isSafeInteger(seq) || seq < 1) return 'invalid';
  return { seq, hash: m[2]!.toLowerCase() };
}

/** The file name proposed for an export: `nhat-ky-kiem-tra-<day>.<format>` (the main process chooses the folder). */
export function suggestExportName(format: ExportFormat, day: string): string {
  return `nhat-ky-kiem-tra-${day}.${format}`;
}

export { withFormat };
