/**
 * Deterministic generator of a realistic Vietnamese government directory, written as LDIF
 * (RFC 2849) for the training slapd and the benchmark.
 *
 * Same options → byte-identical output: every random choice comes from a seeded mulberry32
 * stream, and all dates are relative to the fixed TRAINING_REFERENCE_DATE. The ordinary
 * accounts use their own stream, so the first N accounts of a larger run equal a run with
 * count N, and switching the operators on or off does not change them.
 */
import type { Role } from '../src-main/common/roles';
import { sshaHash, trainingRoleGroups } from '../src-main/adapters/training/training-directory';
import { taxCodeCheckDigit } from '../src-main/domain/identifiers';
import { normalizeVnMobile } from '../src-main/domain/phone';
import { foldDiacritics } from '../src-main/domain/text';

// ---------------------------------------------------------------------------------------------
// Public constants
// ---------------------------------------------------------------------------------------------

export const DEFAULT_BASE_DN = 'dc=daotao,dc=gov,dc=vn';
export const DEFAULT_ACCOUNT_COUNT = 320;
export const DEFAULT_SEED = 20261123;

/** "Now" for the generated password state: expiry and lockout are computed against it. */
export const TRAINING_REFERENCE_DATE = '2026-11-20T00:00:00Z';

export const TRAINING_OPERATOR_PASSWORD = 'DaoTao@2026';

/** pwdAccountLockedTime value that means "disabled by an administrator" (ppolicy). */
export const DISABLED_LOCK_TIME = '000001010000Z';

const MAIL_DOMAIN = 'daotao.gov.vn';
const BASE_ORGANISATION_NAME = 'Cổng đào tạo Bàn trợ giúp';
const FIXTURE_UNIT = 'stttt';
const OPERATOR_UNIT = 'cntt';

export interface TrainingUnit {
  readonly code: string;
  readonly name: string;
}

export const TRAINING_UNITS: readonly TrainingUnit[] = [
  { code: 'stttt', name: 'Sở Thông tin và Truyền thông' },
  { code: 'vpubnd', name: 'Văn phòng UBND Thành phố' },
  { code: 'stc', name: 'Sở Tài chính' },
  { code: 'snv', name: 'Sở Nội vụ' },
  { code: 'syt', name: 'Sở Y tế' },
  { code: 'cntt', name: 'Trung tâm Công nghệ thông tin và Truyền thông' },
  { code: 'q1', name: 'UBND Quận 1' },
  { code: 'bthanh', name: 'UBND Quận Bình Thạnh' },
  { code: 'vixuyen', name: 'UBND Huyện Vị Xuyên' },
  { code: 'bhxh', name: 'Bảo hiểm xã hội Quận 3' },
];

export type AccountType = 'individual' | 'organisation';

/** One account entry, with the exact attribute values written to the LDIF (except userPassword). */
export interface TrainingAccount {
  readonly uid: string;
  /** Code of the unit OU the entry lives in (ou=<unit>,ou=people,<base>). */
  readonly unit: string;
  readonly type: AccountType;
  readonly cn: string;
  readonly sn: string;
  readonly givenName?: string;
  readonly title?: string;
  readonly mail: string;
  readonly mobile?: string;
  readonly recoveryEmail?: string;
  readonly citizenId?: string;
  readonly taxCode?: string;
  readonly socialInsuranceCode?: string;
  readonly pwdChangedTime?: string;
  readonly pwdAccountLockedTime?: string;
  readonly pwdFailureTime?: readonly string[];
  readonly pwdReset?: boolean;
}

export interface TrainingOperator {
  readonly uid: string;
  readonly cn: string;
  /** The role group the sample user is put in. */
  readonly role: Role;
}

/** One sample user of each role (two operators, two supervisors: four eyes needs two), all with TRAINING_OPERATOR_PASSWORD. */
export const TRAINING_OPERATORS: readonly TrainingOperator[] = [
  { uid: 'tongdai01', cn: 'Đặng Thu Hà', role: 'operator' },
  { uid: 'tongdai02', cn: 'Hồ Minh Tuấn', role: 'operator' },
  { uid: 'giamsat01', cn: 'Võ Thanh Tâm', role: 'supervisor' },
  { uid: 'kiemtra01', cn: 'Lê Thị Kim Oanh', role: 'auditor' },
  { uid: 'giamsat02', cn: 'Trịnh Quốc Bảo', role: 'supervisor' },
];

function mailOf(uid: string, unit: string): string {
  return `${uid}@${unit}.${MAIL_DOMAIN}`;
}

