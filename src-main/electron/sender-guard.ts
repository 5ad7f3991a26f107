import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Who may call the contract over IPC (pure logic, unit-tested; electron/ipc.ts feeds it real events).
 * Only the app's own window, in its main frame, showing the app's own page.
 */
export interface SenderFacts {
  /** webContents id of the sender. */
  webContentsId: number;
  /** URL of the frame that sent the message (null when the frame is gone). */
  frameUrl: string | null;
  /** True when the sending frame is the top frame of its webContents. */
  isMainFrame: boolean;
}

export interface SenderPolicy {
  /** ids of the webContents the app created. */
  trustedWebContents: ReadonlySet<number>;
  /** The renderer's origin: `file://` for the packaged page, `http://localhost:5173` in dev. */
  appOrigin: string;
  /** For file:// pages: the exact index.html path the app loaded. */
  appFile?: string;
  platform?: NodeJS.Platform;
}

export function isTrustedSender(f: SenderFacts, p: SenderPolicy): boolean {
  if (!p.trustedWebContents.has(f.webContentsId) || !f.isMainFrame || !f.frameUrl) return false;
  let url: URL;
  try {
    url = new URL(f.frameUrl);
  } catch {
    return false;
  }
  if (p.appOrigin === 'file://') {
    if (url.protocol !== 'file:' || p.appFile === undefined) return false;
    let file: string;
    try {
      file = fileURLToPath(url);
    } catch {
      return false;
    }
    // Windows paths compare without regard to case (C:\App vs c:\app).
    const same = (a: string, b: string) => (p.platform === 'win32' ? a.toLowerCase() === b.toLowerCase() : a === b);
    return same(resolve(file), resolve(p.appFile));
  }
  return url.origin === p.appOrigin;
}
