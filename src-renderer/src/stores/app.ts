import type { AppInfo } from '@common/dto';
import type { ApiError } from '@common/result';
import type { Locale } from '@common/settings';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api } from '../bridge';
import { i18n, setLocale, storedLocale } from '../i18n';

/** What the app is (name, version, training or directory mode) and the UI language. */
export const useAppStore = defineStore('app', () => {
  const info = ref<AppInfo | null>(null);
  const error = ref<ApiError | null>(null);
  const locale = computed<Locale>(() => i18n.global.locale.value);
  const mode = computed(() => info.value?.mode ?? null);
  const training = computed(() => info.value?.mode === 'training');

  async function load(): Promise<void> {
    const r = await api.app.info({});
    if (r.ok) {
      info.value = r.value;
      error.value = null;
      // The agency's default language applies until the operator picks one in the header.
      if (!storedLocale()) setLocale(r.value.locale, false);
    } else {
      error.value = r.error;
    }
  }

  function chooseLocale(next: Locale): void {
    setLocale(next, true);
  }

  return { info, error, locale, mode, training, load, chooseLocale };
});
