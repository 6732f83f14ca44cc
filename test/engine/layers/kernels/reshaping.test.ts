import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Input, Model, layers } from '../../../../electron/engine/frontends/dsl.js';
import type { Layer } from '../../../../electron/engine/graph/index.js';
import { Trainer } from '../../../../electron/engine/training/trainer.js';
import { checkLayer, closeness } from '../../../helpers/layer-check.js';

// Tolerances: these layers copy values (exact) or, for nearest upsampling's backward and
// bilinear interpolation, add a few products; relative 1e-4 with an absolute floor of 1e-5.
function expectAgreement(r: ReturnType<typeof checkLayer>) {
  expect(r.output.strata.length, 'output size').toBe(r.output.reference.length);
  expect(closeness(r.output.strata, r.output.reference), 'output').toBeLessThanOrEqual(1);
  for (const [i, g] of r.inputGradients.entries()) expect(closeness(g.strata, g.reference), `input gradient ${i}`).toBeLessThanOrEqual(1);
}

/** Repeats every entry of `axis` n times (nearest upsampling along one axis), as a gather. */
function repeatAxis(x: tf.Tensor, axis: number, n: number): tf.Tensor {
  const indices = tf.tensor1d(Array.from({ length: x.shape[axis]! * n }, (_, i) => Math.floor(i / n)), 'int32');
  return tf.gather(x, indices, axis);
}

/** Moves channels last (for references written for channels_last), and back. */
const toLast = (x: tf.Tensor) => tf.transpose(x, [0, ...x.shape.slice(2).map((_, i) => i + 2), 1]);
const toFirst = (x: tf.Tensor) => tf.transpose(x, [0, x.shape.length - 1, ...x.shape.slice(1, -1).map((_, i) => i + 1)]);

describe('UpSampling kernels agree with tfjs', () => {
  it('UpSampling1D', () => {
    expectAgreement(checkLayer({ layer: layers.UpSampling1D(3), reference: (x: tf.Tensor) => repeatAxis(x, 1, 3), inputShape: [5, 4] }));
  });

  it('UpSampling2D nearest, channels_last and channels_first', () => {
    expectAgreement(checkLayer({ layer: layers.UpSampling2D([2, 3]), reference: (x: tf.Tensor) => repeatAxis(repeatAxis(x, 1, 2), 2, 3), inputShape: [4, 5, 3] }));
    // tfjs' own layer agrees on the output; its gradient (resizeNearestNeighbor's) does not match the gather form, so only the output is compared.
    const r = checkLayer({ layer: layers.UpSampling2D([2, 3]), reference: tf.layers.upSampling2d({ size: [2, 3] }), inputShape: [4, 5, 3] });
    expect(closeness(r.output.strata, r.output.reference), 'output vs tfjs').toBeLessThanOrEqual(1);
    expectAgreement(
      checkLayer({
        layer: layers.UpSampling2D({ size: [3, 2], dataFormat: 'channels_first' }),
        reference: (x: tf.Tensor) => repeatAxis(repeatAxis(x, 2, 3), 3, 2),
        inputShape: [3, 4, 5],
      }),
    );
  });

  it('UpSampling3D, channels_last and channels_first', () => {
    const ref = (f: number[]) => (x: tf.Tensor) => repeatAxis(repeatAxis(repeatAxis(x, 1, f[0]!), 2, f[1]!), 3, f[2]!);
    expectAgreement(checkLayer({ layer: layers.UpSampling3D([2, 1, 3]), reference: ref([2, 1, 3]), inputShape: [3, 4, 2, 5] }));
    expectAgreement(
      checkLayer({
        layer: layers.UpSampling3D({ size: 2, dataFormat: 'channels_first' }),
        reference: (x: tf.Tensor) => toFirst(ref([2, 2, 2])(toLast(x))),
        inputShape: [2, 3, 2, 4],
      }),
    );
  });
});

