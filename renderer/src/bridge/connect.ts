/**
 * The one way the window reaches the host: Electron's preload API when it is there, else a
 * WebSocket to the `strata serve` that served this page. Everything above this module sees
 * only a StrataApi.
 */
import type { StrataApi } from '../../../shared/ipc/index.js';
import { createWsBridge, whenOpen } from './ws-bridge.js';

declare global {
  interface Window {
    /** The host's API, exposed by Electron's preload; absent in a browser tab (serve mode). */
    strata?: StrataApi;
  }
}

/** The serve-mode endpoint on the host and port that served the page. */
export function ipcUrl(location: { protocol: string; host: string }): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ipc`;
}

export async function connectStrata(): Promise<StrataApi> {
  if (window.strata) return window.strata;
  const url = ipcUrl(window.location);
  const socket = new WebSocket(url);
  await whenOpen(socket, url);
  return createWsBridge(socket, url);
}
