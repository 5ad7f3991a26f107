/**
 * A throwaway PostgreSQL cluster (Debian's `postgresql`, 15) for integration tests and the bench: `initdb`
 * in a fresh temp dir as an unprivileged user (the server refuses root), TLS from a throwaway CA, SCRAM
 * passwords, on a free loopback port. Only TLS connections are accepted over TCP (`hostssl`), unless
 * `plain: true`.
 *
 *   const pg = await startPostgres();
 *   try { const url = pg.url(pg.app); ... } finally { await pg.stop(); }
 *
 * Two roles besides the superuser, as the README tells an administrator to make them: `helpdesk_owner`
 * (owns the database, runs the migrations) and `helpdesk_app` (what workstations sign in as; the
 * migrations grant it no UPDATE or DELETE on the audit table).
 *
 * Outages for fault tests: `halt()` stops the server (SIGINT: fast shutdown, clients disconnected; SIGKILL: a crash) keeping its
 * port and data; `start()` brings it back; `hang()` stops every process of the cluster (SIGSTOP to the
 * postmaster and each backend: connections are accepted by the kernel but never answered) until `resume()`.
 *
 * Nothing is registered globally: the caller must call stop().
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port';
import { terminate, watch, type Watched } from './server-process';
import { makeTestCertificates } from './test-ca';

export interface PostgresOptions {
  /** Also accept plain (non-TLS) TCP connections from loopback. Off: `hostnossl` is rejected. */
  plain?: boolean;
  /**
   * Flush every commit to disk as a production server does. Off by default (`fsync=off`: a killed server
   * process still loses nothing, only a machine crash would); the bench turns it on so figures are real.
   */
  durable?: boolean;
  /** More server settings (`-c name=value`), e.g. a long wal_writer_delay for a crash test. */
  settings?: Record<string, string>;
}

export interface PgRole {
  user: string;
  password: string;
}

export interface PostgresHandle {
  host: string;
  port: number;
  /** The CA certificate (PEM) the server's certificate chains to. */
  caPem: string;
  /** The database made for the app (owned by `owner`). */
  database: string;
  superuser: PgRole;
  owner: PgRole;
  app: PgRole;
  dir: string;
  /** `postgres://user:password@127.0.0.1:port/db?sslmode=verify-full` (the CA is given apart). */
  url(role: PgRole, database?: string): string;
  /** Runs SQL as the superuser on a database (default: the app's). */
  admin<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[], database?: string): Promise<pg.QueryResult<T>>;
  /** Makes another database owned by `owner` (a second team, another app's database). */
  createDatabase(name: string): Promise<void>;
  pid(): number | null;
  halt(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
  /** Every process of the cluster stopped (SIGSTOP); returns once all are stopped. */
  hang(): Promise<void>;
  resume(): void;
  stop(): Promise<void>;
}

/** The unprivileged account the server runs as when the tests run as root. */
const NOBODY = { uid: 65534, gid: 65534 };
const asRoot = process.getuid?.() === 0;

/** Debian installs the server outside PATH: /usr/lib/postgresql/<major>/bin. */
async function binDir(): Promise<string> {
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const majors = (await readdir(base)).filter((d) => /^\d+$/u.test(d)).sort((a, b) => Number(b) - Number(a));
    for (const m of majors) if (existsSync(join(base, m, 'bin', 'initdb'))) return join(base, m, 'bin');
  }
  throw new Error('PostgreSQL not found under /usr/lib/postgresql (Debian package `postgresql`): .ci/run installs it');
}

