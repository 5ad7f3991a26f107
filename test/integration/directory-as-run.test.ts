import { Client, SizeLimitExceededError } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { criteriaFilter, withUserFilter } from '../../src-main/adapters/ldap/filters';
import { LdapDirectory } from '../../src-main/adapters/ldap/ldap-directory';
import { nameMatches, parseSearchQuery } from '../../src-main/domain/search-query';
import { generateDirectoryLdif } from '../../scripts/training-data';
import { type SlapdHandle, startSlapd, trainingProfile } from '../helpers/slapd';

// Issue #15, "directories as they are", on a STOCK slapd: no `limits` line for the service account, so
// the default `sizelimit 500` caps every search, paged ones included (500 entries in all).
const BASE = 'dc=daotao,dc=gov,dc=vn';
const COUNT = 1500;
const PEOPLE = `ou=people,${BASE}`;

function person(rdnUid: string, uid: string, extra: string[] = []): string {
  return [`dn: uid=${rdnUid},${PEOPLE}`, 'objectClass: inetOrgPerson', `uid: ${uid}`, `cn: Test ${uid}`, 'sn: Test', `displayName: Kiểm Thử ${uid}`, ...extra, ''].join('\n');
}

/** uids with LDAP filter and DN special characters, and the neighbours a widened search would reach. */
const SPECIAL: [rdn: string, uid: string][] = [
  ['nv(1)', 'nv(1)'],
  ['a\\+b', 'a+b'],
  ['a\\,b', 'a,b'],
  ['x*y', 'x*y'],
  ['back\\\\slash', 'back\\slash'],
];
const NEIGHBOURS = ['nv1', 'nv(1)x', 'a', 'b', 'ab', 'xay', 'xzy', 'x', 'y', 'xy', 'backslash'];

/** One mobile per entry, each stored in another punctuation; and decoys the digit-wise substring match lets through. */
const MOBILES: [uid: string, stored: string, national: string][] = [
  ['dot1', '0938.123.451', '0938123451'],
  ['space1', '0938 123 452', '0938123452'],
  ['dash1', '0938-123-453', '0938123453'],
  ['plus1', '+84 938 123 454', '0938123454'],
  ['plusdot1', '+84.938.123.455', '0938123455'],
  ['dot334', '093.812.3456', '0938123456'],
  // Unusual groupings and separators: no usual form is equal to them, the wider reading finds them.
  ['dot4222', '0938.12.34.57', '0938123457'],
  ['dot22', '09.38.12.34.58', '0938123458'],
];
const DECOYS: [uid: string, stored: string][] = [
  ['decoy1', '0993.812.3451'], // 9,3,8,1,2,3,4,5,1 in order, but another (invalid) number
  ['decoy2', '0938.123.4510'], // 11 digits
  ['decoy3', '0938.123.45'], // too short
];

const LDIF = [
  generateDirectoryLdif({ baseDn: BASE, count: COUNT }),
  ...SPECIAL.map(([rdn, uid]) => person(rdn, uid)),
  ...NEIGHBOURS.map((uid) => person(uid, uid)),
  ...MOBILES.map(([uid, stored]) => person(uid, uid, [`mobile: ${stored}`])),
  ...DECOYS.map(([uid, stored]) => person(uid, uid, [`mobile: ${stored}`])),
].join('\n');

let slapd: SlapdHandle;
let dir: LdapDirectory;

beforeAll(async () => {
  slapd = await startSlapd({ baseDn: BASE, ldif: LDIF, limits: 'stock', quick: true });
  dir = new LdapDirectory({ ...trainingProfile(slapd, BASE), timeoutMs: 20_000 }, slapd.servicePassword);
});

afterAll(async () => {
  await dir?.close();
  await slapd?.stop();
});

async function usernames(query: string, kind?: Parameters<typeof parseSearchQuery>[1]): Promise<string[]> {
  const r = await dir.search(parseSearchQuery(query, kind), 50);
  return r.accounts.map((a) => a.username).sort();
}

