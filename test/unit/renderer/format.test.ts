import { describe, expect, it } from 'vitest';
import { loadRenderer } from './load-renderer';

const { formatDateTime } = await loadRenderer<{ formatDateTime: (v: string | Date | null | undefined) => string }>(
  'format.ts',
);

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
