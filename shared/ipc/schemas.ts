/**
 * The data that crosses between the renderer and the host, as zod schemas. The TypeScript
 * types are derived from them (`z.infer`), so a message's type and its check cannot drift.
 */
import { z } from 'zod';

/** An absolute or relative folder path chosen by the person. */
export const folderPath = z.string().min(1, 'expected a folder path');

/** A model's name in a project: the `<name>` of `models/<name>.ts`. */
export const modelName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, 'expected a model name: letters, digits, "_" or "-", starting with a letter or "_", at most 64 characters');

/** Where a node of the graph view is drawn, in graph coordinates. */
export const point = z.object({ x: z.number().finite(), y: z.number().finite() });

/** `models/<name>.layout.json`: what the person arranged in the graph view. */
export const modelLayout = z.object({
  /** Positions the person dragged nodes to, by node id; nodes without one are placed automatically. */
  positions: z.record(z.string(), point).default({}),
  /** Ids of nested models drawn expanded (collapsed is the default). */
  expanded: z.array(z.string()).default([]),
  rankdir: z.enum(['TB', 'LR']).default('TB'),
});

/** One model of a project: its code (the source of truth) and its layout. */
export const projectModel = z.object({
  name: modelName,
  code: z.string(),
  layout: modelLayout,
});

/** `strata.json`: the project manifest. */
export const projectManifest = z.object({
  name: z.string().min(1).max(200),
  formatVersion: z.number().int().positive(),
  models: z.array(modelName),
  datasets: z.array(z.string()).default([]),
  /** The model the studio opens first. */
  defaults: z.object({ model: modelName.optional() }).passthrough().default({}),
});

/** An open project as the renderer holds it. */
export const project = z.object({
  dir: z.string(),
  manifest: projectManifest,
  models: z.array(projectModel),
  /** Files the manifest names that are not on disk (the project opens with what is there). */
  missing: z.array(z.string()),
  /** Unsaved edits found in the recovery file, newer than the saved files; null when none. */
  recovery: z
    .object({ savedAt: z.string(), models: z.array(projectModel) })
    .nullable(),
});

export const recentProject = z.object({ dir: z.string(), name: z.string(), openedAt: z.string() });

export const projectTemplate = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
});

/** A problem in a model file, at the line and column (1-based) that caused it. */
export const diagnostic = z.object({
  severity: z.enum(['error', 'warning']),
  kind: z.string(),
  message: z.string(),
  line: z.number().int().positive(),
  column: z.number().int().positive(),
  endLine: z.number().int().positive().optional(),
  endColumn: z.number().int().positive().optional(),
  /** The layer the engine named, whose node the graph view marks. */
  layerName: z.string().optional(),
});

/** One node of the studio's graph: a layer of the model (a nested model is one node with children). */
export const studioNode: z.ZodType<StudioNode> = z.lazy(() =>
  z.object({
    id: z.string(),
    name: z.string(),
    className: z.string(),
    kind: z.enum(['input', 'layer', 'model']),
    outputShape: z.string(),
    inputShape: z.string(),
    params: z.number().int().nonnegative(),
    /** How many times the model calls the layer (more than one: a shared layer). */
    calls: z.number().int().nonnegative(),
    /** Whether the layer's output is one of the model's outputs. */
    isOutput: z.boolean(),
    /** A nested model's own graph (drawn when the node is expanded). */
    children: studioGraph.optional(),
    /** Whether the graph view may edit this layer (false inside nested models and for custom layers). */
    editable: z.boolean(),
    /** The layer's options as model code writes them (camelCase, `{ units: 64, activation: 'relu' }`), for the inspector. */
    options: z.record(z.string(), z.unknown()),
  }),
);
export interface StudioNode {
  id: string;
  name: string;
  className: string;
  kind: 'input' | 'layer' | 'model';
  outputShape: string;
  inputShape: string;
  params: number;
  calls: number;
  isOutput: boolean;
  children?: StudioGraph;
  editable: boolean;
  options: Record<string, unknown>;
}

/** A tensor flowing from `from` into input `port` of the `call`-th call of `to`. */
export const studioEdge = z.object({
  from: z.string(),
  to: z.string(),
  call: z.number().int().nonnegative(),
  port: z.number().int().nonnegative(),
});

export const studioGraph: z.ZodType<StudioGraph> = z.lazy(() =>
  z.object({ nodes: z.array(studioNode), edges: z.array(studioEdge) }),
);
export interface StudioGraph {
  nodes: StudioNode[];
  edges: z.infer<typeof studioEdge>[];
}

