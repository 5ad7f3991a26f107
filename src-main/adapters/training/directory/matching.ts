import type { SubstringFilter } from './filters';
import { foldDiacritics } from '../../../domain/text';

// Matching rules: caseIgnoreMatch, with telephoneNumberMatch (spaces and hyphens ignored) for
// telephone attributes. Attribute names compare case-insensitively; options (`;lang-vi`) are
// part of the name.

export const TELEPHONE_ATTRS = new Set(['telephonenumber', 'mobile', 'homephone', 'pager', 'facsimiletelephonenumber']);

export function isTelephone(attr: string): boolean {
  return TELEPHONE_ATTRS.has(attr.split(';')[0] ?? attr);
}

export function caseIgnore(value: string): string {
  return value.normalize('NFC').toLowerCase().trim().replace(/\s+/gu, ' ');
}

export function normalizeValue(attr: string, value: string): string {
  return isTelephone(attr) ? value.toLowerCase().replace(/[\s-]/gu, '') : caseIgnore(value);
}

/** A substring assertion part: like a value, but spaces at its ends are significant. */
export function normalizePart(attr: string, part: string): string {
  return isTelephone(attr) ? normalizeValue(attr, part) : part.normalize('NFC').toLowerCase().replace(/\s+/gu, ' ');
}

export function valueEquals(attr: string, a: string, b: string): boolean {
  return normalizeValue(attr, a) === normalizeValue(attr, b);
}

export function compareValues(attr: string, a: string, b: string): number {
  const x = normalizeValue(attr, a);
  const y = normalizeValue(attr, b);
  if (/^-?\d+$/u.test(x) && /^-?\d+$/u.test(y)) return Math.sign(Number(x) - Number(y));
  return x < y ? -1 : x > y ? 1 : 0;
}

/** approxMatch: equality after dropping diacritics (Nguyễn ≈ Nguyen). */
export function approxKey(attr: string, value: string): string {
  return foldDiacritics(normalizeValue(attr, value));
}

export function substringMatches(value: string, f: SubstringFilter): boolean {
  const initial = f.initial ? normalizePart(f.attribute, f.initial) : '';
  if (!value.startsWith(initial)) return false;
  let at = initial.length;
  for (const raw of f.any) {
    const part = normalizePart(f.attribute, raw);
    const found = value.indexOf(part, at);
    if (found < 0) return false;
    at = found + part.length;
  }
  const final = f.final ? normalizePart(f.attribute, f.final) : '';
  return value.length - final.length >= at && value.endsWith(final);
}
