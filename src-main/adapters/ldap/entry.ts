import type { Entry } from 'ldapts';

/** An LDAP entry with case-insensitive attribute access; values as strings. */
export class EntryView {
  readonly dn: string;
  private readonly attrs = new Map<string, string[]>();

  constructor(entry: Entry) {
    this.dn = entry.dn;
    for (const [name, raw] of Object.entries(entry)) {
      if (name === 'dn') continue;
      const list = Array.isArray(raw) ? raw : [raw];
      this.attrs.set(
        name.toLowerCase(),
        list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v))),
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
