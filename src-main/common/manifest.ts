import type { HelpdeskApi } from './api';

/**
 * Every contract method by group, at run time. The preload, the IPC handlers, the web harness and
 * the HTTP bridge are all generated from this list; a type check below keeps it equal to HelpdeskApi.
 */
export const API_MANIFEST = {
  app: ['info'],
  session: ['current', 'signIn', 'signOut', 'lock', 'unlock'],
  directory: ['search', 'getAccount'],
  settings: ['get', 'save', 'testConnection'],
  audit: ['recent', 'head', 'verify', 'query', 'timeline', 'export', 'purge'],
  cases: ['open', 'get', 'sendCode', 'verifyCode', 'close', 'gate', 'override'],
  actions: ['unlock', 'resetPassword', 'resetAndUnlock', 'sendContactCode', 'updateContact'],
  dashboards: ['auditStats', 'scanStart', 'scanStatus', 'scanCancel', 'exportScan'],
  reports: ['monthly'],
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
