/**
 * Custom layers in plans: a custom layer's forward is the trace of its call(), lowered op by
 * op into kernels with their backward. Each layer here is checked against the same
 * computation written with TensorFlow.js ops (outputs, and the gradients of a mean-squared
 * error with a random target with respect to the input and every weight), or by finite
 * differences where a reference would repeat the engine (sublayer calls), and one trains.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeEach, describe, expect, it } from 'vitest';
import { Input, Model, layers, ops, registerLayer, type TracedTensor, type Weight } from '../../../../electron/engine/frontends/dsl.js';
import {
  resetCustomLayers,
  resetNames,
  uniqueWeights,
  type Functional,
  type LayerArgs,
  type Shape,
  type SymbolicTensor,
} from '../../../../electron/engine/graph/index.js';
import { evaluateModelFile } from '../../../../electron/host/model-evaluation/index.js';
import { TracedLayer } from '../../../../electron/engine/layers/traced.js';
import { Random } from '../../../../electron/engine/tensor/random.js';
import { Trainer } from '../../../../electron/engine/training/trainer.js';
import { setWeightValue, weightValue } from '../../../../electron/engine/training/weights.js';
import { closeness } from '../../../helpers/layer-check.js';

tf.setBackend('cpu');

beforeEach(() => {
  resetNames();
  resetCustomLayers();
});

// Tolerances: float32 kernels against tfjs' float32 CPU backend. Outputs relative 1e-4
// (absolute 1e-5); gradients of compositions of a dozen ops relative 1e-3 (absolute 1e-4).
const OUT = { rtol: 1e-4, atol: 1e-5 };
const GRAD = { rtol: 1e-3, atol: 1e-4 };

type Reference = (x: tf.Tensor, weights: tf.Tensor[]) => tf.Tensor;

/**
 * Runs a compiled-on-the-spot model on a random batch: Strata's output and gradients (every
 * trainable weight, model order) against the reference written with tfjs ops.
 */
function check(model: Functional, reference: Reference, batch: number, options: { seed?: number; weightScale?: number } = {}) {
  const rng = new Random(options.seed ?? 13);
  model.compile({ loss: 'mse', optimizer: 'sgd' });
  const trainer = new Trainer(model, 7);
  const weights = uniqueWeights(model.weights);
  // Random weights (biases and offsets too), so that every path carries a gradient.
  for (const w of weights) setWeightValue(w, Float32Array.from({ length: w.size }, () => rng.normal() * (options.weightScale ?? 0.5)));
  const xShape = [batch, ...(model.inputs[0]!.shape.slice(1) as number[])];
  const x = Float32Array.from({ length: xShape.reduce((a, b) => a * b, 1) }, () => rng.normal());
  const y = trainer.predict({ shape: xShape, data: x }, { batchSize: batch })[0]!;
  const target = Float32Array.from({ length: y.data.length }, () => rng.normal());
  const grads = trainer.gradients({ shape: xShape, data: x }, { shape: y.shape, data: target });

  const values = weights.map((w) => tf.tensor(weightValue(w)!, w.shape));
  const refY = reference(tf.tensor(x, xShape), values);
  const tT = tf.tensor(target, y.shape);
  const loss = (xi: tf.Tensor, ...ws: tf.Tensor[]) => tf.mean(tf.square(tf.sub(reference(xi, ws), tT))) as tf.Scalar;
  const refGrads = tf.grads(loss)([tf.tensor(x, xShape), ...values]);
  return {
    trainer,
    x: { shape: xShape, data: x },
    shape: { strata: y.shape, reference: refY.shape },
    output: { strata: y.data as Float32Array, reference: refY.dataSync() as Float32Array },
    input: { strata: grads.inputs[0]!, reference: refGrads[0]!.dataSync() as Float32Array },
    weights: weights.map((w, i) => ({ name: w.path, strata: grads.weights.get(w)!, reference: refGrads[i + 1]!.dataSync() as Float32Array })),
  };
}

