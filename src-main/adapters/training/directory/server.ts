import { Socket } from 'node:net';
import ldapjs from 'ldapjs';
import type { OutEntry } from './attributes';
import type { ChangeRequest, DirectoryCore, Identity, PagedRequest } from './core';
import { readTlv, searchFilterOf, type Filter } from './filters';
import { CursorTable, PAGED_RESULTS_OID } from './paging';
import { RC, fail, type Outcome } from './results';

// The ldapjs boundary. ldapjs 3 is untyped where it matters (@types/ldapjs describes 2.x), so
// its objects are described here and checked on the way in.

export type Handler = (req: unknown, res: unknown, next: () => void) => void;

export interface LdapjsServer {
  listen(port: number, host: string, callback: () => void): unknown;
  close(callback?: (err?: Error) => void): unknown;
  address(): unknown;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
  newConnection(socket: Socket): void;
  bind(mount: string, handler: Handler): unknown;
  search(mount: string, handler: Handler): unknown;
  modify(mount: string, handler: Handler): unknown;
  add(mount: string, handler: Handler): unknown;
  del(mount: string, handler: Handler): unknown;
  compare(mount: string, handler: Handler): unknown;
  modifyDN(mount: string, handler: Handler): unknown;
  after(handler: Handler): unknown;
}

export interface LdapjsRuntime {
  createServer(options: { log: SilentLog; connectionRouter: (socket: Socket) => void }): LdapjsServer;
  PagedResultsControl: new (options: { value: { size: number; cookie: Buffer } }) => object;
  SearchEntry: new (options: { messageId: number; objectName: object; attributes: object[] }) => object;
  Attribute: new (options: { type: string; values: string[] }) => object;
}

export function ldapjsRuntime(): LdapjsRuntime {
  const r: unknown = ldapjs;
  const has = (name: string): boolean => typeof r === 'object' && r !== null && typeof Reflect.get(r, name) === 'function';
  if (!['createServer', 'PagedResultsControl', 'SearchEntry', 'Attribute'].every(has)) {
    throw new Error('training directory: unexpected ldapjs module shape (ldapjs 3.x expected)');
  }
  return r as LdapjsRuntime;
}

export interface SilentLog {
  trace(): void;
  debug(): void;
  info(): void;
  warn(): void;
  error(): void;
  fatal(): void;
  child(): SilentLog;
}

export const noop = (): void => undefined;

/** ldapjs logs requests (bind credentials included) at debug level: give it nowhere to write. */
export const SILENT_LOG: SilentLog = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  fatal: noop,
  child: () => SILENT_LOG,
};

/** What the server keeps per connection. */
export interface Session {
  identity: Identity;
  /** Filters decoded from the wire, by messageID, until the search handler takes them. */
  filters: Map<number, Filter>;
  cursors: CursorTable;
  /** Bytes of an LDAPMessage not yet complete. */
  pending: Buffer;
}

export const MAX_PENDING_FILTERS = 64;
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

export interface LdapResponse {
  messageId: number;
  diagnosticMessage: string;
  matchedDN: string;
  end(status?: number): void;
  send(entry: object): void;
  addControl(control: object): void;
}

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

export function asResponse(res: unknown): LdapResponse {
  if (!isRecord(res) || typeof res.end !== 'function' || typeof res.messageId !== 'number') {
    throw new Error('training directory: unexpected ldapjs response object');
  }
  return res as unknown as LdapResponse;
}

export function socketOf(req: unknown): Socket {
  const socket = isRecord(req) ? req.connection : undefined;
  if (!(socket instanceof Socket)) throw new Error('training directory: request without a connection');
  return socket;
}

export function numberField(req: Record<string, unknown>, name: string): number {
  const v = req[name];
  if (typeof v !== 'number') throw new Error(`training directory: request field ${name} is not a number`);
  return v;
}

export function pagedRequestOf(controls: unknown): PagedRequest | null {
  if (!Array.isArray(controls)) return null;
  for (const c of controls as unknown[]) {
    if (!isRecord(c) || c.type !== PAGED_RESULTS_OID || !isRecord(c.value)) continue;
    const { size, cookie } = c.value;
    return { size: typeof size === 'number' ? size : 0, cookie: Buffer.isBuffer(cookie) ? cookie : Buffer.alloc(0) };
  }
  return null;
}

export function changesOf(req: Record<string, unknown>): ChangeRequest[] {
  const changes = req.changes;
  if (!Array.isArray(changes)) throw new Error('training directory: modify request without changes');
  return (changes as unknown[]).map((c) => {
    const mod = isRecord(c) ? c.modification : undefined;
    if (!isRecord(c) || !isRecord(mod)) throw new Error('training directory: malformed change');
    const values = Array.isArray(mod.values) ? (mod.values as unknown[]).map(String) : [];
    return { operation: String(c.operation), attribute: String(mod.type), values };
  });
}

/** An object ldapjs accepts as a DN and that prints the stored DN as is (ldapjs would hex-escape UTF-8). */
export function rawDn(dn: string): object {
  return { [Symbol.toStringTag]: 'LdapDn', toString: () => dn };
}

export class LdapServer {
  private readonly ldapjs = ldapjsRuntime();
  private readonly server: LdapjsServer;
  private readonly sessions = new Map<Socket, Session>();
  private closing: Promise<void> | null = null;

