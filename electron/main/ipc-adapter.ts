/**
 * The host's handler table on Electron's IPC: one `ipcMain.handle` per channel of the
 * contract, answering with the host's Reply (the preload unwraps it), and the host's events
 * sent to the window. Calls from any page but the app's own are refused before the host sees them.
 */
import { ipcMain, type WebContents } from 'electron';
import { CHANNELS, type Channel, type Reply } from '../../shared/ipc/index.js';
import { ERROR_CODES, type Host } from '../host/ipc/index.js';
import { isAppUrl } from './app-url.js';

export interface IpcAdapterOptions {
  /** Where events go: the window, while there is one. */
  target(): WebContents | null;
  /** Called after each call the host answered. */
  answered(channel: Channel, reply: Reply<Channel>): void;
}

export function connectHostToIpc(host: Host, options: IpcAdapterOptions): void {
  for (const channel of Object.keys(CHANNELS) as Channel[]) {
    ipcMain.handle(channel, async (event, args: unknown): Promise<Reply<Channel>> => {
      const sender = event.senderFrame?.url ?? '';
      if (!isAppUrl(sender)) {
        return { ok: false, error: { message: `Only the studio's own pages may call "${channel}"; the call came from ${JSON.stringify(sender)}.`, code: ERROR_CODES.invalid } };
      }
      const reply = await host.invoke(channel, args);
      options.answered(channel, reply);
      return reply;
    });
  }
  host.onEvent((event, payload) => {
    const target = options.target();
    if (target && !target.isDestroyed()) target.send(event, payload);
  });
}
