/**
 * The IPC contract between the studio's window and the host: every channel's name, the
 * schema of its argument and of its result, and the events the host pushes. Both adapters
 * (Electron's ipcMain and serve mode's WebSocket) check each message against it before a
 * handler runs, and the renderer's client is typed from it.
 */
import { z } from 'zod';
import * as s from './schemas.js';
import * as t from './training-schemas.js';

const channel = <A extends z.ZodType, R extends z.ZodType>(args: A, result: R, description: string) => ({ args, result, description });

export const CHANNELS = {
  'app.info': channel(
    z.object({}),
    z.object({
      version: z.string(),
      /** `electron`: native dialogs and menus exist; `serve`: the window is a browser tab. */
      mode: z.enum(['electron', 'serve']),
      platform: z.string(),
      /** The project `strata serve --project DIR` was started with, if any. */
      startupProject: z.string().nullable(),
      /** Where new projects go unless the person says otherwise. */
      projectsDir: z.string(),
    }),
    'what the host is and where it keeps projects',
  ),
  'app.devices': channel(
    z.object({}),
    z.object({
      cpu: z.object({ isa: z.string(), threads: z.number().int() }),
      /** The CUDA devices found, as a run's `device` names them (`cuda:0`). */
      cuda: z.array(
        z.object({
          device: z.string(),
          name: z.string(),
          memoryBytes: z.number(),
          computeCapability: z.string(),
          /** Whether this build runs on it (compute capability 8.0 or newer). */
          supported: z.boolean(),
        }),
      ),
      /** Why no GPU can be used, when none can. */
      cudaProblem: z.string().nullable(),
    }),
    'the devices runs can train on',
  ),
  'project.templates': channel(z.object({}), z.array(s.projectTemplate), 'the templates a new project can start from'),
  'project.create': channel(
    z.object({ dir: s.folderPath, name: z.string().min(1).max(200), template: z.string().nullable() }),
    s.project,
    'makes a new project folder (empty, or from a template) and opens it',
  ),
  'project.open': channel(z.object({ dir: s.folderPath }), s.project, 'reads a project folder'),
  'project.save': channel(
    z.object({ dir: s.folderPath, manifest: s.projectManifest, models: z.array(s.projectModel) }),
    z.object({ savedAt: z.string() }),
    'writes the project (each file atomically) and drops its recovery file',
  ),
  'project.saveAs': channel(
    z.object({ dir: s.folderPath, manifest: s.projectManifest, models: z.array(s.projectModel), from: z.string().nullable() }),
    s.project,
    'writes the project into another folder, which must be new or empty',
  ),
  'project.writeRecovery': channel(
    z.object({ dir: s.folderPath, models: z.array(s.projectModel) }),
    z.object({ savedAt: z.string() }),
    'keeps unsaved edits in the project\'s recovery file',
  ),
  'project.discardRecovery': channel(z.object({ dir: s.folderPath }), z.object({}), 'drops the recovery file'),
  'project.recent': channel(z.object({}), z.array(s.recentProject), 'recently opened projects, newest first'),
  'project.forgetRecent': channel(z.object({ dir: s.folderPath }), z.array(s.recentProject), 'removes a project from the recent list'),
  'model.evaluate': channel(
    z.object({ code: z.string(), fileName: z.string() }),
    s.evaluation,
    'runs model code in the sandbox: its graph and summary, or its problems at their line and column',
  ),
  'model.edit': channel(
    z.object({ code: z.string(), fileName: z.string(), edit: s.graphEdit }),
    z.discriminatedUnion('ok', [
      z.object({ ok: z.literal(true), code: z.string(), evaluation: s.evaluation }),
      z.object({ ok: z.literal(false), message: z.string(), layerName: z.string().optional() }),
    ]),
    'applies a graph edit to the model and regenerates its code; an edit that breaks the model is refused with the engine\'s error',
  ),
  'model.generateCode': channel(z.object({ config: s.modelConfig }), z.object({ code: z.string() }), 'canonical model code for a model config'),
  'layers.catalog': channel(z.object({}), z.array(s.layerClass), 'the layer classes the palette offers, with their options'),
  'layers.checkOptions': channel(
    z.object({ className: z.string(), options: z.record(z.string(), z.unknown()) }),
    z.array(s.optionProblem),
    'whether the engine accepts these options for a layer class',
  ),
  'modelApi.declarations': channel(
    z.object({}),
    z.object({ files: z.record(z.string(), z.string()) }),
    'the TypeScript declarations of the model API (`strata`), for the code editor',
  ),
  'datasets.builtins': channel(
    z.object({}),
    z.array(z.object({ id: z.string(), title: z.string(), description: z.string(), available: z.boolean(), problem: z.string().nullable() })),
    'the built-in datasets, and whether each is installed',
  ),
  'datasets.list': channel(z.object({ dir: s.folderPath }), z.array(t.datasetDefinition), "the project's dataset definitions"),
  'datasets.save': channel(
    z.object({ dir: s.folderPath, definition: t.datasetDefinition, copyIntoProject: z.boolean().default(false) }),
    t.datasetInfo,
    'writes datasets/<name>.json (after reading the data once to check it) and adds it to the manifest; the data stays where it is unless copyIntoProject',
  ),
  'datasets.delete': channel(z.object({ dir: s.folderPath, name: t.datasetName }), z.object({}), 'removes a dataset definition (never the data)'),
  'datasets.info': channel(z.object({ dir: s.folderPath, name: t.datasetName }), t.datasetInfo, "a dataset's fields, splits and class counts"),
  'datasets.samples': channel(
    z.object({
      dir: s.folderPath,
      name: t.datasetName,
      split: z.string(),
      offset: z.number().int().nonnegative(),
      count: z.number().int().positive().max(256),
    }),
    z.array(t.datasetSample),
    'samples of a split for the preview grid',
  ),
  'datasets.previewCsv': channel(z.object({ dir: s.folderPath, path: z.string().min(1) }), t.csvPreview, 'the columns of a CSV file, with inferred types, for the import form'),
  'datasets.checkFit': channel(
    z.object({ dir: s.folderPath, name: t.datasetName, code: z.string(), fileName: z.string(), mapping: t.fieldMapping.nullable() }),
    t.fitCheck,
    "whether a dataset's fields fit a model's inputs and outputs, and which field feeds which",
  ),
  'runs.list': channel(z.object({ dir: s.folderPath }), z.array(t.runSummary), "the project's training runs, newest first"),
  'runs.start': channel(z.object({ dir: s.folderPath, config: t.runConfig }), t.runSummary, 'queues a training run (it starts when no other run is training)'),
  'runs.stop': channel(z.object({ dir: s.folderPath, id: z.string() }), t.runSummary, 'stops a run cleanly after the current batch (a queued run is dropped)'),
  'runs.pause': channel(z.object({ dir: s.folderPath, id: z.string() }), t.runSummary, 'pauses a training run after the current batch'),
  'runs.resume': channel(z.object({ dir: s.folderPath, id: z.string() }), t.runSummary, 'resumes a paused run'),
  'runs.metrics': channel(
    z.object({ dir: s.folderPath, ids: z.array(z.string()).max(100), maxPoints: z.number().int().min(3).max(10_000_000).optional() }),
    z.array(t.runMetrics),
    'the batch and epoch metrics of runs; with maxPoints, longer series thinned to that many points (LTTB)',
  ),
  'runs.log': channel(z.object({ dir: s.folderPath, id: z.string() }), z.object({ lines: z.array(z.string()) }), "a run's log"),
  'runs.update': channel(
    z.object({
      dir: s.folderPath,
      id: z.string(),
      patch: z.object({ name: z.string().min(1).max(200).optional(), starred: z.boolean().optional(), tags: z.array(z.string().min(1).max(40)).max(20).optional(), archived: z.boolean().optional() }),
    }),
    t.runSummary,
    'renames, stars, tags or archives a run',
  ),
  'runs.delete': channel(z.object({ dir: s.folderPath, id: z.string() }), z.object({}), "deletes a run's folder (not while it trains)"),
  'runs.confusion': channel(z.object({ dir: s.folderPath, id: z.string() }), t.confusionMatrix.nullable(), "a finished classifier's confusion matrix"),
  'runs.misclassified': channel(
    z.object({ dir: s.folderPath, id: z.string(), actual: z.number().int().nonnegative(), predicted: z.number().int().nonnegative(), limit: z.number().int().positive().max(256) }),
    z.array(t.datasetSample),
    'the samples of one confusion-matrix cell',
  ),
  'runs.diff': channel(z.object({ dir: s.folderPath, a: z.string(), b: z.string() }), t.architectureDiff, "the architecture difference of two runs' models"),
  'checkpoints.list': channel(z.object({ dir: s.folderPath, id: z.string() }), z.array(t.checkpointInfo), "a run's checkpoints, oldest first"),
  'checkpoints.resume': channel(
    z.object({ dir: s.folderPath, id: z.string(), file: z.string() }),
    t.runSummary,
    'continues a run from one of its checkpoints (weights, optimizer state, epoch, random state)',
  ),
  'checkpoints.branch': channel(
    z.object({ dir: s.folderPath, id: z.string(), file: z.string(), config: t.runConfig }),
    z.object({ run: t.runSummary, reinitialized: z.array(z.string()) }),
    "starts a new run from a checkpoint's weights with the project's current model: layers matched by name and shape, the rest initialised afresh",
  ),
  'checkpoints.restore': channel(
    z.object({ dir: s.folderPath, id: z.string(), file: z.string() }),
    z.object({ model: s.modelName, code: z.string() }),
    "the run's model code, and the checkpoint's weights kept as the model's starting weights",
  ),
  'checkpoints.export': channel(z.object({ dir: s.folderPath, id: z.string(), file: z.string(), to: z.string().min(1) }), z.object({ path: z.string() }), 'writes a checkpoint as a .keras file elsewhere'),
  'comparisons.list': channel(z.object({ dir: s.folderPath }), z.array(t.comparison), "the project's saved comparisons"),
  'comparisons.save': channel(z.object({ dir: s.folderPath, comparison: t.comparison }), z.array(t.comparison), 'saves (or replaces, by name) a comparison'),
  'dialog.pickFolder': channel(
    z.object({ purpose: z.enum(['open', 'save']), defaultPath: z.string().optional() }),
    z.object({ path: z.string().nullable() }),
    'a native folder dialog (Electron only)',
  ),
} as const;

