import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Input, Model, layers } from '../../../../electron/engine/frontends/dsl.js';
import { Trainer } from '../../../../electron/engine/training/trainer.js';
import { checkLayer, closeness } from '../../../helpers/layer-check.js';

// Tolerances: pooling only compares, adds and scales a handful of float32 values, so
// relative 1e-4 with an absolute floor of 1e-5 (as for the core kernels) is loose enough.
function expectAgreement(r: ReturnType<typeof checkLayer>) {
  expect(r.output.strata.length, 'output size').toBe(r.output.reference.length);
  expect(closeness(r.output.strata, r.output.reference), 'output').toBeLessThanOrEqual(1);
  for (const [i, g] of r.inputGradients.entries()) expect(closeness(g.strata, g.reference), `input gradient ${i}`).toBeLessThanOrEqual(1);
}

type Padding = 'valid' | 'same';

/**
 * Keras' 'same' average pooling divides by the valid (unpadded) positions of each window.
 * tfjs' forward does too, but its gradient divides by the full window; so the reference
 * for gradients is built from ops whose gradients are right: a sum over windows of the
 * zero-padded input (valid average pooling times the window size), divided by the number
 * of valid positions (the same sum over a padded tensor of ones, a constant).
 */
function averageSame(x: tf.Tensor, pool: number[], strides: number[], channelsFirst = false): tf.Tensor {
  const t = channelsFirst ? tf.transpose(x, [0, ...pool.map((_, i) => i + 2), 1]) : x;
  const spatial = t.shape.slice(1, -1);
  const pads: Array<[number, number]> = [[0, 0]];
  spatial.forEach((n, i) => {
    const out = Math.ceil(n / strides[i]!);
    const total = Math.max((out - 1) * strides[i]! + pool[i]! - n, 0);
    pads.push([Math.floor(total / 2), total - Math.floor(total / 2)]);
  });
  pads.push([0, 0]);
  const window = pool.reduce((a, b) => a * b, 1);
  const sumPool = (z: tf.Tensor) => {
    if (pool.length === 1) {
      const z4 = tf.expandDims(z, 1) as tf.Tensor4D;
      return tf.squeeze(tf.mul(tf.avgPool(z4, [1, pool[0]!], [1, strides[0]!], 'valid'), window), [1]);
    }
    if (pool.length === 2) return tf.mul(tf.avgPool(z as tf.Tensor4D, pool as [number, number], strides as [number, number], 'valid'), window);
    return tf.mul(tf.avgPool3d(z as tf.Tensor5D, pool as [number, number, number], strides as [number, number, number], 'valid'), window);
  };
  const sums = sumPool(tf.pad(t, pads));
  const counts = sumPool(tf.pad(tf.onesLike(t), pads));
  const y = tf.div(sums, counts);
  return channelsFirst ? tf.transpose(y, [0, y.shape.length - 1, ...pool.map((_, i) => i + 1)]) : y;
}

/**
 * 3D max pooling composed from tfjs' 2D max pooling (whose gradient the 2D cases check) and
 * an element-wise maximum over each depth window: tfjs' own MaxPool3D gradient is wrong
 * for 'same' padding with strides (it disagrees with finite differences as well).
 */
function maxPool3dComposite(x: tf.Tensor, pool: number[], strides: number[], padding: Padding): tf.Tensor {
  const [depth, height, width, channels] = x.shape.slice(1) as number[];
  const outD = padding === 'same' ? Math.ceil(depth! / strides[0]!) : Math.floor((depth! - pool[0]!) / strides[0]!) + 1;
  const padD = padding === 'same' ? Math.floor(Math.max((outD - 1) * strides[0]! + pool[0]! - depth!, 0) / 2) : 0;
  const planes = Array.from({ length: depth! }, (_, d) =>
    tf.maxPool(tf.reshape(tf.slice(x, [0, d, 0, 0, 0], [-1, 1, -1, -1, -1]), [-1, height!, width!, channels!]) as tf.Tensor4D, [pool[1]!, pool[2]!], [strides[1]!, strides[2]!], padding),
  );
  const outs = Array.from({ length: outD }, (_, o) => {
    const start = o * strides[0]! - padD;
    const members = planes.slice(Math.max(start, 0), Math.min(start + pool[0]!, depth!));
    return members.slice(1).reduce((m, t) => tf.maximum(m, t), members[0]!);
  });
  return tf.stack(outs, 1);
}

