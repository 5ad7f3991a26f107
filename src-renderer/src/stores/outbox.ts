import type { OutboxMessage } from '@common/dto';
import type { ApiError } from '@common/result';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { createLatestGate } from '../async';
import { api } from '../bridge';
import { clearOnSignOut, useSessionStore } from './session';

/** How many messages the Outbox view asks for (the training Outbox keeps 200). */
export const OUTBOX_LIMIT = 50;

/** Training mode's Outbox: what the relays "sent", newest first, as the main process lists it. */
export const useOutboxStore = defineStore('outbox', () => {
  const messages = ref<OutboxMessage[]>([]);
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<ApiError | null>(null);
  /** When the last answer arrived (client clock). */
  const updatedAt = ref<Date | null>(null);
  const requests = createLatestGate();

  /** Reads the list; a read already under way is not doubled (the view polls every 2 s). */
  async function load(): Promise<void> {
    if (loading.value) return;
    const ticket = requests.next();
    loading.value = true;
    try {
      const r = await api.outbox.list({ limit: OUTBOX_LIMIT });
      if (!requests.isCurrent(ticket)) return;
      if (r.ok) {
        messages.value = r.value;
        error.value = null;
        updatedAt.value = new Date();
        loaded.value = true;
      } else {
        error.value = r.error;
        if (r.error.code === 'NOT_SIGNED_IN') useSessionStore().expired();
      }
    } finally {
      if (requests.isCurrent(ticket)) loading.value = false;
    }
  }

  function clear(): void {
    requests.cancel();
    messages.value = [];
    loaded.value = false;
    loading.value = false;
    error.value = null;
    updatedAt.value = null;
  }

  clearOnSignOut(clear);

  return { messages, loaded, loading, error, updatedAt, load, clear };
});
