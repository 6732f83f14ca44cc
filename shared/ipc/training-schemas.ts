/**
 * The data of the training studio (datasets, runs, checkpoints, comparisons) as zod schemas.
 * Numbers in bulk (pixels, metric series) cross as typed arrays: structured clone in Electron,
 * binary frames over the serve bridge (wire-codec.ts), never as JSON lists.
 */
import { z } from 'zod';
import { modelName, modelConfig } from './schemas.js';
import { DEVICE_PATTERN, PRECISIONS } from '../devices.js';

/** The name of a dataset in a project: `datasets/<name>.json`. */
export const datasetName = modelName;

/** Where a dataset's data comes from. Paths are absolute or relative to the project folder; files are never copied in unless asked. */
export const datasetSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('builtin'), id: z.enum(['mnist', 'fashion-mnist', 'iris', 'xor', 'spirals', 'blobs', 'circles']) }),
  z.object({
    kind: z.literal('csv'),
    path: z.string().min(1),
    /** The columns that make the features, in order. */
    features: z.array(z.string()).min(1),
    /** The label column; null for a dataset without labels. */
    label: z.string().nullable(),
    /** How each chosen column is read: numbers as they are, categories as their index among the distinct values. */
    types: z.record(z.string(), z.enum(['number', 'category'])).default({}),
  }),
  z.object({
    kind: z.literal('imageFolder'),
    /** One sub-folder per class, PNG or JPEG files inside. */
    path: z.string().min(1),
    height: z.number().int().positive().max(1024),
    width: z.number().int().positive().max(1024),
    channels: z.union([z.literal(1), z.literal(3)]),
  }),
  z.object({ kind: z.literal('idx'), images: z.string().min(1), labels: z.string().min(1).nullable() }),
  z.object({ kind: z.literal('npy'), x: z.string().min(1), y: z.string().min(1).nullable() }),
  /**
   * An NPZ archive: the members `x` names are the features, `y` the labels. Several members (a
   * list) make one field each, named by its key, for models with several inputs or outputs;
   * the first of `y` is the class label the preview counts.
   */
  z.object({
    kind: z.literal('npz'),
    path: z.string().min(1),
    x: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(64)]),
    y: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(64)]).nullable(),
  }),
]);

/** `datasets/<name>.json`. */
export const datasetDefinition = z.object({
  name: datasetName,
  source: datasetSource,
  /** The share of the training samples held out for validation (0: none), and for a test split when the source has none. */
  splits: z
    .object({ validation: z.number().min(0).max(0.9).default(0), test: z.number().min(0).max(0.9).default(0) })
    .default({ validation: 0, test: 0 }),
  preprocessing: z
    .object({
      /** `unit`: divide by 255 (images) ; `standardize`: zero mean, unit variance per feature (from the training split). */
      scale: z.enum(['none', 'unit', 'standardize']).default('none'),
      /** Labels as one-hot rows instead of class indices. */
      oneHot: z.boolean().default(false),
      /** Seed of the shuffle before splitting; null keeps the source's order. */
      shuffleSeed: z.number().int().nullable().default(null),
    })
    .default({ scale: 'none', oneHot: false, shuffleSeed: null }),
});

/** A field of a dataset (what the model's inputs and outputs are fed from). */
export const datasetField = z.object({
  name: z.string(),
  dtype: z.enum(['float32', 'int32']),
  /** Per sample (without the batch axis). */
  shape: z.array(z.number().int().nonnegative()),
  role: z.enum(['feature', 'label']),
});

/** What a dataset holds once read. */
export const datasetInfo = z.object({
  name: z.string(),
  fields: z.array(datasetField),
  splits: z.array(z.object({ name: z.string(), size: z.number().int().nonnegative() })),
  /** Class names when the labels are classes. */
  classNames: z.array(z.string()).nullable(),
  /** Samples per class in each split, in classNames order. */
  classCounts: z.record(z.string(), z.array(z.number().int().nonnegative())).nullable(),
  /** Whether the data is there (a built-in whose package is not installed is not). */
  available: z.boolean(),
  /** Why it is not available, or what went wrong reading it. */
  problem: z.string().nullable(),
});

