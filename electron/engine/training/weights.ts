/**
 * Weight values on the host side. A model's weights are shapes and initializers until they
 * are first needed; then they are drawn once (seeded) and kept here, between fits, for
 * predict, get/setWeights and saving. During fit the plan holds the live values.
 */
import type { Functional } from '../graph/functional.js';
import { uniqueWeights, type Weight } from '../graph/layer.js';
import { ValueError } from '../graph/errors.js';
import { Random } from '../tensor/random.js';
import { initialValues } from './initialize.js';
import { LSTMCell } from '../layers/recurrent.js';

const values = new WeakMap<Weight, Float32Array>();

export function weightValue(w: Weight): Float32Array | undefined {
  return values.get(w);
}

export function setWeightValue(w: Weight, value: Float32Array): void {
  if (value.length !== w.size) {
    throw new ValueError(
      `Weight "${w.path}" has shape ${JSON.stringify(w.shape)} (${w.size} values); received ${value.length} values.`,
      w.layer.name,
    );
  }
  values.set(w, value);
}

/** Draws initial values for every weight that has none, in model order, from `seed`. */
export function initializeWeights(model: Functional, seed: number): void {
  const rng = new Random(seed);
  for (const w of uniqueWeights(model.weights)) {
    if (values.has(w)) continue;
    const v = initialValues(w.initializer, w.shape, rng);
    // Keras' unit_forget_bias: the forget gate's slice of an LSTM bias starts at one.
    if (w.layer instanceof LSTMCell && w.layer.unitForgetBias && w.name === 'bias') v.fill(1, v.length / 4, v.length / 2);
    values.set(w, v);
  }
}

/** Keras' get_weights(): copies of every weight's values, in model.weights order. */
export function getWeights(model: Functional, seed = 0): Float32Array[] {
  initializeWeights(model, seed);
  return uniqueWeights(model.weights).map((w) => values.get(w)!.slice());
}

export function setWeights(model: Functional, list: Float32Array[]): void {
  const weights = uniqueWeights(model.weights);
  if (list.length !== weights.length) {
    throw new ValueError(`Model "${model.name}" has ${weights.length} weights; setWeights received ${list.length} arrays.`);
  }
  weights.forEach((w, i) => setWeightValue(w, Float32Array.from(list[i]!)));
}
