import type { OperatorInfo, SessionInfo } from '@common/dto';
import type { ApiError } from '@common/result';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api } from '../bridge';

/** Who is signed in. The main process owns the session; this mirrors it. */
export const useSessionStore = defineStore('session', () => {
  const current = ref<SessionInfo | null>(null);
  const loaded = ref(false);
  const busy = ref(false);
  const error = ref<ApiError | null>(null);
  const operator = computed<OperatorInfo | null>(() => current.value?.operator ?? null);
  const signedIn = computed(() => operator.value !== null);

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

  return { current, loaded, busy, error, operator, signedIn, load, ensureLoaded, signIn, signOut, expired, clearError };
});
