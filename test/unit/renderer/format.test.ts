import { describe, expect, it } from 'vitest';
import * as __format from '../../../src-renderer/src/format';
import * as __export_path from '../../../src-renderer/src/export-path';

const { formatDateTime } = __format;

describe('formatDateTime', () => {
  it('shows dd/MM/yyyy HH:mm in Asia/Ho_Chi_Minh (UTC+7)', () => {
    expect(formatDateTime('2026-03-09T01:05:00Z')).toBe('09/03/2026 08:05');
  });

  it('crosses midnight into the Vietnamese date', () => {
    expect(formatDateTime('2025-12-31T17:30:00.000Z')).toBe('01/01/2026 00:30');
  });

  it('uses a 24-hour clock', () => {
    expect(formatDateTime(new Date('2026-06-15T12:45:00Z'))).toBe('15/06/2026 19:45');
  });

  it('returns an empty string for nothing or nonsense', () => {
    expect(formatDateTime(null)).toBe('');
    expect(formatDateTime(undefined)).toBe('');
    expect(formatDateTime('not a date')).toBe('');
  });
});

const { formatCountdown, formatClock } = __format;

describe('formatCountdown', () => {
  it('shows mm:ss, a fresh 5-minute code as 05:00', () => {
    expect(formatCountdown(300_000)).toBe('05:00');
    expect(formatCountdown(299_900)).toBe('05:00');
    expect(formatCountdown(252_000)).toBe('04:12');
    expect(formatCountdown(59_001)).toBe('01:00');
    expect(formatCountdown(1)).toBe('00:01');
  });

  it('reaches 00:00 only when the time is over, and never goes negative', () => {
    expect(formatCountdown(0)).toBe('00:00');
    expect(formatCountdown(-5_000)).toBe('00:00');
    expect(formatCountdown(Number.NaN)).toBe('00:00');
  });

  it('adds hours from one hour up (a quota that returns at midnight)', () => {
    expect(formatCountdown(3_600_000)).toBe('1:00:00');
    expect(formatCountdown(5 * 3_600_000 + 61_000)).toBe('5:01:01');
  });
});

describe('formatClock', () => {
  it('shows HH:mm:ss in Asia/Ho_Chi_Minh', () => {
    expect(formatClock('2026-03-09T01:05:09Z')).toBe('08:05:09');
    expect(formatClock(new Date('2026-06-15T17:00:00Z'))).toBe('00:00:00');
  });

  it('returns an empty string for nothing or nonsense', () => {
    expect(formatClock(null)).toBe('');
    expect(formatClock('x')).toBe('');
  });
});

const { formatDateTimeSeconds, vnDay, formatCount } = __format;

describe('formatDateTimeSeconds', () => {
  it('shows dd/MM/yyyy HH:mm:ss in Vietnam time', () => {
    expect(formatDateTimeSeconds('2026-03-09T01:05:07Z')).toBe('09/03/2026 08:05:07');
    expect(formatDateTimeSeconds('2025-12-31T17:00:00.999Z')).toBe('01/01/2026 00:00:00');
    expect(formatDateTimeSeconds(null)).toBe('');
    expect(formatDateTimeSeconds('nonsense')).toBe('');
  });
});

describe('vnDay', () => {
  it('is the Vietnamese day, which starts at 17:00 UTC the day before', () => {
    expect(vnDay(new Date('2026-11-22T16:59:59Z'))).toBe('2026-11-22');
    expect(vnDay(new Date('2026-11-22T17:00:00Z'))).toBe('2026-11-23');
  });
});

describe('formatCount', () => {
  it('groups digits as the UI language does', () => {
    expect(formatCount(1234, 'vi')).toBe('1.234');
    expect(formatCount(100000, 'vi')).toBe('100.000');
    expect(formatCount(1234, 'en')).toBe('1,234');
    expect(formatCount(7, 'vi')).toBe('7');
  });
});

const dash = __format;

describe('dashboard formats', () => {
  it('vnMonth turns with the Vietnamese day', () => {
    expect(dash.vnMonth(new Date('2026-01-31T16:59:59Z'))).toBe('2026-01');
    expect(dash.vnMonth(new Date('2026-01-31T17:00:00Z'))).toBe('2026-02');
  });

  it('writes days and months the Vietnamese way', () => {
    expect(dash.formatDay('2026-11-03')).toBe('03/11/2026');
    expect(dash.formatDay('2026-11-03', true)).toBe('03/11');
    expect(dash.formatDay('nonsense')).toBe('nonsense');
    expect(dash.formatMonth('2026-02')).toBe('02/2026');
  });

  it('the median handling time as m:ss, "—" when there is none', () => {
    expect(dash.formatMinutesSeconds(null)).toBe('—');
    expect(dash.formatMinutesSeconds(0)).toBe('0:00');
    expect(dash.formatMinutesSeconds(95)).toBe('1:35');
    expect(dash.formatMinutesSeconds(59.6)).toBe('1:00');
    expect(dash.formatMinutesSeconds(3725)).toBe('62:05');
    expect(dash.formatMinutesSeconds(-1)).toBe('—');
    expect(dash.formatMinutesSeconds(Number.NaN)).toBe('—');
  });

  it('a share as a percentage with one decimal in the UI language', () => {
    expect(dash.formatPercent(0.148148, 'vi')).toMatch(/^14,8\s?%$/u);
    expect(dash.formatPercent(0.148148, 'en')).toBe('14.8%');
    expect(dash.formatPercent(1, 'en')).toBe('100.0%');
    expect(dash.formatPercent(null, 'vi')).toBe('—');
  });
});

const paths = __export_path;

describe('export file names', () => {
  it('sets the extension of the format, and .pdf for a report', () => {
    expect(paths.withFormat('/tmp/a.CSV', 'xlsx')).toBe('/tmp/a.xlsx');
    expect(paths.withFormat('/tmp/a', 'csv')).toBe('/tmp/a.csv');
    expect(paths.withFormat('  ', 'csv')).toBe('');
    expect(paths.withPdf(' /tmp/bao-cao ')).toBe('/tmp/bao-cao.pdf');
    expect(paths.withPdf('/tmp/bao-cao.PDF')).toBe('/tmp/bao-cao.PDF');
    expect(paths.withPdf('')).toBe('');
  });
});
