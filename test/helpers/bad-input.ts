import type { z } from 'zod';
import type { QueryKind } from '../../src-main/common/dto';
import type { AttributeMapping } from '../../src-main/common/settings';
import { normalizeTaxCode } from '../../src-main/domain/identifiers';
import { normalizeVnMobile } from '../../src-main/domain/phone';
import { nameMatches } from '../../src-main/domain/search-query';
import { nameWords } from '../../src-main/domain/text';

/**
 * Material for the bad-input sweep (issue #6 item 6, test/integration/bad-input-sweep.test.ts): LDAP and
 * SQL injection strings, control characters, a walk over the zod input schemas that lists every field,
 * and the oracle that decides whether a search result matches the query literally.
 */

/** LDAP filter / DN / SQL injection attempts, each tried in every search field. */
export const INJECTION_STRINGS: readonly { label: string; value: string }[] = [
  { label: 'lone asterisk', value: '*' },
  { label: 'close and reopen with a wildcard', value: '*)(uid=*' },
  { label: 'OR of every uid', value: ')(|(uid=*))' },
  { label: 'OR of every object', value: '*)(|(objectClass=*))' },
  { label: 'userPassword presence', value: 'admin*)((|userPassword=*)' },
  { label: 'escaped asterisk', value: '\\2a' },
  { label: 'escaped NUL', value: '\\00' },
  { label: 'raw NUL', value: 'annv\u0000*' },
  { label: 'open parenthesis', value: '(' },
  { label: 'close parenthesis', value: ')' },
  { label: 'lone backslash', value: '\\' },
  { label: 'every filter operator', value: '*()|&=!><~' },
  { label: 'URL-encoded asterisk', value: '%2a' },
  { label: 'URL-encoded filter', value: '%29%28%7C%28uid%3D%2A%29%29' },
  { label: 'full-width asterisk', value: '\uff0a' },
  { label: 'full-width filter', value: '\uff08uid\uff1d\uff0a\uff09' },
  { label: 'full-width letters (NFKC: admin)', value: '\uff41\uff44\uff4d\uff49\uff4e' },
  { label: 'small asterisk (NFKC: *)', value: 'ad\ufe61' },
  { label: 'mathematical bold letters (4-byte, NFKC: admin)', value: '\u{1d41a}\u{1d41d}\u{1d426}\u{1d422}\u{1d427}' },
  { label: 'trailing backslash', value: 'annv\\' },
  { label: 'close twice and a cn wildcard', value: '))(cn=*' },
  { label: 'AND with a password presence', value: '(&(uid=annv)(userPassword=*))' },
  { label: 'escaped parentheses', value: '\\28uid=*\\29' },
  { label: 'escaped backslash then asterisk', value: '\\5c2a' },
  { label: 'prefix wildcard on a real name', value: 'nguyen*' },
  { label: 'wildcards around a real username', value: '*annv*' },
  { label: 'filter text as a query', value: 'uid=annv' },
  { label: 'digits and a wildcard', value: '0912345698*' },
  { label: 'e-mail with a wildcard', value: 'an*@daotao.gov.vn' },
  { label: 'SQL OR', value: "' OR 1=1 --" },
  { label: 'SQL OR with quotes', value: "' OR '1'='1" },
  { label: 'SQL statement', value: '"; DROP TABLE audit; --' },
  { label: 'LIKE any', value: '%' },
  { label: 'LIKE one', value: '_' },
  { label: 'LIKE around a real operator', value: 'giamsat%' },
  { label: 'LIKE one on a real operator', value: 'tongdai0_' },
  { label: 'LIKE on a real action', value: 'directory.%' },
  { label: 'LIKE one on a real action', value: 'session.sign_n' },
  { label: 'GLOB', value: '[a-z]*' },
  { label: 'lone surrogate', value: 'an\ud800nv' },
  { label: 'long wildcard run (under the limits)', value: '*)('.repeat(20) },
  { label: 'very long (over every limit)', value: `${'*)(|(uid=*'.repeat(600)}` },
];

/**
 * Control characters, line breaks and separators the text rules refuse (CONTROL_CHARS in
 * common/text-rules.ts). `trimmed`: String.prototype.trim removes it at the ends of a single-line text;
 * `line`: a multi-line text (a PEM certificate, a body template) may hold it.
 */
