import { randomUUID } from 'node:crypto';
import { type LdifEntry } from '../ldif';
import { isAtOrUnder, rdnKey } from './dn';
import { firstOf, newEntry, setValues, type Entry } from './entries';
import { generalizedTime } from './passwords';

// Loading the LDIF

export interface LoadContext {
  baseDn: string;
  serviceDn: string;
  now: () => Date;
}

export type Store = Map<string, Entry>;

export function loadStore(ldif: LdifEntry[], ctx: LoadContext): Store {
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
export function addOperationalDefaults(entry: Entry, stamp: string): void {
  if (!firstOf(entry, 'createTimestamp')) setValues(entry.attrs, 'createTimestamp', [stamp]);
  if (!firstOf(entry, 'modifyTimestamp')) setValues(entry.attrs, 'modifyTimestamp', [firstOf(entry, 'createTimestamp') ?? stamp]);
  if (!firstOf(entry, 'entryUUID')) setValues(entry.attrs, 'entryUUID', [randomUUID()]);
}

/** The service account (and ou=system) unless the LDIF has them; its password is never stored. */
export function addServiceEntry(store: Store, serviceDn: string, stamp: string): void {
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

export function checkParents(store: Store, baseKey: string): void {
  for (const entry of store.values()) {
    if (entry.key === baseKey) continue;
    if (!store.has(rdnKey(entry.rdns.slice(1)))) throw new Error(`training directory: the parent of "${entry.dn}" is missing`);
  }
}
