const TIME_ZONE = 'Asia/Ho_Chi_Minh';

const dateTimeFormat = (seconds: boolean) =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    ...(seconds ? { second: '2-digit' as const } : {}),
    hourCycle: 'h23',
  });
const toMinutes = dateTimeFormat(false);
const toSeconds = dateTimeFormat(true);

/** The parts of a date in Vietnam's time zone, or null for null and for text that is not a date. */
function vnParts(value: string | Date | null | undefined, format: Intl.DateTimeFormat): Record<string, string> | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  const p: Record<string, string> = {};
  for (const { type, value: v } of format.formatToParts(date)) p[type] = v;
  return p;
}

/**
 * `dd/MM/yyyy HH:mm` in Vietnam's time zone, whatever the machine's zone and the UI language.
 * Returns '' for null and for text that is not a date.
 */
export function formatDateTime(value: string | Date | null | undefined): string {
  const p = vnParts(value, toMinutes);
  return p ? `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}` : '';
}

const clock = new Intl.DateTimeFormat('en-GB', {
  timeZone: TIME_ZONE,
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** `HH:mm:ss` in Vietnam's time zone (for "sent at" and "updated at"); '' for null or nonsense. */
export function formatClock(value: string | Date | null | undefined): string {
  if (value === null || value === undefined) return '';
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  const p: Record<string, string> = {};
  for (const { type, value: v } of clock.formatToParts(date)) p[type] = v;
  return `${p.hour}:${p.minute}:${p.second}`;
}

/**
 * A countdown as `mm:ss` (`h:mm:ss` from one hour up), whole seconds rounded up so a fresh
 * 5-minute code reads 05:00 and 00:00 appears only once the time is really over. Negative → 00:00.
 */
export function formatCountdown(ms: number): string {
  const total = Number.isFinite(ms) ? Math.max(0, Math.ceil(ms / 1000)) : 0;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`;
}

/** `dd/MM/yyyy HH:mm:ss` in Vietnam's time zone (the audit log); '' for null or nonsense. */
export function formatDateTimeSeconds(value: string | Date | null | undefined): string {
  const p = vnParts(value, toSeconds);
  return p ? `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}:${p.second}` : '';
}

/** The Vietnamese day of an instant as `YYYY-MM-DD` (Vietnam has no daylight saving: UTC+7 all year). */
export function vnDay(value: Date): string {
  return new Date(value.getTime() + 7 * 3600_000).toISOString().slice(0, 10);
}

/** A count with the UI language's digit grouping: 1.234 in Vietnamese, 1,234 in English. */
export function formatCount(n: number, locale: string): string {
  return new Intl.NumberFormat(locale === 'vi' ? 'vi-VN' : 'en-GB').format(n);
}

/** The Vietnamese month of an instant as `YYYY-MM`. */
export function vnMonth(value: Date): string {
  return vnDay(value).slice(0, 7);
}

/** A day `YYYY-MM-DD` as `dd/MM/yyyy` (`dd/MM` with `short`); other text is returned as given. */
export function formatDay(day: string, short = false): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/u.exec(day);
  if (!m) return day;
  return short ? `${m[3]}/${m[2]}` : `${m[3]}/${m[2]}/${m[1]}`;
}

/** A month `YYYY-MM` as `MM/yyyy`; other text is returned as given. */
export function formatMonth(month: string): string {
  const m = /^(\d{4})-(\d{2})$/u.exec(month);
  return m ? `${m[2]}/${m[1]}` : month;
}

/** A duration in seconds as `m:ss` (minutes not capped at 59: 1 h 2 min 5 s is 62:05); '—' for null. */
export function formatMinutesSeconds(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '—';
  const total = Math.round(seconds);
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

/** A share (0…1) as a percentage with one decimal in the UI language (12,5% / 12.5%); '—' for null. */
export function formatPercent(share: number | null, locale: string): string {
  if (share === null || !Number.isFinite(share)) return '—';
  return new Intl.NumberFormat(locale === 'vi' ? 'vi-VN' : 'en-GB', {
    style: 'percent',
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  }).format(share);
}
