import { HelpdeskError } from '../domain/errors';

export type ExportKind = 'csv' | 'xlsx' | 'pdf';

/**
 * Where an export goes, decided in the main process and never by the page: the desktop app asks with
 * its save dialog, the web harness uses its configured export folder. Null: the user cancelled.
 */
export type ChooseExportPath = (fileName: string, format: ExportKind) => Promise<string | null>;

/** The file the export will be written to, from the name the page suggested (the format's extension added). */
export async function exportTarget(choose: ChooseExportPath, fileName: string, format: ExportKind): Promise<string> {
  const name = fileName.toLowerCase().endsWith(`.${format}`) ? fileName : `${fileName}.${format}`;
  const path = await choose(name, format);
  if (path === null) throw new HelpdeskError('ABORTED', { detail: 'save dialog cancelled' });
  return path;
}
