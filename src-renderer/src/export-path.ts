/** The formats the table exports write. */
export type ExportFormat = 'csv' | 'xlsx';

/** The file name with the format's extension: a `.csv`/`.xlsx` ending is swapped, any other name gets one. */
export function withFormat(path: string, format: ExportFormat): string {
  const trimmed = path.trim();
  if (trimmed === '') return trimmed;
  return /\.(csv|xlsx)$/iu.test(trimmed) ? trimmed.replace(/\.(csv|xlsx)$/iu, `.${format}`) : `${trimmed}.${format}`;
}

/** The file name ending in `.pdf` (added when the typed name has no such ending). */
export function withPdf(path: string): string {
  const trimmed = path.trim();
  if (trimmed === '') return trimmed;
  return /\.pdf$/iu.test(trimmed) ? trimmed : `${trimmed}.pdf`;
}
