import { foldDiacritics } from './text';

/** GSM 03.38 default alphabet (one septet each). */
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** Characters of the extension table: two septets each (escape + char). */
const GSM7_EXTENDED = '^{}\\[~]|€\f';

export interface SmsSegments {
  encoding: 'GSM-7' | 'UCS-2';
  /** Characters as the phone counts them (septets for GSM-7, UTF-16 units for UCS-2). */
  units: number;
  characters: number;
  segments: number;
}

/** How many SMS parts a text needs: GSM-7 160/153 septets, else UCS-2 70/67 characters. */
export function smsSegments(text: string): SmsSegments {
  let septets = 0;
  let gsm = true;
  for (const ch of text) {
    if (GSM7_BASIC.includes(ch)) septets += 1;
    else if (GSM7_EXTENDED.includes(ch)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  const characters = [...text].length;
  if (gsm) return { encoding: 'GSM-7', units: septets, characters, segments: septets <= 160 ? 1 : Math.ceil(septets / 153) };
  const units = text.length;
  return { encoding: 'UCS-2', units, characters, segments: units <= 70 ? 1 : Math.ceil(units / 67) };
}

/**
 * SMS text as VN brandname gateways expect by default: unaccented (NFD, marks stripped, đ→d) so a code
 * message fits one GSM-7 segment; characters outside GSM-7 that remain are replaced by '?'.
 */
export function unaccentedSms(text: string): string {
  return [...foldDiacritics(text)].map((ch) => (GSM7_BASIC.includes(ch) || GSM7_EXTENDED.includes(ch) ? ch : '?')).join('');
}

/** Fills `{{name}}` placeholders; unknown placeholders are an error (a template typo must not reach a caller). */
export function fillTemplate(template: string, values: Record<string, string>, escape: (s: string) => string = (s) => s): string {
  return template.replace(/\{\{\s*([a-zA-Z]+)\s*\}\}/gu, (_m, key: string) => {
    const v = values[key];
    if (v === undefined) throw new Error(`template placeholder {{${key}}} has no value`);
    return escape(v);
  });
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/gu, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
