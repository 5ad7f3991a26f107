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
  /** Scheme and host of the page: `app://helpdesk` in the app (electron/app-protocol.ts), `http://localhost:5173` in dev. */
  appOrigin: string;
  /** When set, the page's path must be exactly this (`/index.html` under the app protocol; the router uses the hash). */
  appPath?: string;
}

/**
 * Whether a URL (or an origin) is on the app's page origin. Compares scheme and host as written rather
 * than `URL.origin`, which is the opaque "null" for a custom scheme such as `app:` in the WHATWG parser.
 */
export function onAppOrigin(urlText: string, appOrigin: string): URL | null {
  let url: URL;
  let expected: URL;
  try {
    url = new URL(urlText);
    expected = new URL(appOrigin);
  } catch {
    return null;
  }
  if (url.username !== '' || url.password !== '') return null;
  if (url.protocol !== expected.protocol || url.host !== expected.host || url.host === '') return null;
  return url;
}

export function isTrustedSender(f: SenderFacts, p: SenderPolicy): boolean {
  if (!p.trustedWebContents.has(f.webContentsId) || !f.isMainFrame || !f.frameUrl) return false;
  const url = onAppOrigin(f.frameUrl, p.appOrigin);
  if (!url) return false;
  // Exactly the page: its path, no query (the router keeps its state in the hash).
  return p.appPath === undefined || (url.pathname === p.appPath && url.search === '');
}