/**
 * Keras 3 bilinear upsampling (tf.image.resize, half-pixel centers) as two interpolation
 * matrices, built here from the formula, applied with matMul so that tfjs differentiates it:
 * tfjs' own resizeBilinear gradient ignores halfPixelCenters.
 */
function bilinearMatrix(inSize: number, outSize: number): tf.Tensor2D {
  const m = new Float32Array(outSize * inSize);
  for (let o = 0; o < outSize; o++) {
    const src = ((o + 0.5) * inSize) / outSize - 0.5;
    const lo = Math.max(Math.floor(src), 0);
    const hi = Math.min(Math.ceil(src), inSize - 1);
    const t = src - Math.floor(src);
    m[o * inSize + lo]! += 1 - t;
    m[o * inSize + hi]! += t;
  }
  return tf.tensor2d(m, [outSize, inSize]);
}

function bilinear(x: tf.Tensor, size: [number, number]): tf.Tensor {
  const [n, h, w, c] = x.shape as number[];
  const mh = bilinearMatrix(h!, h! * size[0]);
  const mw = bilinearMatrix(w!, w! * size[1]);
  // Rows: (n, h, w, c) → (h, n*w*c), interpolate → (OH, n*w*c)
  const rows = tf.matMul(mh, tf.reshape(tf.transpose(x, [1, 0, 2, 3]), [h!, -1]));
  const t = tf.transpose(tf.reshape(rows, [h! * size[0], n!, w!, c!]), [2, 1, 0, 3]); // (w, n, OH, c)
  const cols = tf.matMul(mw, tf.reshape(t, [w!, -1]));
  return tf.transpose(tf.reshape(cols, [w! * size[1], n!, h! * size[0], c!]), [1, 2, 0, 3]);
}

describe('UpSampling2D bilinear (Keras 3: half-pixel centers)', () => {
  it('the output matches tf.image.resizeBilinear with half-pixel centers, the gradient its matrix form', () => {
    for (const [size, shape] of [[[2, 2], [3, 4, 3]], [[3, 2], [4, 3, 2]], [[1, 4], [2, 5, 1]]] as Array<[[number, number], number[]]>) {
      const layer = () => layers.UpSampling2D({ size, interpolation: 'bilinear' });
      expectAgreement(checkLayer({ layer: layer(), reference: (x: tf.Tensor) => bilinear(x, size), inputShape: shape }));
      // The matrix form is tfjs' resizeBilinear with half-pixel centers (forward only: its gradient ignores them).
      const x = tf.randomNormal([2, ...shape]);
      const direct = tf.image.resizeBilinear(x as tf.Tensor4D, [shape[0]! * size[0], shape[1]! * size[1]], false, true);
      expect(closeness(bilinear(x, size).dataSync() as Float32Array, direct.dataSync() as Float32Array), 'matrix form vs resizeBilinear').toBeLessThanOrEqual(1);
    }
  });

  it('channels_first', () => {
    expectAgreement(
      checkLayer({
        layer: layers.UpSampling2D({ size: 2, interpolation: 'bilinear', dataFormat: 'channels_first' }),
        reference: (x: tf.Tensor) => toFirst(bilinear(toLast(x), [2, 2])),
        inputShape: [3, 4, 5],
      }),
    );
  });

  it('the input gradient matches finite differences', () => {
    const shape = [3, 4, 2];
    const batch = 2;
    const size = batch * 24;
    const x = Float32Array.from({ length: size }, (_, i) => Math.sin(i * 1.3));
    const input = Input({ shape });
    const model = Model({ inputs: input, outputs: layers.UpSampling2D({ size: 2, interpolation: 'bilinear' })(input) });
    model.compile({ loss: 'mse', optimizer: 'sgd' });
    const trainer = new Trainer(model, 1);
    const predict = (v: Float32Array) => trainer.predict({ shape: [batch, ...shape], data: v }, { batchSize: batch })[0]!;
    const y = predict(x);
    const g = Float32Array.from({ length: y.data.length }, (_, i) => Math.cos(i * 0.71));
    const cols = y.shape[y.shape.length - 1]!;
    const rows = y.data.length / cols;
    const target = Float32Array.from(y.data, (v, i) => v - (g[i]! * rows * cols) / 2);
    const analytic = trainer.gradients({ shape: [batch, ...shape], data: x }, { shape: y.shape, data: target }).inputs[0]!;
    const objective = (v: Float32Array) => (predict(v).data as Float32Array).reduce((s, yi, i) => s + yi * g[i]!, 0);
    for (let i = 0; i < size; i++) {
      const up = x.slice();
      up[i]! += 0.05;
      const down = x.slice();
      down[i]! -= 0.05;
      expect(Math.abs((objective(up) - objective(down)) / 0.1 - analytic[i]!)).toBeLessThan(1e-3);
    }
  });

  it('other interpolations say that they cannot run yet', () => {
    const input = Input({ shape: [4, 4, 1] });
    const model = Model({ inputs: input, outputs: layers.UpSampling2D({ size: 2, interpolation: 'bicubic', name: 'up' })(input) });
    model.compile({ loss: 'mse', optimizer: 'sgd' });
    expect(() => new Trainer(model, 1).predict({ shape: [1, 4, 4, 1], data: new Float32Array(16) })).toThrow(/interpolation="bicubic" cannot run/);
  });
});

