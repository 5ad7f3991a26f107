import type { ErrorCode, ValidationReason } from '@common/errors';
import type { QueryKind } from '@common/dto';
import type { Locale } from '@common/settings';
import { createI18n } from 'vue-i18n';
import { en } from './en';
import { vi, type Messages } from './vi';

// Compile-time proof that every contract error code, validation reason and query kind has a text.
const _errors: Record<ErrorCode, string> = vi.errors;
const _reasons: Record<ValidationReason | `not_${Exclude<QueryKind, 'auto'>}`, string> = vi.validation;
const _kinds: Record<QueryKind, string> = vi.search.kinds;
void [_errors, _reasons, _kinds];

export const SUPPORTED_LOCALES: readonly Locale[] = ['vi', 'en'];
const STORAGE_KEY = 'helpdesk.locale';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (SUPPORTED_LOCALES as readonly string[]).includes(value);
}

/** The operator's stored choice, if any. */
export function storedLocale(): Locale | null {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return isLocale(v) ? v : null;
  } catch {
    return null;
  }
}

export const i18n = createI18n<[Messages], Locale, false>({
  legacy: false,
  locale: storedLocale() ?? 'vi',
  fallbackLocale: 'en',
  messages: { vi, en },
  missingWarn: false,
  fallbackWarn: false,
});

/** Switches the UI language; `remember` stores the choice (the header switcher does). */
export function setLocale(locale: Locale, remember: boolean): void {
  i18n.global.locale.value = locale;
  document.documentElement.lang = locale;
  if (!remember) return;
  try {
    localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    // Storage refused: the choice lasts for this window only.
  }
}