/** Central differences of sum(layer(x) * g) for a few input positions, against Strata's input gradient. */
function finiteDifferences(layer: () => Parameters<typeof checkLayer>[0]['layer'], inputShape: number[], probes: number[], eps = 1e-2) {
  const batch = 2;
  const size = batch * inputShape.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: size }, (_, i) => Math.sin(i * 1.7) * 2 + Math.cos(i * 0.3));
  const input = Input({ shape: inputShape });
  const model = Model({ inputs: input, outputs: layer()(input) });
  model.compile({ loss: 'mse', optimizer: 'sgd' });
  const trainer = new Trainer(model, 1);
  const predict = (v: Float32Array) => trainer.predict({ shape: [batch, ...inputShape], data: v }, { batchSize: batch })[0]!;
  const y = predict(x);
  const g = Float32Array.from({ length: y.data.length }, (_, i) => Math.cos(i * 0.77));
  const cols = y.shape[y.shape.length - 1]!;
  const rows = y.data.length / cols;
  const target = Float32Array.from(y.data, (v, i) => v - (g[i]! * rows * cols) / 2);
  const analytic = trainer.gradients({ shape: [batch, ...inputShape], data: x }, { shape: y.shape, data: target }).inputs[0]!;
  const objective = (v: Float32Array) => (predict(v).data as Float32Array).reduce((s, yi, i) => s + yi * g[i]!, 0);
  return probes.map((i) => {
    const up = x.slice();
    up[i]! += eps;
    const down = x.slice();
    down[i]! -= eps;
    return { numeric: (objective(up) - objective(down)) / (2 * eps), analytic: analytic[i]! };
  });
}

describe('MaxPooling kernels agree with tfjs', () => {
  const cases: Array<{ pool: number[]; strides?: number[]; padding: Padding; shape: number[] }> = [
    { pool: [2], padding: 'valid', shape: [9, 3] },
    { pool: [3], strides: [2], padding: 'same', shape: [10, 4] },
    { pool: [3], strides: [1], padding: 'valid', shape: [8, 2] },
    { pool: [2, 2], padding: 'valid', shape: [6, 6, 3] },
    { pool: [3, 3], strides: [2, 2], padding: 'same', shape: [7, 8, 5] },
    { pool: [2, 3], strides: [1, 2], padding: 'valid', shape: [5, 7, 2] },
    { pool: [3, 2], strides: [3, 1], padding: 'same', shape: [8, 5, 1] },
    { pool: [2, 2, 2], padding: 'valid', shape: [4, 4, 6, 2] },
    { pool: [3, 2, 3], strides: [2, 1, 2], padding: 'same', shape: [5, 4, 5, 3] },
  ];
  for (const c of cases) {
    it(`MaxPooling${c.pool.length}D pool ${c.pool} strides ${c.strides ?? c.pool} ${c.padding}, input ${c.shape}`, () => {
      const args = { poolSize: c.pool, strides: c.strides ?? c.pool, padding: c.padding };
      const tfArgs = { poolSize: c.pool, strides: c.strides ?? c.pool, padding: c.padding } as never;
      const [layer, reference] =
        c.pool.length === 1
          ? [layers.MaxPooling1D(args), tf.layers.maxPooling1d(tfArgs)]
          : c.pool.length === 2
            ? [layers.MaxPooling2D(args), tf.layers.maxPooling2d(tfArgs)]
            : [layers.MaxPooling3D(args), (x: tf.Tensor) => maxPool3dComposite(x, c.pool, c.strides ?? c.pool, c.padding)];
      expectAgreement(checkLayer({ layer, reference, inputShape: c.shape }));
      if (c.pool.length === 3) {
        // The forward matches tfjs' MaxPool3D itself too.
        const r = checkLayer({ layer: layers.MaxPooling3D(args), reference: tf.layers.maxPooling3d(tfArgs), inputShape: c.shape });
        expect(closeness(r.output.strata, r.output.reference), 'output vs tfjs').toBeLessThanOrEqual(1);
      }
    });
  }

  it('MaxPooling3D same with strides: the input gradient matches finite differences', () => {
    const shape = [5, 4, 5, 3];
    const probes = Array.from({ length: 40 }, (_, i) => (i * 37) % (2 * 300));
    for (const { numeric, analytic } of finiteDifferences(() => layers.MaxPooling3D({ poolSize: [3, 2, 3], strides: [2, 1, 2], padding: 'same' }), shape, probes)) {
      expect(Math.abs(numeric - analytic)).toBeLessThanOrEqual(2e-3 + 2e-3 * Math.abs(analytic));
    }
  });

  it('MaxPooling2D channels_first', () => {
    expectAgreement(
      checkLayer({
        layer: layers.MaxPooling2D({ poolSize: 3, strides: 2, padding: 'same', dataFormat: 'channels_first' }),
        reference: tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', dataFormat: 'channelsFirst' }),
        inputShape: [3, 7, 6],
      }),
    );
  });

  it('MaxPooling3D channels_first', () => {
    expectAgreement(
      checkLayer({
        layer: layers.MaxPooling3D({ poolSize: 2, dataFormat: 'channels_first' }),
        reference: tf.layers.maxPooling3d({ poolSize: 2, dataFormat: 'channelsFirst' }),
        inputShape: [2, 4, 5, 4],
      }),
    );
  });

  it('routes the gradient of a tie to the first maximum, as TensorFlow does', () => {
    // Every window of 2 holds two equal values: all the gradient goes to the first.
    expectAgreement(
      checkLayer({
        layer: layers.MaxPooling1D({ poolSize: 2 }),
        reference: tf.layers.maxPooling1d({ poolSize: 2 }),
        inputShape: [6, 2],
        input: (rng, size) => {
          const v = new Float32Array(size);
          for (let i = 0; i < size; i += 4) {
            const a = rng.normal(), b = rng.normal();
            v.set([a, b, a, b], i);
          }
          return v;
        },
      }),
    );
  });
  it('ties go to the first maximum with channels_first data too (overlapping windows)', () => {
    // Values 0 or 1: most windows hold several maxima.
    expectAgreement(
      checkLayer({
        layer: layers.MaxPooling2D({ poolSize: 3, strides: [1, 2], padding: 'same', dataFormat: 'channels_first' }),
        reference: tf.layers.maxPooling2d({ poolSize: 3, strides: [1, 2], padding: 'same', dataFormat: 'channelsFirst' }),
        inputShape: [2, 5, 7],
        input: (rng, size) => Float32Array.from({ length: size }, () => (rng.normal() > 0 ? 1 : 0)),
      }),
    );
  });
});

