import type { QueryKind } from '../common/dto';
import { CONTROL_CHARS } from '../common/text-rules';
import { HelpdeskError } from './errors';
import { isCccd, isCmnd, isSocialInsuranceCode, normalizeTaxCode } from './identifiers';
import { normalizeVnMobile } from './phone';
import { nameWords } from './text';

/** One way an account can match the operator's query; the directory adapter turns each into a filter. */
export type SearchCriterion =
  | { kind: 'username'; value: string }
  | { kind: 'email'; value: string }
  /**
   * A mobile (national form). Read first by its usual written forms (`mobileWrittenForms`: equality,
   * served by the directory's index); with `anyPunctuation`, by its digits in order whatever stands
   * between them — complete, but no index serves it (see `widerReading`).
   */
  | { kind: 'phone'; national: string; anyPunctuation?: true }
  | { kind: 'citizenId'; value: string }
  | { kind: 'taxCode'; value: string }
  | { kind: 'socialInsurance'; value: string }
  | { kind: 'name'; words: string[] };

/** An account name of the usual shape: in auto mode it may also be a name word ("annv", "lan"). */
const PLAIN_USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/u;
/**
 * Any account name a directory may hold: no spaces, no control characters. LDAP filter syntax
 * (`(`, `)`, `*`, `\`) and DN syntax (`+`, `,`) are ordinary characters of the value here: the
 * directory adapter sends it as an escaped assertion value, matched exactly (a `*` is never a wildcard).
 */
const ANY_USERNAME = /^[^\s\p{Cc}]{1,256}$/u;
/** What a name word written without spaces may hold: letters (with their marks), digits, `.`, `'`, `-`. */
const NAME_LIKE = /^[\p{L}\p{M}\p{N}.'\u2019-]+$/u;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/u;
const NUMBER_LIKE = /^[\d\s.\-+()]+$/u;

/**
 * Reads the search box. With `auto`, every plausible reading is kept: ten digits may be a mobile,
 * a tax code and a BHXH code at once. With an explicit kind, a malformed value is refused.
 */
export function parseSearchQuery(raw: string, kind: QueryKind = 'auto'): SearchCriterion[] {
  const text = raw.trim();
  // No name, number, address or account name holds a control character (the contract's text rule).
  if (CONTROL_CHARS.test(text)) throw new HelpdeskError('VALIDATION_FAILED', { field: 'query', reason: 'invalid_characters' });
  if (kind === 'auto') return readAuto(text);
  const criterion = readAs(kind, text);
  if (!criterion) throw new HelpdeskError('VALIDATION_FAILED', { field: 'query', reason: `not_${kind}` });
  return [criterion];
}

function readAuto(text: string): SearchCriterion[] {
  if (text.includes('@')) {
    return EMAIL.test(text) ? [{ kind: 'email', value: text.toLowerCase() }] : [];
  }
  const digits = text.replace(/[\s.\-+()]/gu, '');
  if (/^\d+$/u.test(digits) && NUMBER_LIKE.test(text)) {
    const out: SearchCriterion[] = [];
    const phone = normalizeVnMobile(text);
    if (phone.ok) out.push({ kind: 'phone', national: phone.national });
    if (isCccd(digits) || isCmnd(digits)) out.push({ kind: 'citizenId', value: digits });
    const tax = normalizeTaxCode(text);
    if (tax) out.push({ kind: 'taxCode', value: tax });
    if (isSocialInsuranceCode(digits)) out.push({ kind: 'socialInsurance', value: digits });
    // No number reads it: an account name made of digits, as typed ("1+2", "0912.345") or without its spaces.
    if (out.length === 0) {
      if (ANY_USERNAME.test(text)) out.push({ kind: 'username', value: text.toLowerCase() });
      else if (PLAIN_USERNAME.test(digits)) out.push({ kind: 'username', value: digits });
    }
    return out;
  }
  const out: SearchCriterion[] = [];
  if (PLAIN_USERNAME.test(text)) out.push({ kind: 'username', value: text.toLowerCase() });
  else if (ANY_USERNAME.test(text) && !NAME_LIKE.test(text)) {
    // One token with a character no name holds ("a+b", "a,b", "nv(1)", "x*y"): an account name only.
    return [{ kind: 'username', value: text.toLowerCase() }];
  }
  const words = nameWords(text);
  if (words.length > 0 && /\p{L}/u.test(text)) out.push({ kind: 'name', words });
  return out;
}

function readAs(kind: Exclude<QueryKind, 'auto'>, text: string): SearchCriterion | null {
  switch (kind) {
    case 'username':
      return ANY_USERNAME.test(text) ? { kind, value: text.toLowerCase() } : null;
    case 'email':
      return EMAIL.test(text) ? { kind, value: text.toLowerCase() } : null;
    case 'phone': {
      const phone = normalizeVnMobile(text);
      return phone.ok ? { kind, national: phone.national } : null;
    }
    case 'citizenId': {
      const digits = text.replace(/\s/gu, '');
      return isCccd(digits) || isCmnd(digits) ? { kind, value: digits } : null;
    }
    case 'taxCode': {
      const tax = normalizeTaxCode(text);
      return tax ? { kind, value: tax } : null;
    }
    case 'socialInsurance': {
      const digits = text.replace(/\s/gu, '');
      return isSocialInsuranceCode(digits) ? { kind, value: digits } : null;
    }
    case 'name': {
      const words = nameWords(text);
      return words.length > 0 ? { kind, words } : null;
    }
    default:
      return assertNever(kind);
  }
}

export function assertNever(x: never): never {
  throw new Error(`unexpected ${String(x)}`);
}

/**
 * The ASCII fragments every spelling of a folded name word must contain, in order: vowels and `d`
 * carry diacritics (ă â ê ô ơ ư, đ) so they become wildcards. "nguyen van" → ["ng", "n", "v", "n"].
 * A directory substring filter on these finds every diacritic variant; `nameMatches` then confirms.
 */
export function nameSkeleton(words: string[]): string[] {
  return words.flatMap((w) => w.split(/[aeiouyd]+/u).filter((p) => p.length > 0));
}

/** True when each query word starts a word of the name, in order ("nguyen van" ⊂ "Nguyễn Văn An"). */
export function nameMatches(name: string, queryWords: string[]): boolean {
  const words = nameWords(name);
  let i = 0;
  for (const q of queryWords) {
    while (i < words.length && !words[i]!.startsWith(q)) i++;
    if (i === words.length) return false;
    i++;
  }
  return true;
}

/**
 * The second, wider reading of a query, asked only when the first found no account by it: a mobile
 * by its digits in any punctuation (`0912.34.56.98`, `0912/345/698`). A directory answers it by reading
 * every account (no index holds digits apart), so it is not asked when a usual spelling already found
 * the number. Null when there is no wider reading.
 */
export function widerReading(criteria: SearchCriterion[]): SearchCriterion[] | null {
  const phones = criteria.flatMap((c) => (c.kind === 'phone' && !c.anyPunctuation ? [{ kind: 'phone' as const, national: c.national, anyPunctuation: true as const }] : []));
  return phones.length > 0 ? phones : null;
}

/** The query kinds a list of criteria stands for (for the UI's "read as" line and the audit). */
export function criteriaKinds(criteria: SearchCriterion[]): QueryKind[] {
  return [...new Set(criteria.map((c) => c.kind))];
}
