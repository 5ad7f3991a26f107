import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  TRAINING_FIXTURES,
  TRAINING_OPERATORS,
  TRAINING_OPERATOR_PASSWORD,
  generateDirectoryLdif,
  mulberry32,
  sshaHash,
} from '../../scripts/training-data';
import { trainingRoleGroups } from '../../src-main/adapters/training/training-directory';
import { normalizeVnMobile } from '../../src-main/domain/phone';

// ---------------------------------------------------------------------------------------------
// A minimal RFC 2849 reader, independent of the generator
// ---------------------------------------------------------------------------------------------

interface LdifEntry {
  readonly dn: string;
  readonly attrs: ReadonlyMap<string, readonly string[]>;
}

function decodeLine(line: string): [string, string] {
  const colon = line.indexOf(':');
  const name = line.slice(0, colon);
  if (line[colon + 1] === ':') {
    return [name, Buffer.from(line.slice(colon + 2).trimStart(), 'base64').toString('utf8')];
  }
  return [name, line.slice(colon + 1).replace(/^ /, '')];
}

function parseLdif(text: string): LdifEntry[] {
  const unfolded = text.replace(/\n /g, '');
  return unfolded
    .split(/\n{2,}/)
    .map((block) => block.split('\n').filter((line) => line !== '' && !line.startsWith('#')))
    .filter((lines) => lines.length > 0)
    .map((lines) => {
      const [first, ...rest] = lines.map(decodeLine);
      if (!first || first[0] !== 'dn') throw new Error(`record without dn: ${lines[0]}`);
      const attrs = new Map<string, string[]>();
      for (const [name, value] of rest) attrs.set(name, [...(attrs.get(name) ?? []), value]);
      return { dn: first[1], attrs };
    });
}

function one(entry: LdifEntry, name: string): string | undefined {
  return entry.attrs.get(name)?.[0];
}

function accounts(entries: readonly LdifEntry[]): LdifEntry[] {
  return entries.filter((entry) => entry.dn.startsWith('uid='));
}

// ---------------------------------------------------------------------------------------------
// Independent validators
// ---------------------------------------------------------------------------------------------

function validTaxCode(code: string): boolean {
  const match = /^(\d{10})(?:-(\d{3}))?$/.exec(code);
  const main = match?.[1];
  if (!main || match[2] === '000' || main.slice(2, 9) === '0000000') return false;
  const weights = [31, 29, 23, 19, 17, 13, 7, 5, 3];
  const sum = weights.reduce((total, weight, i) => total + weight * Number(main[i]), 0);
  return String(10 - (sum % 11)) === main[9];
}

const CCCD_PROVINCES = new Set(['001', '002', '031', '038', '040', '048', '056', '075', '079', '092']);

function validCitizenCard(id: string): boolean {
  if (!/^\d{12}$/.test(id) || !CCCD_PROVINCES.has(id.slice(0, 3))) return false;
  const centurySex = Number(id[3]);
  const year = (centurySex < 2 ? 1900 : 2000) + Number(id.slice(4, 6));
  return centurySex <= 3 && year >= 1965 && year <= 2003;
}

const MOBILE_FORMATS = [/^0\d{9}$/, /^\+84\d{9}$/, /^84\d{9}$/, /^0\d{3} \d{3} \d{3}$/, /^0\d{3}-\d{3}-\d{3}$/];
const MOBILE_PREFIX = /^0(3[2-9]|5[689]|7[06-9]|8[1-9]|9[01346-9])\d{7}$/;

function validMobile(mobile: string): boolean {
  if (!MOBILE_FORMATS.some((format) => format.test(mobile))) return false;
  const digits = mobile.replace(/\D/g, '');
  const national = digits.startsWith('84') ? `0${digits.slice(2)}` : digits;
  // …and the app's own rule (libphonenumber) accepts it: a training mobile is always a usable one.
  return MOBILE_PREFIX.test(national) && normalizeVnMobile(mobile).ok;
}

function sshaMatches(hash: string, password: string): boolean {
  const raw = Buffer.from(hash.replace(/^\{SSHA\}/, ''), 'base64');
  const digest = raw.subarray(0, 20);
  const salt = raw.subarray(20);
  return salt.length === 8 && createHash('sha1').update(password).update(salt).digest().equals(digest);
}

const REFERENCE_MS = Date.UTC(2026, 10, 20);
const DAY_MS = 86_400_000;