describe('ZeroPadding and Cropping kernels agree with tfjs', () => {
  it('ZeroPadding1D', () => {
    expectAgreement(checkLayer({ layer: layers.ZeroPadding1D([2, 1]), reference: (x: tf.Tensor) => tf.pad(x, [[0, 0], [2, 1], [0, 0]]), inputShape: [5, 3] }));
  });

  it('ZeroPadding2D, channels_last and channels_first', () => {
    expectAgreement(
      checkLayer({ layer: layers.ZeroPadding2D([[1, 2], [0, 3]]), reference: tf.layers.zeroPadding2d({ padding: [[1, 2], [0, 3]] }), inputShape: [4, 5, 3] }),
    );
    expectAgreement(
      checkLayer({
        layer: layers.ZeroPadding2D({ padding: [2, 1], dataFormat: 'channels_first' }),
        reference: tf.layers.zeroPadding2d({ padding: [2, 1], dataFormat: 'channelsFirst' }),
        inputShape: [3, 4, 5],
      }),
    );
  });

  it('ZeroPadding3D', () => {
    expectAgreement(
      checkLayer({
        layer: layers.ZeroPadding3D([[1, 0], [2, 1], [0, 2]]),
        reference: (x: tf.Tensor) => tf.pad(x, [[0, 0], [1, 0], [2, 1], [0, 2], [0, 0]]),
        inputShape: [3, 2, 4, 2],
      }),
    );
    expectAgreement(
      checkLayer({
        layer: layers.ZeroPadding3D({ padding: 1, dataFormat: 'channels_first' }),
        reference: (x: tf.Tensor) => tf.pad(x, [[0, 0], [0, 0], [1, 1], [1, 1], [1, 1]]),
        inputShape: [2, 3, 2, 4],
      }),
    );
  });

  it('Cropping1D', () => {
    expectAgreement(checkLayer({ layer: layers.Cropping1D([1, 2]), reference: (x: tf.Tensor) => tf.slice(x, [0, 1, 0], [-1, 4, -1]), inputShape: [7, 3] }));
  });

  it('Cropping2D, channels_last and channels_first', () => {
    expectAgreement(
      checkLayer({ layer: layers.Cropping2D([[1, 2], [0, 3]]), reference: tf.layers.cropping2D({ cropping: [[1, 2], [0, 3]] }), inputShape: [6, 7, 3] }),
    );
    expectAgreement(
      checkLayer({
        layer: layers.Cropping2D({ cropping: [[2, 0], [1, 1]], dataFormat: 'channels_first' }),
        reference: tf.layers.cropping2D({ cropping: [[2, 0], [1, 1]], dataFormat: 'channelsFirst' }),
        inputShape: [3, 5, 6],
      }),
    );
  });

  it('Cropping3D', () => {
    expectAgreement(
      checkLayer({
        layer: layers.Cropping3D([[1, 0], [1, 2], [0, 2]]),
        reference: (x: tf.Tensor) => tf.slice(x, [0, 1, 1, 0, 0], [-1, 3, 2, 3, -1]),
        inputShape: [4, 5, 5, 2],
      }),
    );
    expectAgreement(
      checkLayer({
        layer: layers.Cropping3D({ cropping: 1, dataFormat: 'channels_first' }),
        reference: (x: tf.Tensor) => tf.slice(x, [0, 0, 1, 1, 1], [-1, -1, 2, 3, 2]),
        inputShape: [2, 4, 5, 4],
      }),
    );
  });

  it('pads and crops in one model (the gradients of both flow through)', () => {
    const i = Input({ shape: [5, 6, 2] });
    const inner = Model({ inputs: i, outputs: layers.Cropping2D([[2, 1], [1, 3]])(layers.ZeroPadding2D([[1, 2], [3, 0]])(i)) });
    expectAgreement(
      checkLayer({
        layer: inner,
        reference: (x: tf.Tensor) => tf.slice(tf.pad(x, [[0, 0], [1, 2], [3, 0], [0, 0]]), [0, 2, 1, 0], [-1, 5, 5, -1]),
        inputShape: [5, 6, 2],
      }),
    );
  });
});

