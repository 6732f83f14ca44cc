/**
 * The application menu as a plain template: what each item is called, its shortcut, and what
 * it does. Project and editing commands go to the window as `menu.command` events, so that the
 * window's stores carry them out exactly as its own buttons do (undo and redo use the store's
 * history, which spans the code and the graph).
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { EventPayload, RecentProject } from '../../shared/ipc/index.js';

export type MenuCommand = EventPayload<'menu.command'>['command'];

export interface MenuOptions {
  platform: NodeJS.Platform;
  /** Reload and developer tools are offered only when running from the source tree. */
  development: boolean;
  recent: readonly RecentProject[];
  /** The project's web page, for Help; no item when there is none. */
  homepage: string | null;
  send(command: MenuCommand, dir?: string): void;
  openExternal(url: string): void;
}

export function menuTemplate(options: MenuOptions): MenuItemConstructorOptions[] {
  const mac = options.platform === 'darwin';
  const command = (label: string, name: MenuCommand, accelerator?: string): MenuItemConstructorOptions => ({
    label,
    ...(accelerator ? { accelerator } : {}),
    click: () => options.send(name),
  });

  const recent: MenuItemConstructorOptions[] =
    options.recent.length === 0
      ? [{ label: 'No Recent Projects', enabled: false }]
      : options.recent.map((project) => ({ label: `${project.name} — ${project.dir}`, click: () => options.send('openRecent', project.dir) }));

  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      command('New Project…', 'newProject', 'CmdOrCtrl+N'),
      command('Open Project…', 'openProject', 'CmdOrCtrl+O'),
      { label: 'Open Recent', submenu: recent },
      { type: 'separator' },
      command('Save', 'save', 'CmdOrCtrl+S'),
      command('Save As…', 'saveAs', 'CmdOrCtrl+Shift+S'),
      { type: 'separator' },
      command('Close Project', 'closeProject', 'CmdOrCtrl+W'),
      ...(mac ? [] : [{ type: 'separator' } as const, { role: 'quit' } as const]),
    ],
  };

  const edit: MenuItemConstructorOptions = {
    label: 'Edit',
    submenu: [
      command('Undo', 'undo', 'CmdOrCtrl+Z'),
      command('Redo', 'redo', 'CmdOrCtrl+Shift+Z'),
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'selectAll' },
    ],
  };

  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [
      command('Fit Graph', 'fitGraph', 'CmdOrCtrl+Shift+F'),
      { type: 'separator' },
      ...(options.development ? [{ role: 'reload' } as const, { role: 'forceReload' } as const, { role: 'toggleDevTools' } as const, { type: 'separator' } as const] : []),
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };

  const homepage = options.homepage;
  const help: MenuItemConstructorOptions = {
    role: 'help',
    submenu: [
      command('About Strata', 'about'),
      ...(homepage ? [{ label: 'Strata on the Web', click: () => options.openExternal(homepage) }] : []),
    ],
  };

  const appMenu: MenuItemConstructorOptions = {
    label: 'Strata',
    submenu: [
      command('About Strata', 'about'),
      { type: 'separator' },
      { role: 'services' },
      { type: 'separator' },
      { role: 'hide' },
      { role: 'hideOthers' },
      { role: 'unhide' },
      { type: 'separator' },
      { role: 'quit' },
    ],
  };

  return [...(mac ? [appMenu] : []), file, edit, view, help];
}
