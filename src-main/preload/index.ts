import { contextBridge, ipcRenderer } from 'electron';
import { API_MANIFEST, channelOf } from '../common/manifest';

/**
 * `window.helpdesk`: one function per contract method, generated from the manifest. Nothing else
 * of Electron or Node crosses the bridge.
 */
const api: Record<string, Record<string, (input?: unknown) => Promise<unknown>>> = {};
for (const [group, methods] of Object.entries(API_MANIFEST)) {
  const g: Record<string, (input?: unknown) => Promise<unknown>> = {};
  for (const method of methods) {
    const channel = channelOf(group, method);
    g[method] = (input?: unknown) => ipcRenderer.invoke(channel, input ?? {});
  }
  api[group] = Object.freeze(g);
}

contextBridge.exposeInMainWorld('helpdesk', Object.freeze(api));
