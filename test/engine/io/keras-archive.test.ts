import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import { beforeEach, describe, expect, it } from 'vitest';
import { Input, Model, Sequential, layers, losses, optimizers } from '../../../electron/engine/frontends/dsl.js';
import { resetNames } from '../../../electron/engine/graph/index.js';
import type { Functional } from '../../../electron/engine/graph/functional.js';
import { readHdf5 } from '../../../electron/engine/io/hdf5.js';
import { loadModelFile, saveModel } from '../../../electron/engine/io/model-file.js';
import { Trainer } from '../../../electron/engine/training/trainer.js';
import { getWeights } from '../../../electron/engine/training/weights.js';
import { Random } from '../../../electron/engine/tensor/random.js';

beforeEach(() => resetNames());

const folder = mkdtempSync(join(tmpdir(), 'strata-keras-'));

function data(n: number, shape: number[], classes: number, seed = 5) {
  const rng = new Random(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * size).map(() => rng.uniform() * 2 - 1);
  const y = new Float32Array(n).map((_, i) => (x[i * size]! > 0 ? 1 : 0) + (classes > 2 && x[i * size + 1]! > 0.5 ? 1 : 0));
  return { x: { shape: [n, ...shape], data: x }, y: { shape: [n], data: y } };
}

function mlp(optimizer: unknown) {
  const inputs = Input({ shape: [6], name: 'features' });
  let h = layers.Dense(12, { activation: 'relu' })(inputs);
  h = layers.BatchNormalization()(h);
  h = layers.Dropout(0.2)(h);
  const model = Model({ inputs, outputs: layers.Dense(3)(h), name: 'mlp' });
  model.compile({ optimizer: optimizer as never, loss: losses.SparseCategoricalCrossentropy({ fromLogits: true }), metrics: ['accuracy'] });
  return model;
}

function sequenceModel() {
  const model = Sequential([Input({ shape: [5, 3] }), layers.LSTM(4, { returnSequences: true }), layers.Bidirectional(layers.GRU(3)), layers.Dense(3)]);
  model.compile({ optimizer: optimizers.RMSprop({ learningRate: 0.01, momentum: 0.5, centered: true }), loss: losses.SparseCategoricalCrossentropy({ fromLogits: true }) });
  return model;
}

async function roundTrip(model: Functional, name: string): Promise<Functional> {
  const path = join(folder, `${name}.keras`);
  saveModel(model, path);
  resetNames();
  const loaded = await loadModelFile(path);
  expect(loaded.warnings).toEqual([]);
  return loaded.model;
}