/** Every account's display name, read as the root DN (no limits). */
async function allNames(): Promise<string[]> {
  const c = new Client({ url: slapd.url, timeout: 20_000 });
  try {
    await c.bind(slapd.rootDn, slapd.rootPassword);
    const { searchEntries } = await c.search(BASE, { scope: 'sub', filter: '(objectClass=inetOrgPerson)', attributes: ['displayName'] });
    return searchEntries.map((e) => String(e.displayName));
  } finally {
    await c.unbind().catch(() => undefined);
  }
}

/** Every account's DN under the user filter, read as the root DN (no limits). */
async function allDns(): Promise<string[]> {
  const c = new Client({ url: slapd.url, timeout: 20_000 });
  try {
    await c.bind(slapd.rootDn, slapd.rootPassword);
    const { searchEntries } = await c.search(BASE, { scope: 'sub', filter: trainingProfile(slapd, BASE).userFilter, attributes: ['1.1'] });
    return searchEntries.map((e) => e.dn);
  } finally {
    await c.unbind().catch(() => undefined);
  }
}

describe('a stock slapd (sizelimit 500, no limits for the service account), > 1,000 accounts', () => {
  it('is really stock: a plain paged read by the service account is cut with sizeLimitExceeded', async () => {
    expect((await allNames()).length).toBeGreaterThan(COUNT);
    const c = new Client({ url: slapd.url, timeout: 20_000 });
    try {
      await c.bind(slapd.serviceDn, slapd.servicePassword);
      await expect(c.search(BASE, { scope: 'sub', filter: '(objectClass=inetOrgPerson)', attributes: ['uid'], paged: { pageSize: 200 } })).rejects.toBeInstanceOf(
        SizeLimitExceededError,
      );
    } finally {
      await c.unbind().catch(() => undefined);
    }
  });

  it.each(['nguyen', 'nguyen van', 'ng', 'an', 'thi'])('a broad name query (%s) gives results, never an error; the count says when it is a lower bound', async (query) => {
    const criteria = parseSearchQuery(query);
    const name = criteria.find((c) => c.kind === 'name');
    const words = name?.kind === 'name' ? name.words : [];
    const truth = (await allNames()).filter((n) => nameMatches(n, words)).length;
    expect(truth).toBeGreaterThan(0);

    const r = await dir.search(criteria, 50);
    expect(r.accounts.length).toBeGreaterThan(0);
    expect(r.accounts.length).toBeLessThanOrEqual(50);
    for (const a of r.accounts) expect(nameMatches(a.displayName, words) || a.username === query).toBe(true);
    if (r.totalIsLowerBound) {
      expect(r.total).toBeLessThanOrEqual(truth);
    } else {
      expect(r.limitedByDirectory).toBeUndefined();
      expect(r.total).toBe(truth);
    }
    // Cut by the server's limit: said so, and it is a lower bound.
    if (r.limitedByDirectory) expect(r.totalIsLowerBound).toBe(true);
    // A partial count is never shown as the whole.
    if (r.total < truth) expect(r.totalIsLowerBound).toBe(true);
  });

  it('the server limit really cuts the broadest query, and the answer keeps the entries of the page it was cut in', async () => {
    const criteria = parseSearchQuery('ng', 'name');
    const r = await dir.search(criteria, 500);
    expect(r.limitedByDirectory).toBe(true);
    expect(r.totalIsLowerBound).toBe(true);
    // The same filter as the root DN sees it, first 500 entries (the server's order): the matches among
    // all 500, not only among the 400 of the two whole pages of 200 before the cut.
    const profile = trainingProfile(slapd, BASE);
    const c = new Client({ url: slapd.url, timeout: 20_000 });
    try {
      await c.bind(slapd.rootDn, slapd.rootPassword);
      const filter = withUserFilter(profile.userFilter, criteriaFilter(criteria, profile.attributes)!);
      const { searchEntries } = await c.search(BASE, { scope: 'sub', filter, sizeLimit: 500, attributes: ['displayName'] });
      expect(searchEntries).toHaveLength(500);
      const words = ['ng'];
      const all = searchEntries.filter((e) => nameMatches(String(e.displayName), words)).length;
      const firstPages = searchEntries.slice(0, 400).filter((e) => nameMatches(String(e.displayName), words)).length;
      expect(all).toBeGreaterThan(firstPages);
      expect(r.total).toBe(all);
      expect(r.accounts).toHaveLength(all);
    } finally {
      await c.unbind().catch(() => undefined);
    }
  });

  it('a precise query on the same server is complete and not labelled partial', async () => {
    const r = await dir.search(parseSearchQuery('annv'), 50);
    expect(r.accounts.map((a) => a.username)).toEqual(['annv']);
    expect(r.totalIsLowerBound).toBe(false);
    expect(r.limitedByDirectory).toBeUndefined();
  });
});

