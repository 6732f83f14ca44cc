import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { menuTemplate, type MenuCommand, type MenuOptions } from '../../electron/main/menu-template.js';

function build(overrides: Partial<MenuOptions> = {}) {
  const sent: Array<[MenuCommand, string | undefined]> = [];
  const opened: string[] = [];
  const template = menuTemplate({
    platform: 'linux',
    development: false,
    recent: [],
    homepage: null,
    send: (command, dir) => sent.push([command, dir]),
    openExternal: (url) => opened.push(url),
    ...overrides,
  });
  return { template, sent, opened };
}

function submenu(template: MenuItemConstructorOptions[], label: string): MenuItemConstructorOptions[] {
  const menu = template.find((item) => item.label === label || (label === 'Help' && item.role === 'help'));
  if (!menu || !Array.isArray(menu.submenu)) throw new Error(`no ${label} menu`);
  return menu.submenu;
}

function item(items: MenuItemConstructorOptions[], label: string): MenuItemConstructorOptions {
  const found = items.find((i) => i.label === label);
  if (!found) throw new Error(`no item ${label} among ${items.map((i) => i.label ?? i.role ?? i.type).join(', ')}`);
  return found;
}

function click(menuItem: MenuItemConstructorOptions): void {
  (menuItem.click as () => void)();
}

const labels = (items: MenuItemConstructorOptions[]) => items.filter((i) => i.type !== 'separator').map((i) => i.label ?? i.role);

describe('the application menu', () => {
  it('has File, Edit, View and Help, with the project commands under File', () => {
    const { template } = build();
    expect(template.map((m) => m.label ?? m.role)).toEqual(['File', 'Edit', 'View', 'help']);
    expect(labels(submenu(template, 'File'))).toEqual(['New Project…', 'Open Project…', 'Open Recent', 'Save', 'Save As…', 'Close Project', 'quit']);
  });

  it('sends each project command to the window, with the usual shortcuts', () => {
    const { template, sent } = build();
    const file = submenu(template, 'File');
    for (const label of ['New Project…', 'Open Project…', 'Save', 'Save As…', 'Close Project']) click(item(file, label));
    expect(sent.map(([command]) => command)).toEqual(['newProject', 'openProject', 'save', 'saveAs', 'closeProject']);
    expect(item(file, 'Save').accelerator).toBe('CmdOrCtrl+S');
    expect(item(file, 'Save As…').accelerator).toBe('CmdOrCtrl+Shift+S');
  });

  it('lists recent projects under Open Recent, each opening its folder', () => {
    const recent = [
      { dir: '/home/ada/Strata/mnist', name: 'mnist', openedAt: '2025-01-02T00:00:00.000Z' },
      { dir: '/home/ada/Strata/resnet', name: 'resnet', openedAt: '2025-01-01T00:00:00.000Z' },
    ];
    const { template, sent } = build({ recent });
    const openRecent = item(submenu(template, 'File'), 'Open Recent').submenu as MenuItemConstructorOptions[];
    expect(openRecent.map((i) => i.label)).toEqual(['mnist — /home/ada/Strata/mnist', 'resnet — /home/ada/Strata/resnet']);
    click(openRecent[1]!);
    expect(sent).toEqual([['openRecent', '/home/ada/Strata/resnet']]);
  });

  it('says when there are no recent projects', () => {
    const openRecent = item(submenu(build().template, 'File'), 'Open Recent').submenu as MenuItemConstructorOptions[];
    expect(openRecent).toEqual([{ label: 'No Recent Projects', enabled: false }]);
  });

  it("routes Undo and Redo to the window's history rather than the focused text field", () => {
    const { template, sent } = build();
    const edit = submenu(template, 'Edit');
    click(item(edit, 'Undo'));
    click(item(edit, 'Redo'));
    expect(sent.map(([command]) => command)).toEqual(['undo', 'redo']);
    expect(edit.map((i) => i.role).filter(Boolean)).toEqual(['cut', 'copy', 'paste', 'selectAll']);
  });

  it('offers reload and developer tools only in development', () => {
    const roles = (development: boolean) => submenu(build({ development }).template, 'View').map((i) => i.role);
    expect(roles(false)).not.toContain('toggleDevTools');
    expect(roles(true)).toEqual(expect.arrayContaining(['reload', 'forceReload', 'toggleDevTools']));
  });

  it('fits the graph to the window from View', () => {
    const { template, sent } = build();
    click(item(submenu(template, 'View'), 'Fit Graph'));
    expect(sent).toEqual([['fitGraph', undefined]]);
  });

  it('follows macOS conventions there: an app menu with Quit, none in File', () => {
    const { template, sent } = build({ platform: 'darwin' });
    expect(template.map((m) => m.label ?? m.role)).toEqual(['Strata', 'File', 'Edit', 'View', 'help']);
    expect(labels(submenu(template, 'File'))).not.toContain('quit');
    expect(submenu(template, 'Strata').map((i) => i.role)).toContain('quit');
    click(item(submenu(template, 'Strata'), 'About Strata'));
    expect(sent).toEqual([['about', undefined]]);
  });

  it("links Help to the project's web page when it has one", () => {
    expect(labels(submenu(build().template, 'Help'))).toEqual(['About Strata']);
    const { template, opened } = build({ homepage: 'https://example.org/strata' });
    click(item(submenu(template, 'Help'), 'Strata on the Web'));
    expect(opened).toEqual(['https://example.org/strata']);
  });
});