describe('AveragePooling kernels agree with tfjs', () => {
  const cases: Array<{ pool: number[]; strides?: number[]; padding: Padding; shape: number[] }> = [
    { pool: [2], padding: 'valid', shape: [9, 3] },
    { pool: [3], strides: [2], padding: 'same', shape: [10, 4] },
    { pool: [2, 2], padding: 'valid', shape: [6, 6, 3] },
    { pool: [2, 3], strides: [1, 2], padding: 'valid', shape: [5, 7, 2] },
    { pool: [3, 3], strides: [2, 2], padding: 'same', shape: [7, 8, 5] },
    { pool: [3, 2], strides: [1, 1], padding: 'same', shape: [5, 4, 3] },
    { pool: [2, 2, 2], padding: 'valid', shape: [4, 4, 6, 2] },
    { pool: [3, 2, 3], strides: [2, 1, 2], padding: 'same', shape: [5, 4, 5, 3] },
  ];
  for (const c of cases) {
    it(`AveragePooling${c.pool.length}D pool ${c.pool} strides ${c.strides ?? c.pool} ${c.padding}, input ${c.shape}`, () => {
      const strides = c.strides ?? c.pool;
      const args = { poolSize: c.pool, strides, padding: c.padding };
      const tfArgs = { poolSize: c.pool, strides, padding: c.padding } as never;
      const layer =
        c.pool.length === 1 ? layers.AveragePooling1D(args) : c.pool.length === 2 ? layers.AveragePooling2D(args) : layers.AveragePooling3D(args);
      const tfLayer =
        c.pool.length === 1 ? tf.layers.averagePooling1d(tfArgs) : c.pool.length === 2 ? tf.layers.averagePooling2d(tfArgs) : tf.layers.averagePooling3d(tfArgs);
      if (c.padding === 'valid') {
        expectAgreement(checkLayer({ layer, reference: tfLayer, inputShape: c.shape }));
        return;
      }
      const r = checkLayer({ layer, reference: (x: tf.Tensor) => averageSame(x, c.pool, strides), inputShape: c.shape });
      expectAgreement(r);
      // The forward also matches tfjs' own 'same' average pooling (which divides by the valid count too).
      const again = checkLayer({ layer: c.pool.length === 2 ? layers.AveragePooling2D(args) : c.pool.length === 1 ? layers.AveragePooling1D(args) : layers.AveragePooling3D(args), reference: tfLayer, inputShape: c.shape });
      expect(closeness(again.output.strata, again.output.reference), 'output vs tfjs').toBeLessThanOrEqual(1);
    });
  }

  it('AveragePooling2D same, channels_first', () => {
    expectAgreement(
      checkLayer({
        layer: layers.AveragePooling2D({ poolSize: 3, strides: 2, padding: 'same', dataFormat: 'channels_first' }),
        reference: (x: tf.Tensor) => averageSame(x, [3, 3], [2, 2], true),
        inputShape: [3, 7, 6],
      }),
    );
  });

  it('AveragePooling1D valid, channels_first', () => {
    expectAgreement(
      checkLayer({
        layer: layers.AveragePooling1D({ poolSize: 3, strides: 2, dataFormat: 'channels_first' }),
        reference: (x: tf.Tensor) => tf.transpose(tf.layers.averagePooling1d({ poolSize: 3, strides: 2 }).apply(tf.transpose(x, [0, 2, 1])) as tf.Tensor, [0, 2, 1]),
        inputShape: [4, 9],
      }),
    );
  });
});

