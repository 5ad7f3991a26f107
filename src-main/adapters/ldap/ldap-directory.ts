import type { Change, Client, Control, Filter } from 'ldapts';
import { AdminLimitExceededError, AndFilter, EqualityFilter, GreaterThanEqualsFilter, NoSuchAttributeError, OrFilter, NoSuchObjectError, SizeLimitExceededError, TimeLimitExceededError } from 'ldapts';
import type { OperatorInfo } from '../../common/dto';
import { type DirectorySettings, ldapTransport } from '../../common/settings';
import { HelpdeskError } from '../../domain/errors';
import type { Directory, DirectoryAccount, DirectoryPolicy, DirectorySearchResult, IndexSource, WriteResult } from '../../domain/ports';
import { type SearchCriterion, widerReading } from '../../domain/search-query';
import { dnKey, isUnder } from '../../domain/dn';
import { recoveryMobiles } from '../../domain/contacts';
import { openBound } from './connection';
import { type DirectoryDialect, dialectFor, directMemberFilter, replace } from './dialects/dialect';
import { BINARY_ATTRIBUTES, EntryView } from './entry';
import { isConnectionLoss, type LdapPhase, toHelpdeskError } from './errors';
import { confirmsCriteria, criteriaFilter, parseUserFilter, withUserFilter } from './filters';
import { readWithinLimits } from './paged-read';
import { isMemberOf, rolesOf } from './roles';
import type { Role } from '../../common/roles';

const POLICY_TTL_MS = 5 * 60_000;
/** Entries examined at most for one search (counts beyond are reported as "at least"). */
const SCAN_CAP = 5000;

const collator = new Intl.Collator('vi', { sensitivity: 'base' });

/** What one paged read of a search gave. */
interface SearchPass {
  kept: EntryView[];
  /** Confirmed matches among the entries read. */
  total: number;
  /** Entries the server sent (confirmed or not). */
  scanned: number;
  /** Confirmed matches that the wider reading also finds (a mobile found by a usual spelling). */
  alsoWider: number;
  /** Stopped here at SCAN_CAP. */
  capped: boolean;
  /** The server's limit that ended the read, if one did. */
  cut: 'size' | 'time' | 'admin' | null;
}

/** The production directory: ldapts over LDAP/LDAPS/StartTLS, one service connection, reconnect on drop. */
export class LdapDirectory implements Directory {
  private readonly dialect: DirectoryDialect;
  private client: Client | null = null;
  private closed = false;
  private opening: Promise<Client> | null = null;
  private readonly policies = new Map<string, { at: number; policy: DirectoryPolicy | null }>();
  private readonly baseKey: string;

  constructor(
    private readonly s: DirectorySettings,
    private readonly servicePassword: string,
  ) {
    this.dialect = dialectFor(s.dialect);
    this.baseKey = dnKey(s.baseDn);
  }

  private attributes(): string[] {
    const a = this.s.attributes;
    return [
      ...new Set([
        a.username, a.displayName, a.mail, a.mobile, ...a.mobileFallbacks, a.backupEmail, a.citizenId, a.taxCode,
        a.socialInsuranceCode, a.unit, a.title, a.accountType, this.dialect.stableIdAttribute, ...this.dialect.stateAttributes,
      ]),
    ];
  }

  private async service(): Promise<Client> {
    if (this.closed) throw new HelpdeskError('DIRECTORY_UNREACHABLE', { detail: 'closed' });
    if (this.client?.isConnected && this.client.isBound) return this.client;
    if (!this.opening) {
      this.opening = openBound(this.s, this.s.serviceBindDn, this.servicePassword)
        .then((c) => {
          if (this.closed) {
            // Closed while connecting (settings changed): do not keep a socket to the old server.
            void c.unbind().catch(() => undefined);
            throw new HelpdeskError('DIRECTORY_UNREACHABLE', { detail: 'closed' });
          }
          this.client = c;
          return c;
        })
        .catch((err: unknown) => {
          throw toHelpdeskError(err, 'service-bind');
        })
        .finally(() => {
          this.opening = null;
        });
    }
    return this.opening;
  }

