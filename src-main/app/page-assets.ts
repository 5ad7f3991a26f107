import { readFile, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/**
 * The built renderer as served to a page: by the desktop app's `app://helpdesk/` protocol and by the
 * web harness over HTTP. One place for which files may be served, with which type and headers.
 */

/**
 * The page's Content-Security-Policy as the meta tag of src-renderer/index.html states it (a unit test
 * keeps the two equal), sent as a header too with what only a header can carry (frame-ancestors).
 */
export const PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";

/** Response headers of every page asset. */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': `${PAGE_CSP}; frame-ancestors 'none'`,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** The only file types served; anything else is "not found". */
export const PAGE_CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export type PageAsset = { ok: true; file: string; type: string } | { ok: false; status: 400 | 404 };

/**
 * The file under `root` that a URL path names ("/" is index.html), or why not: a path that is not valid
 * percent-encoding or carries NUL or a backslash is 400; one that leaves `root` or names a type not in
 * the list is 404. Pure: whether the file exists is the caller's question.
 */
export function resolvePageAsset(root: string, pathname: string): PageAsset {
  let rel: string;
  try {
    rel = pathname === '/' || pathname === '' ? 'index.html' : decodeURIComponent(pathname.replace(/^\/+/u, ''));
  } catch {
    return { ok: false, status: 400 };
  }
  if (rel.includes('\0') || rel.includes('\\')) return { ok: false, status: 400 };
  const base = resolve(root);
  const file = resolve(join(base, rel));
  const inside = relative(base, file);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) return { ok: false, status: 404 };
  const type = PAGE_CONTENT_TYPES[extname(file).toLowerCase()];
  if (type === undefined) return { ok: false, status: 404 };
  return { ok: true, file, type };
}

/** What to answer for a page asset: the file with its type, or a plain-text 400/404. */
export interface PageAnswer {
  status: number;
  type: string;
  body: Uint8Array<ArrayBuffer> | string;
}

/** Reads the asset a URL path names (resolvePageAsset), or says why not; never throws. */
export async function readPageAsset(root: string, pathname: string): Promise<PageAnswer> {
  const asset = resolvePageAsset(root, pathname);
  const refused = (status: 400 | 404): PageAnswer => ({ status, type: 'text/plain; charset=utf-8', body: status === 400 ? 'Bad Request' : 'Not Found' });
  if (!asset.ok) return refused(asset.status);
  try {
    if (!(await stat(asset.file)).isFile()) return refused(404);
    return { status: 200, type: asset.type, body: await readFile(asset.file) };
  } catch {
    return refused(404);
  }
}