/** The last, smaller batch of an epoch runs on the same plan: outputs do not depend on the batch split. */
function expectBatchIndependent(r: ReturnType<typeof check>, batchSize: number) {
  const split = r.trainer.predict(r.x, { batchSize })[0]!.data as Float32Array;
  expect(closeness(split, r.output.strata, OUT.rtol, OUT.atol), `output with batches of ${batchSize}`).toBeLessThanOrEqual(1);
}

function expectAgreement(r: ReturnType<typeof check>) {
  expect(r.shape.strata, 'output shape').toEqual(r.shape.reference);
  expect(closeness(r.output.strata, r.output.reference, OUT.rtol, OUT.atol), 'output').toBeLessThanOrEqual(1);
  expect(closeness(r.input.strata, r.input.reference, GRAD.rtol, GRAD.atol), 'input gradient').toBeLessThanOrEqual(1);
  for (const w of r.weights) expect(closeness(w.strata, w.reference, GRAD.rtol, GRAD.atol), w.name).toBeLessThanOrEqual(1);
}

/** A model of one layer on an input of the given per-sample shape. */
function modelOf(layer: (x: SymbolicTensor) => unknown, shape: number[], batchShape?: number[]): Functional {
  const input = batchShape ? Input({ batchShape }) : Input({ shape });
  return Model({ inputs: input, outputs: layer(input) as SymbolicTensor });
}

// ---- the layers ------------------------------------------------------------------------------

interface UnitsArgs extends LayerArgs {
  units?: number;
}

/** The Linear layer of docs/custom-layers.md. */
class Linear extends layers.Layer {
  units: number;
  w!: Weight;
  b!: Weight;
  constructor({ units = 32, ...rest }: UnitsArgs = {}) {
    super(rest);
    this.units = units;
  }
  override build(inputShape: Shape) {
    this.w = this.addWeight({ name: 'w', shape: [inputShape[inputShape.length - 1]!, this.units], initializer: 'random_normal' });
    this.b = this.addWeight({ name: 'b', shape: [this.units], initializer: 'zeros' });
  }
  override call(inputs: TracedTensor) {
    return ops.add(ops.matmul(inputs, this.w), this.b);
  }
  override getConfig() {
    return { ...super.getConfig(), units: this.units };
  }
}

/** Element-wise ops with broadcasting of weights of several ranks, constants on either side. */
class Gated extends layers.Layer {
  scale!: Weight;
  shift!: Weight;
  mix!: Weight;
  override build(inputShape: Shape) {
    const d = inputShape[2]!;
    this.scale = this.addWeight({ name: 'scale', shape: [d] });
    this.shift = this.addWeight({ name: 'shift', shape: [1, 1, d] });
    this.mix = this.addWeight({ name: 'mix', shape: [inputShape[1]!, 1] });
  }
  override call(x: TracedTensor) {
    const centred = ops.subtract(x, ops.mean(x, -1, true));
    const norm = ops.divide(centred, ops.sqrt(ops.add(ops.mean(ops.square(centred), -1, true), 1e-3)));
    const g = ops.add(ops.multiply(norm, this.scale), this.shift);
    const gate = ops.sigmoid(ops.multiply(x, this.mix));
    const a = ops.multiply(ops.tanh(g), gate);
    const b = ops.maximum(ops.relu(x), ops.multiply(ops.exp(ops.negative(ops.abs(x))), 0.5));
    const c = ops.minimum(ops.pow(ops.add(ops.square(x), 1), 0.5), 2);
    const d = ops.log(ops.add(ops.sigmoid(x), 1));
    const e = ops.softmax(ops.subtract(2, a), 1);
    const f = ops.pow(gate, ops.add(ops.sigmoid(x), 0.5));
    const h = ops.divide(a, ops.add(ops.abs(this.mix), 1));
    return ops.add(ops.add(ops.add(a, b), ops.multiply(c, d)), ops.add(ops.add(e, f), h));
  }
}