/**
 * Fixed accounts, always written first (unit `stttt`); tests and the E2E suite depend on them.
 * The tax code 0314409058 passes the MST check digit as given (it is python-stdnum's own
 * example): weighted sum 332, 332 mod 11 = 2, check digit 10 − 2 = 8.
 */
export const TRAINING_FIXTURES: readonly TrainingAccount[] = [
  {
    uid: 'annv',
    unit: FIXTURE_UNIT,
    type: 'individual',
    cn: 'Nguyễn Văn An',
    sn: 'Nguyễn',
    givenName: 'An',
    title: 'Chuyên viên',
    mail: mailOf('annv', FIXTURE_UNIT),
    mobile: '0912345698',
    recoveryEmail: 'an.nguyen.hcm@gmail.com',
    citizenId: '079088001234',
    socialInsuranceCode: '7912345678',
    pwdChangedTime: '20260901000000Z',
    pwdAccountLockedTime: '20261119083000Z',
    pwdFailureTime: ['20261119082800Z', '20261119082900Z', '20261119083000Z'],
  },
  {
    uid: 'binhtt',
    unit: FIXTURE_UNIT,
    type: 'individual',
    cn: 'Trần Thị Bình',
    sn: 'Trần',
    givenName: 'Bình',
    title: 'Chuyên viên chính',
    mail: mailOf('binhtt', FIXTURE_UNIT),
    mobile: '+84987654321',
    citizenId: '001190004567',
    pwdChangedTime: '20261115000000Z',
    pwdReset: true,
  },
  {
    uid: 'cuonglh',
    unit: FIXTURE_UNIT,
    type: 'individual',
    cn: 'Lê Hữu Cường',
    sn: 'Lê',
    givenName: 'Cường',
    title: 'Trưởng phòng',
    mail: mailOf('cuonglh', FIXTURE_UNIT),
    citizenId: '024681357',
    pwdChangedTime: '20260301000000Z',
  },
  {
    uid: 'dungpq',
    unit: FIXTURE_UNIT,
    type: 'individual',
    cn: 'Phạm Quốc Dũng',
    sn: 'Phạm',
    givenName: 'Dũng',
    title: 'Phó Trưởng phòng',
    mail: mailOf('dungpq', FIXTURE_UNIT),
    mobile: '0903 111 222',
    recoveryEmail: 'dung.pham@yahoo.com',
    pwdChangedTime: '20261001000000Z',
    pwdAccountLockedTime: DISABLED_LOCK_TIME,
  },
  {
    uid: 'cty.minhphat',
    unit: FIXTURE_UNIT,
    type: 'organisation',
    cn: 'Công ty TNHH Minh Phát',
    sn: 'Công ty TNHH Minh Phát',
    mail: mailOf('cty.minhphat', FIXTURE_UNIT),
    mobile: '0971234567',
    recoveryEmail: 'ketoan@minhphat.com.vn',
    taxCode: '0314409058',
    pwdChangedTime: '20261010000000Z',
  },
  {
    uid: 'annv2',
    unit: FIXTURE_UNIT,
    type: 'individual',
    cn: 'Nguyễn Văn Ân',
    sn: 'Nguyễn',
    givenName: 'Ân',
    title: 'Cán sự',
    mail: mailOf('annv2', FIXTURE_UNIT),
    mobile: '0977000111',
    pwdChangedTime: '20261105000000Z',
  },
];

// ---------------------------------------------------------------------------------------------
// Seeded randomness
// ---------------------------------------------------------------------------------------------

/** mulberry32: a tiny 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class SeededRandom {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  float(): number {
    return this.next();
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  digits(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += String(Math.floor(this.next() * 10));
    return out;
  }

  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }
}

/** A sampler over weighted items (weights need not sum to 1). */
function weighted<T>(entries: readonly (readonly [T, number])[]): (random: SeededRandom) => T {
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  return (random) => {
    let roll = random.float() * total;
    for (const [item, weight] of entries) {
      roll -= weight;
      if (roll < 0) return item;
    }
    const last = entries[entries.length - 1];
    if (last === undefined) throw new Error('weighted pick from an empty list');
    return last[0];
  };
}

// ---------------------------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------------------------

/** Strip Vietnamese diacritics: NFD, drop combining marks, đ→d, Đ→D. */
export { foldDiacritics };

const slugCache = new Map<string, string>();

