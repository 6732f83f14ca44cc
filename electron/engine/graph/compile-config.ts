import { ValueError } from './errors.js';

/**
 * `model.compile()` options as recorded with a model (Keras' `compile_config`). This module
 * knows the names and Keras default hyper-parameters of optimizers, losses and metrics; the
 * training layer supplies their mathematics.
 */

/** An optimizer or loss with its options, e.g. `optimizers.RMSprop(1e-3)`. */
export interface ObjectSpec {
  className: string;
  config: Record<string, unknown>;
}

type Named = string | ObjectSpec;

export interface CompileArgs {
  optimizer?: Named;
  /** One loss for every output, one per output, or keyed by output name. */
  loss?: Named | Named[] | Record<string, Named>;
  lossWeights?: number | number[] | Record<string, number>;
  metrics?: Array<string | string[]> | Record<string, string | string[]>;
}

/** Keras 3 optimizer defaults (snake_case, as in config.json). */
export const OPTIMIZER_DEFAULTS = {
  SGD: { learning_rate: 0.01, momentum: 0, nesterov: false },
  RMSprop: { learning_rate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false },
  Adam: { learning_rate: 0.001, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false },
  AdamW: { learning_rate: 0.001, weight_decay: 0.004, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false },
  Adagrad: { learning_rate: 0.001, initial_accumulator_value: 0.1, epsilon: 1e-7 },
  Adadelta: { learning_rate: 0.001, rho: 0.95, epsilon: 1e-7 },
  Adamax: { learning_rate: 0.001, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 },
  Nadam: { learning_rate: 0.001, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 },
} satisfies Record<string, Record<string, unknown>>;
const OPTIMIZERS: Record<string, Record<string, unknown>> = OPTIMIZER_DEFAULTS;
/** Options every optimizer takes. */
const OPTIMIZER_COMMON = ['clipnorm', 'clipvalue', 'global_clipnorm', 'weight_decay', 'name'];

/**
 * Keras 3 learning-rate schedules (`keras.optimizers.schedules`), given to an optimizer as its
 * learning rate: their options in Keras' `get_config()` order, `undefined` where one is required.
 */
export const SCHEDULE_DEFAULTS = {
  ExponentialDecay: { initial_learning_rate: undefined, decay_steps: undefined, decay_rate: undefined, staircase: false, name: 'ExponentialDecay' },
  CosineDecay: { initial_learning_rate: undefined, decay_steps: undefined, alpha: 0, name: 'CosineDecay', warmup_target: null, warmup_steps: 0 },
  PiecewiseConstantDecay: { boundaries: undefined, values: undefined, name: 'PiecewiseConstant' },
} satisfies Record<string, Record<string, unknown>>;
const SCHEDULES: Record<string, Record<string, unknown>> = SCHEDULE_DEFAULTS;

/** Keras 3 loss classes, their function names, and their options' defaults. */
export const LOSS_DEFAULTS = {
  MeanSquaredError: { fn: 'mean_squared_error', config: {} },
  MeanAbsoluteError: { fn: 'mean_absolute_error', config: {} },
  Huber: { fn: 'huber', config: { delta: 1 } },
  BinaryCrossentropy: { fn: 'binary_crossentropy', config: { from_logits: false, label_smoothing: 0, axis: -1 } },
  CategoricalCrossentropy: { fn: 'categorical_crossentropy', config: { from_logits: false, label_smoothing: 0, axis: -1 } },
  SparseCategoricalCrossentropy: { fn: 'sparse_categorical_crossentropy', config: { from_logits: false, ignore_class: null } },
  KLDivergence: { fn: 'kl_divergence', config: {} },
  CosineSimilarity: { fn: 'cosine_similarity', config: { axis: -1 } },
} satisfies Record<string, { fn: string; config: Record<string, unknown> }>;
const LOSSES: Record<string, { fn: string; config: Record<string, unknown> }> = LOSS_DEFAULTS;
const LOSS_ALIASES: Record<string, string> = { mse: 'mean_squared_error', mae: 'mean_absolute_error', kld: 'kl_divergence' };
export const LOSS_NAMES = Object.values(LOSSES).map((l) => l.fn);

