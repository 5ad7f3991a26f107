import type { AccountDetail, QueryKind, SearchItem, SearchResult } from '@common/dto';
import type { ApiError } from '@common/result';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { createLatestGate, debounce } from '../async';
import { api } from '../bridge';
import { clearOnSignOut, useSessionStore } from './session';

export const SEARCH_DEBOUNCE_MS = 250;
export const MIN_QUERY_LENGTH = 2;

/**
 * The search box, its results and the account opened from them. Search-as-you-type with a debounce;
 * only the newest request's answer is ever shown.
 */
export const useSearchStore = defineStore('search', () => {
  const query = ref('');
  const kind = ref<QueryKind>('auto');
  const result = ref<SearchResult | null>(null);
  const loading = ref(false);
  const error = ref<ApiError | null>(null);
  /** Index of the highlighted row (keyboard selection), -1 for none. */
  const highlighted = ref(-1);
  /** The highlighted row was chosen (arrow keys, or it is the open account), not just under the mouse. */
  const chosen = ref(false);
  /** Enter met namesakes unchosen: their name and how many bear it, until a row is chosen or the answer changes. */
  const namesakesAsked = ref<{ name: string; count: number } | null>(null);

  const openId = ref<string | null>(null);
  const account = ref<AccountDetail | null>(null);
  const accountLoading = ref(false);
  const accountError = ref<ApiError | null>(null);

  const items = computed<SearchItem[]>(() => result.value?.items ?? []);
  const trimmed = computed(() => query.value.trim());
  const tooShort = computed(() => trimmed.value.length < MIN_QUERY_LENGTH);
  const highlightedItem = computed(() => items.value[highlighted.value] ?? null);
  /** What Enter opens: the highlighted row, else the first one. */
  const enterTarget = computed(() => highlightedItem.value ?? items.value[0] ?? null);
  /**
   * What Enter does: open the row chosen with the arrow keys, or the first row when no other row of the
   * answer bears its name; among namesakes nothing opens unchosen — the operator is asked to choose.
   */
  const enterChoice = computed<{ kind: 'open'; item: SearchItem } | { kind: 'choose'; name: string; count: number } | null>(() => {
    const item = enterTarget.value;
    if (item === null) return null;
    const picked = chosen.value && highlightedItem.value === item;
    return item.namesakes > 0 && !picked ? { kind: 'choose', name: item.displayName, count: item.namesakes + 1 } : { kind: 'open', item };
  });

  const searches = createLatestGate();
  const accounts = createLatestGate();
  const debounced = debounce(() => void run(), SEARCH_DEBOUNCE_MS);

  function notSignedIn(e: ApiError): void {
    if (e.code === 'NOT_SIGNED_IN') useSessionStore().expired();
  }

  async function run(): Promise<void> {
    if (tooShort.value) return;
    const ticket = searches.next();
    loading.value = true;
    const r = await api.directory.search({ query: trimmed.value, kind: kind.value });
    if (!searches.isCurrent(ticket)) return;
    loading.value = false;
    if (r.ok) {
      result.value = r.value;
      error.value = null;
      // The open account stays highlighted (chosen); otherwise nothing is, until an arrow key moves in.
      highlighted.value = openId.value ? r.value.items.findIndex((a) => a.id === openId.value) : -1;
      chosen.value = highlighted.value >= 0;
      namesakesAsked.value = null;
    } else {
      result.value = null;
      error.value = r.error;
      highlighted.value = -1;
      chosen.value = false;
      namesakesAsked.value = null;
      notSignedIn(r.error);
    }
  }

  function reset(): void {
    debounced.cancel();
    searches.cancel();
    loading.value = false;
    result.value = null;
    error.value = null;
    highlighted.value = -1;
    chosen.value = false;
    namesakesAsked.value = null;
  }

  /** The operator typed: search once they pause (and the text is long enough). */
  function setQuery(next: string): void {
    query.value = next;
    if (tooShort.value) return reset();
    loading.value = true;
    debounced.schedule();
  }

  /** The query kind changed: search again at once. */
  function setKind(next: QueryKind): void {
    kind.value = next;
    if (tooShort.value) return reset();
    debounced.cancel();
    void run();
  }

  /** Enter before the pause ended: search now. Returns false when no search was pending. */
  function flush(): boolean {
    return debounced.flush();
  }

  function move(delta: number): void {
    const n = items.value.length;
    if (n === 0) return;
    const from = highlighted.value < 0 ? (delta > 0 ? -1 : n) : highlighted.value;
    highlighted.value = Math.min(n - 1, Math.max(0, from + delta));
    chosen.value = true;
    namesakesAsked.value = null;
  }

  /** The mouse is over a row: highlighted, not chosen (a click opens it; Enter does not open a namesake so). */
  function highlight(index: number): void {
    if (index >= -1 && index < items.value.length && index !== highlighted.value) {
      highlighted.value = index;
      chosen.value = false;
    }
  }

  /** Enter met namesakes: say so, and wait for a row to be chosen. */
  function askNamesakes(name: string, count: number): void {
    namesakesAsked.value = { name, count };
  }

  /** Loads the account the route names (null closes the panel). */
  async function loadAccount(id: string | null): Promise<void> {
    if (id === openId.value && (account.value || accountLoading.value)) return;
    openId.value = id;
    const ticket = accounts.next();
    if (id === null) {
      account.value = null;
      accountError.value = null;
      accountLoading.value = false;
      return;
    }
    const i = items.value.findIndex((a) => a.id === id);
    if (i >= 0) {
      highlighted.value = i;
      chosen.value = true;
    }
    accountLoading.value = true;
    accountError.value = null;
    const r = await api.directory.getAccount({ id });
    if (!accounts.isCurrent(ticket)) return;
    accountLoading.value = false;
    if (r.ok) {
      account.value = r.value;
    } else {
      account.value = null;
      accountError.value = r.error;
      notSignedIn(r.error);
    }
  }

  /** Reloads the open account (after an error, or to see a fresh state). */
  async function reloadAccount(): Promise<void> {
    const id = openId.value;
    openId.value = null;
    await loadAccount(id);
  }

  /**
   * The directory's fresh word on an account (after an unlock or a reset): the open panel and the
   * result row show it at once. A load of the same account still in flight is superseded.
   */
  function updateAccount(detail: AccountDetail): void {
    if (openId.value === detail.id) {
      accounts.cancel();
      account.value = detail;
      accountLoading.value = false;
      accountError.value = null;
    }
    const r = result.value;
    const i = r ? r.items.findIndex((a) => a.id === detail.id) : -1;
    if (r && i >= 0) {
      const summary: SearchItem = {
        id: detail.id,
        username: detail.username,
        displayName: detail.displayName,
        unit: detail.unit,
        title: detail.title,
        // Its namesakes are those of the answer it belongs to.
        namesakes: r.items[i]!.namesakes,
        accountType: detail.accountType,
        state: detail.state,
        mobile: detail.mobile,
        backupEmail: detail.backupEmail,
      };
      result.value = { ...r, items: r.items.map((a, j) => (j === i ? summary : a)) };
    }
  }

  /** Forgets everything (sign-out: nothing of the last caller stays on screen). */
  function clear(): void {
    reset();
    accounts.cancel();
    query.value = '';
    kind.value = 'auto';
    openId.value = null;
    account.value = null;
    accountLoading.value = false;
    accountError.value = null;
  }

  clearOnSignOut(clear);

  return {
    query,
    kind,
    result,
    loading,
    error,
    highlighted,
    openId,
    account,
    accountLoading,
    accountError,
    items,
    tooShort,
    highlightedItem,
    enterTarget,
    enterChoice,
    chosen,
    namesakesAsked,
    askNamesakes,
    setQuery,
    setKind,
    flush,
    run,
    move,
    highlight,
    loadAccount,
    reloadAccount,
    updateAccount,
    clear,
  };
});