export const CONTROL_CHARACTERS: readonly { label: string; char: string; trimmed: boolean; line: boolean }[] = [
  { label: 'CR', char: '\r', trimmed: true, line: true },
  { label: 'LF', char: '\n', trimmed: true, line: true },
  { label: 'CRLF', char: '\r\n', trimmed: true, line: true },
  { label: 'TAB', char: '\t', trimmed: true, line: true },
  { label: 'VT', char: '\u000b', trimmed: true, line: false },
  { label: 'NUL', char: '\u0000', trimmed: false, line: false },
  { label: 'BEL', char: '\u0007', trimmed: false, line: false },
  { label: 'ESC (ANSI colour)', char: '\u001b[31m', trimmed: false, line: false },
  { label: 'DEL', char: '\u007f', trimmed: false, line: false },
  { label: 'NEL (U+0085)', char: '\u0085', trimmed: false, line: false },
  { label: 'CSI (U+009B)', char: '\u009b', trimmed: false, line: false },
  { label: 'LINE SEPARATOR (U+2028)', char: '\u2028', trimmed: true, line: false },
  { label: 'PARAGRAPH SEPARATOR (U+2029)', char: '\u2029', trimmed: true, line: false },
  { label: 'RIGHT-TO-LEFT OVERRIDE (U+202E)', char: '\u202e', trimmed: false, line: false },
  { label: 'RIGHT-TO-LEFT ISOLATE (U+2067)', char: '\u2067', trimmed: false, line: false },
];

/** The same set as the text rules: C0, DEL, C1, U+2028/2029, the bidi controls. */
export const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

// ---------------------------------------------------------------------------------------------
// The input schemas, walked

export type NodeType = 'string' | 'number' | 'boolean' | 'enum' | 'literal' | 'object' | 'array' | 'record' | 'other';

/** One field of a method's input: its path (`*` = any key of a record, `#key` = a record's key itself). */
export interface SchemaNode {
  path: string[];
  type: NodeType;
  /** Discriminated unions on the way: discriminator path → the value of the branch this node is in. */
  variant: Record<string, string>;
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  element?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  values?: unknown[];
}

const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Every node of an input schema (objects, arrays and records too), each branch of a union separately. */
export function schemaNodes(schema: z.ZodType): SchemaNode[] {
  const out = new Map<string, SchemaNode>();
  const add = (n: SchemaNode) => {
    const key = `${n.path.join('.')}|${JSON.stringify(n.variant)}`;
    const had = out.get(key);
    // A union of a string rule and a literal '' (dnText | ''): the field is a string.
    if (!had || (had.type === 'literal' && n.type === 'string')) out.set(key, n);
  };
  const walk = (s: z.ZodType, path: string[], variant: Record<string, string>): void => {
    const d = defOf(s);
    switch (d.type) {
      case 'object':
        if (path.length > 0) add({ path, type: 'object', variant });
        for (const [k, v] of Object.entries(d.shape!)) walk(v, [...path, k], variant);
        return;
      case 'optional':
      case 'default':
      case 'prefault':
      case 'nullable':
      case 'readonly':
      case 'catch':
      case 'nonoptional':
        return walk(d.innerType!, path, variant);
      case 'pipe':
        // What the caller sends is what the first stage accepts (past a first stage that only checks).
        return walk(defOf(d.in!).type === 'custom' ? d.out! : d.in!, path, variant);
      case 'union':
        for (const o of d.options!) {
          if (d.discriminator) {
            const lit = defOf(defOf(o).shape![d.discriminator]!).values?.[0];
            walk(o, path, { ...variant, [[...path, d.discriminator].join('.')]: String(lit) });
          } else walk(o, path, variant);
        }
        return;
      case 'array':
        add({ path, type: 'array', variant });
        return walk(d.element!, [...path, '0'], variant);
      case 'record':
        add({ path, type: 'record', variant });
        add({ path: [...path, '#key'], type: 'string', variant });
        return walk(d.valueType!, [...path, '*'], variant);
      case 'string':
      case 'number':
      case 'boolean':
      case 'enum':
      case 'literal':
        return add({ path, type: d.type, variant });
      default:
        return add({ path, type: 'other', variant });
    }
  };
  walk(schema, [], {});
  return [...out.values()];
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** The value at a node's path in an input (`*`: the record's first key; `#key`: that key). */
export function valueAt(input: unknown, path: readonly string[]): { found: boolean; value?: unknown } {
  let cur: unknown = input;
  for (const part of path) {
    if (cur === null || typeof cur !== 'object') return { found: false };
    if (part === '*' || part === '#key') {
      const first = Object.keys(cur)[0];
      if (first === undefined) return { found: false };
      cur = part === '#key' ? first : (cur as Record<string, unknown>)[first];
      continue;
    }
    if (!Object.hasOwn(cur, part)) return { found: false };
    cur = (cur as Record<string, unknown>)[part];
  }
  return { found: true, value: cur };
}

