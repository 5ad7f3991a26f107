import type { ApiError } from '@common/result';
import { useI18n } from 'vue-i18n';

/**
 * Translates contract errors: `errors.<code>`, and for validation failures the reason
 * (`validation.<reason>`) when one is known. A refusal with a known reason of its own
 * (`reasons.<code>.<reason>`: PASSWORD_REJECTED history, administrative_lock…) reads as that
 * reason's sentence. Unknown codes fall back to INTERNAL's text.
 */
export function useErrorText() {
  const { t, te } = useI18n();

  /** The reason alone ("Sai định dạng."), for a message next to the offending field. */
  const reasonText = (error: ApiError): string => {
    if (error.reason && te(`validation.${error.reason}`)) return t(`validation.${error.reason}`);
    return codeText(error);
  };

  const codeText = (error: Pick<ApiError, 'code'> | { code: string }): string =>
    te(`errors.${error.code}`) ? t(`errors.${error.code}`) : t('errors.INTERNAL');

  /** A full sentence for an error banner. */
  const errorText = (error: ApiError): string => {
    if (error.code === 'VALIDATION_FAILED' && error.reason && te(`validation.${error.reason}`)) {
      return `${codeText(error)} ${t(`validation.${error.reason}`)}`;
    }
    if (error.reason && te(`reasons.${error.code}.${error.reason}`)) return t(`reasons.${error.code}.${error.reason}`);
    // A settings save stopped by its connection test: which step failed, and that nothing was saved.
    if (error.reason === 'connection_test') return t('settings.connectionTestFailed', { error: codeText(error) });
    return codeText(error);
  };

  return { errorText, reasonText, codeText };
}
