/** The element id of the input for a contract field path (`settings.directory.url` → `f-settings-directory-url`). */
export function fieldId(path: string): string {
  return `f-${path.replace(/[^A-Za-z0-9_-]/gu, '-')}`;
}
