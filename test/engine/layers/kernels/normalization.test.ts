/**
 * BatchNormalization and LayerNormalization kernels against TensorFlow.js.
 *
 * Inference outputs are compared with tfjs' layers given the same weights. Training-mode
 * BatchNormalization (batch statistics) is compared through the gradients of a mean-squared
 * error with a random target: Strata's plan in 'gradients' mode against tf.grads of the same
 * loss written with tfjs ops (Keras 3's formula: biased batch variance, rsqrt(var + epsilon)).
 * The moving statistics are checked after one training step against Keras' momentum rule.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Input, Model, layers } from '../../../../electron/engine/frontends/dsl.js';
import { resetNames, uniqueWeights, type Layer, type SymbolicTensor, type Weight } from '../../../../electron/engine/graph/index.js';
import { Random } from '../../../../electron/engine/tensor/random.js';
import { Trainer } from '../../../../electron/engine/training/trainer.js';
import { setWeightValue, weightValue } from '../../../../electron/engine/training/weights.js';
import { checkLayer, closeness } from '../../../helpers/layer-check.js';

tf.setBackend('cpu');

// Tolerances: float32 against tfjs' float32 CPU backend. Normalization gradients subtract
// means of products (cancellation), so relative 1e-3 with an absolute floor of 1e-4; outputs
// relative 1e-4, absolute 1e-5.
const GRAD = { rtol: 1e-3, atol: 1e-4 };

function expectAgreement(r: ReturnType<typeof checkLayer>) {
  expect(closeness(r.output.strata, r.output.reference), 'output').toBeLessThanOrEqual(1);
  if (r.inputGradient) expect(closeness(r.inputGradient.strata, r.inputGradient.reference, GRAD.rtol, GRAD.atol), 'input gradient').toBeLessThanOrEqual(1);
  for (const w of r.weightGradients) expect(closeness(w.strata, w.reference, GRAD.rtol, GRAD.atol), w.name).toBeLessThanOrEqual(1);
}

interface TrainingCheck {
  layer: Layer;
  inputShape: number[];
  batch: number;
  /** The layer's training-mode forward in tfjs ops, from the input and every weight (model order). */
  reference: (x: tf.Tensor, weights: tf.Tensor[]) => tf.Tensor;
  /** Weight values to use instead of the initial ones. */
  weights?: (w: Weight, rng: Random) => Float32Array | null;
}

/** A model around the layer, with chosen weights; its trainer. */
function harness(c: Pick<TrainingCheck, 'layer' | 'inputShape' | 'weights'>, rng: Random) {
  resetNames();
  const input = Input({ shape: c.inputShape });
  const model = Model({ inputs: input, outputs: c.layer(input) as SymbolicTensor });
  model.compile({ loss: 'mse', optimizer: 'sgd' });
  const trainer = new Trainer(model, 7);
  const weights = uniqueWeights(model.weights);
  for (const w of weights) {
    const v = c.weights?.(w, rng);
    if (v) setWeightValue(w, v);
  }
  return { model, trainer, weights };
}

/** Gradients of mse(layer(x), target) for a random target, Strata's against tfjs'. */
function checkTraining(c: TrainingCheck) {
  const rng = new Random(11);
  const { model, trainer, weights } = harness(c, rng);
  const xShape = [c.batch, ...c.inputShape];
  const x = Float32Array.from({ length: xShape.reduce((a, b) => a * b, 1) }, () => rng.normal());
  const outShape = [c.batch, ...(model.outputs[0]!.shape.slice(1) as number[])];
  const target = Float32Array.from({ length: outShape.reduce((a, b) => a * b, 1) }, () => rng.normal());
  const grads = trainer.gradients({ shape: xShape, data: x }, { shape: outShape, data: target });

  const trainable = weights.filter((w) => w.trainable);
  const values = weights.map((w) => tf.tensor(weightValue(w)!, w.shape));
  const tT = tf.tensor(target, outShape);
  const loss = (xi: tf.Tensor, ...ws: tf.Tensor[]) => {
    let k = 0;
    const all = weights.map((w, i) => (w.trainable ? ws[k++]! : values[i]!));
    return tf.mean(tf.square(tf.sub(c.reference(xi, all), tT))) as tf.Scalar;
  };
  const refGrads = tf.grads(loss)([tf.tensor(x, xShape), ...trainable.map((w) => values[weights.indexOf(w)]!)]);
  return {
    input: { strata: grads.inputs[0]!, reference: refGrads[0]!.dataSync() as Float32Array },
    weights: trainable.map((w, i) => ({ name: w.path, strata: grads.weights.get(w)!, reference: refGrads[i + 1]!.dataSync() as Float32Array })),
  };
}