function run(bin: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(asRoot ? NOBODY : {}), env: { ...process.env, LC_ALL: 'C.UTF-8' } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${bin} ${args[0] ?? ''} failed (${code}): ${out.trim()}`))));
  });
}

async function giveToServer(path: string): Promise<void> {
  if (asRoot) await chown(path, NOBODY.uid, NOBODY.gid);
}

const secret = (): string => randomBytes(18).toString('base64url');

export async function startPostgres(opts: PostgresOptions = {}): Promise<PostgresHandle> {
  const bin = await binDir();
  const dir = await mkdtemp(join(tmpdir(), 'helpdesk-pg-'));
  await chmod(dir, 0o755);
  const data = join(dir, 'data');
  const socketDir = join(dir, 'socket');
  const port = await freePort();
  const superuser: PgRole = { user: 'postgres', password: secret() };
  const owner: PgRole = { user: 'helpdesk_owner', password: secret() };
  const app: PgRole = { user: 'helpdesk_app', password: secret() };
  const database = 'helpdesk';

  const certs = await makeTestCertificates(dir, 'Helpdesk throwaway PostgreSQL CA');
  const tlsDir = join(dir, 'tls');
  // The server reads its key as its own user, and refuses a key others may read.
  for (const f of [tlsDir, certs.certPath, certs.keyPath, certs.caCertPath]) await giveToServer(f);
  await chmod(certs.keyPath, 0o600);

  const pwfile = join(dir, 'pwfile');
  await writeFile(pwfile, `${superuser.password}\n`, { mode: 0o600 });
  await giveToServer(pwfile);
  // initdb fills an empty data dir that belongs to the server's user.
  await mkdir(data, { mode: 0o700 });
  await giveToServer(data);
  await run(join(bin, 'initdb'), ['-D', data, '-U', superuser.user, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C.UTF-8', '-N'].map(String)).catch(
    async (e: unknown) => {
      await rm(dir, { recursive: true, force: true });
      throw e;
    },
  );
  await rm(pwfile, { force: true });
  await mkdir(socketDir, { mode: 0o700 });
  await giveToServer(socketDir);

  const hba = [
    'local all all scram-sha-256',
    'hostssl all all 127.0.0.1/32 scram-sha-256',
    opts.plain ? 'hostnossl all all 127.0.0.1/32 scram-sha-256' : 'hostnossl all all 0.0.0.0/0 reject',
    '',
  ].join('\n');
  await writeFile(join(data, 'pg_hba.conf'), hba);
  await giveToServer(join(data, 'pg_hba.conf'));

  const serverArgs = [
    '-D', data,
    '-c', `port=${port}`,
    '-c', 'listen_addresses=127.0.0.1',
    '-c', `unix_socket_directories=${socketDir}`,
    '-c', 'ssl=on',
    '-c', `ssl_cert_file=${certs.certPath}`,
    '-c', `ssl_key_file=${certs.keyPath}`,
    '-c', 'password_encryption=scram-sha-256',
    '-c', `fsync=${opts.durable ? 'on' : 'off'}`,
    '-c', 'max_connections=200',
    '-c', 'shared_buffers=64MB',
    '-c', 'log_min_messages=warning',
    ...Object.entries(opts.settings ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
  ];

  let server: Watched | null = null;

  async function ready(): Promise<void> {
    const deadline = Date.now() + 30_000;
    let last: unknown = null;
    while (Date.now() < deadline) {
      if (server?.exited) throw new Error(`postgres exited (${server.exitInfo}): ${server.output()}`);
      const c = new pg.Client({ host: socketDir, port, user: superuser.user, password: superuser.password, database: 'postgres' });
      try {
        await c.connect();
        await c.query('SELECT 1');
        await c.end();
        return;
      } catch (e) {
        last = e;
        await c.end().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`postgres did not become ready: ${String(last)}\n${server?.output() ?? ''}`);
  }

  async function start(): Promise<void> {
    const child = spawn(join(bin, 'postgres'), serverArgs, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asRoot ? NOBODY : {}),
      env: { ...process.env, LC_ALL: 'C.UTF-8' },
    });
    server = watch(child);
    await ready();
  }

  const pid = (): number | null => (server && !server.exited ? (server.child.pid ?? null) : null);

  async function admin<T extends pg.QueryResultRow>(sql: string, params: unknown[] = [], db = database): Promise<pg.QueryResult<T>> {
    const c = new pg.Client({ host: socketDir, port, user: superuser.user, password: superuser.password, database: db });
    await c.connect();
    try {
      return await c.query<T>(sql, params);
    } finally {
      await c.end();
    }
  }

  /**
   * The postmaster and its children (each backend starts a session of its own, so a signal to the
   * postmaster's process group does not reach them).
   */
  async function clusterPids(): Promise<number[]> {
    const p = pid();
    if (p === null) return [];
    const out = [p];
    for (const d of (await readdir('/proc')).filter((x) => /^\d+$/u.test(x))) {
      const stat = await readFile(`/proc/${d}/stat`, 'utf8').catch(() => '');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[1] === String(p)) out.push(Number(d));
    }
    return out;
  }

  const signalAll = (pids: number[], signal: NodeJS.Signals): void => {
    for (const p of pids) {
      try {
        process.kill(p, signal);
      } catch {
        /* gone already */
      }
    }
  };

  async function halt(signal: NodeJS.Signals = 'SIGINT'): Promise<void> {
    const s = server;
    if (!s || pid() === null) return;
    if (signal === 'SIGKILL') {
      // A crash: every process of the cluster dies at once, as on a power cut of the server's host.
      signalAll(await clusterPids(), 'SIGKILL');
      await s.exit;
      await new Promise((r) => setTimeout(r, 100));
    } else {
      s.child.kill(signal);
      await s.exit;
    }
  }

  let stopped: number[] = [];

  async function hang(): Promise<void> {
    if (pid() === null) throw new Error('postgres is not running');
    stopped = await clusterPids();
    signalAll(stopped, 'SIGSTOP');
    // Wait until every one of them shows state T.
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      let running = 0;
      for (const p of stopped) {
        const stat = await readFile(`/proc/${p}/stat`, 'utf8').catch(() => '');
        const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
        if (stat && state !== 'T') running++;
      }
      if (running === 0) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('postgres did not stop');
  }

  function resume(): void {
    signalAll(stopped, 'SIGCONT');
    stopped = [];
  }

  async function stop(): Promise<void> {
    const s = server;
    if (s && !s.exited) {
      resume();
      await terminate(s);
    }
    await rm(dir, { recursive: true, force: true });
  }

  await start();
  try {
    const esc = (s: string): string => s.replace(/'/gu, "''");
    await admin(`CREATE ROLE ${owner.user} LOGIN PASSWORD '${esc(owner.password)}'`, [], 'postgres');
    await admin(`CREATE ROLE ${app.user} LOGIN PASSWORD '${esc(app.password)}'`, [], 'postgres');
    await admin(`CREATE DATABASE ${database} OWNER ${owner.user}`, [], 'postgres');
    // A fresh database lets every role create in `public` only up to PG 14; the owner holds it from 15 on.
    await admin(`REVOKE ALL ON DATABASE ${database} FROM PUBLIC`, [], 'postgres');
    await admin(`GRANT CONNECT ON DATABASE ${database} TO ${app.user}`, [], 'postgres');
  } catch (e) {
    await stop();
    throw e;
  }

  return {
    host: '127.0.0.1',
    port,
    caPem: certs.caPem,
    database,
    superuser,
    owner,
    app,
    dir,
    url: (role, db = database) =>
      `postgres://${encodeURIComponent(role.user)}:${encodeURIComponent(role.password)}@127.0.0.1:${port}/${db}?sslmode=verify-full`,
    admin,
    async createDatabase(name) {
      await admin(`CREATE DATABASE ${name} OWNER ${owner.user}`, [], 'postgres');
      await admin(`GRANT CONNECT ON DATABASE ${name} TO ${app.user}`, [], 'postgres');
    },
    pid,
    halt,
    start,
    hang,
    resume,
    stop,
  };
}
