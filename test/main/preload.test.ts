import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import type { StrataApi } from '../../shared/ipc/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const preloadFile = fileURLToPath(new URL('../../dist/electron/preload.cjs', import.meta.url));

/**
 * Runs the built preload as a sandboxed Electron window runs it: a `require` that knows only
 * 'electron', whose contextBridge and ipcRenderer are stand-ins recording what the preload does.
 */
function loadPreload() {
  const exposed = new Map<string, unknown>();
  const invoked: Array<[string, unknown]> = [];
  const listeners = new Map<string, Array<(event: unknown, payload: unknown) => void>>();
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
    ipcRenderer: {
      invoke: async (channel: string, args: unknown) => {
        invoked.push([channel, args]);
        return { ok: true, value: { version: '0.1.0', mode: 'electron', platform: 'linux', startupProject: null, projectsDir: '/home/ada/Strata' } };
      },
      on: (event: string, listener: (event: unknown, payload: unknown) => void) => listeners.set(event, [...(listeners.get(event) ?? []), listener]),
      removeListener: (event: string, listener: unknown) => listeners.set(event, (listeners.get(event) ?? []).filter((l) => l !== listener)),
    },
  };
  const sandboxedRequire = (name: string) => {
    if (name === 'electron') return electron;
    throw new Error(`module not found: ${name} (a sandboxed preload can require only 'electron')`);
  };
  const module = { exports: {} };
  runInNewContext(readFileSync(preloadFile, 'utf8'), { require: sandboxedRequire, module, exports: module.exports, console });
  const push = (event: string, payload: unknown) => listeners.get(event)?.forEach((l) => l({}, payload));
  return { exposed, invoked, push };
}

describe('the bundled preload', () => {
  beforeAll(() => {
    execFileSync(process.execPath, ['scripts/build-electron.mjs'], { cwd: root, stdio: 'pipe' });
  }, 120_000);

  it("runs with only 'electron' to require and exposes window.strata and nothing else", () => {
    const { exposed } = loadPreload();
    expect([...exposed.keys()]).toEqual(['strata']);
    expect(Object.keys(exposed.get('strata') as object).sort()).toEqual(['invoke', 'on']);
  });

  it('carries calls and events of the contract between the window and ipcRenderer', async () => {
    const { exposed, invoked, push } = loadPreload();
    const strata = exposed.get('strata') as StrataApi;
    expect(await strata.invoke('app.info', {})).toMatchObject({ mode: 'electron' });
    expect(invoked).toEqual([['app.info', {}]]);
    const commands: unknown[] = [];
    const off = strata.on('menu.command', (payload) => commands.push(payload));
    push('menu.command', { command: 'save' });
    off();
    push('menu.command', { command: 'save' });
    expect(commands).toEqual([{ command: 'save' }]);
    await expect(strata.invoke('shell.exec' as never, {} as never)).rejects.toThrow(/Unknown channel/);
  });
});