function expectGradients(r: ReturnType<typeof checkTraining>) {
  expect(closeness(r.input.strata, r.input.reference, GRAD.rtol, GRAD.atol), 'input gradient').toBeLessThanOrEqual(1);
  for (const w of r.weights) expect(closeness(w.strata, w.reference, GRAD.rtol, GRAD.atol), w.name).toBeLessThanOrEqual(1);
}

/** Non-trivial values: gamma around 1, beta around 0, a moving variance that is positive. */
function bnWeights(w: Weight, rng: Random): Float32Array {
  const f = (g: () => number) => Float32Array.from({ length: w.size }, g);
  if (w.name === 'gamma') return f(() => rng.uniform(0.5, 1.5));
  if (w.name === 'moving_variance') return f(() => rng.uniform(0.5, 2));
  return f(() => rng.normal() * 0.5);
}

/** Keras 3's training-mode batch normalization over every axis but `axis`. */
function bnTraining(axis: number, epsilon: number, center = true, scale = true) {
  return (x: tf.Tensor, w: tf.Tensor[]) => {
    const rank = x.rank;
    const a = axis < 0 ? axis + rank : axis;
    const axes = Array.from({ length: rank }, (_, i) => i).filter((i) => i !== a);
    const { mean, variance } = tf.moments(x, axes, true);
    const bshape = Array.from({ length: rank }, (_, i) => (i === a ? x.shape[a]! : 1));
    let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon)));
    let k = 0;
    if (scale) y = tf.mul(y, tf.reshape(w[k++]!, bshape));
    if (center) y = tf.add(y, tf.reshape(w[k++]!, bshape));
    return y;
  };
}