export const METRICS = [
  'accuracy',
  'acc',
  'binary_accuracy',
  'categorical_accuracy',
  'sparse_categorical_accuracy',
  'top_k_categorical_accuracy',
  'sparse_top_k_categorical_accuracy',
  'mae',
  'mse',
  'mean_absolute_error',
  'mean_squared_error',
  'auc',
  'precision',
  'recall',
] as const;

const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
const snakeKeys = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [snake(k), v]));

/** A spec with the class's defaults filled in; options are checked against them. */
function withDefaults(kind: string, spec: ObjectSpec, defaults: Record<string, unknown>, common: string[] = []): ObjectSpec {
  const given = snakeKeys(spec.config ?? {});
  const unknown = Object.keys(given).filter((k) => !(k in defaults) && !common.includes(k));
  if (unknown.length > 0) {
    throw new ValueError(
      `Unknown option(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')} for ${kind} ${spec.className}; it takes ${[...Object.keys(defaults), ...common].join(', ')}.`,
    );
  }
  return { className: spec.className, config: { ...defaults, ...given } };
}

function classOf(name: string, classes: string[]): string | undefined {
  return classes.find((c) => c === name || c.toLowerCase() === name.toLowerCase().replace(/_/g, ''));
}

export function toOptimizer(value: Named): ObjectSpec {
  const classes = Object.keys(OPTIMIZERS);
  const name = typeof value === 'string' ? value : value?.className;
  const cls = typeof name === 'string' ? classOf(name, classes) : undefined;
  if (!cls) {
    throw new ValueError(`Unknown optimizer: expected one of ${classes.join(', ')}; received ${JSON.stringify(value)}.`);
  }
  const spec = withDefaults('optimizer', { className: cls, config: typeof value === 'string' ? {} : value.config }, OPTIMIZERS[cls]!, OPTIMIZER_COMMON);
  const lr = spec.config.learning_rate;
  if (typeof lr === 'object' && lr !== null) spec.config.learning_rate = toSchedule(lr);
  return spec;
}

const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

/**
 * A learning-rate schedule, from `optimizers.schedules.*` or from its Keras config
 * (`{ class_name, config }`), with Keras' defaults filled in and its arguments checked as
 * Keras checks them when the schedule is made.
 */
export function toSchedule(value: unknown): ObjectSpec {
  const v = value as { className?: unknown; class_name?: unknown; config?: Record<string, unknown> } | null;
  const name = v?.className ?? v?.class_name;
  const classes = Object.keys(SCHEDULES);
  const cls = typeof name === 'string' ? classOf(name, classes) : undefined;
  if (!cls) {
    throw new ValueError(`Unknown learning-rate schedule: expected one of ${classes.join(', ')}; received ${JSON.stringify(value)}.`);
  }
  const spec = withDefaults('learning-rate schedule', { className: cls, config: v!.config ?? {} }, SCHEDULES[cls]!);
  const c = spec.config;
  const bad = (arg: string, expected: string) =>
    new ValueError(`Argument \`${arg}\` of ${cls} must be ${expected}. Received: ${arg}=${JSON.stringify(c[arg])}`);
  for (const [arg, given] of Object.entries(c)) if (given === undefined) throw bad(arg, 'given');
  if (cls === 'PiecewiseConstantDecay') {
    const { boundaries, values } = c as { boundaries: unknown; values: unknown };
    if (!Array.isArray(boundaries) || !boundaries.every(finite)) throw bad('boundaries', 'a list of numbers');
    if (!Array.isArray(values) || !values.every(finite)) throw bad('values', 'a list of numbers');
    if (boundaries.length !== values.length - 1) {
      throw new ValueError(
        `The length of boundaries should be 1 less than the length of values in PiecewiseConstantDecay. Received: boundaries=${JSON.stringify(boundaries)} of length ${boundaries.length}, and values=${JSON.stringify(values)} of length ${values.length}.`,
      );
    }
    if (boundaries.some((b, i) => i > 0 && b <= boundaries[i - 1])) throw bad('boundaries', 'strictly increasing');
    return spec;
  }
  if (!finite(c.initial_learning_rate)) throw bad('initial_learning_rate', 'a finite number');
  if (!finite(c.decay_steps) || (c.decay_steps as number) <= 0) throw bad('decay_steps', '> 0');
  const numbers = cls === 'ExponentialDecay' ? ['decay_rate'] : ['alpha', 'warmup_steps', ...(c.warmup_target === null ? [] : ['warmup_target'])];
  for (const arg of numbers) if (!finite(c[arg])) throw bad(arg, 'a finite number');
  if (cls === 'CosineDecay' && (c.warmup_steps as number) < 0) throw bad('warmup_steps', '>= 0');
  return spec;
}

