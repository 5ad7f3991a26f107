import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  AndFilter,
  Attribute,
  Ber,
  BerWriter,
  Change,
  Client,
  type ClientOptions,
  Control,
  type Entry,
  EqualityFilter,
  InsufficientAccessError,
  InvalidCredentialsError,
  NoSuchObjectError,
  NotFilter,
  OrFilter,
  PagedResultsControl,
  PresenceFilter,
  ProtocolError,
  SubstringFilter,
  TypeOrValueExistsError,
  NoSuchAttributeError,
} from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_TRAINING_BASE_DN,
  sshaHash,
  startTrainingDirectory,
  type TrainingDirectory,
} from '../../src-main/adapters/training/training-directory';
import { LdapDirectory } from '../../src-main/adapters/ldap/ldap-directory';
import { directoryDefaults } from '../../src-main/common/settings';
import { HelpdeskError } from '../../src-main/domain/errors';
import { parseSearchQuery } from '../../src-main/domain/search-query';
import { TRAINING_OPERATOR_PASSWORD } from '../../scripts/training-data';
import { freePort } from '../helpers/free-port';

const BASE = DEFAULT_TRAINING_BASE_DN;
const PEOPLE = `ou=people,${BASE}`;
const GENERATED = 320;

const AN_DN = `uid=annv,${PEOPLE}`;
const AN_PASSWORD = 'An-Correct-Horse-1';
const BOB_DN = `uid=bob,${PEOPLE}`;
const BOB_PASSWORD = 'Bob-Battery-Staple-2';
const VICTIM_DN = `uid=victim,${PEOPLE}`;
const VICTIM_PASSWORD = 'Victim-Pass-3';
const LOCKED_DN = `uid=locked,${PEOPLE}`;
const LOCKED_PASSWORD = 'Locked-Pass-4';
const PLAIN_DN = `uid=plain,${PEOPLE}`;
const PLAIN_PASSWORD = 'Plain-Pass-5';
const AN_NAME = 'Nguyễn Văn An';
/** An entry named by a UTF-8 RDN, written as `dn::` base64 in the LDIF. */
const BINH_DN = `cn=Trần Thị Bình,${PEOPLE}`;

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function ssha512(password: string): string {
  const salt = randomBytes(16);
  const digest = createHash('sha512').update(password, 'utf8').update(salt).digest();
  return `{SSHA512}${Buffer.concat([digest, salt]).toString('base64')}`;
}

function generatedPeople(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(3, '0');
    return [
      `dn: uid=user${n},${PEOPLE}`,
      'objectClass: top',
      'objectClass: inetOrgPerson',
      `uid: user${n}`,
      `cn: User ${n}`,
      'sn: User',
      `mail: user${n}@daotao.gov.vn`,
    ].join('\n');
  });
}

function buildLdif(): string {
  const records = [
    '# Training directory fixture for the integration test\nversion: 1',
    [`dn: ${BASE}`, 'objectClass: top', 'objectClass: dcObject', 'objectClass: organization', 'dc: daotao', `o:: ${b64('Cổng đào tạo')}`].join('\n'),
    [`dn: ${PEOPLE}`, 'objectClass: organizationalUnit', 'ou: people'].join('\n'),
    [`dn: ou=policies,${BASE}`, 'objectClass: organizationalUnit', 'ou: policies'].join('\n'),
    [
      `dn: cn=default,ou=policies,${BASE}`,
      'objectClass: top',
      'objectClass: device',
      'objectClass: pwdPolicy',
      'cn: default',
      'pwdAttribute: userPassword',
      'pwdMaxAge: 15552000',
      'pwdExpireWarning: 1209600',
      'pwdLockout: TRUE',
      'pwdMaxFailure: 3',
      'pwdLockoutDuration: 0',
    ].join('\n'),
    [
      `dn: ${AN_DN}`,
      'objectClass: top',
      'objectClass: inetOrgPerson',
      'objectClass: hdAccount',
      'uid: annv',
      `cn:: ${b64(AN_NAME)}`,
      `sn:: ${b64('Nguyễn')}`,
      'mail: annv@daotao.gov.vn',
      'mobile: 0912 345 678',
      'hdCitizenId: 079088001234',
      `userPassword: ${sshaHash(AN_PASSWORD)}`,
      'pwdChangedTime: 20260901000000Z',
    ].join('\n'),
    [`dn: ${BOB_DN}`, 'objectClass: inetOrgPerson', 'uid: bob', 'cn: Bob Tran', 'sn: Tran', `userPassword: ${ssha512(BOB_PASSWORD)}`].join('\n'),
    [`dn: ${VICTIM_DN}`, 'objectClass: inetOrgPerson', 'uid: victim', 'cn: Victim Le', 'sn: Le', `userPassword: ${sshaHash(VICTIM_PASSWORD)}`].join('\n'),
    [
      `dn: ${LOCKED_DN}`,
      'objectClass: inetOrgPerson',
      'uid: locked',
      'cn: Locked Pham',
      'sn: Pham',
      `userPassword: ${sshaHash(LOCKED_PASSWORD)}`,
      'pwdAccountLockedTime: 20261119083000Z',
      'pwdFailureTime: 20261119082800Z',
      'pwdFailureTime: 20261119082900Z',
      'pwdFailureTime: 20261119083000Z',
    ].join('\n'),
    // A folded plain-text password, for the "no scheme" path and the LDIF folding.
    [`dn: ${PLAIN_DN}`, 'objectClass: inetOrgPerson', 'uid: plain', 'cn: Plain Vo', 'sn: Vo', `userPassword: ${PLAIN_PASSWORD.slice(0, 5)}\n ${PLAIN_PASSWORD.slice(5)}`].join('\n'),
    [`dn:: ${b64(BINH_DN)}`, 'objectClass: inetOrgPerson', 'uid: binhtt', `cn:: ${b64('Trần Thị Bình')}`, `sn:: ${b64('Trần')}`].join('\n'),
    ...generatedPeople(GENERATED),
  ];
  return `${records.join('\n\n')}\n`;
}

