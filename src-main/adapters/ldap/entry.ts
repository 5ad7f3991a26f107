import type { Entry } from 'ldapts';

/** Binary attributes (requested with `explicitBufferAttributes`), kept as lowercase hex. */
export const BINARY_ATTRIBUTES = ['objectGUID'] as const;
const BINARY = new Set(BINARY_ATTRIBUTES.map((a) => a.toLowerCase()));

/** An LDAP entry with case-insensitive attribute access; values as strings (binary ones as hex). */
export class EntryView {
  readonly dn: string;
  private readonly attrs = new Map<string, string[]>();

  constructor(entry: Entry) {
    this.dn = entry.dn;
    for (const [name, raw] of Object.entries(entry)) {
      if (name === 'dn') continue;
      const list = Array.isArray(raw) ? raw : [raw];
      const key = name.toLowerCase();
      const binary = BINARY.has(key);
      this.attrs.set(
        key,
        list.map((v) => (Buffer.isBuffer(v) ? v.toString(binary ? 'hex' : 'utf8') : String(v))),
      );
    }
  }

  all(name: string): string[] {
    return this.attrs.get(name.toLowerCase()) ?? [];
  }

  first(name: string): string | null {
    const v = this.all(name)[0];
    return v === undefined || v === '' ? null : v;
  }
}
