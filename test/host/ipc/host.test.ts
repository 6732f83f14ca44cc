import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHost } from '../../../electron/host/ipc/index.js';
import type { ChannelResult } from '../../../shared/ipc/index.js';

function host(extra = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'strata-host-'));
  return createHost({ mode: 'serve', userDataDir: join(dir, 'user'), projectsDir: join(dir, 'projects'), startupProject: null, ...extra });
}

describe('the host handler table', () => {
  it('answers a valid call', async () => {
    const reply = await host().invoke('app.info', {});
    expect(reply.ok).toBe(true);
    if (reply.ok) expect(reply.value).toMatchObject({ mode: 'serve', startupProject: null, version: expect.stringMatching(/\d+\.\d+/) });
  });

  it('lists the devices runs can train on: the CPU, and the GPUs or why there are none', async () => {
    const reply = await host().invoke('app.devices', {});
    expect(reply.ok).toBe(true);
    if (!reply.ok) return;
    const devices = reply.value as ChannelResult<'app.devices'>;
    expect(devices.cpu.threads).toBeGreaterThan(0);
    if (devices.cuda.length === 0) expect(devices.cudaProblem).toMatch(/CUDA|NVIDIA/);
    else expect(devices.cuda[0]!.device).toBe('cuda:0');
  });

  it('turns invalid messages into error replies before any handler runs', async () => {
    const h = host();
    for (const [channel, args] of [
      ['nope', {}],
      [undefined, undefined],
      ['project.open', null],
      ['project.open', { dir: '' }],
      ['model.evaluate', { code: 1 }],
      ['model.edit', { code: '', fileName: 'm.ts', edit: { type: 'connect', from: 'a' } }],
    ] as const) {
      const reply = await h.invoke(channel, args);
      expect(reply.ok, String(channel)).toBe(false);
      if (!reply.ok) {
        expect(reply.error.code).toBe('invalid-message');
        expect(reply.error.message).toMatch(/expected|Unknown channel/);
      }
    }
  });

  it('turns a failing handler into an error reply with its message', async () => {
    const reply = await host().invoke('project.open', { dir: join(tmpdir(), 'strata-no-such-project-folder') });
    expect(reply.ok).toBe(false);
    if (!reply.ok) {
      expect(reply.error.code).toBe('failed');
      expect(reply.error.message).toContain('strata-no-such-project-folder');
    }
  });

  it('has no folder dialog in serve mode, and says so', async () => {
    const reply = await host().invoke('dialog.pickFolder', { purpose: 'open' });
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.error.message).toMatch(/only in the desktop app/);
  });

  it('uses the dialog the Electron adapter gives', async () => {
    const h = host({ extraHandlers: { 'dialog.pickFolder': async () => ({ path: '/picked' }) } });
    expect(await h.invoke('dialog.pickFolder', { purpose: 'save' })).toEqual({ ok: true, value: { path: '/picked' } });
  });

  it('checks pushed events against the contract', () => {
    const h = host();
    const seen: unknown[] = [];
    const off = h.onEvent((event, payload) => seen.push([event, payload]));
    h.emit('menu.command', { command: 'save' });
    expect(() => h.emit('menu.command', { command: 'explode' } as never)).toThrow(/does not fit the contract/);
    off();
    h.emit('menu.command', { command: 'undo' });
    expect(seen).toEqual([['menu.command', { command: 'save' }]]);
  });
});