const SPECIFIC_PEOPLE = 6; // annv, bob, victim, locked, plain, binhtt
const PEOPLE_COUNT = GENERATED + SPECIFIC_PEOPLE;

function client(url: string, extra: Partial<ClientOptions> = {}): Client {
  return new Client({ url, timeout: 5000, connectTimeout: 3000, ...extra });
}

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = client(url);
  try {
    return await fn(c);
  } finally {
    await c.unbind().catch(() => undefined);
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A paged-results control with any cookie (ldapts refuses a PagedResultsControl in `controls`). */
class RawPagedControl extends Control {
  constructor(private readonly v: { size: number; cookie: Buffer }) {
    super(PagedResultsControl.type);
  }

  override writeControl(writer: BerWriter): void {
    const w = new BerWriter();
    w.startSequence();
    w.writeInt(this.v.size);
    if (this.v.cookie.length > 0) w.writeBuffer(this.v.cookie, Ber.OctetString);
    else w.writeString('');
    w.endSequence();
    writer.writeBuffer(w.buffer, Ber.OctetString);
  }
}

describe('training directory', () => {
  let dir: TrainingDirectory;
  const clock = { now: new Date('2026-11-23T08:30:00Z') };

  beforeAll(async () => {
    dir = await startTrainingDirectory({ ldif: buildLdif(), now: () => clock.now });
  });
  afterAll(async () => {
    await dir?.close();
  });

  const asService = <T>(fn: (c: Client) => Promise<T>): Promise<T> =>
    withClient(dir.url, async (c) => {
      await c.bind(dir.serviceDn, dir.servicePassword);
      return fn(c);
    });

  it('listens on loopback and names its service account and policy', () => {
    expect(dir.url).toMatch(/^ldap:\/\/127\.0\.0\.1:\d+$/);
    expect(dir.baseDn).toBe(BASE);
    expect(dir.serviceDn).toBe(`cn=helpdesk-service,ou=system,${BASE}`);
    expect(dir.policyDn).toBe(`cn=default,ou=policies,${BASE}`);
    expect(dir.servicePassword.length).toBeGreaterThanOrEqual(24);
  });

  describe('bind', () => {
    it('accepts the service account with its password and refuses a wrong one', async () => {
      await asService(async () => undefined);
      await withClient(dir.url, async (c) => {
        await expect(c.bind(dir.serviceDn, 'not-the-password')).rejects.toBeInstanceOf(InvalidCredentialsError);
      });
    });

    /** Binds, then reads the entry itself (only a bound user may): what the bind was worth. */
    const bindAndRead = (dn: string, password: string) =>
      withClient(dir.url, async (c) => {
        await c.bind(dn, password);
        return (await c.search(AN_DN, { scope: 'base', attributes: ['uid'] })).searchEntries.map((e) => e.uid);
      });

    it('accepts users with {SSHA}, {SSHA512} and plain-text passwords, and only with the right one', async () => {
      for (const [dn, password] of [[AN_DN, AN_PASSWORD], [BOB_DN, BOB_PASSWORD], [PLAIN_DN, PLAIN_PASSWORD]] as const) {
        expect(await bindAndRead(dn, password)).toEqual(['annv']);
        await expect(bindAndRead(dn, `${password}x`)).rejects.toBeInstanceOf(InvalidCredentialsError);
      }
    });

    it('compares DNs case-insensitively and ignores spaces after commas', async () => {
      expect(await bindAndRead(`UID=AnNV, OU=People,  DC=daotao, dc=gov,dc=VN`, AN_PASSWORD)).toEqual(['annv']);
    });

    it('refuses an unknown DN and an unauthenticated bind', async () => {
      await withClient(dir.url, async (c) => {
        await expect(c.bind(`uid=nobody,${PEOPLE}`, 'x')).rejects.toBeInstanceOf(InvalidCredentialsError);
        await expect(c.bind(AN_DN, '')).rejects.toMatchObject({ code: 53 });
      });
    });

    it('refuses the right password of an entry that is already locked', async () => {
      await withClient(dir.url, async (c) => {
        await expect(c.bind(LOCKED_DN, LOCKED_PASSWORD)).rejects.toBeInstanceOf(InvalidCredentialsError);
      });
    });
  });

  describe('anonymous', () => {
    it('may bind but not search the tree', async () => {
      await withClient(dir.url, async (c) => {
        await c.bind('', '');
        await expect(c.search(BASE, { scope: 'sub', filter: '(uid=annv)' })).rejects.toBeInstanceOf(InsufficientAccessError);
      });
      await withClient(dir.url, async (c) => {
        await expect(c.search(AN_DN, { scope: 'base' })).rejects.toBeInstanceOf(InsufficientAccessError);
      });
    });

    it('reads the root DSE', async () => {
      await withClient(dir.url, async (c) => {
        const { searchEntries } = await c.search('', { scope: 'base', attributes: ['*', '+'] });
        expect(searchEntries[0]?.namingContexts).toBe(BASE);
        expect(searchEntries[0]?.supportedControl).toBe(PagedResultsControl.type);
      });
    });

    it('an anonymous bind after an authenticated one makes the connection anonymous again', async () => {
      await withClient(dir.url, async (c) => {
        await c.bind(dir.serviceDn, dir.servicePassword);
        await c.bind('', '');
        await expect(c.search(AN_DN, { scope: 'base' })).rejects.toBeInstanceOf(InsufficientAccessError);
      });
    });

    it('a failed bind leaves the connection anonymous', async () => {
      await withClient(dir.url, async (c) => {
        await c.bind(BOB_DN, BOB_PASSWORD);
        await expect(c.bind(dir.serviceDn, 'wrong')).rejects.toBeInstanceOf(InvalidCredentialsError);
        await expect(c.search(AN_DN, { scope: 'base' })).rejects.toBeInstanceOf(InsufficientAccessError);
      });
    });
  });

  describe('search filters', () => {
    const uidsOf = (entries: Entry[]): unknown[] => entries.map((e) => e.uid).sort();

    it('equality on uid is case-insensitive (string and object filters)', async () => {
      await asService(async (c) => {
        const a = await c.search(BASE, { scope: 'sub', filter: '(uid=ANNV)', attributes: ['uid', 'cn'] });
        expect(a.searchEntries).toHaveLength(1);
        expect(a.searchEntries[0]?.dn).toBe(AN_DN);
        expect(a.searchEntries[0]?.cn).toBe(AN_NAME);
        const b = await c.search(BASE, { scope: 'sub', filter: new EqualityFilter({ attribute: 'UID', value: 'AnNv' }), attributes: ['uid'] });
        expect(uidsOf(b.searchEntries)).toEqual(['annv']);
      });
    });

    it('matches Vietnamese values exactly as sent (equality with diacritics, any case)', async () => {
      await asService(async (c) => {
        for (const filter of [new EqualityFilter({ attribute: 'cn', value: 'nguyễn văn an' }), `(cn=${AN_NAME.toUpperCase()})`]) {
          const { searchEntries } = await c.search(PEOPLE, { scope: 'one', filter, attributes: ['uid'] });
          expect(uidsOf(searchEntries)).toEqual(['annv']);
        }
        const none = await c.search(PEOPLE, { scope: 'one', filter: new EqualityFilter({ attribute: 'cn', value: 'Nguyen Van An' }) });
        expect(none.searchEntries).toEqual([]);
      });
    });

    it('substring with any parts *ng*n*v*n* finds "Nguyễn Văn An"', async () => {
      await asService(async (c) => {
        const a = await c.search(PEOPLE, { scope: 'sub', filter: '(cn=*ng*n*v*n*)', attributes: ['cn'] });
        expect(a.searchEntries.map((e) => e.cn)).toEqual([AN_NAME]);
        const b = await c.search(PEOPLE, {
          scope: 'sub',
          filter: new SubstringFilter({ attribute: 'cn', any: ['ng', 'n', 'v', 'n'] }),
          attributes: ['uid'],
        });
        expect(uidsOf(b.searchEntries)).toEqual(['annv']);
        // Parts must come in order, initial and final anchor.
        const c1 = await c.search(PEOPLE, { scope: 'sub', filter: new SubstringFilter({ attribute: 'cn', initial: 'nguyễn', final: 'an' }) });
        expect(c1.searchEntries.map((e) => e.dn)).toEqual([AN_DN]);
        const c2 = await c.search(PEOPLE, { scope: 'sub', filter: new SubstringFilter({ attribute: 'cn', any: ['an', 'nguyễn'] }) });
        expect(c2.searchEntries).toEqual([]);
        const c3 = await c.search(PEOPLE, { scope: 'sub', filter: '(uid=user31*)', attributes: ['uid'] });
        expect(c3.searchEntries).toHaveLength(10); // user310..user319
      });
    });

    it('telephone numbers match without spaces and hyphens', async () => {
      await asService(async (c) => {
        for (const filter of ['(mobile=0912345678)', new EqualityFilter({ attribute: 'mobile', value: '0912-345-678' }), '(mobile=*345 67*)']) {
          const { searchEntries } = await c.search(BASE, { scope: 'sub', filter, attributes: ['mobile'] });
          expect(searchEntries).toHaveLength(1);
          expect(searchEntries[0]?.mobile).toBe('0912 345 678');
        }
      });
    });

    it('OR, AND and NOT, as strings and as filter objects', async () => {
      await asService(async (c) => {
        const text = await c.search(BASE, {
          scope: 'sub',
          filter: '(&(objectClass=INETORGPERSON)(|(uid=annv)(uid=bob)(uid=victim))(!(uid=bob)))',
          attributes: ['uid'],
        });
        expect(uidsOf(text.searchEntries)).toEqual(['annv', 'victim']);
        const objects = await c.search(BASE, {
          scope: 'sub',
          filter: new AndFilter({
            filters: [
              new PresenceFilter({ attribute: 'mail' }),
              new OrFilter({ filters: [new EqualityFilter({ attribute: 'uid', value: 'annv' }), new EqualityFilter({ attribute: 'uid', value: 'user001' })] }),
              new NotFilter({ filter: new EqualityFilter({ attribute: 'mobile', value: '0912345678' }) }),
            ],
          }),
          attributes: ['uid'],
        });
        expect(uidsOf(objects.searchEntries)).toEqual(['user001']);
      });
    });

    it('presence, ordering and approximate matches', async () => {
      await asService(async (c) => {
        const mobiles = await c.search(BASE, { scope: 'sub', filter: '(mobile=*)', attributes: ['uid'] });
        expect(uidsOf(mobiles.searchEntries)).toEqual(['annv']);
        const ge = await c.search(PEOPLE, { scope: 'one', filter: '(&(uid>=user318)(uid<=user320))', attributes: ['uid'] });
        expect(uidsOf(ge.searchEntries)).toEqual(['user318', 'user319', 'user320']);
        const approx = await c.search(PEOPLE, { scope: 'one', filter: '(cn~=Nguyen Van An)', attributes: ['uid'] });
        expect(uidsOf(approx.searchEntries)).toEqual(['annv']);
      });
    });
  });

  describe('returned attributes', () => {
    it('returns user attributes but not operational ones unless asked (names as stored)', async () => {
      await asService(async (c) => {
        for (const attributes of [undefined, ['*']]) {
          const [an] = (await c.search(AN_DN, { scope: 'base', ...(attributes ? { attributes } : {}) })).searchEntries;
          expect(an).toMatchObject({ dn: AN_DN, uid: 'annv', cn: AN_NAME, mobile: '0912 345 678', hdCitizenId: '079088001234' });
          expect(an?.objectClass).toEqual(['top', 'inetOrgPerson', 'hdAccount']);
          for (const op of ['pwdChangedTime', 'createTimestamp', 'modifyTimestamp', 'entryUUID', 'userPassword']) {
            expect(an).not.toHaveProperty(op);
          }
        }
        const [named] = (await c.search(AN_DN, { scope: 'base', attributes: ['PWDCHANGEDTIME', 'uid'] })).searchEntries;
        expect(named?.pwdChangedTime).toBe('20260901000000Z');
        const [plus] = (await c.search(AN_DN, { scope: 'base', attributes: ['+'] })).searchEntries;
        expect(plus?.pwdChangedTime).toBe('20260901000000Z');
        expect(plus?.createTimestamp).toMatch(/^\d{14}Z$/);
        expect(plus?.entryUUID).toMatch(/^[0-9a-f-]{36}$/);
        expect(plus).not.toHaveProperty('cn');
        const [none] = (await c.search(AN_DN, { scope: 'base', attributes: ['1.1'] })).searchEntries;
        expect(Object.keys(none ?? {}).filter((k) => k !== '1.1')).toEqual(['dn']);
      });
    });

    it('never returns userPassword, nor lets a filter test it', async () => {
      await asService(async (c) => {
        const [an] = (await c.search(AN_DN, { scope: 'base', attributes: ['*', '+', 'userPassword'] })).searchEntries;
        expect(an?.userPassword).toEqual([]); // ldapts: requested but not sent
        const probe = await c.search(BASE, { scope: 'sub', filter: '(userPassword=*)' });
        expect(probe.searchEntries).toEqual([]);
      });
      await withClient(dir.url, async (c) => {
        await c.bind(AN_DN, AN_PASSWORD);
        const [self] = (await c.search(AN_DN, { scope: 'base', attributes: ['userPassword'] })).searchEntries;
        expect(self?.userPassword).toEqual([]);
      });
    });

    it('typesOnly returns names without values', async () => {
      await asService(async (c) => {
        const [an] = (await c.search(AN_DN, { scope: 'base', attributes: ['cn', 'mail'], returnAttributeValues: false })).searchEntries;
        expect(an?.cn).toEqual([]);
        expect(an).toHaveProperty('mail');
      });
    });
  });

  describe('scopes, base DN and limits', () => {
    it('base scope reads one entry; the base DN is matched case- and space-insensitively', async () => {
      await asService(async (c) => {
        const a = await c.search('UID=annv, OU=People, DC=daotao, DC=gov, DC=vn', { scope: 'base', attributes: ['uid'] });
        expect(a.searchEntries.map((e) => e.dn)).toEqual([AN_DN]);
        const b = await c.search(AN_DN, { scope: 'base', filter: '(uid=bob)' });
        expect(b.searchEntries).toEqual([]);
      });
    });

    it('returns a UTF-8 DN as stored and finds it by that DN', async () => {
      await asService(async (c) => {
        const found = await c.search(PEOPLE, { scope: 'one', filter: '(uid=binhtt)', attributes: ['cn'] });
        expect(found.searchEntries).toEqual([{ dn: BINH_DN, cn: 'Trần Thị Bình' }]);
        const byDn = await c.search(`CN=trần thị bình, ou=people,${BASE}`, { scope: 'base', attributes: ['uid'] });
        expect(byDn.searchEntries.map((e) => e.uid)).toEqual(['binhtt']);
        await c.modify(BINH_DN, new Change({ operation: 'add', modification: new Attribute({ type: 'title', values: ['Chuyên viên'] }) }));
        const [binh] = (await c.search(BINH_DN, { scope: 'base', attributes: ['title'] })).searchEntries;
        expect(binh?.title).toBe('Chuyên viên');
      });
    });

    it('one-level scope returns the children only', async () => {
      await asService(async (c) => {
        const { searchEntries } = await c.search(BASE, { scope: 'one', attributes: ['1.1'] });
        expect(searchEntries.map((e) => e.dn).sort()).toEqual([`ou=people,${BASE}`, `ou=policies,${BASE}`, `ou=system,${BASE}`]);
      });
    });

    it('a base that does not exist is noSuchObject', async () => {
      await asService(async (c) => {
        await expect(c.search(`uid=nobody,${PEOPLE}`, { scope: 'base' })).rejects.toBeInstanceOf(NoSuchObjectError);
        await expect(c.search('dc=elsewhere,dc=vn', { scope: 'sub' })).rejects.toBeInstanceOf(NoSuchObjectError);
      });
    });

    it('honours sizeLimit (sizeLimitExceeded after that many entries)', async () => {
      await asService(async (c) => {
        const limited = await c.search(PEOPLE, { scope: 'one', filter: '(uid=user*)', sizeLimit: 7, attributes: ['uid'] });
        expect(limited.searchEntries).toHaveLength(7);
        const exact = await c.search(PEOPLE, { scope: 'one', filter: '(uid=user00*)', sizeLimit: 9, attributes: ['uid'] });
        expect(exact.searchEntries).toHaveLength(9);
      });
      // ldapts hides code 4 when a sizeLimit was given: look at the raw result code.
      expect(await rawSearchResultCode(dir, 5)).toBe(4);
      expect(await rawSearchResultCode(dir, 0)).toBe(0);
    });
  });

  describe('paged results (RFC 2696)', () => {
    const everyone = '(objectClass=inetOrgPerson)';

    it('search() with paging returns every entry exactly once', async () => {
      await asService(async (c) => {
        const { searchEntries } = await c.search(BASE, { scope: 'sub', filter: everyone, paged: { pageSize: 50 }, attributes: ['uid'] });
        const dns = searchEntries.map((e) => e.dn);
        expect(dns).toHaveLength(PEOPLE_COUNT);
        expect(new Set(dns).size).toBe(PEOPLE_COUNT);
      });
    });

    it('searchPaginated() yields pages of pageSize, then the rest, each entry once', async () => {
      await asService(async (c) => {
        const sizes: number[] = [];
        const dns: string[] = [];
        for await (const page of c.searchPaginated(BASE, { scope: 'sub', filter: everyone, paged: { pageSize: 50 }, attributes: ['uid'] })) {
          sizes.push(page.searchEntries.length);
          dns.push(...page.searchEntries.map((e) => e.dn));
        }
        expect(sizes).toEqual([50, 50, 50, 50, 50, 50, PEOPLE_COUNT - 300]);
        expect(new Set(dns).size).toBe(PEOPLE_COUNT);
        expect(dns).toContain(AN_DN);
      });
    });

    it('two paged searches on one connection do not disturb each other', async () => {
      await asService(async (c) => {
        const a = c.searchPaginated(PEOPLE, { scope: 'one', filter: '(uid=user0*)', paged: { pageSize: 10 }, attributes: ['uid'] });
        const b = c.searchPaginated(PEOPLE, { scope: 'one', filter: '(uid=user1*)', paged: { pageSize: 30 }, attributes: ['uid'] });
        const seen = { a: new Set<string>(), b: new Set<string>() };
        for (;;) {
          const [pa, pb] = await Promise.all([a.next(), b.next()]);
          for (const e of pa.value?.searchEntries ?? []) seen.a.add(e.dn);
          for (const e of pb.value?.searchEntries ?? []) seen.b.add(e.dn);
          if (pa.done && pb.done) break;
        }
        expect(seen.a.size).toBe(99); // user001..user099
        expect(seen.b.size).toBe(100); // user100..user199
      });
    });

    it('an unknown cookie is a protocolError; size 0 returns nothing', async () => {
      await asService(async (c) => {
        await expect(
          c.search(BASE, { scope: 'sub', filter: everyone }, new RawPagedControl({ size: 5, cookie: Buffer.from('not-a-cookie') })),
        ).rejects.toBeInstanceOf(ProtocolError);
        const none = await c.search(BASE, { scope: 'sub', filter: everyone }, new RawPagedControl({ size: 0, cookie: Buffer.alloc(0) }));
        expect(none.searchEntries).toEqual([]);
      });
    });

    it('sizeLimit applies to the whole paged search', async () => {
      await asService(async (c) => {
        const { searchEntries } = await c.search(PEOPLE, { scope: 'one', filter: '(uid=user*)', sizeLimit: 25, paged: { pageSize: 10 } });
        expect(searchEntries).toHaveLength(25);
      });
    });
  });

  describe('ppolicy lockout', () => {
    it('three wrong binds lock the entry; the right password then fails; the service reads the state', async () => {
      await withClient(dir.url, (c) => c.bind(VICTIM_DN, VICTIM_PASSWORD));
      for (let i = 0; i < 3; i++) {
        await withClient(dir.url, async (c) => {
          await expect(c.bind(VICTIM_DN, `wrong-${i}`)).rejects.toBeInstanceOf(InvalidCredentialsError);
        });
      }
      await withClient(dir.url, async (c) => {
        await expect(c.bind(VICTIM_DN, VICTIM_PASSWORD)).rejects.toBeInstanceOf(InvalidCredentialsError);
      });

      await asService(async (c) => {
        const [victim] = (
          await c.search(VICTIM_DN, { scope: 'base', attributes: ['uid', 'pwdAccountLockedTime', 'pwdFailureTime'] })
        ).searchEntries;
        expect(victim?.pwdAccountLockedTime).toBe('20261123083000Z');
        // OpenLDAP 2.5 writes microseconds; the fixed test clock makes them distinct by bumping.
        expect(victim?.pwdFailureTime).toEqual(['20261123083000.000000Z', '20261123083000.000001Z', '20261123083000.000002Z']);
        const locked = await c.search(PEOPLE, { scope: 'one', filter: '(pwdAccountLockedTime=*)', attributes: ['uid'] });
        expect(locked.searchEntries.map((e) => e.uid).sort()).toEqual(['locked', 'victim']);
      });

      // Another user neither sees nor can filter on the ppolicy state of others; the entry itself can.
      await withClient(dir.url, async (c) => {
        await c.bind(BOB_DN, BOB_PASSWORD);
        const [victim] = (await c.search(VICTIM_DN, { scope: 'base', attributes: ['uid', 'pwdAccountLockedTime'] })).searchEntries;
        expect(victim?.uid).toBe('victim');
        expect(victim?.pwdAccountLockedTime).toEqual([]);
        const probe = await c.search(PEOPLE, { scope: 'one', filter: '(pwdAccountLockedTime=*)' });
        expect(probe.searchEntries).toEqual([]);
      });
      await withClient(dir.url, async (c) => {
        await c.bind(AN_DN, AN_PASSWORD);
        const [self] = (await c.search(AN_DN, { scope: 'base', attributes: ['pwdChangedTime'] })).searchEntries;
        expect(self?.pwdChangedTime).toBe('20260901000000Z');
      });

      // The service account unlocks by deleting pwdAccountLockedTime (and the failures).
      await asService((c) =>
        c.modify(VICTIM_DN, [
          new Change({ operation: 'delete', modification: new Attribute({ type: 'pwdAccountLockedTime' }) }),
          new Change({ operation: 'delete', modification: new Attribute({ type: 'pwdFailureTime' }) }),
        ]),
      );
      await withClient(dir.url, (c) => c.bind(VICTIM_DN, VICTIM_PASSWORD));
    });

    it('a successful bind clears earlier failures', async () => {
      await withClient(dir.url, async (c) => {
        await expect(c.bind(BOB_DN, 'wrong')).rejects.toBeInstanceOf(InvalidCredentialsError);
      });
      const failures = (): Promise<unknown> =>
        asService(async (c) => (await c.search(BOB_DN, { scope: 'base', attributes: ['pwdFailureTime'] })).searchEntries[0]?.pwdFailureTime);
      expect([await failures()].flat()).toHaveLength(1);
      await withClient(dir.url, (c) => c.bind(BOB_DN, BOB_PASSWORD));
      expect(await failures()).toEqual([]);
    });
  });

  describe('modify', () => {
    it('the service account replaces, adds and deletes values; modifyTimestamp follows', async () => {
      clock.now = new Date('2026-11-23T09:00:00Z');
      await asService(async (c) => {
        await c.modify(AN_DN, [
          new Change({ operation: 'replace', modification: new Attribute({ type: 'mail', values: ['an.nguyen@daotao.gov.vn'] }) }),
          new Change({ operation: 'add', modification: new Attribute({ type: 'description', values: ['Đã xác minh'] }) }),
          new Change({ operation: 'delete', modification: new Attribute({ type: 'hdCitizenId', values: ['079088001234'] }) }),
        ]);
        const [an] = (await c.search(AN_DN, { scope: 'base', attributes: ['mail', 'description', 'hdCitizenId', 'modifyTimestamp'] })).searchEntries;
        expect(an?.mail).toBe('an.nguyen@daotao.gov.vn');
        expect(an?.description).toBe('Đã xác minh');
        expect(an?.hdCitizenId).toEqual([]);
        expect(an?.modifyTimestamp).toBe('20261123090000Z');

        await expect(
          c.modify(AN_DN, new Change({ operation: 'add', modification: new Attribute({ type: 'description', values: ['đã XÁC MINH'] }) })),
        ).rejects.toBeInstanceOf(TypeOrValueExistsError);
        await expect(
          c.modify(AN_DN, new Change({ operation: 'delete', modification: new Attribute({ type: 'hdTaxCode' }) })),
        ).rejects.toBeInstanceOf(NoSuchAttributeError);
        await expect(
          c.modify(`uid=nobody,${PEOPLE}`, new Change({ operation: 'replace', modification: new Attribute({ type: 'cn', values: ['x'] }) })),
        ).rejects.toBeInstanceOf(NoSuchObjectError);
      });
    });

    it('a new plain password is stored hashed, sets pwdChangedTime, and works for bind', async () => {
      clock.now = new Date('2026-11-23T10:15:00Z');
      const fresh = 'Fresh-Password-6';
      await asService((c) =>
        c.modify(PLAIN_DN, new Change({ operation: 'replace', modification: new Attribute({ type: 'userPassword', values: [fresh] }) })),
      );
      await withClient(dir.url, async (c) => {
        await expect(c.bind(PLAIN_DN, PLAIN_PASSWORD)).rejects.toBeInstanceOf(InvalidCredentialsError);
      });
      await withClient(dir.url, (c) => c.bind(PLAIN_DN, fresh));
      await asService(async (c) => {
        const [plain] = (await c.search(PLAIN_DN, { scope: 'base', attributes: ['pwdChangedTime'] })).searchEntries;
        expect(plain?.pwdChangedTime).toBe('20261123101500Z');
      });
    });

    it('a user may not modify, not even their own entry', async () => {
      await withClient(dir.url, async (c) => {
        await c.bind(BOB_DN, BOB_PASSWORD);
        for (const dn of [AN_DN, BOB_DN]) {
          await expect(
            c.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'cn', values: ['Hacked'] }) })),
          ).rejects.toBeInstanceOf(InsufficientAccessError);
        }
      });
      await asService(async (c) => {
        const [an] = (await c.search(AN_DN, { scope: 'base', attributes: ['cn'] })).searchEntries;
        expect(an?.cn).toBe(AN_NAME);
      });
    });
  });
});

