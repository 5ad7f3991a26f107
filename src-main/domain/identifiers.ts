/**
 * Vietnamese identifiers: CCCD (12 digits) and CMND (9 digits) citizen IDs, tax codes (MST) and
 * social-insurance (BHXH) codes. Pure checks, no I/O.
 */

/** Province / city codes of the CCCD number (Circular 07/2016/TT-BCA, appendix). */
const CCCD_PROVINCES = new Set([
  '001', '002', '004', '006', '008', '010', '011', '012', '014', '015', '017', '019', '020', '022', '024',
  '025', '026', '027', '030', '031', '033', '034', '035', '036', '037', '038', '040', '042', '044', '045',
  '046', '048', '049', '051', '052', '054', '056', '058', '060', '062', '064', '066', '067', '068', '070',
  '072', '074', '075', '077', '079', '080', '082', '083', '084', '086', '087', '089', '091', '092', '093',
  '094', '095', '096',
]);

/** A 12-digit CCCD: province code, century/sex digit, 2-digit birth year, 6-digit serial. */
export function isCccd(value: string): boolean {
  return /^\d{12}$/u.test(value) && CCCD_PROVINCES.has(value.slice(0, 3));
}

/** A 9-digit CMND (the older identity card). */
export function isCmnd(value: string): boolean {
  return /^\d{9}$/u.test(value);
}

/** A citizen ID as typed ("079 203 001 234", "079-203-001-234"): its digits if they form a CCCD or CMND, else null. */
export function normalizeCitizenId(input: string): string | null {
  const digits = input.replace(/[\s.-]/gu, '');
  return isCccd(digits) || isCmnd(digits) ? digits : null;
}

/**
 * A free text that carries a CCCD/CMND, a phone or a similar number (nine digits or more, spaced or
 * not): such a note would put the identifier into the audit, which must never hold it.
 */
export function containsIdentifier(text: string): boolean {
  return /\d(?:[\s.-]?\d){8,}/u.test(text);
}

/**
 * Whether the ID a caller gives is the one the directory holds (both normalised). Compared in full,
 * in constant time for equal lengths: a supervisor's override must not reveal how much matched.
 */
export function sameCitizenId(given: string, onRecord: string | null): boolean {
  const a = normalizeCitizenId(given);
  const b = onRecord === null ? null : normalizeCitizenId(onRecord);
  if (a === null || b === null || a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

const MST_WEIGHTS = [31, 29, 23, 19, 17, 13, 7, 5, 3] as const;

/** Check digit of a tax code's first nine digits, or null when no digit can be valid. */
export function taxCodeCheckDigit(first9: string): number | null {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += MST_WEIGHTS[i]! * Number(first9[i]);
  const check = (10 - (sum % 11)) % 11;
  return check === 10 ? null : check;
}

/**
 * Normalises a tax code: `0314409058`, `0314409058-002`, `0314409058002` → canonical
 * `0314409058` or `0314409058-002`; null when the shape or the check digit is wrong.
 */
export function normalizeTaxCode(input: string): string | null {
  const compact = input.replace(/\s/gu, '');
  const m = /^(\d{10})(?:-?(\d{3}))?$/u.exec(compact);
  if (!m) return null;
  const main = m[1]!;
  if (taxCodeCheckDigit(main.slice(0, 9)) !== Number(main[9])) return null;
  return m[2] ? `${main}-${m[2]}` : main;
}

/** A 10-digit social-insurance (BHXH) code. */
export function isSocialInsuranceCode(value: string): boolean {
  return /^\d{10}$/u.test(value);
}