function gatedReference(x: tf.Tensor, [scale, shift, mix]: tf.Tensor[]): tf.Tensor {
  const centred = tf.sub(x, tf.mean(x, -1, true));
  const norm = tf.div(centred, tf.sqrt(tf.add(tf.mean(tf.square(centred), -1, true), 1e-3)));
  const g = tf.add(tf.mul(norm, scale!), shift!);
  const gate = tf.sigmoid(tf.mul(x, mix!));
  const a = tf.mul(tf.tanh(g), gate);
  const b = tf.maximum(tf.relu(x), tf.mul(tf.exp(tf.neg(tf.abs(x))), 0.5));
  const c = tf.minimum(tf.pow(tf.add(tf.square(x), 1), 0.5), 2);
  const d = tf.log(tf.add(tf.sigmoid(x), 1));
  const s = tf.sub(2, a);
  const e = tf.exp(tf.sub(s, tf.logSumExp(s, 1, true)));
  const f = tf.pow(gate, tf.add(tf.sigmoid(x), 0.5));
  const h = tf.div(a, tf.add(tf.abs(mix!), 1));
  return tf.add(tf.add(tf.add(a, b), tf.mul(c, d)), tf.add(tf.add(e, f), h));
}

/** Matrix products: weights, batched products, transposes, a merged batch, vectors. */
class Attention extends layers.Layer {
  wq!: Weight;
  wk!: Weight;
  wv!: Weight;
  wo!: Weight;
  wt!: Weight;
  vec!: Weight;
  vec2!: Weight;
  mixer!: Weight;
  override build(inputShape: Shape) {
    const t = inputShape[1]!;
    const d = inputShape[2]!;
    this.wq = this.addWeight({ name: 'wq', shape: [d, 4] });
    this.wk = this.addWeight({ name: 'wk', shape: [d, 4] });
    this.wv = this.addWeight({ name: 'wv', shape: [d, 4] });
    this.wo = this.addWeight({ name: 'wo', shape: [4, 3] });
    this.wt = this.addWeight({ name: 'wt', shape: [t, 3, 2] });
    this.vec = this.addWeight({ name: 'vec', shape: [2] });
    this.vec2 = this.addWeight({ name: 'vec2', shape: [3] });
    this.mixer = this.addWeight({ name: 'mixer', shape: [t, t] });
  }
  override call(x: TracedTensor) {
    const t = x.shape[1]!;
    const q = ops.matmul(x, this.wq);
    const k = ops.matmul(x, this.wk);
    const v = ops.matmul(ops.matmul(this.mixer, x), this.wv); // [T, T] · [B, T, D]: the batch broadcasts
    const scores = ops.divide(ops.matmul(q, ops.transpose(k, [0, 2, 1])), 2);
    const o = ops.matmul(ops.softmax(scores, -1), v); // [B, T, 4]
    const back = ops.reshape(ops.matmul(ops.reshape(o, [-1, 4]), this.wo), [-1, t, 3]); // batch merged with T, then split again
    const per = ops.squeeze(ops.matmul(ops.expandDims(back, 2), this.wt), 2); // [B, T, 1, 3] · [T, 3, 2]
    const right = ops.matmul(per, this.vec); // [B, T, 2] · [2]
    const left = ops.matmul(this.vec2, ops.transpose(back, [0, 2, 1])); // [3] · [B, 3, T]
    return ops.concatenate([right, left], -1);
  }
}

