import { rdnKey, tryRdns } from './dn';

// Entries

export interface Attr {
  /** The name as first written. */
  name: string;
  values: string[];
}

export interface Entry {
  dn: string;
  rdns: string[];
  key: string;
  /** By lower-case attribute name, in insertion order. */
  attrs: Map<string, Attr>;
}

export function valuesOf(entry: Entry, name: string): string[] {
  return entry.attrs.get(name.toLowerCase())?.values ?? [];
}

export function firstOf(entry: Entry, name: string): string | undefined {
  return valuesOf(entry, name)[0];
}

/** Sets (or, with no values, removes) an attribute, keeping the stored name when present. */
export function setValues(attrs: Map<string, Attr>, name: string, values: string[]): void {
  const lower = name.toLowerCase();
  if (values.length === 0) {
    attrs.delete(lower);
    return;
  }
  attrs.set(lower, { name: attrs.get(lower)?.name ?? name, values });
}

export function cloneAttrs(attrs: Map<string, Attr>): Map<string, Attr> {
  return new Map([...attrs].map(([k, a]) => [k, { name: a.name, values: [...a.values] }]));
}

export function newEntry(dn: string, attributes: Iterable<[string, string[]]>): Entry {
  const rdns = tryRdns(dn);
  if (!rdns) throw new Error(`training directory: invalid DN "${dn}"`);
  const attrs = new Map<string, Attr>();
  for (const [name, values] of attributes) {
    const existing = attrs.get(name.toLowerCase());
    setValues(attrs, name, [...(existing?.values ?? []), ...values]);
  }
  return { dn, rdns, key: rdnKey(rdns), attrs };
}
