import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { isReactive, isRef } from 'vue';
import { loadRenderer } from '../../helpers/load-renderer';
import * as __stores_session from '../../../src-renderer/src/stores/session';

// Issue #6 item 2, "sign-out clears state": every store of the renderer, its state dirtied in every
// field, is back to new once the session ends — by sign-out, or by the main process saying the
// session is gone. A field added to a store and forgotten by its clear() fails here.

// Every contract call stays pending: the stores are judged on what they hold, not on answers.
const api = vi.hoisted(() => new Proxy({}, { get: () => new Proxy({}, { get: () => () => new Promise(() => undefined) }) }));
vi.mock('../../../src-renderer/src/bridge', () => ({ api, inElectron: false, onSessionLocked: () => undefined }));

const STORES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src-renderer', 'src', 'stores');

/** Stores that keep their state across users, and why. Every other store must forget everything. */
const KEPT: Record<string, string> = {
  'app.ts': 'the app version and mode: nothing of a user',
  'session.ts': 'the session itself: it is what ends',
};

/** Fields a cleared store keeps, and why: state of a view's life, not of a user. */
const KEPT_FIELDS: Record<string, Record<string, string>> = {
  'dashboards.ts': { paused: 'whether the dashboards view is open: the view sets it when it mounts and unmounts' },
  'case.ts': { finished: 'how many calls ended here ("Kết thúc"), for the search box to take the keyboard back: a count, nothing of the caller' },
};

type AnyStore = { $state: Record<string, unknown> } & Record<string, unknown>;
interface SessionStore {
  current: unknown;
  signedIn: boolean;
  signOut(): Promise<void>;
  expired(): void;
}

function signIn(): void {
  useSessionStore().current = {
    operator: { username: 'giamsat01', displayName: 'Võ Thanh Tâm', dn: 'uid=giamsat01,ou=people,dc=daotao,dc=gov,dc=vn', roles: ['operator', 'supervisor', 'auditor'] },
    since: '2026-11-23T01:00:00.000Z',
    mode: 'directory',
    locked: false,
    idleLockMinutes: 10,
  };
}

/** A value of the same kind that differs from `v` (objects and arrays changed in place, as views do). */
function dirtyValue(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return `${v}·cuộc gọi trước`;
  if (typeof v === 'number') return v + 7;
  if (typeof v === 'boolean') return !v;
  if (v === null || v === undefined) return { left: 'by the previous user' };
  if (Array.isArray(v)) return [...v, { left: 'by the previous user' }];
  if (v instanceof Date) return new Date(v.getTime() + 86_400_000);
  if (typeof v === 'object' && depth < 3) {
    const o = v as Record<string, unknown>;
    if (Object.keys(o).length === 0) o.left = 'by the previous user';
    for (const k of Object.keys(o)) o[k] = dirtyValue(o[k], depth + 1);
    return o;
  }
  return { left: 'by the previous user' };
}

function dirty(store: AnyStore): void {
  for (const key of Object.keys(store.$state)) {
    const current = store.$state[key];
    // A reactive object of a setup store is changed in place (replacing it would cut it from the store).
    if (current !== null && typeof current === 'object' && (isReactive(current) || isRef(current)) && !Array.isArray(current)) dirtyValue(current);
    else store.$state[key] = dirtyValue(current);
  }
}

/** The store's state as data, without the fields it may keep. */
function snapshot(store: AnyStore, file: string): Record<string, unknown> {
  const state = JSON.parse(JSON.stringify(store.$state)) as Record<string, unknown>;
  for (const k of Object.keys(KEPT_FIELDS[file] ?? {})) delete state[k];
  return state;
}

let useSessionStore: () => SessionStore;
const storeFiles = readdirSync(STORES_DIR).filter((f) => f.endsWith('.ts')).sort();
const cleared = storeFiles.filter((f) => !(f in KEPT));

beforeEach(async () => {
  setActivePinia(createPinia());
  ({ useSessionStore } = __stores_session);
});

/** The store a module defines (its one `use…Store` export). */
async function storeOf(file: string): Promise<AnyStore> {
  const mod = await loadRenderer<Record<string, unknown>>(`stores/${file}`);
  const uses = Object.entries(mod).filter(([k, v]) => /^use[A-Z]\w*Store$/u.test(k) && typeof v === 'function');
  expect(uses.map(([k]) => k), file).toHaveLength(1);
  return (uses[0]![1] as () => AnyStore)();
}

describe('sign-out clears every store', () => {
  it('knows every store of the renderer (a new one must be listed here or clear itself)', () => {
    expect(storeFiles).toEqual(['app.ts', 'audit.ts', 'case.ts', 'dashboards.ts', 'outbox.ts', 'queue.ts', 'search.ts', 'session.ts', 'settings.ts']);
    expect(cleared.length).toBeGreaterThanOrEqual(6);
  });

  it.each(cleared)('%s: every field dirtied, then signed out → as new', async (file) => {
    signIn();
    const store = await storeOf(file);
    const fresh = snapshot(store, file);
    dirty(store);
    const dirtied = snapshot(store, file);
    // Every top-level field really changed (otherwise the test proves nothing for it).
    for (const key of Object.keys(fresh)) expect(dirtied[key], `${file}: ${key} was not dirtied`).not.toEqual(fresh[key]);
    useSessionStore().current = { ...(useSessionStore().current as object), operator: null, since: null };
    expect(useSessionStore().signedIn).toBe(false);
    expect(snapshot(store, file)).toEqual(fresh);
  });

  it.each(cleared)('%s: the same when the main process ends the session (NOT_SIGNED_IN)', async (file) => {
    signIn();
    const store = await storeOf(file);
    const fresh = snapshot(store, file);
    dirty(store);
    useSessionStore().expired();
    expect(snapshot(store, file)).toEqual(fresh);
  });

  it('a store not signed out keeps what it holds (the rule fires on sign-out only)', async () => {
    signIn();
    const file = 'search.ts';
    const store = await storeOf(file);
    const fresh = snapshot(store, file);
    dirty(store);
    signIn(); // the same session, refreshed
    expect(snapshot(store, file)).not.toEqual(fresh);
  });
});
