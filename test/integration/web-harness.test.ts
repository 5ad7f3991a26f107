import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HelpdeskApi } from '../../src-main/common/api';
import { API_MANIFEST } from '../../src-main/common/manifest';
import { ok } from '../../src-main/common/result';
import { startWebServer, type WebServer } from '../../src-main/web/server';

const TOKEN = 'test-token-0123456789abcdef';
const calls: string[] = [];
const api = Object.fromEntries(
  Object.entries(API_MANIFEST).map(([g, ms]) => [
    g,
    Object.fromEntries(ms.map((m) => [m, vi.fn(async (input: unknown) => (calls.push(`${g}.${m}`), ok({ echo: input })))])),
  ]),
) as unknown as HelpdeskApi;

let web: WebServer;
let staticDir: string;

function call(path: string, opts: { body?: string; headers?: Record<string, string>; method?: string } = {}) {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: web.port,
        path,
        method: opts.method ?? 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...opts.headers },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

beforeAll(async () => {
  staticDir = mkdtempSync(join(tmpdir(), 'helpdesk-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Helpdesk</title>');
  web = await startWebServer({ api, staticDir, token: TOKEN });
});
afterAll(async () => {
  await web.close();
  rmSync(staticDir, { recursive: true, force: true });
});

describe('web harness', () => {
  it('listens on 127.0.0.1 and prints a URL with the token', () => {
    expect(web.url).toBe(`http://127.0.0.1:${web.port}/?token=${TOKEN}`);
    expect(web.server.address()).toMatchObject({ address: '127.0.0.1' });
  });

  it('serves the renderer with the CSP', async () => {
    const r = await call('/', { method: 'GET' });
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>Helpdesk</title>');
    expect(String(r.headers['content-security-policy'])).toContain("default-src 'self'; script-src 'self'");
    expect((await call('/../../etc/passwd', { method: 'GET' })).status).toBe(404);
    expect((await call('/%2e%2e/%2e%2e/etc/passwd', { method: 'GET' })).status).toBe(404);
  });

  it('calls the api with a valid token and input', async () => {
    calls.length = 0;
    const r = await call('/api/directory/search', { body: JSON.stringify({ query: ' annv ' }) });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ ok: true, value: { echo: { query: 'annv' } } });
    expect(calls).toEqual(['directory.search']);
  });

  it.each<[string, Parameters<typeof call>[1], number, string]>([
    ['no token', { body: '{}', headers: { authorization: '' } }, 401, 'FORBIDDEN_SENDER'],
    ['a wrong token', { body: '{}', headers: { authorization: 'Bearer wrong-token-0123456789abcd' } }, 401, 'FORBIDDEN_SENDER'],
    ['a foreign Origin', { body: '{}', headers: { origin: 'http://evil.example' } }, 403, 'FORBIDDEN_SENDER'],
    ['a foreign Host (DNS rebinding)', { body: '{}', headers: { host: 'evil.example' } }, 421, ''],
    ['a GET', { method: 'GET' }, 405, 'UNKNOWN_METHOD'],
    ['a non-JSON body type', { body: 'q=1', headers: { 'content-type': 'text/plain' } }, 415, 'VALIDATION_FAILED'],
    ['malformed JSON', { body: '{"query":' }, 400, 'VALIDATION_FAILED'],
    ['an oversize body', { body: JSON.stringify({ query: 'x'.repeat(300 * 1024) }) }, 413, 'VALIDATION_FAILED'],
    ['a bad argument', { body: JSON.stringify({ query: 42 }) }, 200, 'VALIDATION_FAILED'],
  ])('refuses %s and nothing reaches the app', async (_name, opts, status, code) => {
    calls.length = 0;
    const r = await call('/api/directory/search', opts);
    expect(r.status).toBe(status);
    if (code) expect(JSON.parse(r.body)).toMatchObject({ ok: false, error: { code } });
    expect(calls).toEqual([]);
  });

  it('refuses an unknown method', async () => {
    const r = await call('/api/directory/drop', { body: '{}' });
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body)).toEqual({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
  });
});