  /** Runs an operation on the service connection; reconnects once if the connection was lost. */
  private async withService<T>(phase: LdapPhase, op: (c: Client) => Promise<T>): Promise<T> {
    try {
      return await op(await this.service());
    } catch (err) {
      if (!isConnectionLoss(err)) throw toHelpdeskError(err, phase);
      this.drop();
      try {
        return await op(await this.service());
      } catch (again) {
        throw toHelpdeskError(again, phase);
      }
    }
  }

  /** Runs a long read on a connection of its own, bound as the service account, closed after. */
  private async withOwnConnection<T>(op: (c: Client) => Promise<T>): Promise<T> {
    if (this.closed) throw new HelpdeskError('DIRECTORY_UNREACHABLE', { detail: 'closed' });
    let c: Client;
    try {
      c = await openBound(this.s, this.s.serviceBindDn, this.servicePassword);
    } catch (err) {
      throw toHelpdeskError(err, 'service-bind');
    }
    try {
      return await op(c);
    } catch (err) {
      throw toHelpdeskError(err, 'search');
    } finally {
      await c.unbind().catch(() => undefined);
    }
  }

  private drop(): void {
    const c = this.client;
    this.client = null;
    c?.unbind().catch(() => undefined);
  }

  async authenticate(username: string, password: string): Promise<OperatorInfo> {
    const byName = new EqualityFilter({ attribute: this.s.attributes.username, value: username });
    const filter = withUserFilter(this.s.userFilter, this.s.operatorFilter ? withUserFilter(this.s.operatorFilter, byName) : byName);
    const found = await this.withService('search', (c) =>
      c.search(this.s.baseDn, { scope: 'sub', filter, sizeLimit: 2, attributes: [this.s.attributes.username, this.s.attributes.displayName] }),
    );
    // Same answer whether the user is unknown, ambiguous or the password is wrong.
    if (found.searchEntries.length !== 1) throw new HelpdeskError('INVALID_CREDENTIALS');
    const entry = new EntryView(found.searchEntries[0]!);
    let client: Client | null = null;
    try {
      client = await openBound(this.s, entry.dn, password);
    } catch (err) {
      throw toHelpdeskError(err, 'operator-bind');
    } finally {
      await client?.unbind().catch(() => undefined);
    }
    const name = entry.first(this.s.attributes.username) ?? username;
    return {
      dn: entry.dn,
      username: name,
      displayName: entry.first(this.s.attributes.displayName) ?? username,
      roles: await rolesOf(this.s.roleGroups, this.dialect.memberFilter?.(entry.dn, name) ?? directMemberFilter(entry.dn, name), (groupDn, filter) =>
        this.withService('search', (c) => isMemberOf(c, groupDn, filter)),
      ),
    };
  }

  async rolesOfAccount(account: DirectoryAccount): Promise<Role[]> {
    return rolesOf(this.s.roleGroups, this.dialect.memberFilter?.(account.dn, account.username) ?? directMemberFilter(account.dn, account.username), (groupDn, filter) =>
      this.withService('search', (c) => isMemberOf(c, groupDn, filter)),
    );
  }

  /**
   * Paged searches on the service connection, one after the other: a server keeps one paged search per
   * connection (OpenLDAP answers a second one running beside it with "paged results cookie is invalid").
   */
  private pagedTurn: Promise<unknown> = Promise.resolve();

  search(criteria: SearchCriterion[], limit: number): Promise<DirectorySearchResult> {
    const turn = this.pagedTurn.then(() => this.searchNow(criteria, limit));
    this.pagedTurn = turn.catch(() => undefined);
    return turn;
  }

