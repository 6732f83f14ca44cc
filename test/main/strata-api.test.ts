import { describe, expect, it } from 'vitest';
import { createStrataApi, type PreloadTransport } from '../../electron/main/strata-api.js';

function fakeTransport(replies: Record<string, unknown>) {
  const calls: Array<[string, unknown]> = [];
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const transport: PreloadTransport = {
    invoke: async (channel, args) => {
      calls.push([channel, args]);
      return replies[channel];
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener);
      listeners.set(event, set);
      return () => set.delete(listener);
    },
  };
  const push = (event: string, payload: unknown) => listeners.get(event)?.forEach((l) => l(payload));
  return { transport, calls, push };
}

describe('window.strata in the desktop app', () => {
  it("returns a call's value and throws its error with the host's message", async () => {
    const { transport, calls } = fakeTransport({
      'project.recent': { ok: true, value: [] },
      'project.open': { ok: false, error: { message: 'Expected a project folder; /tmp/x has no strata.json.', code: 'failed' } },
    });
    const api = createStrataApi(transport);
    expect(await api.invoke('project.recent', {})).toEqual([]);
    await expect(api.invoke('project.open', { dir: '/tmp/x' })).rejects.toThrow('Expected a project folder; /tmp/x has no strata.json.');
    expect(calls).toEqual([
      ['project.recent', {}],
      ['project.open', { dir: '/tmp/x' }],
    ]);
  });

  it('lets no call through on a channel the contract does not name', async () => {
    const { transport, calls } = fakeTransport({});
    const api = createStrataApi(transport);
    await expect(api.invoke('fs.readFile' as never, {} as never)).rejects.toThrow(/Unknown channel "fs\.readFile"; expected one of app\.info, /);
    expect(calls).toEqual([]);
  });

  it('delivers pushed events until unsubscribed, and only events the contract names', () => {
    const { transport, push } = fakeTransport({});
    const api = createStrataApi(transport);
    const seen: unknown[] = [];
    const off = api.on('menu.command', (payload) => seen.push(payload));
    push('menu.command', { command: 'save' });
    off();
    push('menu.command', { command: 'undo' });
    expect(seen).toEqual([{ command: 'save' }]);
    expect(() => api.on('ipc.secret' as never, () => {})).toThrow(/Unknown event "ipc\.secret"; expected one of menu\.command/);
  });
});
