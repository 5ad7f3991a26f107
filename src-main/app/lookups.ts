import type { HelpdeskApi } from '../common/api';
import type { OperatorInfo } from '../common/dto';
import type { Result } from '../common/result';
import { toAccountDetail, toSearchItems } from '../domain/account-view';
import { errorCodeOf } from '../domain/errors';
import type { Clock } from '../domain/ports';
import { criteriaKinds, parseSearchQuery } from '../domain/search-query';
import type { Desk } from './desk';
import type { IndexKeeper } from './search-index-keeper';

export interface LookupDeps {
  clock: Clock;
  desk: Desk;
  requireOperator: () => OperatorInfo;
  run: <T>(fn: () => Promise<T>) => Promise<Result<T>>;
  /** The local search index (directory mode); absent or not ready: the directory answers. */
  index?: IndexKeeper;
}

/** `directory.*`: search and open an account; every lookup is audited (the kind searched, never the value). */
export function createLookups(deps: LookupDeps): HelpdeskApi['directory'] {
  const { desk } = deps;
  return {
    search: ({ query, kind }) =>
      deps.run(async () => {
        const who = deps.requireOperator();
        const criteria = parseSearchQuery(query, kind ?? 'auto');
        const readAs = criteriaKinds(criteria);
        const limit = desk.profile()?.maxResults ?? 50;
        try {
          // The index first (every hit read again from the directory); the directory itself when the index cannot answer.
          const indexed = deps.index ? await deps.index.search(criteria, query, limit) : null;
          const found = indexed
            ? { accounts: indexed.accounts, total: indexed.total, totalIsLowerBound: false, limitedByDirectory: indexed.index.partial }
            : await (await desk.directory()).search(criteria, limit);
          const now = deps.clock.now();
          await desk.audit.append({
            operator: who.username,
            action: 'directory.search',
            outcome: 'ok',
            detail: { readAs: readAs.join(',') || 'none', results: found.total, ...(indexed ? { via: 'index' } : {}), ...(found.limitedByDirectory ? { partial: true } : {}) },
          });
          const state = indexed?.index ?? (deps.index ? await deps.index.state() : null);
          return {
            items: toSearchItems(found.accounts, now),
            total: found.total,
            totalIsLowerBound: found.totalIsLowerBound || found.limitedByDirectory === true,
            ...(found.limitedByDirectory ? { limitedByDirectory: true } : {}),
            readAs,
            ...(state ? { index: { builtAt: state.builtAt.toISOString(), refreshedAt: state.refreshedAt.toISOString(), accounts: state.accounts, used: indexed !== null } } : {}),
          };
        } catch (err) {
          await desk.audit.append({ operator: who.username, action: 'directory.search', outcome: 'error', detail: { readAs: readAs.join(',') || 'none', code: errorCodeOf(err) } });
          throw err;
        }
      }),
    refreshIndex: () =>
      deps.run(async () => {
        deps.requireOperator();
        const state = deps.index ? await deps.index.refresh() : null;
        return state ? { builtAt: state.builtAt.toISOString(), refreshedAt: state.refreshedAt.toISOString(), accounts: state.accounts, used: false } : null;
      }),
    getAccount: ({ id }) =>
      deps.run(async () => {
        const who = deps.requireOperator();
        const dir = await desk.directory();
        try {
          const account = await dir.getAccount(id);
          await desk.audit.append({ operator: who.username, action: 'directory.view', outcome: 'ok', target: account.username, unit: account.unit });
          return toAccountDetail(account, deps.clock.now(), desk.profile()?.dialect ?? 'openldap');
        } catch (err) {
          await desk.audit.append({ operator: who.username, action: 'directory.view', outcome: 'error', detail: { code: errorCodeOf(err) } });
          throw err;
        }
      }),
  };
}
