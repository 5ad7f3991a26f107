import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import type { HelpdeskApi } from '../common/api';
import { API_CHANNELS } from '../common/manifest';
import { createIpcHandler } from './ipc-handler';
import type { SenderFacts, SenderPolicy } from './sender-guard';

function factsOf(event: IpcMainInvokeEvent): SenderFacts {
  const frame = event.senderFrame;
  return {
    webContentsId: event.sender.id,
    frameUrl: frame?.url ?? null,
    isMainFrame: frame !== null && frame === event.sender.mainFrame,
  };
}

/** Registers one ipcMain handler per manifest channel; the only place ipcMain is used. */
export function registerIpc(api: HelpdeskApi, policy: () => SenderPolicy): void {
  for (const { channel } of API_CHANNELS) {
    const handle = createIpcHandler(api, policy, channel);
    ipcMain.handle(channel, (event, input: unknown) => handle(factsOf(event), input));
  }
}