  private async searchNow(criteria: SearchCriterion[], limit: number): Promise<DirectorySearchResult> {
    const query = criteriaFilter(criteria, this.s.attributes);
    if (!query) return { accounts: [], total: 0, totalIsLowerBound: false };
    // The wider reading (a mobile in any punctuation) reads every account: asked only when the first
    // found nobody by it. The two never share an entry (one found by the wider one would have been
    // counted by the first as well).
    const wider = widerReading(criteria);
    return this.withService('search', async (c) => {
      const first = await this.read(c, withUserFilter(this.s.userFilter, query), criteria, limit, wider ?? []);
      let pass = first;
      if (wider && first.alsoWider === 0) {
        const second = await this.read(c, withUserFilter(this.s.userFilter, criteriaFilter(wider, this.s.attributes)!), wider, limit, []);
        pass = {
          kept: [...first.kept, ...second.kept].slice(0, limit),
          total: first.total + second.total,
          scanned: first.scanned + second.scanned,
          alsoWider: second.total,
          capped: first.capped || second.capped,
          cut: first.cut ?? second.cut,
        };
      }
      const accounts = await Promise.all(pass.kept.map((e) => this.toAccount(c, e)));
      accounts.sort((x, y) => collator.compare(x.displayName, y.displayName));
      const limited = pass.cut !== null;
      return { accounts, total: pass.total, totalIsLowerBound: pass.capped || limited, ...(limited ? { limitedByDirectory: true } : {}) };
    });
  }

  /** One search, read whole within the server's limits (see collect). */
  private async read(c: Client, filter: Filter, criteria: SearchCriterion[], limit: number, wider: SearchCriterion[]): Promise<SearchPass> {
    const pass = await this.collect(c, filter, criteria, limit, 0, wider);
    if (pass.cut !== 'size' || pass.capped) return pass;
    // The server's own size limit ended the paged search (a stock slapd gives 500 entries in all,
    // pages included). ldapts drops the entries of the page that carried the error: ask again for
    // no more than the server gives (it ended within that page), so the answer comes with them.
    return { ...(await this.collect(c, filter, criteria, limit, Math.min(pass.scanned + this.s.pageSize, SCAN_CAP), wider)), cut: 'size' };
  }

  /**
   * One paged read of the matches: keeps the first `limit` confirmed entries, counts the others, stops
   * at SCAN_CAP entries. A size, time or administrative limit of the server ends it with what came
   * before (`cut`), never with an error. `sizeLimit` (0: none) asks the server to stop by itself, which
   * it reports in a way ldapts passes on as an ordinary end: only used once the server's limit is known
   * to cut, so that a cut is always told.
   */
  private async collect(c: Client, filter: Filter, criteria: SearchCriterion[], limit: number, sizeLimit: number, wider: SearchCriterion[]): Promise<SearchPass> {
    const pass: SearchPass = { kept: [], total: 0, scanned: 0, alsoWider: 0, capped: false, cut: null };
    try {
      for await (const page of c.searchPaginated(this.s.baseDn, {
        scope: 'sub',
        filter,
        attributes: this.attributes(),
        explicitBufferAttributes: [...BINARY_ATTRIBUTES],
        paged: { pageSize: this.s.pageSize },
        ...(sizeLimit > 0 ? { sizeLimit } : {}),
      })) {
        for (const raw of page.searchEntries) {
          pass.scanned++;
          const e = new EntryView(raw);
          if (!confirmsCriteria(e, criteria, this.s.attributes)) continue;
          pass.total++;
          if (wider.length > 0 && confirmsCriteria(e, wider, this.s.attributes)) pass.alsoWider++;
          if (pass.kept.length < limit) pass.kept.push(e);
        }
        if (pass.scanned >= SCAN_CAP) {
          pass.capped = true;
          break;
        }
      }
    } catch (err) {
      const cut = err instanceof SizeLimitExceededError ? 'size' : err instanceof TimeLimitExceededError ? 'time' : err instanceof AdminLimitExceededError ? 'admin' : null;
      if (!cut) throw err;
      pass.cut = cut;
    }
    return pass;
  }