/** A loss by function name (`'sparse_categorical_crossentropy'`, `'mse'`) or class (`losses.Huber({ delta: 2 })`). */
export function toLoss(value: Named): string | ObjectSpec {
  if (typeof value === 'string') {
    const name = LOSS_ALIASES[snake(value)] ?? snake(value);
    if (LOSS_NAMES.includes(name)) return name;
    const cls = classOf(value, Object.keys(LOSSES));
    if (cls) return LOSSES[cls]!.fn;
  } else if (value && typeof value === 'object' && typeof value.className === 'string') {
    const cls = classOf(value.className, Object.keys(LOSSES));
    if (cls) return withDefaults('loss', { className: cls, config: value.config }, LOSSES[cls]!.config, ['name', 'reduction']);
  }
  throw new ValueError(
    `Unknown loss: expected one of ${LOSS_NAMES.join(', ')} or a loss class (${Object.keys(LOSSES).join(', ')}); received ${JSON.stringify(value)}.`,
  );
}

function toMetric(value: unknown): string {
  if (typeof value === 'string' && (METRICS as readonly string[]).includes(snake(value))) return snake(value);
  throw new ValueError(`Unknown metric: expected one of ${METRICS.join(', ')}; received ${JSON.stringify(value)}.`);
}

/** The compile options of a model, validated against its outputs. */
export class CompileConfig {
  readonly optimizer: ObjectSpec;
  readonly loss: ReturnType<typeof toLoss> | Array<ReturnType<typeof toLoss>> | Record<string, ReturnType<typeof toLoss>> | null;
  readonly lossWeights: number | number[] | Record<string, number> | null;
  readonly metrics: Array<string | string[]> | Record<string, string | string[]> | null;

  constructor(args: CompileArgs, outputNames: string[]) {
    if (args === null || typeof args !== 'object') {
      throw new ValueError(`compile() takes an options object ({ optimizer, loss, lossWeights, metrics }); received ${JSON.stringify(args)}.`);
    }
    const unknown = Object.keys(args).filter((k) => !['optimizer', 'loss', 'lossWeights', 'metrics'].includes(k));
    if (unknown.length > 0) {
      throw new ValueError(`Unknown compile() option(s) ${JSON.stringify(unknown)}; expected optimizer, loss, lossWeights, metrics.`);
    }
    this.optimizer = toOptimizer(args.optimizer ?? 'rmsprop');
    this.loss = args.loss === undefined || args.loss === null ? null : perOutput('loss', args.loss, outputNames, toLoss);
    this.lossWeights =
      args.lossWeights === undefined || args.lossWeights === null
        ? null
        : perOutput('lossWeights', args.lossWeights, outputNames, (v) => {
            if (typeof v !== 'number' || !Number.isFinite(v)) {
              throw new ValueError(`Each loss weight must be a finite number; received ${JSON.stringify(v)}.`);
            }
            return v;
          });
    const metric = (v: string | string[]) => (Array.isArray(v) ? v.map(toMetric) : toMetric(v));
    this.metrics =
      args.metrics === undefined || args.metrics === null
        ? null
        : Array.isArray(args.metrics)
          ? args.metrics.map(metric)
          : (perOutput('metrics', args.metrics as Record<string, string | string[]>, outputNames, metric) as Record<string, string | string[]>);
  }

