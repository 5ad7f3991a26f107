import { execFile } from 'node:child_process';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LdapDirectory } from '../../src-main/adapters/ldap/ldap-directory';
import { startTrainingDirectory, type TrainingDirectory } from '../../src-main/adapters/training/training-directory';
import { directoryDefaults, type DirectorySettings } from '../../src-main/common/settings';
import { backupEmailContact, mobileContact } from '../../src-main/domain/contacts';
import { createDashboardTally } from '../../src-main/domain/dashboard';
import { type DashboardCounts, type DirectoryDashboard, NO_UNIT } from '../../src-main/common/dto';
import { HelpdeskError } from '../../src-main/domain/errors';
import { DISABLED_LOCK_TIME, generateDirectoryLdif, TRAINING_FIXTURES, TRAINING_OPERATORS, TRAINING_REFERENCE_DATE } from '../../scripts/training-data';
import { type SlapdHandle, startSlapd } from '../helpers/slapd';

/** Every account under the base: 3000 generated, the fixtures, the sample operators, 3 hand-made. */
const TOTAL = 3000 + TRAINING_FIXTURES.length + TRAINING_OPERATORS.length + 3;

const BASE = 'dc=daotao,dc=gov,dc=vn';
const PEOPLE = `ou=people,${BASE}`;
const NOW = new Date(TRAINING_REFERENCE_DATE);
/** pwdMaxAge of the generated default policy. */
const MAX_AGE_SECONDS = 15_552_000;
const PAGE_SIZE = 200;
const USER = '(objectClass=inetOrgPerson)';

/**
 * Hand-made accounts on top of the generated ones: without a unit (the no-unit bucket), and with
 * contacts that are stored but not usable (a landline, a backup e-mail equal to the own mail, text
 * that is no e-mail), which the generator does not write.
 */
const EXTRA_LDIF = [
  [
    `dn: uid=khongdonvi.a,${PEOPLE}`,
    'objectClass: inetOrgPerson',
    'objectClass: hdAccount',
    'uid: khongdonvi.a',
    'cn: Khong Don Vi A',
    'sn: A',
    'mail: khongdonvi.a@daotao.gov.vn',
    'mobile: 0912000111',
    'hdRecoveryEmail: KhongDonVi.A@daotao.gov.vn',
    'pwdChangedTime: 20260101000000Z',
    'pwdAccountLockedTime: 20261119000000Z',
  ],
  [
    `dn: uid=khongdonvi.b,${PEOPLE}`,
    'objectClass: inetOrgPerson',
    'objectClass: hdAccount',
    'uid: khongdonvi.b',
    'cn: Khong Don Vi B',
    'sn: B',
    'mail: khongdonvi.b@daotao.gov.vn',
    'mobile: 028 3822 1234',
    'hdRecoveryEmail: khong-phai-email',
    'pwdChangedTime: 20261101000000Z',
    'pwdReset: TRUE',
  ],
  [
    `dn: uid=khongdonvi.c,${PEOPLE}`,
    'objectClass: inetOrgPerson',
    'uid: khongdonvi.c',
    'cn: Khong Don Vi C',
    'sn: C',
    `pwdAccountLockedTime: ${DISABLED_LOCK_TIME}`,
  ],
]
  .map((lines) => lines.join('\n'))
  .join('\n\n');

const LDIF = `${generateDirectoryLdif({ baseDn: BASE, count: 3000 })}\n${EXTRA_LDIF}\n`;

let slapd: SlapdHandle;

function profile(url: string, serviceDn: string, policyDn: string): DirectorySettings {
  return {
    ...directoryDefaults('openldap'),
    url,
    baseDn: BASE,
    serviceBindDn: serviceDn,
    passwordPolicyDn: policyDn,
    pageSize: PAGE_SIZE,
    timeoutMs: 10_000,
    connectTimeoutMs: 2000,
  };
}

function slapdDirectory(): LdapDirectory {
  return new LdapDirectory(profile(slapd.url, slapd.serviceDn, slapd.policyDn), slapd.servicePassword);
}

