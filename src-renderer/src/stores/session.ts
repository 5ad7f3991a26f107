import type { ApiGroup, ApiMethod } from '@common/api';
import type { OperatorInfo, SessionInfo } from '@common/dto';
import type { ApiError } from '@common/result';
import { can, type Role } from '@common/roles';
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { api, onSessionLocked } from '../bridge';

/** Who is signed in. The main process owns the session; this mirrors it. */
export const useSessionStore = defineStore('session', () => {
  const current = ref<SessionInfo | null>(null);
  const loaded = ref(false);
  const busy = ref(false);
  const error = ref<ApiError | null>(null);
  const operator = computed<OperatorInfo | null>(() => current.value?.operator ?? null);
  const signedIn = computed(() => operator.value !== null);
  /** The signed-in user's roles, from their directory groups. */
  const roles = computed<Role[]>(() => operator.value?.roles ?? []);
  /** Locked after the idle time: only unlock (same password) or sign-out. */
  const locked = computed(() => signedIn.value && current.value?.locked === true);
  onSessionLocked(() => {
    if (current.value?.operator) current.value = { ...current.value, locked: true };
  });

  /**
   * Whether the signed-in user may call this contract method now, to hide what their role cannot do
   * (the main process checks again). Settings are open without sign-in only during the first setup.
   */
  function allows<G extends ApiGroup>(group: G, method: ApiMethod<G>): boolean {
    return can(group, method, operator.value, current.value?.setupOpen === true);
  }

  async function load(): Promise<void> {
    const r = await api.session.current({});
    if (r.ok) current.value = r.value;
    else error.value = r.error;
    loaded.value = true;
  }

  /** Loads the session once (the router guard calls this before the first navigation). */
  async function ensureLoaded(): Promise<void> {
    if (!loaded.value) await load();
  }

  async function signIn(username: string, password: string): Promise<boolean> {
    busy.value = true;
    error.value = null;
    try {
      const r = await api.session.signIn({ username, password });
      if (!r.ok) {
        error.value = r.error;
        return false;
      }
      current.value = r.value;
      return true;
    } finally {
      busy.value = false;
    }
  }

  async function signOut(): Promise<void> {
    const r = await api.session.signOut({});
    current.value = r.ok ? r.value : current.value ? { ...current.value, operator: null, since: null } : null;
    error.value = null;
  }

  /** The main process said NOT_SIGNED_IN (restart, mode change): forget the operator here too. */
  function expired(): void {
    if (current.value) current.value = { ...current.value, operator: null, since: null };
    error.value = { code: 'NOT_SIGNED_IN' };
  }

  function clearError(): void {
    error.value = null;
  }

  /** Locks now (the idle timer in App.vue calls it; the main process locks by itself too). */
  async function lock(): Promise<void> {
    const r = await api.session.lock({});
    if (r.ok) current.value = r.value;
  }

  /** Unlocks with the signed-in operator's own password. */
  async function unlock(password: string): Promise<boolean> {
    busy.value = true;
    error.value = null;
    try {
      const r = await api.session.unlock({ password });
      if (!r.ok) {
        error.value = r.error;
        // Taken out of every role group meanwhile: the main process signed them out.
        if (r.error.code === 'NO_ROLE') await load();
        return false;
      }
      current.value = r.value;
      return true;
    } finally {
      busy.value = false;
    }
  }

  return { current, loaded, busy, error, operator, signedIn, roles, locked, allows, load, ensureLoaded, signIn, signOut, expired, clearError, lock, unlock };
});

/**
 * The one rule for sign-out: every store that holds something of a user or a caller registers its
 * `clear` here, and it runs whenever the session ends (sign-out, expiry, a mode change, "no role" at
 * unlock). A unit test dirties every store's state, ends the session and expects each back to new.
 */
export function clearOnSignOut(clear: () => void): void {
  watch(
    () => useSessionStore().signedIn,
    (signedIn) => {
      if (!signedIn) clear();
    },
    // At once, inside the call that ended the session: nothing of it is shown for a frame longer.
    { flush: 'sync' },
  );
}
