import { ValueError } from './errors.js';

/** What `model.compile()` takes; each of loss, lossWeights and metrics may be one value, one per output, or keyed by output name. */
export interface CompileArgs {
  optimizer?: string | { className: string; config?: Record<string, unknown> };
  loss?: string | string[] | Record<string, string>;
  lossWeights?: number | number[] | Record<string, number>;
  metrics?: string[] | Record<string, string | string[]>;
}

export const OPTIMIZERS = ['sgd', 'rmsprop', 'adam', 'adamw', 'adagrad', 'adadelta', 'adamax', 'nadam'] as const;
export const LOSSES = [
  'mean_squared_error',
  'mean_absolute_error',
  'huber',
  'binary_crossentropy',
  'categorical_crossentropy',
  'sparse_categorical_crossentropy',
  'kl_divergence',
  'cosine_similarity',
] as const;
const LOSS_ALIASES: Record<string, string> = { mse: 'mean_squared_error', mae: 'mean_absolute_error', kld: 'kl_divergence' };
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

function checkName(kind: string, value: unknown, allowed: readonly string[], aliases: Record<string, string> = {}): string {
  if (typeof value === 'string') {
    const name = aliases[snake(value)] ?? snake(value);
    if (allowed.includes(name)) return name;
  }
  throw new ValueError(`Unknown ${kind}: expected one of ${allowed.join(', ')}; received ${JSON.stringify(value)}.`);
}

/**
 * The compile options of a model, validated against its outputs. Kept as Keras' `compile_config`
 * so that it is saved with the model.
 */
export class CompileConfig {
  readonly optimizer: { className: string; config: Record<string, unknown> };
  readonly loss: string | string[] | Record<string, string> | null;
  readonly lossWeights: number | number[] | Record<string, number> | null;
  readonly metrics: string | Array<string | string[]> | Record<string, string | string[]> | null;

  constructor(args: CompileArgs, outputNames: string[]) {
    const opt = args.optimizer ?? 'rmsprop';
    this.optimizer =
      typeof opt === 'string'
        ? { className: checkName('optimizer', opt, OPTIMIZERS), config: {} }
        : { className: checkName('optimizer', opt.className, OPTIMIZERS), config: { ...(opt.config ?? {}) } };
    this.loss = args.loss === undefined ? null : perOutput('loss', args.loss, outputNames, (v) => checkName('loss', v, LOSSES, LOSS_ALIASES));
    this.lossWeights =
      args.lossWeights === undefined
        ? null
        : perOutput('lossWeights', args.lossWeights, outputNames, (v) => {
            if (typeof v !== 'number' || !Number.isFinite(v)) {
              throw new ValueError(`Each loss weight must be a finite number; received ${JSON.stringify(v)}.`);
            }
            return v;
          });
    this.metrics =
      args.metrics === undefined
        ? null
        : Array.isArray(args.metrics)
          ? args.metrics.map((m) => checkName('metric', m, METRICS))
          : perOutput('metrics', args.metrics, outputNames, (v) =>
              Array.isArray(v) ? v.map((m) => checkName('metric', m, METRICS)) : checkName('metric', v, METRICS),
            );
  }

  /** Keras 3's `compile_config`. */
  toJSON(): Record<string, unknown> {
    return {
      optimizer: { module: 'keras.optimizers', class_name: this.optimizer.className, config: this.optimizer.config, registered_name: null },
      loss: this.loss,
      loss_weights: this.lossWeights,
      metrics: this.metrics,
      weighted_metrics: null,
      run_eagerly: false,
      steps_per_execution: 1,
      jit_compile: false,
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
  if (value !== null && typeof value === 'object') {
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
