/**
 * The TRAINING directory: an in-process LDAP server (ldapjs) on 127.0.0.1, seeded from LDIF, that
 * behaves like OpenLDAP with the ppolicy overlay for what the Helpdesk client does: simple binds
 * with lockout after pwdMaxFailure wrong passwords, searches (filters evaluated here, OpenLDAP's
 * attribute selection, sizeLimit, RFC 2696 paged results) and modifies by the service account.
 *
 * Access rules (as the slapd test harness configures OpenLDAP): anonymous may bind and read the
 * root DSE only; bound users read every entry; ppolicy state attributes are readable by the
 * service account and by the entry itself; userPassword is never returned nor usable in a filter;
 * only the service account may modify. Nothing here logs, and no password leaves memory.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { Socket } from 'node:net';
import ldapjs from 'ldapjs';
import { parseGeneralizedTime } from '../ldap/time';
import { type LdifEntry, parseLdif } from './ldif';

export interface TrainingDirectory {
  /** ldap://127.0.0.1:<port> */
  url: string;
  baseDn: string;
  /** cn=helpdesk-service,ou=system,<base> */
  serviceDn: string;
  /** Random per run, kept in memory only. */
  servicePassword: string;
  /** cn=default,ou=policies,<base> */
  policyDn: string;
  /** Stops listening and drops every connection. Idempotent. */
  close(): Promise<void>;
}

export interface TrainingDirectoryOptions {
  ldif: string;
  /** Default {@link DEFAULT_TRAINING_BASE_DN}. */
  baseDn?: string;
  /** Default 0 (a random free port). */
  port?: number;
  /** The clock for ppolicy times and timestamps. Default: the system clock. */
  now?: () => Date;
}

export const DEFAULT_TRAINING_BASE_DN = 'dc=daotao,dc=gov,dc=vn';
export const PAGED_RESULTS_OID = '1.2.840.113556.1.4.319';

/** The training directory's role groups (in the generated LDIF, one sample user of each role). */
export function trainingRoleGroups(baseDn: string): { operator: string[]; supervisor: string[]; auditor: string[] } {
  return {
    operator: [`cn=helpdesk-operators,ou=groups,${baseDn}`],
    supervisor: [`cn=helpdesk-supervisors,ou=groups,${baseDn}`],
    auditor: [`cn=helpdesk-auditors,ou=groups,${baseDn}`],
  };
}

export async function startTrainingDirectory(opts: TrainingDirectoryOptions): Promise<TrainingDirectory> {
  const baseDn = opts.baseDn ?? DEFAULT_TRAINING_BASE_DN;
  const serviceDn = `cn=helpdesk-service,ou=system,${baseDn}`;
  const policyDn = `cn=default,ou=policies,${baseDn}`;
  const servicePassword = randomBytes(24).toString('base64url');
  const now = opts.now ?? ((): Date => new Date());
  const store = loadStore(parseLdif(opts.ldif), { baseDn, serviceDn, now });
  const core = new DirectoryCore(store, { baseDn, serviceDn, policyDn, servicePassword, now });
  const server = new LdapServer(core);
  const port = await server.listen(opts.port ?? 0);
  return {
    url: `ldap://127.0.0.1:${port}`,
    baseDn,
    serviceDn,
    servicePassword,
    policyDn,
    close: () => server.close(),
  };
}

// =============================================================================================
// Result codes (RFC 4511)

const RC = {
  success: 0,
  protocolError: 2,
  sizeLimitExceeded: 4,
  noSuchAttribute: 16,
  typeOrValueExists: 20,
  noSuchObject: 32,
  invalidDnSyntax: 34,
  invalidCredentials: 49,
  insufficientAccessRights: 50,
  unwillingToPerform: 53,
  other: 80,
} as const;

interface Outcome {
  code: number;
  message: string;
  matchedDn?: string;
}

const OK: Outcome = { code: RC.success, message: '' };

function fail(code: number, message = ''): Outcome {
  return { code, message };
}

// =============================================================================================
// Distinguished names: compared case-insensitively, spaces around separators ignored, escapes
// (`\,`, `\c3\a1`) decoded. An entry's `rdns` are normalised RDN strings, leaf first.

class InvalidDnError extends Error {}

const ATTRIBUTE_TYPE = /^(?:[a-z][a-z0-9-]*|\d+(?:\.\d+)*)$/u;