describe('BatchNormalization kernels', () => {
  it('inference (moving statistics) agrees with tfjs, channels last', () => {
    const r = checkLayer({
      layer: layers.BatchNormalization({ gammaInitializer: 'random_uniform', betaInitializer: 'random_normal', movingMeanInitializer: 'random_normal', movingVarianceInitializer: 'ones' }),
      reference: tf.layers.batchNormalization({ axis: -1 }),
      inputShape: [4, 6],
      batch: 5,
    });
    expect(closeness(r.output.strata, r.output.reference), 'output').toBeLessThanOrEqual(1);
  });

  // tfjs' layer fails on a middle axis of a rank-4 input; tfjs ops with the same weights instead.
  it('inference agrees with tfjs ops on a middle channel axis (channels first)', () => {
    const rng = new Random(9);
    const { trainer, weights } = harness({ layer: layers.BatchNormalization({ axis: 1 }), inputShape: [3, 4, 5], weights: bnWeights }, rng);
    const x = Float32Array.from({ length: 2 * 60 }, () => rng.normal());
    const y = trainer.predict({ shape: [2, 3, 4, 5], data: x }, { batchSize: 2 })[0]!.data as Float32Array;
    const [gamma, beta, mm, mv] = weights.map((w) => tf.tensor(weightValue(w)!, [1, 3, 1, 1]));
    const ref = tf.add(tf.mul(tf.mul(tf.sub(tf.tensor(x, [2, 3, 4, 5]), mm!), tf.rsqrt(tf.add(mv!, 1e-3))), gamma!), beta!).dataSync() as Float32Array;
    expect(closeness(y, ref), 'output').toBeLessThanOrEqual(1);
  });

  for (const [title, args, shape, batch] of [
    ['channels last, rank 2', {}, [6], 8],
    ['channels last, rank 4 (images)', { epsilon: 1e-5 }, [3, 4, 5], 4],
    ['channel axis 1 of a rank-4 input (inner positions)', { axis: 1 }, [3, 4, 5], 3],
    ['axis 2 of a rank-3 input', { axis: 2 }, [5, 3], 6],
    ['without center', { center: false }, [7], 5],
    ['without scale', { scale: false }, [7], 5],
  ] as Array<[string, Record<string, unknown>, number[], number]>) {
    it(`training-mode gradients agree with Keras' formula: ${title}`, () => {
      const axis = (args.axis as number | undefined) ?? -1;
      const eps = (args.epsilon as number | undefined) ?? 1e-3;
      expectGradients(
        checkTraining({
          layer: layers.BatchNormalization(args),
          inputShape: shape,
          batch,
          reference: bnTraining(axis, eps, args.center !== false, args.scale !== false),
          weights: bnWeights,
        }),
      );
    });
  }

  // Large enough (2^17 values) for the statistics to be split over the thread pool.
  for (const [args, shape, batch] of [
    [{ axis: 1 }, [32, 8, 8], 64],
    [{}, [256], 512],
  ] as Array<[Record<string, unknown>, number[], number]>) {
    it(`training-mode gradients on a large batch (${JSON.stringify(args)}, ${batch} × ${shape.join('×')})`, () => {
      expectGradients(
        checkTraining({ layer: layers.BatchNormalization(args), inputShape: shape, batch, reference: bnTraining((args.axis as number | undefined) ?? -1, 1e-3), weights: bnWeights }),
      );
    });
  }

  it('training moves the moving statistics by Keras\' momentum rule (biased batch variance)', () => {
    const rng = new Random(3);
    const layer = layers.BatchNormalization({ axis: 1, momentum: 0.9 });
    const { model, trainer, weights } = harness({ layer, inputShape: [3, 2], weights: bnWeights }, rng);
    const batch = 4;
    const x = Float32Array.from({ length: batch * 6 }, () => rng.normal() * 2 + 1);
    const before = weights.map((w) => weightValue(w)!.slice());
    trainer.fit({ shape: [batch, 3, 2], data: x }, { shape: [batch, 3, 2], data: new Float32Array(batch * 6) }, { batchSize: batch, epochs: 1, verbose: 0, shuffle: false });
    const mm = weightValue(model.weights.find((w) => w.name === 'moving_mean')!)!;
    const mv = weightValue(model.weights.find((w) => w.name === 'moving_variance')!)!;
    const mm0 = before[weights.findIndex((w) => w.name === 'moving_mean')]!;
    const mv0 = before[weights.findIndex((w) => w.name === 'moving_variance')]!;
    for (let c = 0; c < 3; c++) {
      const vals: number[] = [];
      for (let b = 0; b < batch; b++) for (let i = 0; i < 2; i++) vals.push(x[b * 6 + c * 2 + i]!);
      const mean = vals.reduce((s, v) => s + v, 0) / vals.length;
      const variance = vals.reduce((s, v) => s + (v - mean) ** 2, 0) / vals.length;
      expect(mm[c]).toBeCloseTo(mm0[c]! * 0.9 + mean * 0.1, 5);
      expect(mv[c]).toBeCloseTo(mv0[c]! * 0.9 + variance * 0.1, 5);
    }
  });

  it('a frozen BatchNormalization runs in inference mode while training (Keras 3)', () => {
    const layer = layers.BatchNormalization({ trainable: false });
    const eps = 1e-3;
    const r = checkTraining({
      layer,
      inputShape: [5],
      batch: 4,
      weights: bnWeights,
      reference: (x, [gamma, beta, mm, mv]) => tf.add(tf.mul(tf.mul(tf.sub(x, mm!), tf.rsqrt(tf.add(mv!, eps))), gamma!), beta!),
    });
    expect(r.weights).toEqual([]);
    expect(closeness(r.input.strata, r.input.reference, GRAD.rtol, GRAD.atol), 'input gradient').toBeLessThanOrEqual(1);
  });

  it('evaluate and predict use the moving statistics after training', () => {
    const rng = new Random(5);
    const layer = layers.BatchNormalization();
    const { trainer, weights } = harness({ layer, inputShape: [4] }, rng);
    const x = { shape: [8, 4], data: Float32Array.from({ length: 32 }, () => rng.normal() * 3 + 2) };
    trainer.fit(x, { shape: [8, 4], data: new Float32Array(32) }, { batchSize: 8, epochs: 3, verbose: 0 });
    const [gamma, beta, mm, mv] = weights.map((w) => weightValue(w)!);
    const y = trainer.predict(x, { batchSize: 8 })[0]!.data;
    for (let i = 0; i < 32; i++) {
      const c = i % 4;
      expect(y[i]).toBeCloseTo(((x.data[i]! - mm![c]!) / Math.sqrt(mv![c]! + 1e-3)) * gamma![c]! + beta![c]!, 4);
    }
  });
});