/** A copy of `input` with the value at `path` replaced (for `#key`, the record's first key renamed). */
export function withValueAt(input: unknown, path: readonly string[], value: unknown): unknown {
  const copy = structuredClone(input) as Json;
  let cur = copy as Record<string, Json>;
  for (let i = 0; i < path.length - 1; i++) {
    const part = path[i]!;
    const key = part === '*' ? Object.keys(cur)[0]! : part;
    cur = cur[key] as Record<string, Json>;
  }
  const last = path.at(-1)!;
  if (last === '#key') {
    const first = Object.keys(cur)[0]!;
    const v = cur[first]!;
    delete cur[first];
    cur[String(value)] = v;
  } else {
    cur[last === '*' ? Object.keys(cur)[0]! : last] = value as Json;
  }
  return copy;
}

/** The field path the contract names for a node (`#key` and `*` stand for the record's first key). */
export function fieldName(input: unknown, path: readonly string[]): string {
  const parts: string[] = [];
  let cur: unknown = input;
  for (const part of path) {
    if (part === '*' || part === '#key') {
      const first = Object.keys(cur as object)[0]!;
      if (part === '*') parts.push(first);
      cur = (cur as Record<string, unknown>)[first];
      continue;
    }
    parts.push(part);
    cur = (cur as Record<string, unknown> | undefined)?.[part];
  }
  return parts.join('.');
}

// ---------------------------------------------------------------------------------------------
// Search results, judged literally

/** A directory entry as read back with ldapts (attribute names as the server gave them). */
export type LdapAttrs = Record<string, string | string[] | Buffer | Buffer[]>;

function values(e: LdapAttrs, name: string): string[] {
  const key = Object.keys(e).find((k) => k.toLowerCase() === name.toLowerCase());
  if (key === undefined) return [];
  const v = e[key]!;
  return (Array.isArray(v) ? v : [v]).map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));
}

/**
 * Whether an entry matches the operator's text literally, under the app's own normalisation and for the
 * kind asked (no kind / `auto`: any kind): the username or an e-mail equal ignoring case, a mobile or a
 * tax code equal once normalised, a CCCD/BHXH equal digit for digit, or each folded word of the text
 * starting a word of the name, in order. Anything a search returns beyond that was widened.
 */
export function matchesLiterally(entry: LdapAttrs, query: string, kind: QueryKind | undefined, a: AttributeMapping): boolean {
  const q = query.trim();
  const want = (k: Exclude<QueryKind, 'auto'>) => kind === undefined || kind === 'auto' || kind === k;
  if (q === '') return false;
  if (want('username') && values(entry, a.username).some((v) => v.toLowerCase() === q.toLowerCase())) return true;
  if (want('email') && [...values(entry, a.mail), ...values(entry, a.backupEmail)].some((v) => v.toLowerCase() === q.toLowerCase())) return true;
  if (want('phone')) {
    const p = normalizeVnMobile(q);
    if (p.ok && values(entry, a.mobile).some((v) => {
      const m = normalizeVnMobile(v);
      return m.ok && m.national === p.national;
    })) return true;
  }
  const compact = q.replace(/[\s.-]/gu, '');
  if (want('citizenId') && values(entry, a.citizenId).includes(compact)) return true;
  if (want('socialInsurance') && values(entry, a.socialInsuranceCode).includes(compact)) return true;
  if (want('taxCode')) {
    const t = normalizeTaxCode(q);
    if (t !== null && values(entry, a.taxCode).some((v) => normalizeTaxCode(v) === t)) return true;
  }
  if (want('name')) {
    const words = nameWords(q);
    if (words.length > 0 && values(entry, a.displayName).some((v) => nameMatches(v, words))) return true;
  }
  return false;
}

/** A JSON text that repeats an opening `depth` times (arrays or one-key objects), closed properly. */
export function deeplyNested(kind: 'array' | 'object', depth: number): string {
  return kind === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}
