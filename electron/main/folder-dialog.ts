/** The native folder dialog behind the contract's `dialog.pickFolder`. */
import { dialog, type BrowserWindow } from 'electron';
import type { ChannelArgs, ChannelResult } from '../../shared/ipc/index.js';

export function folderDialog(parent: () => BrowserWindow | null) {
  return async ({ purpose, defaultPath }: ChannelArgs<'dialog.pickFolder'>): Promise<ChannelResult<'dialog.pickFolder'>> => {
    const options: Electron.OpenDialogOptions = {
      title: purpose === 'open' ? 'Open Project' : 'Choose a Folder for the Project',
      buttonLabel: purpose === 'open' ? 'Open' : 'Choose',
      properties: ['openDirectory', 'createDirectory', ...(purpose === 'save' ? (['promptToCreate'] as const) : [])],
      ...(defaultPath ? { defaultPath } : {}),
    };
    const window = parent();
    const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
    return { path: result.canceled ? null : (result.filePaths[0] ?? null) };
  };
}
