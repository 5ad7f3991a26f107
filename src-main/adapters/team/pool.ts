import pg from 'pg';
import { isLoopbackHost, teamTransport } from '../../common/settings';
import { HelpdeskError } from '../../domain/errors';
import type { Clock } from '../../domain/ports';
import { checkTeamSchema } from './migrations';

/**
 * How a workstation reaches the team store. The password comes from the keychain, never from the URL
 * or a file; TLS with certificate and host-name verification is required off loopback.
 */
export interface TeamStoreProfile {
  /** `postgres://user@host:port/database` (no password). */
  url: string;
  /** The CA certificate (PEM) the server's certificate chains to; empty: the system's CAs. */
  caCertificate: string;
  /** This workstation's name, written on every audit row it appends. */
  workstation: string;
}

/** Bounds on every wait: a stopped or hung server gives a translated error in bounded time. */
export const TEAM_TIMEOUTS = { connectMs: 5_000, queryMs: 8_000 } as const;

/** The parts of a team store URL, checked as the settings schema does (common/settings.ts teamTransport). */
export function parseTeamUrl(url: string): NonNullable<ReturnType<typeof teamTransport>> {
  const p = teamTransport(url);
  if (!p) throw new HelpdeskError('VALIDATION_FAILED', { field: 'team.url', reason: 'invalid_format' });
  return p;
}

/** The pool's settings: verify-full TLS unless plain TCP to loopback was asked for. */
export function poolConfig(profile: TeamStoreProfile, password: string): pg.PoolConfig {
  const p = parseTeamUrl(profile.url);
  const host = p.host.replace(/^\[|\]$/gu, '');
  if (!p.tls && !isLoopbackHost(p.host)) throw new HelpdeskError('INSECURE_CONNECTION', { field: 'team.url', reason: 'insecure_transport' });
  return {
    host,
    port: p.port,
    database: p.database,
    user: p.user,
    password,
    ssl: p.tls
      ? { rejectUnauthorized: true, ...(profile.caCertificate.trim() ? { ca: profile.caCertificate } : {}), servername: isLoopbackHost(p.host) ? undefined : host }
      : false,
    application_name: `helpdesk ${profile.workstation}`.slice(0, 63),
    connectionTimeoutMillis: TEAM_TIMEOUTS.connectMs,
    query_timeout: TEAM_TIMEOUTS.queryMs,
    statement_timeout: TEAM_TIMEOUTS.queryMs,
    idle_in_transaction_session_timeout: TEAM_TIMEOUTS.queryMs * 2,
    keepAlive: true,
    max: 4,
    idleTimeoutMillis: 30_000,
  };
}

const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE',
]);

/**
 * A failure of the team store as a contract error (no password, no SQL text): TEAM_STORE_TLS,
 * TEAM_STORE_AUTH, TEAM_STORE_SCHEMA, or TEAM_STORE_UNAVAILABLE for everything that means "not now"
 * (refused, timed out, dropped, the server shutting down). Our own errors pass through.
 */
export function teamError(err: unknown): HelpdeskError {
  if (err instanceof HelpdeskError) return err;
  const e = err as { code?: string; message?: string };
  const code = e.code ?? '';
  if (TLS_CODES.has(code) || /certificate|self[- ]signed|altname/iu.test(e.message ?? '')) return new HelpdeskError('TEAM_STORE_TLS', { detail: code || 'certificate', cause: err });
  if (/does not support SSL|server does not support ssl/iu.test(e.message ?? '')) return new HelpdeskError('TEAM_STORE_TLS', { detail: 'no TLS', cause: err });
  if (code === '28P01' || code === '28000') return new HelpdeskError('TEAM_STORE_AUTH', { detail: code, cause: err });
  if (code === '3D000') return new HelpdeskError('TEAM_STORE_SCHEMA', { reason: 'foreign', detail: code, cause: err });
  if (code === '42P01' || code === '42501') return new HelpdeskError('TEAM_STORE_SCHEMA', { reason: 'foreign', detail: code, cause: err });
  return new HelpdeskError('TEAM_STORE_UNAVAILABLE', { detail: code || (/timeout/iu.test(e.message ?? '') ? 'timeout' : 'connection'), cause: err });
}

/** Values as SQL literals escaped by the client library (for multi-statement queries, which take no parameters). */
export const literalOf =
  (c: pg.ClientBase) =>
  (v: string | null | undefined): string =>
    v === null || v === undefined ? 'NULL' : c.escapeLiteral(v);

/**
 * The pool of one workstation, with its own fail-closed discipline: every call maps failures to
 * teamError, transactions roll back on any error, and a client that timed out is destroyed (never
 * handed out again with a transaction half open).
 */
export class TeamPool {
  readonly pool: pg.Pool;

  constructor(
    readonly profile: TeamStoreProfile,
    password: string,
  ) {
    this.pool = new pg.Pool(poolConfig(profile, password));
    // An idle client dropped by the server (restart, network): the pool replaces it; never a crash.
    this.pool.on('error', () => undefined);
  }

  /** Connects once and checks the schema (TEAM_STORE_SCHEMA otherwise). */
  async open(): Promise<void> {
    await this.read((c) => checkTeamSchema(c));
  }

  /** `dropOnError`: a failure ends the connection even when it is our own error (a session lock held, say). */
  async read<T>(fn: (c: pg.PoolClient) => Promise<T>, opts: { dropOnError?: boolean } = {}): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw teamError(err);
    }
    // A server that dies while this client is out of the pool: the query in flight fails with it, and the
    // client's own error event (the pool listens only while a client is idle) must not go unhandled.
    const dropped = (): void => undefined;
    client.on('error', dropped);
    let broken = false;
    try {
      return await fn(client);
    } catch (err) {
      broken = opts.dropOnError === true || !(err instanceof HelpdeskError);
      throw teamError(err);
    } finally {
      client.removeListener('error', dropped);
      client.release(broken);
    }
  }

  /** One transaction: committed when `fn` resolves, rolled back (or the connection dropped) otherwise. */
  async transaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.read(async (c) => {
      await c.query('BEGIN');
      try {
        const out = await fn(c);
        await c.query('COMMIT');
        return out;
      } catch (err) {
        // A rollback that fails too means the connection is gone: the server ends the transaction itself.
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

/**
 * The database's clock, as seen from this workstation: the offset measured against clock_timestamp()
 * (half the round trip added), refreshed every minute. Every time the team's rules use — the VN day,
 * the 5 minutes between sends, a code's expiry — is the database's, so workstations whose clocks
 * disagree still decide alike.
 */
export class TeamClock implements Clock {
  private offsetMs = 0;
  private measuredAt = -Infinity;

  constructor(
    private readonly pool: TeamPool,
    private readonly local: Clock = { now: () => new Date() },
    private readonly refreshMs = 60_000,
  ) {}

  async sync(): Promise<void> {
    await this.pool.read(async (c) => {
      const t0 = this.local.now().getTime();
      const r = await c.query<{ ms: string }>('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint::text AS ms');
      const t1 = this.local.now().getTime();
      this.offsetMs = Number(r.rows[0]!.ms) - (t0 + t1) / 2;
      this.measuredAt = t1;
    });
  }

  /** Resyncs in the background once the last measure is older than the refresh period. */
  now(): Date {
    const local = this.local.now().getTime();
    if (local - this.measuredAt > this.refreshMs) {
      this.measuredAt = local;
      this.sync().catch(() => undefined);
    }
    return new Date(local + this.offsetMs);
  }

  get offset(): number {
    return this.offsetMs;
  }
}
