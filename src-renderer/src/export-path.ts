/** The formats the table exports write. */
export type ExportFormat = 'csv' | 'xlsx';

/** `<dir>/<name>` with the folder's own separator (a Windows folder written with backslashes keeps them). */
export function joinPath(dir: string, name: string): string {
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  const base = dir.replace(/[\\/]+$/u, '');
  return `${base}${sep}${name}`;
}

/** The path with the format's extension: a `.csv`/`.xlsx` ending is swapped, any other path gets one. */
export function withFormat(path: string, format: ExportFormat): string {
  const trimmed = path.trim();
  if (trimmed === '') return trimmed;
  return /\.(csv|xlsx)$/iu.test(trimmed) ? trimmed.replace(/\.(csv|xlsx)$/iu, `.${format}`) : `${trimmed}.${format}`;
}

/** The path ending in `.pdf` (added when the typed path has no such ending). */
export function withPdf(path: string): string {
  const trimmed = path.trim();
  if (trimmed === '') return trimmed;
  return /\.pdf$/iu.test(trimmed) ? trimmed : `${trimmed}.pdf`;
}