/** One sample as the preview draws it: an image (8-bit, row-major, channels last) or a table row. */
export const datasetSample = z.object({
  index: z.number().int().nonnegative(),
  label: z.string().nullable(),
  image: z.object({ height: z.number().int(), width: z.number().int(), channels: z.number().int(), pixels: z.instanceof(Uint8Array) }).nullable(),
  row: z.record(z.string(), z.union([z.number(), z.string()])).nullable(),
});

/** A CSV file's columns as the import form shows them: names, inferred types, first rows. */
export const csvPreview = z.object({
  columns: z.array(z.object({ name: z.string(), type: z.enum(['number', 'category']), distinct: z.number().int() })),
  rows: z.array(z.array(z.string())),
  rowCount: z.number().int(),
});

/** Which dataset field feeds each model input and output, by name. */
export const fieldMapping = z.object({
  inputs: z.record(z.string(), z.string()),
  outputs: z.record(z.string(), z.string()),
});

/** Whether a dataset fits a model: the problems name the input/output and both shapes. */
export const fitCheck = z.object({
  mapping: fieldMapping,
  problems: z.array(z.string()),
});

export const callbackConfig = z.object({
  earlyStopping: z
    .object({ monitor: z.string().default('val_loss'), patience: z.number().int().nonnegative().default(3), restoreBestWeights: z.boolean().default(false) })
    .nullable()
    .default(null),
  reduceLrOnPlateau: z
    .object({ monitor: z.string().default('val_loss'), factor: z.number().positive().lt(1).default(0.1), patience: z.number().int().nonnegative().default(5) })
    .nullable()
    .default(null),
});

/** When checkpoints are kept: every N epochs, the best by a metric, the last. */
export const checkpointPolicy = z.object({
  everyEpochs: z.number().int().positive().nullable().default(null),
  best: z.object({ monitor: z.string(), mode: z.enum(['min', 'max']) }).nullable().default({ monitor: 'val_loss', mode: 'min' }),
  last: z.boolean().default(true),
});

/** Everything a run is started with: also what run.json keeps as its snapshot. */
export const runConfig = z.object({
  name: z.string().max(200).optional(),
  model: modelName,
  dataset: z.string(),
  mapping: fieldMapping.nullable().default(null),
  /** Overrides of the model file's compile(): absent keys keep the model's own. */
  optimizer: z.object({ className: z.string(), learningRate: z.number().positive() }).nullable().default(null),
  losses: z.record(z.string(), z.string()).nullable().default(null),
  lossWeights: z.record(z.string(), z.number().nonnegative()).nullable().default(null),
  metrics: z.array(z.string()).nullable().default(null),
  epochs: z.number().int().positive().max(100_000),
  batchSize: z.number().int().positive().max(65_536),
  validationSplit: z.number().min(0).max(0.9).default(0),
  seed: z.number().int().default(1),
  /** `cpu`, `cuda` (the first GPU) or `cuda:N`. */
  device: z.string().regex(DEVICE_PATTERN, 'expected "cpu", "cuda" or "cuda:N"').default('cpu'),
  /** Matrix products on a GPU: float32, or tf32 / bf16 tensor cores (weights stay float32). */
  precision: z.enum(PRECISIONS).default('float32'),
  callbacks: callbackConfig.default({ earlyStopping: null, reduceLrOnPlateau: null }),
  checkpoints: checkpointPolicy.default({ everyEpochs: null, best: { monitor: 'val_loss', mode: 'min' }, last: true }),
});

export const runStatus = z.enum(['queued', 'running', 'paused', 'completed', 'stopped', 'failed', 'interrupted']);

export const checkpointInfo = z.object({
  file: z.string(),
  epoch: z.number().int().nonnegative(),
  /** Why it was kept: `last`, `best`, `every`. */
  reasons: z.array(z.enum(['last', 'best', 'every'])),
  logs: z.record(z.string(), z.number()),
  savedAt: z.string(),
});

