/**
 * SMS gateway sinks for integration tests: real protocol servers on 127.0.0.1, on free ports.
 *
 *   const http = await startHttpSmsSink({ esms: { apiKey, secretKey }, speedSmsToken });
 *   http.answerNext({ status: 500 });          // script faults; otherwise the gateway's own answers
 *   ... http.requests, http.countFor(requestId) ...
 *   await http.close();
 *
 *   const smsc = await startSmppSink({ systemId: 'helpdesk', password: 'pw' });
 *   smsc.failNextSubmit(ESME_RTHROTTLED);
 *   ... smsc.submits, smsc.binds ...
 *   await smsc.close();
 *
 * Nothing is registered globally: the caller must call close(), which frees the port and every socket.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import smpp, { type PDU, type Server as SmppServer, type Session } from 'smpp';

// ---------------------------------------------------------------------------------------------
// HTTP gateways (eSMS, SpeedSMS, generic)

export const ESMS_PATH = '/MainService.svc/json/SendMultipleMessage_V4_post_json/';
export const SPEEDSMS_PATH = '/index.php/sms/send';
export const GENERIC_PATH = '/generic/send';

export type GatewayKind = 'esms' | 'speedsms' | 'generic';

/** One request as the sink received it. */
export interface SinkRequest {
  kind: GatewayKind;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  raw: string;
  /** JSON for application/json, the fields for a form body, else null. */
  body: unknown;
  /** RequestId (eSMS), requestId (generic body or query); null when none. */
  requestId: string | null;
}

/** A scripted answer for the next request (whatever its path). */
export type SinkAnswer =
  | {
      status?: number;
      /** Sent as JSON. */
      json?: unknown;
      /** Sent as is (for malformed answers). */
      raw?: string;
      /** Wait this long before answering. */
      delayMs?: number;
    }
  | { hangUp: true };

export interface HttpSmsSinkOptions {
  esms?: { apiKey: string; secretKey: string };
  speedSmsToken?: string;
  /** The generic path checks this header when given. */
  genericHeader?: { name: string; value: string };
  /** Serve HTTPS with a throwaway self-signed certificate (that clients do not trust). */
  tls?: boolean;
}

export interface HttpSmsSink {
  baseUrl: string;
  esmsUrl: string;
  speedSmsUrl: string;
  genericUrl: string;
  requests: SinkRequest[];
  /** TCP connections accepted (also counts connections that never got to send a request). */
  connections(): number;
  answerNext(...answers: SinkAnswer[]): void;
  countFor(requestId: string): number;
  reset(): void;
  close(): Promise<void>;
}

