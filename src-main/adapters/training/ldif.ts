/**
 * A parser for LDIF content records (RFC 2849): `attr: value`, `attr:: base64` (UTF-8),
 * folded lines (a line that starts with one space continues the previous line), `#` comments,
 * blank lines between records, `dn::` base64 DNs and an optional leading `version: 1`.
 * Change records (`changetype:`) and URL values (`attr:< file://…`) are rejected.
 */

export interface LdifEntry {
  dn: string;
  /**
   * Values by attribute name, as first written in the record. Names that differ only in case
   * (`objectClass` / `objectclass`) share one key; look names up with {@link ldifValues}.
   */
  attributes: Map<string, string[]>;
}

/** A malformed LDIF text: `line` is the 1-based physical line where the problem starts. */
export class LdifSyntaxError extends Error {
  constructor(
    readonly line: number,
    detail: string,
  ) {
    super(`LDIF line ${line}: ${detail}`);
    this.name = 'LdifSyntaxError';
  }
}

/** One logical line (folded lines joined) and the physical line it starts on. */
interface LogicalLine {
  line: number;
  text: string;
}

const ATTRIBUTE_DESCRIPTION = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*)(?:;[A-Za-z0-9-]+)*$/u;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/u;

export function parseLdif(text: string): LdifEntry[] {
  const records = splitRecords(unfold(text.replace(/^\uFEFF/u, '')));
  const entries: LdifEntry[] = [];
  records.forEach((record, index) => {
    const lines = index === 0 ? withoutVersion(record) : record;
    if (lines.length > 0) entries.push(parseRecord(lines));
  });
  return entries;
}

/** The values of an attribute of an entry, the name compared case-insensitively ([] if absent). */
export function ldifValues(entry: LdifEntry, name: string): string[] {
  const wanted = name.toLowerCase();
  for (const [key, values] of entry.attributes) {
    if (key.toLowerCase() === wanted) return values;
  }
  return [];
}

/**
 * Joins folded lines and drops comments. A blank line is kept as an empty logical line (it
 * separates records); a comment line, folded or not, disappears.
 */
function unfold(text: string): LogicalLine[] {
  const out: LogicalLine[] = [];
  let current: LogicalLine | null = null;
  let inComment = false;
  const rawLines = text.split(/\r?\n/u);
  for (let index = 0; index < rawLines.length; index++) {
    const raw = rawLines[index] ?? '';
    const line = index + 1;
    if (raw.startsWith(' ')) {
      if (inComment) continue;
      if (!current) throw new LdifSyntaxError(line, 'continuation line (starting with a space) without a line to continue');
      current.text += raw.slice(1);
      continue;
    }
    current = null;
    inComment = raw.startsWith('#');
    if (inComment) continue;
    if (raw.trim() === '') {
      out.push({ line, text: '' });
      continue;
    }
    current = { line, text: raw };
    out.push(current);
  }
  return out;
}

function splitRecords(lines: LogicalLine[]): LogicalLine[][] {
  const records: LogicalLine[][] = [];
  let record: LogicalLine[] = [];
  for (const l of lines) {
    if (l.text !== '') {
      record.push(l);
    } else if (record.length > 0) {
      records.push(record);
      record = [];
    }
  }
  if (record.length > 0) records.push(record);
  return records;
}

/** Drops a leading `version: 1` line (it may share the first record's paragraph). */
function withoutVersion(record: LogicalLine[]): LogicalLine[] {
  const first = record[0];
  if (!first || !/^version\s*:/iu.test(first.text)) return record;
  const version = first.text.slice(first.text.indexOf(':') + 1).trim();
  if (version !== '1') throw new LdifSyntaxError(first.line, `unsupported LDIF version "${version}"`);
  return record.slice(1);
}

function parseRecord(lines: LogicalLine[]): LdifEntry {
  const [first, ...rest] = lines;
  if (!first) throw new Error('parseRecord: empty record');
  const head = parseLine(first);
  if (head.name.toLowerCase() !== 'dn') {
    throw new LdifSyntaxError(first.line, `a record must start with "dn:", found "${head.name}:"`);
  }
  const dn = head.value.trim();
  const attributes = new Map<string, string[]>();
  const keyByLower = new Map<string, string>();
  for (const l of rest) {
    const { name, value } = parseLine(l);
    const lower = name.toLowerCase();
    if (lower === 'changetype') throw new LdifSyntaxError(l.line, 'change records are not supported (content records only)');
    if (lower === 'dn') throw new LdifSyntaxError(l.line, 'a second "dn:" in one record (missing blank line?)');
    const key = keyByLower.get(lower) ?? name;
    keyByLower.set(lower, key);
    const values = attributes.get(key) ?? [];
    values.push(value);
    attributes.set(key, values);
  }
  return { dn, attributes };
}

function parseLine(l: LogicalLine): { name: string; value: string } {
  const colon = l.text.indexOf(':');
  if (colon <= 0) throw new LdifSyntaxError(l.line, `expected "attribute: value", found "${preview(l.text)}"`);
  const name = l.text.slice(0, colon).trim();
  if (!ATTRIBUTE_DESCRIPTION.test(name)) throw new LdifSyntaxError(l.line, `invalid attribute name "${preview(name)}"`);
  const rest = l.text.slice(colon + 1);
  if (rest.startsWith(':')) return { name, value: decodeBase64(rest.slice(1).trim(), l.line) };
  if (rest.startsWith('<')) throw new LdifSyntaxError(l.line, `URL values ("${name}:<") are not supported`);
  return { name, value: rest.replace(/^ +/u, '') };
}

function decodeBase64(text: string, line: number): string {
  const compact = text.replace(/\s+/gu, '');
  if (!BASE64.test(compact) || compact.length % 4 === 1) throw new LdifSyntaxError(line, 'invalid base64 value');
  return Buffer.from(compact, 'base64').toString('utf8');
}

/** A short quote of a line for an error message; password values are never quoted. */
function preview(text: string): string {
  if (/^\s*userpassword/iu.test(text)) return 'userPassword… (value hidden)';
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
