import { describe, expect, it } from 'vitest';
import { createDashboards } from '../../src-main/app/dashboards';
import { HelpdeskError } from '../../src-main/domain/errors';
import type { AuditRecord, Directory, DirectoryAccount } from '../../src-main/domain/ports';
import { recordingAudit } from '../helpers/fake-audit';

// The scan's life cycle in the app module, with a directory that reads one account per page, slowly.
const account = (i: number): DirectoryAccount => ({
  dn: `uid=u${i},dc=x`, stableId: null, username: `u${i}`, displayName: `U ${i}`, unit: i % 2 ? 'Sở Nội vụ' : null, title: null, mail: null,
  accountType: null, mobiles: [], backupEmails: [], citizenId: null, taxCode: null, socialInsuranceCode: null, locked: i === 3, lockedAt: null,
  disabled: false, failureCount: 0, mustChangePassword: false, passwordChangedAt: null, passwordExpiresAt: null, policy: null,
});

function setup(pages: number, roles: ('supervisor' | 'auditor')[] = ['supervisor']) {
  const records: AuditRecord[] = [];
  let reads = 0;
  const directory = {
    scanAccounts: async (visit: (a: DirectoryAccount) => void, onPage: (n: number) => void, signal: AbortSignal) => {
      for (let i = 0; i < pages; i++) {
        if (signal.aborted) throw new HelpdeskError('ABORTED');
        await new Promise((r) => setTimeout(r, 5));
        visit(account(i));
        reads++;
        onPage(i + 1);
      }
      return pages;
    },
  } as unknown as Directory;
  const d = createDashboards({
    exportList: async (_d, _list, _format, path) => ({ path, rows: 0, bytes: 0 }),
    chooseExportPath: async (name) => `/exports/${name}`,
    clock: { now: () => new Date('2026-11-23T03:00:00Z') },
    audit: recordingAudit(records),
    requireOperator: () => ({ username: roles.includes('supervisor') ? 'giamsat01' : 'kiemtra01', displayName: 'Võ Thanh Tâm', dn: 'uid=giamsat01', roles }),
    directory: async () => directory,
    run: async (fn) => {
      try {
        return { ok: true, value: await fn() };
      } catch (e) {
        return { ok: false, error: (e as HelpdeskError).toApiError() };
      }
    },
  });
  return { d, records, reads: () => reads };
}

/** The scan's status once it left `running` (polled: a loaded machine runs the timers late, never a fixed sleep). */
async function until(d: ReturnType<typeof setup>['d'], scanId: string) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const st = await d.scanStatus({ scanId });
    if (!st.ok || st.value.state !== 'running' || Date.now() > deadline) return st;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('directory scan (app)', () => {
  it('runs in the background: progress, then the tally as the result, audited once', async () => {
    const { d, records } = setup(4);
    const s = await d.scanStart({});
    expect(s).toMatchObject({ ok: true, value: { state: 'running', scanned: 0 } });
    const id = s.ok ? s.value.scanId : '';
    const done = await until(d, id);
    expect(done).toMatchObject({ ok: true, value: { state: 'done', scanned: 4, result: { totals: { accounts: 4, locked: 1 } } } });
    expect(records).toEqual([expect.objectContaining({ action: 'dashboard.scan', outcome: 'ok', detail: { state: 'done', scanned: 4, code: null } })]);
  });

  it('cancel stops it within a page: cancelled, no result, fewer accounts read', async () => {
    const { d, records, reads } = setup(1000);
    const s = await d.scanStart({});
    const id = s.ok ? s.value.scanId : '';
    await new Promise((r) => setTimeout(r, 12));
    await d.scanCancel({ scanId: id });
    const st = await until(d, id);
    expect(st).toMatchObject({ ok: true, value: { state: 'cancelled', result: null, error: null } });
    expect(reads()).toBeLessThan(20);
    expect(records.at(-1)).toMatchObject({ action: 'dashboard.scan', outcome: 'ok', detail: { state: 'cancelled' } });
    // A new scan can start afterwards.
    const again = await d.scanStart({});
    expect(again.ok && again.value.scanId).not.toBe(id);
  });

  it('an auditor sees counts per unit, not names: the locked list is withheld and its export refused (audited)', async () => {
    const { d, records } = setup(4, ['auditor']);
    const s = await d.scanStart({});
    const id = s.ok ? s.value.scanId : '';
    const done = await until(d, id);
    expect(done).toMatchObject({ ok: true, value: { state: 'done', result: { totals: { accounts: 4, locked: 1 }, lockedAccounts: [], lockedNamesWithheld: true } } });
    expect(done.ok && done.value.result!.units.length).toBeGreaterThan(0);
    expect(await d.exportScan({ scanId: id, list: 'locked', format: 'csv', fileName: 'khoa.csv' })).toEqual({ ok: false, error: { code: 'ACTION_NOT_PERMITTED', reason: 'names_withheld' } });
    expect(records.at(-1)).toMatchObject({ action: 'dashboard.export', outcome: 'refused', detail: { reasonCode: 'names_withheld' } });
    expect((await d.exportScan({ scanId: id, list: 'units', format: 'csv', fileName: 'don-vi.csv' })).ok).toBe(true);
  });
});