  async getAccount(dn: string): Promise<DirectoryAccount> {
    if (!isUnder(dn, this.baseKey)) throw new HelpdeskError('ACCOUNT_NOT_FOUND');
    return this.withService('read', async (c) => {
      const { searchEntries: entries } = await c.search(dn, {
        scope: 'base',
        filter: this.s.userFilter,
        attributes: this.attributes(),
        explicitBufferAttributes: [...BINARY_ATTRIBUTES],
      });
      const first = entries[0];
      if (!first) throw new HelpdeskError('ACCOUNT_NOT_FOUND');
      return this.toAccount(c, new EntryView(first));
    });
  }

  async scanAccounts(visit: (account: DirectoryAccount) => void, onPage: (scanned: number) => void, signal: AbortSignal, onPartial?: () => void): Promise<number> {
    if (signal.aborted) throw new HelpdeskError('ABORTED');
    // A connection of its own (as the index's reads): a server keeps one paged search per connection, so
    // an operator's search during the scan must not share it. Not retried: a second pass would hand out
    // the same accounts again.
    return this.withOwnConnection(async (c) => {
      let scanned = 0;
      try {
        // Within the server's limits: a stock slapd ends any search, paged or not, after 500 entries;
        // the read is then split by username prefix (readWithinLimits), never an error.
        const done = await readWithinLimits(c, {
          baseDn: this.s.baseDn,
          filter: parseUserFilter(this.s.userFilter),
          attributes: this.attributes(),
          explicitBufferAttributes: [...BINARY_ATTRIBUTES],
          pageSize: this.s.pageSize,
          splitAttribute: this.s.attributes.username,
          signal,
          visit: async (entries) => {
            for (const raw of entries) {
              if (signal.aborted) throw new HelpdeskError('ABORTED');
              // One entry at a time: the first fills the policy cache, the others read it from there.
              visit(await this.toAccount(c, new EntryView(raw)));
              scanned++;
            }
            onPage(scanned);
          },
        });
        if (done.partial) onPartial?.();
      } catch (err) {
        // Mapped here so that withService does not retry: a second pass would hand out the same accounts again.
        if (scanned > 0) throw toHelpdeskError(err, 'search');
        throw err;
      }
      return scanned;
    });
  }