function generalizedTimeMs(time: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(time);
  if (!m) throw new Error(`bad GeneralizedTime ${time}`);
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

// ---------------------------------------------------------------------------------------------

const LDIF = generateDirectoryLdif();
const ENTRIES = parseLdif(LDIF);
const ACCOUNTS = accounts(ENTRIES);
const GENERATED = ACCOUNTS.slice(TRAINING_FIXTURES.length + TRAINING_OPERATORS.length);
const BY_UID = new Map(ACCOUNTS.map((entry) => [one(entry, 'uid'), entry]));

describe('generateDirectoryLdif', () => {
  it('is deterministic for the same options and changes with the seed', () => {
    expect(generateDirectoryLdif()).toBe(LDIF);
    expect(generateDirectoryLdif({ count: 50, seed: 7 })).toBe(generateDirectoryLdif({ count: 50, seed: 7 }));
    expect(generateDirectoryLdif({ count: 50, seed: 7 })).not.toBe(generateDirectoryLdif({ count: 50, seed: 8 }));
  });

  it('writes count + fixtures + operators account entries', () => {
    const expected = 320 + TRAINING_FIXTURES.length + TRAINING_OPERATORS.length;
    expect(LDIF.match(/^dn: uid=/gm)).toHaveLength(expected);
    const withoutOperators = generateDirectoryLdif({ count: 40, includeOperators: false });
    expect(withoutOperators.match(/^dn: uid=/gm)).toHaveLength(40 + TRAINING_FIXTURES.length);
  });

  it('keeps ordinary accounts stable across count and includeOperators', () => {
    const tail = (text: string, skip: number) => accounts(parseLdif(text)).slice(skip).map((e) => e.dn);
    const small = tail(generateDirectoryLdif({ count: 50 }), TRAINING_FIXTURES.length + TRAINING_OPERATORS.length);
    const noOperators = tail(generateDirectoryLdif({ count: 50, includeOperators: false }), TRAINING_FIXTURES.length);
    expect(small).toEqual(GENERATED.slice(0, 50).map((e) => e.dn));
    expect(noOperators).toEqual(small);
  });

  it('builds the tree: base, OUs, password policy and units, parents first', () => {
    const base = 'dc=daotao,dc=gov,dc=vn';
    const [root] = ENTRIES;
    expect(root?.dn).toBe(base);
    expect(root?.attrs.get('objectClass')).toEqual(['top', 'dcObject', 'organization']);
    expect(root && one(root, 'o')).toBe('Cổng đào tạo Bàn trợ giúp');
    const dns = ENTRIES.map((entry) => entry.dn);
    for (const ou of ['people', 'policies', 'system']) expect(dns).toContain(`ou=${ou},${base}`);
    const policy = ENTRIES.find((entry) => entry.dn === `cn=default,ou=policies,${base}`);
    expect(policy && Object.fromEntries([...policy.attrs].map(([k, v]) => [k, v.join('|')]))).toEqual({
      objectClass: 'top|device|pwdPolicy',
      cn: 'default',
      pwdAttribute: 'userPassword',
      pwdMaxAge: '15552000',
      pwdExpireWarning: '1209600',
      pwdLockout: 'TRUE',
      pwdMaxFailure: '3',
      pwdLockoutDuration: '0',
      pwdFailureCountInterval: '0',
      pwdMinLength: '8',
      pwdInHistory: '5',
      pwdCheckQuality: '1',
      pwdMustChange: 'TRUE',
      pwdAllowUserChange: 'TRUE',
    });
    const unit = ENTRIES.find((entry) => entry.dn === `ou=stttt,ou=people,${base}`);
    expect(unit && one(unit, 'description')).toBe('Sở Thông tin và Truyền thông');
    const seen = new Set<string>();
    for (const dn of dns) {
      if (dn !== base) expect(seen.has(dn.slice(dn.indexOf(',') + 1))).toBe(true);
      seen.add(dn);
    }
  });

  it('honours a different base DN', () => {
    const text = generateDirectoryLdif({ baseDn: 'dc=bench,dc=example', count: 5 });
    const entries = parseLdif(text);
    expect(entries[0] && one(entries[0], 'dc')).toBe('bench');
    expect(entries.every((entry) => entry.dn.endsWith('dc=bench,dc=example'))).toBe(true);
  });

  it('gives every account a unique uid that matches its DN and mail', () => {
    const uids = ACCOUNTS.map((entry) => one(entry, 'uid') ?? '');
    expect(new Set(uids).size).toBe(uids.length);
    for (const entry of ACCOUNTS) {
      const uid = one(entry, 'uid') ?? '';
      const unit = /^uid=[^,]+,ou=([^,]+),ou=people,/.exec(entry.dn)?.[1];
      expect(entry.dn.startsWith(`uid=${uid},`)).toBe(true);
      expect(one(entry, 'mail')).toBe(`${uid}@${unit}.daotao.gov.vn`);
      expect(uid).toMatch(/^[a-z0-9.]+$/);
    }
  });

  it('derives person uids from the name in the government style', () => {
    const fold = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();
    const people = GENERATED.filter((entry) => one(entry, 'hdAccountType') === 'individual');
    for (const entry of people) {
      const parts = (one(entry, 'cn') ?? '').split(' ');
      const given = parts[parts.length - 1] ?? '';
      const base = fold(given) + parts.slice(0, -1).map((part) => fold(part)[0]).join('');
      expect(one(entry, 'uid')).toMatch(new RegExp(`^${base}(\\d+)?$`));
      expect(one(entry, 'sn')).toBe(parts[0]);
      expect(one(entry, 'givenName')).toBe(given);
      expect(one(entry, 'displayName')).toBe(one(entry, 'cn'));
    }
    expect(people.length).toBeGreaterThan(250);
  });

  it('writes only valid tax codes, on organisations', () => {
    const withTax = ACCOUNTS.filter((entry) => entry.attrs.has('hdTaxCode'));
    expect(withTax.length).toBeGreaterThan(15);
    for (const entry of withTax) {
      expect(validTaxCode(one(entry, 'hdTaxCode') ?? ''), one(entry, 'hdTaxCode')).toBe(true);
      expect(one(entry, 'hdAccountType')).toBe('organisation');
      expect(entry.attrs.has('hdCitizenId')).toBe(false);
      expect(one(entry, 'sn')).toBe(one(entry, 'cn'));
    }
    expect(withTax.some((entry) => one(entry, 'hdTaxCode')?.includes('-'))).toBe(true);
  });

  it('writes valid CCCD (12 digits, real province) or CMND (9 digits) citizen ids', () => {
    const ids = ACCOUNTS.flatMap((entry) => entry.attrs.get('hdCitizenId') ?? []);
    const cccd = ids.filter((id) => id.length === 12);
    for (const id of cccd) expect(validCitizenCard(id), id).toBe(true);
    for (const id of ids.filter((id) => id.length !== 12)) expect(id).toMatch(/^\d{9}$/);
    expect(cccd.length / ids.length).toBeGreaterThan(0.8);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('writes valid Vietnamese mobiles in the allowed formats', () => {
    const mobiles = ACCOUNTS.flatMap((entry) => entry.attrs.get('mobile') ?? []);
    for (const mobile of mobiles) expect(validMobile(mobile), mobile).toBe(true);
    expect(mobiles.length / ACCOUNTS.length).toBeGreaterThan(0.75);
    for (const format of MOBILE_FORMATS) expect(mobiles.some((mobile) => format.test(mobile))).toBe(true);
  });

  it('writes 10-digit social insurance codes and personal recovery addresses', () => {
    for (const entry of ACCOUNTS) {
      const insurance = one(entry, 'hdSocialInsuranceCode');
      if (insurance !== undefined) expect(insurance).toMatch(/^\d{10}$/);
      const recovery = one(entry, 'hdRecoveryEmail');
      if (recovery !== undefined) {
        expect(recovery).toMatch(/^[a-z0-9.]+@[a-z0-9.]+$/);
        expect(recovery).not.toBe(one(entry, 'mail'));
      }
    }
  });

  it('spreads password state: expired, expiring, locked, disabled and reset accounts', () => {
    const ages = GENERATED.map((entry) => (REFERENCE_MS - generalizedTimeMs(one(entry, 'pwdChangedTime') ?? '')) / DAY_MS);
    expect(ages.every((age) => age >= 0 && age < 220)).toBe(true);
    expect(ages.some((age) => age > 180)).toBe(true);
    expect(ages.some((age) => age > 166 && age <= 180)).toBe(true);

    const locked = GENERATED.filter((entry) => /^2026\d+Z$/.test(one(entry, 'pwdAccountLockedTime') ?? ''));
    expect(locked.length).toBeGreaterThan(8);
    for (const entry of locked) {
      const lockedMs = generalizedTimeMs(one(entry, 'pwdAccountLockedTime') ?? '');
      expect(REFERENCE_MS - lockedMs).toBeLessThanOrEqual(3 * DAY_MS);
      const failures = (entry.attrs.get('pwdFailureTime') ?? []).map(generalizedTimeMs);
      expect(failures).toHaveLength(3);
      expect(failures.every((time) => time <= lockedMs && lockedMs - time < 600_000)).toBe(true);
    }
    const disabled = GENERATED.filter((entry) => one(entry, 'pwdAccountLockedTime') === '000001010000Z');
    expect(disabled.length).toBeGreaterThan(2);
    expect(GENERATED.filter((entry) => one(entry, 'pwdReset') === 'TRUE').length).toBeGreaterThan(10);
  });

  it('writes ~10 % organisation accounts', () => {
    const organisations = GENERATED.filter((entry) => one(entry, 'hdAccountType') === 'organisation');
    expect(organisations.length).toBeGreaterThan(15);
    expect(organisations.length).toBeLessThan(60);
    for (const entry of organisations) expect(one(entry, 'uid')).toMatch(/^[a-z]+\.[a-z]+\d*$/);
  });

  it('writes the fixtures first, with their exact values', () => {
    expect(ACCOUNTS.slice(0, TRAINING_FIXTURES.length).map((entry) => one(entry, 'uid'))).toEqual([
      'annv', 'binhtt', 'cuonglh', 'dungpq', 'cty.minhphat', 'annv2',
    ]);
    const annv = BY_UID.get('annv');
    expect(annv?.dn).toBe('uid=annv,ou=stttt,ou=people,dc=daotao,dc=gov,dc=vn');
    expect(annv && Object.fromEntries([...annv.attrs].filter(([k]) => k !== 'userPassword' && k !== 'objectClass' && k !== 'title'))).toEqual({
      uid: ['annv'],
      cn: ['Nguyễn Văn An'],
      displayName: ['Nguyễn Văn An'],
      sn: ['Nguyễn'],
      givenName: ['An'],
      ou: ['Sở Thông tin và Truyền thông'],
      mail: ['annv@stttt.daotao.gov.vn'],
      mobile: ['0912345698'],
      hdRecoveryEmail: ['an.nguyen.hcm@gmail.com'],
      hdAccountType: ['individual'],
      hdCitizenId: ['079088001234'],
      hdSocialInsuranceCode: ['7912345678'],
      pwdChangedTime: ['20260901000000Z'],
      pwdAccountLockedTime: ['20261119083000Z'],
      pwdFailureTime: ['20261119082800Z', '20261119082900Z', '20261119083000Z'],
    });

    const binh = BY_UID.get('binhtt');
    expect(binh && [one(binh, 'cn'), one(binh, 'mobile'), one(binh, 'hdCitizenId'), one(binh, 'pwdReset'), one(binh, 'pwdChangedTime')])
      .toEqual(['Trần Thị Bình', '+84987654321', '001190004567', 'TRUE', '20261115000000Z']);
    expect(binh?.attrs.has('hdRecoveryEmail')).toBe(false);

    const cuong = BY_UID.get('cuonglh');
    expect(cuong && [one(cuong, 'cn'), one(cuong, 'hdCitizenId'), one(cuong, 'pwdChangedTime')])
      .toEqual(['Lê Hữu Cường', '024681357', '20260301000000Z']);
    expect(cuong?.attrs.has('mobile') || cuong?.attrs.has('hdRecoveryEmail')).toBe(false);

    const dung = BY_UID.get('dungpq');
    expect(dung && [one(dung, 'cn'), one(dung, 'mobile'), one(dung, 'hdRecoveryEmail'), one(dung, 'pwdAccountLockedTime'), one(dung, 'pwdChangedTime')])
      .toEqual(['Phạm Quốc Dũng', '0903 111 222', 'dung.pham@yahoo.com', '000001010000Z', '20261001000000Z']);

    const company = BY_UID.get('cty.minhphat');
    expect(company && [one(company, 'cn'), one(company, 'sn'), one(company, 'hdAccountType'), one(company, 'hdTaxCode'), one(company, 'mobile'), one(company, 'hdRecoveryEmail'), one(company, 'pwdChangedTime')])
      .toEqual(['Công ty TNHH Minh Phát', 'Công ty TNHH Minh Phát', 'organisation', '0314409058', '0971234567', 'ketoan@minhphat.com.vn', '20261010000000Z']);
    expect(validTaxCode('0314409058')).toBe(true);
    expect(company?.attrs.has('hdCitizenId')).toBe(false);

    const an2 = BY_UID.get('annv2');
    expect(an2 && [one(an2, 'cn'), one(an2, 'mobile'), one(an2, 'pwdChangedTime')]).toEqual(['Nguyễn Văn Ân', '0977000111', '20261105000000Z']);
    expect(an2?.attrs.has('pwdAccountLockedTime')).toBe(false);

    for (const fixture of TRAINING_FIXTURES) {
      const entry = BY_UID.get(fixture.uid);
      expect(entry?.dn).toBe(`uid=${fixture.uid},ou=${fixture.unit},ou=people,dc=daotao,dc=gov,dc=vn`);
      expect(entry && [one(entry, 'cn'), one(entry, 'mobile'), one(entry, 'hdCitizenId'), one(entry, 'hdTaxCode')])
        .toEqual([fixture.cn, fixture.mobile, fixture.citizenId, fixture.taxCode]);
    }
  });

  it('writes the operators in cntt, binding with the training password, without lock state', () => {
    for (const operator of TRAINING_OPERATORS) {
      const entry = BY_UID.get(operator.uid);
      expect(entry?.dn).toBe(`uid=${operator.uid},ou=cntt,ou=people,dc=daotao,dc=gov,dc=vn`);
      expect(entry && one(entry, 'cn')).toBe(operator.cn);
      expect(sshaMatches(entry ? one(entry, 'userPassword') ?? '' : '', TRAINING_OPERATOR_PASSWORD)).toBe(true);
      expect(validMobile(entry ? one(entry, 'mobile') ?? '' : '')).toBe(true);
      for (const name of ['pwdAccountLockedTime', 'pwdFailureTime', 'pwdReset']) expect(entry?.attrs.has(name)).toBe(false);
    }
    expect(TRAINING_OPERATORS.map((operator) => operator.uid)).toEqual(['tongdai01', 'tongdai02', 'giamsat01', 'kiemtra01', 'giamsat02']);
  });

  it('puts one sample user of each role in the role groups the training profile names', () => {
    const groups = trainingRoleGroups('dc=daotao,dc=gov,dc=vn');
    for (const role of ['operator', 'supervisor', 'auditor'] as const) {
      const members = LDIF.split('\n\n')
        .find((chunk) => chunk.startsWith(`dn: ${groups[role][0]}\n`))
        ?.split('\n')
        .filter((l) => l.startsWith('member: '))
        .map((l) => l.slice('member: '.length));
      expect(members).toEqual(TRAINING_OPERATORS.filter((o) => o.role === role).map((o) => `uid=${o.uid},ou=cntt,ou=people,dc=daotao,dc=gov,dc=vn`));
      expect(members?.length).toBeGreaterThan(0);
    }
  });

  it('base64-encodes every value that is not a safe ASCII string (RFC 2849)', () => {
    const safe = /^(?:[\x01-\x09\x0b\x0c\x0e-\x1f\x21-\x39\x3b\x3d-\x7f][\x01-\x09\x0b\x0c\x0e-\x7f]*)?$/;
    expect(LDIF).toMatch(/^[\x00-\x7f]*$/);
    expect(LDIF).not.toContain('\r');
    for (const line of LDIF.split('\n')) {
      if (line === '' || line.startsWith('#') || line.startsWith(' ')) continue;
      const match = /^([A-Za-z][A-Za-z0-9-]*)(::?) ?(.*)$/.exec(line);
      expect(match, line).not.toBeNull();
      if (match?.[2] === ':') expect(safe.test(match[3] ?? '') && !(match[3] ?? '').endsWith(' '), line).toBe(true);
      else expect(match?.[3]).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
    }
    const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
    expect(LDIF).toContain(`cn:: ${b64('Nguyễn Văn An')}\n`);
    expect(LDIF).toContain(`o:: ${b64('Cổng đào tạo Bàn trợ giúp')}\n`);
    expect(LDIF).toMatch(/^dn: dc=daotao,dc=gov,dc=vn$/m);
    expect(LDIF.endsWith('\n')).toBe(true);
  });

  it('generates 100000 accounts in one go', { timeout: 60_000 }, () => {
    const text = generateDirectoryLdif({ count: 100_000 });
    expect(text.match(/^dn: uid=/gm)).toHaveLength(100_000 + TRAINING_FIXTURES.length + TRAINING_OPERATORS.length);
  });
});

describe('sshaHash', () => {
  it('is {SSHA} base64(sha1(password ‖ salt) ‖ salt)', () => {
    const salt = Buffer.from('0102030405060708', 'hex');
    const expected = Buffer.concat([createHash('sha1').update('DaoTao@2026').update(salt).digest(), salt]).toString('base64');
    expect(sshaHash('DaoTao@2026', salt)).toBe(`{SSHA}${expected}`);
    expect(sshaMatches(sshaHash('Mật khẩu'), 'Mật khẩu')).toBe(true);
  });
});

describe('mulberry32', () => {
  it('repeats for the same seed and stays in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
  });
});
