import type { HelpdeskApi } from '@common/api';
import { API_MANIFEST } from '@common/manifest';
import { createHttpBridge, takeTokenFromUrl, TOKEN_KEY } from './http-bridge';

function readToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function choose(): HelpdeskApi {
  if (window.helpdesk) return window.helpdesk;
  try {
    takeTokenFromUrl(window.location, window.history, window.sessionStorage);
  } catch {
    // Storage refused (private mode): calls go out without a token and come back FORBIDDEN_SENDER.
  }
  return createHttpBridge({ manifest: API_MANIFEST, token: readToken });
}

/**
 * The contract as the UI sees it: the Electron preload's `window.helpdesk` when present, otherwise the
 * HTTP bridge to the web harness. Import this, never `window.helpdesk` directly.
 */
export const api: HelpdeskApi = choose();

/** True when running inside Electron (the preload exposed the API). */
export const inElectron = window.helpdesk !== undefined;
