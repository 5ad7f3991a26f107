import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Attribute, Change, Client } from 'ldapts';
import { SqliteSearchIndex } from '../../src-main/adapters/store/sqlite-search-index';
import { createIndexKeeper } from '../../src-main/app/search-index-keeper';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LdapDirectory } from '../../src-main/adapters/ldap/ldap-directory';
import { directoryDefaults } from '../../src-main/common/settings';
import { nameMatches, parseSearchQuery } from '../../src-main/domain/search-query';
import { generateDirectoryLdif } from '../../scripts/training-data';
import { type SambaAdHandle, startSambaAd } from '../helpers/samba-ad';

// Issue #15, "directories as they are", on a stock Samba AD DC (MaxPageSize 1000, no setting changed)
// with > 1,000 accounts: broad queries page through all of them; mobiles in any punctuation (AD's
// `mobile` is a plain Unicode string: even spaces and hyphens count there); a sAMAccountName with
// parentheses (AD forbids * + , \ in it) found exactly.
const COUNT = 1100;

/** Display names of the generated accounts (the LDIF unfolded; non-ASCII values are base64). */
function generatedPeople(): { displayName: string }[] {
  const ldif = generateDirectoryLdif({ count: COUNT, includeOperators: false }).replace(/\r?\n /gu, '');
  const out: { displayName: string }[] = [];
  for (const record of ldif.split(/\n\n+/u)) {
    const m = /^displayName(::?) (.+)$/mu.exec(record);
    if (!/^uid: /mu.test(record) || !m) continue;
    out.push({ displayName: m[1] === '::' ? Buffer.from(m[2]!, 'base64').toString('utf8') : m[2]! });
  }
  return out;
}

const MOBILES: [sam: string, stored: string, national: string][] = [
  ['addot', '0938.123.461', '0938123461'],
  ['adspace', '0938 123 462', '0938123462'],
  ['addash', '0938-123-463', '0938123463'],
  ['adplus', '+84 938 123 464', '0938123464'],
];

let ad: SambaAdHandle;
let dir: LdapDirectory;
let people: { displayName: string }[];

beforeAll(async () => {
  ad = await startSambaAd();
  people = generatedPeople();
  expect(people.length).toBeGreaterThan(1000);
  const admin = new Client({ url: ad.ldapsUrl, timeout: 30_000, tlsOptions: { ca: ad.caPem } });
  try {
    await admin.bind(ad.adminDn, ad.adminPassword);
    // Accounts without a password (disabled, as AD makes them): enough to be searched.
    const add = (sam: string, extra: Record<string, string>) =>
      admin.add(ad.userDn(sam), { objectClass: ['top', 'person', 'organizationalPerson', 'user'], sAMAccountName: sam, ...extra });
    const queue = [
      // sAMAccountName holds at most 20 characters: the generated uids are not kept.
      ...people.map((p, i) => () => add(`gen${String(i).padStart(5, '0')}`, { displayName: p.displayName })),
      ...MOBILES.map(([sam, stored]) => () => add(sam, { displayName: `Kiểm Thử ${sam}`, mobile: stored })),
      () => add('nv(1)', { displayName: 'Kiểm Thử Ngoặc' }),
      () => add('nv1', { displayName: 'Kiểm Thử Không Ngoặc' }),
    ];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let job = queue.shift(); job; job = queue.shift()) await job();
      }),
    );
  } finally {
    await admin.unbind().catch(() => undefined);
  }
  dir = new LdapDirectory(
    { ...directoryDefaults('active-directory'), url: ad.ldapsUrl, caCertificate: ad.caPem, baseDn: ad.baseDn, serviceBindDn: ad.serviceDn, timeoutMs: 30_000 },
    ad.servicePassword,
  );
}, 300_000);

afterAll(async () => {
  await dir?.close();
  await ad?.stop();
});

async function usernames(query: string, kind?: Parameters<typeof parseSearchQuery>[1]): Promise<string[]> {
  return (await dir.search(parseSearchQuery(query, kind), 50)).accounts.map((a) => a.username).sort();
}

