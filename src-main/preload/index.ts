import { contextBridge, ipcRenderer } from 'electron';
import { buildApi, channelOf } from '../common/manifest';

/**
 * `window.helpdesk`: one function per contract method, generated from the manifest. Nothing else
 * of Electron or Node crosses the bridge.
 */
const api = buildApi(
  (group, method) => {
    const channel = channelOf(group, method);
    return (input?: unknown) => ipcRenderer.invoke(channel, input ?? {});
  },
  { freeze: true },
);

contextBridge.exposeInMainWorld('helpdesk', api);
