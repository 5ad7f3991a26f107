const TIME_ZONE = 'Asia/Ho_Chi_Minh';

const parts = new Intl.DateTimeFormat('en-GB', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/**
 * `dd/MM/yyyy HH:mm` in Vietnam's time zone, whatever the machine's zone and the UI language.
 * Returns '' for null and for text that is not a date.
 */
export function formatDateTime(value: string | Date | null | undefined): string {
  if (value === null || value === undefined) return '';
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  const p: Record<string, string> = {};
  for (const { type, value: v } of parts.formatToParts(date)) p[type] = v;
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}`;
}
