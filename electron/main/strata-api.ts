/**
 * `window.strata` as the preload exposes it, over a transport given to it (ipcRenderer in the
 * preload, a stand-in in tests). Only the channels and events the contract names pass: the
 * page cannot use the bridge to reach any other ipcMain handler or listen to other messages.
 */
import { CHANNELS, EVENTS, isChannel, isEventName, type Reply, type StrataApi } from '../../shared/ipc/index.js';

export interface PreloadTransport {
  invoke(channel: string, args: unknown): Promise<unknown>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

export function createStrataApi(transport: PreloadTransport): StrataApi {
  return {
    async invoke(channel, args) {
      if (!isChannel(channel)) {
        throw new Error(`Unknown channel ${JSON.stringify(channel)}; expected one of ${Object.keys(CHANNELS).join(', ')}.`);
      }
      const reply = (await transport.invoke(channel, args)) as Reply<typeof channel>;
      if (reply.ok) return reply.value as never;
      throw new Error(reply.error.message);
    },
    on(event, listener) {
      if (!isEventName(event)) {
        throw new Error(`Unknown event ${JSON.stringify(event)}; expected one of ${Object.keys(EVENTS).join(', ')}.`);
      }
      return transport.on(event, (payload) => listener(payload as never));
    },
  };
}
