import { beforeAll, describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHANNELS } from '../../shared/ipc/index.js';
import { ensureBuilt } from '../helpers/built-app.js';
import { electron, recorded } from './fake-electron.js';

vi.mock('electron', () => electron);

const root = fileURLToPath(new URL('../../', import.meta.url));
const fromApp = { senderFrame: { url: 'strata://app/index.html' } };

type MenuItem = { label?: string; submenu?: MenuItem[]; click?: () => void };
function menuItem(path: string[]): MenuItem {
  let items = recorded.menu as MenuItem[];
  let found: MenuItem | undefined;
  for (const label of path) {
    found = items.find((item) => item.label === label);
    if (!found) throw new Error(`no menu item ${label}`);
    items = found.submenu ?? [];
  }
  return found!;
}

function window() {
  const first = recorded.windows[0];
  if (!first) throw new Error('no window was opened');
  return first;
}

describe('the Electron main process (on a stand-in for Electron)', () => {
  beforeAll(async () => {
    ensureBuilt();
    execFileSync(process.execPath, ['scripts/build-electron.mjs'], { cwd: root, stdio: 'pipe' });
    await import('../../electron/main/main.js');
    await vi.waitFor(() => expect(window().url).not.toBe(''), { timeout: 20_000 });
  }, 180_000);

  it('opens one sandboxed window on the app page, with the bundled preload', () => {
    expect(recorded.errors).toEqual([]);
    expect(recorded.windows).toHaveLength(1);
    expect(window().url).toBe('strata://app/index.html');
    const prefs = window().options.webPreferences;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(prefs.preload).toBe(join(root, 'dist/electron/preload.cjs'));
  });

  it('answers every channel of the contract, and only to the app’s own pages', async () => {
    expect([...recorded.ipcHandlers.keys()].sort()).toEqual(Object.keys(CHANNELS).sort());
    const info = recorded.ipcHandlers.get('app.info')!;
    expect(await info(fromApp, {})).toMatchObject({ ok: true, value: { mode: 'electron' } });
    expect(await info({ senderFrame: { url: 'https://example.org/' } }, {})).toMatchObject({
      ok: false,
      error: { code: 'invalid-message', message: expect.stringContaining('Only the studio') },
    });
    expect(await recorded.ipcHandlers.get('project.open')!(fromApp, { dir: 42 })).toMatchObject({ ok: false, error: { code: 'invalid-message' } });
  });

  it('opens the native folder dialog for dialog.pickFolder', async () => {
    expect(await recorded.ipcHandlers.get('dialog.pickFolder')!(fromApp, { purpose: 'open' })).toEqual({ ok: true, value: { path: '/home/ada/Strata/picked' } });
  });

  it('serves the built renderer with the Content-Security-Policy, and nothing from outside it', async () => {
    const page = await recorded.protocolHandler!({ url: 'strata://app/index.html' });
    expect(page.status).toBe(200);
    expect(page.headers.get('Content-Security-Policy')).toMatch(/default-src 'self'; script-src 'self'; worker-src 'self' blob:/);
    expect(await page.text()).toContain('<html');
    for (const url of ['strata://app/..%2F..%2Fpackage.json', 'strata://app/missing.js', 'strata://elsewhere/index.html']) {
      expect((await recorded.protocolHandler!({ url })).status, url).toBe(404);
    }
    expect(recorded.privilegedSchemes).toEqual([expect.objectContaining({ scheme: 'strata', privileges: expect.objectContaining({ standard: true, secure: true }) })]);
  });

  it('sends menu commands to the window', () => {
    menuItem(['File', 'Save']).click!();
    menuItem(['Edit', 'Undo']).click!();
    expect(recorded.sent.slice(-2)).toEqual([
      ['menu.command', { command: 'save' }],
      ['menu.command', { command: 'undo' }],
    ]);
  });

  it('hands a project given to a second launch to the running window, and brings it to the front', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'strata-second-')), 'mnist');
    mkdirSync(dir);
    writeFileSync(join(dir, 'strata.json'), '{}');
    electron.app.emit('second-instance', {}, ['/opt/Strata/strata', '--no-sandbox', join(dir, 'strata.json')], '/');
    expect(window().focused).toBe(true);
    expect(recorded.sent.at(-1)).toEqual(['menu.command', { command: 'openRecent', dir }]);
  });

  it('keeps every page from navigating away, opening windows or getting permissions', () => {
    const handlers = new Map<string, (...args: unknown[]) => void>();
    let openHandler: (details: { url: string }) => unknown = () => undefined;
    const contents = {
      on: (event: string, handler: (...args: unknown[]) => void) => handlers.set(event, handler),
      setWindowOpenHandler: (handler: typeof openHandler) => {
        openHandler = handler;
      },
    };
    electron.app.emit('web-contents-created', {}, contents);

    expect(openHandler({ url: 'https://keras.io/' })).toEqual({ action: 'deny' });
    expect(recorded.external).toContain('https://keras.io/');
    const navigate = (url: string) => {
      const event = { url, prevented: false, preventDefault: () => (event.prevented = true) };
      handlers.get('will-navigate')!(event);
      return event.prevented;
    };
    expect(navigate('file:///etc/passwd')).toBe(true);
    expect(navigate('strata://app/index.html')).toBe(false);

    const granted: boolean[] = [];
    recorded.permissionRequest!({}, 'media', (ok: boolean) => granted.push(ok), { requestingUrl: 'strata://app/index.html' });
    expect(granted).toEqual([false]);
  });

  it("remembers the window's place when it closes", async () => {
    window().emit('close');
    const file = join(recorded.userData, 'window-state.json');
    await vi.waitFor(() => expect(existsSync(file)).toBe(true));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ bounds: window().getNormalBounds(), maximized: false });
  });
});
