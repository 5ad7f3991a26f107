import type { Attr, Entry } from './entries';
import { canRead, type Viewer } from './filters';
import { OPERATIONAL } from './ppolicy';

// Attribute selection (OpenLDAP): none listed or `*` → user attributes; `+` → operational ones;
// names → those; `1.1` → none. userPassword never; ppolicy state per canRead.

export interface OutEntry {
  dn: string;
  attributes: Attr[];
}

export function selectAttributes(entry: Entry, requested: readonly string[], viewer: Viewer, typesOnly: boolean): Attr[] {
  const names = requested.map((r) => r.toLowerCase());
  const allUser = names.length === 0 || names.includes('*');
  const allOperational = names.includes('+');
  const named = new Set(names);
  const out: Attr[] = [];
  for (const [lower, attr] of entry.attrs) {
    if (!canRead(viewer, entry, lower)) continue;
    const wanted = named.has(lower) || (OPERATIONAL.has(lower) ? allOperational : allUser);
    if (wanted) out.push({ name: attr.name, values: typesOnly ? [] : [...attr.values] });
  }
  return out;
}
