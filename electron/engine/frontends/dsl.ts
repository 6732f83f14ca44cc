/**
 * The model API that model files import as `'strata'`. It mirrors Keras' functional API
 * line for line: `Input`, `Model`, `Sequential`, `layers.*`, plus `ops` and `registerLayer`
 * for custom layers.
 */
import { Functional, type FunctionalArgs, type TensorStructure } from '../graph/functional.js';
import { Sequential as SequentialModel } from '../graph/sequential.js';
import type { Layer, LayerArgs } from '../graph/layer.js';
import { LOSS_DEFAULTS, OPTIMIZER_DEFAULTS, toSchedule, type ObjectSpec } from '../graph/compile-config.js';
import type { SymbolicTensor } from '../graph/symbolic-tensor.js';
import { modelFromJSON } from '../graph/deserialize.js';
import type { SerializedLayer } from '../graph/serialize.js';

export { Input } from '../graph/input-layer.js';
export { layers } from '../layers/index.js';
export { registerLayer } from '../graph/registry.js';
export { ops } from '../ops/index.js';
export type { TracedTensor, Operand } from '../ops/index.js';
export type { Weight } from '../graph/layer.js';
export type { Functional, SymbolicTensor, Layer };

type Options = Record<string, unknown>;
/** A learning rate: a number or a schedule from `optimizers.schedules`. */
type LearningRate = number | ObjectSpec;
const isLearningRate = (v: unknown): v is LearningRate => typeof v === 'number' || (typeof v === 'object' && v !== null && 'className' in v);
const optimizer = (className: string) => (learningRateOrOptions?: LearningRate | Options): ObjectSpec => ({
  className,
  config: isLearningRate(learningRateOrOptions) ? { learningRate: learningRateOrOptions } : { ...(learningRateOrOptions ?? {}) },
});
const loss = (className: string) => (options: Options = {}): ObjectSpec => ({ className, config: { ...options } });
/** Options left undefined take Keras' defaults. */
const given = (o: Options) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/**
 * Learning-rate schedules, with Keras' positional arguments, checked as Keras checks them:
 * `optimizers.Adam({ learningRate: optimizers.schedules.CosineDecay(1e-3, 1000) })`.
 */
const schedules = {
  ExponentialDecay: (initialLearningRate: number, decaySteps: number, decayRate: number, options: { staircase?: boolean; name?: string } = {}) =>
    toSchedule({ className: 'ExponentialDecay', config: given({ initialLearningRate, decaySteps, decayRate, ...options }) }),
  CosineDecay: (
    initialLearningRate: number,
    decaySteps: number,
    options: { alpha?: number; name?: string; warmupTarget?: number | null; warmupSteps?: number } = {},
  ) => toSchedule({ className: 'CosineDecay', config: given({ initialLearningRate, decaySteps, ...options }) }),
  PiecewiseConstantDecay: (boundaries: number[], values: number[], options: { name?: string } = {}) =>
    toSchedule({ className: 'PiecewiseConstantDecay', config: given({ boundaries, values, ...options }) }),
};

/**
 * Optimizers for `compile()`, as in Keras: `optimizers.RMSprop(1e-3)`, `optimizers.Adam({ learningRate: 3e-4 })`,
 * and their learning-rate schedules, `optimizers.schedules.ExponentialDecay(1e-2, 1000, 0.9)`.
 */
export const optimizers = {
  ...(Object.fromEntries(Object.keys(OPTIMIZER_DEFAULTS).map((c) => [c, optimizer(c)])) as {
    [K in keyof typeof OPTIMIZER_DEFAULTS]: (learningRateOrOptions?: LearningRate | Options) => ObjectSpec;
  }),
  schedules,
};

/** Loss classes for `compile()`: `losses.SparseCategoricalCrossentropy({ fromLogits: true })`. */
export const losses = Object.fromEntries(Object.keys(LOSS_DEFAULTS).map((c) => [c, loss(c)])) as {
  [K in keyof typeof LOSS_DEFAULTS]: (options?: Options) => ObjectSpec;
};

/**
 * Keras' `models.model_from_json`: a model from its config (a `config.json` object or its JSON
 * text), with the custom layer classes registered in this file. Compile options are not read.
 */
export const models = {
  modelFromJson(json: string | SerializedLayer): Functional {
    const parsed = typeof json === 'string' ? (JSON.parse(json) as SerializedLayer) : json;
    return modelFromJSON({ ...parsed, compile_config: undefined });
  },
};

/** `Model({ inputs, outputs, name })`, or Keras' positional `Model(inputs, outputs, { name })`. */
export function Model(args: FunctionalArgs): Functional;
export function Model(inputs: TensorStructure, outputs: TensorStructure, options?: { name?: string; trainable?: boolean }): Functional;
export function Model(
  first: FunctionalArgs | TensorStructure,
  outputs?: TensorStructure,
  options: { name?: string; trainable?: boolean } = {},
): Functional {
  if (outputs === undefined) return new Functional(first as FunctionalArgs);
  return new Functional({ inputs: first as TensorStructure, outputs, ...options });
}

/** `Sequential([layer, …], { name })`; layers may also be added with `.add()`. */
export function Sequential(layers: Array<Layer | SymbolicTensor> = [], options: LayerArgs = {}): SequentialModel {
  return new SequentialModel(layers, options);
}