  async readForIndex(
    visit: (batch: IndexSource[]) => void | Promise<void>,
    options: { since?: string | null; idsOnly?: boolean; signal?: AbortSignal },
  ): Promise<{ read: number; partial: boolean; mark: string | null }> {
    const a = this.s.attributes;
    const change = this.dialect.changeMark;
    const attributes = options.idsOnly
      ? [this.dialect.stableIdAttribute, a.username]
      : [...new Set([a.username, a.displayName, a.unit, a.mail, a.backupEmail, a.mobile, a.citizenId, a.taxCode, a.socialInsuranceCode, this.dialect.stableIdAttribute, change.attribute])];
    const users = parseUserFilter(this.s.userFilter);
    const filter = options.since ? new AndFilter({ filters: [users, new GreaterThanEqualsFilter({ attribute: change.attribute, value: deltaStart(options.since, change.kind) })] }) : users;
    // A connection of its own: a server keeps one paged search per connection, and an operator's search
    // on the service connection must not end this long read (nor this read end the operator's).
    return this.withOwnConnection(async (c) => {
      // AD: the highest change number committed before the read — an entry changed during it is read by the next delta.
      const started = Date.now();
      let mark: string | null = change.kind === 'integer' ? await highestCommittedUsn(c) : null;
      const sinceTime = options.since && change.kind === 'generalizedTime' ? markTime(options.since) : null;
      try {
        const done = await readWithinLimits(c, {
          baseDn: this.s.baseDn,
          filter,
          attributes,
          explicitBufferAttributes: [...BINARY_ATTRIBUTES],
          pageSize: this.s.pageSize,
          splitAttribute: a.username,
          ...(options.signal ? { signal: options.signal } : {}),
          visit: async (entries) => {
            const batch = entries.map((raw) => {
              const e = new EntryView(raw);
              const m = e.first(change.attribute);
              if (change.kind === 'generalizedTime' && m && (sinceTime === null || m > sinceTime) && (mark === null || m > mark)) mark = m;
              return {
                dn: e.dn,
                stableId: e.first(this.dialect.stableIdAttribute),
                username: e.first(a.username) ?? '',
                displayName: e.first(a.displayName) ?? e.first(a.username) ?? '',
                unit: e.first(a.unit),
                mails: [...e.all(a.mail), ...e.all(a.backupEmail)],
                mobiles: e.all(a.mobile),
                citizenId: e.first(a.citizenId),
                taxCode: e.first(a.taxCode),
                socialInsuranceCode: e.first(a.socialInsuranceCode),
              };
            });
            await visit(batch);
          },
        });
        // A time mark carries how long the read that set it took: an entry changed during that read, after
        // it was passed, is older than the newest one seen but not older than that newest minus the read's
        // duration — where the next delta starts. A delta that saw nothing newer than its mark keeps it as
        // it was (what changed during this delta is newer than that mark: the next one reads it).
        if (change.kind === 'generalizedTime' && mark) mark = `${mark};${Math.ceil((Date.now() - started) / 1000) + DELTA_MARGIN_S}`;
        return { read: done.read, partial: done.partial, mark: mark ?? options.since ?? null };
      } catch (err) {
        throw toHelpdeskError(err, 'search');
      }
    });
  }

  async readAccounts(refs: readonly { dn: string; stableId: string | null }[]): Promise<DirectoryAccount[]> {
    const byId = refs.filter((r) => r.stableId !== null);
    const byDn = refs.filter((r) => r.stableId === null && isUnder(r.dn, this.baseKey));
    const out: DirectoryAccount[] = [];
    const idAttr = this.dialect.stableIdAttribute;
    const binary = BINARY_ATTRIBUTES.some((b) => b.toLowerCase() === idAttr.toLowerCase());
    for (let i = 0; i < byId.length; i += 100) {
      const chunk = byId.slice(i, i + 100);
      const ids = new OrFilter({ filters: chunk.map((r) => new EqualityFilter({ attribute: idAttr, value: binary ? Buffer.from(r.stableId!, 'hex') : r.stableId! })) });
      const accounts = await this.withService('read', async (c) => {
        const { searchEntries } = await c.search(this.s.baseDn, {
          scope: 'sub',
          filter: withUserFilter(this.s.userFilter, ids),
          attributes: this.attributes(),
          explicitBufferAttributes: [...BINARY_ATTRIBUTES],
          sizeLimit: chunk.length,
        });
        const list: DirectoryAccount[] = [];
        for (const raw of searchEntries) list.push(await this.toAccount(c, new EntryView(raw)));
        return list;
      });
      out.push(...accounts);
    }
    const read = await Promise.all(
      byDn.map((r) =>
        this.getAccount(r.dn).catch((err: unknown) => {
          if (err instanceof HelpdeskError && err.code === 'ACCOUNT_NOT_FOUND') return null;
          throw err;
        }),
      ),
    );
    for (const acc of read) if (acc) out.push(acc);
    return out;
  }

  async unlock(dn: string, options: { allowAdministrative?: boolean } = {}): Promise<WriteResult> {
    const entry = await this.lockToEnd(dn, options.allowAdministrative === true);
    try {
      return await this.write(dn, this.dialect.unlockChanges(entry), [], 'write');
    } catch (err) {
      // The exact lock value read a moment ago is gone: someone changed the state; nothing was written.
      if (err instanceof HelpdeskError && err.cause instanceof NoSuchAttributeError) {
        throw new HelpdeskError('ACTION_NOT_PERMITTED', { reason: 'state_changed', cause: err });
      }
      throw err;
    }
  }

