import type { ApiError } from '@common/result';
import { useI18n } from 'vue-i18n';
import { useSessionStore } from '../stores/session';
import { rulesParams } from './rules';

/**
 * Translates contract errors: `errors.<code>`, and for validation failures the reason
 * (`validation.<reason>`) when one is known. A refusal with a known reason of its own
 * (`reasons.<code>.<reason>`: PASSWORD_REJECTED history, administrative_lock…) reads as that
 * reason's sentence. Unknown codes fall back to INTERNAL's text. The rules of a call (minutes, sends a day,
 * tries) come from the main process (`SessionInfo.rules`) as named parameters: no message writes them.
 */
export function useErrorText() {
  const { t, te } = useI18n();
  const session = useSessionStore();
  const rules = (): Record<string, number> => rulesParams(session.current?.rules ?? null);

  /** The reason alone ("Sai định dạng."), for a message next to the offending field. */
  const reasonText = (error: ApiError): string => {
    if (error.reason && te(`validation.${error.reason}`)) return t(`validation.${error.reason}`, rules());
    return codeText(error);
  };

  const codeText = (error: Pick<ApiError, 'code'> | { code: string }): string =>
    te(`errors.${error.code}`) ? t(`errors.${error.code}`, rules()) : t('errors.INTERNAL');

  /** A full sentence for an error banner. */
  const errorText = (error: ApiError): string => {
    if (error.code === 'VALIDATION_FAILED' && error.reason && te(`validation.${error.reason}`)) {
      return `${codeText(error)} ${t(`validation.${error.reason}`, rules())}`;
    }
    if (error.reason && te(`reasons.${error.code}.${error.reason}`)) return t(`reasons.${error.code}.${error.reason}`, rules());
    // A settings save stopped by its connection test: which step failed, and that nothing was saved.
    if (error.reason === 'connection_test') return t('settings.connectionTestFailed', { error: codeText(error) });
    return codeText(error);
  };

  return { errorText, reasonText, codeText };
}

