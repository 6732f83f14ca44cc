/**
 * The model API that model files import as `'strata'`. It mirrors Keras' functional API
 * line for line: `Input`, `Model`, `Sequential`, `layers.*`, plus `ops` and `registerLayer`
 * for custom layers.
 */
import { Functional, type FunctionalArgs, type TensorStructure } from '../graph/functional.js';
import { Sequential as SequentialModel } from '../graph/sequential.js';
import type { Layer, LayerArgs } from '../graph/layer.js';
import type { SymbolicTensor } from '../graph/symbolic-tensor.js';

export { Input } from '../graph/input-layer.js';
export { layers } from '../layers/index.js';
export { registerLayer } from '../graph/registry.js';
export type { Functional, SymbolicTensor, Layer };

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
