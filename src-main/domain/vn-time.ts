/**
 * Vietnamese time, the one place it is computed: Asia/Ho_Chi_Minh is UTC+7 all year (no daylight
 * saving), so a fixed offset is exact. Days, limits, reports and exports all count in it.
 */
export const VN_OFFSET_MS = 7 * 3_600_000;

/** The instant shifted so that its UTC fields read as the wall clock in Hà Nội. */
function wall(at: Date | string): Date {
  return new Date(new Date(at).getTime() + VN_OFFSET_MS);
}

/** The Vietnamese day of an instant: YYYY-MM-DD. */
export function vnDay(at: Date | string): string {
  return wall(at).toISOString().slice(0, 10);
}

/** "2026-11-23 09:00:05": the wall clock in Hà Nội, to the second. */
export function vnDateTime(at: Date | string): string {
  return wall(at).toISOString().slice(0, 19).replace('T', ' ');
}

/** Day, month and year of the wall clock in Hà Nội. */
export function vnDate(at: Date | string): { day: number; month: number; year: number } {
  const w = wall(at);
  return { day: w.getUTCDate(), month: w.getUTCMonth() + 1, year: w.getUTCFullYear() };
}

/** 00:00 (VN) of a YYYY-MM-DD day, in UTC milliseconds. */
export function vnDayStartMs(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) - VN_OFFSET_MS;
}