/** A run as the runs table lists it. */
export const runSummary = z.object({
  id: z.string(),
  name: z.string(),
  starred: z.boolean(),
  tags: z.array(z.string()),
  archived: z.boolean(),
  status: runStatus,
  model: z.string(),
  dataset: z.string(),
  config: runConfig,
  params: z.number().int().nonnegative(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  epochsDone: z.number().int().nonnegative(),
  /** Epoch logs at the best epoch (by the checkpoint policy's metric) and at the last. */
  best: z.record(z.string(), z.number()).nullable(),
  last: z.record(z.string(), z.number()).nullable(),
  /** Where a run that failed says why. */
  error: z.string().nullable(),
  /** The run it continues (resume) or starts from (branch). */
  parent: z.object({ run: z.string(), checkpoint: z.string() }).nullable(),
});

/** A metric over a run: x is the global batch index (batch series) or the epoch number (epoch series). */
export const metricSeries = z.object({ x: z.instanceof(Float64Array), y: z.instanceof(Float64Array) });

export const runMetrics = z.object({
  id: z.string(),
  batch: z.record(z.string(), metricSeries),
  epoch: z.record(z.string(), metricSeries),
});

/** What a run pushes while it trains. */
export const runEvent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('status'), dir: z.string(), run: runSummary }),
  z.object({
    kind: z.literal('progress'),
    dir: z.string(),
    id: z.string(),
    epoch: z.number().int(),
    epochs: z.number().int(),
    batch: z.number().int(),
    batches: z.number().int(),
    samplesPerSecond: z.number(),
    etaSeconds: z.number().nullable(),
  }),
  /** New points: the batch logs since the last event, or one epoch's logs. */
  z.object({
    kind: z.literal('metrics'),
    dir: z.string(),
    id: z.string(),
    scope: z.enum(['batch', 'epoch']),
    x: z.instanceof(Float64Array),
    values: z.record(z.string(), z.instanceof(Float64Array)),
  }),
  z.object({ kind: z.literal('log'), dir: z.string(), id: z.string(), line: z.string() }),
]);

/** A classifier's confusion matrix on its validation (or test) samples: rows are true classes. */
export const confusionMatrix = z.object({
  split: z.string(),
  classNames: z.array(z.string()),
  counts: z.instanceof(Int32Array),
});

/** Layers added, removed and changed between two models, with their parameter counts. */
export const architectureDiff = z.object({
  added: z.array(z.object({ name: z.string(), className: z.string(), params: z.number().int() })),
  removed: z.array(z.object({ name: z.string(), className: z.string(), params: z.number().int() })),
  changed: z.array(z.object({ name: z.string(), className: z.string(), params: z.tuple([z.number().int(), z.number().int()]), options: z.array(z.string()) })),
});

/** A saved comparison: `comparisons.json` in the project. */
export const comparison = z.object({ name: z.string().min(1).max(200), runs: z.array(z.string()).min(1), createdAt: z.string() });

export type DatasetSource = z.infer<typeof datasetSource>;
export type DatasetDefinition = z.infer<typeof datasetDefinition>;
export type DatasetField = z.infer<typeof datasetField>;
export type DatasetInfo = z.infer<typeof datasetInfo>;
export type DatasetSample = z.infer<typeof datasetSample>;
export type CsvPreview = z.infer<typeof csvPreview>;
export type FieldMapping = z.infer<typeof fieldMapping>;
export type FitCheck = z.infer<typeof fitCheck>;
export type RunConfig = z.infer<typeof runConfig>;
export type RunStatus = z.infer<typeof runStatus>;
export type CheckpointPolicy = z.infer<typeof checkpointPolicy>;
export type CheckpointInfo = z.infer<typeof checkpointInfo>;
export type RunSummary = z.infer<typeof runSummary>;
export type MetricSeries = z.infer<typeof metricSeries>;
export type RunMetrics = z.infer<typeof runMetrics>;
export type RunEvent = z.infer<typeof runEvent>;
export type ConfusionMatrix = z.infer<typeof confusionMatrix>;
export type ArchitectureDiff = z.infer<typeof architectureDiff>;
export type Comparison = z.infer<typeof comparison>;
