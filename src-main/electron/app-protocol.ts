import { PAGE_SECURITY_HEADERS, readPageAsset } from '../app/page-assets';

/**
 * The desktop app's page is served from `app://helpdesk/`, a custom scheme registered as standard and
 * secure (Electron security checklist item 18: no `file://`, which can read any local file). Only the
 * built renderer folder is reachable, only GET/HEAD, only the file types of app/page-assets.ts.
 * No Electron import here: main.ts registers it, unit tests call `answerAppRequest` directly.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'helpdesk';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_PATH = '/index.html';
export const APP_ENTRY_URL = `${APP_ORIGIN}${APP_PATH}`;

/** Privileges for protocol.registerSchemesAsPrivileged: a real origin for ES modules and storage; no fetch/CORS/CSP bypass. */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true } as const;

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: { ...PAGE_SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' } });
}

/** The answer to one request on the app scheme, from the files under `rendererDir`. */
export async function answerAppRequest(req: { method: string; url: string }, rendererDir: string): Promise<Response> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return plain(405, 'Method Not Allowed');
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return plain(400, 'Bad Request');
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST || url.username !== '' || url.password !== '') return plain(404, 'Not Found');
  const a = await readPageAsset(rendererDir, url.pathname);
  return new Response(req.method === 'HEAD' ? null : a.body, { status: a.status, headers: { ...PAGE_SECURITY_HEADERS, 'Content-Type': a.type } });
}
