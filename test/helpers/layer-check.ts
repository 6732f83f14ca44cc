/**
 * Checks a layer's kernels against TensorFlow.js (pure JS, Keras semantics and weight
 * layouts): the same weights and inputs must give the same outputs, and the same gradients
 * of sum(output * g) for a random cotangent g, with respect to the input and every weight.
 *
 * Strata computes the gradients through a plan in 'gradients' mode with a mean-squared-error
 * loss whose target is chosen so that d(loss)/d(output) is exactly g.
 */
import * as tf from '@tensorflow/tfjs';
import { Input, Model } from '../../electron/engine/frontends/dsl.js';
import type { Layer, SymbolicTensor } from '../../electron/engine/graph/index.js';
import { resetNames, uniqueWeights } from '../../electron/engine/graph/index.js';
import { Random } from '../../electron/engine/tensor/random.js';
import { Trainer } from '../../electron/engine/training/trainer.js';
import { setWeightValue, weightValue } from '../../electron/engine/training/weights.js';

tf.setBackend('cpu');

/** One per-sample input shape, or a list of them for layers called on several inputs (merges). */
export type InputShapes = number[] | number[][];

export interface LayerCheck<S extends InputShapes = number[]> {
  /** Strata's layer (called on the input). */
  layer: Layer;
  /** The same layer in tfjs, or for weightless layers a function of tfjs ops (of a list of tensors for several inputs). */
  reference: tf.layers.Layer | ((x: S extends number[][] ? tf.Tensor[] : tf.Tensor) => tf.Tensor);
  /** Per-sample input shape, or a list of them for layers called on several inputs (merges). */
  inputShape: S;
  batch?: number;
  seed?: number;
  /** Input values, when the default normal(0, 1) does not suit (e.g. indices). */
  input?: (rng: Random, size: number) => Float32Array;
}

export interface LayerCheckResult {
  output: { strata: Float32Array; reference: Float32Array };
  inputGradient: { strata: Float32Array; reference: Float32Array } | null;
  /** Every input's gradient (the first is `inputGradient`). */
  inputGradients: Array<{ strata: Float32Array; reference: Float32Array }>;
  weightGradients: Array<{ name: string; strata: Float32Array; reference: Float32Array }>;
}

/** Largest |a - b| / (atol + rtol * |b|): at most 1 means within tolerance. */
export function closeness(a: Float32Array, b: Float32Array, rtol = 1e-4, atol = 1e-5): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (atol + rtol * Math.abs(b[i]!)));
  return worst;
}

export function checkLayer<S extends InputShapes = number[]>(c: LayerCheck<S>): LayerCheckResult {
  resetNames();
  const batch = c.batch ?? 3;
  const rng = new Random(c.seed ?? 7);
  const many = Array.isArray(c.inputShape[0]);
  const shapes = (many ? c.inputShape : [c.inputShape]) as number[][];
  const xs = shapes.map((shape) => {
    const size = batch * shape.reduce((a, b) => a * b, 1);
    return { shape: [batch, ...shape], data: c.input ? c.input(rng, size) : Float32Array.from({ length: size }, () => rng.normal()) };
  });
  const x = many ? xs : xs[0]!;

  const inputs = shapes.map((shape) => Input({ shape }));
  const out = c.layer(many ? inputs : inputs[0]!) as SymbolicTensor;
  const model = Model({ inputs: many ? inputs : inputs[0]!, outputs: out });
  model.compile({ loss: 'mse', optimizer: 'sgd' });
  const trainer = new Trainer(model, c.seed ?? 7);
  const weights = uniqueWeights(model.weights);

  const ref = c.reference;
  // The reference sees one tensor, or the list of them for several inputs.
  const call = (ts: tf.Tensor[]): tf.Tensor => {
    const arg = many ? ts : ts[0]!;
    return typeof ref === 'function' ? (ref as (a: tf.Tensor | tf.Tensor[]) => tf.Tensor)(arg) : (ref.apply(arg) as tf.Tensor);
  };
  const tensors = () => xs.map((d) => tf.tensor(d.data, d.shape));
  if (typeof ref !== 'function') {
    // Build the reference, then give it Strata's initial weights.
    call(tensors()).dispose();
    ref.setWeights(weights.map((w) => tf.tensor(weightValue(w)!, w.shape)));
  }
  const refY = call(tensors()).dataSync() as Float32Array;

  const y = trainer.predict(x, { batchSize: batch })[0]!;
  const g = Float32Array.from({ length: y.data.length }, () => rng.normal());
  const outShape = y.shape;
  const rows = y.data.length / outShape[outShape.length - 1]!;
  const cols = outShape[outShape.length - 1]!;
  const target = Float32Array.from(y.data, (v, i) => v - (g[i]! * rows * cols) / 2);
  const grads = trainer.gradients(x, { shape: outShape, data: target });

  const xT = tensors();
  const gT = tf.tensor(g, outShape);
  const refVars = typeof ref === 'function' ? [] : ref.trainableWeights;
  const refWeightGrads = refVars.length > 0 ? tf.variableGrads(() => tf.sum(tf.mul(call(xT), gT)) as tf.Scalar).grads : {};
  const refInputGrads = tf.grads((...ts: tf.Tensor[]) => tf.sum(tf.mul(call(ts), gT)))(xT);
  const inputGradients = refInputGrads.map((r, i) => ({ strata: grads.inputs[i]!, reference: r.dataSync() as Float32Array }));
  return {
    output: { strata: y.data as Float32Array, reference: refY },
    inputGradient: inputGradients[0]!,
    inputGradients,
    weightGradients: weights
      .filter((w) => w.trainable)
      .map((w, i) => ({
        name: w.path,
        strata: grads.weights.get(w)!,
        reference: refWeightGrads[refVars[i]!.originalName]!.dataSync() as Float32Array,
      })),
  };
}

/** Sets a layer's weights in a Strata model by order (tests that need chosen values). */
export function setLayerWeights(layer: Layer, values: Float32Array[]): void {
  layer.weights.forEach((w, i) => setWeightValue(w, values[i]!));
}
