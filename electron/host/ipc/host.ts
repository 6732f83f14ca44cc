/**
 * The host: the handler table behind the IPC contract, shared by both adapters (Electron's
 * ipcMain in electron/main/, the WebSocket server of `strata serve`). Every call is checked
 * against the contract before its handler runs, and every result before it leaves; whatever
 * goes wrong becomes an error reply, never a throw into the adapter.
 */
import { EventEmitter } from 'node:events';
import {
  checkArgs,
  checkEvent,
  checkResult,
  type Channel,
  type EventName,
  type EventPayload,
  type Reply,
} from '../../../shared/ipc/index.js';
import { createHandlers, type HostOptions } from './handlers.js';

export interface Host {
  /** Runs the handler of `channel` on `args`, both as they arrived (unchecked). Never throws. */
  invoke(channel: unknown, args: unknown): Promise<Reply<Channel>>;
  /** Subscribes to the events the host pushes to windows; returns the unsubscribe function. */
  onEvent(listener: <E extends EventName>(event: E, payload: EventPayload<E>) => void): () => void;
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  /** Stops what the host runs in the background (training processes; their runs read as interrupted). */
  shutdown(): Promise<void>;
}

export type { HostOptions } from './handlers.js';

/** Error codes a reply can carry: the window shows the message; the code says whose fault it was. */
export const ERROR_CODES = {
  /** The message did not fit the contract. */
  invalid: 'invalid-message',
  /** The handler refused or failed: bad input from the person, a missing file… */
  failed: 'failed',
  /** The handler answered something the contract does not allow: a bug in the host. */
  internal: 'internal',
} as const;

export function createHost(options: HostOptions): Host {
  const events = new EventEmitter();
  const emit = <E extends EventName>(event: E, payload: EventPayload<E>) => {
    const checked = checkEvent(event, payload);
    if (!checked.ok) throw new Error(checked.message);
    events.emit('event', event, checked.value);
  };
  const { handlers, services } = createHandlers(options, (runEvent) => emit('runs.event', runEvent));

  return {
    async invoke(channel, args) {
      const checked = checkArgs(channel, args);
      if (!checked.ok) return { ok: false, error: { message: checked.message, code: ERROR_CODES.invalid } };
      const name = checked.value.channel;
      let value: unknown;
      try {
        value = await (handlers[name] as (a: unknown) => Promise<unknown>)(checked.value.args);
      } catch (error) {
        return { ok: false, error: { message: messageOf(error), code: ERROR_CODES.failed } };
      }
      const result = checkResult(name, value);
      if (!result.ok) return { ok: false, error: { message: `Strata's host gave a malformed answer (a bug): ${result.message}`, code: ERROR_CODES.internal } };
      return { ok: true, value: result.value };
    },
    onEvent(listener) {
      const forward = (event: EventName, payload: unknown) => listener(event, payload as never);
      events.on('event', forward);
      return () => events.off('event', forward);
    },
    emit,
    shutdown: () => services.runs.shutdown(),
  };
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
