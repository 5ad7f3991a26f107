import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_CSP, PAGE_SECURITY_HEADERS, resolvePageAsset } from '../../src-main/app/page-assets';
import { answerAppRequest, APP_ENTRY_URL } from '../../src-main/electron/app-protocol';

// Checklist item 18: the desktop page comes from app://helpdesk/, which reaches the built renderer
// folder and nothing else.
let work: string;
let root: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'helpdesk-protocol-'));
  root = join(work, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Helpdesk</title>');
  writeFileSync(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(join(root, 'assets', 'index-abc.js.map'), '{}');
  writeFileSync(join(root, 'notes.txt'), 'not served');
  mkdirSync(join(root, 'folder.js'));
  writeFileSync(join(work, 'secret.html'), 'outside the renderer');
  writeFileSync(join(work, 'renderer-evil.html'), 'a sibling whose name starts like the root');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const get = (url: string, method = 'GET') => answerAppRequest({ method, url }, root);

describe('app:// protocol', () => {
  it('serves the page with its type and the security headers', async () => {
    const r = await get(APP_ENTRY_URL);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await r.text()).toContain('<title>Helpdesk</title>');
    const root2 = await get('app://helpdesk/');
    expect(await root2.text()).toContain('<title>Helpdesk</title>');
  });

  it('serves a module chunk as JavaScript (ES modules refuse any other type)', async () => {
    const r = await get('app://helpdesk/assets/index-abc.js');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await r.text()).toBe('console.log(1)');
  });

  it('answers HEAD without a body', async () => {
    const r = await get(APP_ENTRY_URL, 'HEAD');
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('');
  });

  it.each<[string, string, number]>([
    ['an encoded parent segment', 'app://helpdesk/..%2fsecret.html', 404],
    ['an encoded parent segment in a folder', 'app://helpdesk/assets/..%2f..%2fsecret.html', 404],
    ['a sibling folder with the same prefix', 'app://helpdesk/..%2frenderer-evil.html', 404],
    ['an encoded backslash', 'app://helpdesk/..%5csecret.html', 400],
    ['an encoded NUL', 'app://helpdesk/index.html%00.js', 400],
    ['broken percent-encoding', 'app://helpdesk/%E0%A4%A.js', 400],
    ['a type that is not served (source map)', 'app://helpdesk/assets/index-abc.js.map', 404],
    ['a type that is not served (text)', 'app://helpdesk/notes.txt', 404],
    ['a folder', 'app://helpdesk/folder.js', 404],
    ['a missing file', 'app://helpdesk/assets/missing.js', 404],
    ['another host', 'app://evil/index.html', 404],
    ['credentials in the URL', 'app://user:pw@helpdesk/index.html', 404],
    ['another scheme', 'file:///etc/passwd', 404],
  ])('refuses %s', async (_what, url, status) => {
    const r = await get(url);
    expect(r.status).toBe(status);
    const body = await r.text();
    expect(body).not.toContain('outside the renderer');
    expect(body).not.toContain('a sibling');
  });

  it('refuses every method but GET and HEAD', async () => {
    for (const m of ['POST', 'PUT', 'DELETE', 'OPTIONS']) expect((await get(APP_ENTRY_URL, m)).status).toBe(405);
  });

  it('dot segments are folded by the URL parser and stay inside the folder', async () => {
    // app://helpdesk/../secret.html is /secret.html for any URL parser: under the root, so not found.
    expect((await get('app://helpdesk/../secret.html')).status).toBe(404);
    expect((await get('app://helpdesk/%2e%2e/secret.html')).status).toBe(404);
    expect((await get('app://helpdesk/assets/../index.html')).status).toBe(200);
  });
});

describe('resolvePageAsset (shared with the web harness)', () => {
  it('maps / to index.html and keeps to the root', () => {
    expect(resolvePageAsset(root, '/')).toEqual({ ok: true, file: join(root, 'index.html'), type: 'text/html; charset=utf-8' });
    expect(resolvePageAsset(root, '/..%2f..%2fetc%2fpasswd')).toEqual({ ok: false, status: 404 });
    expect(resolvePageAsset(root, '/%2e%2e%2fsecret.html')).toEqual({ ok: false, status: 404 });
    expect(resolvePageAsset(root, '/ASSETS/INDEX-ABC.JS')).toMatchObject({ ok: true, type: 'text/javascript; charset=utf-8' });
  });
});

describe('the page CSP is one policy', () => {
  it('the meta tag of index.html states exactly PAGE_CSP; the header adds only what a meta tag cannot carry', () => {
    const html = readFileSync(join(__dirname, '..', '..', 'src-renderer', 'index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/u.exec(html)?.[1];
    expect(meta).toBe(PAGE_CSP);
    expect(PAGE_SECURITY_HEADERS['Content-Security-Policy']).toBe(`${PAGE_CSP}; frame-ancestors 'none'`);
  });
});