function attentionReference(x: tf.Tensor, [wq, wk, wv, wo, wt, vec, vec2, mixer]: tf.Tensor[]): tf.Tensor {
  const [b, t] = x.shape as number[];
  const mm = (a: tf.Tensor, c: tf.Tensor) => tf.matMul(a as tf.Tensor3D, c as tf.Tensor3D);
  const q = mm(x, tf.tile(tf.expandDims(wq!, 0), [b!, 1, 1]));
  const k = mm(x, tf.tile(tf.expandDims(wk!, 0), [b!, 1, 1]));
  const v = mm(mm(tf.tile(tf.expandDims(mixer!, 0), [b!, 1, 1]), x), tf.tile(tf.expandDims(wv!, 0), [b!, 1, 1]));
  const scores = tf.div(mm(q, tf.transpose(k, [0, 2, 1])), 2);
  const o = mm(tf.softmax(scores, -1), v);
  const back = tf.reshape(tf.matMul(tf.reshape(o, [-1, 4]) as tf.Tensor2D, wo as tf.Tensor2D), [-1, t!, 3]);
  const per = tf.sum(tf.mul(tf.expandDims(back, 3), tf.expandDims(wt!, 0)), 2); // [B, T, 3, 1] * [1, T, 3, 2] summed over 3
  const right = tf.sum(tf.mul(per, vec!), -1);
  const left = tf.sum(tf.mul(tf.transpose(back, [0, 2, 1]), tf.reshape(vec2!, [1, 3, 1])), 1);
  return tf.concat([right, left], -1);
}

/** Data movement, reductions, constants and casts, and the batch axis moved and reduced. */
class Zoo extends layers.Layer {
  w!: Weight;
  override build(inputShape: Shape) {
    this.w = this.addWeight({ name: 'w', shape: [inputShape[1]!, 1, inputShape[2]!] });
  }
  override call(x: TracedTensor) {
    const [a, b] = ops.split(x, 2, -1); // [B, 4, 3] each
    const rows = ops.unstack(a!, 1); // 4 × [B, 3]
    const st = ops.stack([rows[0]!, rows[3]!, rows[1]!], 1); // [B, 3, 3]
    const t = ops.take(b!, -1, 1); // [B, 3]
    const sl = ops.slice(x, [0, 1, 2], [-1, 2, 3]); // [B, 2, 3]
    const r = ops.reshape(ops.transpose(sl, [0, 2, 1]), [-1, 6]); // [B, 6]
    const sq = ops.squeeze(ops.sum(st, 1, true), 1); // [B, 3]
    const mx = ops.max(x, [1, 2]); // [B]
    const mn = ops.min(x, -1); // [B, 4]
    const centred = ops.subtract(x, ops.mean(x, 0, true)); // statistics over the batch
    const moved = ops.transpose(ops.multiply(ops.transpose(centred, [1, 0, 2]), this.w), [1, 0, 2]); // batch on axis 1 and back
    const cm = ops.mean(moved, [1, 2]); // [B]
    const rounded = ops.cast(ops.add(ops.cast(ops.multiply(ops.ones([4]), 2.7), 'int32'), 1), 'float32'); // 3, 3, 3, 3
    const mnScaled = ops.multiply(ops.add(mn, ops.full([1, 4], 0.5)), rounded);
    const ex = ops.multiply(ops.expandDims(mx, -1), ops.add(t, ops.ones([3])));
    const ls = ops.logSoftmax(ops.add(t, sq), -1);
    const ints = ops.cast(ops.add(ops.cast(ops.multiply(t, 2), 'int32'), ops.zeros([3], 'int32')), 'float32'); // no gradient
    return ops.concatenate([r, sq, ex, mnScaled, ls, ops.expandDims(cm, 1), ops.reshape(st, [-1, 9]), ints], -1);
  }
}