describe('Permute, RepeatVector and Flatten kernels agree with tfjs', () => {
  it('Permute', () => {
    expectAgreement(checkLayer({ layer: layers.Permute([2, 1]), reference: tf.layers.permute({ dims: [2, 1] }), inputShape: [4, 6] }));
    expectAgreement(checkLayer({ layer: layers.Permute([3, 1, 2]), reference: tf.layers.permute({ dims: [3, 1, 2] }), inputShape: [3, 4, 5] }));
    expectAgreement(checkLayer({ layer: layers.Permute([2, 4, 1, 3]), reference: (x: tf.Tensor) => tf.transpose(x, [0, 2, 4, 1, 3]), inputShape: [2, 3, 4, 5] }));
    // The identity permutation is a view.
    expectAgreement(checkLayer({ layer: layers.Permute([1, 2]), reference: (x: tf.Tensor) => x, inputShape: [3, 4] }));
  });

  it('Permute on a large batch (split over threads)', () => {
    expectAgreement(checkLayer({ layer: layers.Permute([2, 1]), reference: tf.layers.permute({ dims: [2, 1] }), inputShape: [64, 128], batch: 16 }));
  });

  it('RepeatVector', () => {
    expectAgreement(checkLayer({ layer: layers.RepeatVector(4), reference: tf.layers.repeatVector({ n: 4 }), inputShape: [6] }));
  });

  it('Flatten of channels_first data makes it channels_last first, as Keras does', () => {
    expectAgreement(
      checkLayer({
        layer: layers.Flatten({ dataFormat: 'channels_first' }),
        reference: (x: tf.Tensor) => tf.reshape(toLast(x), [x.shape[0]!, -1]),
        inputShape: [3, 4, 5],
      }),
    );
    expectAgreement(
      checkLayer({ layer: layers.Flatten({ dataFormat: 'channels_first' }), reference: (x: tf.Tensor) => tf.reshape(toLast(x), [x.shape[0]!, -1]), inputShape: [3, 4] }),
    );
  });

  it('int32 values pass through unchanged (Permute of indices)', () => {
    const input = Input({ shape: [2, 3], dtype: 'int32' });
    const model = Model({ inputs: input, outputs: (layers.Permute([2, 1]) as Layer)(input) });
    model.compile({ loss: 'mse', optimizer: 'sgd' });
    const x = Int32Array.from({ length: 6 }, (_, i) => 1000 + i);
    const y = new Trainer(model, 1).predict({ shape: [1, 2, 3], data: x as never })[0]!;
    expect(Array.from(y.data)).toEqual([1000, 1003, 1001, 1004, 1002, 1005]);
  });
});
