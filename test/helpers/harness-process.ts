import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HelpdeskApi } from '../../src-main/common/api';
import type { Result } from '../../src-main/common/result';

/**
 * The web harness (`src-main/web/main.ts`) as a child process, driven over HTTP as the page drives it.
 * Used by the sweeps of issue #6 (secrets, bad input, faults): the same contract, schemas and errors as
 * IPC, in its own process, with every byte it prints kept.
 */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface HarnessOptions {
  dataDir: string;
  exportDir?: string;
  token: string;
  /** Settings file; without it, settings.json in the data folder. */
  configPath?: string;
  /** Extra environment. */
  env?: NodeJS.ProcessEnv;
  /**
   * A workstation of its own: its own D-Bus session and an unlocked gnome-keyring in its own folder, so
   * nothing it keeps in its keychain is seen by another harness (team mode: separate workstations).
   */
  ownKeyring?: string;
}

export interface Harness {
  child: ChildProcess;
  /** http://127.0.0.1:<port> */
  base: string;
  token: string;
  stdout: Buffer[];
  stderr: Buffer[];
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Every answer body the API gave (what the UI would have been shown). */
  answers: string[];
}

export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env, HELPDESK_DATA_DIR: opts.dataDir, HELPDESK_TOKEN: opts.token };
  if (opts.exportDir) env.HELPDESK_EXPORT_DIR = opts.exportDir;
  else delete env.HELPDESK_EXPORT_DIR;
  if (opts.configPath) env.HELPDESK_CONFIG = opts.configPath;
  else delete env.HELPDESK_CONFIG;
  delete env.HELPDESK_PORT; // a free port, read from the URL it prints
  const node = [process.execPath, '--import', 'tsx', join(REPO, 'src-main', 'web', 'main.ts')];
  const quote = (s: string): string => `'${s.replace(/'/gu, `'\\''`)}'`;
  const child = opts.ownKeyring
    ? spawn(
        'dbus-run-session',
        ['--', 'bash', '-c', `export XDG_DATA_HOME=${quote(opts.ownKeyring)}; printf %s workstation | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec ${node.map(quote).join(' ')}`],
        // Its own process group: killing the harness ends its D-Bus session and keyring too.
        { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
      )
    : spawn(node[0]!, node.slice(1), { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const h: Harness = {
    child,
    base: '',
    token: opts.token,
    stdout: [],
    stderr: [],
    answers: [],
    closed: new Promise((r) => child.once('close', (code, signal) => r({ code, signal }))),
  };
  child.stdout!.on('data', (c: Buffer) => h.stdout.push(c));
  child.stderr!.on('data', (c: Buffer) => h.stderr.push(c));
  let exited = false;
  void h.closed.then(() => (exited = true));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !exited) {
    const m = /Helpdesk web harness: (http:\/\/127\.0\.0\.1:\d+)\/\?token=/u.exec(Buffer.concat(h.stdout).toString('utf8'));
    if (m) {
      h.base = m[1]!;
      return h;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`web harness did not start:\n${Buffer.concat(h.stdout).toString()}\n${Buffer.concat(h.stderr).toString()}`);
}

/** Stops the harness if it still runs (SIGKILL): for afterAll. */
export async function killHarness(h: Harness | undefined): Promise<void> {
  if (h && h.child.exitCode === null && h.child.signalCode === null) {
    try {
      if (h.child.pid) process.kill(-h.child.pid, 'SIGKILL'); // a harness with its own keyring leads a group
    } catch {
      /* not a group leader */
    }
    h.child.kill('SIGKILL');
    await h.closed;
  }
}

export type In<G extends keyof HelpdeskApi, M extends keyof HelpdeskApi[G]> = HelpdeskApi[G][M] extends (input: infer I) => unknown ? I : never;
export type Out<G extends keyof HelpdeskApi, M extends keyof HelpdeskApi[G]> = HelpdeskApi[G][M] extends (input: never) => Promise<Result<infer O>> ? O : never;

/** One raw POST to /api/<path> with any body: status and parsed answer (for wrong-typed payloads). */
export async function post(h: Harness, path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; json: unknown }> {
  const r = await fetch(`${h.base}/api/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}`, ...headers },
    body,
  });
  const text = await r.text();
  h.answers.push(text);
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON: left undefined for the caller to assert */
  }
  return { status: r.status, text, json };
}

/** One contract call over HTTP, as the page makes it; a non-200 status throws. */
export async function call<G extends keyof HelpdeskApi, M extends keyof HelpdeskApi[G] & string>(
  h: Harness,
  group: G,
  method: M,
  input: In<G, M>,
): Promise<Result<Out<G, M>>> {
  const r = await post(h, `${group}/${method}`, JSON.stringify(input));
  if (r.status !== 200) throw new Error(`${group}/${method}: HTTP ${r.status} ${r.text}`);
  return r.json as Result<Out<G, M>>;
}

/** A call that must succeed: its value. */
export async function must<G extends keyof HelpdeskApi, M extends keyof HelpdeskApi[G] & string>(
  h: Harness,
  group: G,
  method: M,
  input: In<G, M>,
): Promise<Out<G, M>> {
  const r = await call(h, group, method, input);
  if (!r.ok) throw new Error(`${group}/${method} failed: ${JSON.stringify(r.error)}`);
  return r.value;
}