/** The Keras summary as a table. */
export const summaryTable = z.object({
  name: z.string(),
  rows: z.array(
    z.object({
      name: z.string(),
      className: z.string(),
      outputShape: z.string(),
      params: z.number().int().nonnegative(),
      inbound: z.array(z.string()),
    }),
  ),
  totalParams: z.number().int().nonnegative(),
  trainableParams: z.number().int().nonnegative(),
  nonTrainableParams: z.number().int().nonnegative(),
});

/** A Keras 3 model config (`{module, class_name, config, …}`): plain JSON, checked by the engine. */
export const modelConfig = z.record(z.string(), z.unknown());

/** What evaluating model code gives: the model, or the problems that stopped it. */
export const evaluation = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    config: modelConfig,
    graph: studioGraph,
    summary: summaryTable,
    logs: z.array(z.string()),
    /** Why the graph view cannot edit this model (custom layers…); absent when it can. */
    readOnlyReason: z.string().optional(),
    millis: z.number(),
  }),
  z.object({ ok: z.literal(false), diagnostics: z.array(diagnostic), logs: z.array(z.string()), millis: z.number() }),
]);

/** An edit made in the graph view, applied to the model's config and turned back into code. */
export const graphEdit = z.discriminatedUnion('type', [
  /** A new layer; after `after` (taking its output, and its consumers taking the new layer's), else after the model's first output. */
  z.object({
    type: z.literal('addLayer'),
    className: z.string(),
    options: z.record(z.string(), z.unknown()).default({}),
    after: z.string().optional(),
  }),
  /** A new model input. */
  z.object({ type: z.literal('addInput'), shape: z.array(z.number().int().positive().nullable()), name: z.string().optional() }),
  /** `from`'s output into `to`: appended to a merge layer's inputs, replacing the input of a one-input layer. */
  z.object({ type: z.literal('connect'), from: z.string(), to: z.string() }),
  /** Removes the tensor from `from` into input `port` of `to`. */
  z.object({ type: z.literal('disconnect'), from: z.string(), to: z.string(), port: z.number().int().nonnegative() }),
  /** Deletes a layer; its consumers take its input instead. */
  z.object({ type: z.literal('deleteLayer'), name: z.string() }),
  z.object({ type: z.literal('renameLayer'), name: z.string(), newName: z.string().min(1) }),
  /** New options for a layer (camelCase, as model code writes them; absent keys keep their value). */
  z.object({ type: z.literal('setOptions'), name: z.string(), options: z.record(z.string(), z.unknown()) }),
  /** Makes a layer's output one of the model's outputs, or no longer one. */
  z.object({ type: z.literal('setOutput'), name: z.string(), isOutput: z.boolean() }),
]);

/** An option of a layer class, as the inspector form shows it. */
export const layerOption = z.object({
  name: z.string(),
  /** What the form edits it as. */
  kind: z.enum(['number', 'integer', 'boolean', 'string', 'choice', 'shape', 'json']),
  choices: z.array(z.string()).optional(),
  /** The value a new layer gets (as model code writes it); absent for required options. */
  default: z.unknown().optional(),
  required: z.boolean(),
  description: z.string().optional(),
});

/** A layer class the palette offers. */
export const layerClass = z.object({
  className: z.string(),
  /** The family it belongs to: core, conv, pooling, … */
  family: z.string(),
  /** Options taken by position in model code, in order (`Dense(units)`). */
  positional: z.array(z.string()),
  options: z.array(layerOption),
});

/** An error for one option of a layer, or for the layer as a whole (`option` absent). */
export const optionProblem = z.object({ option: z.string().optional(), message: z.string() });

/** `window.strata`'s answer when a handler failed: what went wrong, in words for a person. */
export const ipcError = z.object({ message: z.string(), code: z.string() });

export type ModelLayout = z.infer<typeof modelLayout>;
export type ProjectModel = z.infer<typeof projectModel>;
export type ProjectManifest = z.infer<typeof projectManifest>;
export type Project = z.infer<typeof project>;
export type RecentProject = z.infer<typeof recentProject>;
export type ProjectTemplate = z.infer<typeof projectTemplate>;
export type Diagnostic = z.infer<typeof diagnostic>;
export type StudioEdge = z.infer<typeof studioEdge>;
export type SummaryTable = z.infer<typeof summaryTable>;
export type ModelConfig = z.infer<typeof modelConfig>;
export type Evaluation = z.infer<typeof evaluation>;
export type GraphEdit = z.infer<typeof graphEdit>;
export type LayerOption = z.infer<typeof layerOption>;
export type LayerClass = z.infer<typeof layerClass>;
export type OptionProblem = z.infer<typeof optionProblem>;
export type IpcError = z.infer<typeof ipcError>;
