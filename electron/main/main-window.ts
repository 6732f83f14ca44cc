/** The studio's one window: sandboxed, its state restored and remembered. */
import { BrowserWindow, screen } from 'electron';
import { APP_PAGE } from './app-url.js';
import { fitToDisplays, MIN_SIZE, readWindowState, writeWindowState, type WindowState } from './window-state.js';

/** Moves and resizes come in bursts; the state is written once the window has settled. */
const SAVE_DELAY_MS = 500;

export async function openMainWindow(options: { preload: string; stateFile: string }): Promise<BrowserWindow> {
  const state = fitToDisplays(await readWindowState(options.stateFile), workAreas());
  const window = new BrowserWindow({
    ...state.bounds,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    title: 'Strata',
    show: false,
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  if (state.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());
  rememberState(window, options.stateFile);
  await window.loadURL(APP_PAGE);
  return window;
}

function workAreas() {
  const primary = screen.getPrimaryDisplay();
  return [primary, ...screen.getAllDisplays().filter((d) => d.id !== primary.id)].map((d) => d.workArea);
}

function rememberState(window: BrowserWindow, file: string): void {
  let timer: NodeJS.Timeout | undefined;
  const current = (): WindowState => ({ bounds: window.getNormalBounds(), maximized: window.isMaximized() });
  const save = (state: WindowState) => {
    clearTimeout(timer);
    writeWindowState(file, state).catch((error: Error) => console.error(`Strata could not remember the window's place: ${error.message}`));
  };
  const saveSoon = () => {
    clearTimeout(timer);
    timer = setTimeout(() => save(current()), SAVE_DELAY_MS);
  };
  window.on('resize', saveSoon);
  window.on('move', saveSoon);
  window.on('maximize', saveSoon);
  window.on('unmaximize', saveSoon);
  window.on('close', () => save(current()));
}