export type Channel = keyof typeof CHANNELS;
export type ChannelArgs<C extends Channel> = z.input<(typeof CHANNELS)[C]['args']>;
/** The arguments as a handler receives them: checked, defaults filled in. */
export type ChannelParsedArgs<C extends Channel> = z.output<(typeof CHANNELS)[C]['args']>;
export type ChannelResult<C extends Channel> = z.infer<(typeof CHANNELS)[C]['result']>;

/** Events the host pushes to the window. */
export const EVENTS = {
  /** A command from the application menu (Electron) for the window to carry out. */
  'menu.command': z.object({
    command: z.enum(['newProject', 'openProject', 'openRecent', 'save', 'saveAs', 'closeProject', 'undo', 'redo', 'fitGraph', 'about']),
    /** For `openRecent`: which folder. */
    dir: z.string().optional(),
  }),
  /** A training run changed status, made progress, logged metrics or a line. */
  'runs.event': t.runEvent,
} as const;

export type EventName = keyof typeof EVENTS;
export type EventPayload<E extends EventName> = z.infer<(typeof EVENTS)[E]>;

/** What a handler's promise settles to once it crossed the boundary. */
export type Reply<C extends Channel> = { ok: true; value: ChannelResult<C> } | { ok: false; error: s.IpcError };

/** The API the renderer sees: `window.strata` in Electron, the WebSocket bridge in serve mode. */
export interface StrataApi {
  invoke<C extends Channel>(channel: C, args: ChannelArgs<C>): Promise<ChannelResult<C>>;
  /** Subscribes to a pushed event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/** Current project format; a project written by a newer one is refused. */
export const PROJECT_FORMAT_VERSION = 1;
