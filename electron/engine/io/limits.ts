/**
 * How large a model from a file may be. A file declares its sizes before any memory is set
 * aside for them (a config can ask for a Dense layer of 10^10 units in a few bytes), so a model
 * built from a file is measured here before its weights are read or drawn, and refused when:
 * - one weight, or one sample's tensor anywhere in the graph, holds more than 2^31 - 1 values
 *   (the native kernels' bound on a dimension);
 * - its weights together need more than half of this machine's memory (a model that large
 *   could not be used, let alone trained, beside its activations and optimizer state).
 */
import { totalmem } from 'node:os';
import { ValueError } from '../graph/errors.js';
import type { Functional } from '../graph/functional.js';
import { uniqueWeights, type Layer } from '../graph/layer.js';
import { formatShape, type Shape } from '../graph/shape.js';

export const MAX_TENSOR_VALUES = 2 ** 31 - 1;

/** The bytes a model from a file may take: half of this machine's memory. */
export function memoryBudget(): number {
  return Math.floor(totalmem() / 2);
}

const gigabytes = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/** The values one sample takes in a tensor of this shape (unknown sizes, the batch among them, left out). */
function valuesPerSample(shape: Shape): number {
  return shape.reduce<number>((n, d) => n * (d ?? 1), 1);
}

function checkWeights(model: Functional, where: string): void {
  let total = 0;
  for (const w of uniqueWeights(model.weights)) {
    const label = `${where}: layer "${w.layer.name}" (${w.layer.className}) declares weight ${w.name} of shape ${formatShape(w.shape)}`;
    if (!w.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new ValueError(`${label}; every dimension must be a non-negative integer.`, w.layer.name);
    }
    if (w.size > MAX_TENSOR_VALUES) {
      throw new ValueError(`${label}, ${w.size} values; a weight may hold at most ${MAX_TENSOR_VALUES}.`, w.layer.name);
    }
    total += w.size;
  }
  const bytes = total * Float32Array.BYTES_PER_ELEMENT;
  if (bytes > memoryBudget()) {
    throw new ValueError(
      `${where}: the model's weights hold ${total} values (${gigabytes(bytes)}); a model from a file may take at most ${gigabytes(memoryBudget())}, half of this machine's memory.`,
    );
  }
}

function checkTensors(layer: Layer, where: string, seen: Set<Layer>): void {
  if (seen.has(layer)) return;
  seen.add(layer);
  for (const node of layer.inboundNodes) {
    for (const output of node.outputs) {
      const values = valuesPerSample(output.shape);
      if (values > MAX_TENSOR_VALUES) {
        throw new ValueError(
          `${where}: layer "${layer.name}" (${layer.className}) outputs shape ${formatShape(output.shape)}, ${values} values per sample; a tensor may hold at most ${MAX_TENSOR_VALUES} per sample.`,
          layer.name,
        );
      }
    }
  }
  for (const inner of layer.sublayers()) checkTensors(inner, where, seen);
}

/** Refuses a model from a file whose declared sizes no machine here could hold (see above). */
export function checkModelSize(model: Functional, where: string): void {
  checkWeights(model, where);
  checkTensors(model, where, new Set());
}
