import { beforeEach, describe, expect, it } from 'vitest';
import { Input, Model, layers, losses } from '../../../electron/engine/frontends/dsl.js';
import { resetNames } from '../../../electron/engine/graph/index.js';
import { Trainer } from '../../../electron/engine/training/trainer.js';

beforeEach(() => resetNames());

/** A small classifier with dropout (its masks follow the step count) and Adam (its state follows the steps). */
function trainer() {
  resetNames();
  const x = Input({ shape: [4] });
  const h = layers.Dropout(0.3)(layers.Dense(8, { activation: 'relu' })(x));
  const model = Model({ inputs: x, outputs: layers.Dense(3)(h) });
  model.compile({ optimizer: 'adam', loss: losses.SparseCategoricalCrossentropy({ fromLogits: true }), metrics: ['accuracy'] });
  return new Trainer(model, 7);
}

const n = 24;
const x = { shape: [n, 4], data: Float32Array.from({ length: n * 4 }, (_, i) => Math.sin(i * 1.3)) };
const y = { shape: [n], data: Int32Array.from({ length: n }, (_, i) => i % 3) };

describe('trainOnBatch', () => {
  it('takes one step on the whole batch, as fit does, and fit carries on from it', () => {
    const a = trainer();
    const steps = [a.trainOnBatch(x, y), a.trainOnBatch(x, y)];
    expect(Object.keys(steps[0]!).sort()).toEqual(['accuracy', 'loss']);
    const b = trainer();
    const h = b.fit(x, y, { epochs: 2, batchSize: n, shuffle: false, verbose: 0 });
    expect(steps.map((s) => s.loss)).toEqual(h.history.loss);
    expect(steps.map((s) => s.accuracy)).toEqual(h.history.accuracy);
    expect(a.weights()).toEqual(b.weights());

    const c = trainer();
    const first = c.trainOnBatch(x, y);
    const then = c.fit(x, y, { epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
    expect([first.loss, then.history.loss![0]]).toEqual(h.history.loss);
    expect(c.weights()).toEqual(b.weights());
    expect(steps[1]!.loss).not.toEqual(steps[0]!.loss);
  });

  it('weights samples by class weight as by the equal sample weights', () => {
    const byClass = trainer().trainOnBatch(x, y, { classWeight: { 0: 2, 1: 0.5 } });
    const sampleWeight = { shape: [n], data: Float32Array.from(y.data, (c) => [2, 0.5, 1][c]!) };
    const bySample = trainer().trainOnBatch(x, y, { sampleWeight });
    expect(byClass.loss).toBeCloseTo(bySample.loss!, 6);
    expect(byClass.loss).not.toBeCloseTo(trainer().trainOnBatch(x, y).loss!, 3);
  });
});

describe('testOnBatch', () => {
  it('gives the logs evaluate gives, without training', () => {
    const t = trainer();
    t.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
    const weights = t.weights();
    const sampleWeight = { shape: [n], data: Float32Array.from({ length: n }, (_, i) => 1 + (i % 4)) };
    const logs = t.testOnBatch(x, y, { sampleWeight });
    const evaluated = t.evaluate(x, y, { sampleWeight, batchSize: 5 });
    expect(logs.loss).toBeCloseTo(evaluated.loss!, 5);
    expect(logs.accuracy).toBeCloseTo(evaluated.accuracy!, 6);
    expect(t.weights()).toEqual(weights);
    expect(() => t.testOnBatch({ shape: [0, 4], data: new Float32Array(0) }, { shape: [0], data: new Int32Array(0) })).toThrow('testOnBatch() received no samples.');
  });
});
