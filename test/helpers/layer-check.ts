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

export interface LayerCheck {
  /** Strata's layer (called on the input). */
  layer: Layer;
  /** The same layer in tfjs, or for weightless layers a function of tfjs ops. */
  reference: tf.layers.Layer | ((x: tf.Tensor) => tf.Tensor);
  /** Per-sample input shape. */
  inputShape: number[];
  batch?: number;
  seed?: number;
  /** Input values, when the default normal(0, 1) does not suit (e.g. indices). */
  input?: (rng: Random, size: number) => Float32Array;
}

export interface LayerCheckResult {
  output: { strata: Float32Array; reference: Float32Array };
  inputGradient: { strata: Float32Array; reference: Float32Array } | null;
  weightGradients: Array<{ name: string; strata: Float32Array; reference: Float32Array }>;
}

/** Largest |a - b| / (atol + rtol * |b|): at most 1 means within tolerance. */
export function closeness(a: Float32Array, b: Float32Array, rtol = 1e-4, atol = 1e-5): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (atol + rtol * Math.abs(b[i]!)));
  return worst;
}

export function checkLayer(c: LayerCheck): LayerCheckResult {
  resetNames();
  const batch = c.batch ?? 3;
  const rng = new Random(c.seed ?? 7);
  const size = batch * c.inputShape.reduce((a, b) => a * b, 1);
  const xValues = c.input ? c.input(rng, size) : Float32Array.from({ length: size }, () => rng.normal());
  const x = { shape: [batch, ...c.inputShape], data: xValues };

  const input = Input({ shape: c.inputShape });
  const out = c.layer(input) as SymbolicTensor;
  const model = Model({ inputs: input, outputs: out });
  model.compile({ loss: 'mse', optimizer: 'sgd' });
  const trainer = new Trainer(model, c.seed ?? 7);
  const weights = uniqueWeights(model.weights);

  const ref = c.reference;
  const apply = (t: tf.Tensor) => (typeof ref === 'function' ? ref(t) : (ref.apply(t) as tf.Tensor));
  if (typeof ref !== 'function') {
    // Build the reference, then give it Strata's initial weights.
    apply(tf.tensor(xValues, x.shape)).dispose();
    ref.setWeights(weights.map((w) => tf.tensor(weightValue(w)!, w.shape)));
  }
  const refY = apply(tf.tensor(xValues, x.shape)).dataSync() as Float32Array;

  const y = trainer.predict(x, { batchSize: batch })[0]!;
  const g = Float32Array.from({ length: y.data.length }, () => rng.normal());
  const outShape = y.shape;
  const rows = y.data.length / outShape[outShape.length - 1]!;
  const cols = outShape[outShape.length - 1]!;
  const target = Float32Array.from(y.data, (v, i) => v - (g[i]! * rows * cols) / 2);
  const grads = trainer.gradients(x, { shape: outShape, data: target });

  const xT = tf.tensor(xValues, x.shape);
  const gT = tf.tensor(g, outShape);
  const refVars = typeof ref === 'function' ? [] : ref.trainableWeights;
  const refWeightGrads = refVars.length > 0 ? tf.variableGrads(() => tf.sum(tf.mul(apply(xT), gT)) as tf.Scalar).grads : {};
  const refInputGrad = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(apply(xi), gT)))(xT);
  return {
    output: { strata: y.data as Float32Array, reference: refY },
    inputGradient: { strata: grads.inputs[0]!, reference: refInputGrad.dataSync() as Float32Array },
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
