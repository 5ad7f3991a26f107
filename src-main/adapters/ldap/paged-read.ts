import type { Client, Entry, Filter } from 'ldapts';
import { AdminLimitExceededError, AndFilter, NotFilter, OrFilter, SizeLimitExceededError, SubstringFilter, TimeLimitExceededError } from 'ldapts';
import { dnKey } from '../../domain/dn';
import { HelpdeskError } from '../../domain/errors';

/**
 * The characters a split tries after a prefix. Entries whose next character is none of these (or
 * whose name ends there) fall in the "rest" of that prefix, read by a filter of its own.
 */
const SPLIT_ALPHABET = [...'abcdefghijklmnopqrstuvwxyz0123456789._-'];
/** A prefix this long that the server still cuts is read as far as the server lets: partial. */
const MAX_PREFIX = 24;

export type LimitCut = 'size' | 'time' | 'admin';

export interface WholeReadOptions {
  baseDn: string;
  filter: Filter;
  attributes: string[];
  explicitBufferAttributes?: string[];
  pageSize: number;
  /**
   * An attribute every entry usually holds, with a substring (initial) index: the username. When the
   * server's limits cut the read (a stock slapd gives 500 entries per search, paged ones included),
   * the read is split by the first characters of this attribute into searches each within the limit.
   */
  splitAttribute: string;
  signal?: AbortSignal;
  /** Receives the entries, each once (by DN), in batches; awaited before the next batch. */
  visit: (entries: Entry[]) => Promise<void> | void;
}

export interface WholeReadResult {
  /** Entries handed to `visit`. */
  read: number;
  /** Some part could not be read within the server's limits even when split: the answer is partial. */
  partial: boolean;
  /** The limit that made the read split (null: one paged search read everything). */
  cut: LimitCut | null;
  /** Searches sent (1 when the server's limits did not cut). */
  searches: number;
}

function limitCut(err: unknown): LimitCut | null {
  return err instanceof SizeLimitExceededError ? 'size' : err instanceof TimeLimitExceededError ? 'time' : err instanceof AdminLimitExceededError ? 'admin' : null;
}

function aborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new HelpdeskError('ABORTED');
}

/**
 * Reads every entry a filter matches, staying within the server's size, time and administrative
 * limits. First one paged search (pages handed out as they come). If a limit cuts it, the rest is read
 * by prefix of `splitAttribute` (`a*`, `b*`, …, then `aa*`, `ab*`, … where a prefix is still too big,
 * and for each prefix the entries whose next character is none of those), each part held until its
 * search ends whole and then handed out, skipping entries already handed out. Where even the longest
 * prefix is cut, what the server gave is handed out and the result says `partial` — never an error.
 */
export async function readWithinLimits(c: Client, o: WholeReadOptions): Promise<WholeReadResult> {
  const seen = new Set<string>();
  const result: WholeReadResult = { read: 0, partial: false, cut: null, searches: 1 };
  const handOut = async (entries: Entry[]): Promise<void> => {
    const fresh = entries.filter((e) => {
      const k = dnKey(e.dn);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    if (fresh.length === 0) return;
    result.read += fresh.length;
    await o.visit(fresh);
  };
  const search = (filter: Filter) =>
    c.searchPaginated(o.baseDn, {
      scope: 'sub',
      filter,
      attributes: o.attributes,
      ...(o.explicitBufferAttributes ? { explicitBufferAttributes: o.explicitBufferAttributes } : {}),
      paged: { pageSize: o.pageSize },
    });

  // 1. One paged search, handed out page by page.
  try {
    for await (const page of search(o.filter)) {
      aborted(o.signal);
      await handOut(page.searchEntries);
      aborted(o.signal);
    }
    return result;
  } catch (err) {
    const cut = limitCut(err);
    if (!cut) throw err;
    result.cut = cut;
  }

  // 2. Split by prefix: each part read whole before it is handed out.
  const attr = o.splitAttribute;
  const starts = (p: string): Filter => new SubstringFilter({ attribute: attr, initial: p });
  const restOf = (p: string): Filter => {
    const none = new NotFilter({ filter: new OrFilter({ filters: SPLIT_ALPHABET.map((ch) => starts(p + ch)) }) });
    return new AndFilter({ filters: p === '' ? [o.filter, none] : [o.filter, starts(p), none] });
  };
  /** Reads one part whole; null when a limit cut it (with what came before the cut). */
  const readPart = async (filter: Filter): Promise<{ whole: boolean; entries: Entry[] }> => {
    const entries: Entry[] = [];
    result.searches++;
    try {
      for await (const page of search(filter)) {
        aborted(o.signal);
        entries.push(...page.searchEntries);
      }
      return { whole: true, entries };
    } catch (err) {
      if (!limitCut(err)) throw err;
      return { whole: false, entries };
    }
  };

  const queue: string[] = [''];
  while (queue.length > 0) {
    const prefix = queue.shift()!;
    // The entries of this prefix whose next character is not in the alphabet (or none): cannot be split further.
    const rest = await readPart(restOf(prefix));
    if (!rest.whole) result.partial = true;
    await handOut(rest.entries);
    for (const ch of SPLIT_ALPHABET) {
      const p = prefix + ch;
      const part = await readPart(new AndFilter({ filters: [o.filter, starts(p)] }));
      if (part.whole) {
        await handOut(part.entries);
      } else if (p.length >= MAX_PREFIX) {
        result.partial = true;
        await handOut(part.entries);
      } else {
        queue.push(p);
      }
      aborted(o.signal);
    }
  }
  return result;
}
