import { randomUUID } from 'node:crypto';
import type { OperatorInfo, VerificationChannel } from '../../common/dto';
import type { Case } from '../../domain/case';
import type { MailRelay, SmsRelay } from '../../domain/ports';
import { escapeHtml, fillTemplate, smsSegments, unaccentedSms } from '../../domain/sms-text';

/** Message templates from resources/templates (placeholders {{agency}} {{username}} {{name}} {{code}} {{minutes}} {{operator}}). */
export interface MessageTemplates {
  sms: string;
  mailSubject: string;
  mailText: string;
  mailHtml: string;
  passwordSms: string;
  passwordMailSubject: string;
  passwordMailText: string;
  passwordMailHtml: string;
  contactNoticeSms: string;
  contactNoticeMailSubject: string;
  contactNoticeMailText: string;
}

/** The templates of one kind of message, for both channels (no HTML: derived from the text). */
export interface TemplateSet {
  sms: string;
  subject: string;
  text: string;
  html: string | null;
}

export type MessageKind = 'code' | 'password' | 'notice';

function templateSet(t: MessageTemplates, kind: MessageKind): TemplateSet {
  switch (kind) {
    case 'code':
      return { sms: t.sms, subject: t.mailSubject, text: t.mailText, html: t.mailHtml };
    case 'password':
      return { sms: t.passwordSms, subject: t.passwordMailSubject, text: t.passwordMailText, html: t.passwordMailHtml };
    case 'notice':
      return { sms: t.contactNoticeSms, subject: t.contactNoticeMailSubject, text: t.contactNoticeMailText, html: null };
  }
}

/** Plain text as a minimal HTML body: paragraphs, line breaks, everything escaped. */
function textToHtml(text: string): string {
  const paras = text.split(/\n{2,}/u).map((para) => `<p>${escapeHtml(para).replace(/\n/gu, '<br>')}</p>`);
  return `<!doctype html><html lang="vi"><body>${paras.join('')}</body></html>`;
}

export interface MessengerDeps {
  templates: MessageTemplates;
  agencyName: () => string;
  requireOperator: () => OperatorInfo;
  relays: () => Promise<{ sms: SmsRelay; mail: MailRelay }>;
}

/** The code as the SMS preview shows it: the message is measured, the code never shown. */
const CODE_MASK = '******';

/** What the caller receives: templates filled for a case, sent through the relay of the channel. */
export interface Messenger {
  /** The placeholders of a case's messages (`extra` adds e.g. the password or the contact kind). */
  values(c: Case, code: string, minutes: number, extra?: Record<string, string>): Record<string, string>;
  /** One message through the relay of its channel: SMS unaccented (GSM-7), e-mail with text and HTML bodies. */
  deliver(kind: MessageKind, channel: VerificationChannel, to: string, values: Record<string, string>, requestId?: string): Promise<string | null>;
  /** The code SMS as it will be sent, the code masked, with its length and segments. */
  smsPreview(c: Case, minutes: number): { text: string; characters: number; segments: number; encoding: 'GSM-7' | 'UCS-2' };
}

export function createMessenger(deps: MessengerDeps): Messenger {
  const values: Messenger['values'] = (c, code, minutes, extra = {}) => ({
    agency: deps.agencyName(),
    username: c.accountUsername,
    name: c.accountDisplayName,
    code,
    minutes: String(minutes),
    operator: deps.requireOperator().displayName,
    ...extra,
  });
  return {
    values,
    async deliver(kind, channel, to, v, requestId = randomUUID()) {
      const set = templateSet(deps.templates, kind);
      const relays = await deps.relays();
      if (channel === 'sms') {
        return (await relays.sms.send({ to, text: unaccentedSms(fillTemplate(set.sms.trim(), v)), requestId })).messageId;
      }
      const text = fillTemplate(set.text, v);
      const html = set.html ? fillTemplate(set.html, v, escapeHtml) : textToHtml(text);
      return (await relays.mail.send({ to, subject: fillTemplate(set.subject.trim(), v), text, html, requestId })).messageId;
    },
    smsPreview(c, minutes) {
      const text = unaccentedSms(fillTemplate(deps.templates.sms.trim(), values(c, CODE_MASK, minutes)));
      const seg = smsSegments(text);
      return { text, characters: seg.characters, segments: seg.segments, encoding: seg.encoding };
    },
  };
}