describe('Global pooling kernels agree with tfjs', () => {
  it('GlobalMaxPooling1D / GlobalAveragePooling1D', () => {
    expectAgreement(checkLayer({ layer: layers.GlobalMaxPooling1D(), reference: tf.layers.globalMaxPooling1d(), inputShape: [7, 4] }));
    expectAgreement(checkLayer({ layer: layers.GlobalAveragePooling1D(), reference: tf.layers.globalAveragePooling1d(), inputShape: [7, 4] }));
  });

  it('GlobalMaxPooling2D / GlobalAveragePooling2D', () => {
    expectAgreement(checkLayer({ layer: layers.GlobalMaxPooling2D(), reference: tf.layers.globalMaxPooling2d({}), inputShape: [5, 6, 3] }));
    expectAgreement(checkLayer({ layer: layers.GlobalAveragePooling2D(), reference: tf.layers.globalAveragePooling2d({}), inputShape: [5, 6, 3] }));
  });

  it('channels_first', () => {
    expectAgreement(
      checkLayer({
        layer: layers.GlobalMaxPooling2D({ dataFormat: 'channels_first' }),
        reference: tf.layers.globalMaxPooling2d({ dataFormat: 'channelsFirst' }),
        inputShape: [3, 5, 6],
      }),
    );
    expectAgreement(
      checkLayer({
        layer: layers.GlobalAveragePooling2D({ dataFormat: 'channels_first' }),
        reference: tf.layers.globalAveragePooling2d({ dataFormat: 'channelsFirst' }),
        inputShape: [3, 5, 6],
      }),
    );
    expectAgreement(
      checkLayer({ layer: layers.GlobalAveragePooling1D({ dataFormat: 'channels_first' }), reference: (x: tf.Tensor) => tf.mean(x, 2), inputShape: [4, 7] }),
    );
  });

  it('3D, and keepdims (Keras 3 formulas)', () => {
    expectAgreement(checkLayer({ layer: layers.GlobalMaxPooling3D(), reference: (x: tf.Tensor) => tf.max(x, [1, 2, 3]), inputShape: [3, 4, 5, 2] }));
    expectAgreement(checkLayer({ layer: layers.GlobalAveragePooling3D(), reference: (x: tf.Tensor) => tf.mean(x, [1, 2, 3]), inputShape: [3, 4, 5, 2] }));
    expectAgreement(
      checkLayer({ layer: layers.GlobalMaxPooling2D({ keepdims: true }), reference: (x: tf.Tensor) => tf.max(x, [1, 2], true), inputShape: [4, 5, 3] }),
    );
    expectAgreement(
      checkLayer({
        layer: layers.GlobalAveragePooling3D({ keepdims: true, dataFormat: 'channels_first' }),
        reference: (x: tf.Tensor) => tf.mean(x, [2, 3, 4], true),
        inputShape: [2, 3, 4, 5],
      }),
    );
    expectAgreement(
      checkLayer({ layer: layers.GlobalAveragePooling1D({ keepdims: true }), reference: (x: tf.Tensor) => tf.mean(x, 1, true), inputShape: [6, 3] }),
    );
  });
});

describe('pooling in a model', () => {
  it('accumulates the gradients of two pooling layers reading one tensor', () => {
    const i = Input({ shape: [6, 6, 2] });
    const inner = Model({ inputs: i, outputs: layers.Add()([layers.MaxPooling2D(2)(i), layers.AveragePooling2D(2)(i)]) });
    expectAgreement(
      checkLayer({
        layer: inner,
        reference: (x: tf.Tensor) => tf.add(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'), tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid')),
        inputShape: [6, 6, 2],
      }),
    );
  });

  it('batches larger than the work grain split over threads the same way', () => {
    // 64 samples of 16x16x32: large enough for the thread pool to take part.
    expectAgreement(
      checkLayer({ layer: layers.MaxPooling2D({ poolSize: 3, strides: 2, padding: 'same' }), reference: tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), inputShape: [16, 16, 32], batch: 64 }),
    );
    expectAgreement(
      checkLayer({ layer: layers.GlobalAveragePooling2D(), reference: tf.layers.globalAveragePooling2d({}), inputShape: [16, 16, 32], batch: 64 }),
    );
  });
});