  /** Keras 3's `compile_config`. */
  toJSON(): Record<string, unknown> {
    const obj = (module: string, s: ObjectSpec) => ({ module, class_name: s.className, config: s.config, registered_name: null });
    const loss = (l: string | ObjectSpec) => (typeof l === 'string' ? l : obj('keras.losses', l));
    const mapLoss = (v: NonNullable<CompileConfig['loss']>) =>
      typeof v === 'string' || 'className' in v
        ? loss(v as string | ObjectSpec)
        : Array.isArray(v)
          ? v.map(loss)
          : Object.fromEntries(Object.entries(v).map(([k, l]) => [k, loss(l)]));
    const lr = this.optimizer.config.learning_rate;
    const optimizerConfig = typeof lr === 'object' && lr !== null ? { ...this.optimizer.config, learning_rate: obj('keras.optimizers.schedules', lr as ObjectSpec) } : this.optimizer.config;
    return {
      optimizer: obj('keras.optimizers', { className: this.optimizer.className, config: optimizerConfig }),
      loss: this.loss === null ? null : mapLoss(this.loss),
      loss_weights: this.lossWeights,
      metrics: this.metrics,
      weighted_metrics: null,
      run_eagerly: false,
      steps_per_execution: 1,
      jit_compile: false,
    };
  }

  /** Reads Keras' `compile_config` back into compile() options. */
  static argsFromJSON(c: Record<string, unknown>): CompileArgs {
    const spec = (v: unknown): Named =>
      v && typeof v === 'object' && 'class_name' in v
        ? { className: (v as { class_name: string }).class_name, config: (v as { config?: Record<string, unknown> }).config ?? {} }
        : (v as string);
    const losses = c.loss;
    return {
      optimizer: c.optimizer ? spec(c.optimizer) : undefined,
      loss:
        losses === null || losses === undefined
          ? undefined
          : Array.isArray(losses)
            ? losses.map(spec)
            : typeof losses === 'object' && !('class_name' in losses)
              ? Object.fromEntries(Object.entries(losses).map(([k, v]) => [k, spec(v)]))
              : spec(losses),
      lossWeights: (c.loss_weights ?? undefined) as CompileArgs['lossWeights'],
      metrics: (c.metrics ?? undefined) as CompileArgs['metrics'],
    };
  }
}

function perOutput<T, A>(what: string, value: A | A[] | Record<string, A>, outputNames: string[], check: (v: A) => T): T | T[] | Record<string, T> {
  if (Array.isArray(value)) {
    if (value.length !== outputNames.length) {
      throw new ValueError(
        `\`${what}\` has ${value.length} entries but the model has ${outputNames.length} output(s) (${outputNames.join(', ')}); give one per output, or an object keyed by output name.`,
      );
    }
    return value.map(check);
  }
  if (value !== null && typeof value === 'object' && !('className' in value)) {
    const unknown = Object.keys(value).filter((k) => !outputNames.includes(k));
    if (unknown.length > 0) {
      throw new ValueError(
        `\`${what}\` names output(s) ${JSON.stringify(unknown)} that the model does not have; its outputs are ${JSON.stringify(outputNames)}.`,
      );
    }
    return Object.fromEntries(Object.entries(value as Record<string, A>).map(([k, v]) => [k, check(v)]));
  }
  return check(value as A);
}
