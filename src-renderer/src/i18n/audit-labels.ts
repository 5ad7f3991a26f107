import type { AuditEntry } from '@common/dto';
import { useI18n } from 'vue-i18n';

/** The details a case timeline shows, in this order (the rest of a row's detail stays in the exports). */
export const TIMELINE_DETAILS = ['reason', 'channel', 'destination', 'kind', 'verification', 'check', 'note', 'outcome', 'delivery', 'code', 'attemptsLeft'] as const;
export type TimelineDetail = (typeof TIMELINE_DETAILS)[number];

export interface DetailItem {
  key: TimelineDetail;
  label: string;
  value: string;
}

/** A word safe to look up as a message key part (values come from the audit rows, not from this app's code). */
const WORD = /^[A-Za-z][A-Za-z-]*$/u;

/** Labels of the audit view: actions, outcomes and the main details of a row, translated (plain text: never HTML). */
export function useAuditLabels() {
  const { t, te } = useI18n();

  /** A message if there is one for this value, else the value as stored. */
  const lookup = (prefix: string, value: string): string => (WORD.test(value) && te(`${prefix}.${value}`) ? t(`${prefix}.${value}`) : value);

  const actionLabel = (action: string): string => {
    const [group, name, ...rest] = action.split('.');
    return group && name && rest.length === 0 && WORD.test(group) && WORD.test(name) && te(`audit.actions.${group}.${name}`)
      ? t(`audit.actions.${group}.${name}`)
      : action;
  };

  const outcomeLabel = (outcome: string): string => lookup('audit.outcomes', outcome);

  const channelLabel = (channel: string): string => lookup('case.channels', channel);

  /** `sms:09*****98` → "Tin nhắn SMS 09*****98"; `override:citizen-id:giamsat01` → "Giám sát viên giamsat01 xác minh thay: …". */
  const verificationLabel = (ref: string): string => {
    const [kind, a, b] = ref.split(':');
    if (kind === 'override' && a !== undefined && b !== undefined) {
      return t('audit.values.override', { supervisor: b, check: lookup('override.checks', a) });
    }
    if ((kind === 'sms' || kind === 'email') && a !== undefined) {
      return t('audit.values.verification', { channel: channelLabel(kind), destination: ref.slice(kind.length + 1) });
    }
    return ref;
  };

  function detailValue(key: TimelineDetail, value: string | number | boolean): string {
    const text = String(value);
    switch (key) {
      case 'channel':
        return channelLabel(text);
      case 'kind':
        return lookup('contact.kinds', text);
      case 'verification':
        return verificationLabel(text);
      case 'check':
        return lookup('override.checks', text);
      case 'outcome':
        return lookup('audit.values.outcome', text);
      case 'delivery':
        return lookup('audit.values.delivery', text);
      case 'code':
        return /^[A-Z][A-Z_]*$/u.test(text) && te(`errors.${text}`) ? t(`errors.${text}`) : text;
      default:
        return text;
    }
  }

  /** The main details of a row, labelled and translated, leaving out what the row does not have. */
  function details(entry: Pick<AuditEntry, 'detail'>): DetailItem[] {
    const out: DetailItem[] = [];
    for (const key of TIMELINE_DETAILS) {
      const value = entry.detail[key];
      if (value === null || value === undefined || value === '') continue;
      out.push({ key, label: t(`audit.detail.${key}`), value: detailValue(key, value) });
    }
    return out;
  }

  return { actionLabel, outcomeLabel, details };
}
