import type { ApiGroup, ApiMethod } from './api';

/**
 * Who may do what. Roles come from directory groups named in the directory profile (`roleGroups`):
 * an operator takes calls; a supervisor also overrides verification with a recorded identity check,
 * resets and unlocks in one step, and changes settings; an auditor only reads the audit. No zod here:
 * the renderer imports this file to hide what the role cannot do, the main process enforces it.
 */
export const ROLES = ['operator', 'supervisor', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/**
 * `public`: no sign-in needed. `openDuringSetup`: anyone during the first setup (training mode on a
 * workstation that holds no audit row and no stored secret yet), afterwards the roles listed. Otherwise a signed-in user holding one of the roles.
 */
export type Access = 'public' | { roles: readonly Role[]; openDuringSetup?: true };

const DESK: Access = { roles: ['operator', 'supervisor'] };
const SUPERVISOR: Access = { roles: ['supervisor'] };
const SETTINGS: Access = { roles: ['supervisor'], openDuringSetup: true };
const AUDIT: Access = { roles: ['supervisor', 'auditor'] };

/** The access rule of every contract method (a type check keeps it complete). */
export const PERMISSIONS: { [G in ApiGroup]: { [M in ApiMethod<G>]: Access } } = {
  app: { info: 'public' },
  session: { current: 'public', signIn: 'public', signOut: 'public', lock: 'public', unlock: 'public' },
  directory: { search: DESK, getAccount: DESK, refreshIndex: DESK },
  settings: { get: SETTINGS, save: SETTINGS, testConnection: SETTINGS },
  // The integrity check is the independent reviewer's (auditor) as much as the supervisor's.
  audit: { recent: AUDIT, head: AUDIT, verify: AUDIT, query: AUDIT, timeline: AUDIT, export: AUDIT, purge: SUPERVISOR },
  cases: { open: DESK, get: DESK, mine: DESK, handOff: DESK, queue: SUPERVISOR, take: SUPERVISOR, approve: SUPERVISOR, sendCode: DESK, verifyCode: DESK, close: DESK, gate: DESK, override: SUPERVISOR },
  actions: { unlock: DESK, resetPassword: DESK, resetAndUnlock: SUPERVISOR, sendContactCode: DESK, updateContact: DESK },
  dashboards: { auditStats: AUDIT, scanStart: AUDIT, scanStatus: AUDIT, scanCancel: AUDIT, exportScan: AUDIT },
  reports: { monthly: AUDIT },
  team: { status: { roles: ['operator', 'supervisor', 'auditor'] }, join: SUPERVISOR, createJoinSecret: SUPERVISOR, publishProfile: SUPERVISOR },
  outbox: { list: DESK },
};

/**
 * Calls the UI makes on its own (polling a list, a scan, a countdown): they do not count as the
 * operator's activity, so a screen left open still locks after the idle time.
 */
export const PASSIVE_METHODS: ReadonlySet<string> = new Set(['outbox.list', 'dashboards.scanStatus', 'cases.get', 'cases.gate', 'cases.mine', 'cases.queue', 'audit.head', 'team.status']);

/**
 * Who sees accounts by name on the dashboards (the locked accounts list and its export): supervisors,
 * who act on them. An auditor reviews the hotline, not the people: counts per unit only.
 */
export function seesAccountNames(who: { roles: readonly Role[] }): boolean {
  return who.roles.includes('supervisor');
}

/** What a rule says for a session: allowed, or why not. */
export function checkAccess(access: Access, who: { roles: readonly Role[] } | null, setup: boolean): 'allowed' | 'NOT_SIGNED_IN' | 'ROLE_NOT_ALLOWED' {
  if (access === 'public') return 'allowed';
  if (access.openDuringSetup && setup) return 'allowed';
  if (!who) return 'NOT_SIGNED_IN';
  return access.roles.some((r) => who.roles.includes(r)) ? 'allowed' : 'ROLE_NOT_ALLOWED';
}

/** For the UI: may this user call this method now? */
export function can<G extends ApiGroup>(group: G, method: ApiMethod<G>, who: { roles: readonly Role[] } | null, setup = false): boolean {
  return checkAccess(PERMISSIONS[group][method] as Access, who, setup) === 'allowed';
}
