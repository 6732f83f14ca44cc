/**
 * The Electron main process: one window on the host's handler table, the application menu,
 * native folder dialogs, and projects the system asks the app to open (a `strata.json`
 * double-clicked, or passed to a second launch, which hands it to the running one).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, Menu, session, shell } from 'electron';
import type { Channel, ChannelResult, RecentProject } from '../../shared/ipc/index.js';
import { createHost, type Host } from '../host/ipc/index.js';
import { defaultProjectsDir, rendererDir } from '../host/paths.js';
import { registerAppScheme, serveRenderer } from './app-protocol.js';
import { folderDialog } from './folder-dialog.js';
import { connectHostToIpc } from './ipc-adapter.js';
import { openMainWindow } from './main-window.js';
import { menuTemplate, type MenuCommand } from './menu-template.js';
import { projectDirFromArgs, projectDirOf } from './open-request.js';
import { guardPermissions, guardWebContents } from './web-guards.js';
import { forkUtilityProcess } from './training-process.js';

const PRELOAD = fileURLToPath(new URL('../../dist/electron/preload.cjs', import.meta.url));
/** Calls after which the recent-projects list, and so File ▸ Open Recent, may have changed. */
const CHANGES_RECENT = new Set<Channel>(['project.create', 'project.open', 'project.saveAs', 'project.forgetRecent']);

registerAppScheme();
if (app.requestSingleInstanceLock()) start();
else app.quit();

function start(): void {
  let host: Host | null = null;
  let window: BrowserWindow | null = null;
  /** Projects asked for before the window could take them; the first becomes the startup project. */
  const queued: string[] = [];
  let windowReady = false;

  const send = (command: MenuCommand, dir?: string) => host?.emit('menu.command', dir === undefined ? { command } : { command, dir });
  const openProject = (dir: string) => {
    if (windowReady) send('openRecent', dir);
    else queued.push(dir);
  };
  const fromArgs = projectDirFromArgs(process.argv.slice(1), process.cwd());
  if (fromArgs) queued.push(fromArgs);

  app.on('open-file', (event, path) => {
    event.preventDefault();
    const dir = projectDirOf(path);
    if (dir) openProject(dir);
  });
  app.on('second-instance', (_event, argv, workingDirectory) => {
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
    const dir = projectDirFromArgs(argv.slice(1), workingDirectory);
    if (dir) openProject(dir);
  });
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents));

  const refreshMenu = async () => {
    const reply = host ? await host.invoke('project.recent', {}) : null;
    const recent = reply?.ok ? (reply.value as ChannelResult<'project.recent'>) : ([] as RecentProject[]);
    const template = menuTemplate({
      platform: process.platform,
      development: !app.isPackaged,
      recent,
      homepage: packageHomepage(),
      send,
      openExternal: (url) => void shell.openExternal(url),
    });
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  };

  const showWindow = async () => {
    windowReady = false;
    window = await openMainWindow({ preload: PRELOAD, stateFile: join(app.getPath('userData'), 'window-state.json') });
    window.on('closed', () => {
      window = null;
      windowReady = false;
    });
    windowReady = true;
    for (const dir of queued.splice(0)) send('openRecent', dir);
  };

  app.on('window-all-closed', () => {
    // On macOS an app stays open without windows, and the Dock icon brings one back.
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (host && !window) void showWindow();
  });
  // Training processes end with the app; their runs read as interrupted, resumable from a checkpoint.
  let shutDown = false;
  app.on('before-quit', (event) => {
    if (shutDown || !host) return;
    event.preventDefault();
    shutDown = true;
    void host.shutdown().finally(() => app.quit());
  });

  app.whenReady().then(async () => {
    const missing = [join(rendererDir(), 'index.html'), PRELOAD].filter((file) => !existsSync(file));
    if (missing.length > 0) {
      dialog.showErrorBox('Strata is not built', `Strata's window needs ${missing.join(' and ')}, which are missing. Run "npm run build" first.`);
      app.quit();
      return;
    }
    guardPermissions(session.defaultSession);
    serveRenderer(session.defaultSession, rendererDir());
    host = createHost({
      mode: 'electron',
      userDataDir: app.getPath('userData'),
      projectsDir: defaultProjectsDir(),
      startupProject: queued.shift() ?? null,
      extraHandlers: { 'dialog.pickFolder': folderDialog(() => window) },
      forkTraining: forkUtilityProcess,
    });
    connectHostToIpc(host, {
      target: () => window?.webContents ?? null,
      answered: (channel, reply) => {
        if (reply.ok && CHANGES_RECENT.has(channel)) void refreshMenu();
      },
    });
    await refreshMenu();
    await showWindow();
  }).catch((error: Error) => {
    dialog.showErrorBox('Strata could not start', error.stack ?? error.message);
    app.quit();
  });
}

/** The `homepage` of package.json, for Help ▸ Strata on the Web. */
function packageHomepage(): string | null {
  try {
    const pkg = JSON.parse(readFileSync(join(app.getAppPath(), 'package.json'), 'utf8')) as { homepage?: unknown };
    return typeof pkg.homepage === 'string' ? pkg.homepage : null;
  } catch {
    return null;
  }
}
