/**
 * The model API that model files import as `'strata'`. It mirrors Keras' functional API
 * line for line: `Input`, `Model`, `Sequential`, `layers.*`, plus `ops` and `registerLayer`
 * for custom layers.
 */
import { Functional, type FunctionalArgs, type TensorStructure } from '../graph/functional.js';
import { Sequential as SequentialModel } from '../graph/sequential.js';
import type { Layer, LayerArgs } from '../graph/layer.js';
import { LOSS_DEFAULTS, OPTIMIZER_DEFAULTS, type ObjectSpec } from '../graph/compile-config.js';
import type { SymbolicTensor } from '../graph/symbolic-tensor.js';

export { Input } from '../graph/input-layer.js';
export { layers } from '../layers/index.js';
export { registerLayer } from '../graph/registry.js';
export { ops } from '../ops/index.js';
export type { TracedTensor, Operand } from '../ops/index.js';
export type { Weight } from '../graph/layer.js';
export type { Functional, SymbolicTensor, Layer };

type Options = Record<string, unknown>;
const optimizer = (className: string) => (learningRateOrOptions?: number | Options): ObjectSpec => ({
  className,
  config: typeof learningRateOrOptions === 'number' ? { learningRate: learningRateOrOptions } : { ...(learningRateOrOptions ?? {}) },
});
const loss = (className: string) => (options: Options = {}): ObjectSpec => ({ className, config: { ...options } });

/** Optimizers for `compile()`, as in Keras: `optimizers.RMSprop(1e-3)`, `optimizers.Adam({ learningRate: 3e-4 })`. */
export const optimizers = Object.fromEntries(Object.keys(OPTIMIZER_DEFAULTS).map((c) => [c, optimizer(c)])) as {
  [K in keyof typeof OPTIMIZER_DEFAULTS]: (learningRateOrOptions?: number | Options) => ObjectSpec;
};

/** Loss classes for `compile()`: `losses.SparseCategoricalCrossentropy({ fromLogits: true })`. */
export const losses = Object.fromEntries(Object.keys(LOSS_DEFAULTS).map((c) => [c, loss(c)])) as {
  [K in keyof typeof LOSS_DEFAULTS]: (options?: Options) => ObjectSpec;
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
