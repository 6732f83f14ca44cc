import { beforeEach, describe, expect, it } from 'vitest';
import { Input, Model, layers, losses } from '../../../electron/engine/frontends/dsl.js';
import { resetNames, type SymbolicTensor } from '../../../electron/engine/graph/index.js';
import { Random } from '../../../electron/engine/tensor/random.js';
import { Trainer } from '../../../electron/engine/training/trainer.js';

beforeEach(() => resetNames());

const STEPS = 6;
/** Token ids padded with 0 at the end, in the middle and at the start. */
const IDS = Int32Array.from([
  [3, 1, 4, 0, 0, 0],
  [2, 0, 5, 0, 6, 1],
  [0, 0, 4, 2, 3, 1],
  [5, 6, 2, 1, 3, 4],
].flat());
const BATCH = IDS.length / STEPS;
const ids = { shape: [BATCH, STEPS], data: IDS };
const kept = (i: number) => IDS[i] !== 0;

/** A sequence tagger: Embedding(maskZero) → LSTM(returnSequences) → TimeDistributed(Dense): one output per step, masked. */
function tagger(units: number, loss: unknown = 'mse') {
  const x = Input({ shape: [STEPS], dtype: 'int32' });
  const h = layers.LSTM(5, { returnSequences: true })(layers.Embedding(8, 4, { maskZero: true })(x)) as SymbolicTensor;
  const y = layers.TimeDistributed(layers.Dense(units))(h) as SymbolicTensor;
  expect(y.hasMask).toBe(true);
  const model = Model({ inputs: x, outputs: y });
  model.compile({ loss: loss as never, optimizer: 'adam' });
  return model;
}

function targets(seed: number, padding: (i: number) => number) {
  const rng = new Random(seed);
  return { shape: [BATCH, STEPS, 1], data: Float32Array.from({ length: BATCH * STEPS }, (_, i) => (kept(i) ? rng.normal() : padding(i))) };
}

describe('losses on a masked sequence output (Keras 3: the mask weighs each step)', () => {
  it('the loss is the mean over the steps the mask keeps; values at padded steps do not count', () => {
    const trainer = new Trainer(tagger(1), 3);
    const y = targets(5, () => 0);
    const pred = trainer.predict(ids, { batchSize: BATCH })[0]!.data;
    let sum = 0;
    let count = 0;
    y.data.forEach((t, i) => {
      if (!kept(i)) return;
      sum += (pred[i]! - t) ** 2;
      count++;
    });
    const loss = trainer.evaluate(ids, y, { batchSize: BATCH }).loss!;
    expect(loss).toBeCloseTo(sum / count, 6);
    const noisyPadding = targets(5, (i) => 100 + i);
    expect(trainer.evaluate(ids, noisyPadding, { batchSize: BATCH }).loss).toBe(loss);
  });

  it('sample weights multiply the kept steps; the mean stays over the kept steps', () => {
    const trainer = new Trainer(tagger(1), 3);
    const y = targets(6, () => 0);
    const weights = Float32Array.from([1, 0.5, 2, 0]);
    const pred = trainer.predict(ids, { batchSize: BATCH })[0]!.data;
    let sum = 0;
    let count = 0;
    y.data.forEach((t, i) => {
      if (!kept(i)) return;
      sum += weights[Math.floor(i / STEPS)]! * (pred[i]! - t) ** 2;
      count++;
    });
    const loss = trainer.evaluate(ids, y, { batchSize: BATCH, sampleWeight: { shape: [BATCH], data: weights } }).loss!;
    expect(loss).toBeCloseTo(sum / count, 6);
  });

  it('training ignores the padded steps: targets that differ only there train the same weights', () => {
    const run = (y: { shape: number[]; data: Float32Array }) => {
      resetNames();
      const trainer = new Trainer(tagger(1), 9);
      const history = trainer.fit(ids, y, { epochs: 4, batchSize: 2, shuffle: false, verbose: 0 });
      return { weights: trainer.weights(), loss: history.history.loss };
    };
    const a = run(targets(7, () => 0));
    const b = run(targets(7, (i) => (i % 2 ? 50 : -50)));
    expect(b.loss).toEqual(a.loss);
    b.weights.forEach((w, i) => expect(Array.from(w), `weight ${i}`).toEqual(Array.from(a.weights[i]!)));
  });

  it('categorical cross-entropy over the kept steps, and a falling loss when fitted', () => {
    const model = tagger(3, losses.CategoricalCrossentropy({ fromLogits: true }));
    const trainer = new Trainer(model, 4);
    // The class of a step is its id modulo 3 (one-hot); padded steps say class 0.
    const classes = Array.from(IDS, (v) => v % 3);
    const labels = { shape: [BATCH, STEPS, 3], data: Float32Array.from(classes.flatMap((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0)))) };
    const logits = trainer.predict(ids, { batchSize: BATCH })[0]!.data;
    let sum = 0;
    let count = 0;
    for (let i = 0; i < BATCH * STEPS; i++) {
      if (!kept(i)) continue;
      const row = Array.from(logits.slice(i * 3, i * 3 + 3));
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
      sum += lse - row[classes[i]!]!;
      count++;
    }
    expect(trainer.evaluate(ids, labels, { batchSize: BATCH }).loss).toBeCloseTo(sum / count, 5);
    const history = trainer.fit(ids, labels, { epochs: 300, batchSize: BATCH, verbose: 0 });
    const curve = history.history.loss!;
    expect(curve[curve.length - 1]!).toBeLessThan(curve[0]! * 0.6);
  });
});
