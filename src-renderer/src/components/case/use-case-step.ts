import type { ApiError } from '@common/result';
import { computed } from 'vue';
import { useI18n } from 'vue-i18n';
import { channelOptions, msUntil, sendState, wizardStep, type SendState, type WizardStep } from '../../flows/verification';
import { formatCountdown } from '../../format';
import { useErrorText } from '../../i18n/api-error';
import { rulesParams } from '../../i18n/rules';
import { useNow } from '../../now';
import { useCaseStore } from '../../stores/case';

/** Technical detail is worth showing for relay and unexpected failures only (others carry times or field names). */
export function detailOf(e: ApiError): string | null {
  return e.detail && (e.code.startsWith('RELAY_') || e.code === 'INTERNAL') ? e.detail : null;
}

/**
 * What the steps of the case wizard share: where it stands by the client clock, the time left, the
 * send button and the rule under it, the message under the code. The main process decides; these
 * only say it.
 */
export function useCaseStep() {
  const store = useCaseStore();
  const { t } = useI18n();
  const { errorText, reasonText } = useErrorText();
  const now = useNow();

  const step = computed<WizardStep>(() => wizardStep(store.current, now.value, store.changingChannel));
  /** Time left on the code (or on the verification: both end a validity after the send). */
  const left = computed(() => msUntil(store.current?.expiresAt ?? null, now.value));
  /** The next send by the chosen channel (its own spacing; the day's sends count both channels). */
  const send = computed<SendState | null>(() => (store.current ? sendState(store.current, store.channel, now.value) : null));
  const channelName = computed(() => (store.current?.channel ? t(`case.via.${store.current.channel}`) : ''));

  /** "còn 1 lần hôm nay" / "đã hết lượt hôm nay" / attempts used up, after the seed's rule (numbers from the policy). */
  const sendInfo = computed(() => {
    const c = store.current;
    const s = send.value;
    if (!c || !s) return '';
    const state =
      s.kind === 'attempts-exhausted'
        ? t('case.attemptsExhausted')
        : s.kind === 'none-left'
          ? t('case.noneLeftToday')
          : t('case.remainingToday', { n: c.resend.remainingToday });
    return `${t('case.rule', rulesParams(c.policy))} · ${state}.`;
  });

  const sendLabel = computed(() => {
    const s = send.value;
    const c = store.current;
    // A code went already: by the same channel it is a resend; by the other, a send by that channel.
    const sent = c?.channel ?? null;
    const first = step.value.kind === 'channel' && (sent === null || (store.channel !== null && store.channel !== sent));
    if (store.busy === 'send') return t('case.sending');
    if (s?.kind === 'wait') return t(first ? 'case.sendIn' : 'case.resendIn', { time: formatCountdown(s.ms) });
    if (first && sent !== null && store.channel !== null) return t('case.sendBy', { channel: t(`case.via.${store.channel}`) });
    return t(first ? 'case.send' : 'case.resend');
  });
  /** A usable channel is chosen and the rule lets a code go now. */
  const canSend = computed(() => {
    const c = store.current;
    const usable = c !== null && channelOptions(c).some((o) => o.channel === store.channel && o.usable);
    return store.busy === null && send.value?.kind === 'ready' && usable;
  });

  /** The one message under the code: a wrong code, or the translated refusal (expired, void, quota, relay…). */
  const feedback = computed(() => {
    const e = store.error;
    if (e) return e.code === 'VALIDATION_FAILED' && e.field === 'code' ? reasonText(e) : errorText(e);
    const w = store.wrong;
    if (w) return w.attemptsLeft > 0 ? t('case.wrong', { n: w.attemptsLeft }) : t('case.wrongNone');
    return '';
  });

  return { store, t, errorText, reasonText, step, left, sendInfo, sendLabel, canSend, feedback, channelName };
}
