import { createHash, createHmac } from 'node:crypto';
import type { IndexRecord, IndexValueKind } from '../../domain/ports';

/**
 * What both search index adapters (SQLite on a workstation, PostgreSQL for a team) keep of a record, the
 * same way: the name's words between spaces, its ordered pairs and triples of words (the tokens an exact
 * count of "each query word starts a word of the name, in order" is answered from), a signature, and the
 * exact values — usernames as they are, every other identifier only as a keyed hash.
 */

/** Above this many expansions of the leading words, a query counts by the words' AND and a pattern on the row instead. */
export const MAX_EXPANSIONS = 400;

/** ' w1  w2  w3 ': each word between spaces, so '* a * b *' finds whole words in order. */
export const spaced = (words: string[]): string => words.map((w) => ` ${w} `).join('');

/** What a record holds, in short: a delta that reads an unchanged entry again writes nothing. */
export const signature = (r: IndexRecord): string =>
  createHash('sha256').update(JSON.stringify([r.dn, r.stableId, r.displayName, r.unit, r.values])).digest('base64url').slice(0, 22);

/**
 * How an exact value is kept: a username as it is; e-mails, mobiles and identifiers (CCCD, tax code,
 * BHXH) only as a keyed hash (the key in the keychain) — the index never holds them, a lookup hashes the
 * value asked for the same way.
 */
export function keptValue(key: Buffer, kind: IndexValueKind, value: string): string {
  return kind === 'username' ? value : createHmac('sha256', key).update(`${kind}\0${value}`).digest('base64url');
}

/** Every ordered pair `w1_w2` and triple `w1_w2_w3` of a name's folded words. */
export function pairsOf(w: string[]): { pairs: string[]; triples: string[] } {
  const pairs: string[] = [];
  const triples: string[] = [];
  for (let i = 0; i < w.length; i++) {
    for (let j = i + 1; j < w.length; j++) {
      pairs.push(`${w[i]}_${w[j]}`);
      for (let k = j + 1; k < w.length; k++) triples.push(`${w[i]}_${w[j]}_${w[k]}`);
    }
  }
  return { pairs, triples };
}
