import { app, BrowserWindow, dialog, protocol, session } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KeytarSecretStore } from '../adapters/secrets/keytar-secret-store';
import { createRuntime, type Runtime } from '../app/runtime';
import { answerAppRequest, APP_ENTRY_URL, APP_ORIGIN, APP_PATH, APP_SCHEME, APP_SCHEME_PRIVILEGES } from './app-protocol';
import { APP_ID, PRODUCT_NAME } from './identity';
import { registerIpc } from './ipc';
import type { SenderPolicy } from './sender-guard';

const here = fileURLToPath(new URL('.', import.meta.url));
const rendererDir = join(here, '..', 'renderer');
/** resources/ (LDAP schemas, templates, training data, icons): beside the app when packaged (electron-builder extraResources). */
const resourcesDir = app.isPackaged ? join(process.resourcesPath, 'resources') : join(here, '..', '..', 'resources');
// The dev server URL is honoured only in development builds, never in a packaged app.
const devUrl = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL;
const trusted = new Set<number>();
let runtime: Runtime | null = null;

function senderPolicy(): SenderPolicy {
  return devUrl
    ? { trustedWebContents: trusted, appOrigin: new URL(devUrl).origin }
    : { trustedWebContents: trusted, appOrigin: APP_ORIGIN, appPath: APP_PATH };
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 960,
    minHeight: 640,
    show: false,
    title: PRODUCT_NAME,
    autoHideMenuBar: true,
    // Windows and macOS take the icon from the executable; Linux windows need it given.
    ...(process.platform === 'linux' ? { icon: join(resourcesDir, 'icons', '512x512.png') } : {}),
    webPreferences: {
      preload: join(here, '..', 'preload', 'index.cjs'),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  trusted.add(win.webContents.id);
  const id = win.webContents.id;
  win.on('closed', () => trusted.delete(id));
  win.once('ready-to-show', () => win.show());
  // No navigation away from the app, no new windows, nothing handed to the system browser (the app
  // has no external links; an allowlist comes with the first one that is needed).
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  win.webContents.on('will-redirect', (e) => e.preventDefault());
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  if (devUrl) void win.loadURL(devUrl);
  else void win.loadURL(APP_ENTRY_URL);
  return win;
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const [win] = BrowserWindow.getAllWindows();
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  // Chromium's own widgets (date fields: dd/mm/yyyy) in Vietnamese, like the UI's default language.
  app.commandLine.appendSwitch('lang', 'vi');
  // Windows ties the running app to its Start-menu shortcut and taskbar pin by the installer's appId.
  if (process.platform === 'win32') app.setAppUserModelId(APP_ID);
  // Before 'ready': the page's own scheme, standard and secure (a real origin), nothing more.
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }]);
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (e) => e.preventDefault());
  });
  void app.whenReady().then(async () => {
    // Every permission request and check refused (the page needs none; "Sao chép" then selects the head for Ctrl+C).
    session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    session.defaultSession.setPermissionCheckHandler(() => false);
    protocol.handle(APP_SCHEME, (req) => answerAppRequest(req, rendererDir));
    runtime = await createRuntime({
      dataDir: app.getPath('userData'),
      resourcesDir,
      secrets: new KeytarSecretStore(),
      version: app.getVersion(),
      exportDir: app.getPath('downloads'),
      // The page suggests a file name; where it goes is the user's choice in the system's save dialog.
      chooseExportPath: async (fileName, format) => {
        const owner = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0];
        const options = { defaultPath: join(app.getPath('downloads'), fileName), filters: [{ name: format.toUpperCase(), extensions: [format] }] };
        const picked = owner ? await dialog.showSaveDialog(owner, options) : await dialog.showSaveDialog(options);
        return picked.canceled || !picked.filePath ? null : picked.filePath;
      },
    });
    registerIpc(runtime.api, senderPolicy);
    createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow();
    });
  }).catch((err: unknown) => {
    // A broken settings file or database must not leave a silent, windowless process.
    dialog.showErrorBox(PRODUCT_NAME, `Không khởi động được / Cannot start:\n${err instanceof Error ? err.message : String(err)}`);
    app.exit(1);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let closing = false;
  app.on('before-quit', (e) => {
    if (!runtime || closing) return;
    // Finish the audit and close the directory before the process ends.
    e.preventDefault();
    closing = true;
    void runtime.close().finally(() => app.exit(0));
  });
}