  async resetPassword(dn: string, password: string, options: { unlock?: boolean; allowAdministrative?: boolean } = {}): Promise<WriteResult> {
    // AD accepts unicodePwd only over TLS: refuse before any write rather than let the server refuse.
    const transport = ldapTransport(this.s);
    if (this.dialect.resetNeedsTls && transport !== 'ldaps' && transport !== 'starttls') {
      throw new HelpdeskError('INSECURE_CONNECTION', { detail: 'ldaps or StartTLS required' });
    }
    const changes = this.dialect.resetChanges(password);
    // The lock as it is now. An administrative lock the caller did not decide to lift stops the reset
    // (on OpenLDAP, ppolicy deletes pwdAccountLockedTime — the permanent one too — when the password
    // is replaced). With `unlock`, the lockout ends in the same modify as the reset: both or neither.
    const entry = await this.lockToEnd(dn, options.allowAdministrative === true);
    if (options.unlock) changes.push(...this.dialect.unlockChanges(entry));
    try {
      return await this.write(dn, changes, this.dialect.resetControls(), 'write-password');
    } catch (err) {
      if (options.unlock && err instanceof HelpdeskError && err.cause instanceof NoSuchAttributeError) {
        throw new HelpdeskError('ACTION_NOT_PERMITTED', { reason: 'state_changed', cause: err });
      }
      throw err;
    }
  }

  /**
   * The lock state the unlock changes are built from, read now. An administrative lock found here
   * that the caller did not decide to lift (it was set after the caller's own read) stops the write.
   */
  private async lockToEnd(dn: string, allowAdministrative: boolean): Promise<EntryView> {
    const entry = await this.stateEntry(dn);
    if (this.dialect.readState(entry).disabled && !allowAdministrative) {
      throw new HelpdeskError('ACTION_NOT_PERMITTED', { reason: 'state_changed' });
    }
    return entry;
  }

  /** The entry's lock/password state attributes, read now. */
  private async stateEntry(dn: string): Promise<EntryView> {
    if (!isUnder(dn, this.baseKey)) throw new HelpdeskError('ACCOUNT_NOT_FOUND');
    return this.withService('read', async (c) => {
      const { searchEntries } = await c.search(dn, { scope: 'base', filter: this.s.userFilter, attributes: [...this.dialect.stateAttributes] });
      if (!searchEntries[0]) throw new HelpdeskError('ACCOUNT_NOT_FOUND');
      return new EntryView(searchEntries[0]);
    });
  }

  async updateContacts(dn: string, change: { mobile?: string; backupEmail?: string }): Promise<WriteResult> {
    const a = this.s.attributes;
    const changes: Change[] = [];
    if (change.mobile !== undefined) changes.push(replace(a.mobile, [change.mobile]));
    if (change.backupEmail !== undefined) changes.push(replace(a.backupEmail, [change.backupEmail]));
    if (changes.length === 0) throw new HelpdeskError('VALIDATION_FAILED', { field: 'value', reason: 'required' });
    return this.write(dn, changes, [], 'write');
  }

