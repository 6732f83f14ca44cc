import type { DType, Shape } from './shape.js';
import { formatShape } from './shape.js';
import type { Layer } from './layer.js';

/**
 * A placeholder for a tensor flowing through a model graph: it has a shape and a dtype but
 * no values. It remembers which layer call made it (`sourceLayer`, `nodeIndex`,
 * `tensorIndex` — Keras' `_keras_history`), which is how a model finds its graph, and whether
 * a mask comes with it (Keras' `_keras_mask`: which steps of a padded sequence count).
 */
export class SymbolicTensor {
  constructor(
    readonly shape: Shape,
    readonly dtype: DType,
    readonly sourceLayer: Layer,
    readonly nodeIndex: number,
    readonly tensorIndex: number,
    readonly hasMask: boolean = false,
  ) {}

  get name(): string {
    const layer = this.sourceLayer;
    return this.nodeIndex === 0 && this.tensorIndex === 0 && layer.outputCount() === 1
      ? layer.name
      : `${layer.name}[${this.nodeIndex}][${this.tensorIndex}]`;
  }

  /** `[layerName, nodeIndex, tensorIndex]`, the reference Keras writes into configs. */
  get history(): [string, number, number] {
    return [this.sourceLayer.name, this.nodeIndex, this.tensorIndex];
  }

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `<SymbolicTensor shape=${formatShape(this.shape)}, dtype=${this.dtype}, name=${this.name}>`;
  }
}

export function isSymbolicTensor(value: unknown): value is SymbolicTensor {
  return value instanceof SymbolicTensor;
}
