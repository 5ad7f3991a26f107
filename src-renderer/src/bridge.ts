import type { HelpdeskApi } from '@common/api';
import { API_MANIFEST, buildApi } from '@common/manifest';
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

type LockListener = () => void;
const lockListeners = new Set<LockListener>();

/** Called whenever the main process answers SESSION_LOCKED, whichever view made the call. */
export function onSessionLocked(listener: LockListener): void {
  lockListeners.add(listener);
}

/** Every method of the contract, watched for SESSION_LOCKED on the way back. */
function watched(raw: HelpdeskApi): HelpdeskApi {
  return buildApi((group, method) => {
    const call = (raw as unknown as Record<string, Record<string, (input: unknown) => Promise<{ ok: boolean; error?: { code: string } }>>>)[group]![method]!;
    return async (input) => {
      const r = await call(input);
      if (!r.ok && r.error?.code === 'SESSION_LOCKED') for (const l of lockListeners) l();
      return r;
    };
  });
}

/**
 * The contract as the UI sees it: the Electron preload's `window.helpdesk` when present, otherwise the
 * HTTP bridge to the web harness. Import this, never `window.helpdesk` directly.
 */
export const api: HelpdeskApi = watched(choose());

/** True when running inside Electron (the preload exposed the API). */
export const inElectron = window.helpdesk !== undefined;
