import { beforeEach, describe, expect, it } from 'vitest';
import { Input, Model, layers, losses, optimizers } from '../../../../electron/engine/frontends/dsl.js';
import { resetNames } from '../../../../electron/engine/graph/index.js';
import { modelToConfig } from '../../../../electron/engine/graph/deserialize.js';
import { summarize } from '../../../../electron/engine/graph/summary.js';
import type { Functional } from '../../../../electron/engine/graph/functional.js';
import { hostTensor, type HostTensor } from '../../../../electron/engine/data/host-tensor.js';
import { Random } from '../../../../electron/engine/tensor/random.js';
import { Trainer } from '../../../../electron/engine/training/trainer.js';
import { architectureDiff, confusionMatrix } from '../../../../electron/host/runs/analysis/index.js';

beforeEach(() => resetNames());

const CLASSES = ['left', 'middle', 'right'];

/** Three clusters far apart on a line: class c near 10·c. */
function clusters(n: number): { x: HostTensor; labels: HostTensor; oneHot: HostTensor } {
  const rng = new Random(4);
  const x = new Float32Array(n * 2);
  const labels = new Int32Array(n);
  const oneHot = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 3;
    x[i * 2] = (i % 3) * 10 - 10 + rng.uniform(-1, 1);
    x[i * 2 + 1] = rng.uniform(-1, 1);
    oneHot[i * 3 + (i % 3)] = 1;
  }
  return { x: hostTensor([n, 2], 'float32', x), labels: hostTensor([n], 'int32', labels), oneHot: hostTensor([n, 3], 'float32', oneHot) };
}

function classifier(): Functional {
  const inputs = Input({ shape: [2], name: 'point' });
  const model = Model({ inputs, outputs: layers.Dense(3, { name: 'scores' })(inputs), name: 'clusters_model' });
  model.compile({ optimizer: optimizers.Adam(0.1), loss: losses.SparseCategoricalCrossentropy({ fromLogits: true }) });
  return model;
}

const diagonalOnly = (counts: Int32Array, k: number) => [...counts].every((v, i) => Math.floor(i / k) === i % k || v === 0);

describe('confusionMatrix', () => {
  it('counts every sample once, rows by true class; one-hot labels give the same matrix', () => {
    const { x, labels, oneHot } = clusters(60);
    const model = classifier();
    const trainer = new Trainer(model, 2);
    const result = confusionMatrix(trainer, model, { point: x }, labels, CLASSES, 'validation')!;
    expect(result.matrix.split).toBe('validation');
    expect(result.matrix.classNames).toEqual(CLASSES);
    expect(result.matrix.counts.reduce((a, b) => a + b, 0)).toBe(60);
    for (let c = 0; c < 3; c++) expect(result.matrix.counts.subarray(c * 3, c * 3 + 3).reduce((a, b) => a + b, 0)).toBe(20);
    expect(result.predicted).toHaveLength(60);
    expect(confusionMatrix(trainer, model, { point: x }, oneHot, CLASSES, 'validation')!.matrix.counts).toEqual(result.matrix.counts);
  });

  it('on separable classes, after training, has counts on its diagonal only', () => {
    const { x, labels } = clusters(90);
    const model = classifier();
    const trainer = new Trainer(model, 2);
    trainer.fit({ point: x }, labels, { epochs: 40, batchSize: 30, verbose: 0 });
    const { matrix, predicted } = confusionMatrix(trainer, model, { point: x }, labels, CLASSES, 'train')!;
    expect(diagonalOnly(matrix.counts, 3)).toBe(true);
    expect([...matrix.counts]).toEqual([30, 0, 0, 0, 30, 0, 0, 0, 30]);
    expect([...predicted]).toEqual([...labels.data]);
  });

  it('is null for a model that is not a classifier over the given classes', () => {
    const { x, labels } = clusters(6);
    const inputs = Input({ shape: [2] });
    const regression = Model({ inputs, outputs: layers.Dense(1)(inputs) });
    expect(confusionMatrix(new Trainer(regression, 1), regression, { input_layer: x }, labels, CLASSES, 'validation')).toBeNull();
    const model = classifier();
    expect(confusionMatrix(new Trainer(model, 1), model, { point: x }, labels, ['a', 'b'], 'validation')).toBeNull();
  });

  it('refuses labels that are not class indices, saying which sample', () => {
    const { x } = clusters(3);
    const model = classifier();
    const labels = hostTensor([3], 'int32', Int32Array.of(0, 5, 1));
    expect(() => confusionMatrix(new Trainer(model, 1), model, { point: x }, labels, CLASSES, 'test')).toThrow(
      /test labels of model "clusters_model": expected class indices from 0 to 2; sample 1 of 3 has label 5/,
    );
  });
});

/** The MNIST MLP of the template, with the first hidden layer's width and an optional Dropout. */
function mnistModel(units: number, dropout: boolean): Functional {
  resetNames();
  const inputs = Input({ shape: [784], name: 'img' });
  let x = layers.Dense(units, { activation: 'relu' })(inputs);
  x = layers.Dense(64, { activation: 'relu' })(x);
  if (dropout) x = layers.Dropout(0.2)(x);
  const outputs = layers.Dense(10)(x);
  return Model({ inputs, outputs, name: 'mnist_model' });
}

const architecture = (model: Functional) => ({ config: modelToConfig(model), summary: summarize(model).rows });

describe('architectureDiff', () => {
  it('names the layer added, the one whose units changed and the one whose parameters followed', () => {
    const diff = architectureDiff(architecture(mnistModel(64, false)), architecture(mnistModel(128, true)));
    expect(diff.added).toEqual([{ name: 'dropout', className: 'Dropout', params: 0 }]);
    expect(diff.removed).toEqual([]);
    expect(diff.changed).toEqual([
      { name: 'dense', className: 'Dense', params: [50_240, 100_480], options: ['units'] },
      { name: 'dense_1', className: 'Dense', params: [4_160, 8_256], options: [] },
    ]);
  });

  it('the other way round, the layer is removed; the same model has no differences', () => {
    const a = architecture(mnistModel(64, false));
    const b = architecture(mnistModel(64, true));
    expect(architectureDiff(b, a)).toEqual({ added: [], removed: [{ name: 'dropout', className: 'Dropout', params: 0 }], changed: [] });
    expect(architectureDiff(a, architecture(mnistModel(64, false)))).toEqual({ added: [], removed: [], changed: [] });
  });

  it('lists changed options in camelCase', () => {
    resetNames();
    const inputs = Input({ shape: [4], name: 'x' });
    const a = Model({ inputs, outputs: layers.Dense(3, { name: 'out', useBias: true, activation: 'relu' })(inputs) });
    resetNames();
    const inputs2 = Input({ shape: [4], name: 'x' });
    const b = Model({ inputs: inputs2, outputs: layers.Dense(3, { name: 'out', useBias: false, activation: 'tanh' })(inputs2) });
    expect(architectureDiff(architecture(a), architecture(b)).changed).toEqual([{ name: 'out', className: 'Dense', params: [15, 12], options: ['activation', 'useBias'] }]);
  });
});
