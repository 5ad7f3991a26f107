import { createHash } from 'node:crypto';
import type { DirectorySettings } from '../common/settings';
import { HelpdeskError } from '../domain/errors';
import type { Clock, Directory, DirectoryAccount, IndexState, SearchIndex } from '../domain/ports';
import { INDEX_TICK_MS, indexCanAnswer, indexRecordOf, indexUsable, indexWorkDue, nameTier, writtenWords, type IndexWork } from '../domain/search-index';
import { nameMatches, type SearchCriterion } from '../domain/search-query';
import { isSameMobile } from '../domain/phone';
import { normalizeTaxCode } from '../domain/identifiers';
import { nameWords } from '../domain/text';

/** The name of a directory's index: its URL, base and user filter, hashed (one index per directory read the same way). */
export function indexProfileKey(profile: Pick<DirectorySettings, 'url' | 'baseDn' | 'userFilter'>): string {
  return createHash('sha256').update(`${profile.url}|${profile.baseDn}|${profile.userFilter}`).digest('hex').slice(0, 16);
}

/** How long an asked refresh waits for another workstation that holds the team's index. */
export const REFRESH_WAIT_MS = 30_000;

export interface IndexKeeperDeps {
  clock: Clock;
  /** The directory of the settings in effect. */
  directory: () => Promise<Directory>;
  /** The directory profile the index is of; null: no index (training mode). */
  profile: () => DirectorySettings | null;
  /** Opens (or creates) the index file of a profile. */
  openIndex: (profile: DirectorySettings) => Promise<SearchIndex>;
}

/** What a search answered from the index: the accounts read again from the directory, the true total, the index's age. */
export interface IndexedSearch {
  accounts: DirectoryAccount[];
  total: number;
  index: IndexState;
}

export interface IndexKeeper {
  /**
   * Answers from the index when it is built and fresh; null when it cannot (not built yet, too old, a
   * query it does not hold): the caller asks the directory. Every hit is read again from the directory:
   * one it no longer has is dropped (and removed from the index), one that no longer matches too.
   */
  search(criteria: SearchCriterion[], typed: string, limit: number): Promise<IndexedSearch | null>;
  /**
   * Runs a delta read now (a full build if there is no index yet) and resolves when it is done. When
   * another workstation of the team is writing the index, waits for it to finish, then reads the changes
   * since (waiting at most REFRESH_WAIT_MS: then the state as it is).
   */
  refresh(): Promise<IndexState | null>;
  /** Reads every id and removes the entries the directory no longer has. */
  sweep(): Promise<void>;
  /** Looks whether a build, sweep or delta is due, and runs it (what the timer does every INDEX_TICK_MS). */
  tick(): Promise<void>;
  state(): Promise<IndexState | null>;
  /** Settings changed or the app closes: timers stop, work in flight is abandoned, the file is closed. */
  reset(): void;
}

/** Confirms a freshly read account still matches one of the criteria (it may have changed since indexed). */
function stillMatches(a: DirectoryAccount, criteria: SearchCriterion[]): boolean {
  return criteria.some((c) => {
    switch (c.kind) {
      case 'username':
        return a.username.toLowerCase() === c.value;
      case 'email':
        return [a.mail, ...a.backupEmails].some((m) => m?.toLowerCase() === c.value);
      case 'phone':
        return a.mobiles.some((m) => isSameMobile(m, c.national));
      case 'citizenId':
        return a.citizenId === c.value;
      case 'taxCode':
        return a.taxCode !== null && normalizeTaxCode(a.taxCode) === c.value;
      case 'socialInsurance':
        return a.socialInsuranceCode === c.value;
      case 'name':
        return nameMatches(a.displayName, c.words);
    }
  });
}

/**
 * Keeps the search index of the directory in effect: builds it in the background from a full read
 * (within the server's limits), brings it up to date with a delta read every INDEX_REFRESH_MS, and
 * sweeps deleted entries every INDEX_SWEEP_MS — each when the index's own times say it is due, so a
 * team's index is refreshed by one workstation and found fresh by the others. One job at a time here,
 * and one writer at a time for the team (`SearchIndex.exclusive`).
 */
