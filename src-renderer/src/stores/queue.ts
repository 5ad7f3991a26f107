import type { CaseSummary, CaseView } from '@common/dto';
import type { ApiError } from '@common/result';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { createLatestGate } from '../async';
import { api } from '../bridge';
import { clearOnSignOut, useSessionStore } from './session';

/**
 * The cases waiting between people: the ones the signed-in user holds (continued here, even if opened
 * on another workstation) and, for a supervisor, the queue — handed over, or waiting for a second
 * approval. As the main process lists them; it decides who may take or approve what.
 */
export const useQueueStore = defineStore('queue', () => {
  const mine = ref<CaseSummary[]>([]);
  const waiting = ref<CaseSummary[]>([]);
  const error = ref<ApiError | null>(null);
  /** The case a take or an approval is running for. */
  const busy = ref<string | null>(null);
  const requests = createLatestGate();

  function failed(e: ApiError): void {
    error.value = e;
    if (e.code === 'NOT_SIGNED_IN') useSessionStore().expired();
  }

  /** Reads both lists (the supervisors' queue only where the role has one). */
  async function load(): Promise<void> {
    const session = useSessionStore();
    const ticket = requests.next();
    const [m, q] = await Promise.all([
      session.allows('cases', 'mine') ? api.cases.mine({}) : null,
      session.allows('cases', 'queue') ? api.cases.queue({}) : null,
    ]);
    if (!requests.isCurrent(ticket)) return;
    error.value = null;
    if (m) {
      if (m.ok) mine.value = m.value;
      else failed(m.error);
    }
    if (q) {
      if (q.ok) waiting.value = q.value;
      else failed(q.error);
    }
  }

  /** "Nhận xử lý": the handed-over case becomes this supervisor's. Resolves to it, or null when refused. */
  async function take(caseId: string): Promise<CaseView | null> {
    return run(caseId, async () => {
      const r = await api.cases.take({ caseId });
      if (!r.ok) {
        failed(r.error);
        return null;
      }
      return r.value;
    });
  }

  /** "Tiếp tục": a case the user holds, as it stands now. */
  async function open(caseId: string): Promise<CaseView | null> {
    return run(caseId, async () => {
      const r = await api.cases.get({ caseId });
      if (!r.ok) {
        failed(r.error);
        return null;
      }
      return r.value;
    });
  }

  /** "Phê duyệt": a second supervisor approves the reset another one asked for. */
  async function approve(caseId: string): Promise<boolean> {
    return (await run(caseId, async () => {
      const r = await api.cases.approve({ caseId });
      if (!r.ok) {
        failed(r.error);
        return false;
      }
      return true;
    })) === true;
  }

  async function run<T>(caseId: string, fn: () => Promise<T>): Promise<T | null> {
    if (busy.value !== null) return null;
    busy.value = caseId;
    error.value = null;
    try {
      return await fn();
    } finally {
      busy.value = null;
      await load();
    }
  }

  function clear(): void {
    requests.cancel();
    mine.value = [];
    waiting.value = [];
    error.value = null;
    busy.value = null;
  }

  clearOnSignOut(clear);

  return { mine, waiting, error, busy, load, take, open, approve, clear };
});
