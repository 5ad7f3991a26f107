import type * as Fs from 'node:fs';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

// A file system without hard links (FAT32 or exFAT on a USB stick): link() fails with EPERM there. The
// kernel here mounts no vfat, so the refusal is played by a mock of that one call; everything else is real.
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof Fs>();
  return {
    ...real,
    linkSync: () => {
      throw Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' });
    },
  };
});

const { exportTable } = await import('../../src-main/adapters/export/audit-export');

const dir = mkdtempSync(join(tmpdir(), 'export-fat-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const table = { sheet: 'x', columns: [{ title: 'A', width: 5 }], rows: [['1'], ['2']] };

describe('an export to a file system without hard links', () => {
  it('is written whole (renamed into place after a last look), and never replaces a file', async () => {
    const path = join(dir, 'bao-cao.csv');
    expect(await exportTable(table, 'csv', path)).toMatchObject({ path, rows: 2 });
    expect(readFileSync(path, 'utf8')).toContain('A');
    writeFileSync(join(dir, 'co-san.csv'), 'keep');
    await expect(exportTable(table, 'csv', join(dir, 'co-san.csv'))).rejects.toMatchObject({ code: 'EXPORT_WRITE_FAILED', reason: 'exists' });
    expect(readFileSync(join(dir, 'co-san.csv'), 'utf8')).toBe('keep');
    await expect(exportTable(table, 'csv', path)).rejects.toMatchObject({ code: 'EXPORT_WRITE_FAILED', reason: 'exists' });
    expect(readdirSync(dir).sort()).toEqual(['bao-cao.csv', 'co-san.csv']);
  });
});