export function createIndexKeeper(deps: IndexKeeperDeps): IndexKeeper {
  let index: SearchIndex | null = null;
  let profileKey: string | null = null;
  let job: Promise<boolean> | null = null;
  let timer: ReturnType<typeof setInterval> | null = null;
  let controller = new AbortController();
  let generation = 0;

  let opening: { key: string; promise: Promise<SearchIndex> } | null = null;
  const open = async (): Promise<SearchIndex | null> => {
    const profile = deps.profile();
    if (!profile) return null;
    const key = `${profile.url}|${profile.baseDn}|${profile.userFilter}`;
    if (index && profileKey === key) return index;
    if (opening?.key === key) return opening.promise;
    reset();
    const gen = generation;
    const promise = deps.openIndex(profile).then(async (opened) => {
      // Settings changed while it opened: not for this profile any more.
      if (gen !== generation) {
        await opened.close();
        throw new HelpdeskError('ABORTED');
      }
      index = opened;
      profileKey = key;
      timer = setInterval(() => void background(), INDEX_TICK_MS);
      timer.unref?.();
      return opened;
    });
    opening = { key, promise };
    return promise.finally(() => {
      if (opening?.promise === promise) opening = null;
    });
  };

  /**
   * One job at a time here (a later call while one runs waits for it), holding the index's write right:
   * false when another workstation of the team holds it.
   */
  const runJob = async (fn: (idx: SearchIndex, gen: number, signal: AbortSignal) => Promise<void>): Promise<boolean> => {
    const idx = await open();
    if (!idx) return true;
    if (job) return job;
    const gen = generation;
    const signal = controller.signal;
    job = idx
      .exclusive(() => fn(idx, gen, signal))
      .then((r) => r.ran)
      .finally(() => {
        job = null;
      });
    return job;
  };

  const build = async (idx: SearchIndex, gen: number, signal: AbortSignal): Promise<void> => {
    const dir = await deps.directory();
    const b = await idx.startBuild();
    try {
      const done = await dir.readForIndex(
        async (batch) => {
          if (gen !== generation) throw new HelpdeskError('ABORTED');
          await b.add(batch.map(indexRecordOf));
          // Let searches and IPC run between batches: the main process stays responsive.
          await new Promise((r) => setImmediate(r));
        },
        { signal },
      );
      if (gen !== generation) throw new HelpdeskError('ABORTED');
      await b.finish(done.mark, done.partial, deps.clock.now());
    } catch (err) {
      await b.abandon();
      throw err;
    }
  };

  const delta = async (idx: SearchIndex, gen: number, signal: AbortSignal): Promise<void> => {
    const state = await idx.state();
    if (!state || !state.mark) return build(idx, gen, signal);
    const dir = await deps.directory();
    const done = await dir.readForIndex(
      async (batch) => {
        if (gen !== generation) throw new HelpdeskError('ABORTED');
        await idx.upsert(batch.map(indexRecordOf));
      },
      { since: state.mark, signal },
    );
    if (gen !== generation) return;
    await idx.refreshed(done.mark, deps.clock.now());
  };

  const sweepJob = async (idx: SearchIndex, gen: number, signal: AbortSignal): Promise<void> => {
    if (!(await idx.state())) return;
    const dir = await deps.directory();
    const present = new Set<string>();
    const done = await dir.readForIndex(
      (batch) => {
        for (const s of batch) present.add(indexRecordOf(s).key);
      },
      { idsOnly: true, signal },
    );
    // A read the directory's limits cut says nothing of the entries it did not reach.
    if (gen !== generation || done.partial) return;
    await idx.remove([...(await idx.keys())].filter((k) => !present.has(k)));
    await idx.swept(deps.clock.now());
  };

  /** The work due, judged again once the write right is held (another workstation may have just done it). */
  const dueWork = async (idx: SearchIndex, gen: number, signal: AbortSignal): Promise<void> => {
    const jobs: Record<IndexWork, typeof build> = { build, sweep: sweepJob, delta };
    for (const work of indexWorkDue(await idx.state(), deps.clock.now())) await jobs[work](idx, gen, signal);
  };

  const background = async (): Promise<void> => {
    try {
      const idx = await open();
      if (!idx) return;
      if (indexWorkDue(await idx.state(), deps.clock.now()).length > 0) await runJob(dueWork);
    } catch {
      // The directory or the team store unreachable, settings changed: the next tick tries again; searches go to the directory meanwhile.
    }
  };

  function reset(): void {
    generation++;
    opening = null;
    controller.abort();
    controller = new AbortController();
    if (timer) clearInterval(timer);
    timer = null;
    const old = index;
    index = null;
    profileKey = null;
    const closing = job;
    job = null;
    // A job in flight stops at its next batch (generation changed); the index closes once it has.
    if (closing) void closing.catch(() => undefined).finally(() => void old?.close().catch(() => undefined));
    else void old?.close().catch(() => undefined);
  }

  return {
    async search(criteria, typed, limit) {
      const idx = await open().catch(() => null);
      if (!idx || !indexCanAnswer(criteria)) return null;
      // The index is a copy: when it cannot be read (the team store not answering), the directory answers.
      const state = await idx.state().catch(() => null);
      if (!indexUsable(state, deps.clock.now())) {
        // Not built yet, or not refreshed for too long: build or refresh in the background; the directory answers now.
        void background();
        return null;
      }
      const answer = await idx.search(criteria, typed, limit).catch(() => null);
      if (!answer) return null;
      const dir = await deps.directory();
      const fresh = await dir.readAccounts(answer.hits);
      const byKey = new Map<string, DirectoryAccount>();
      for (const a of fresh) byKey.set(a.stableId ?? '', a);
      const byDn = new Map(fresh.map((a) => [a.dn.toLowerCase(), a]));
      const gone: string[] = [];
      const shown: { a: DirectoryAccount; tier: number }[] = [];
      let dropped = 0;
      for (const h of answer.hits) {
        const a = h.stableId ? byKey.get(h.stableId) : byDn.get(h.dn.toLowerCase());
        if (!a) {
          // The directory no longer has it: never shown, and out of the index now.
          gone.push(h.key);
          dropped++;
          continue;
        }
        if (!stillMatches(a, criteria)) {
          dropped++;
          continue;
        }
        shown.push({ a, tier: h.tier });
      }
      if (gone.length > 0) await idx.remove(gone);
      // Changed entries (renamed, moved): the index takes what was just read.
      const changed = fresh.filter((a) => {
        const h = answer.hits.find((x) => (x.stableId ? x.stableId === a.stableId : x.dn.toLowerCase() === a.dn.toLowerCase()));
        return h && h.dn !== a.dn;
      });
      if (changed.length > 0) {
        await idx.upsert(
          changed.map((a) =>
            indexRecordOf({
              dn: a.dn,
              stableId: a.stableId,
              username: a.username,
              displayName: a.displayName,
              unit: a.unit,
              mails: [...(a.mail ? [a.mail] : []), ...a.backupEmails],
              mobiles: a.mobiles,
              citizenId: a.citizenId,
              taxCode: a.taxCode,
              socialInsuranceCode: a.socialInsuranceCode,
            }),
          ),
        );
      }
      // Rank on what the directory holds now: identifiers found exactly first, then the name's tiers.
      const name = criteria.find((c) => c.kind === 'name');
      const typedWords = writtenWords(typed);
      const collator = new Intl.Collator('vi', { sensitivity: 'base' });
      const rank = (a: DirectoryAccount): number => {
        if (criteria.some((c) => c.kind !== 'name' && stillMatches(a, [c]))) return -1;
        return name?.kind === 'name' ? nameTier(writtenWords(a.displayName), nameWords(a.displayName), typedWords, name.words) : 3;
      };
      const ranked = shown.map(({ a }) => ({ a, r: rank(a) })).sort((x, y) => x.r - y.r || collator.compare(x.a.displayName, y.a.displayName));
      const after = gone.length > 0 || changed.length > 0 ? await idx.state() : state;
      return { accounts: ranked.map((x) => x.a), total: Math.max(0, answer.total - dropped), index: after ?? state! };
    },
    async refresh() {
      if (await runJob(delta)) return (await index?.state()) ?? null;
      // Another workstation of the team is writing the index: once it is done, this one reads the changes
      // since (a delta of a few entries) — its own read may have started before what was asked for.
      const until = Date.now() + REFRESH_WAIT_MS;
      while (Date.now() < until) {
        await new Promise((r) => setTimeout(r, 250));
        if (!index) return null;
        if (await runJob(delta)) return (await index?.state()) ?? null;
      }
      return (await index?.state()) ?? null;
    },
    async sweep() {
      await runJob(sweepJob);
    },
    tick: background,
    state: async () => (index ? await index.state() : null),
    reset,
  };
}