  constructor(private readonly core: DirectoryCore) {
    this.server = this.ldapjs.createServer({ log: SILENT_LOG, connectionRouter: (socket) => this.accept(socket) });
    this.server.on('error', () => undefined);
    this.server.on('clientError', () => undefined);
    this.mount();
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: unknown): void => reject(err instanceof Error ? err : new Error(String(err)));
      this.server.once('error', onError);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.removeListener('error', onError);
        const address = this.server.address();
        const bound = isRecord(address) ? address.port : undefined;
        if (typeof bound === 'number') resolve(bound);
        else reject(new Error('training directory: could not read the listening port'));
      });
    });
  }

  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sessions.keys()) socket.destroy();
      this.sessions.clear();
    });
    return this.closing;
  }

  /** A new connection: tap its bytes (before ldapjs's own listener), then hand it to ldapjs. */
  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const session: Session = { identity: null, filters: new Map(), cursors: new CursorTable(), pending: Buffer.alloc(0) };
    this.sessions.set(socket, session);
    // Entries and the SearchResultDone go out as separate writes: without this, Nagle's
    // algorithm and the client's delayed ACK add ~40 ms to every search.
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.tap(socket, session, chunk));
    socket.on('close', () => {
      session.cursors.clear();
      this.sessions.delete(socket);
    });
    this.server.newConnection(socket);
  }

  /** Frames LDAPMessages and keeps the decoded filter of each SearchRequest for its handler. */
  private tap(socket: Socket, session: Session, chunk: Buffer): void {
    session.pending = session.pending.length === 0 ? chunk : Buffer.concat([session.pending, chunk]);
    try {
      for (;;) {
        const frame = readTlv(session.pending, 0, session.pending.length);
        if (!frame) break;
        this.remember(session, session.pending.subarray(0, frame.end));
        session.pending = session.pending.subarray(frame.end);
      }
    } catch {
      socket.destroy();
      return;
    }
    if (session.pending.length > MAX_MESSAGE_BYTES) socket.destroy();
  }

  private remember(session: Session, frame: Buffer): void {
    let found: ReturnType<typeof searchFilterOf>;
    try {
      found = searchFilterOf(frame);
    } catch {
      return; // the search handler answers protocolError
    }
    if (!found) return;
    session.filters.set(found.messageId, found.filter);
    if (session.filters.size > MAX_PENDING_FILTERS) {
      const oldest = session.filters.keys().next().value;
      if (oldest !== undefined) session.filters.delete(oldest);
    }
  }

  private session(req: unknown): Session {
    const socket = socketOf(req);
    const session = this.sessions.get(socket);
    if (!session) throw new Error('training directory: unknown connection');
    return session;
  }

  private mount(): void {
    const s = this.server;
    s.bind('', this.guard((req, res) => this.onBind(req, res)));
    s.search('', this.guard((req, res) => this.onSearch(req, res)));
    s.modify('', this.guard((req, res) => this.onModify(req, res)));
    const unsupported = this.guard((req, res) => reply(res, this.core.unsupported(this.session(req).identity)));
    s.add('', unsupported);
    s.del('', unsupported);
    s.compare('', unsupported);
    s.modifyDN('', unsupported);
    // Anonymous binds never reach a handler (ldapjs answers them itself); they end here.
    s.after((req) => this.afterRequest(req));
  }

  /** Narrows the response and turns an unexpected error into `other` (80) instead of a crash. */
  private guard(handle: (req: Record<string, unknown>, res: LdapResponse) => void): Handler {
    return (req, rawRes) => {
      const res = asResponse(rawRes);
      try {
        if (!isRecord(req)) throw new Error('training directory: unexpected request object');
        handle(req, res);
      } catch {
        reply(res, fail(RC.other, 'internal error in the training directory'));
      }
    };
  }

  private onBind(req: Record<string, unknown>, res: LdapResponse): void {
    const session = this.session(req);
    const credentials = typeof req.credentials === 'string' ? req.credentials : '';
    const outcome = this.core.bind(String(req.dn ?? ''), credentials);
    session.identity = outcome.identity;
    reply(res, outcome);
  }

  private onSearch(req: Record<string, unknown>, res: LdapResponse): void {
    const session = this.session(req);
    const messageId = numberField(req, 'messageId');
    const filter = session.filters.get(messageId);
    session.filters.delete(messageId);
    if (!filter) {
      reply(res, fail(RC.protocolError, 'could not decode the search filter'));
      return;
    }
    const attributes = Array.isArray(req.attributes) ? (req.attributes as unknown[]).map(String) : [];
    const outcome = this.core.search(
      session.identity,
      {
        base: String(req.dn ?? ''),
        scope: numberField(req, 'scope'),
        sizeLimit: numberField(req, 'sizeLimit'),
        typesOnly: req.typesOnly === true,
        attributes,
        filter,
        paged: pagedRequestOf(req.controls),
      },
      session.cursors,
    );
    for (const e of outcome.entries) res.send(this.searchEntry(res.messageId, e));
    if (outcome.cookie) res.addControl(new this.ldapjs.PagedResultsControl({ value: { size: 0, cookie: outcome.cookie } }));
    reply(res, outcome);
  }

  private searchEntry(messageId: number, e: OutEntry): object {
    const { Attribute, SearchEntry } = this.ldapjs;
    const attributes = e.attributes.map((a) => new Attribute({ type: a.name, values: a.values }));
    return new SearchEntry({ messageId, objectName: rawDn(e.dn), attributes });
  }

  private onModify(req: Record<string, unknown>, res: LdapResponse): void {
    const session = this.session(req);
    reply(res, this.core.modify(session.identity, String(req.object ?? ''), changesOf(req)));
  }

  private afterRequest(req: unknown): void {
    if (!isRecord(req) || req.protocolOp !== 0x60) return;
    if (String(req.dn ?? '') !== '' || req.credentials !== '') return;
    const session = this.sessions.get(socketOf(req));
    if (session) session.identity = null;
  }
}

export function reply(res: LdapResponse, outcome: Outcome): void {
  res.diagnosticMessage = outcome.message;
  if (outcome.matchedDn !== undefined) res.matchedDN = outcome.matchedDn;
  res.end(outcome.code);
}
