import { caseIgnore } from './matching';

// Distinguished names: compared case-insensitively, spaces around separators ignored, escapes
// (`\,`, `\c3\a1`) decoded. An entry's `rdns` are normalised RDN strings, leaf first.

export class InvalidDnError extends Error {}

export const ATTRIBUTE_TYPE = /^(?:[a-z][a-z0-9-]*|\d+(?:\.\d+)*)$/u;

/** Normalised RDNs of a DN, leaf first ([] for the root DSE ""). Throws InvalidDnError. */
export function dnRdns(dn: string): string[] {
  const text = dn.trim();
  if (text === '') return [];
  const rdns: string[] = [];
  let avas: string[] = [];
  let at = 0;
  for (;;) {
    const { ava, end } = readAva(text, at);
    avas.push(ava);
    const separator = text[end];
    if (separator === '+') {
      at = end + 1;
      continue;
    }
    rdns.push(avas.sort().join('+'));
    avas = [];
    if (separator === undefined) return rdns;
    at = end + 1;
  }
}

export function readAva(text: string, start: number): { ava: string; end: number } {
  const eq = text.indexOf('=', start);
  const type = eq < 0 ? '' : text.slice(start, eq).trim().toLowerCase();
  if (!ATTRIBUTE_TYPE.test(type)) throw new InvalidDnError(`invalid DN "${text}"`);
  const { value, end } = readDnValue(text, eq + 1);
  return { ava: `${type}=${caseIgnore(value).replace(/[\\,+=]/gu, '\\$&')}`, end };
}

/** Reads an RDN value up to an unescaped `,` `;` `+`; decodes escapes; drops unescaped edge spaces. */
export function readDnValue(text: string, start: number): { value: string; end: number } {
  const bytes: number[] = [];
  let significant = 0;
  let i = start;
  while (text[i] === ' ') i++;
  for (; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c === ',' || c === ';' || c === '+') break;
    if (c === '\\') {
      i = readDnEscape(text, i, bytes);
      significant = bytes.length;
      continue;
    }
    const ch = String.fromCodePoint(text.codePointAt(i) ?? 0);
    bytes.push(...Buffer.from(ch, 'utf8'));
    i += ch.length - 1;
    if (c !== ' ') significant = bytes.length;
  }
  return { value: Buffer.from(bytes.slice(0, significant)).toString('utf8'), end: i };
}

/** Decodes `\XX` or `\<char>` at `at`; returns the index of the escape's last character. */
export function readDnEscape(text: string, at: number, bytes: number[]): number {
  const hex = text.slice(at + 1, at + 3);
  if (/^[0-9a-f]{2}$/iu.test(hex)) {
    bytes.push(Number.parseInt(hex, 16));
    return at + 2;
  }
  const cp = text.codePointAt(at + 1);
  if (cp === undefined) throw new InvalidDnError(`invalid DN "${text}" (trailing backslash)`);
  const ch = String.fromCodePoint(cp);
  bytes.push(...Buffer.from(ch, 'utf8'));
  return at + ch.length;
}

export function tryRdns(dn: string): string[] | null {
  try {
    return dnRdns(dn);
  } catch (err) {
    if (err instanceof InvalidDnError) return null;
    throw err;
  }
}

export function rdnKey(rdns: readonly string[]): string {
  return rdns.join(',');
}

/** True when `rdns` is `base` or lies below it. */
export function isAtOrUnder(rdns: readonly string[], base: readonly string[]): boolean {
  const offset = rdns.length - base.length;
  return offset >= 0 && base.every((rdn, k) => rdns[offset + k] === rdn);
}
