import type { CaseView, MaskedContact, VerificationChannel } from '@common/dto';

/**
 * The caller-verification step of the case wizard, as pure functions of the server's CaseView and the
 * client clock. The main process enforces every rule; these only decide what the operator sees.
 */

/**
 * Where the wizard stands. `expired`: the server's expiresAt has passed by the client clock. `again`:
 * the channel step reached back from the code step (a code was sent; it stands until a new one goes).
 */
export type WizardStep =
  | { kind: 'reason' }
  | { kind: 'channel'; again: boolean }
  | { kind: 'code'; expired: boolean }
  | { kind: 'verified'; expired: boolean }
  | { kind: 'closed' };

export function assertNever(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`);
}

/** Milliseconds from `now` until an ISO time (negative once it has passed; 0 for null or nonsense). */
export function msUntil(iso: string | null, now: number): number {
  if (iso === null) return 0;
  const at = Date.parse(iso);
  return Number.isNaN(at) ? 0 : at - now;
}

export function wizardStep(c: CaseView | null, now: number, changingChannel = false): WizardStep {
  if (c === null) return { kind: 'reason' };
  const lapsed = msUntil(c.expiresAt, now) <= 0;
  switch (c.status) {
    case 'open':
      return { kind: 'channel', again: false };
    case 'code-sent':
      return changingChannel ? { kind: 'channel', again: true } : { kind: 'code', expired: lapsed };
    case 'verified':
      // Used by a reset: nothing more without a new code, as when it runs out.
      return { kind: 'verified', expired: lapsed || c.verificationSpent === 'reset' };
    case 'expired':
      // A verification that ran out stays a verification (it needs a new code); an unused code is just expired.
      if (c.verifiedAt !== null) return { kind: 'verified', expired: true };
      return changingChannel ? { kind: 'channel', again: true } : { kind: 'code', expired: true };
    case 'closed':
      return { kind: 'closed' };
    default:
      return assertNever(c.status);
  }
}

/** Whether the next send may go now, and if not, why (for the button and `resend-info`). */
export type SendState =
  | { kind: 'ready' }
  | { kind: 'wait'; ms: number }
  | { kind: 'none-left' }
  | { kind: 'attempts-exhausted' };

/** The next send by `channel` (the spacing is the channel's own; the day's sends count both). */
export function sendState(c: CaseView, channel: VerificationChannel | null, now: number): SendState {
  if (c.attemptsLeft <= 0) return { kind: 'attempts-exhausted' };
  if (c.resend.remainingToday <= 0) return { kind: 'none-left' };
  const ms = channel === null ? 0 : msUntil(c.resend.availableAt[channel], now);
  return ms > 0 ? { kind: 'wait', ms } : { kind: 'ready' };
}

/**
 * The code that a send by `channel` would void: the case's code still live by the other channel (its
 * channel and when it went), or null.
 */
export function codeVoidedBy(c: CaseView, channel: VerificationChannel | null, now: number): { channel: VerificationChannel; sentAt: string } | null {
  if (c.status !== 'code-sent' || c.channel === null || c.sentAt === null || channel === null || channel === c.channel) return null;
  return msUntil(c.expiresAt, now) > 0 ? { channel: c.channel, sentAt: c.sentAt } : null;
}

/** One channel as offered: its masked destination, or the message key of why it cannot be used. */
export interface ChannelOption {
  channel: VerificationChannel;
  usable: boolean;
  masked: string | null;
  /** i18n key of the reason it is unusable. */
  reasonKey: string | null;
}

const UNUSABLE: Record<VerificationChannel, { missing: string; invalid: string }> = {
  sms: { missing: 'account.noMobile', invalid: 'account.invalidMobile' },
  email: { missing: 'account.noBackupEmail', invalid: 'account.invalidBackupEmail' },
};

export function channelOption(channel: VerificationChannel, contact: MaskedContact): ChannelOption {
  if (contact.status === 'present' && contact.masked) {
    return { channel, usable: true, masked: contact.masked, reasonKey: null };
  }
  const keys = UNUSABLE[channel];
  return { channel, usable: false, masked: null, reasonKey: contact.status === 'invalid' ? keys.invalid : keys.missing };
}

export function channelOptions(c: CaseView): ChannelOption[] {
  return [channelOption('sms', c.channels.sms), channelOption('email', c.channels.email)];
}

/** The channel to preselect: the one used last, else SMS, else e-mail, when usable; null when none is. */
export function defaultChannel(c: CaseView): VerificationChannel | null {
  const usable = channelOptions(c).filter((o) => o.usable).map((o) => o.channel);
  if (c.channel && usable.includes(c.channel)) return c.channel;
  return usable[0] ?? null;
}

/**
 * What the operator typed or pasted, with white space removed (" 123 456 " → "123456"). Nothing else
 * is changed: whether it is a code is the main process's decision.
 */
export function cleanCodeInput(text: string): string {
  return text.replace(/\s+/gu, '');
}
