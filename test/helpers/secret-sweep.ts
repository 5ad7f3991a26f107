/**
 * A secret sweep for tests: look for known secrets in bytes (files, databases, exports, process output)
 * in the forms they could plausibly take there, and report every hit with where and in what form.
 *
 *   const hits = sweep(secrets, places);   // [] when nothing leaked
 *
 * Kinds of secret:
 * - `text` (passwords, API keys: long enough to search plainly): UTF-8, UTF-16LE, base64 of the UTF-8
 *   bytes, and its percent-encoded and JSON-escaped spellings when they differ.
 * - `key` (a binary key kept as hex, e.g. the audit HMAC key): the hex in lower and upper case (UTF-8 and
 *   UTF-16LE), the raw bytes, base64 and base64url.
 * - `digits` (one-time codes, a CMND typed in): short digit strings that a large file can hold by chance,
 *   so only a STANDALONE occurrence counts — see `digitTokenOffsets` for the rule.
 *
 * Also: `zipEntries` (the files inside an XLSX, inflated) for searching what a zip hides.
 */
import { inflateRawSync } from 'node:zlib';

export type SecretKind = 'text' | 'key' | 'digits';

export interface Secret {
  /** Names the secret in a failure (never the value itself). */
  label: string;
  value: string;
  kind: SecretKind;
}

export interface Place {
  label: string;
  bytes: Buffer;
  /** XML markup (an XLSX part): see rule (d) of `digitTokenOffsets`. */
  xml?: boolean;
}

export interface Hit {
  secret: string;
  place: string;
  form: string;
  offset: number;
  /** Up to 24 characters either side, the secret itself replaced by «label». */
  context: string;
}

/** The byte patterns a `text` or `key` secret is searched as. */
export function secretForms(s: Secret): { form: string; bytes: Buffer }[] {
  const out: { form: string; bytes: Buffer }[] = [];
  const add = (form: string, bytes: Buffer) => {
    if (bytes.length > 0 && !out.some((o) => o.bytes.equals(bytes))) out.push({ form, bytes });
  };
  if (s.kind === 'text') {
    add('utf8', Buffer.from(s.value, 'utf8'));
    add('utf16le', Buffer.from(s.value, 'utf16le'));
    add('base64', Buffer.from(Buffer.from(s.value, 'utf8').toString('base64').replace(/=+$/u, ''), 'utf8'));
    add('percent-encoded', Buffer.from(encodeURIComponent(s.value), 'utf8'));
    add('json-escaped', Buffer.from(JSON.stringify(s.value).slice(1, -1), 'utf8'));
  } else if (s.kind === 'key') {
    if (!/^(?:[0-9a-f]{2})+$/iu.test(s.value)) throw new Error(`secret ${s.label}: a key must be hex`);
    const raw = Buffer.from(s.value, 'hex');
    for (const hex of [s.value.toLowerCase(), s.value.toUpperCase()]) {
      add('hex utf8', Buffer.from(hex, 'utf8'));
      add('hex utf16le', Buffer.from(hex, 'utf16le'));
    }
    add('raw bytes', raw);
    add('base64', Buffer.from(raw.toString('base64').replace(/=+$/u, ''), 'utf8'));
    add('base64url', Buffer.from(raw.toString('base64url'), 'utf8'));
  } else {
    throw new Error(`secret ${s.label}: digits are searched as tokens, not byte patterns`);
  }
  return out;
}

const DIGIT = /[0-9]/u;
const HEXISH = /[0-9a-fA-F-]/u;

/**
 * Where `digits` occurs as a standalone token in `text`. A six-digit code (or a nine-digit CMND) can
 * appear by chance in a big file, so an occurrence is NOT counted when:
 *  (a) a digit touches it on either side — it is part of a longer number (a timestamp, a sequence
 *      number, a phone number, an XLSX date serial);
 *  (b) it is the fraction of a decimal number (`<digit>.` before it: PDF coordinates such as 0.445312);
 *  (c) it lies inside a run of at least 16 hex/UUID characters ([0-9a-fA-F-]) holding at least one hex
 *      letter — a hash, a key, a case or request id, none of which is a code written down; or
 *  (d) with `xml` (the parts of an XLSX package), it is a whole attribute value, `="123456"`: markup
 *      such as theme colours (`val="800080"`) or build numbers — cell content is element text.
 * Anything else counts: `"code":"123456"`, `la 123456,`, `<t>123456</t>`, `;123456;`, a line of its own.
 */
