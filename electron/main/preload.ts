/**
 * The preload of the studio's window: exposes `window.strata` (shared/ipc's StrataApi) through
 * contextBridge. The window is sandboxed, so this file may require nothing but 'electron';
 * scripts/build-electron.mjs bundles it with what it imports into dist/electron/preload.cjs.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { createStrataApi } from './strata-api.js';

const api = createStrataApi({
  invoke: (channel, args) => ipcRenderer.invoke(channel, args),
  on(event, listener) {
    const forward = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(event, forward);
    return () => {
      ipcRenderer.removeListener(event, forward);
    };
  },
});

contextBridge.exposeInMainWorld('strata', api);
