import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Input, Model, layers } from '../../../../electron/engine/frontends/dsl.js';
import type { SymbolicTensor } from '../../../../electron/engine/graph/index.js';
import { resetNames } from '../../../../electron/engine/graph/index.js';
import { Random } from '../../../../electron/engine/tensor/random.js';
import { Trainer } from '../../../../electron/engine/training/trainer.js';
import { closeness } from '../../../helpers/layer-check.js';
import { checkGraph, refRnn } from '../../../helpers/sequence-check.js';

// Tolerances: a gather is exact; the table gradient is a sum of a few output-gradient rows,
// so relative 1e-4 with an absolute floor of 1e-5 (as for Dense) is loose.
function indices(vocab: number) {
  return (rng: Random, size: number) => Int32Array.from({ length: size }, () => Math.floor(rng.uniform() * vocab));
}

/** A one-layer model on an int32 Input, with its trainer. */
function embeddingModel(inputDim: number, outputDim: number, shape: number[], options: object = {}) {
  resetNames();
  const x = Input({ shape, dtype: 'int32', name: 'tokens' });
  const layer = layers.Embedding(inputDim, outputDim, options);
  const model = Model({ inputs: x, outputs: layer(x) as SymbolicTensor });
  model.compile({ loss: 'mse', optimizer: 'sgd' });
  return { model, layer, trainer: new Trainer(model, 9) };
}

describe('Embedding kernels', () => {
  it('agree with tfjs (float indices, as Keras casts them), on 1-D and 2-D index inputs', () => {
    // tfjs' own gather gradient fails for float indices (so layer-check's harness cannot run
    // Embedding); the reference gathers with the indices as a constant: gradient zero, as in Strata.
    for (const shape of [[6], [2, 3]]) {
      const r = checkGraph({
        batch: 5,
        inputs: [{ shape, values: (rng, size) => Float32Array.from({ length: size }, () => Math.floor(rng.uniform() * 7)) }],
        build: ([x]) => layers.Embedding(7, 4)(x!) as SymbolicTensor,
        // `+ 0·sum(x)` keeps x on tfjs' tape (its gradient then is zero) without differentiating the gather.
        reference: ([x], [table]) => tf.add(tf.gather(table!, tf.tensor(x!.dataSync(), x!.shape, 'int32')), tf.mul(tf.sum(x!), 0)),
      });
      for (const p of [...r.outputs, ...r.inputGradients, ...r.weightGradients]) expect(closeness(p.strata, p.reference), p.name).toBeLessThanOrEqual(1);
    }
  });

  it('gathers from an int32 Input and scatter-adds repeated indices into the table gradient', () => {
    const r = checkGraph({
      inputs: [{ shape: [5], dtype: 'int32', values: () => Int32Array.from([1, 1, 1, 0, 3, 2, 2, 1, 0, 0, 3, 3, 3, 3, 1]) }],
      build: ([x]) => layers.Embedding(4, 3)(x!) as SymbolicTensor,
      reference: ([x], [table]) => tf.gather(table!, x!),
    });
    for (const p of [...r.outputs, ...r.weightGradients]) expect(closeness(p.strata, p.reference), p.name).toBeLessThanOrEqual(1);
    expect(r.inputGradients).toEqual([]);
  });

  it('a large table and batch (work split over threads by vocabulary rows)', () => {
    // The reference is plain JS: tfjs' scatter over a 3000-row table is too slow for a unit test.
    const vocab = 3000, dim = 48, batch = 64, len = 40;
    const { trainer } = embeddingModel(vocab, dim, [len]);
    const rng = new Random(3);
    const ids = Int32Array.from({ length: batch * len }, () => Math.floor(rng.uniform() ** 2 * vocab));
    const table = trainer.weights()[0]!;
    const y = trainer.predict({ shape: [batch, len], data: ids }, { batchSize: batch })[0]!;
    const expected = new Float32Array(ids.length * dim);
    ids.forEach((v, i) => expected.set(table.subarray(v * dim, (v + 1) * dim), i * dim));
    expect(y.data).toEqual(expected);
    const g = Float32Array.from({ length: expected.length }, () => rng.normal());
    const target = Float32Array.from(y.data, (v, k) => v - (g[k]! * g.length) / 2);
    const grads = trainer.gradients({ shape: [batch, len], data: ids }, { shape: y.shape, data: target });
    const dTable = new Float64Array(vocab * dim);
    ids.forEach((v, i) => {
      for (let j = 0; j < dim; j++) dTable[v * dim + j]! += g[i * dim + j]!;
    });
    expect(closeness([...grads.weights.values()][0]!, Float32Array.from(dTable))).toBeLessThanOrEqual(1);
  });

  it('a shared embedding (two inputs, one table) accumulates its gradient; feeds an LSTM', () => {
    const r = checkGraph({
      inputs: [
        { shape: [4], dtype: 'int32', values: indices(9) },
        { shape: [6], dtype: 'int32', values: indices(9) },
      ],
      build: ([a, b]) => {
        const shared = layers.Embedding(9, 5);
        const lstm = layers.LSTM(3);
        return [lstm(shared(a!) as SymbolicTensor) as SymbolicTensor, shared(b!) as SymbolicTensor];
      },
      reference: ([a, b], [table, ...lstm]) => [refRnn(tf.gather(table!, a!), lstm, { cell: 'lstm', units: 3 })[0]!, tf.gather(table!, b!)],
    });
    for (const p of [...r.outputs, ...r.weightGradients]) expect(closeness(p.strata, p.reference), p.name).toBeLessThanOrEqual(1);
  });

  it('an index out of range stops the step with an error naming the index and inputDim', () => {
    const { trainer } = embeddingModel(10, 2, [3]);
    const bad = { shape: [2, 3], data: Int32Array.from([1, 2, 3, 4, 12, 5]) };
    expect(() => trainer.predict(bad)).toThrow(/Embedding: index 12 .*out of range for inputDim 10.*0\.\.9/);
    expect(() => trainer.fit(bad, { shape: [2, 3, 2], data: new Float32Array(12) }, { verbose: 0 })).toThrow(/index 12 .*inputDim 10/);
    expect(() => trainer.predict({ shape: [1, 3], data: Int32Array.from([0, -1, 0]) })).toThrow(/index -1 .*inputDim 10/);
  });

  it('int32 inputs take whole-number float data and reject fractions, naming the input and the sample', () => {
    const { trainer, model } = embeddingModel(6, 2, [2]);
    const table = trainer.weights()[0]!;
    const out = trainer.predict({ shape: [2, 2], data: Float32Array.from([5, 0, 2, 3]) })[0]!;
    expect(Array.from(out.data)).toEqual([5, 0, 2, 3].flatMap((i) => [table[2 * i]!, table[2 * i + 1]!]));
    expect(() => trainer.predict({ shape: [3, 2], data: Float32Array.from([1, 2, 3, 4, 0.5, 1]) })).toThrow(
      /Input "tokens" has dtype int32, but sample 2 holds 0\.5/,
    );
    expect(model.inputs[0]!.dtype).toBe('int32');
  });

  it('maskZero looks index 0 up like any other index (the mask goes alongside the vectors)', () => {
    const { trainer } = embeddingModel(4, 3, [3], { maskZero: true });
    const table = trainer.weights()[0]!;
    const out = trainer.predict({ shape: [1, 3], data: Int32Array.from([0, 2, 0]) })[0]!;
    expect(Array.from(out.data.slice(0, 3))).toEqual(Array.from(table.slice(0, 3)));
  });
});