async function tallyOf(directory: LdapDirectory): Promise<{ dashboard: DirectoryDashboard; scanned: number }> {
  const tally = createDashboardTally(NOW);
  const scanned = await directory.scanAccounts((a) => tally.add(a), () => undefined, new AbortController().signal);
  return { dashboard: tally.result(), scanned };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (e) {
    return e instanceof HelpdeskError ? e.code : `not a HelpdeskError: ${String(e)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// The reference: the ldapsearch CLI, bound as the root DN (no ACLs, no size limits)

type CliEntry = Map<string, string[]>;

/** Entries matching `(&USER filter)`, with the named attributes, as printed by ldapsearch -LLL. */
async function ldapsearch(filter: string, attributes: string[]): Promise<CliEntry[]> {
  const { stdout } = await promisify(execFile)(
    'ldapsearch',
    ['-x', '-H', slapd.url, '-D', slapd.rootDn, '-w', slapd.rootPassword, '-b', BASE, '-LLL', '-o', 'ldif-wrap=no', '-E', 'pr=500/noprompt', `(&${USER}${filter})`, ...attributes],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const entries: CliEntry[] = [];
  for (const block of stdout.split(/\n\n+/u)) {
    const entry: CliEntry = new Map();
    for (const line of block.split('\n')) {
      const m = /^([A-Za-z0-9;-]+)(::?) ?(.*)$/u.exec(line);
      if (!m) continue;
      const value = m[2] === '::' ? Buffer.from(m[3]!, 'base64').toString('utf8') : m[3]!;
      const name = m[1]!.toLowerCase();
      entry.set(name, [...(entry.get(name) ?? []), value]);
    }
    if (entry.has('dn')) entries.push(entry);
  }
  return entries;
}

const unitOf = (e: CliEntry): string => e.get('ou')?.[0] ?? NO_UNIT;

/** Entries per unit (the first `ou` value, as the adapter reads it). */
function perUnit(entries: CliEntry[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of entries) out.set(unitOf(e), (out.get(unitOf(e)) ?? 0) + 1);
  return out;
}

const usableMobile = (e: CliEntry): boolean => mobileContact(e.get('mobile') ?? []).status === 'present';
const usableBackup = (e: CliEntry): boolean => backupEmailContact(e.get('hdrecoveryemail') ?? [], e.get('mail')?.[0] ?? null).status === 'present';

/** GeneralizedTime of a date, whole seconds. */
function generalized(d: Date): string {
  return d.toISOString().replace(/[-:T]/gu, '').replace(/\.\d{3}/u, '');
}

/**
 * The dashboard counters as ldapsearch gives them. Every criterion is an LDAP filter evaluated by
 * slapd, except "usable" contacts: a stored value that the domain's rule rejects (the landline above)
 * is counted from the values ldapsearch printed.
 */
async function referenceCounts(): Promise<{ units: Map<string, DashboardCounts>; unusable: { mobile: number; backup: number } }> {
  const expiredBefore = generalized(new Date(NOW.getTime() - MAX_AGE_SECONDS * 1000));
  const counted = async (filter: string): Promise<Map<string, number>> => perUnit(await ldapsearch(filter, ['ou']));
  const [all, locked, disabled, mustChange, neverChanged, expired, noMobileStored, withMobile, noBackupStored, withBackup, noContactStored, withContact] =
    await Promise.all([
      counted(''),
      counted(`(pwdAccountLockedTime=*)(!(pwdAccountLockedTime=${DISABLED_LOCK_TIME}))`),
      counted(`(pwdAccountLockedTime=${DISABLED_LOCK_TIME})`),
      counted('(pwdReset=TRUE)'),
      // The adapter falls back to createTimestamp when pwdChangedTime is absent.
      counted('(!(pwdChangedTime=*))(!(createTimestamp=*))'),
      counted(`(|(pwdChangedTime<=${expiredBefore})(&(!(pwdChangedTime=*))(createTimestamp<=${expiredBefore})))`),
      counted('(!(mobile=*))'),
      ldapsearch('(mobile=*)', ['ou', 'mobile']),
      counted('(!(hdRecoveryEmail=*))'),
      ldapsearch('(hdRecoveryEmail=*)', ['ou', 'mail', 'hdRecoveryEmail']),
      counted('(!(mobile=*))(!(hdRecoveryEmail=*))'),
      ldapsearch('(|(mobile=*)(hdRecoveryEmail=*))', ['ou', 'mail', 'mobile', 'hdRecoveryEmail']),
    ]);
  const unusableMobile = withMobile.filter((e) => !usableMobile(e));
  const unusableBackup = withBackup.filter((e) => !usableBackup(e));
  const noMobile = perUnit(unusableMobile);
  const noBackup = perUnit(unusableBackup);
  const noContact = perUnit(withContact.filter((e) => !usableMobile(e) && !usableBackup(e)));
  const n = (m: Map<string, number>, unit: string, plus?: Map<string, number>): number => (m.get(unit) ?? 0) + (plus?.get(unit) ?? 0);
  const units = new Map<string, DashboardCounts>();
  for (const unit of all.keys()) {
    units.set(unit, {
      accounts: n(all, unit),
      noMobile: n(noMobileStored, unit, noMobile),
      noBackupEmail: n(noBackupStored, unit, noBackup),
      noContact: n(noContactStored, unit, noContact),
      locked: n(locked, unit),
      disabled: n(disabled, unit),
      mustChangePassword: n(mustChange, unit),
      passwordNeverChanged: n(neverChanged, unit),
      passwordExpired: n(expired, unit),
    });
  }
  return { units, unusable: { mobile: unusableMobile.length, backup: unusableBackup.length } };
}

function sum(rows: DashboardCounts[]): DashboardCounts {
  const out = { ...rows[0]! };
  for (const key of Object.keys(out) as (keyof DashboardCounts)[]) out[key] = rows.reduce((s, r) => s + r[key], 0);
  return out;
}

beforeAll(async () => {
  slapd = await startSlapd({ baseDn: BASE, ldif: LDIF, quick: true });
});

afterAll(async () => {
  await slapd?.stop();
});

describe('directory dashboards: a full scan against slapd', () => {
  let scan: { dashboard: DirectoryDashboard; scanned: number };
  let reference: Awaited<ReturnType<typeof referenceCounts>>;

  beforeAll(async () => {
    const directory = slapdDirectory();
    try {
      scan = await tallyOf(directory);
    } finally {
      await directory.close();
    }
    reference = await referenceCounts();
  });

  it('counts every account under the base, once', () => {
    // 3000 generated + the fixtures + the sample operators + 3 hand-made
    expect(scan.scanned).toBe(TOTAL);
    expect(scan.dashboard.totals.accounts).toBe(TOTAL);
  });

  it('gives per unit what ldapsearch counts for the same criteria', () => {
    const got = new Map(scan.dashboard.units.map(({ unit, ...counts }) => [unit, counts]));
    expect(got).toEqual(reference.units);
    expect(got.size).toBe(11); // ten units and the no-unit bucket
    expect(got.get(NO_UNIT)).toMatchObject({ accounts: 3, noMobile: 2, noBackupEmail: 3, noContact: 2, locked: 1, disabled: 1, mustChangePassword: 1 });
  });

  it('gives overall what ldapsearch counts, and the data exercises every criterion', () => {
    const totals = scan.dashboard.totals;
    expect(totals).toEqual(sum([...reference.units.values()]));
    for (const key of ['noMobile', 'noBackupEmail', 'noContact', 'locked', 'disabled', 'mustChangePassword', 'passwordExpired'] as const) {
      expect(totals[key], key).toBeGreaterThan(0);
    }
    // On OpenLDAP every entry has a createTimestamp to fall back on.
    expect(totals.passwordNeverChanged).toBe(0);
    expect(reference.unusable.mobile).toBe(1); // the landline: every generated mobile is a valid one
    expect(reference.unusable.backup).toBe(2);
  });

  it('lists the locked accounts newest first, as ldapsearch finds them', async () => {
    const cli = await ldapsearch(`(pwdAccountLockedTime=*)(!(pwdAccountLockedTime=${DISABLED_LOCK_TIME}))`, ['pwdAccountLockedTime']);
    const expected = cli
      .map((e) => ({ dn: e.get('dn')![0]!, at: e.get('pwdaccountlockedtime')![0]! }))
      .sort((x, y) => (x.at === y.at ? (x.dn < y.dn ? -1 : 1) : x.at < y.at ? 1 : -1));
    const list = scan.dashboard.lockedAccounts;
    expect(list.map((r) => r.dn)).toEqual(expected.map((e) => e.dn));
    expect(list.map((r) => generalized(new Date(r.lockedAt!)))).toEqual(expected.map((e) => e.at));
    expect(scan.dashboard.lockedListCapped).toBe(false);
    expect(list.find((r) => r.username === 'khongdonvi.a')).toMatchObject({ unit: null, lockedAt: '2026-11-19T00:00:00.000Z' });
  });
});

describe('directory dashboards: paging, progress and abort', () => {
  it('reports each page with a growing count that reaches the total, after the page was visited', async () => {
    const directory = slapdDirectory();
    try {
      let visited = 0;
      const pages: number[] = [];
      const total = await directory.scanAccounts(
        () => void visited++,
        (scanned) => {
          expect(scanned).toBe(visited);
          pages.push(scanned);
        },
        new AbortController().signal,
      );
      expect(total).toBe(TOTAL);
      expect(pages).toHaveLength(Math.ceil(TOTAL / PAGE_SIZE));
      expect(pages.at(-1)).toBe(total);
      pages.forEach((scanned, i) => expect(scanned).toBe(Math.min((i + 1) * PAGE_SIZE, total)));
    } finally {
      await directory.close();
    }
  });

  it('reads the policy once for the whole scan, with one paged search', async () => {
    const directory = slapdDirectory();
    const search = vi.spyOn(Client.prototype, 'search');
    const paged = vi.spyOn(Client.prototype, 'searchPaginated');
    try {
      expect((await tallyOf(directory)).scanned).toBe(TOTAL);
      expect(paged).toHaveBeenCalledTimes(1);
      expect(search.mock.calls.map((c) => c[0])).toEqual([slapd.policyDn]);
    } finally {
      search.mockRestore();
      paged.mockRestore();
      await directory.close();
    }
  });

  it('stops with ABORTED after the page during which it was aborted, and the directory still works', async () => {
    const directory = slapdDirectory();
    // Counts the pages the server was asked for.
    let pagesFetched = 0;
    const original = Client.prototype.searchPaginated;
    const paged = vi.spyOn(Client.prototype, 'searchPaginated').mockImplementation(async function* (this: Client, ...args: Parameters<Client['searchPaginated']>) {
      for await (const page of original.apply(this, args)) {
        pagesFetched++;
        yield page;
      }
    });
    try {
      const controller = new AbortController();
      let visited = 0;
      const pages: number[] = [];
      const scanning = directory.scanAccounts(
        () => void visited++,
        (scanned) => {
          pages.push(scanned);
          controller.abort();
        },
        controller.signal,
      );
      expect(await codeOf(scanning)).toBe('ABORTED');
      expect(pages).toEqual([PAGE_SIZE]);
      expect(visited).toBe(PAGE_SIZE);
      expect(pagesFetched).toBe(1);

      // Aborted from inside visit: not one account more.
      const midPage = new AbortController();
      let seen = 0;
      const stopped = directory.scanAccounts(
        () => {
          if (++seen === 50) midPage.abort();
        },
        () => undefined,
        midPage.signal,
      );
      expect(await codeOf(stopped)).toBe('ABORTED');
      expect(seen).toBe(50);

      let none = 0;
      expect(await codeOf(directory.scanAccounts(() => void none++, () => undefined, AbortSignal.abort()))).toBe('ABORTED');
      expect(none).toBe(0);

      expect((await tallyOf(directory)).scanned).toBe(TOTAL);
    } finally {
      paged.mockRestore();
      await directory.close();
    }
  });

  it('does not start over when the connection drops mid-scan: no account is handed out twice', async () => {
    const live: Socket[] = [];
    const relay: Server = createServer((client) => {
      const upstream = connect(Number(new URL(slapd.url).port), '127.0.0.1');
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      live.push(client, upstream);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const url = `ldap://127.0.0.1:${(relay.address() as AddressInfo).port}`;
    const directory = new LdapDirectory(profile(url, slapd.serviceDn, slapd.policyDn), slapd.servicePassword);
    try {
      let visited = 0;
      const pages: number[] = [];
      const scanning = directory.scanAccounts(
        () => void visited++,
        (scanned) => {
          pages.push(scanned);
          if (pages.length === 1) for (const s of live) s.destroy();
        },
        new AbortController().signal,
      );
      expect(await codeOf(scanning)).toBe('DIRECTORY_UNREACHABLE');
      expect(pages).toEqual([PAGE_SIZE]);
      expect(visited).toBe(PAGE_SIZE);
      // A new scan reconnects.
      expect((await tallyOf(directory)).scanned).toBe(TOTAL);
    } finally {
      await directory.close();
      for (const s of live) s.destroy();
      await new Promise((r) => relay.close(r));
    }
  });

  it('maps a directory error like the other reads', async () => {
    const directory = new LdapDirectory({ ...profile(slapd.url, slapd.serviceDn, slapd.policyDn), baseDn: `ou=nowhere,${BASE}` }, slapd.servicePassword);
    try {
      expect(await codeOf(directory.scanAccounts(() => undefined, () => undefined, new AbortController().signal))).toBe('DIRECTORY_BASE_DN');
    } finally {
      await directory.close();
    }
  });
});

describe('directory dashboards: the training directory', () => {
  let training: TrainingDirectory;

  beforeAll(async () => {
    training = await startTrainingDirectory({ ldif: LDIF, baseDn: BASE, now: () => NOW });
  });

  afterAll(async () => {
    await training?.close();
  });

  it('gives the same dashboards as slapd for the same LDIF', async () => {
    const fromTraining = new LdapDirectory(profile(training.url, training.serviceDn, training.policyDn), training.servicePassword);
    const fromSlapd = slapdDirectory();
    try {
      const [t, s] = await Promise.all([tallyOf(fromTraining), tallyOf(fromSlapd)]);
      expect(t.scanned).toBe(TOTAL);
      expect(t.dashboard).toEqual(s.dashboard);
    } finally {
      await fromTraining.close();
      await fromSlapd.close();
    }
  });
});