  /**
   * One modify on one entry. If the connection drops after the request went out, the outcome is
   * unknown: the entry is read again on a new connection and returned as it is now.
   */
  private async write(dn: string, changes: Change[], controls: Control[], phase: 'write' | 'write-password'): Promise<WriteResult> {
    if (!isUnder(dn, this.baseKey)) throw new HelpdeskError('ACCOUNT_NOT_FOUND');
    const c = await this.withService('write', async (client) => client);
    try {
      await c.modify(dn, changes, controls);
    } catch (err) {
      if (!isConnectionLoss(err) && !/Operation timed out/u.test(err instanceof Error ? err.message : '')) {
        throw toHelpdeskError(err, err instanceof NoSuchObjectError ? 'read' : phase);
      }
      this.drop();
      const account = await this.getAccount(dn).catch(() => null);
      return { outcome: 'unknown', account };
    }
    // The write succeeded: a failed re-read must not turn that into a failure.
    return { outcome: 'done', account: await this.getAccount(dn).catch(() => null) };
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = null;
    await c?.unbind().catch(() => undefined);
  }

  private async toAccount(c: Client, e: EntryView): Promise<DirectoryAccount> {
    const a = this.s.attributes;
    const state = this.dialect.readState(e);
    const policyDn = this.dialect.policyDnOf(e) ?? (this.s.passwordPolicyDn || null);
    const policy = policyDn ? await this.policy(c, policyDn) : this.dialect.inlinePolicy(e);
    return {
      dn: e.dn,
      stableId: e.first(this.dialect.stableIdAttribute),
      username: e.first(a.username) ?? '',
      displayName: e.first(a.displayName) ?? e.first(a.username) ?? '',
      unit: e.first(a.unit),
      title: e.first(a.title),
      mail: e.first(a.mail),
      accountType: e.first(a.accountType),
      mobiles: recoveryMobiles(e.all(a.mobile), a.mobileFallbacks.map((f) => e.all(f))),
      backupEmails: e.all(a.backupEmail),
      citizenId: e.first(a.citizenId),
      taxCode: e.first(a.taxCode),
      socialInsuranceCode: e.first(a.socialInsuranceCode),
      ...state,
      policy,
    };
  }

  private async policy(c: Client, dn: string): Promise<DirectoryPolicy | null> {
    const key = dnKey(dn);
    const cached = this.policies.get(key);
    if (cached && Date.now() - cached.at < POLICY_TTL_MS) return cached.policy;
    // ldapts reconnects by itself unbound (and without StartTLS): never search on such a connection.
    if (!c.isBound) throw new Error('Socket connection not established');
    try {
      const { searchEntries } = await c.search(dn, { scope: 'base', attributes: [...this.dialect.policyAttributes] });
      const first = searchEntries[0];
      const policy = first ? this.dialect.readPolicy(new EntryView(first)) : null;
      this.policies.set(key, { at: Date.now(), policy });
      return policy;
    } catch (err) {
      if (isConnectionLoss(err)) throw err;
      return null; // unreadable policy: shown without expiry this time, asked again next time
    }
  }
}

/** Seconds added to a read's duration in its mark: modifyTimestamp has whole seconds. */
const DELTA_MARGIN_S = 2;

/** The time part of a generalizedTime mark (`20261207025500Z;12`). */
function markTime(mark: string): string {
  return mark.split(';')[0]!;
}

/**
 * Where a delta read starts: a generalizedTime mark moved back by the duration it carries (at least
 * DELTA_MARGIN_S), a change number as it is.
 */
export function deltaStart(mark: string, kind: 'generalizedTime' | 'integer'): string {
  if (kind === 'integer') return mark;
  const [time, back] = mark.split(';');
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})/u.exec(time ?? '');
  if (!m) return time ?? mark;
  const seconds = Math.max(DELTA_MARGIN_S, Number(back) || 0);
  const at = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) - seconds * 1000;
  return `${new Date(at).toISOString().replace(/[-:T]/gu, '').slice(0, 14)}Z`;
}

/** AD's rootDSE `highestCommittedUSN` (null when the server does not state it). */
async function highestCommittedUsn(c: Client): Promise<string | null> {
  const { searchEntries } = await c.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ['highestCommittedUSN'] });
  const v = searchEntries[0]?.highestCommittedUSN;
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined ? null : String(s);
}

export { dnKey, isUnder } from '../../domain/dn';
