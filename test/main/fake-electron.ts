/**
 * A stand-in for the 'electron' module, enough to run electron/main/main.ts in plain Node (no
 * Electron binary can be downloaded here). It records what the main process asks of Electron
 * so tests can look: the window's options, the ipcMain handlers, the protocol handler, the menu.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

type Handler = (...args: unknown[]) => unknown;

export const recorded = {
  userData: mkdtempSync(`${tmpdir()}/strata-electron-`),
  privilegedSchemes: [] as unknown[],
  ipcHandlers: new Map<string, Handler>(),
  protocolHandler: null as ((request: { url: string }) => Promise<Response>) | null,
  permissionRequest: null as Handler | null,
  menu: [] as unknown[],
  windows: [] as FakeWindow[],
  sent: [] as Array<[string, unknown]>,
  external: [] as string[],
  errors: [] as string[],
};

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

class FakeWebContents extends EventEmitter {
  send(event: string, payload: unknown): void {
    recorded.sent.push([event, payload]);
  }
  isDestroyed(): boolean {
    return false;
  }
}

export class FakeWindow extends EventEmitter {
  readonly webContents = new FakeWebContents();
  url = '';
  focused = false;
  private maximized = false;
  constructor(readonly options: { x: number; y: number; width: number; height: number; webPreferences: Record<string, unknown> }) {
    super();
    recorded.windows.push(this);
  }
  async loadURL(url: string): Promise<void> {
    this.url = url;
    this.emit('ready-to-show');
  }
  show(): void {}
  maximize(): void {
    this.maximized = true;
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  isMinimized(): boolean {
    return false;
  }
  restore(): void {}
  focus(): void {
    this.focused = true;
  }
  getNormalBounds() {
    const { x, y, width, height } = this.options;
    return { x, y, width, height };
  }
}

class FakeApp extends EventEmitter {
  isPackaged = false;
  requestSingleInstanceLock(): boolean {
    return true;
  }
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  getPath(): string {
    return recorded.userData;
  }
  getAppPath(): string {
    return fileURLToPath(new URL('../../', import.meta.url));
  }
  quit(): void {}
}

const display = { id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1080 } };

export const electron = {
  app: new FakeApp(),
  BrowserWindow: FakeWindow,
  screen: { getPrimaryDisplay: () => display, getAllDisplays: () => [display] },
  Menu: {
    buildFromTemplate: (template: unknown[]) => template,
    setApplicationMenu: (menu: unknown[]) => {
      recorded.menu = menu;
    },
  },
  ipcMain: { handle: (channel: string, handler: Handler) => recorded.ipcHandlers.set(channel, handler) },
  protocol: { registerSchemesAsPrivileged: (schemes: unknown[]) => recorded.privilegedSchemes.push(...schemes) },
  session: {
    defaultSession: {
      protocol: {
        handle: (_scheme: string, handler: typeof recorded.protocolHandler) => {
          recorded.protocolHandler = handler;
        },
      },
      setPermissionRequestHandler: (handler: Handler) => {
        recorded.permissionRequest = handler;
      },
      setPermissionCheckHandler: () => {},
    },
  },
  net: {
    fetch: async (url: string) => {
      const path = fileURLToPath(url);
      return new Response(await readFile(path), { headers: { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream' } });
    },
  },
  shell: {
    openExternal: async (url: string) => {
      recorded.external.push(url);
    },
  },
  dialog: {
    showErrorBox: (title: string, message: string) => recorded.errors.push(`${title}: ${message}`),
    showOpenDialog: async () => ({ canceled: false, filePaths: ['/home/ada/Strata/picked'] }),
  },
};
