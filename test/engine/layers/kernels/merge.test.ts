import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Input, Model, layers } from '../../../../electron/engine/frontends/dsl.js';
import { Trainer } from '../../../../electron/engine/training/trainer.js';
import { checkLayer, closeness } from '../../../helpers/layer-check.js';

// Tolerances: element-wise merges and concatenation are exact up to one rounding, and Dot
// sums up to a few dozen products: relative 1e-4 with an absolute floor of 1e-5. The one
// large Dot (K = 128) is given an absolute floor of 1e-4, for sums that cancel to near 0.
function expectAgreement(r: ReturnType<typeof checkLayer>, rtol = 1e-4, atol = 1e-5) {
  expect(r.output.strata.length, 'output size').toBe(r.output.reference.length);
  expect(closeness(r.output.strata, r.output.reference, rtol, atol), 'output').toBeLessThanOrEqual(1);
  for (const [i, g] of r.inputGradients.entries()) {
    expect(closeness(g.strata, g.reference, rtol, atol), `input gradient ${i}`).toBeLessThanOrEqual(1);
  }
}

/** Keras' merge broadcasting: lower-rank inputs get size-1 axes right after the batch axis. */
function aligned(xs: tf.Tensor[]): tf.Tensor[] {
  const rank = Math.max(...xs.map((x) => x.rank));
  return xs.map((x) => {
    let t = x;
    while (t.rank < rank) t = tf.expandDims(t, 1);
    return t;
  });
}

/** Aligned and broadcast to the output shape: tfjs' maximum/minimum gradients do not sum over broadcast axes, broadcastTo's does. */
function broadcast(xs: tf.Tensor[]): tf.Tensor[] {
  const ys = aligned(xs);
  const shape = ys[0]!.shape.map((_, k) => Math.max(...ys.map((y) => y.shape[k]!)));
  return ys.map((y) => tf.broadcastTo(y, shape));
}

const folds: Record<string, (xs: tf.Tensor[]) => tf.Tensor> = {
  Add: (xs) => aligned(xs).reduce((a, b) => tf.add(a, b)),
  Subtract: (xs) => tf.sub(...(aligned(xs) as [tf.Tensor, tf.Tensor])),
  Multiply: (xs) => aligned(xs).reduce((a, b) => tf.mul(a, b)),
  Average: (xs) => tf.div(aligned(xs).reduce((a, b) => tf.add(a, b)), xs.length),
  Maximum: (xs) => broadcast(xs).reduce((a, b) => tf.maximum(a, b)),
  Minimum: (xs) => broadcast(xs).reduce((a, b) => tf.minimum(a, b)),
};

describe('element-wise merge kernels agree with tfjs', () => {
  const shapeCases: Array<{ what: string; shapes: number[][]; ops: string[] }> = [
    { what: 'equal shapes', shapes: [[4, 5], [4, 5]], ops: Object.keys(folds) },
    { what: 'three inputs', shapes: [[3, 4], [3, 4], [3, 4]], ops: ['Add', 'Multiply', 'Average', 'Maximum', 'Minimum'] },
    { what: 'a size-1 axis broadcast', shapes: [[4, 5], [1, 5]], ops: Object.keys(folds) },
    { what: 'the last axis broadcast', shapes: [[3, 4, 6], [3, 4, 1]], ops: Object.keys(folds) },
    { what: 'a lower-rank input (aligned right)', shapes: [[3, 4, 5], [5]], ops: Object.keys(folds) },
    { what: 'both inputs broadcast', shapes: [[3, 1, 5], [1, 4, 1]], ops: Object.keys(folds) },
    { what: 'three inputs, each broadcast differently', shapes: [[2, 3, 4], [1, 3, 1], [4]], ops: ['Add', 'Multiply', 'Average', 'Maximum', 'Minimum'] },
    { what: 'a (batch, 1) input', shapes: [[6], [1]], ops: ['Add', 'Multiply', 'Subtract'] },
  ];
  for (const c of shapeCases) {
    for (const op of c.ops) {
      it(`${op}: ${c.what} ${c.shapes.map((s) => `(${s})`).join(' ')}`, () => {
        const layer = (layers as unknown as Record<string, () => Parameters<typeof checkLayer>[0]['layer']>)[op]!();
        expectAgreement(checkLayer({ layer, reference: folds[op]!, inputShape: c.shapes }));
      });
    }
  }

  it('tfjs layers agree on equal shapes', () => {
    expectAgreement(checkLayer({ layer: layers.Add(), reference: tf.layers.add(), inputShape: [[3, 4], [3, 4]] }));
    expectAgreement(checkLayer({ layer: layers.Multiply(), reference: tf.layers.multiply(), inputShape: [[3, 4], [3, 4], [3, 4]] }));
    expectAgreement(checkLayer({ layer: layers.Average(), reference: tf.layers.average(), inputShape: [[5], [5]] }));
    expectAgreement(checkLayer({ layer: layers.Maximum(), reference: tf.layers.maximum(), inputShape: [[5], [5]] }));
    expectAgreement(checkLayer({ layer: layers.Minimum(), reference: tf.layers.minimum(), inputShape: [[5], [5]] }));
  });

  it('Maximum and Minimum give a tie to the first input that holds the extreme, as TensorFlow does', () => {
    // Small integers: many positions where two or three inputs are equal.
    const ties = (rng: { normal(): number }, size: number) => Float32Array.from({ length: size }, () => Math.round(rng.normal()));
    for (const op of ['Maximum', 'Minimum']) {
      const layer = (layers as unknown as Record<string, () => Parameters<typeof checkLayer>[0]['layer']>)[op]!;
      expectAgreement(checkLayer({ layer: layer(), reference: folds[op]!, inputShape: [[4, 5], [4, 5], [4, 5]], input: ties }));
      expectAgreement(checkLayer({ layer: layer(), reference: folds[op]!, inputShape: [[4, 5], [1, 5]], input: ties }));
    }
  });

  it('a large broadcast add (split over threads)', () => {
    expectAgreement(checkLayer({ layer: layers.Add(), reference: folds.Add!, inputShape: [[16, 16, 64], [1, 1, 64]], batch: 32 }));
    expectAgreement(checkLayer({ layer: layers.Multiply(), reference: folds.Multiply!, inputShape: [[16, 16, 64], [16, 16, 1]], batch: 32 }));
  });
});

