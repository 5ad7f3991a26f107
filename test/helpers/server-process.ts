import type { ChildProcess } from 'node:child_process';

/** A test server process in the foreground (slapd, samba): its output and how it ended. */
export interface Watched {
  child: ChildProcess;
  exited: boolean;
  exitInfo: string;
  exit: Promise<void>;
  output(): string;
}

const MAX_OUTPUT = 64 * 1024;
const STOP_TIMEOUT_MS = 10_000;

/** Collects the first 64 KiB of output and records the exit (or spawn error). */
export function watch(child: ChildProcess): Watched {
  let out = '';
  const append = (chunk: Buffer): void => {
    if (out.length < MAX_OUTPUT) out += chunk.toString('utf8');
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const w: Watched = { child, exited: false, exitInfo: '', exit: Promise.resolve(), output: () => out };
  w.exit = new Promise((resolveExit) => {
    child.once('error', (err) => {
      w.exited = true;
      w.exitInfo = `spawn error: ${err.message}`;
      resolveExit();
    });
    child.once('exit', (code, signal) => {
      w.exited = true;
      w.exitInfo = signal ? `signal ${signal}` : `code ${code}`;
      resolveExit();
    });
  });
  return w;
}

/** SIGTERM, SIGKILL after 10 s, and wait for the exit. */
export async function terminate(w: Watched): Promise<void> {
  if (w.exited) return;
  w.child.kill('SIGTERM');
  const timer = setTimeout(() => w.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await w.exit;
  clearTimeout(timer);
}