/** Lower-case ASCII with no separators: "Bến Nghé" → "benghe". Memoised: the vocabulary is small. */
function slug(text: string): string {
  let cached = slugCache.get(text);
  if (cached === undefined) {
    cached = foldDiacritics(text)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '');
    slugCache.set(text, cached);
  }
  return cached;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** LDAP GeneralizedTime, UTC, whole seconds: YYYYMMDDHHMMSSZ. */
function generalizedTime(epochMs: number): string {
  const d = new Date(epochMs);
  return (
    pad(d.getUTCFullYear(), 4) +
    pad(d.getUTCMonth() + 1, 2) +
    pad(d.getUTCDate(), 2) +
    pad(d.getUTCHours(), 2) +
    pad(d.getUTCMinutes(), 2) +
    pad(d.getUTCSeconds(), 2) +
    'Z'
  );
}

// ---------------------------------------------------------------------------------------------
// Passwords
// ---------------------------------------------------------------------------------------------

export { sshaHash };

const PASSWORD_ALPHABET = [...'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789@#%+='];

function randomPassword(random: SeededRandom): string {
  let out = '';
  for (let i = 0; i < 14; i++) out += random.pick(PASSWORD_ALPHABET);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Vietnamese identifiers
// ---------------------------------------------------------------------------------------------

/** CCCD province codes (Circular 07/2016/TT-BCA). */
const CCCD_PROVINCES: readonly string[] = [
  '001', // Hà Nội
  '002', // Hà Giang
  '031', // Hải Phòng
  '038', // Thanh Hóa
  '040', // Nghệ An
  '048', // Đà Nẵng
  '056', // Khánh Hòa
  '075', // Đồng Nai
  '079', // Hồ Chí Minh
  '092', // Cần Thơ
];

/** First two digits of an enterprise tax code: the tax department that issued it. */
const TAX_PROVINCES: readonly string[] = ['01', '02', '03', '04', '18', '28', '29', '36', '37', '42'];

/** MST check digit over the first nine digits (python-stdnum vn.mst); 10 means "no valid code". */
export function taxCheckDigit(firstNine: string): number {
  return taxCodeCheckDigit(firstNine) ?? 10;
}

const MOBILE_PREFIXES: readonly string[] = [
  '032', '033', '034', '035', '036', '037', '038', '039',
  '056', '058', '059',
  '070', '076', '077', '078', '079',
  '081', '082', '083', '084', '085', '086', '087', '088', '089',
  '090', '091', '093', '094', '096', '097', '098', '099',
];

type MobileFormat = 'plain' | 'plus84' | 'bare84' | 'spaced' | 'dashed';

const pickMobileFormat = weighted<MobileFormat>([
  ['plain', 60],
  ['plus84', 10],
  ['bare84', 10],
  ['spaced', 10],
  ['dashed', 10],
]);

/** Write a national mobile number (0 + 9 digits) in one of the formats people really type. */
function formatMobile(national: string, format: MobileFormat): string {
  const subscriber = national.slice(1);
  switch (format) {
    case 'plain':
      return national;
    case 'plus84':
      return `+84${subscriber}`;
    case 'bare84':
      return `84${subscriber}`;
    case 'spaced':
      return `${national.slice(0, 4)} ${national.slice(4, 7)} ${national.slice(7)}`;
    case 'dashed':
      return `${national.slice(0, 4)}-${national.slice(4, 7)}-${national.slice(7)}`;
  }
}

/** Reduce any of the formats above to 0 + 9 digits. */
function nationalMobile(mobile: string): string {
  const digits = mobile.replace(/[^0-9]/g, '');
  return digits.startsWith('84') && digits.length === 11 ? `0${digits.slice(2)}` : digits;
}

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

type Sex = 'male' | 'female';

const pickFamilyName = weighted<string>([
  ['Nguyễn', 35], ['Trần', 12], ['Lê', 10], ['Phạm', 8], ['Hoàng', 5], ['Phan', 5],
  ['Huỳnh', 4], ['Vũ', 4], ['Võ', 4], ['Đặng', 3], ['Bùi', 3], ['Đỗ', 2], ['Hồ', 2],
  ['Ngô', 1.5], ['Dương', 1], ['Lý', 0.5],
]);

const pickMiddleName: Record<Sex, (random: SeededRandom) => string> = {
  male: weighted([
    ['Văn', 35], ['Hữu', 10], ['Đức', 12], ['Minh', 12], ['Quốc', 10], ['Thanh', 8],
    ['Hoàng', 7], ['Xuân', 6],
  ]),
  female: weighted([
    ['Thị', 45], ['Ngọc', 12], ['Thu', 10], ['Thanh', 9], ['Kim', 8], ['Minh', 6], ['Xuân', 5],
    ['Hoàng', 5],
  ]),
};

const SECOND_MIDDLE_NAMES: Record<Sex, readonly string[]> = {
  male: ['Minh', 'Đức', 'Quốc', 'Hoàng', 'Thanh', 'Gia', 'Anh'],
  female: ['Bích', 'Kim', 'Ngọc', 'Thu', 'Thanh', 'Mỹ', 'Diệu'],
};

const GIVEN_NAMES: Record<Sex, readonly string[]> = {
  male: [
    'An', 'Bình', 'Cường', 'Dũng', 'Dương', 'Hải', 'Hiếu', 'Hòa', 'Hùng', 'Huy', 'Khánh', 'Khoa',
    'Long', 'Minh', 'Nam', 'Phong', 'Phúc', 'Quân', 'Quang', 'Sơn', 'Thành', 'Thắng', 'Trung',
    'Tuấn', 'Đạt', 'Đông', 'Vinh', 'Tâm',
  ],
  female: [
    'Anh', 'Châu', 'Giang', 'Hà', 'Hạnh', 'Hương', 'Lan', 'Linh', 'Mai', 'Nga', 'Ngọc', 'Nhung',
    'Phương', 'Tâm', 'Thảo', 'Trang', 'Vy', 'Yến', 'Hoa', 'Thủy', 'Hòa', 'Quỳnh',
  ],
};

interface PersonName {
  readonly family: string;
  readonly middles: readonly string[];
  readonly given: string;
}

function fullName(name: PersonName): string {
  return [name.family, ...name.middles, name.given].join(' ');
}

function generatePersonName(random: SeededRandom, sex: Sex): PersonName {
  const family = pickFamilyName(random);
  const middles = [pickMiddleName[sex](random)];
  if (random.chance(0.15)) {
    const first = middles[0];
    const second = random.pick(SECOND_MIDDLE_NAMES[sex].filter((name) => name !== first));
    middles.push(second);
  }
  const candidates = GIVEN_NAMES[sex].filter((name) => !middles.includes(name));
  return { family, middles, given: random.pick(candidates) };
}

/** Government-style uid: given name + initials of family and middle names, ASCII lower-case. */
export function personUidBase(name: { family: string; middles: readonly string[]; given: string }): string {
  const initials = [name.family, ...name.middles].map((part) => slug(part).charAt(0)).join('');
  return slug(name.given) + initials;
}

// ---------------------------------------------------------------------------------------------
// Organisations
// ---------------------------------------------------------------------------------------------

interface OrganisationKind {
  readonly prefix: string;
  readonly uidPrefix: string;
  readonly names: readonly string[];
}

const WARDS = [
  'Bến Nghé', 'Bến Thành', 'Đa Kao', 'Tân Định', 'Cầu Kho', 'Cô Giang', 'Phạm Ngũ Lão',
  'Cầu Ông Lãnh', 'Nguyễn Cư Trinh', 'Võ Thị Sáu', 'Thảo Điền', 'An Khánh', 'Bình Thọ',
  'Linh Trung', 'Hiệp Phú', 'Phước Long', 'Tân Phong', 'Phú Mỹ',
];

const BRANDS = [
  'Minh Phát', 'Hưng Thịnh', 'Phú Quý', 'Thành Công', 'An Khang', 'Đại Việt', 'Sao Mai',
  'Hoàng Long', 'Tân Tiến', 'Việt Tín', 'Nam Á', 'Phương Đông', 'Kim Long', 'Thiên Ân',
  'Bảo Minh', 'Đông Dương', 'Hòa Bình', 'Trường Sơn',
];

const SCHOOL_NAMES = [
  'Lê Lợi', 'Nguyễn Du', 'Trần Hưng Đạo', 'Lê Quý Đôn', 'Nguyễn Trãi', 'Chu Văn An',
  'Quang Trung', 'Võ Trường Toản', 'Nguyễn Bỉnh Khiêm', 'Lý Thường Kiệt', 'Hai Bà Trưng',
  'Trần Phú', 'Nguyễn Thị Minh Khai', 'Lương Thế Vinh', 'Phan Bội Châu', 'Trần Quốc Toản',
];

const ORGANISATION_KINDS: readonly OrganisationKind[] = [
  { prefix: 'Văn phòng UBND Phường', uidPrefix: 'vp', names: WARDS },
  { prefix: 'Trạm Y tế Phường', uidPrefix: 'tyt', names: WARDS },
  { prefix: 'Công ty TNHH', uidPrefix: 'cty', names: BRANDS },
  { prefix: 'Công ty Cổ phần', uidPrefix: 'ctcp', names: BRANDS },
  { prefix: 'Hợp tác xã', uidPrefix: 'htx', names: BRANDS },
  { prefix: 'Trường Tiểu học', uidPrefix: 'th', names: SCHOOL_NAMES },
  { prefix: 'Trường THCS', uidPrefix: 'thcs', names: SCHOOL_NAMES },
  { prefix: 'Trường THPT', uidPrefix: 'thpt', names: SCHOOL_NAMES },
];

const ORGANISATION_MAILBOXES = ['ketoan', 'vanthu', 'hanhchinh', 'lienhe'];

// ---------------------------------------------------------------------------------------------
// Account generation
// ---------------------------------------------------------------------------------------------

const pickTitle = weighted<string>([
  ['Chuyên viên', 40], ['Chuyên viên chính', 15], ['Phó Trưởng phòng', 8], ['Trưởng phòng', 5],
  ['Cán sự', 20], ['Văn thư', 12],
]);

const pickPersonalDomain = weighted<string>([
  ['gmail.com', 70], ['yahoo.com', 15], ['outlook.com.vn', 15],
]);

const SECOND_MS = 1000;
const DAY_S = 86_400;
const REFERENCE_MS = Date.parse(TRAINING_REFERENCE_DATE);

/** Uniqueness registries shared by everything generated in one run. */
class GenerationContext {
  private readonly uids = new Set<string>();
  private readonly nextSuffix = new Map<string, number>();
  private readonly citizenIds = new Set<string>();
  private readonly taxCodes = new Set<string>();
  private readonly mobiles = new Set<string>();

  reserve(account: TrainingAccount): void {
    this.uids.add(account.uid);
    if (account.citizenId) this.citizenIds.add(account.citizenId);
    if (account.taxCode) this.taxCodes.add(account.taxCode);
    if (account.mobile) this.mobiles.add(nationalMobile(account.mobile));
  }

  /** `base` if free, else base2, base3, … (amortised O(1) per call). */
  claimUid(base: string): string {
    if (!this.uids.has(base)) {
      this.uids.add(base);
      return base;
    }
    let suffix = this.nextSuffix.get(base) ?? 2;
    while (this.uids.has(`${base}${suffix}`)) suffix++;
    this.nextSuffix.set(base, suffix + 1);
    const uid = `${base}${suffix}`;
    this.uids.add(uid);
    return uid;
  }

  claimCitizenId(make: () => string): string {
    return claimUnique(this.citizenIds, make);
  }

  claimTaxCode(make: () => string): string {
    return claimUnique(this.taxCodes, make);
  }

  /**
   * A unique national number: 0 + 9 digits that the app's own phone rule accepts. Parts of the 089 and
   * 099 ranges are not allocated (libphonenumber refuses them): such a draw moves to 088 / 098 with the
   * same digits, so no extra random draw shifts the rest of the directory.
   */
  claimNationalMobile(random: SeededRandom): string {
    return claimUnique(this.mobiles, () => {
      const drawn = random.pick(MOBILE_PREFIXES) + random.digits(7);
      if (normalizeVnMobile(drawn).ok) return drawn;
      const moved = drawn.replace(/^089/u, '088').replace(/^099/u, '098');
      if (!normalizeVnMobile(moved).ok) throw new Error(`training data: no valid mobile for ${drawn}`);
      return moved;
    });
  }

  /** A unique mobile, written in one of the common formats. */
  claimMobile(random: SeededRandom): string {
    return formatMobile(this.claimNationalMobile(random), pickMobileFormat(random));
  }
}

function claimUnique(taken: Set<string>, make: () => string): string {
  for (;;) {
    const value = make();
    if (!taken.has(value)) {
      taken.add(value);
      return value;
    }
  }
}

function citizenCardNumber(random: SeededRandom, sex: Sex, birthYear: number): string {
  const centurySex = (birthYear >= 2000 ? 2 : 0) + (sex === 'female' ? 1 : 0);
  return random.pick(CCCD_PROVINCES) + String(centurySex) + pad(birthYear % 100, 2) + random.digits(6);
}

function identityCardNumber(random: SeededRandom): string {
  return String(random.int(0, 3)) + random.digits(8);
}

function taxCode(random: SeededRandom): string {
  for (;;) {
    const firstNine = random.pick(TAX_PROVINCES) + random.digits(7);
    const check = taxCheckDigit(firstNine);
    if (check > 9 || firstNine.slice(2) === '0000000') continue;
    const code = firstNine + String(check);
    return random.chance(0.2) ? `${code}-${pad(random.int(1, 30), 3)}` : code;
  }
}

function socialInsuranceCode(random: SeededRandom): string {
  return random.pick(CCCD_PROVINCES).slice(1) + random.digits(8);
}

function personalEmail(random: SeededRandom, name: PersonName, uidBase: string, birthYear: number): string {
  const given = slug(name.given);
  const family = slug(name.family);
  const yy = pad(birthYear % 100, 2);
  const local = random.pick([
    `${given}.${family}`,
    `${given}.${family}${yy}`,
    `${uidBase}${yy}`,
    `${family}${given}${random.int(1, 999)}`,
  ]);
  return `${local}@${pickPersonalDomain(random)}`;
}

type PasswordState = Pick<
  TrainingAccount,
  'pwdChangedTime' | 'pwdAccountLockedTime' | 'pwdFailureTime' | 'pwdReset'
>;

/**
 * Changed within the last 220 days (maxAge is 180 d, so some are expired and some within the
 * 14-day warning); ~8 % locked by failures in the last 3 days, ~3 % disabled, ~10 % pwdReset.
 */
function passwordState(random: SeededRandom): PasswordState {
  let changedMs = REFERENCE_MS - random.int(0, 220 * DAY_S - 1) * SECOND_MS;
  const roll = random.float();
  let lock: Pick<PasswordState, 'pwdAccountLockedTime' | 'pwdFailureTime'> = {};
  if (roll < 0.08) {
    const lockedMs = REFERENCE_MS - random.int(60, 3 * DAY_S) * SECOND_MS;
    const gapA = random.int(15, 90) * SECOND_MS;
    const gapB = random.int(15, 90) * SECOND_MS;
    const failures = [lockedMs - gapA - gapB, lockedMs - gapB, lockedMs];
    changedMs = Math.min(changedMs, lockedMs - gapA - gapB - 3600 * SECOND_MS);
    lock = {
      pwdAccountLockedTime: generalizedTime(lockedMs),
      pwdFailureTime: failures.map(generalizedTime),
    };
  } else if (roll < 0.11) {
    lock = { pwdAccountLockedTime: DISABLED_LOCK_TIME };
  }
  const reset = random.chance(0.1);
  return { pwdChangedTime: generalizedTime(changedMs), ...lock, ...(reset ? { pwdReset: true } : {}) };
}

function generatePerson(random: SeededRandom, context: GenerationContext): TrainingAccount {
  const sex: Sex = random.chance(0.5) ? 'male' : 'female';
  const name = generatePersonName(random, sex);
  const uidBase = personUidBase(name);
  const uid = context.claimUid(uidBase);
  const unit = random.pick(TRAINING_UNITS).code;
  const birthYear = random.int(1965, 2003);
  const title = pickTitle(random);
  const mobile = random.chance(0.85) ? context.claimMobile(random) : undefined;
  const recoveryEmail = random.chance(0.6) ? personalEmail(random, name, uidBase, birthYear) : undefined;
  const citizenId = random.chance(0.9)
    ? context.claimCitizenId(() => citizenCardNumber(random, sex, birthYear))
    : context.claimCitizenId(() => identityCardNumber(random));
  const insurance = random.chance(0.7) ? socialInsuranceCode(random) : undefined;
  return {
    uid,
    unit,
    type: 'individual',
    cn: fullName(name),
    sn: name.family,
    givenName: name.given,
    title,
    mail: mailOf(uid, unit),
    ...(mobile ? { mobile } : {}),
    ...(recoveryEmail ? { recoveryEmail } : {}),
    citizenId,
    ...(insurance ? { socialInsuranceCode: insurance } : {}),
    ...passwordState(random),
  };
}

function generateOrganisation(random: SeededRandom, context: GenerationContext): TrainingAccount {
  const kind = random.pick(ORGANISATION_KINDS);
  const name = random.pick(kind.names);
  const cn = `${kind.prefix} ${name}`;
  const uid = context.claimUid(`${kind.uidPrefix}.${slug(name)}`);
  const unit = random.pick(TRAINING_UNITS).code;
  const mobile = random.chance(0.85) ? context.claimMobile(random) : undefined;
  const recoveryEmail = random.chance(0.6)
    ? `${random.pick(ORGANISATION_MAILBOXES)}.${slug(name)}@${pickPersonalDomain(random)}`
    : undefined;
  return {
    uid,
    unit,
    type: 'organisation',
    cn,
    sn: cn,
    mail: mailOf(uid, unit),
    ...(mobile ? { mobile } : {}),
    ...(recoveryEmail ? { recoveryEmail } : {}),
    taxCode: context.claimTaxCode(() => taxCode(random)),
    ...passwordState(random),
  };
}

function operatorAccount(operator: TrainingOperator, random: SeededRandom, context: GenerationContext): TrainingAccount {
  const parts = operator.cn.split(' ');
  return {
    uid: operator.uid,
    unit: OPERATOR_UNIT,
    type: 'individual',
    cn: operator.cn,
    sn: parts[0] ?? operator.cn,
    givenName: parts[parts.length - 1] ?? operator.cn,
    title: 'Chuyên viên',
    mail: mailOf(operator.uid, OPERATOR_UNIT),
    mobile: context.claimNationalMobile(random),
  };
}

// ---------------------------------------------------------------------------------------------
// LDIF writing (RFC 2849)
// ---------------------------------------------------------------------------------------------

/** SAFE-STRING of RFC 2849: ASCII without NUL/CR/LF, not starting with space, ':' or '<'. */
const SAFE_STRING = /^(?:[\x01-\x09\x0b\x0c\x0e-\x1f\x21-\x39\x3b\x3d-\x7f][\x01-\x09\x0b\x0c\x0e-\x7f]*)?$/;

/** `attr: value`, or `attr:: base64` when the value is not a safe string (or ends in a space). */
export function ldifLine(attribute: string, value: string): string {
  if (SAFE_STRING.test(value) && !value.endsWith(' ')) return `${attribute}: ${value}`;
  return `${attribute}:: ${Buffer.from(value, 'utf8').toString('base64')}`;
}

type Attribute = readonly [name: string, value: string];

function entry(dn: string, attributes: readonly Attribute[]): string {
  const lines = [ldifLine('dn', dn)];
  for (const [name, value] of attributes) lines.push(ldifLine(name, value));
  return `${lines.join('\n')}\n`;
}

function objectClasses(...names: string[]): Attribute[] {
  return names.map((name) => ['objectClass', name] as const);
}

function firstDcValue(baseDn: string): string {
  const match = /^dc=([^,]+)/i.exec(baseDn.trim());
  if (!match?.[1]) throw new Error(`baseDn must start with a dc= component: ${baseDn}`);
  return match[1];
}

function structureEntries(baseDn: string): string[] {
  const people = `ou=people,${baseDn}`;
  return [
    entry(baseDn, [
      ...objectClasses('top', 'dcObject', 'organization'),
      ['dc', firstDcValue(baseDn)],
      ['o', BASE_ORGANISATION_NAME],
    ]),
    ...['people', 'policies', 'system', 'groups'].map((ou) =>
      entry(`ou=${ou},${baseDn}`, [...objectClasses('top', 'organizationalUnit'), ['ou', ou]]),
    ),
    entry(`cn=default,ou=policies,${baseDn}`, [
      ...objectClasses('top', 'device', 'pwdPolicy'),
      ['cn', 'default'],
      ['pwdAttribute', 'userPassword'],
      ['pwdMaxAge', '15552000'],
      ['pwdExpireWarning', '1209600'],
      ['pwdLockout', 'TRUE'],
      ['pwdMaxFailure', '3'],
      ['pwdLockoutDuration', '0'],
      ['pwdFailureCountInterval', '0'],
      ['pwdMinLength', '8'],
      ['pwdInHistory', '5'],
      ['pwdCheckQuality', '1'],
      ['pwdMustChange', 'TRUE'],
      ['pwdAllowUserChange', 'TRUE'],
    ]),
    ...TRAINING_UNITS.map((unit) =>
      entry(`ou=${unit.code},${people}`, [
        ...objectClasses('top', 'organizationalUnit'),
        ['ou', unit.code],
        ['description', unit.name],
      ]),
    ),
  ];
}

const UNIT_NAMES = new Map(TRAINING_UNITS.map((unit) => [unit.code, unit.name]));

function optional(name: string, value: string | undefined): Attribute[] {
  return value === undefined ? [] : [[name, value]];
}

function accountEntry(account: TrainingAccount, userPassword: string, baseDn: string): string {
  const unitName = UNIT_NAMES.get(account.unit);
  if (unitName === undefined) throw new Error(`unknown unit ${account.unit}`);
  return entry(`uid=${account.uid},ou=${account.unit},ou=people,${baseDn}`, [
    ...objectClasses('top', 'person', 'organizationalPerson', 'inetOrgPerson', 'hdAccount'),
    ['uid', account.uid],
    ['cn', account.cn],
    ['displayName', account.cn],
    ['sn', account.sn],
    ...optional('givenName', account.givenName),
    ['ou', unitName],
    ...optional('title', account.title),
    ['mail', account.mail],
    ...optional('mobile', account.mobile),
    ...optional('hdRecoveryEmail', account.recoveryEmail),
    ['hdAccountType', account.type],
    ...optional('hdCitizenId', account.citizenId),
    ...optional('hdTaxCode', account.taxCode),
    ...optional('hdSocialInsuranceCode', account.socialInsuranceCode),
    ['userPassword', userPassword],
    ...optional('pwdChangedTime', account.pwdChangedTime),
    ...optional('pwdAccountLockedTime', account.pwdAccountLockedTime),
    ...(account.pwdFailureTime ?? []).map((time) => ['pwdFailureTime', time] as const),
    ...(account.pwdReset ? [['pwdReset', 'TRUE'] as const] : []),
  ]);
}

/** The role groups (groupOfNames) with the sample users as members. */
function roleGroupEntries(baseDn: string): string[] {
  const groups = trainingRoleGroups(baseDn);
  return (['operator', 'supervisor', 'auditor'] as const).map((role) => {
    const dn = groups[role][0]!;
    const members = TRAINING_OPERATORS.filter((o) => o.role === role).map((o) => `uid=${o.uid},ou=${OPERATOR_UNIT},ou=people,${baseDn}`);
    return entry(dn, [
      ...objectClasses('top', 'groupOfNames'),
      ['cn', dn.slice(3, dn.indexOf(','))],
      ...members.map((m) => ['member', m] as const),
    ]);
  });
}

function randomPasswordHash(random: SeededRandom): string {
  return sshaHash(randomPassword(random), random.bytes(8));
}

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

export interface DirectoryOptions {
  baseDn?: string;
  /** Ordinary generated accounts (fixtures and operators come on top). */
  count?: number;
  seed?: number;
  includeOperators?: boolean;
}

/** Independent streams, so that fixtures/operators never shift the ordinary accounts. */
const STREAM_FIXTURES = 0x85ebca6b;
const STREAM_OPERATORS = 0xc2b2ae35;

export function generateDirectoryLdif(options: DirectoryOptions = {}): string {
  const baseDn = options.baseDn ?? DEFAULT_BASE_DN;
  const count = options.count ?? DEFAULT_ACCOUNT_COUNT;
  const seed = options.seed ?? DEFAULT_SEED;
  const includeOperators = options.includeOperators ?? true;
  if (!Number.isInteger(count) || count < 0) throw new Error(`count must be a non-negative integer: ${count}`);

  // Operators are built (and their uids and mobiles reserved) even when they are not written,
  // so that includeOperators never changes the ordinary accounts.
  const context = new GenerationContext();
  for (const fixture of TRAINING_FIXTURES) context.reserve(fixture);
  const operatorRandom = new SeededRandom(seed ^ STREAM_OPERATORS);
  const operators = TRAINING_OPERATORS.map((operator) => {
    context.claimUid(operator.uid);
    const account = operatorAccount(operator, operatorRandom, context);
    return accountEntry(account, sshaHash(TRAINING_OPERATOR_PASSWORD, operatorRandom.bytes(8)), baseDn);
  });

  // No "version: 1" line: slapadd (OpenLDAP 2.5) rejects it, and it is the main consumer.
  const chunks: string[] = [
    `# Helpdesk training directory: seed ${seed}, ${count} generated accounts.\n` +
      '# Generated by scripts/generate-training-ldif.ts; do not edit by hand.\n',
    ...structureEntries(baseDn),
  ];

  const fixtureRandom = new SeededRandom(seed ^ STREAM_FIXTURES);
  for (const fixture of TRAINING_FIXTURES) {
    chunks.push(accountEntry(fixture, randomPasswordHash(fixtureRandom), baseDn));
  }

  if (includeOperators) {
    chunks.push(...operators);
    chunks.push(...roleGroupEntries(baseDn));
  }

  const random = new SeededRandom(seed);
  for (let i = 0; i < count; i++) {
    const account = random.chance(0.1) ? generateOrganisation(random, context) : generatePerson(random, context);
    chunks.push(accountEntry(account, randomPasswordHash(random), baseDn));
  }

  return chunks.join('\n');
}