describe('Concatenate kernels agree with tfjs', () => {
  it('on the last axis (default), two and three inputs', () => {
    expectAgreement(checkLayer({ layer: layers.Concatenate(), reference: tf.layers.concatenate(), inputShape: [[3, 4], [3, 2]] }));
    expectAgreement(checkLayer({ layer: layers.Concatenate(), reference: tf.layers.concatenate(), inputShape: [[5], [1], [3]] }));
  });

  it('on a middle and the first sample axis', () => {
    expectAgreement(checkLayer({ layer: layers.Concatenate({ axis: 1 }), reference: tf.layers.concatenate({ axis: 1 }), inputShape: [[2, 4, 3], [5, 4, 3]] }));
    expectAgreement(checkLayer({ layer: layers.Concatenate({ axis: 2 }), reference: tf.layers.concatenate({ axis: 2 }), inputShape: [[2, 4, 3], [2, 1, 3], [2, 3, 3]] }));
    expectAgreement(checkLayer({ layer: layers.Concatenate({ axis: -2 }), reference: (xs: tf.Tensor[]) => tf.concat(xs, 2), inputShape: [[2, 4, 3], [2, 2, 3]] }));
  });

  it('the batch axis cannot be joined in a step', () => {
    const a = Input({ shape: [3] });
    const b = Input({ shape: [3] });
    const model = Model({ inputs: [a, b], outputs: layers.Concatenate({ axis: 0, name: 'cat' })([a, b]) });
    model.compile({ loss: 'mse', optimizer: 'sgd' });
    const x = { shape: [1, 3], data: new Float32Array(3) };
    expect(() => new Trainer(model, 1).predict([x, x])).toThrow(/batch axis/);
  });
});

/** Keras 3's batch_dot (and Dot's normalize: x * min(rsqrt(sum x²), 1e7)) written with tfjs ops. */
function batchDot(axes: [number, number], normalize = false) {
  return ([a, b]: tf.Tensor[]) => {
    let x = a!;
    let y = b!;
    const [ax, bx] = [axes[0] < 0 ? axes[0] + x.rank : axes[0], axes[1] < 0 ? axes[1] + y.rank : axes[1]];
    const l2 = (t: tf.Tensor, axis: number) => tf.mul(t, tf.minimum(tf.rsqrt(tf.sum(tf.square(t), axis, true)), 1e7));
    if (normalize) {
      x = l2(x, ax);
      y = l2(y, bx);
    }
    const xFree = x.shape.filter((_, k) => k !== 0 && k !== ax);
    const yFree = y.shape.filter((_, k) => k !== 0 && k !== bx);
    const xPerm = [0, ...x.shape.map((_, k) => k).filter((k) => k !== 0 && k !== ax), ax];
    const yPerm = [0, bx, ...y.shape.map((_, k) => k).filter((k) => k !== 0 && k !== bx)];
    const n = x.shape[0]!;
    const k = x.shape[ax]!;
    const xm = tf.reshape(tf.transpose(x, xPerm), [n, -1, k]);
    const ym = tf.reshape(tf.transpose(y, yPerm), [n, k, -1]);
    const out = tf.matMul(xm, ym);
    const shape = [n, ...xFree, ...yFree];
    return tf.reshape(out, shape.length === 1 ? [n, 1] : shape);
  };
}

