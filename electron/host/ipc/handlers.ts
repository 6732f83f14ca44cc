/** One handler per channel of the contract: the services of the host behind the IPC boundary. */
import { platform } from 'node:os';
import type { Channel, ChannelParsedArgs, ChannelResult } from '../../../shared/ipc/index.js';
import { ProjectService } from '../projects/index.js';
import { applyGraphEdit, checkLayerOptions, evaluateForStudio, generateModelCode, layerCatalog } from '../model-code/index.js';
import { modelApiDeclarations } from '../model-api/index.js';
import { strataVersion } from '../version.js';

export type Handlers = { [C in Channel]: (args: ChannelParsedArgs<C>) => Promise<ChannelResult<C>> };

export interface HostOptions {
  /** `electron`: the desktop app; `serve`: `strata serve`, the window is a browser tab. */
  mode: 'electron' | 'serve';
  /** Where the host keeps its own files (the recent-projects list). */
  userDataDir: string;
  /** Where new projects go unless the person picks another folder. */
  projectsDir: string;
  /** The project to open first (`strata serve --project DIR`, or a strata.json the app was opened with). */
  startupProject: string | null;
  /** Handlers only one adapter can give (native dialogs exist only in Electron). */
  extraHandlers?: Partial<Pick<Handlers, 'dialog.pickFolder'>>;
}

export function createHandlers(options: HostOptions): Handlers {
  const projects = new ProjectService({ userDataDir: options.userDataDir });
  return {
    'app.info': async () => ({
      version: strataVersion(),
      mode: options.mode,
      platform: platform(),
      startupProject: options.startupProject,
      projectsDir: options.projectsDir,
    }),
    'project.templates': async () => projects.templates(),
    'project.create': async ({ dir, name, template }) => projects.create(dir, name, template),
    'project.open': async ({ dir }) => projects.open(dir),
    'project.save': async ({ dir, manifest, models }) => projects.save(dir, manifest, models),
    'project.saveAs': async ({ dir, manifest, models, from }) => projects.saveAs(dir, manifest, models, from),
    'project.writeRecovery': async ({ dir, models }) => projects.writeRecovery(dir, models),
    'project.discardRecovery': async ({ dir }) => {
      await projects.discardRecovery(dir);
      return {};
    },
    'project.recent': async () => projects.recent(),
    'project.forgetRecent': async ({ dir }) => projects.forgetRecent(dir),
    'model.evaluate': async ({ code, fileName }) => evaluateForStudio(code, fileName),
    'model.edit': async ({ code, fileName, edit }) => applyGraphEdit(code, fileName, edit),
    'model.generateCode': async ({ config }) => ({ code: generateModelCode(config) }),
    'layers.catalog': async () => layerCatalog(),
    'layers.checkOptions': async ({ className, options }) => checkLayerOptions(className, options),
    'modelApi.declarations': async () => modelApiDeclarations(),
    'dialog.pickFolder':
      options.extraHandlers?.['dialog.pickFolder'] ??
      (async () => {
        throw new Error('Folder dialogs exist only in the desktop app; in a browser tab, type the project folder\'s path.');
      }),
  };
}