function zooReference(x: tf.Tensor, [w]: tf.Tensor[]): tf.Tensor {
  const [a, b] = tf.split(x, 2, -1);
  const rows = tf.unstack(a!, 1);
  const st = tf.stack([rows[0]!, rows[3]!, rows[1]!], 1);
  const t = tf.squeeze(tf.slice(b!, [0, 3, 0], [-1, 1, -1]), [1]);
  const sl = tf.slice(x, [0, 1, 2], [-1, 2, 3]);
  const r = tf.reshape(tf.transpose(sl, [0, 2, 1]), [-1, 6]);
  const sq = tf.sum(st, 1);
  const mx = tf.max(x, [1, 2]);
  const mn = tf.min(x, -1);
  const centred = tf.sub(x, tf.mean(x, 0, true));
  const moved = tf.transpose(tf.mul(tf.transpose(centred, [1, 0, 2]), w!), [1, 0, 2]);
  const cm = tf.mean(moved, [1, 2]);
  const mnScaled = tf.mul(tf.add(mn, 0.5), 3);
  const ex = tf.mul(tf.expandDims(mx, -1), tf.add(t, 1));
  const ls = tf.logSoftmax(tf.add(t, sq), -1);
  // Casts to int32 stop the gradient in Keras (tfjs would pass it): computed from a copy.
  const ints = tf.cast(tf.cast(tf.mul(tf.tensor(t.dataSync(), t.shape), 2), 'int32'), 'float32');
  return tf.concat([r, sq, ex, mnScaled, ls, tf.expandDims(cm, 1), tf.reshape(st, [-1, 9]), ints], -1);
}

/** Statistics over the batch axis and the features, with a weight: reductions whose work is split over the pool. */
class BatchStats extends layers.Layer {
  w!: Weight;
  override build(inputShape: Shape) {
    this.w = this.addWeight({ name: 'w', shape: [inputShape[1]!] });
  }
  override call(x: TracedTensor) {
    const centred = ops.subtract(x, ops.mean(x, 0, true));
    const m = ops.max(ops.multiply(x, this.w), 0, true);
    const n = ops.min(x, -1, true);
    const s = ops.sum(ops.multiply(centred, this.w), -1, true);
    return ops.add(ops.add(centred, m), ops.add(n, s));
  }
}

function batchStatsReference(x: tf.Tensor, [w]: tf.Tensor[]): tf.Tensor {
  const centred = tf.sub(x, tf.mean(x, 0, true));
  const m = tf.max(tf.mul(x, w!), 0, true);
  const n = tf.min(x, -1, true);
  const s = tf.sum(tf.mul(centred, w!), -1, true);
  return tf.add(tf.add(centred, m), tf.add(n, s));
}

/** The docs' CustomRNN without the Conv1D: a fixed batch, zeros state, sublayers called per step. */
class SmallRNN extends layers.Layer {
  units = 6;
  projection1 = layers.Dense(6, { activation: 'tanh' });
  projection2 = layers.Dense(6, { activation: 'tanh' });
  classifier = layers.Dense(1);
  override call(inputs: TracedTensor) {
    const outputs: TracedTensor[] = [];
    let state = ops.zeros([inputs.shape[0]!, this.units]);
    for (let t = 0; t < inputs.shape[1]!; t++) {
      const y = ops.add(this.projection1(ops.take(inputs, t, 1)), this.projection2(state));
      state = y;
      outputs.push(y);
    }
    return this.classifier(ops.stack(outputs, 1));
  }
}

/** A custom layer holding another (nested tracing): tanh(linear(relu(x))). */
class Outer extends layers.Layer {
  inner = new Linear({ units: 3 });
  override call(x: TracedTensor) {
    return ops.tanh(this.inner(ops.relu(x)));
  }
}

// ---- the checks --------------------------------------------------------------------------------