describe('Dot kernels agree with tfjs', () => {
  const cases: Array<{ what: string; axes: number | [number, number]; shapes: number[][] }> = [
    { what: 'vectors (one dot per sample)', axes: -1, shapes: [[6], [6]] },
    { what: 'contracting the last axes (b transposed)', axes: 2, shapes: [[4, 5], [3, 5]] },
    { what: 'contracting the first axes (a transposed)', axes: 1, shapes: [[4, 5], [4, 3]] },
    { what: 'both transposed', axes: [1, 2], shapes: [[5, 2], [3, 5]] },
    { what: 'no transposes', axes: [2, 1], shapes: [[3, 4], [4, 2]] },
    { what: "a middle axis of a (a permuted first)", axes: [2, 1], shapes: [[3, 4, 5], [4, 6]] },
    { what: "a middle axis of b (b permuted first)", axes: [2, 2], shapes: [[2, 3], [4, 3, 5]] },
    { what: 'a vector with a matrix', axes: [1, 1], shapes: [[6], [6, 4]] },
    { what: 'a matrix with a vector', axes: [2, 1], shapes: [[3, 6], [6]] },
  ];
  for (const c of cases) {
    for (const normalize of [false, true]) {
      it(`${c.what}: axes ${JSON.stringify(c.axes)} on ${c.shapes.map((s) => `(${s})`).join(' ')}${normalize ? ', normalized' : ''}`, () => {
        const axes = (Array.isArray(c.axes) ? c.axes : [c.axes, c.axes]) as [number, number];
        expectAgreement(checkLayer({ layer: layers.Dot({ axes: c.axes, normalize }), reference: batchDot(axes, normalize), inputShape: c.shapes }));
      });
    }
  }

  it('tfjs Dot agrees on the usual cases', () => {
    expectAgreement(checkLayer({ layer: layers.Dot({ axes: -1 }), reference: tf.layers.dot({ axes: -1 }), inputShape: [[6], [6]] }));
    expectAgreement(checkLayer({ layer: layers.Dot({ axes: 2 }), reference: tf.layers.dot({ axes: 2 }), inputShape: [[4, 5], [3, 5]] }));
    expectAgreement(checkLayer({ layer: layers.Dot({ axes: -1, normalize: true }), reference: tf.layers.dot({ axes: -1, normalize: true }), inputShape: [[6], [6]] }));
  });

  it('one input on both sides (its gradient accumulates)', () => {
    const i = Input({ shape: [4, 5] });
    const inner = Model({ inputs: i, outputs: layers.Dot({ axes: 2 })([i, i]) });
    expectAgreement(checkLayer({ layer: inner, reference: (x: tf.Tensor) => tf.matMul(x, x, false, true), inputShape: [4, 5] }));
  });

  it('large per-sample products (a GEMM over the pool)', () => {
    expectAgreement(checkLayer({ layer: layers.Dot({ axes: 2 }), reference: batchDot([2, 2]), inputShape: [[256, 128], [192, 128]], batch: 2 }), 1e-4, 1e-4);
    expectAgreement(checkLayer({ layer: layers.Dot({ axes: 1 }), reference: batchDot([1, 1]), inputShape: [[128, 64], [128, 80]], batch: 8 }), 1e-4, 1e-4);
  });
});

describe('merges in a model', () => {
  it('a residual block trains, and evaluates and predicts without gradients', () => {
    const inputs = Input({ shape: [8] });
    const h = layers.Dense(8, { activation: 'tanh' })(inputs);
    const merged = layers.Concatenate()([layers.Add()([inputs, h]), layers.Multiply()([inputs, h])]);
    const outputs = layers.Dense(1)(merged);
    const model = Model({ inputs, outputs });
    model.compile({ loss: 'mse', optimizer: 'adam' });
    const n = 64;
    const x = Float32Array.from({ length: n * 8 }, (_, i) => Math.sin(i * 0.37));
    const y = Float32Array.from({ length: n }, (_, r) => x.slice(r * 8, r * 8 + 8).reduce((s, v, j) => s + v * (j % 3 - 1), 0));
    const trainer = new Trainer(model, 3);
    const data = { shape: [n, 8], data: x };
    const targets = { shape: [n, 1], data: y };
    const before = trainer.evaluate(data, targets).loss!;
    trainer.fit(data, targets, { epochs: 40, batchSize: 16, verbose: 0 });
    const after = trainer.evaluate(data, targets).loss!;
    expect(after).toBeLessThan(before * 0.5);
    expect(trainer.predict(data)[0]!.shape).toEqual([n, 1]);
  });
});
