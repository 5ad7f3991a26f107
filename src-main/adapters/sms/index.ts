import type { SmsSettings } from '../../common/settings';
import { HelpdeskError } from '../../domain/errors';
import type { RelayReceipt, SmsRelay } from '../../domain/ports';
import { type EsmsSecret, EsmsRelay } from './esms';
import { HttpSmsRelay } from './generic-http';
import { SmppRelay } from './smpp';
import { SpeedSmsRelay } from './speedsms';

export { EsmsRelay } from './esms';
export { HttpSmsRelay } from './generic-http';
export { SmppRelay } from './smpp';
export { SpeedSmsRelay } from './speedsms';

/**
 * Builds the SMS relay for the settings. `secret` is the keychain string: for esms the JSON
 * `{"apiKey":"…","secretKey":"…"}`, for speedsms the access token, for http the secret header's
 * value (or null when no secret header is configured), for smpp the password. A missing or
 * unreadable secret is reported when sending (RELAY_AUTH "secret missing"), so the app can start
 * and show the settings.
 */
export function createSmsRelay(settings: SmsSettings, secret: string | null): SmsRelay {
  const value = secret === null || secret === '' ? null : secret;
  switch (settings.provider) {
    case 'none':
      return refusingRelay('none', () => new HelpdeskError('RELAY_NOT_CONFIGURED'));
    case 'esms': {
      const keys = parseEsmsSecret(value);
      return keys ? new EsmsRelay(settings, keys) : secretMissingRelay(settings.provider);
    }
    case 'speedsms':
      return value ? new SpeedSmsRelay(settings, { accessToken: value }) : secretMissingRelay(settings.provider);
    case 'http':
      return new HttpSmsRelay(settings, value ? { headerValue: value } : null);
    case 'smpp':
      return value ? new SmppRelay(settings, { password: value }) : secretMissingRelay(settings.provider);
  }
}

/** The eSMS keychain entry; null when absent or not the expected JSON (never echoing it). */
export function parseEsmsSecret(secret: string | null): EsmsSecret | null {
  if (secret === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret);
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== 'object') return null;
  const { apiKey, secretKey } = parsed as Record<string, unknown>;
  if (typeof apiKey !== 'string' || typeof secretKey !== 'string' || apiKey === '' || secretKey === '') return null;
  return { apiKey, secretKey };
}

function secretMissingRelay(provider: string): SmsRelay {
  return refusingRelay(provider, () => new HelpdeskError('RELAY_AUTH', { detail: 'secret missing' }));
}

function refusingRelay(provider: string, error: () => HelpdeskError): SmsRelay {
  return {
    provider,
    send: async (): Promise<RelayReceipt> => {
      throw error();
    },
    close: async () => undefined,
  };
}
