/** One handler per channel of the contract: the services of the host behind the IPC boundary. */
import { platform } from 'node:os';
import type { Channel, ChannelParsedArgs, ChannelResult, RunEvent } from '../../../shared/ipc/index.js';
import { DatasetService } from '../datasets/index.js';
import { ProjectService } from '../projects/index.js';
import { RunService, type ForkTraining } from '../runs/index.js';
import { applyGraphEdit, checkLayerOptions, evaluateForStudio, generateModelCode, layerCatalog } from '../model-code/index.js';
import { modelApiDeclarations } from '../model-api/index.js';
import { strataVersion } from '../version.js';
import { trainingDevices } from '../runs/devices.js';

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
  /** How training processes are started (Electron's utilityProcess); child_process.fork by default. */
  forkTraining?: ForkTraining;
}

/** The services behind the handlers, for what the adapters do beside calls (stopping runs on quit). */
export interface HostServices {
  runs: RunService;
}

export function createHandlers(options: HostOptions, emitRunEvent: (event: RunEvent) => void): { handlers: Handlers; services: HostServices } {
  const projects = new ProjectService({ userDataDir: options.userDataDir });
  const datasets = new DatasetService();
  const runs = new RunService({ emit: emitRunEvent, datasets, ...(options.forkTraining ? { forkTraining: options.forkTraining } : {}) });
  const handlers: Handlers = {
    'app.info': async () => ({
      version: strataVersion(),
      mode: options.mode,
      platform: platform(),
      startupProject: options.startupProject,
      projectsDir: options.projectsDir,
    }),
    'app.devices': async () => trainingDevices(),
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
    'datasets.builtins': async () => datasets.builtins(),
    'datasets.list': async ({ dir }) => datasets.list(dir),
    'datasets.save': async ({ dir, definition, copyIntoProject }) => datasets.save(dir, definition, { copy: copyIntoProject }),
    'datasets.delete': async ({ dir, name }) => {
      await datasets.delete(dir, name);
      return {};
    },
    'datasets.info': async ({ dir, name }) => datasets.info(dir, name),
    'datasets.samples': async ({ dir, name, split, offset, count }) => datasets.samples(dir, name, split, offset, count),
    'datasets.previewCsv': async ({ dir, path }) => datasets.previewCsv(dir, path),
    'datasets.checkFit': async ({ dir, name, code, fileName, mapping }) => datasets.checkFit(dir, name, code, fileName, mapping),
    'runs.list': async ({ dir }) => runs.list(dir),
    'runs.start': async ({ dir, config }) => runs.start(dir, config),
    'runs.stop': async ({ dir, id }) => runs.stop(dir, id),
    'runs.pause': async ({ dir, id }) => runs.pause(dir, id),
    'runs.resume': async ({ dir, id }) => runs.resume(dir, id),
    'runs.metrics': async ({ dir, ids, maxPoints }) => runs.metrics(dir, ids, maxPoints),
    'runs.log': async ({ dir, id }) => runs.log(dir, id),
    'runs.update': async ({ dir, id, patch }) => runs.update(dir, id, patch),
    'runs.delete': async ({ dir, id }) => {
      await runs.delete(dir, id);
      return {};
    },
    'runs.confusion': async ({ dir, id }) => runs.confusion(dir, id),
    'runs.misclassified': async ({ dir, id, actual, predicted, limit }) => runs.misclassified(dir, id, actual, predicted, limit),
    'runs.diff': async ({ dir, a, b }) => runs.diff(dir, a, b),
    'checkpoints.list': async ({ dir, id }) => runs.checkpoints(dir, id),
    'checkpoints.resume': async ({ dir, id, file }) => runs.resumeFromCheckpoint(dir, id, file),
    'checkpoints.branch': async ({ dir, id, file, config }) => runs.branch(dir, id, file, config),
    'checkpoints.restore': async ({ dir, id, file }) => runs.restore(dir, id, file),
    'checkpoints.export': async ({ dir, id, file, to }) => runs.exportCheckpoint(dir, id, file, to),
    'comparisons.list': async ({ dir }) => runs.comparisons(dir),
    'comparisons.save': async ({ dir, comparison }) => runs.saveComparison(dir, comparison),
    'dialog.pickFolder':
      options.extraHandlers?.['dialog.pickFolder'] ??
      (async () => {
        throw new Error('Folder dialogs exist only in the desktop app; in a browser tab, type the project folder\'s path.');
      }),
  };
  return { handlers, services: { runs } };
}
