import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteSearchIndex } from '../../src-main/adapters/store/sqlite-search-index';
import { createIndexKeeper, type IndexKeeper } from '../../src-main/app/search-index-keeper';
import { directoryDefaults } from '../../src-main/common/settings';
import { INDEX_MAX_AGE_MS } from '../../src-main/domain/search-index';
import type { Directory, DirectoryAccount, IndexSource } from '../../src-main/domain/ports';
import { parseSearchQuery } from '../../src-main/domain/search-query';

// The keeper's rules with a directory in memory (the real ones are proven in integration/search-index).
function account(uid: string, displayName: string, extra: Partial<DirectoryAccount> = {}): DirectoryAccount {
  return {
    dn: `uid=${uid},dc=x`, stableId: `id-${uid}`, username: uid, displayName, unit: null, title: null, mail: null, accountType: null,
    mobiles: [], backupEmails: [], citizenId: null, taxCode: null, socialInsuranceCode: null, locked: false, lockedAt: null, disabled: false,
    failureCount: 0, mustChangePassword: false, passwordChangedAt: null, passwordExpiresAt: null, policy: null, ...extra,
  };
}

const source = (a: DirectoryAccount): IndexSource => ({
  dn: a.dn, stableId: a.stableId, username: a.username, displayName: a.displayName, unit: a.unit, mails: [], mobiles: a.mobiles,
  citizenId: a.citizenId, taxCode: a.taxCode, socialInsuranceCode: a.socialInsuranceCode,
});

let dir: string;
let people: Map<string, DirectoryAccount>;
let reads: number;
let now: Date;
let keeper: IndexKeeper;
let fail: boolean;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'helpdesk-keeper-'));
  people = new Map(['an', 'binh', 'cuong'].map((u, i) => [u, account(u, ['Nguyễn Văn An', 'Nguyễn Văn Bình', 'Trần Văn Cường'][i]!)]));
  reads = 0;
  fail = false;
  now = new Date('2026-12-07T03:00:00Z');
  const directory = {
    readForIndex: async (visit: (b: IndexSource[]) => void | Promise<void>) => {
      reads++;
      if (fail) throw new Error('unreachable');
      await visit([...people.values()].map(source));
      return { read: people.size, partial: false, mark: `2026120703000${reads}Z;2` };
    },
    readAccounts: async (refs: readonly { dn: string; stableId: string | null }[]) => [...people.values()].filter((a) => refs.some((r) => r.stableId === a.stableId)),
  } as unknown as Directory;
  keeper = createIndexKeeper({
    clock: { now: () => now },
    directory: async () => directory,
    profile: () => ({ ...directoryDefaults('openldap'), url: 'ldap://x', baseDn: 'dc=x', serviceBindDn: 'cn=s,dc=x' }),
    openIndex: async () => new SqliteSearchIndex(join(dir, 'i.sqlite'), randomBytes(32)),
  });
});

afterEach(() => {
  keeper.reset();
  rmSync(dir, { recursive: true, force: true });
});

const search = (q: string) => keeper.search(parseSearchQuery(q, 'name'), q, 50);

describe('the search index keeper', () => {
  it('answers nothing until built; the first refresh builds it', async () => {
    expect(await search('nguyen van')).toBeNull();
    await keeper.refresh();
    const r = await search('nguyen van');
    expect(r!.accounts.map((a) => a.username).sort()).toEqual(['an', 'binh']);
    expect(r!.total).toBe(2);
    expect(r!.index.accounts).toBe(3);
  });

  it('drops a hit the directory no longer has, from the answer, the total and the index', async () => {
    await keeper.refresh();
    people.delete('an');
    const r = await search('nguyen van');
    expect(r!.accounts.map((a) => a.username)).toEqual(['binh']);
    expect(r!.total).toBe(1);
    expect((await keeper.state())!.accounts).toBe(2);
  });

  it('does not show a hit that no longer matches (renamed in the directory, not yet in the index)', async () => {
    await keeper.refresh();
    people.set('binh', { ...people.get('binh')!, displayName: 'Lê Thị Bình' });
    const r = await search('nguyen van');
    expect(r!.accounts.map((a) => a.username)).toEqual(['an']);
    expect(r!.total).toBe(1);
  });

  it('is not used once older than the maximum age; a later refresh makes it usable again', async () => {
    await keeper.refresh();
    now = new Date(now.getTime() + INDEX_MAX_AGE_MS + 1000);
    expect(await search('nguyen van')).toBeNull();
    await keeper.refresh();
    expect(await search('nguyen van')).not.toBeNull();
  });

  it('a failed refresh is an error of refresh, and leaves the index as it was', async () => {
    await keeper.refresh();
    fail = true;
    await expect(keeper.refresh()).rejects.toThrow('unreachable');
    expect((await search('tran'))!.total).toBe(1);
  });

  it('after reset it opens again and answers from the same file', async () => {
    await keeper.refresh();
    keeper.reset();
    expect((await search('tran van'))!.accounts.map((a) => a.username)).toEqual(['cuong']);
  });
});
