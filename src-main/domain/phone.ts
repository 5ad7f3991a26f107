import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type PhoneResult =
  | { ok: true; national: string; gateway: string }
  | { ok: false; reason: 'invalid' | 'landline' | 'old_format' | 'not_vietnamese' };

/**
 * Normalises a Vietnamese mobile number written any usual way (`+84 912 345 678`, `0084…`, `84…`,
 * `912345678`, `0912-345-678`) to the national form `0912345678` and the gateway form `84912345678`.
 * Landlines and the pre-2018 11-digit mobile numbers are refused with a reason.
 */
export function normalizeVnMobile(input: string): PhoneResult {
  const compact = input.replace(/[\s.\-()]/gu, '');
  if (!/^\+?\d{8,15}$/u.test(compact)) return { ok: false, reason: 'invalid' };
  let international: string;
  if (compact.startsWith('+')) international = compact;
  else if (compact.startsWith('0084')) international = `+${compact.slice(2)}`;
  else if (compact.startsWith('84') && compact.length >= 11) international = `+${compact}`;
  else if (compact.startsWith('0')) international = `+84${compact.slice(1)}`;
  else if (compact.length === 9) international = `+84${compact}`;
  else return { ok: false, reason: 'invalid' };

  if (!international.startsWith('+84')) return { ok: false, reason: 'not_vietnamese' };
  const subscriber = international.slice(3);
  // Pre-2018 mobile ranges had 10 subscriber digits starting with 1 (01xx…): renumbered in 2018.
  if (/^1\d{9}$/u.test(subscriber)) return { ok: false, reason: 'old_format' };

  const parsed = parsePhoneNumberFromString(international, 'VN');
  if (!parsed || !parsed.isValid()) return { ok: false, reason: 'invalid' };
  const type = parsed.getType();
  if (type === 'FIXED_LINE') return { ok: false, reason: 'landline' };
  if (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') return { ok: false, reason: 'invalid' };
  const national = `0${parsed.nationalNumber}`;
  return { ok: true, national, gateway: `84${parsed.nationalNumber}` };
}

/**
 * The spellings a directory may hold for one mobile number without punctuation; LDAP
 * telephoneNumberMatch already ignores spaces and hyphens, so these cover the prefixes.
 */
export function phoneSpellings(national: string): string[] {
  const subscriber = national.slice(1);
  return [national, `+84${subscriber}`, `84${subscriber}`, `0084${subscriber}`, subscriber];
}

/**
 * The forms people write one mobile in, for an indexed equality search: the plain spellings and the
 * usual groupings (`0912 345 698`, `091 234 5698`, `+84 912 345 698`, `84 912 345 698`) with dots,
 * spaces or hyphens. telephoneNumber matching (OpenLDAP) ignores spaces and hyphens but not dots; a
 * plain-string attribute (AD's `mobile`) ignores nothing: both need the forms spelled out.
 */
export function mobileWrittenForms(national: string): string[] {
  const s = national.slice(1);
  const forms = new Set(phoneSpellings(national));
  for (const sep of ['.', ' ', '-']) {
    const j = (...parts: string[]) => parts.join(sep);
    forms.add(j(national.slice(0, 4), national.slice(4, 7), national.slice(7)));
    forms.add(j(national.slice(0, 3), national.slice(3, 6), national.slice(6)));
    forms.add(j('+84', s.slice(0, 3), s.slice(3, 6), s.slice(6)));
    forms.add(`+84 ${j(s.slice(0, 3), s.slice(3, 6), s.slice(6))}`);
    forms.add(j('84', s.slice(0, 3), s.slice(3, 6), s.slice(6)));
  }
  return [...forms];
}

/**
 * The digits every written form of one mobile contains, in this order, whatever stands between them:
 * the 9 subscriber digits (`0912.345.698`, `+84 912 345 698`, `84-912-345-698`, `912345698` all hold
 * 9,1,2,3,4,5,6,9,8 in order). A directory substring match on them (`*9*1*2*…*8*`) finds every
 * punctuation and prefix — dots and slashes too, which telephoneNumber matching does not ignore — and
 * is wider than the number: each candidate is confirmed with `isSameMobile`.
 */
export function mobileDigitPieces(national: string): string[] {
  return [...national.slice(1)];
}

/** True when a value read from the directory is this mobile (national form), however it is written. */
export function isSameMobile(stored: string, national: string): boolean {
  const p = normalizeVnMobile(stored);
  return p.ok && p.national === national;
}
