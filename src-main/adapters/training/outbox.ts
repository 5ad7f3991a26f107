import type { OutboxMessage } from '../../common/dto';
import { smsSegments } from '../../domain/sms-text';
import type { MailMessage, MailRelay, RelayReceipt, SmsMessage, SmsRelay } from '../../domain/ports';

const MAX_KEPT = 200;

/**
 * Training mode's relays: nothing leaves the machine; each message lands in this in-memory Outbox so a
 * trainee sees what the caller's phone or mailbox would show. Gone when the app closes.
 */
export class Outbox {
  private readonly messages: OutboxMessage[] = [];
  private nextId = 1;

  constructor(private readonly now: () => Date = () => new Date()) {}

  push(m: Omit<OutboxMessage, 'id' | 'at'>): OutboxMessage {
    const full = { ...m, id: this.nextId++, at: this.now().toISOString() };
    this.messages.unshift(full);
    this.messages.length = Math.min(this.messages.length, MAX_KEPT);
    return full;
  }

  list(limit: number): OutboxMessage[] {
    return this.messages.slice(0, limit);
  }

  sms(): SmsRelay {
    return {
      provider: 'outbox',
      send: async (m: SmsMessage): Promise<RelayReceipt> => {
        const o = this.push({ channel: 'sms', to: m.to, subject: null, text: m.text, html: null, segments: smsSegments(m.text).segments });
        return { messageId: `outbox-${o.id}` };
      },
      close: async () => undefined,
    };
  }

  mail(): MailRelay {
    return {
      send: async (m: MailMessage): Promise<RelayReceipt> => {
        const o = this.push({ channel: 'email', to: m.to, subject: m.subject, text: m.text, html: m.html, segments: null });
        return { messageId: `outbox-${o.id}` };
      },
      close: async () => undefined,
    };
  }
}
