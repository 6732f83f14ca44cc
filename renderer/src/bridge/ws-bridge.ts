/**
 * The host's API over a WebSocket (serve mode): each call is an `invoke` message with an id,
 * answered by a `reply` with the same id; the host pushes `event` messages. Messages are the
 * contract's `wireMessage` in the frames of wire-codec.ts (typed arrays as binary), checked on
 * arrival so a malformed frame cannot break the window.
 */
import { decodeWire, encodeWire, wireMessage, type Channel, type ChannelArgs, type ChannelResult, type EventName, type EventPayload, type StrataApi } from '../../../shared/ipc/index.js';

/** The part of a browser WebSocket the bridge uses, so tests can hand in a fake. */
export interface BridgeSocket {
  readonly readyState: number;
  binaryType?: string;
  send(data: string | Uint8Array): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

const OPEN = 1;

interface Pending {
  channel: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** Resolves once the socket is open; rejects with a message naming the address if it cannot connect. */
export function whenOpen(socket: BridgeSocket, url: string): Promise<void> {
  if (socket.readyState === OPEN) return Promise.resolve();
  return new Promise((resolve, reject) => {
    socket.addEventListener('open', () => resolve());
    socket.addEventListener('close', () => reject(new Error(`Could not connect to the Strata host at ${url}; is \`strata serve\` still running?`)));
  });
}

/**
 * A StrataApi over an open socket. When the socket closes, every call still waiting is
 * rejected, and later calls fail at once: the page reconnects only when it is reloaded.
 */
export function createWsBridge(socket: BridgeSocket, url: string): StrataApi {
  let nextId = 0;
  let closedBecause: string | null = null;
  const pending = new Map<number, Pending>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();

  socket.binaryType = 'arraybuffer';
  socket.addEventListener('message', ({ data }) => {
    if (typeof data !== 'string' && !(data instanceof ArrayBuffer)) return;
    let raw: unknown;
    try {
      raw = decodeWire(data);
    } catch {
      return;
    }
    const parsed = wireMessage.safeParse(raw);
    if (!parsed.success) return;
    const message = parsed.data;
    if (message.type === 'reply') {
      const call = pending.get(message.id);
      if (!call) return;
      pending.delete(message.id);
      if (message.ok) call.resolve(message.value);
      else call.reject(new Error(message.error?.message ?? `The host refused "${call.channel}" without saying why.`));
    } else if (message.type === 'event') {
      for (const listener of listeners.get(message.event) ?? []) listener(message.payload);
    }
  });

  socket.addEventListener('close', () => {
    closedBecause = `The connection to the Strata host at ${url} closed; reload the page to reconnect.`;
    for (const [id, call] of pending) {
      pending.delete(id);
      call.reject(new Error(`${closedBecause} ("${call.channel}" got no answer.)`));
    }
  });

  return {
    invoke<C extends Channel>(channel: C, args: ChannelArgs<C>): Promise<ChannelResult<C>> {
      if (closedBecause !== null || socket.readyState !== OPEN) {
        return Promise.reject(new Error(closedBecause ?? `The connection to the Strata host at ${url} is not open; reload the page to reconnect.`));
      }
      const id = nextId++;
      return new Promise<ChannelResult<C>>((resolve, reject) => {
        pending.set(id, { channel, resolve: resolve as (value: unknown) => void, reject });
        socket.send(encodeWire({ type: 'invoke', id, channel, args }));
      });
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const untyped = listener as (payload: unknown) => void;
      set.add(untyped);
      return () => set.delete(untyped);
    },
  };
}