describe('training directory lifecycle', () => {
  const minimal = [
    `dn: ${BASE}`,
    'objectClass: dcObject',
    'objectClass: organization',
    'dc: daotao',
    'o: daotao',
    '',
    `dn: ${PEOPLE}`,
    'objectClass: organizationalUnit',
    'ou: people',
    '',
  ].join('\n');

  it('listens on the given port; close() drops open connections and frees the port', async () => {
    const port = await freePort();
    const dir = await startTrainingDirectory({ ldif: minimal, port });
    expect(dir.url).toBe(`ldap://127.0.0.1:${port}`);
    const c = client(dir.url);
    await c.bind(dir.serviceDn, dir.servicePassword);
    // The service entry and ou=system exist even though the LDIF has neither; no policy entry is fine.
    const { searchEntries } = await c.search(dir.serviceDn, { scope: 'base', attributes: ['cn'] });
    expect(searchEntries[0]?.cn).toBe('helpdesk-service');
    expect(await portIsFree(port)).toBe(false);

    await dir.close();
    expect(await portIsFree(port)).toBe(true);
    await expect(c.search(BASE, { scope: 'base' })).rejects.toThrow();
    await c.unbind().catch(() => undefined);
    await dir.close(); // idempotent
  });

  it('fails to start on a port that is taken', async () => {
    const first = await startTrainingDirectory({ ldif: minimal });
    try {
      await expect(startTrainingDirectory({ ldif: minimal, port: Number(new URL(first.url).port) })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });

  it('uses a custom base DN and a fresh service password per run', async () => {
    const base = 'dc=example,dc=gov,dc=vn';
    const ldif = minimal.replaceAll(BASE, base).replace('dc: daotao', 'dc: example');
    const [a, b] = [await startTrainingDirectory({ ldif, baseDn: base }), await startTrainingDirectory({ ldif, baseDn: base })];
    try {
      expect(a.serviceDn).toBe(`cn=helpdesk-service,ou=system,${base}`);
      expect(a.servicePassword).not.toBe(b.servicePassword);
      await withClient(a.url, async (c) => {
        await expect(c.bind(a.serviceDn, b.servicePassword)).rejects.toBeInstanceOf(InvalidCredentialsError);
      });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('rejects an LDIF without the base entry, with an entry outside the base, or malformed', async () => {
    await expect(startTrainingDirectory({ ldif: `dn: ${PEOPLE}\nou: people\n` })).rejects.toThrow(/no base entry/);
    await expect(startTrainingDirectory({ ldif: `${minimal}\ndn: dc=other,dc=vn\ndc: other\n` })).rejects.toThrow(/outside/);
    await expect(startTrainingDirectory({ ldif: `${minimal}\ndn: uid=x,ou=nowhere,${BASE}\nuid: x\n` })).rejects.toThrow(/parent/);
    await expect(startTrainingDirectory({ ldif: `${minimal}\ndn: uid=x,${PEOPLE}\nthis line has no colon\n` })).rejects.toThrow(/line 12/);
  });
});

const TRAINING_LDIF = fileURLToPath(new URL('../../resources/training/directory.ldif', import.meta.url));

describe.skipIf(!existsSync(TRAINING_LDIF))('the shipped training LDIF through the production LdapDirectory', () => {
  let dir: TrainingDirectory;
  let directory: LdapDirectory;

  beforeAll(async () => {
    dir = await startTrainingDirectory({ ldif: readFileSync(TRAINING_LDIF, 'utf8'), now: () => new Date('2026-11-20T00:00:00Z') });
    const settings = {
      ...directoryDefaults('openldap'),
      url: dir.url,
      baseDn: dir.baseDn,
      serviceBindDn: dir.serviceDn,
      passwordPolicyDn: dir.policyDn,
      pageSize: 25,
    };
    directory = new LdapDirectory(settings, dir.servicePassword);
  });
  afterAll(async () => {
    await directory?.close();
    await dir?.close();
  });

  it('finds an account by name and by phone, with its ppolicy state and policy', async () => {
    const byName = await directory.search(parseSearchQuery('Nguyễn Văn An'), 50);
    const an = byName.accounts.find((a) => a.username === 'annv');
    expect(an).toMatchObject({ displayName: 'Nguyễn Văn An', locked: true, failureCount: 3, disabled: false });
    expect(an?.policy).toMatchObject({ maxFailures: 3, lockoutDurationSeconds: 0, maxAgeSeconds: 15552000 });
    const byPhone = await directory.search(parseSearchQuery('0912 345 698'), 50);
    expect(byPhone.accounts.map((a) => a.username)).toEqual(['annv']);
    const disabled = await directory.search(parseSearchQuery('0903-111-222'), 50);
    expect(disabled.accounts[0]).toMatchObject({ username: 'dungpq', disabled: true, locked: false });
  });

  it('pages through a broad search (pageSize 25)', async () => {
    const result = await directory.search(parseSearchQuery('Nguyễn'), 500);
    expect(result.total).toBeGreaterThan(25);
    expect(new Set(result.accounts.map((a) => a.dn)).size).toBe(result.accounts.length);
  });

  it('authenticates an operator and refuses a wrong password', async () => {
    const operator = await directory.authenticate('tongdai01', TRAINING_OPERATOR_PASSWORD);
    expect(operator.displayName).toBe('Đặng Thu Hà');
    await expect(directory.authenticate('tongdai01', 'wrong-password')).rejects.toBeInstanceOf(HelpdeskError);
  });
});

/**
 * Sends one SearchRequest over a raw socket (as the service account) and returns the
 * resultCode of the SearchResultDone: ldapts reports code 4 as success when sizeLimit is set.
 */
async function rawSearchResultCode(dir: TrainingDirectory, sizeLimit: number): Promise<number> {
  const bind = new BerWriter();
  bind.startSequence();
  bind.writeInt(1);
  bind.startSequence(0x60);
  bind.writeInt(3);
  bind.writeString(dir.serviceDn);
  bind.writeString(dir.servicePassword, 0x80);
  bind.endSequence();
  bind.endSequence();

  const search = new BerWriter();
  search.startSequence();
  search.writeInt(2);
  search.startSequence(0x63);
  search.writeString(PEOPLE);
  search.writeEnumeration(1);
  search.writeEnumeration(0);
  search.writeInt(sizeLimit);
  search.writeInt(0);
  search.writeBoolean(false);
  new PresenceFilter({ attribute: 'uid' }).write(search);
  search.startSequence();
  search.writeString('1.1');
  search.endSequence();
  search.endSequence();
  search.endSequence();

  const { port } = new URL(dir.url);
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port: Number(port) });
    let received = Buffer.alloc(0);
    socket.setTimeout(5000, () => socket.destroy(new Error('raw search timed out')));
    socket.on('error', reject);
    socket.on('connect', () => socket.write(Buffer.concat([bind.buffer, search.buffer])));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      // SearchResultDone of message 2: 02 01 02 | 65 <length> | 0a 01 <resultCode> ...
      const at = received.indexOf(Buffer.from([0x02, 0x01, 0x02, 0x65]));
      if (at < 0 || received.length < at + 6) return;
      const lengthByte = received.readUInt8(at + 4);
      const enumAt = at + 5 + (lengthByte < 0x80 ? 0 : lengthByte & 0x7f);
      if (received.length < enumAt + 3) return;
      if (received.readUInt8(enumAt) !== 0x0a) {
        reject(new Error('unexpected SearchResultDone encoding'));
        return;
      }
      const code = received.readUInt8(enumAt + 2);
      socket.destroy();
      resolve(code);
    });
  });
}
