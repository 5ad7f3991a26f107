import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { HelpdeskApi } from '../common/api';
import { fail } from '../common/result';
import { dispatch, pathEntry } from '../app/dispatch';
import { PAGE_SECURITY_HEADERS, readPageAsset } from '../app/page-assets';

export interface WebServerOptions {
  api: HelpdeskApi;
  /** The built renderer (out/renderer). */
  staticDir: string;
  /** Random per-run token; every API call must carry it as `Authorization: Bearer <token>`. */
  token: string;
  port?: number;
}

export interface WebServer {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

const MAX_BODY = 256 * 1024;

function send(res: ServerResponse, status: number, body: string | Uint8Array, type: string): void {
  res.writeHead(status, { ...PAGE_SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8');
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer ([A-Za-z0-9_-]{16,128})$/u.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]!);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Past MAX_BODY the body is read and dropped up to this much more (so the client gets its 413), then cut. */
const MAX_DRAIN = 16 * 1024 * 1024;

/** The body, or null once it passes MAX_BODY (answered 413 at once; the rest is drained, not cut mid-send). */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (over) {
        if (size > MAX_BODY + MAX_DRAIN) req.destroy();
        return;
      }
      if (size > MAX_BODY) {
        over = true;
        chunks.length = 0;
        resolveBody(null);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The web harness: the built renderer and the same HelpdeskApi over HTTP, on 127.0.0.1 only.
 * Host header pinned (no DNS rebinding), bearer token required, same schemas and errors as IPC.
 */
export function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const root = resolve(opts.staticDir);
  let port = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return send(res, 421, 'Misdirected', 'text/plain');
    const url = new URL(req.url ?? '/', `http://${host}`);

    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') return sendJson(res, 405, fail('UNKNOWN_METHOD'));
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== `http://${host}`) return sendJson(res, 403, fail('FORBIDDEN_SENDER'));
      if (!tokenMatches(req.headers.authorization, opts.token)) return sendJson(res, 401, fail('FORBIDDEN_SENDER'));
      const entry = pathEntry(url.pathname.slice('/api/'.length));
      if (!entry) return sendJson(res, 404, fail('UNKNOWN_METHOD'));
      if (!/^application\/json\b/u.test(req.headers['content-type'] ?? '')) {
        return sendJson(res, 415, fail('VALIDATION_FAILED', { reason: 'invalid_type' }));
      }
      const body = await readBody(req);
      if (body === null) return sendJson(res, 413, fail('VALIDATION_FAILED', { reason: 'too_long' }));
      let input: unknown;
      try {
        input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
      } catch {
        return sendJson(res, 400, fail('VALIDATION_FAILED', { reason: 'invalid_format' }));
      }
      return sendJson(res, 200, await dispatch(opts.api, entry, input));
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method Not Allowed', 'text/plain');
    const page = await readPageAsset(root, url.pathname);
    send(res, page.status, page.body, page.type);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, fail('INTERNAL'));
      else res.destroy();
    });
  });

  return new Promise((resolveServer, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      port = (server.address() as AddressInfo).port;
      resolveServer({
        server,
        port,
        url: `http://127.0.0.1:${port}/?token=${opts.token}`,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