/** Normalised RDNs of a DN, leaf first ([] for the root DSE ""). Throws InvalidDnError. */
function dnRdns(dn: string): string[] {
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

function readAva(text: string, start: number): { ava: string; end: number } {
  const eq = text.indexOf('=', start);
  const type = eq < 0 ? '' : text.slice(start, eq).trim().toLowerCase();
  if (!ATTRIBUTE_TYPE.test(type)) throw new InvalidDnError(`invalid DN "${text}"`);
  const { value, end } = readDnValue(text, eq + 1);
  return { ava: `${type}=${caseIgnore(value).replace(/[\\,+=]/gu, '\\$&')}`, end };
}

/** Reads an RDN value up to an unescaped `,` `;` `+`; decodes escapes; drops unescaped edge spaces. */
function readDnValue(text: string, start: number): { value: string; end: number } {
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
function readDnEscape(text: string, at: number, bytes: number[]): number {
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

function tryRdns(dn: string): string[] | null {
  try {
    return dnRdns(dn);
  } catch (err) {
    if (err instanceof InvalidDnError) return null;
    throw err;
  }
}

function rdnKey(rdns: readonly string[]): string {
  return rdns.join(',');
}

/** True when `rdns` is `base` or lies below it. */
function isAtOrUnder(rdns: readonly string[], base: readonly string[]): boolean {
  const offset = rdns.length - base.length;
  return offset >= 0 && base.every((rdn, k) => rdns[offset + k] === rdn);
}

// =============================================================================================
// Entries

interface Attr {
  /** The name as first written. */
  name: string;
  values: string[];
}

interface Entry {
  dn: string;
  rdns: string[];
  key: string;
  /** By lower-case attribute name, in insertion order. */
  attrs: Map<string, Attr>;
}

function valuesOf(entry: Entry, name: string): string[] {
  return entry.attrs.get(name.toLowerCase())?.values ?? [];
}

function firstOf(entry: Entry, name: string): string | undefined {
  return valuesOf(entry, name)[0];
}

/** Sets (or, with no values, removes) an attribute, keeping the stored name when present. */
function setValues(attrs: Map<string, Attr>, name: string, values: string[]): void {
  const lower = name.toLowerCase();
  if (values.length === 0) {
    attrs.delete(lower);
    return;
  }
  attrs.set(lower, { name: attrs.get(lower)?.name ?? name, values });
}

function cloneAttrs(attrs: Map<string, Attr>): Map<string, Attr> {
  return new Map([...attrs].map(([k, a]) => [k, { name: a.name, values: [...a.values] }]));
}

function newEntry(dn: string, attributes: Iterable<[string, string[]]>): Entry {
  const rdns = tryRdns(dn);
  if (!rdns) throw new Error(`training directory: invalid DN "${dn}"`);
  const attrs = new Map<string, Attr>();
  for (const [name, values] of attributes) {
    const existing = attrs.get(name.toLowerCase());
    setValues(attrs, name, [...(existing?.values ?? []), ...values]);
  }
  return { dn, rdns, key: rdnKey(rdns), attrs };
}

// =============================================================================================
// Loading the LDIF

interface LoadContext {
  baseDn: string;
  serviceDn: string;
  now: () => Date;
}

type Store = Map<string, Entry>;

function loadStore(ldif: LdifEntry[], ctx: LoadContext): Store {
  const base = newEntry(ctx.baseDn, []);
  const stamp = generalizedTime(ctx.now());
  const store: Store = new Map();
  for (const record of ldif) {
    const entry = newEntry(record.dn, record.attributes);
    if (!isAtOrUnder(entry.rdns, base.rdns)) throw new Error(`training directory: "${record.dn}" is outside ${ctx.baseDn}`);
    if (store.has(entry.key)) throw new Error(`training directory: duplicate entry "${record.dn}"`);
    addOperationalDefaults(entry, stamp);
    store.set(entry.key, entry);
  }
  if (!store.has(base.key)) throw new Error(`training directory: the LDIF has no base entry "${ctx.baseDn}"`);
  addServiceEntry(store, ctx.serviceDn, stamp);
  checkParents(store, base.key);
  return store;
}

/** What slapadd adds to every entry. */
function addOperationalDefaults(entry: Entry, stamp: string): void {
  if (!firstOf(entry, 'createTimestamp')) setValues(entry.attrs, 'createTimestamp', [stamp]);
  if (!firstOf(entry, 'modifyTimestamp')) setValues(entry.attrs, 'modifyTimestamp', [firstOf(entry, 'createTimestamp') ?? stamp]);
  if (!firstOf(entry, 'entryUUID')) setValues(entry.attrs, 'entryUUID', [randomUUID()]);
}

/** The service account (and ou=system) unless the LDIF has them; its password is never stored. */
function addServiceEntry(store: Store, serviceDn: string, stamp: string): void {
  const service = newEntry(serviceDn, [
    ['objectClass', ['top', 'applicationProcess']],
    ['cn', ['helpdesk-service']],
    ['description', ['Helpdesk service account (training directory)']],
  ]);
  const parentDn = serviceDn.slice(serviceDn.search(/(?<!\\),/u) + 1);
  const parent = newEntry(parentDn, [['objectClass', ['top', 'organizationalUnit']], ['ou', ['system']]]);
  for (const e of [parent, service]) {
    if (store.has(e.key)) continue;
    addOperationalDefaults(e, stamp);
    store.set(e.key, e);
  }
  store.get(service.key)?.attrs.delete('userpassword');
}

function checkParents(store: Store, baseKey: string): void {
  for (const entry of store.values()) {
    if (entry.key === baseKey) continue;
    if (!store.has(rdnKey(entry.rdns.slice(1)))) throw new Error(`training directory: the parent of "${entry.dn}" is missing`);
  }
}

// =============================================================================================
// Time

/** `YYYYMMDDHHMMSSZ` (UTC), as OpenLDAP writes timestamps and pwdAccountLockedTime. */
function generalizedTime(d: Date): string {
  return d.toISOString().replace(/[-:T]/gu, '').replace(/\.\d+Z$/u, 'Z');
}

/**
 * `YYYYMMDDHHMMSS.ffffffZ`, as OpenLDAP 2.5 ppolicy writes pwdFailureTime (microseconds keep the
 * values of one attribute distinct). A value already present is bumped by one microsecond.
 */
function failureTime(d: Date, existing: readonly string[]): string {
  let micros = d.getTime() * 1000;
  for (;;) {
    const ms = Math.floor(micros / 1000);
    const fraction = `${String(ms % 1000).padStart(3, '0')}${String(micros % 1000).padStart(3, '0')}`;
    const value = generalizedTime(new Date(ms)).replace(/Z$/u, `.${fraction}Z`);
    if (!existing.includes(value)) return value;
    micros += 1;
  }
}

// =============================================================================================
// Passwords: {SSHA} (as slappasswd makes), {SSHA256|384|512}, unsalted {SHA…}, or plain text.

const SCHEMES: Record<string, { algorithm: string; digestLength: number; salted: boolean }> = {
  SSHA: { algorithm: 'sha1', digestLength: 20, salted: true },
  SSHA256: { algorithm: 'sha256', digestLength: 32, salted: true },
  SSHA384: { algorithm: 'sha384', digestLength: 48, salted: true },
  SSHA512: { algorithm: 'sha512', digestLength: 64, salted: true },
  SHA: { algorithm: 'sha1', digestLength: 20, salted: false },
  SHA256: { algorithm: 'sha256', digestLength: 32, salted: false },
  SHA384: { algorithm: 'sha384', digestLength: 48, salted: false },
  SHA512: { algorithm: 'sha512', digestLength: 64, salted: false },
};

/** A never-matching hash, checked for unknown DNs so that they take as long as known ones. */
const DUMMY_HASH = sshaHash(randomBytes(16).toString('hex'));

/** `{SSHA}` + base64(sha1(password ‖ salt) ‖ salt); a fresh random 8-byte salt unless one is given. */
export function sshaHash(password: string, salt: Buffer = randomBytes(8)): string {
  const digest = createHash('sha1').update(password, 'utf8').update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

/** Compares a candidate with a stored userPassword value in constant time (per scheme). */
export function verifyPassword(stored: string, candidate: string): boolean {
  const m = /^\{([A-Za-z0-9-]+)\}(.*)$/su.exec(stored);
  if (!m) return safeEqualText(stored, candidate);
  const scheme = SCHEMES[(m[1] ?? '').toUpperCase()];
  if (!scheme) return (m[1] ?? '').toUpperCase() === 'CLEARTEXT' && safeEqualText(m[2] ?? '', candidate);
  const decoded = Buffer.from(m[2] ?? '', 'base64');
  if (scheme.salted ? decoded.length <= scheme.digestLength : decoded.length !== scheme.digestLength) return false;
  const digest = decoded.subarray(0, scheme.digestLength);
  const salt = decoded.subarray(scheme.digestLength);
  const computed = createHash(scheme.algorithm).update(candidate, 'utf8').update(salt).digest();
  return timingSafeEqual(digest, computed);
}

function safeEqualText(a: string, b: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Plain values are stored as {SSHA}; values with a known {scheme} are stored as given. */
function storablePassword(value: string): string {
  const scheme = /^\{([A-Za-z0-9-]+)\}/u.exec(value)?.[1]?.toUpperCase();
  return scheme && (SCHEMES[scheme] || scheme === 'CLEARTEXT') ? value : sshaHash(value);
}

// =============================================================================================
// ppolicy

/** pwdAccountLockedTime of an administrative lock: never ends by itself. */
const ADMIN_LOCK = '000001010000Z';

const PPOLICY_STATE = new Set(
  [
    'pwdAccountLockedTime', 'pwdFailureTime', 'pwdReset', 'pwdChangedTime', 'pwdHistory', 'pwdGraceUseTime',
    'pwdPolicySubentry', 'pwdLastSuccess', 'pwdStartTime', 'pwdEndTime', 'pwdAccountTmpLockoutEnd',
  ].map((a) => a.toLowerCase()),
);

const OPERATIONAL = new Set(
  [
    ...PPOLICY_STATE, 'createTimestamp', 'modifyTimestamp', 'entryUUID', 'creatorsName', 'modifiersName',
    'entryDN', 'entryCSN', 'structuralObjectClass', 'subschemaSubentry', 'hasSubordinates', 'namingContexts',
    'supportedControl', 'supportedExtension', 'supportedLDAPVersion', 'supportedSASLMechanisms',
  ].map((a) => a.toLowerCase()),
);

interface Policy {
  maxFailure: number;
  lockout: boolean;
  /** Seconds; 0 = until an administrator unlocks. */
  lockoutDuration: number;
  /** Seconds; 0 = failures never expire. */
  failureCountInterval: number;
}

function intOf(entry: Entry | undefined, name: string, fallback: number): number {
  const v = entry ? firstOf(entry, name) : undefined;
  return v !== undefined && /^\d+$/u.test(v.trim()) ? Number(v.trim()) : fallback;
}

function readPolicy(entry: Entry | undefined): Policy {
  const lockout = entry ? firstOf(entry, 'pwdLockout') : undefined;
  return {
    maxFailure: intOf(entry, 'pwdMaxFailure', 3),
    lockout: lockout === undefined || lockout.trim().toUpperCase() === 'TRUE',
    lockoutDuration: intOf(entry, 'pwdLockoutDuration', 0),
    failureCountInterval: intOf(entry, 'pwdFailureCountInterval', 0),
  };
}

/** Locked now? An expired timed lock is lifted (with its failures) on the way, as ppolicy does. */
function checkLocked(entry: Entry, policy: Policy, now: Date): boolean {
  const locked = firstOf(entry, 'pwdAccountLockedTime');
  if (locked === undefined) return false;
  if (locked === ADMIN_LOCK || policy.lockoutDuration === 0) return true;
  const at = parseGeneralizedTime(locked);
  if (at && at.getTime() + policy.lockoutDuration * 1000 > now.getTime()) return true;
  setValues(entry.attrs, 'pwdAccountLockedTime', []);
  setValues(entry.attrs, 'pwdFailureTime', []);
  return false;
}

function recordFailure(entry: Entry, policy: Policy, now: Date): void {
  let failures = valuesOf(entry, 'pwdFailureTime');
  if (policy.failureCountInterval > 0) {
    const since = now.getTime() - policy.failureCountInterval * 1000;
    failures = failures.filter((f) => (parseGeneralizedTime(f)?.getTime() ?? 0) > since);
  }
  failures = [...failures, failureTime(now, failures)];
  setValues(entry.attrs, 'pwdFailureTime', failures);
  if (policy.lockout && policy.maxFailure > 0 && failures.length >= policy.maxFailure) {
    setValues(entry.attrs, 'pwdAccountLockedTime', [generalizedTime(now)]);
  }
}

// =============================================================================================
// Matching rules: caseIgnoreMatch, with telephoneNumberMatch (spaces and hyphens ignored) for
// telephone attributes. Attribute names compare case-insensitively; options (`;lang-vi`) are
// part of the name.

const TELEPHONE_ATTRS = new Set(['telephonenumber', 'mobile', 'homephone', 'pager', 'facsimiletelephonenumber']);

function isTelephone(attr: string): boolean {
  return TELEPHONE_ATTRS.has(attr.split(';')[0] ?? attr);
}

function caseIgnore(value: string): string {
  return value.normalize('NFC').toLowerCase().trim().replace(/\s+/gu, ' ');
}

function normalizeValue(attr: string, value: string): string {
  return isTelephone(attr) ? value.toLowerCase().replace(/[\s-]/gu, '') : caseIgnore(value);
}

/** A substring assertion part: like a value, but spaces at its ends are significant. */
function normalizePart(attr: string, part: string): string {
  return isTelephone(attr) ? normalizeValue(attr, part) : part.normalize('NFC').toLowerCase().replace(/\s+/gu, ' ');
}

function valueEquals(attr: string, a: string, b: string): boolean {
  return normalizeValue(attr, a) === normalizeValue(attr, b);
}

function compareValues(attr: string, a: string, b: string): number {
  const x = normalizeValue(attr, a);
  const y = normalizeValue(attr, b);
  if (/^-?\d+$/u.test(x) && /^-?\d+$/u.test(y)) return Math.sign(Number(x) - Number(y));
  return x < y ? -1 : x > y ? 1 : 0;
}

/** approxMatch: equality after dropping diacritics (Nguyễn ≈ Nguyen). */
function approxKey(attr: string, value: string): string {
  return normalizeValue(attr, value).normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/gu, 'd');
}

function substringMatches(value: string, f: SubstringFilter): boolean {
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

// =============================================================================================
// Filters (RFC 4511 §4.5.1), decoded from the request's BER by this module: ldapjs 3 re-parses
// the filter through its string form and hands values back still escaped (`Nguy\e1\bb\85n`).

interface SubstringFilter {
  kind: 'substring';
  attribute: string;
  initial?: string;
  any: string[];
  final?: string;
}

type Filter =
  | { kind: 'and' | 'or'; filters: Filter[] }
  | { kind: 'not'; filter: Filter }
  | { kind: 'equality' | 'ge' | 'le' | 'approx'; attribute: string; value: string }
  | SubstringFilter
  | { kind: 'present'; attribute: string }
  | { kind: 'extensible' };

interface Viewer {
  identity: Identity;
}

/** Whether the viewer may see (and filter on) an attribute of an entry. */
function canRead(viewer: Viewer, entry: Entry, attr: string): boolean {
  if (attr === 'userpassword') return false;
  if (!PPOLICY_STATE.has(attr)) return true;
  const id = viewer.identity;
  return id !== null && (id.kind === 'service' || id.key === entry.key);
}

function readable(viewer: Viewer, entry: Entry, attribute: string): string[] {
  const attr = attribute.toLowerCase();
  return canRead(viewer, entry, attr) ? valuesOf(entry, attr) : [];
}

function matchesFilter(f: Filter, entry: Entry, viewer: Viewer): boolean {
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

function matchesAssertion(f: Extract<Filter, { attribute: string }>, values: string[]): boolean {
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

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

/** The element at `offset`, or null when `limit` cuts it short (more bytes needed). */
function readTlv(buf: Buffer, offset: number, limit: number): Tlv | null {
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

function childrenOf(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const t = readTlv(buf, at, parent.end);
    if (!t) throw new Error('BER: truncated element');
    out.push(t);
    at = t.end;
  }
  return out;
}

function textOf(buf: Buffer, t: Tlv | undefined): string {
  if (!t) throw new Error('BER: missing element');
  return buf.toString('utf8', t.start, t.end);
}

const MAX_FILTER_DEPTH = 64;

function decodeFilter(buf: Buffer, t: Tlv, depth = 0): Filter {
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

function decodeSubstrings(buf: Buffer, [type, seq]: Tlv[]): SubstringFilter {
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
function searchFilterOf(frame: Buffer): { messageId: number; filter: Filter } | null {
  const message = readTlv(frame, 0, frame.length);
  if (!message || message.tag !== 0x30) return null;
  const [id, op] = childrenOf(frame, message);
  if (!id || id.tag !== 0x02 || !op || op.tag !== 0x63) return null;
  const filter = childrenOf(frame, op)[6];
  if (!filter) throw new Error('BER: SearchRequest without a filter');
  return { messageId: frame.readIntBE(id.start, Math.min(id.end - id.start, 6)), filter: decodeFilter(frame, filter) };
}

// =============================================================================================
// Attribute selection (OpenLDAP): none listed or `*` → user attributes; `+` → operational ones;
// names → those; `1.1` → none. userPassword never; ppolicy state per canRead.

interface OutEntry {
  dn: string;
  attributes: Attr[];
}

function selectAttributes(entry: Entry, requested: readonly string[], viewer: Viewer, typesOnly: boolean): Attr[] {
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

// =============================================================================================
// Paged results (RFC 2696): a per-connection table of cursors keyed by opaque cookies.

interface Cursor {
  entries: Entry[];
  position: number;
  sent: number;
  sizeLimit: number;
}

const MAX_CURSORS_PER_CONNECTION = 16;

class CursorTable {
  private readonly cursors = new Map<string, Cursor>();

  /** Keeps a cursor and returns its new cookie. */
  put(cursor: Cursor): Buffer {
    const cookie = randomBytes(12);
    this.cursors.set(cookie.toString('hex'), cursor);
    if (this.cursors.size > MAX_CURSORS_PER_CONNECTION) {
      const oldest = this.cursors.keys().next().value;
      if (oldest !== undefined) this.cursors.delete(oldest);
    }
    return cookie;
  }

  /** Removes and returns the cursor of a cookie (a cookie is good for one page). */
  take(cookie: Buffer): Cursor | undefined {
    const key = cookie.toString('hex');
    const cursor = this.cursors.get(key);
    this.cursors.delete(key);
    return cursor;
  }

  clear(): void {
    this.cursors.clear();
  }
}

// =============================================================================================
// The directory's operations, independent of ldapjs.

type Identity = { kind: 'service' } | { kind: 'user'; key: string } | null;

interface CoreOptions {
  baseDn: string;
  serviceDn: string;
  policyDn: string;
  servicePassword: string;
  now: () => Date;
}

interface PagedRequest {
  size: number;
  cookie: Buffer;
}

interface SearchQuery {
  base: string;
  scope: number;
  sizeLimit: number;
  typesOnly: boolean;
  attributes: string[];
  filter: Filter;
  paged: PagedRequest | null;
}

interface SearchOutcome extends Outcome {
  entries: OutEntry[];
  /** The cookie for the response control: null when the request was not paged. */
  cookie: Buffer | null;
}

type BindOutcome = Outcome & { identity: Identity };

interface ChangeRequest {
  operation: string;
  attribute: string;
  values: string[];
}

const SCOPE = { base: 0, one: 1, sub: 2, children: 3 } as const;

class DirectoryCore {
  private readonly serviceKey: string;
  private readonly policyKey: string;
  private readonly rootDse: Entry;

  constructor(
    private readonly store: Store,
    private readonly o: CoreOptions,
  ) {
    this.serviceKey = rdnKey(dnRdns(o.serviceDn));
    this.policyKey = rdnKey(dnRdns(o.policyDn));
    this.rootDse = newEntry('', [
      ['objectClass', ['top', 'OpenLDAProotDSE']],
      ['namingContexts', [o.baseDn]],
      ['supportedControl', [PAGED_RESULTS_OID]],
      ['supportedLDAPVersion', ['3']],
    ]);
  }

  // ---- bind

  bind(dn: string, password: string): BindOutcome {
    const refused = (code: number, message = ''): BindOutcome => ({ code, message, identity: null });
    if (dn.trim() === '') return password === '' ? { ...OK, identity: null } : refused(RC.invalidCredentials);
    if (password === '') return refused(RC.unwillingToPerform, 'unauthenticated bind (DN with no password) disallowed');
    const rdns = tryRdns(dn);
    if (!rdns) return refused(RC.invalidDnSyntax, 'invalid DN');
    const key = rdnKey(rdns);
    if (key === this.serviceKey) {
      return safeEqualText(password, this.o.servicePassword) ? { ...OK, identity: { kind: 'service' } } : refused(RC.invalidCredentials);
    }
    return this.bindEntry(this.store.get(key), password) ? { ...OK, identity: { kind: 'user', key } } : refused(RC.invalidCredentials);
  }

  /** ppolicy: a locked entry is refused; a wrong password is recorded and may lock the entry. */
  private bindEntry(entry: Entry | undefined, password: string): boolean {
    const stored = entry ? valuesOf(entry, 'userPassword') : [];
    if (!entry || stored.length === 0) {
      verifyPassword(DUMMY_HASH, password);
      return false;
    }
    const now = this.o.now();
    const policy = this.policyOf(entry);
    if (checkLocked(entry, policy, now)) return false;
    if (stored.some((s) => verifyPassword(s, password))) {
      setValues(entry.attrs, 'pwdFailureTime', []);
      return true;
    }
    recordFailure(entry, policy, now);
    return false;
  }

  private policyOf(entry: Entry): Policy {
    const own = firstOf(entry, 'pwdPolicySubentry');
    const ownRdns = own === undefined ? null : tryRdns(own);
    const ownPolicy = ownRdns ? this.store.get(rdnKey(ownRdns)) : undefined;
    return readPolicy(ownPolicy ?? this.store.get(this.policyKey));
  }

  // ---- search

  search(identity: Identity, q: SearchQuery, cursors: CursorTable): SearchOutcome {
    const viewer: Viewer = { identity };
    const baseRdns = tryRdns(q.base);
    if (!baseRdns) return { ...fail(RC.invalidDnSyntax, 'invalid DN'), entries: [], cookie: null };
    if (baseRdns.length === 0 && q.scope === SCOPE.base) return this.searchRootDse(q, viewer);
    if (identity === null) return { ...fail(RC.insufficientAccessRights, 'anonymous search is not allowed'), entries: [], cookie: null };
    if (q.paged && q.paged.cookie.length > 0) return this.nextPage(q, q.paged, viewer, cursors);
    const base = this.store.get(rdnKey(baseRdns));
    if (!base) return { ...fail(RC.noSuchObject), matchedDn: this.matchedDn(baseRdns), entries: [], cookie: null };
    const cursor: Cursor = {
      entries: this.inScope(base, q.scope).filter((e) => matchesFilter(q.filter, e, viewer)),
      position: 0,
      sent: 0,
      sizeLimit: q.sizeLimit,
    };
    if (!q.paged) return this.page(cursor, null, q, viewer);
    if (q.paged.size === 0) return { ...OK, entries: [], cookie: Buffer.alloc(0) };
    return this.pagedPage(cursor, q.paged.size, q, viewer, cursors);
  }

  private searchRootDse(q: SearchQuery, viewer: Viewer): SearchOutcome {
    const entries = matchesFilter(q.filter, this.rootDse, viewer)
      ? [{ dn: '', attributes: selectAttributes(this.rootDse, q.attributes, viewer, q.typesOnly) }]
      : [];
    return { ...OK, entries, cookie: q.paged ? Buffer.alloc(0) : null };
  }

  private nextPage(q: SearchQuery, paged: PagedRequest, viewer: Viewer, cursors: CursorTable): SearchOutcome {
    const cursor = cursors.take(paged.cookie);
    if (!cursor) return { ...fail(RC.protocolError, 'paged results cookie is invalid'), entries: [], cookie: null };
    if (paged.size === 0) return { ...OK, entries: [], cookie: Buffer.alloc(0) };
    return this.pagedPage(cursor, paged.size, q, viewer, cursors);
  }

  private pagedPage(cursor: Cursor, size: number, q: SearchQuery, viewer: Viewer, cursors: CursorTable): SearchOutcome {
    const result = this.page(cursor, size, q, viewer);
    const more = result.code === RC.success && cursor.position < cursor.entries.length;
    return { ...result, cookie: more ? cursors.put(cursor) : Buffer.alloc(0) };
  }

  /** Sends up to `size` entries (all when null) from the cursor, within the sizeLimit. */
  private page(cursor: Cursor, size: number | null, q: SearchQuery, viewer: Viewer): SearchOutcome {
    const remaining = cursor.entries.length - cursor.position;
    const room = cursor.sizeLimit > 0 ? cursor.sizeLimit - cursor.sent : Number.POSITIVE_INFINITY;
    const count = Math.min(size ?? remaining, remaining, room);
    const batch = cursor.entries.slice(cursor.position, cursor.position + count);
    cursor.position += count;
    cursor.sent += count;
    const entries = batch.map((e) => ({ dn: e.dn, attributes: selectAttributes(e, q.attributes, viewer, q.typesOnly) }));
    const truncated = cursor.position < cursor.entries.length && cursor.sizeLimit > 0 && cursor.sent >= cursor.sizeLimit;
    return { ...(truncated ? fail(RC.sizeLimitExceeded) : OK), entries, cookie: null };
  }

  private inScope(base: Entry, scope: number): Entry[] {
    if (scope === SCOPE.base) return [base];
    const depth = base.rdns.length;
    return [...this.store.values()].filter((e) => {
      if (!isAtOrUnder(e.rdns, base.rdns)) return false;
      if (scope === SCOPE.one) return e.rdns.length === depth + 1;
      return scope === SCOPE.children ? e.rdns.length > depth : true;
    });
  }

  /** The DN of the nearest existing ancestor (matchedDN of a noSuchObject). */
  private matchedDn(rdns: string[]): string {
    for (let k = 1; k < rdns.length; k++) {
      const found = this.store.get(rdnKey(rdns.slice(k)));
      if (found) return found.dn;
    }
    return '';
  }

  // ---- modify

  modify(identity: Identity, dn: string, changes: ChangeRequest[]): Outcome {
    if (identity?.kind !== 'service') return fail(RC.insufficientAccessRights, 'only the service account may modify entries');
    const rdns = tryRdns(dn);
    if (!rdns) return fail(RC.invalidDnSyntax, 'invalid DN');
    const entry = this.store.get(rdnKey(rdns));
    if (!entry) return { ...fail(RC.noSuchObject), matchedDn: this.matchedDn(rdns) };
    const draft = cloneAttrs(entry.attrs);
    for (const change of changes) {
      const problem = applyChange(draft, change);
      if (problem) return problem;
    }
    entry.attrs = draft;
    this.stampModified(entry, changes);
    return OK;
  }

  private stampModified(entry: Entry, changes: ChangeRequest[]): void {
    const stamp = generalizedTime(this.o.now());
    const touched = new Set(changes.map((c) => c.attribute.toLowerCase()));
    setValues(entry.attrs, 'modifyTimestamp', [stamp]);
    if (touched.has('userpassword') && !touched.has('pwdchangedtime') && firstOf(entry, 'userPassword')) {
      setValues(entry.attrs, 'pwdChangedTime', [stamp]);
    }
    // As OpenLDAP's ppolicy does: a replaced password ends the lock (the administrative one too) and
    // forgets the failures. The helpdesk refuses such a reset on an administratively locked account.
    if (touched.has('userpassword')) {
      if (!touched.has('pwdaccountlockedtime')) setValues(entry.attrs, 'pwdAccountLockedTime', []);
      if (!touched.has('pwdfailuretime')) setValues(entry.attrs, 'pwdFailureTime', []);
    }
  }

  /** Add/delete/modifyDN/compare are not offered. */
  unsupported(identity: Identity): Outcome {
    return identity?.kind === 'service'
      ? fail(RC.unwillingToPerform, 'not supported by the training directory')
      : fail(RC.insufficientAccessRights);
  }
}

/** Applies one modification to a draft of an entry's attributes; an Outcome on failure. */
function applyChange(attrs: Map<string, Attr>, change: ChangeRequest): Outcome | null {
  const attr = change.attribute.toLowerCase();
  const given = attr === 'userpassword' ? change.values.map(storablePassword) : change.values;
  const current = attrs.get(attr)?.values ?? [];
  switch (change.operation) {
    case 'add': {
      if (given.length === 0) return fail(RC.protocolError, `modify/add: ${change.attribute}: no values given`);
      const dup = given.findIndex((v) => current.some((c) => valueEquals(attr, c, v)));
      if (dup >= 0) return fail(RC.typeOrValueExists, `modify/add: ${change.attribute}: value #${dup} already exists`);
      setValues(attrs, change.attribute, [...current, ...given]);
      return null;
    }
    case 'delete':
      return deleteValues(attrs, change, current);
    case 'replace':
      setValues(attrs, change.attribute, given);
      return null;
    default:
      return fail(RC.protocolError, `unknown modify operation "${change.operation}"`);
  }
}

function deleteValues(attrs: Map<string, Attr>, change: ChangeRequest, current: string[]): Outcome | null {
  const attr = change.attribute.toLowerCase();
  const noSuch = fail(RC.noSuchAttribute, `modify/delete: ${change.attribute}: no such attribute`);
  if (current.length === 0) return noSuch;
  let left = current;
  for (const v of change.values) {
    const at = left.findIndex((c) => (attr === 'userpassword' ? c === v : valueEquals(attr, c, v)));
    if (at < 0) return noSuch;
    left = left.filter((_, k) => k !== at);
  }
  setValues(attrs, change.attribute, change.values.length === 0 ? [] : left);
  return null;
}

// =============================================================================================
// The ldapjs boundary. ldapjs 3 is untyped where it matters (@types/ldapjs describes 2.x), so
// its objects are described here and checked on the way in.

type Handler = (req: unknown, res: unknown, next: () => void) => void;

interface LdapjsServer {
  listen(port: number, host: string, callback: () => void): unknown;
  close(callback?: (err?: Error) => void): unknown;
  address(): unknown;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
  newConnection(socket: Socket): void;
  bind(mount: string, handler: Handler): unknown;
  search(mount: string, handler: Handler): unknown;
  modify(mount: string, handler: Handler): unknown;
  add(mount: string, handler: Handler): unknown;
  del(mount: string, handler: Handler): unknown;
  compare(mount: string, handler: Handler): unknown;
  modifyDN(mount: string, handler: Handler): unknown;
  after(handler: Handler): unknown;
}

interface LdapjsRuntime {
  createServer(options: { log: SilentLog; connectionRouter: (socket: Socket) => void }): LdapjsServer;
  PagedResultsControl: new (options: { value: { size: number; cookie: Buffer } }) => object;
  SearchEntry: new (options: { messageId: number; objectName: object; attributes: object[] }) => object;
  Attribute: new (options: { type: string; values: string[] }) => object;
}

function ldapjsRuntime(): LdapjsRuntime {
  const r: unknown = ldapjs;
  const has = (name: string): boolean => typeof r === 'object' && r !== null && typeof Reflect.get(r, name) === 'function';
  if (!['createServer', 'PagedResultsControl', 'SearchEntry', 'Attribute'].every(has)) {
    throw new Error('training directory: unexpected ldapjs module shape (ldapjs 3.x expected)');
  }
  return r as LdapjsRuntime;
}

interface SilentLog {
  trace(): void;
  debug(): void;
  info(): void;
  warn(): void;
  error(): void;
  fatal(): void;
  child(): SilentLog;
}

const noop = (): void => undefined;

/** ldapjs logs requests (bind credentials included) at debug level: give it nowhere to write. */
const SILENT_LOG: SilentLog = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  fatal: noop,
  child: () => SILENT_LOG,
};

/** What the server keeps per connection. */
interface Session {
  identity: Identity;
  /** Filters decoded from the wire, by messageID, until the search handler takes them. */
  filters: Map<number, Filter>;
  cursors: CursorTable;
  /** Bytes of an LDAPMessage not yet complete. */
  pending: Buffer;
}

const MAX_PENDING_FILTERS = 64;
const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

interface LdapResponse {
  messageId: number;
  diagnosticMessage: string;
  matchedDN: string;
  end(status?: number): void;
  send(entry: object): void;
  addControl(control: object): void;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

function asResponse(res: unknown): LdapResponse {
  if (!isRecord(res) || typeof res.end !== 'function' || typeof res.messageId !== 'number') {
    throw new Error('training directory: unexpected ldapjs response object');
  }
  return res as unknown as LdapResponse;
}

function socketOf(req: unknown): Socket {
  const socket = isRecord(req) ? req.connection : undefined;
  if (!(socket instanceof Socket)) throw new Error('training directory: request without a connection');
  return socket;
}

function numberField(req: Record<string, unknown>, name: string): number {
  const v = req[name];
  if (typeof v !== 'number') throw new Error(`training directory: request field ${name} is not a number`);
  return v;
}

function pagedRequestOf(controls: unknown): PagedRequest | null {
  if (!Array.isArray(controls)) return null;
  for (const c of controls as unknown[]) {
    if (!isRecord(c) || c.type !== PAGED_RESULTS_OID || !isRecord(c.value)) continue;
    const { size, cookie } = c.value;
    return { size: typeof size === 'number' ? size : 0, cookie: Buffer.isBuffer(cookie) ? cookie : Buffer.alloc(0) };
  }
  return null;
}

function changesOf(req: Record<string, unknown>): ChangeRequest[] {
  const changes = req.changes;
  if (!Array.isArray(changes)) throw new Error('training directory: modify request without changes');
  return (changes as unknown[]).map((c) => {
    const mod = isRecord(c) ? c.modification : undefined;
    if (!isRecord(c) || !isRecord(mod)) throw new Error('training directory: malformed change');
    const values = Array.isArray(mod.values) ? (mod.values as unknown[]).map(String) : [];
    return { operation: String(c.operation), attribute: String(mod.type), values };
  });
}

/** An object ldapjs accepts as a DN and that prints the stored DN as is (ldapjs would hex-escape UTF-8). */
function rawDn(dn: string): object {
  return { [Symbol.toStringTag]: 'LdapDn', toString: () => dn };
}

class LdapServer {
  private readonly ldapjs = ldapjsRuntime();
  private readonly server: LdapjsServer;
  private readonly sessions = new Map<Socket, Session>();
  private closing: Promise<void> | null = null;

  constructor(private readonly core: DirectoryCore) {
    this.server = this.ldapjs.createServer({ log: SILENT_LOG, connectionRouter: (socket) => this.accept(socket) });
    this.server.on('error', () => undefined);
    this.server.on('clientError', () => undefined);
    this.mount();
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: unknown): void => reject(err instanceof Error ? err : new Error(String(err)));
      this.server.once('error', onError);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.removeListener('error', onError);
        const address = this.server.address();
        const bound = isRecord(address) ? address.port : undefined;
        if (typeof bound === 'number') resolve(bound);
        else reject(new Error('training directory: could not read the listening port'));
      });
    });
  }

  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sessions.keys()) socket.destroy();
      this.sessions.clear();
    });
    return this.closing;
  }

  /** A new connection: tap its bytes (before ldapjs's own listener), then hand it to ldapjs. */
  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const session: Session = { identity: null, filters: new Map(), cursors: new CursorTable(), pending: Buffer.alloc(0) };
    this.sessions.set(socket, session);
    // Entries and the SearchResultDone go out as separate writes: without this, Nagle's
    // algorithm and the client's delayed ACK add ~40 ms to every search.
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.tap(socket, session, chunk));
    socket.on('close', () => {
      session.cursors.clear();
      this.sessions.delete(socket);
    });
    this.server.newConnection(socket);
  }

  /** Frames LDAPMessages and keeps the decoded filter of each SearchRequest for its handler. */
  private tap(socket: Socket, session: Session, chunk: Buffer): void {
    session.pending = session.pending.length === 0 ? chunk : Buffer.concat([session.pending, chunk]);
    try {
      for (;;) {
        const frame = readTlv(session.pending, 0, session.pending.length);
        if (!frame) break;
        this.remember(session, session.pending.subarray(0, frame.end));
        session.pending = session.pending.subarray(frame.end);
      }
    } catch {
      socket.destroy();
      return;
    }
    if (session.pending.length > MAX_MESSAGE_BYTES) socket.destroy();
  }

  private remember(session: Session, frame: Buffer): void {
    let found: ReturnType<typeof searchFilterOf>;
    try {
      found = searchFilterOf(frame);
    } catch {
      return; // the search handler answers protocolError
    }
    if (!found) return;
    session.filters.set(found.messageId, found.filter);
    if (session.filters.size > MAX_PENDING_FILTERS) {
      const oldest = session.filters.keys().next().value;
      if (oldest !== undefined) session.filters.delete(oldest);
    }
  }

  private session(req: unknown): Session {
    const socket = socketOf(req);
    const session = this.sessions.get(socket);
    if (!session) throw new Error('training directory: unknown connection');
    return session;
  }

  private mount(): void {
    const s = this.server;
    s.bind('', this.guard((req, res) => this.onBind(req, res)));
    s.search('', this.guard((req, res) => this.onSearch(req, res)));
    s.modify('', this.guard((req, res) => this.onModify(req, res)));
    const unsupported = this.guard((req, res) => reply(res, this.core.unsupported(this.session(req).identity)));
    s.add('', unsupported);
    s.del('', unsupported);
    s.compare('', unsupported);
    s.modifyDN('', unsupported);
    // Anonymous binds never reach a handler (ldapjs answers them itself); they end here.
    s.after((req) => this.afterRequest(req));
  }

  /** Narrows the response and turns an unexpected error into `other` (80) instead of a crash. */
  private guard(handle: (req: Record<string, unknown>, res: LdapResponse) => void): Handler {
    return (req, rawRes) => {
      const res = asResponse(rawRes);
      try {
        if (!isRecord(req)) throw new Error('training directory: unexpected request object');
        handle(req, res);
      } catch {
        reply(res, fail(RC.other, 'internal error in the training directory'));
      }
    };
  }

  private onBind(req: Record<string, unknown>, res: LdapResponse): void {
    const session = this.session(req);
    const credentials = typeof req.credentials === 'string' ? req.credentials : '';
    const outcome = this.core.bind(String(req.dn ?? ''), credentials);
    session.identity = outcome.identity;
    reply(res, outcome);
  }

  private onSearch(req: Record<string, unknown>, res: LdapResponse): void {
    const session = this.session(req);
    const messageId = numberField(req, 'messageId');
    const filter = session.filters.get(messageId);
    session.filters.delete(messageId);
    if (!filter) {
      reply(res, fail(RC.protocolError, 'could not decode the search filter'));
      return;
    }
    const attributes = Array.isArray(req.attributes) ? (req.attributes as unknown[]).map(String) : [];
    const outcome = this.core.search(
      session.identity,
      {
        base: String(req.dn ?? ''),
        scope: numberField(req, 'scope'),
        sizeLimit: numberField(req, 'sizeLimit'),
        typesOnly: req.typesOnly === true,
        attributes,
        filter,
        paged: pagedRequestOf(req.controls),
      },
      session.cursors,
    );
    for (const e of outcome.entries) res.send(this.searchEntry(res.messageId, e));
    if (outcome.cookie) res.addControl(new this.ldapjs.PagedResultsControl({ value: { size: 0, cookie: outcome.cookie } }));
    reply(res, outcome);
  }

  private searchEntry(messageId: number, e: OutEntry): object {
    const { Attribute, SearchEntry } = this.ldapjs;
    const attributes = e.attributes.map((a) => new Attribute({ type: a.name, values: a.values }));
    return new SearchEntry({ messageId, objectName: rawDn(e.dn), attributes });
  }

  private onModify(req: Record<string, unknown>, res: LdapResponse): void {
    const session = this.session(req);
    reply(res, this.core.modify(session.identity, String(req.object ?? ''), changesOf(req)));
  }

  private afterRequest(req: unknown): void {
    if (!isRecord(req) || req.protocolOp !== 0x60) return;
    if (String(req.dn ?? '') !== '' || req.credentials !== '') return;
    const session = this.sessions.get(socketOf(req));
    if (session) session.identity = null;
  }
}

function reply(res: LdapResponse, outcome: Outcome): void {
  res.diagnosticMessage = outcome.message;
  if (outcome.matchedDn !== undefined) res.matchedDN = outcome.matchedDn;
  res.end(outcome.code);
}
