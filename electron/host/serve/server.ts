/**
 * Serve mode: the host on 127.0.0.1 — the built renderer over http, and the IPC contract over a
 * WebSocket at `/ipc` (`invoke` → `reply`, and pushed `event`s, in the frames of
 * shared/ipc/wire-codec.ts: JSON text, or binary when a message carries typed arrays). Only pages
 * this server served may connect: the socket checks the Origin and Host headers, so another
 * web site open in the same browser cannot drive the host (which reads and writes files).
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { decodeWire, encodeWire, wireMessage, type WireMessage } from '../../../shared/ipc/index.js';
import type { Host } from '../ipc/index.js';
import { serveStatic } from './static-files.js';

export interface ServeOptions {
  host: Host;
  /** 0 picks a free port. */
  port: number;
  /** The built renderer (`dist/renderer`). */
  rendererDir: string;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Large enough for a project's model code and layouts in one call. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export class RendererNotBuiltError extends Error {
  constructor(dir: string) {
    super(`The studio's window is not built: ${dir} has no index.html. Run "npm run build:renderer" first.`);
  }
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  if (!existsSync(join(options.rendererDir, 'index.html'))) throw new RendererNotBuiltError(options.rendererDir);
  let origin = '';
  const http = createServer((request, response) => {
    if (!sameHost(request, origin)) {
      response.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`This server answers only to ${origin}.\n`);
      return;
    }
    serveStatic(options.rendererDir, origin, request, response).catch((error: Error) => {
      if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(`${error.message}\n`);
    });
  });
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  http.on('upgrade', (request, socket, head) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/ipc' || !sameHost(request, origin) || !sameOrigin(request, origin)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nOnly the studio served here may connect.\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => bridge(ws, options.host));
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  return {
    url: origin,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of sockets.clients) client.terminate();
        sockets.close();
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

/** One window's socket: calls go to the host in parallel, each answered by id; host events are pushed. */
function bridge(ws: WebSocket, host: Host): void {
  const send = (message: WireMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(encodeWire(message));
  };
  const unsubscribe = host.onEvent((event, payload) => send({ type: 'event', event, payload }));
  ws.on('close', unsubscribe);
  ws.on('message', (data, isBinary) => {
    const parsed = parseMessage(isBinary ? toBytes(data) : data.toString());
    if (!parsed.ok) {
      send({ type: 'reply', id: parsed.id ?? 0, ok: false, error: { message: parsed.message, code: 'invalid-message' } });
      return;
    }
    const { id, channel, args } = parsed.message;
    void host.invoke(channel, args).then((reply) =>
      send(reply.ok ? { type: 'reply', id, ok: true, value: reply.value } : { type: 'reply', id, ok: false, error: reply.error }),
    );
  });
}

type Parsed = { ok: true; message: Extract<WireMessage, { type: 'invoke' }> } | { ok: false; message: string; id?: number };

function parseMessage(frame: string | Uint8Array): Parsed {
  let json: unknown;
  try {
    json = decodeWire(frame);
  } catch (error) {
    const what = typeof frame === 'string' ? `received ${JSON.stringify(frame.slice(0, 40))}` : (error as Error).message;
    return { ok: false, message: `Expected a JSON message or a Strata binary frame; ${what}.` };
  }
  const id = typeof (json as { id?: unknown })?.id === 'number' ? (json as { id: number }).id : undefined;
  const checked = wireMessage.safeParse(json);
  if (!checked.success || checked.data.type !== 'invoke') {
    return { ok: false, id, message: 'Expected {"type":"invoke","id":<number>,"channel":<name>,"args":<value>}; received something else.' };
  }
  return { ok: true, message: checked.data };
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  return data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function sameHost(request: IncomingMessage, origin: string): boolean {
  const host = request.headers.host;
  const port = origin.slice(origin.lastIndexOf(':') + 1);
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

function sameOrigin(request: IncomingMessage, origin: string): boolean {
  const from = request.headers.origin;
  return from === origin || from === origin.replace('127.0.0.1', 'localhost');
}
