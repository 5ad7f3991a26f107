import type { HelpdeskApi } from './api';

/**
 * Every contract method by group, at run time. The preload, the IPC handlers, the web harness and
 * the HTTP bridge are all generated from this list; a type check below keeps it equal to HelpdeskApi.
 */
export const API_MANIFEST = {
  app: ['info'],
  session: ['current', 'signIn', 'signOut', 'lock', 'unlock'],
  directory: ['search', 'getAccount', 'refreshIndex'],
  settings: ['get', 'save', 'testConnection'],
  audit: ['recent', 'head', 'verify', 'query', 'timeline', 'export', 'purge'],
  cases: ['open', 'get', 'mine', 'handOff', 'queue', 'take', 'approve', 'sendCode', 'verifyCode', 'close', 'gate', 'override'],
  actions: ['unlock', 'resetPassword', 'resetAndUnlock', 'sendContactCode', 'updateContact'],
  dashboards: ['auditStats', 'scanStart', 'scanStatus', 'scanCancel', 'exportScan'],
  reports: ['monthly'],
  team: ['status', 'join', 'createJoinSecret', 'publishProfile'],
  outbox: ['list'],
} as const satisfies { [G in keyof HelpdeskApi]: readonly (keyof HelpdeskApi[G])[] };

type Listed = { [G in keyof typeof API_MANIFEST]: (typeof API_MANIFEST)[G][number] };
type Declared = { [G in keyof HelpdeskApi]: keyof HelpdeskApi[G] };
// Compile-time proof that the manifest lists every method of the interface, and no other.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const MANIFEST_MATCHES_API: Same<Listed, Declared> = true;

/** IPC channel prefix: the main process handles only channels that carry it. */
export const CHANNEL_PREFIX = 'helpdesk:';

/** `helpdesk:directory:search` for ('directory', 'search'). */
export const channelOf = (group: string, method: string): string => `${CHANNEL_PREFIX}${group}:${method}`;

export interface ChannelEntry {
  group: keyof HelpdeskApi;
  method: string;
  channel: string;
}

export const API_CHANNELS: readonly ChannelEntry[] = (Object.keys(API_MANIFEST) as (keyof HelpdeskApi)[]).flatMap(
  (group) => API_MANIFEST[group].map((method) => ({ group, method, channel: channelOf(group, method) })),
);

/** One method of the contract as the wrappers see it: any input, a promised result. */
export type AnyCall = (input?: unknown) => Promise<unknown>;

/**
 * An object of the contract's shape with one function per method of `manifest` (the contract's by
 * default), each made by `make`: the one loop over the manifest — the preload, the access rules and the
 * renderer's bridges build theirs with it. `freeze` makes every level read-only (what crosses a bridge).
 */
export function buildApi(make: (group: string, method: string) => AnyCall, opts: { manifest?: Readonly<Record<string, readonly string[]>>; freeze?: boolean } = {}): HelpdeskApi {
  const api: Record<string, Record<string, AnyCall>> = {};
  for (const [group, methods] of Object.entries(opts.manifest ?? API_MANIFEST)) {
    const g: Record<string, AnyCall> = {};
    for (const method of methods) g[method] = make(group, method);
    api[group] = opts.freeze ? Object.freeze(g) : g;
  }
  return (opts.freeze ? Object.freeze(api) : api) as unknown as HelpdeskApi;
}