describe('a stock Samba AD DC with > 1,000 accounts', () => {
  it.each(['nguyen', 'nguyen van', 'ng', 'an', 'thi'])('a broad name query (%s) gives results, never an error, with the true count', async (query) => {
    const criteria = parseSearchQuery(query);
    const name = criteria.find((c) => c.kind === 'name');
    const words = name?.kind === 'name' ? name.words : [];
    const names = [...people.map((p) => p.displayName), ...MOBILES.map(([sam]) => `Kiểm Thử ${sam}`), 'Kiểm Thử Ngoặc', 'Kiểm Thử Không Ngoặc'];
    const truth = names.filter((n) => nameMatches(n, words)).length;
    expect(truth).toBeGreaterThan(0);
    const r = await dir.search(criteria, 50);
    expect(r.accounts.length).toBe(Math.min(50, r.total));
    expect(r.limitedByDirectory).toBeUndefined();
    if (r.totalIsLowerBound) expect(r.total).toBeLessThanOrEqual(truth);
    else expect(r.total).toBe(truth);
  });

  it('pages past MaxPageSize (1000): a query matching every account counts them all', async () => {
    const r = await dir.search(parseSearchQuery('kiem', 'name'), 5);
    expect(r.total).toBe(MOBILES.length + 2);
    const every = await dir.search([{ kind: 'name', words: [] }], 5);
    expect(every.total).toBeGreaterThan(1000);
    expect(every.totalIsLowerBound).toBe(false);
    expect(every.limitedByDirectory).toBeUndefined();
  });

  it('the dashboards\' scan reads every account past MaxPageSize, each once, not partial', async () => {
    const seen: string[] = [];
    let partial = false;
    const n = await dir.scanAccounts((a) => seen.push(a.dn.toLowerCase()), () => undefined, new AbortController().signal, () => (partial = true));
    expect(partial).toBe(false);
    expect(n).toBe(seen.length);
    expect(new Set(seen).size).toBe(n);
    // The generated people, the mobiles' accounts, the two bracket names — and the domain's own users (Administrator, the service account…).
    expect(n).toBeGreaterThanOrEqual(people.length + MOBILES.length + 2);
    for (const sam of ['gen00000', `gen${String(people.length - 1).padStart(5, '0')}`, 'nv(1)', ...MOBILES.map(([s]) => s)]) {
      expect(seen).toContain(ad.userDn(sam).toLowerCase());
    }
  });

  it.each(MOBILES)('%s (mobile stored as %s) is found by every spelling', async (sam, stored, national) => {
    const sub = national.slice(1);
    for (const q of [national, `84${sub}`, `+84${sub}`, `${national.slice(0, 4)}.${national.slice(4, 7)}.${national.slice(7)}`, stored]) {
      expect(await usernames(q, 'phone'), q).toEqual([sam]);
    }
  });

  it('a sAMAccountName with parentheses is found exactly; nothing widens', async () => {
    expect(await usernames('nv(1)')).toEqual(['nv(1)']);
    expect(await usernames('NV(1)', 'username')).toEqual(['nv(1)']);
    expect(await usernames('nv*', 'username')).toEqual([]);
    expect(await usernames('*', 'username')).toEqual([]);
  });
});

describe('the search index on a stock Samba AD DC (issue #15)', () => {
  it('is built from every account, counts every true match, and follows AD: a rename by uSNChanged, a deletion never shown', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'helpdesk-index-ad-'));
    const profile = { ...directoryDefaults('active-directory'), url: ad.ldapsUrl, caCertificate: ad.caPem, baseDn: ad.baseDn, serviceBindDn: ad.serviceDn, timeoutMs: 30_000 };
    let index: SqliteSearchIndex | null = null;
    const keeper = createIndexKeeper({ clock: { now: () => new Date() }, directory: async () => dir, profile: () => profile, openIndex: async () => (index = new SqliteSearchIndex(join(dataDir, 'i.sqlite'), randomBytes(32))) });
    const admin = new Client({ url: ad.ldapsUrl, timeout: 30_000, tlsOptions: { ca: ad.caPem } });
    try {
      await admin.bind(ad.adminDn, ad.adminPassword);
      const state = await keeper.refresh();
      expect(state!.partial).toBe(false);
      expect(state!.mark).toMatch(/^\d+$/u);
      const seen: string[] = [];
      await dir.scanAccounts((a) => seen.push(a.dn), () => undefined, new AbortController().signal);
      expect(state!.accounts).toBe(seen.length);

      const names = [...people.map((p) => p.displayName), ...MOBILES.map(([sam]) => `Kiểm Thử ${sam}`), 'Kiểm Thử Ngoặc', 'Kiểm Thử Không Ngoặc'];
      for (const q of ['nguyen van', 'tran thi', 'kiem thu', 'an']) {
        const words = (parseSearchQuery(q, 'name')[0] as { words: string[] }).words;
        const r = await keeper.search(parseSearchQuery(q, 'name'), q, 50);
        expect(r!.total, q).toBe(names.filter((n) => nameMatches(n, words)).length);
      }
      // A mobile in any punctuation, from the index.
      expect((await keeper.search(parseSearchQuery('0938123462'), '0938123462', 5))!.accounts.map((a) => a.username)).toEqual(['adspace']);

      // Rename: a new CN (DN) and a new display name; found by the new name after the next delta, same key.
      await admin.modifyDN(ad.userDn('gen00001'), 'CN=gen00001b');
      const moved = ad.userDn('gen00001').replace('CN=gen00001,', 'CN=gen00001b,');
      await admin.modify(moved, [new Change({ operation: 'replace', modification: new Attribute({ type: 'displayName', values: ['Mạc Đăng Dung'] }) })]);
      const held = (await index!.keys()).size;
      await keeper.refresh();
      const r = await keeper.search(parseSearchQuery('mac dang dung', 'name'), 'mac dang dung', 5);
      expect(r!.accounts.map((a) => a.dn.toLowerCase())).toEqual([moved.toLowerCase()]);
      expect((await index!.keys()).size).toBe(held);

      // Deleted: never shown, before any delta or sweep; the sweep removes it from the index as well.
      await admin.del(moved);
      expect((await keeper.search(parseSearchQuery('mac dang dung', 'name'), 'mac dang dung', 5))!.accounts).toEqual([]);
      await admin.del(ad.userDn('gen00002'));
      await keeper.sweep();
      expect((await index!.keys()).size).toBe(held - 2);
    } finally {
      keeper.reset();
      await admin.unbind().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
