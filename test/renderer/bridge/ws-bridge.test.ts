import { describe, expect, it } from 'vitest';
import { createWsBridge, ipcUrl, type BridgeSocket } from '../../../renderer/src/bridge/index.js';

class FakeSocket implements BridgeSocket {
  readyState = 1;
  sent: Array<{ type: string; id: number; channel: string; args: unknown }> = [];
  private listeners = new Map<string, Array<(event: { data: unknown }) => void>>();
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  addEventListener(type: string, listener: (event: { data: unknown }) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  emit(type: string, data?: unknown) {
    for (const l of this.listeners.get(type) ?? []) l({ data: typeof data === 'string' || data === undefined ? data : JSON.stringify(data) });
  }
}

const URL = 'ws://127.0.0.1:4000/ipc';

describe('the WebSocket bridge', () => {
  it('matches replies to calls by id, whatever order they come in', async () => {
    const socket = new FakeSocket();
    const api = createWsBridge(socket, URL);
    const info = api.invoke('app.info', {});
    const recent = api.invoke('project.recent', {});
    expect(socket.sent.map((m) => m.channel)).toEqual(['app.info', 'project.recent']);
    socket.emit('message', { type: 'reply', id: socket.sent[1]!.id, ok: true, value: [] });
    socket.emit('message', { type: 'reply', id: socket.sent[0]!.id, ok: true, value: { version: '1' } });
    await expect(recent).resolves.toEqual([]);
    await expect(info).resolves.toEqual({ version: '1' });
  });

  it("rejects a refused call with the host's message", async () => {
    const socket = new FakeSocket();
    const api = createWsBridge(socket, URL);
    const open = api.invoke('project.open', { dir: '/nowhere' });
    socket.emit('message', { type: 'reply', id: 0, ok: false, error: { message: 'No project at /nowhere', code: 'not_found' } });
    await expect(open).rejects.toThrow('No project at /nowhere');
  });

  it('rejects waiting calls, and later ones, once the socket closes', async () => {
    const socket = new FakeSocket();
    const api = createWsBridge(socket, URL);
    const waiting = api.invoke('project.recent', {});
    socket.readyState = 3;
    socket.emit('close');
    await expect(waiting).rejects.toThrow(/closed; reload the page.*"project.recent"/);
    await expect(api.invoke('app.info', {})).rejects.toThrow(/ws:\/\/127.0.0.1:4000\/ipc closed/);
  });

  it('delivers pushed events to subscribers until they unsubscribe, ignoring malformed frames', () => {
    const socket = new FakeSocket();
    const api = createWsBridge(socket, URL);
    const seen: string[] = [];
    const off = api.on('menu.command', (p) => seen.push(p.command));
    socket.emit('message', 'not json');
    socket.emit('message', { type: 'nonsense' });
    socket.emit('message', { type: 'event', event: 'menu.command', payload: { command: 'save' } });
    off();
    socket.emit('message', { type: 'event', event: 'menu.command', payload: { command: 'undo' } });
    expect(seen).toEqual(['save']);
  });

  it('connects to /ipc on the host that served the page', () => {
    expect(ipcUrl({ protocol: 'http:', host: '127.0.0.1:4000' })).toBe('ws://127.0.0.1:4000/ipc');
  });
});
