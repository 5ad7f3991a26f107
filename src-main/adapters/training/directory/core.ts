import { selectAttributes, type OutEntry } from './attributes';
import { dnRdns, isAtOrUnder, rdnKey, tryRdns } from './dn';
import { cloneAttrs, firstOf, newEntry, setValues, valuesOf, type Attr, type Entry } from './entries';
import { matchesFilter, type Filter, type Viewer } from './filters';
import type { Store } from './load';
import { valueEquals } from './matching';
import { type Cursor, type CursorTable, PAGED_RESULTS_OID } from './paging';
import { DUMMY_HASH, generalizedTime, safeEqualText, storablePassword, verifyPassword } from './passwords';
import { checkLocked, readPolicy, recordFailure, type Policy } from './ppolicy';
import { OK, RC, fail, type Outcome } from './results';

// The directory's operations, independent of ldapjs.

export type Identity = { kind: 'service' } | { kind: 'user'; key: string } | null;

export interface CoreOptions {
  baseDn: string;
  serviceDn: string;
  policyDn: string;
  servicePassword: string;
  now: () => Date;
}

export interface PagedRequest {
  size: number;
  cookie: Buffer;
}

export interface SearchQuery {
  base: string;
  scope: number;
  sizeLimit: number;
  typesOnly: boolean;
  attributes: string[];
  filter: Filter;
  paged: PagedRequest | null;
}

export interface SearchOutcome extends Outcome {
  entries: OutEntry[];
  /** The cookie for the response control: null when the request was not paged. */
  cookie: Buffer | null;
}

export type BindOutcome = Outcome & { identity: Identity };

export interface ChangeRequest {
  operation: string;
  attribute: string;
  values: string[];
}

export const SCOPE = { base: 0, one: 1, sub: 2, children: 3 } as const;

export class DirectoryCore {
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
export function applyChange(attrs: Map<string, Attr>, change: ChangeRequest): Outcome | null {
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

export function deleteValues(attrs: Map<string, Attr>, change: ChangeRequest, current: string[]): Outcome | null {
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
