import { dnKey } from './dn';
import { normalizeTaxCode } from './identifiers';
import { normalizeVnMobile } from './phone';
import type { IndexRecord, IndexSource, IndexState, IndexValueKind } from './ports';
import type { SearchCriterion } from './search-query';
import { nameWords } from './text';

/** A delta read of the directory every few minutes keeps the index fresh (issue #15). */
export const INDEX_REFRESH_MS = 3 * 60_000;
/** A full read of ids every so often finds the entries deleted since (a delta read cannot see them). */
export const INDEX_SWEEP_MS = 30 * 60_000;
/**
 * An index not brought up to date for this long is not used: searches go to the directory until the
 * next delta succeeds (the directory unreachable: its own error is then what the operator sees).
 */
export const INDEX_MAX_AGE_MS = 15 * 60_000;

/** Lower-cased words as written, diacritics kept (NFC): "Nguyễn  Văn-An" → ["nguyễn", "văn", "an"]. */
export function writtenWords(text: string): string[] {
  return text
    .normalize('NFC')
    .toLowerCase()
    .split(/[^\p{L}\p{M}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

/** What the index keeps of an account: its key, the name folded and as written, its identifiers normalised. */
export function indexRecordOf(src: IndexSource): IndexRecord {
  const values: IndexRecord['values'] = [];
  const add = (kind: IndexValueKind, value: string | null) => {
    if (value && !values.some((v) => v.kind === kind && v.value === value)) values.push({ kind, value });
  };
  if (src.username) add('username', src.username.toLowerCase());
  for (const m of src.mails) add('email', m.toLowerCase());
  for (const m of src.mobiles) {
    const phone = normalizeVnMobile(m);
    if (phone.ok) add('phone', phone.national);
  }
  add('citizenId', src.citizenId);
  if (src.taxCode) add('taxCode', normalizeTaxCode(src.taxCode) ?? src.taxCode);
  add('socialInsurance', src.socialInsuranceCode);
  return {
    key: src.stableId ?? `dn:${dnKey(src.dn)}`,
    dn: src.dn,
    stableId: src.stableId,
    displayName: src.displayName,
    unit: src.unit,
    words: nameWords(src.displayName),
    written: writtenWords(src.displayName),
    values,
  };
}

/**
 * The rank of a name match (lower first): 0 — the words as typed, diacritics and all, each a whole word
 * of the name, in order; 1 — as typed, each the start of a word; 2 — folded, whole words; 3 — folded,
 * starts of words (every match is at least that). "Nguyễn Văn An" for "nguyễn văn an": 0; for "nguyen
 * van an": 2; for "nguyen va": 3.
 */
export function nameTier(written: string[], folded: string[], typed: string[], queryWords: string[]): number {
  if (typed.length === queryWords.length && typed.length > 0) {
    if (inOrder(written, typed, true)) return 0;
    if (inOrder(written, typed, false)) return 1;
  }
  return inOrder(folded, queryWords, true) ? 2 : 3;
}

/** Each query word is a word (`whole`) or the start of a word of the name, in order. */
export function inOrder(words: string[], query: string[], whole: boolean): boolean {
  let i = 0;
  for (const q of query) {
    while (i < words.length && !(whole ? words[i] === q : words[i]!.startsWith(q))) i++;
    if (i === words.length) return false;
    i++;
  }
  return true;
}

/** The index answers these criteria; a list with anything else goes to the directory. */
export function indexCanAnswer(criteria: SearchCriterion[]): boolean {
  return criteria.length > 0 && criteria.every((c) => c.kind !== 'name' || c.words.length > 0);
}

/** How often the keeper looks whether a delta or a sweep is due (the work itself is as rare as above). */
export const INDEX_TICK_MS = 60_000;

export type IndexWork = 'build' | 'sweep' | 'delta';

/**
 * What the index needs at `now`: a build when there is none (or no mark to read changes from), else a
 * sweep and a delta when each is due. Judged on the index's own times — a team's index refreshed a
 * minute ago by another workstation needs nothing from this one.
 */
export function indexWorkDue(state: IndexState | null, now: Date): IndexWork[] {
  if (!state || !state.mark) return ['build'];
  const due: IndexWork[] = [];
  if (now.getTime() - state.sweptAt.getTime() >= INDEX_SWEEP_MS) due.push('sweep');
  if (now.getTime() - state.refreshedAt.getTime() >= INDEX_REFRESH_MS) due.push('delta');
  return due;
}

/** Whether an index in this state may answer at `now` (built, refreshed recently enough). */
export function indexUsable(state: IndexState | null, now: Date): boolean {
  return state !== null && now.getTime() - state.refreshedAt.getTime() <= INDEX_MAX_AGE_MS;
}

/** The value an index lookup of a criterion uses (null: none). */
export function indexLookup(c: SearchCriterion): { kind: IndexValueKind; value: string } | null {
  switch (c.kind) {
    case 'username':
    case 'email':
    case 'citizenId':
    case 'taxCode':
      return { kind: c.kind, value: c.value };
    case 'socialInsurance':
      return { kind: 'socialInsurance', value: c.value };
    case 'phone':
      return { kind: 'phone', value: c.national };
    case 'name':
      return null;
  }
}
