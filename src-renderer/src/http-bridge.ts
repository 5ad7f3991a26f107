import type { HelpdeskApi } from '@common/api';
import { buildApi } from '@common/manifest';
import type { ApiError, Result } from '@common/result';

/** The run-time list of contract methods by group (API_MANIFEST's shape). */
export type Manifest = Readonly<Record<string, readonly string[]>>;

export interface HttpBridgeOptions {
  manifest: Manifest;
  /** The bearer token for the web harness, read on every call. */
  token: () => string | null;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Prefix of the API paths; `/api` by default. */
  base?: string;
}

const networkFailure = (): Result<never> => ({ ok: false, error: { code: 'INTERNAL', detail: 'network' } });

function isResult(value: unknown): value is Result<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { ok?: unknown; error?: unknown };
  if (v.ok === true) return 'value' in v;
  if (v.ok !== false || typeof v.error !== 'object' || v.error === null) return false;
  return typeof (v.error as ApiError).code === 'string';
}

/**
 * The contract over HTTP, for the web harness: `POST /api/<group>/<method>` with the input object as
 * JSON and the per-run token as a bearer token. The body is a Result, on 4xx too; anything that is not
 * a Result (network failure, proxy page) becomes an INTERNAL error result. Never throws.
 */
export function createHttpBridge(opts: HttpBridgeOptions): HelpdeskApi {
  const doFetch = opts.fetch ?? ((input, init) => fetch(input, init));
  const base = opts.base ?? '/api';
  const call = async (group: string, method: string, input: unknown): Promise<Result<unknown>> => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    const token = opts.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await doFetch(`${base}/${group}/${method}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(input ?? {}),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch {
      return networkFailure();
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      return { ok: false, error: { code: 'INTERNAL', detail: `http ${response.status}` } };
    }
    return isResult(body) ? body : { ok: false, error: { code: 'INTERNAL', detail: `http ${response.status}` } };
  };

  return buildApi((group, method) => (input?: unknown) => call(group, method, input), { manifest: opts.manifest, freeze: true });
}

export const TOKEN_KEY = 'helpdesk.token';

/**
 * Moves the `token` query parameter of the page URL into session storage and removes it from the
 * address bar (and so from history), keeping the rest of the URL (the router's hash) intact.
 */
export function takeTokenFromUrl(loc: Location, hist: History, storage: Storage): void {
  const url = new URL(loc.href);
  const token = url.searchParams.get('token');
  if (token === null) return;
  if (token !== '') storage.setItem(TOKEN_KEY, token);
  url.searchParams.delete('token');
  hist.replaceState(hist.state, '', `${url.pathname}${url.search}${url.hash}`);
}