describe('LayerNormalization kernels', () => {
  const lnWeights = (w: Weight, rng: Random) => Float32Array.from({ length: w.size }, () => (w.name === 'gamma' ? rng.uniform(0.5, 1.5) : rng.normal() * 0.5));

  it('last axis agrees with tfjs', () => {
    expectAgreement(
      checkLayer({
        layer: layers.LayerNormalization({ gammaInitializer: 'random_uniform', betaInitializer: 'random_normal' }),
        reference: tf.layers.layerNormalization({ axis: -1 }),
        inputShape: [3, 8],
        batch: 4,
      }),
    );
  });

  it('several trailing axes agree with tfjs', () => {
    expectAgreement(
      checkLayer({
        layer: layers.LayerNormalization({ axis: [-2, -1], gammaInitializer: 'random_uniform', betaInitializer: 'random_normal' }),
        reference: tf.layers.layerNormalization({ axis: [-2, -1] }),
        inputShape: [2, 3, 4],
        batch: 3,
      }),
    );
  });

  it('a middle axis (strided groups) agrees with tfjs', () => {
    expectAgreement(
      checkLayer({
        layer: layers.LayerNormalization({ axis: 1, gammaInitializer: 'random_uniform', betaInitializer: 'random_normal' }),
        reference: tf.layers.layerNormalization({ axis: 1 }),
        inputShape: [5, 3],
        batch: 4,
      }),
    );
  });

  // tfjs' layer fails without gamma and beta; its formula instead.
  it('without center and scale agrees with the formula', () => {
    expectAgreement(
      checkLayer({
        layer: layers.LayerNormalization({ center: false, scale: false, epsilon: 1e-5 }),
        reference: (x: tf.Tensor) => {
          const { mean, variance } = tf.moments(x, -1, true);
          return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5)));
        },
        inputShape: [6],
        batch: 5,
      }),
    );
  });

  it('a large batch (rows split over the thread pool) agrees with Keras\' formula', () => {
    expectGradients(
      checkTraining({
        layer: layers.LayerNormalization(),
        inputShape: [64, 128],
        batch: 32,
        weights: lnWeights,
        reference: (x, [gamma, beta]) => {
          const { mean, variance } = tf.moments(x, -1, true);
          return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-3))), gamma!), beta!);
        },
      }),
    );
  });

  it('axes that are not adjacent ([1, 3]) follow Keras\' formula', () => {
    expectGradients(
      checkTraining({
        layer: layers.LayerNormalization({ axis: [1, 3] }),
        inputShape: [3, 2, 4],
        batch: 2,
        weights: lnWeights,
        reference: (x, [gamma, beta]) => {
          const { mean, variance } = tf.moments(x, [1, 3], true);
          const y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-3)));
          return tf.add(tf.mul(y, tf.reshape(gamma!, [1, 3, 1, 4])), tf.reshape(beta!, [1, 3, 1, 4]));
        },
      }),
    );
  });

  for (const [title, axis, shape] of [
    ['last axis', -1, [3, 6]],
    ['middle axis', 1, [4, 3]],
  ] as Array<[string, number, number[]]>) {
    it(`rms scaling (${title}): x * rsqrt(mean(x²) + epsilon) * gamma`, () => {
      expectGradients(
        checkTraining({
          layer: layers.LayerNormalization({ axis, rmsScaling: true }),
          inputShape: shape,
          batch: 3,
          weights: lnWeights,
          reference: (x, [gamma]) => {
            const a = axis < 0 ? axis + x.rank : axis;
            const ms = tf.mean(tf.square(x), a, true);
            const bshape = Array.from({ length: x.rank }, (_, i) => (i === a ? x.shape[a]! : 1));
            return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, 1e-3))), tf.reshape(gamma!, bshape));
          },
        }),
      );
    });
  }
});
