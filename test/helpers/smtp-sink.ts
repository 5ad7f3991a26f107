/**
 * A throwaway SMTP server (smtp-server) on 127.0.0.1 for integration tests: a fresh self-signed CA and
 * server certificate (openssl CLI; SAN IP:127.0.0.1 and DNS:localhost), TLS required before AUTH,
 * AUTH required before MAIL (PLAIN/LOGIN), every accepted message parsed with mailparser.
 *
 *   const sink = await startSmtpSink({ tls: 'starttls', users: { relay: 'secret' } });
 *   try { ... sink.messages[0].subject ... } finally { await sink.close(); }
 *
 * Faults are scripted with `inject` and each is used once: close or stall the next connection, answer
 * the next RCPT TO / end of DATA with a 4xx/5xx reply, or drop the connection there without a reply.
 * `stats` counts what the server saw.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { simpleParser, type AddressObject, type Headers } from 'mailparser';
import { makeTestCertificates } from './test-ca';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/** `starttls`: plaintext greeting, STARTTLS required (587). `implicit`: TLS from the first byte (465). `none`: no TLS at all (to prove a client refuses it). */
export type SinkTls = 'starttls' | 'implicit' | 'none';

export interface SmtpSinkOptions {
  tls: SinkTls;
  /** user name → password accepted by AUTH PLAIN/LOGIN. */
  users: Record<string, string>;
}

/** `close`: accept the TCP connection and close it at once. `stall`: accept it and never greet (held until close()). */
export type ConnectFault = { at: 'connect'; action: 'close' | 'stall' };
/** Reply to the next RCPT TO, or to the end of the next message's DATA, with this code. */
export type ReplyFault = { at: 'rcpt' | 'data'; code: number; text?: string };
/** Drop the connection at the next RCPT TO, or after the next message's data, without replying. */
export type DropFault = { at: 'rcpt' | 'data'; action: 'drop' };
export type SinkFault = ConnectFault | ReplyFault | DropFault;

export interface SinkMessage {
  envelope: { mailFrom: string; rcptTo: string[] };
  authUser: string | null;
  from: { name: string; address: string } | null;
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string | null;
  headers: Headers;
  /** The message as received (transfer-encoded). */
  raw: string;
}

export interface SinkStats {
  connections: number;
  auth: number;
  authFailures: number;
  mailFrom: number;
  rcpt: number;
  data: number;
}

export interface SmtpSink {
  host: '127.0.0.1';
  port: number;
  /** The CA that signed the server certificate (PEM). */
  caPem: string;
  /** Messages accepted with 250, in order. */
  messages: SinkMessage[];
  stats: SinkStats;
  /** Errors smtp-server reported (e.g. a client that aborted the TLS handshake). */
  serverErrors: Error[];
  inject(fault: SinkFault): void;
  /** Closes every connection (stalled ones at once), stops listening, removes the certificates. Idempotent. */
  close(): Promise<void>;
}

/** How long close() waits for the connections to go away. */
const CLOSE_WAIT_MS = 2000;

interface TlsMaterial {
  key: string;
  cert: string;
  caPem: string;
}

export async function startSmtpSink(options: SmtpSinkOptions): Promise<SmtpSink> {
  const dir = await mkdtemp(join(tmpdir(), 'helpdesk-smtp-sink-'));
  try {
    const tls = await makeCertificates(dir);
    return await listen(options, tls, dir);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function listen(options: SmtpSinkOptions, tls: TlsMaterial, dir: string): Promise<SmtpSink> {
  const state = newState();
  const smtp = smtpServer(options, tls, state);
  const front = frontServer(smtp, state);
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(0, '127.0.0.1', () => resolve());
  });
  const address = front.address();
  if (address === null || typeof address !== 'object') throw new Error('startSmtpSink: no listening address');
  let closing: Promise<void> | null = null;
  return {
    host: '127.0.0.1',
    port: address.port,
    caPem: tls.caPem,
    messages: state.messages,
    stats: state.stats,
    serverErrors: state.serverErrors,
    inject: (fault) => state.faults.push(fault),
    close: () => (closing ??= shutdown(front, smtp, state, dir)),
  };
}

interface SinkState {
  messages: SinkMessage[];
  stats: SinkStats;
  serverErrors: Error[];
  faults: SinkFault[];
  /** Sockets stalled by a fault, never handed to smtp-server. */
  held: Set<Socket>;
}

function newState(): SinkState {
  return {
    messages: [],
    stats: { connections: 0, auth: 0, authFailures: 0, mailFrom: 0, rcpt: 0, data: 0 },
    serverErrors: [],
    faults: [],
    held: new Set(),
  };
}

/** Takes the first queued fault for this stage, if any. */
function takeFault(state: SinkState, at: 'connect'): ConnectFault | undefined;
function takeFault(state: SinkState, at: 'rcpt' | 'data'): ReplyFault | DropFault | undefined;
function takeFault(state: SinkState, at: SinkFault['at']): SinkFault | undefined {
  const i = state.faults.findIndex((f) => f.at === at);
  return i < 0 ? undefined : state.faults.splice(i, 1)[0];
}