export async function startHttpSmsSink(opts: HttpSmsSinkOptions = {}): Promise<HttpSmsSink> {
  const requests: SinkRequest[] = [];
  const script: SinkAnswer[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  let connections = 0;
  let serial = 0;

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded = record(req, Buffer.concat(chunks).toString('utf8'));
      requests.push(recorded);
      serial += 1;
      const answer = script.shift() ?? defaultAnswer(recorded, opts, serial);
      respond(req, res, answer, timers);
    });
  };
  const tls = opts.tls ? await selfSignedCertificate() : null;
  const server: HttpServer = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, handler) : createHttpServer(handler);
  server.on('connection', (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // A client refusing the certificate makes the TLS server emit this; nothing to do.
  server.on('tlsClientError', () => undefined);
  const port = await listen(server);
  const baseUrl = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;

  return {
    baseUrl,
    esmsUrl: `${baseUrl}${ESMS_PATH}`,
    speedSmsUrl: `${baseUrl}${SPEEDSMS_PATH}`,
    genericUrl: `${baseUrl}${GENERIC_PATH}`,
    requests,
    connections: () => connections,
    answerNext: (...answers) => void script.push(...answers),
    countFor: (requestId) => requests.filter((r) => r.requestId === requestId).length,
    reset: () => {
      requests.length = 0;
      script.length = 0;
      connections = 0;
      serial = 0;
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function kindOf(path: string): GatewayKind {
  if (path.includes('SendMultipleMessage_V4_post_json')) return 'esms';
  if (path === SPEEDSMS_PATH) return 'speedsms';
  return 'generic';
}

function record(req: IncomingMessage, raw: string): SinkRequest {
  const url = new URL(req.url ?? '/', 'http://sink');
  const query = Object.fromEntries(url.searchParams);
  const body = parseBody(req.headers['content-type'] ?? '', raw);
  const fromBody = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const id = fromBody.RequestId ?? fromBody.requestId ?? query.requestId;
  return {
    kind: kindOf(url.pathname),
    method: req.method ?? '',
    path: url.pathname,
    query,
    headers: req.headers,
    raw,
    body,
    requestId: typeof id === 'string' ? id : null,
  };
}

function parseBody(contentType: string, raw: string): unknown {
  if (contentType.startsWith('application/json')) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return null;
    }
  }
  if (contentType.startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  return null;
}

/** What the real gateway would answer. */
function defaultAnswer(r: SinkRequest, opts: HttpSmsSinkOptions, serial: number): SinkAnswer {
  const body = (r.body ?? {}) as Record<string, unknown>;
  if (r.kind === 'esms') {
    const ok = opts.esms !== undefined && body.ApiKey === opts.esms.apiKey && body.SecretKey === opts.esms.secretKey;
    return ok
      ? { json: { CodeResult: '100', CountRegenerate: 0, SMSID: `esms-${serial}` } }
      : { json: { CodeResult: '101', CountRegenerate: 0, ErrorMessage: 'Authorize Failed' } };
  }
  if (r.kind === 'speedsms') {
    const expected = `Basic ${Buffer.from(`${opts.speedSmsToken ?? ''}:x`).toString('base64')}`;
    return r.headers.authorization === expected
      ? { json: { status: 'success', code: '00', data: { tranId: 7000 + serial, totalSMS: 1, totalPrice: 250, invalidPhone: [] } } }
      : { status: 401, json: { status: 'error', code: '007', message: 'unauthorized' } };
  }
  const header = opts.genericHeader;
  if (header && r.headers[header.name.toLowerCase()] !== header.value) return { status: 401, json: { error: 'unauthorized' } };
  return { json: { result: { status: 'ok', id: `gen-${serial}` } } };
}

function respond(req: IncomingMessage, res: ServerResponse, answer: SinkAnswer, timers: Set<NodeJS.Timeout>): void {
  if ('hangUp' in answer) {
    req.socket.destroy();
    return;
  }
  const send = (): void => {
    if (res.destroyed || req.socket.destroyed) return;
    const text = answer.raw ?? (answer.json === undefined ? '' : JSON.stringify(answer.json));
    res.writeHead(answer.status ?? 200, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(text);
  };
  if (!answer.delayMs) {
    send();
    return;
  }
  const t = setTimeout(() => {
    timers.delete(t);
    send();
  }, answer.delayMs);
  timers.add(t);
}

// ---------------------------------------------------------------------------------------------
// SMPP (an SMSC from the `smpp` package's server)

export interface SmppSinkOptions {
  systemId: string;
  password: string;
  /** ssmpp:// with a throwaway self-signed certificate; its PEM is in `caPem`. */
  tls?: boolean;
}

export interface SmppBind {
  systemId: string;
  systemType: string;
  accepted: boolean;
}

/** One submit_sm as received. */
export interface SmppSubmit {
  source_addr: string;
  source_addr_ton: number;
  source_addr_npi: number;
  destination_addr: string;
  dest_addr_ton: number;
  dest_addr_npi: number;
  /** short_message (or message_payload) decoded by data_coding. */
  text: string;
  usedPayload: boolean;
  data_coding: number;
  registered_delivery: number;
}

export interface SmppSink {
  url: string;
  /** The server certificate (PEM) when tls: give it to the client as its CA. */
  caPem: string | null;
  binds: SmppBind[];
  submits: SmppSubmit[];
  unbinds(): number;
  /** Sessions open now. */
  sessionCount(): number;
  /** The next submit_sm is answered with this command_status. */
  failNextSubmit(status: number): void;
  /** The next submit_sm gets no answer at all. */
  ignoreNextSubmit(): void;
  /** The next enquire_link gets no answer (a session that died silently). */
  ignoreNextEnquireLink(): void;
  /** The SMSC drops every session (sockets destroyed) and waits until they are closed. */
  dropSessions(): Promise<void>;
  close(): Promise<void>;
}

export async function startSmppSink(opts: SmppSinkOptions): Promise<SmppSink> {
  const binds: SmppBind[] = [];
  const submits: SmppSubmit[] = [];
  const plan: Array<number | 'ignore'> = [];
  const sessions = new Set<Session>();
  let unbinds = 0;
  let serial = 0;
  let silentEnquireLinks = 0;
  const tls = opts.tls ? await selfSignedCertificate() : null;

  const onSession = (session: Session): void => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => undefined);
    let bound = false;
    session.on('bind_transceiver', (pdu: PDU) => {
      const accepted = pdu.system_id === opts.systemId && pdu.password === opts.password;
      binds.push({ systemId: text(pdu.system_id), systemType: text(pdu.system_type), accepted });
      bound = accepted;
      session.send(pdu.response(accepted ? { system_id: 'sink' } : { command_status: smpp.ESME_RBINDFAIL }));
    });
    session.on('submit_sm', (pdu: PDU) => {
      if (!bound) {
        session.send(pdu.response({ command_status: 0x04 /* ESME_RINVBNDSTS */ }));
        return;
      }
      submits.push(submitOf(pdu));
      const next = plan.shift() ?? 0;
      if (next === 'ignore') return;
      serial += 1;
      session.send(pdu.response(next === 0 ? { message_id: `smsc-${serial}` } : { command_status: next }));
    });
    session.on('enquire_link', (pdu: PDU) => {
      if (silentEnquireLinks > 0) silentEnquireLinks -= 1;
      else session.send(pdu.response());
    });
    session.on('unbind', (pdu: PDU) => {
      unbinds += 1;
      session.send(pdu.response());
      session.close();
    });
  };
  const server: SmppServer = smpp.createServer(tls ? { key: tls.key, cert: tls.cert } : {}, onSession);
  server.on('tlsClientError', () => undefined);
  const port = await listen(server);

  const drop = async (): Promise<void> => {
    await Promise.all([...sessions].map((s) => new Promise<void>((resolve) => s.destroy(() => resolve()))));
  };
  return {
    url: `${tls ? 'ssmpp' : 'smpp'}://127.0.0.1:${port}`,
    caPem: tls?.cert ?? null,
    binds,
    submits,
    unbinds: () => unbinds,
    sessionCount: () => sessions.size,
    failNextSubmit: (status) => void plan.push(status),
    ignoreNextSubmit: () => void plan.push('ignore'),
    ignoreNextEnquireLink: () => void (silentEnquireLinks += 1),
    dropSessions: drop,
    close: async () => {
      await drop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : -1;
}

/** The library decodes short_message / message_payload to `{ message: string }` (by data_coding). */
function messageText(v: unknown): string | null {
  if (v === null || typeof v !== 'object' || Buffer.isBuffer(v)) return null;
  const m = (v as { message?: unknown }).message;
  if (typeof m === 'string') return m;
  return Buffer.isBuffer(m) ? m.toString('latin1') : null;
}

function submitOf(pdu: PDU): SmppSubmit {
  const payload = messageText(pdu.message_payload);
  return {
    source_addr: text(pdu.source_addr),
    source_addr_ton: num(pdu.source_addr_ton),
    source_addr_npi: num(pdu.source_addr_npi),
    destination_addr: text(pdu.destination_addr),
    dest_addr_ton: num(pdu.dest_addr_ton),
    dest_addr_npi: num(pdu.dest_addr_npi),
    text: payload ?? messageText(pdu.short_message) ?? '',
    usedPayload: payload !== null,
    data_coding: num(pdu.data_coding),
    registered_delivery: num(pdu.registered_delivery),
  };
}

// ---------------------------------------------------------------------------------------------
// shared

function listen(server: { listen(port: number, host: string, cb: () => void): unknown; address(): AddressInfo | string | null; once(e: 'error', cb: (err: Error) => void): unknown }): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address !== null && typeof address === 'object') resolve(address.port);
      else reject(new Error('sink: could not read the listening port'));
    });
  });
}

/** A throwaway self-signed certificate for 127.0.0.1 / localhost (openssl CLI, P-256 key). */
export async function selfSignedCertificate(): Promise<{ key: string; cert: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'helpdesk-sms-tls-'));
  try {
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ]);
    return { key: await readFile(join(dir, 'key.pem'), 'utf8'), cert: await readFile(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