describe('the dashboards\' scan on a stock slapd (issue #15)', () => {
  it('reads every account past the 500 limit, each once, split into searches within the limit — not partial, no error', async () => {
    const all = await allDns();
    expect(all.length).toBeGreaterThan(COUNT);
    const seen: string[] = [];
    const pages: number[] = [];
    let partial = false;
    const n = await dir.scanAccounts((a) => seen.push(a.dn.toLowerCase()), (k) => pages.push(k), new AbortController().signal, () => (partial = true));
    expect(partial).toBe(false);
    expect(n).toBe(all.length);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(all.map((d) => d.toLowerCase()).sort());
    expect(pages.at(-1)).toBe(n);
  });

  it('operators\' searches during the scan work, two at once as well, and the scan goes on (one paged search per connection)', async () => {
    const all = await allDns();
    const searches: Promise<number>[] = [];
    const n = await dir.scanAccounts(
      () => undefined,
      () => {
        if (searches.length < 3) searches.push(dir.search(parseSearchQuery('nguyen', 'name'), 50).then((r) => r.accounts.length));
      },
      new AbortController().signal,
    );
    expect(n).toBe(all.length);
    for (const found of await Promise.all(searches)) expect(found).toBeGreaterThan(0);
  });
});

describe('mobiles stored with punctuation', () => {
  it.each(MOBILES)('%s (stored as %s) is found by every spelling of the number', async (uid, stored, national) => {
    const sub = national.slice(1);
    const dotted = `${national.slice(0, 4)}.${national.slice(4, 7)}.${national.slice(7)}`;
    for (const q of [national, `84${sub}`, `+84${sub}`, dotted, `+84 ${sub.slice(0, 3)} ${sub.slice(3, 6)} ${sub.slice(6)}`, stored]) {
      expect(await usernames(q, 'phone'), q).toEqual([uid]);
      expect(await usernames(q), `${q} (auto)`).toEqual([uid]);
    }
  });

  it('the decoys the substring match lets through are dropped: exactly that number', async () => {
    const r = await dir.search(parseSearchQuery('0938123451', 'phone'), 50);
    expect(r.accounts.map((a) => a.username)).toEqual(['dot1']);
    expect(r.total).toBe(1);
  });

  it('the training fixtures (plain, +84, spaced) are still found', async () => {
    expect(await usernames('0912.345.698', 'phone')).toEqual(['annv']);
    expect(await usernames('0987.654.321', 'phone')).toEqual(['binhtt']);
    expect(await usernames('0903-111-222', 'phone')).toEqual(['dungpq']);
  });
});

describe('usernames with LDAP special characters', () => {
  it.each(SPECIAL)('%s is found exactly, as a username and in auto mode, and opened by its DN', async (_rdn, uid) => {
    expect(await usernames(uid, 'username')).toEqual([uid]);
    expect(await usernames(uid)).toEqual([uid]);
    expect(await usernames(uid.toUpperCase(), 'username')).toEqual([uid]);
    const [found] = (await dir.search(parseSearchQuery(uid, 'username'), 5)).accounts;
    expect((await dir.getAccount(found!.dn)).username).toBe(uid);
  });

  it('nothing widens: a * is a character, ( ) + , \\ are characters', async () => {
    expect(await usernames('x*y')).toEqual(['x*y']);
    expect(await usernames('*', 'username')).toEqual([]);
    expect(await usernames('*')).toEqual([]);
    expect(await usernames('x*', 'username')).toEqual([]);
    expect(await usernames('*)(uid=*')).toEqual([]);
    expect(await usernames('nv(1)')).toEqual(['nv(1)']);
    expect(await usernames('a+b')).toEqual(['a+b']);
    expect(await usernames('a,b')).toEqual(['a,b']);
    expect(await usernames('back\\slash')).toEqual(['back\\slash']);
    expect(await usernames('back\\5cslash', 'username')).toEqual([]);
  });
});
