/**
 * The IPC contract between the studio's window and the host: every channel's name, the
 * schema of its argument and of its result, and the events the host pushes. Both adapters
 * (Electron's ipcMain and serve mode's WebSocket) check each message against it before a
 * handler runs, and the renderer's client is typed from it.
 */
import { z } from 'zod';
import * as s from './schemas.js';

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