describe('.keras files', () => {
  it('write the Keras 3 layout: metadata, config with compile_config, weights by class-named paths', async () => {
    const model = mlp('adam');
    new Trainer(model, 1).fit(data(64, [6], 3).x, data(64, [6], 3).y, { epochs: 1, batchSize: 16, verbose: 0 });
    const path = join(folder, 'layout.keras');
    saveModel(model, path);
    const files = unzipSync(readFileSync(path));
    expect(Object.keys(files).sort()).toEqual(['config.json', 'metadata.json', 'model.weights.h5']);
    const config = JSON.parse(strFromU8(files['config.json']!));
    expect(config.class_name).toBe('Functional');
    expect(config.compile_config.optimizer.class_name).toBe('Adam');
    expect(JSON.parse(strFromU8(files['metadata.json']!)).keras_version).toMatch(/^3\./);
    readHdf5(files['model.weights.h5']!, 'layout', (f) => {
      const shape = (p: string) => (f.get(p) as { shape: number[] }).shape;
      expect(shape('layers/dense/vars/0')).toEqual([6, 12]);
      expect(shape('layers/batch_normalization/vars/3')).toEqual([12]);
      expect(shape('layers/dense_1/vars/1')).toEqual([3]);
      expect((f.get('layers/input_layer/vars') as { keys(): string[] }).keys()).toEqual([]);
      // iterations (int64), learning rate, then Adam's momentum and velocity interleaved per trainable weight
      expect((f.get('optimizer/vars/0') as { value: bigint }).value).toBe(4n);
      expect(shape('optimizer/vars/2')).toEqual([6, 12]);
      expect(shape('optimizer/vars/3')).toEqual([6, 12]);
      expect(shape('optimizer/vars/4')).toEqual([12]);
      expect((f.get('optimizer/vars') as { keys(): string[] }).keys()).toHaveLength(2 + 2 * 6);
    });
  });

  it('round-trip weights bit-exactly and predict identically', async () => {
    const model = sequenceModel();
    const d = data(32, [5, 3], 3);
    const trainer = new Trainer(model, 3);
    trainer.fit(d.x, d.y, { epochs: 1, batchSize: 8, verbose: 0 });
    const loaded = await roundTrip(model, 'sequence');
    expect(getWeights(loaded)).toEqual(getWeights(model));
    const before = trainer.predict(d.x)[0]!.data;
    expect(new Trainer(loaded, 3).predict(d.x)[0]!.data).toEqual(before);
  });

  for (const [name, optimizer] of [
    ['Adam', optimizers.Adam({ learningRate: 0.01, amsgrad: true })],
    ['SGD', optimizers.SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true })],
    ['Nadam', 'nadam'],
    ['Adadelta', optimizers.Adadelta({ learningRate: 1 })],
    ['Adagrad', 'adagrad'],
    ['Adamax', 'adamax'],
  ] as const) {
    it(`resume training with the same next-step losses (${name}: optimizer state, iterations, learning rate)`, async () => {
      const d = data(96, [6], 3);
      const model = mlp(optimizer);
      new Trainer(model, 7).fit(d.x, d.y, { epochs: 2, batchSize: 16, verbose: 0 });
      const loaded = await roundTrip(model, `resume-${name}`);
      const next = (m: Functional) => new Trainer(m, 9).fit(d.x, d.y, { epochs: 2, batchSize: 16, verbose: 0 }).history.loss;
      expect(next(loaded)).toEqual(next(model));
    });
  }

  it('keep a learning rate a callback lowered', async () => {
    const d = data(64, [6], 3);
    const model = mlp(optimizers.RMSprop(0.01));
    const trainer = new Trainer(model, 1);
    trainer.fit(d.x, d.y, { epochs: 1, batchSize: 16, verbose: 0, callbacks: [new (class extends (await import('../../../electron/engine/training/callbacks.js')).Callback {
      override onTrainEnd() {
        this.control.learningRate = 0.0025;
      }
    })()] });
    const path = join(folder, 'lr.keras');
    saveModel(model, path);
    readHdf5(unzipSync(readFileSync(path))['model.weights.h5']!, 'lr', (f) => {
      expect((f.get('optimizer/vars/1') as { value: number }).value).toBeCloseTo(0.0025, 7);
    });
  });

  it('refuse a file that is not a model, saying what it is', async () => {
    const bad = join(folder, 'bad.keras');
    writeFileSync(bad, 'hello');
    await expect(loadModelFile(bad)).rejects.toThrow(/bad\.keras is a file starting with bytes 68 65 6c 6c 6f; expected a model file: \.keras/);
    writeFileSync(bad, readFileSync(join(folder, 'sequence.keras')).subarray(0, 200));
    await expect(loadModelFile(bad)).rejects.toThrow(/not a readable \.keras archive/);
    expect(() => saveModel(mlp('adam'), join(folder, 'model.txt'))).toThrow(/model\.txt: expected a file name ending in \.keras or \.h5/);
  });
});

describe('.keras configs of nested models', () => {
  it('number a nested Functional model\'s calls from 1 and a nested Sequential\'s from 0, as Keras 3 does', async () => {
    const a = Input({ shape: [4] });
    const functional = Model({ inputs: a, outputs: layers.Dense(3)(a), name: 'tower' });
    const sequential = Sequential([Input({ shape: [3] }), layers.Dense(2)], { name: 'head' });
    const x = Input({ shape: [4] });
    const model = Model({ inputs: x, outputs: sequential(functional(x)) });
    const path = join(folder, 'nested.keras');
    saveModel(model, path);
    const config = JSON.parse(strFromU8(unzipSync(readFileSync(path))['config.json']!));
    const head = config.config.layers.find((l: { name: string }) => l.name === 'head');
    expect(head.inbound_nodes[0].args[0].config.keras_history).toEqual(['tower', 1, 0]);
    expect(config.config.output_layers).toEqual(['head', 0, 0]);
    resetNames();
    const loaded = await loadModelFile(path);
    expect(getWeights(loaded.model)).toEqual(getWeights(model));
  });
});