export function digitTokenOffsets(text: string, digits: string, opts: { xml?: boolean } = {}): number[] {
  const found: number[] = [];
  for (let i = text.indexOf(digits); i >= 0; i = text.indexOf(digits, i + 1)) {
    const end = i + digits.length;
    if (DIGIT.test(text[i - 1] ?? '') || DIGIT.test(text[end] ?? '')) continue;
    if (text[i - 1] === '.' && DIGIT.test(text[i - 2] ?? '')) continue;
    if (opts.xml && text.slice(i - 2, i) === '="' && text[end] === '"') continue;
    let l = i;
    while (l > 0 && HEXISH.test(text[l - 1]!)) l--;
    let r = end;
    while (r < text.length && HEXISH.test(text[r]!)) r++;
    if (r - l >= 16 && /[a-fA-F]/u.test(text.slice(l, r))) continue;
    found.push(i);
  }
  return found;
}

function context(text: string, at: number, length: number, label: string): string {
  const clean = (s: string) => s.replace(/[^\x20-\x7e\u00a0-\uffff]/gu, '·');
  return `${clean(text.slice(Math.max(0, at - 24), at))}«${label}»${clean(text.slice(at + length, at + length + 24))}`;
}

/** Every occurrence of every secret in every place (empty: nothing leaked). */
export function sweep(secrets: readonly Secret[], places: readonly Place[]): Hit[] {
  const hits: Hit[] = [];
  for (const place of places) {
    // Character views of the bytes: latin1 keeps one char per byte (ASCII needles match as in UTF-8);
    // UTF-16LE at both byte alignments.
    let views: { form: string; text: string; scale: number; shift: number }[] | null = null;
    const charViews = () =>
      (views ??= [
        { form: 'utf8/latin1', text: place.bytes.toString('latin1'), scale: 1, shift: 0 },
        { form: 'utf16le', text: place.bytes.toString('utf16le'), scale: 2, shift: 0 },
        { form: 'utf16le (odd offset)', text: place.bytes.subarray(1).toString('utf16le'), scale: 2, shift: 1 },
      ]);
    for (const s of secrets) {
      if (s.kind === 'digits') {
        for (const v of charViews()) {
          for (const at of digitTokenOffsets(v.text, s.value, { xml: place.xml === true })) {
            hits.push({ secret: s.label, place: place.label, form: `${v.form} token`, offset: at * v.scale + v.shift, context: context(v.text, at, s.value.length, s.label) });
          }
        }
        continue;
      }
      for (const f of secretForms(s)) {
        for (let at = place.bytes.indexOf(f.bytes); at >= 0; at = place.bytes.indexOf(f.bytes, at + 1)) {
          const wide = f.form.includes('utf16le');
          const text = wide ? place.bytes.subarray(at % 2).toString('utf16le') : place.bytes.toString('latin1');
          const pos = wide ? (at - (at % 2)) / 2 : at;
          hits.push({ secret: s.label, place: place.label, form: f.form, offset: at, context: context(text, pos, wide ? f.bytes.length / 2 : f.bytes.length, s.label) });
        }
      }
    }
  }
  return hits;
}

/**
 * The entries of a zip file (an XLSX), inflated: read through the central directory, so entries
 * written with data descriptors (sizes after the data, as streaming writers do) are sized right.
 * Stored (0) and deflated (8) entries only; no zip64.
 */
export function zipEntries(zip: Buffer): { name: string; data: Buffer }[] {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('zipEntries: no end of central directory');
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const out: { name: string; data: Buffer }[] = [];
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error(`zipEntries: bad central directory entry at ${p}`);
    const method = zip.readUInt16LE(p + 10);
    const compressed = zip.readUInt32LE(p + 20);
    const nameLength = zip.readUInt16LE(p + 28);
    const extraLength = zip.readUInt16LE(p + 30);
    const commentLength = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.subarray(p + 46, p + 46 + nameLength).toString('utf8');
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`zipEntries: bad local header for ${name}`);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + compressed);
    if (method !== 0 && method !== 8) throw new Error(`zipEntries: ${name} uses compression method ${method}`);
    out.push({ name, data: method === 8 ? inflateRawSync(raw) : Buffer.from(raw) });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return out;
}
