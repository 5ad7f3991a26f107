import type { Identity } from './core';
import { valuesOf, type Entry } from './entries';
import { approxKey, compareValues, normalizeValue, substringMatches, valueEquals } from './matching';
import { PPOLICY_STATE } from './ppolicy';

// Filters (RFC 4511 §4.5.1), decoded from the request's BER by this module: ldapjs 3 re-parses
// the filter through its string form and hands values back still escaped (`Nguy\e1\bb\85n`).

export interface SubstringFilter {
  kind: 'substring';
  attribute: string;
  initial?: string;
  any: string[];
  final?: string;
}

export type Filter =
  | { kind: 'and' | 'or'; filters: Filter[] }
  | { kind: 'not'; filter: Filter }
  | { kind: 'equality' | 'ge' | 'le' | 'approx'; attribute: string; value: string }
  | SubstringFilter
  | { kind: 'present'; attribute: string }
  | { kind: 'extensible' };

export interface Viewer {
  identity: Identity;
}

/** Whether the viewer may see (and filter on) an attribute of an entry. */
export function canRead(viewer: Viewer, entry: Entry, attr: string): boolean {
  if (attr === 'userpassword') return false;
  if (!PPOLICY_STATE.has(attr)) return true;
  const id = viewer.identity;
  return id !== null && (id.kind === 'service' || id.key === entry.key);
}

export function readable(viewer: Viewer, entry: Entry, attribute: string): string[] {
  const attr = attribute.toLowerCase();
  return canRead(viewer, entry, attr) ? valuesOf(entry, attr) : [];
}

export function matchesFilter(f: Filter, entry: Entry, viewer: Viewer): boolean {
  switch (f.kind) {
    case 'and':
      return f.filters.every((c) => matchesFilter(c, entry, viewer));
    case 'or':
      return f.filters.some((c) => matchesFilter(c, entry, viewer));
    case 'not':
      return !matchesFilter(f.filter, entry, viewer);
    case 'extensible':
      return false;
    case 'present':
      return readable(viewer, entry, f.attribute).length > 0;
    default:
      return matchesAssertion(f, readable(viewer, entry, f.attribute));
  }
}

export function matchesAssertion(f: Extract<Filter, { attribute: string }>, values: string[]): boolean {
  const attr = f.attribute.toLowerCase();
  switch (f.kind) {
    case 'equality':
      return values.some((v) => valueEquals(attr, v, f.value));
    case 'ge':
      return values.some((v) => compareValues(attr, v, f.value) >= 0);
    case 'le':
      return values.some((v) => compareValues(attr, v, f.value) <= 0);
    case 'approx':
      return values.some((v) => approxKey(attr, v) === approxKey(attr, f.value));
    case 'substring':
      return values.some((v) => substringMatches(normalizeValue(attr, v), { ...f, attribute: attr }));
    case 'present':
      return values.length > 0;
  }
}

// ---------------------------------------------------------------------------------------------
// BER: just enough to frame LDAPMessages and decode a SearchRequest's filter.

export interface Tlv {
  tag: number;
  start: number;
  end: number;
}

/** The element at `offset`, or null when `limit` cuts it short (more bytes needed). */
export function readTlv(buf: Buffer, offset: number, limit: number): Tlv | null {
  if (offset + 2 > limit) return null;
  const tag = buf.readUInt8(offset);
  const first = buf.readUInt8(offset + 1);
  let pos = offset + 2;
  let length = first;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new Error('BER: unsupported length encoding');
    if (pos + count > limit) return null;
    length = buf.readUIntBE(pos, count);
    pos += count;
  }
  return pos + length > limit ? null : { tag, start: pos, end: pos + length };
}

export function childrenOf(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const t = readTlv(buf, at, parent.end);
    if (!t) throw new Error('BER: truncated element');
    out.push(t);
    at = t.end;
  }
  return out;
}

export function textOf(buf: Buffer, t: Tlv | undefined): string {
  if (!t) throw new Error('BER: missing element');
  return buf.toString('utf8', t.start, t.end);
}

export const MAX_FILTER_DEPTH = 64;

export function decodeFilter(buf: Buffer, t: Tlv, depth = 0): Filter {
  if (depth > MAX_FILTER_DEPTH) throw new Error('filter nested too deeply');
  const parts = (): Tlv[] => childrenOf(buf, t);
  switch (t.tag) {
    case 0xa0:
    case 0xa1:
      return { kind: t.tag === 0xa0 ? 'and' : 'or', filters: parts().map((c) => decodeFilter(buf, c, depth + 1)) };
    case 0xa2: {
      const [inner] = parts();
      if (!inner) throw new Error('empty NOT filter');
      return { kind: 'not', filter: decodeFilter(buf, inner, depth + 1) };
    }
    case 0xa3:
    case 0xa5:
    case 0xa6:
    case 0xa8: {
      const [attribute, value] = parts();
      const kind = ({ 0xa3: 'equality', 0xa5: 'ge', 0xa6: 'le', 0xa8: 'approx' } as const)[t.tag];
      return { kind, attribute: textOf(buf, attribute), value: textOf(buf, value) };
    }
    case 0xa4:
      return decodeSubstrings(buf, parts());
    case 0x87:
      return { kind: 'present', attribute: textOf(buf, t) };
    case 0xa9:
      return { kind: 'extensible' };
    default:
      throw new Error(`unknown filter tag 0x${t.tag.toString(16)}`);
  }
}

export function decodeSubstrings(buf: Buffer, [type, seq]: Tlv[]): SubstringFilter {
  if (!seq) throw new Error('BER: substring filter without substrings');
  const f: SubstringFilter = { kind: 'substring', attribute: textOf(buf, type), any: [] };
  for (const s of childrenOf(buf, seq)) {
    const text = textOf(buf, s);
    if (s.tag === 0x80) f.initial = text;
    else if (s.tag === 0x81) f.any.push(text);
    else if (s.tag === 0x82) f.final = text;
  }
  return f;
}

/** The messageID and filter of an LDAPMessage holding a SearchRequest, else null. */
export function searchFilterOf(frame: Buffer): { messageId: number; filter: Filter } | null {
  const message = readTlv(frame, 0, frame.length);
  if (!message || message.tag !== 0x30) return null;
  const [id, op] = childrenOf(frame, message);
  if (!id || id.tag !== 0x02 || !op || op.tag !== 0x63) return null;
  const filter = childrenOf(frame, op)[6];
  if (!filter) throw new Error('BER: SearchRequest without a filter');
  return { messageId: frame.readIntBE(id.start, Math.min(id.end - id.start, 6)), filter: decodeFilter(frame, filter) };
}