describe('custom layers run in plans (traced call() lowered to kernels)', () => {
  it("the docs' Linear layer: x · w + b", () => {
    registerLayer('Linear', Linear);
    const model = modelOf((x) => new Linear({ units: 3 })(x), [4]);
    expectAgreement(check(model, (x, [w, b]) => tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b!), 5));
  });

  it('Linear on a 3-D input (the weight broadcast over batch and time: one GEMM)', () => {
    registerLayer('Linear', Linear);
    const model = modelOf((x) => new Linear({ units: 2 })(x), [3, 4]);
    expectAgreement(check(model, (x, [w, b]) => tf.add(tf.reshape(tf.matMul(tf.reshape(x, [-1, 4]) as tf.Tensor2D, w as tf.Tensor2D), [-1, 3, 2]), b!), 4));
  });

  it('element-wise ops with NumPy broadcasting of weights and constants', () => {
    registerLayer('Gated', Gated);
    const r = check(modelOf((x) => new Gated()(x), [3, 5]), gatedReference, 5);
    expectAgreement(r);
    expectBatchIndependent(r, 2);
  });

  it('matmul with batch broadcasting, transposes, vectors and a reshape that merges the batch', () => {
    registerLayer('Attention', Attention);
    const r = check(modelOf((x) => new Attention()(x), [5, 3]), attentionReference, 5);
    expectAgreement(r);
    expectBatchIndependent(r, 3);
  });

  it('split, unstack, stack, take, slice, transpose, reductions, constants and casts', () => {
    registerLayer('Zoo', Zoo);
    expectAgreement(check(modelOf((x) => new Zoo()(x), [4, 6]), zooReference, 5));
  });

  it('a large batch: reductions and broadcasts split over the thread pool (512 × 256)', () => {
    registerLayer('BatchStats', BatchStats);
    expectAgreement(check(modelOf((x) => new BatchStats()(x), [256]), batchStatsReference, 512));
  });

  it('element-wise ops on a large batch (64 × 64 × 40)', () => {
    registerLayer('Gated', Gated);
    expectAgreement(check(modelOf((x) => new Gated()(x), [64, 40]), gatedReference, 64));
  });

  it('a custom layer calling a custom sublayer', () => {
    registerLayer('Linear', Linear);
    registerLayer('Outer', Outer);
    expectAgreement(check(modelOf((x) => new Outer()(x), [4]), (x, [w, b]) => tf.tanh(tf.add(tf.matMul(tf.relu(x) as tf.Tensor2D, w as tf.Tensor2D), b!)), 4));
  });

  it('a custom layer called twice (shared) and rebuilt from JSON as a TracedLayer', () => {
    registerLayer('Linear', Linear);
    const input = Input({ shape: [3] });
    const lin = new Linear({ units: 3 });
    const model = Model({ inputs: input, outputs: lin(reluLayer(lin(input))) as SymbolicTensor });
    const reference: Reference = (x, [w, b]) => {
      const f = (v: tf.Tensor) => tf.add(tf.matMul(v as tf.Tensor2D, w as tf.Tensor2D), b!);
      return f(tf.relu(f(x)));
    };
    expectAgreement(check(model, reference, 4));
    // Without the class: the layer comes back as a TracedLayer replaying its saved trace.
    const entry = JSON.parse(JSON.stringify((model.getConfig().layers as Array<Record<string, unknown>>)[1]));
    resetCustomLayers();
    const traced = TracedLayer.fromEntry(entry);
    expect(traced).toBeInstanceOf(TracedLayer);
    const rebuilt = modelOf((x) => traced(x), [3]);
    expectAgreement(check(rebuilt, (x, [w, b]) => tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b!), 4));
  });

  it('the seed example custom_dense.ts (evaluated in the sandbox, rebuilt in the host)', async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const { model } = await evaluateModelFile(join(here, '../../../../examples/seeds/custom_dense.ts'));
    expect(model.layers[1]!.className).toBe('CustomDense');
    expectAgreement(check(model, (x, [w, b]) => tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b!), 6));
  });

  it('sublayers called per step with a fixed batch (the docs\' CustomRNN): gradients match finite differences', () => {
    registerLayer('SmallRNN', SmallRNN);
    const batch = 4;
    const model = modelOf((x) => new SmallRNN()(x), [], [batch, 3, 2]);
    model.compile({ loss: 'mse', optimizer: 'sgd' });
    const trainer = new Trainer(model, 3);
    const rng = new Random(21);
    const x = { shape: [batch, 3, 2], data: Float32Array.from({ length: batch * 6 }, () => rng.normal()) };
    const y = { shape: [batch, 3, 1], data: Float32Array.from({ length: batch * 3 }, () => rng.normal()) };
    const grads = trainer.gradients(x, y);
    const loss = (data: Float32Array) => trainer.gradients({ shape: x.shape, data }, y).loss;
    const eps = 1e-2;
    for (const i of [0, 5, 7, 12, 23]) {
      const plus = Float32Array.from(x.data);
      const minus = Float32Array.from(x.data);
      plus[i]! += eps;
      minus[i]! -= eps;
      const fd = (loss(plus) - loss(minus)) / (2 * eps);
      expect(Math.abs(fd - grads.inputs[0]![i]!), `d loss / d x[${i}]`).toBeLessThanOrEqual(1e-3 + 2e-2 * Math.abs(fd));
    }
    // A weight of a sublayer (projection2's kernel only reaches the output through the state).
    const kernel = uniqueWeights(model.weights).find((w) => w.path.endsWith('kernel') && w.shape[0] === 6 && w.shape[1] === 6)!;
    const original = weightValue(kernel)!.slice();
    for (const i of [0, 13, 35]) {
      const at = (delta: number) => {
        const v = original.slice();
        v[i]! += delta;
        setWeightValue(kernel, v);
        return trainer.gradients(x, y).loss;
      };
      const fd = (at(eps) - at(-eps)) / (2 * eps);
      setWeightValue(kernel, original);
      expect(Math.abs(fd - grads.weights.get(kernel)![i]!), `d loss / d ${kernel.path}[${i}]`).toBeLessThanOrEqual(1e-3 + 2e-2 * Math.abs(fd));
    }
  });

  it('a model of custom layers trains: the loss falls', () => {
    registerLayer('Linear', Linear);
    class Swish extends layers.Layer {
      override call(x: TracedTensor) {
        return ops.multiply(x, ops.sigmoid(x));
      }
    }
    registerLayer('Swish', Swish);
    const input = Input({ shape: [4] });
    const h = new Swish()(new Linear({ units: 16 })(input));
    const model = Model({ inputs: input, outputs: new Linear({ units: 1 })(h) as SymbolicTensor });
    model.compile({ loss: 'mse', optimizer: 'adam' });
    const trainer = new Trainer(model, 5);
    const rng = new Random(2);
    const n = 128;
    const xs = Float32Array.from({ length: n * 4 }, () => rng.normal());
    const ys = Float32Array.from({ length: n }, (_, i) => Math.sin(xs[i * 4]!) + 0.5 * xs[i * 4 + 1]! * xs[i * 4 + 2]!);
    const history = trainer.fit({ shape: [n, 4], data: xs }, { shape: [n, 1], data: ys }, { batchSize: 16, epochs: 30, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.5);
    // Evaluate and predict run the same trace at inference.
    const logs = trainer.evaluate({ shape: [n, 4], data: xs }, { shape: [n, 1], data: ys }, { batchSize: 32 });
    expect(logs.loss).toBeLessThan(losses[0]!);
  });

  it('explains what cannot run: a custom layer whose output has no batch axis', () => {
    class Total extends layers.Layer {
      override call(x: TracedTensor) {
        return ops.sum(x, 0, true);
      }
    }
    registerLayer('Total', Total);
    const model = modelOf((x) => new Total()(x), [3]);
    model.compile({ loss: 'mse', optimizer: 'sgd' });
    const trainer = new Trainer(model, 1);
    expect(() => trainer.predict({ shape: [2, 3], data: new Float32Array(6) })).toThrow(/Total.*has no batch axis/);
  });
});

/** A ReLU between two calls of the shared layer, as a built-in layer. */
function reluLayer(t: SymbolicTensor): SymbolicTensor {
  return layers.ReLU()(t) as SymbolicTensor;
}