function smtpError(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

// ---------------------------------------------------------------------------------------------
// servers

/**
 * The listening socket. It counts connections and applies connection faults, then hands the socket
 * to smtp-server (whose own net.Server never listens) exactly as a listener would.
 */
function frontServer(smtp: SMTPServer, state: SinkState): Server {
  return createServer((socket) => {
    state.stats.connections++;
    const fault = takeFault(state, 'connect');
    if (fault?.action === 'close') {
      socket.destroy();
    } else if (fault?.action === 'stall') {
      socket.on('error', () => undefined);
      state.held.add(socket);
    } else {
      smtp.server.emit('connection', socket);
    }
  });
}

function smtpServer(options: SmtpSinkOptions, tls: TlsMaterial, state: SinkState): SMTPServer {
  const server = new SMTPServer({
    secure: options.tls === 'implicit',
    key: tls.key,
    cert: tls.cert,
    minVersion: 'TLSv1.2',
    name: 'sink.localhost',
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: false,
    allowInsecureAuth: false,
    disabledCommands: options.tls === 'none' ? ['STARTTLS'] : [],
    disableReverseLookup: true,
    logger: false,
    size: 1024 * 1024,
    closeTimeout: 500,
    onAuth: (auth, _session, cb) => onAuth(options.users, state, auth, cb),
    onMailFrom: (_address, _session, cb) => {
      state.stats.mailFrom++;
      cb();
    },
    onRcptTo: (_address, session, cb) => {
      state.stats.rcpt++;
      const fault = takeFault(state, 'rcpt');
      if (fault && 'action' in fault) drop(server, session);
      else cb(fault ? smtpError(fault.code, fault.text ?? 'Recipient refused by the test sink') : null);
    },
    onData: (stream, session, cb) => {
      onData(state, stream, session).then(
        (outcome) => (outcome === 'drop' ? drop(server, session) : cb()),
        (err: unknown) => cb(err instanceof Error ? err : new Error(String(err))),
      );
    },
  });
  server.on('error', (err: Error) => state.serverErrors.push(err));
  return server;
}

function onAuth(
  users: Record<string, string>,
  state: SinkState,
  auth: SMTPServerAuthentication,
  cb: (err: Error | null | undefined, response?: { user: string }) => void,
): void {
  state.stats.auth++;
  const user = auth.username ?? '';
  if (Object.hasOwn(users, user) && users[user] === auth.password) {
    cb(null, { user });
    return;
  }
  state.stats.authFailures++;
  cb(smtpError(535, 'Authentication credentials invalid'));
}

/** Ends the session's connection at once, without a reply (the TLS socket on top, never the raw one under it). */
function drop(server: SMTPServer, session: SMTPServerSession): void {
  for (const connection of server.connections) {
    if (connection.session === session) connection._socket.destroy();
  }
}

async function onData(state: SinkState, stream: SMTPServerDataStream, session: SMTPServerSession): Promise<'accepted' | 'drop'> {
  state.stats.data++;
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const fault = takeFault(state, 'data');
  if (fault && 'action' in fault) return 'drop';
  if (fault) throw smtpError(fault.code, fault.text ?? 'Message refused by the test sink');
  const raw = Buffer.concat(chunks);
  const parsed = await simpleParser(raw);
  const sender = parsed.from?.value[0];
  state.messages.push({
    envelope: {
      mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      rcptTo: session.envelope.rcptTo.map((r) => r.address),
    },
    authUser: typeof session.user === 'string' ? session.user : null,
    from: sender ? { name: sender.name, address: sender.address ?? '' } : null,
    to: addresses(parsed.to),
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: parsed.html || '',
    messageId: parsed.messageId ?? null,
    headers: parsed.headers,
    raw: raw.toString('utf8'),
  });
  return 'accepted';
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return list.flatMap((o) => o.value.map((a) => a.address ?? ''));
}

/**
 * Sockets smtp-server owns are closed through it: destroying a raw socket under a TLS socket that is
 * still in its handshake crashes Node (SIGSEGV), so only the stalled ones are destroyed here.
 */
async function shutdown(front: Server, smtp: SMTPServer, state: SinkState, dir: string): Promise<void> {
  for (const socket of state.held) socket.destroy();
  const allClosed = new Promise<void>((resolve) => front.close(() => resolve()));
  for (const connection of smtp.connections) connection.close();
  smtp.close();
  await Promise.race([allClosed, sleep(CLOSE_WAIT_MS)]);
  await rm(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
async function makeCertificates(dir: string): Promise<TlsMaterial> {
  const { key, cert, caPem } = await makeTestCertificates(dir, 'Helpdesk throwaway SMTP test CA');
  return { key, cert, caPem };
}
