import { beforeEach, describe, expect, it } from 'vitest';
import { Input, Model, layers, losses, optimizers } from '../../../electron/engine/frontends/dsl.js';
import { resetNames, type SymbolicTensor } from '../../../electron/engine/graph/index.js';
import { datasets } from '../../../electron/engine/data/index.js';
import { Callback, EarlyStopping, LearningRateScheduler, ReduceLROnPlateau, type Logs } from '../../../electron/engine/training/callbacks.js';
import { Trainer } from '../../../electron/engine/training/trainer.js';

beforeEach(() => resetNames());

function blobs() {
  const ds = datasets.toy('blobs', { samples: 512, testSamples: 128, seed: 3, classes: 3 });
  return { x: ds.splits.train.features.x!, y: ds.splits.train.targets.y!, tx: ds.splits.test.features.x!, ty: ds.splits.test.targets.y! };
}

function classifier(optimizer: unknown = 'adam') {
  const inputs = Input({ shape: [2] });
  const h = layers.Dense(16, { activation: 'relu' })(inputs);
  const model = Model({ inputs, outputs: layers.Dense(3)(h) });
  model.compile({ optimizer: optimizer as never, loss: losses.SparseCategoricalCrossentropy({ fromLogits: true }), metrics: ['accuracy'] });
  return model;
}

describe('fit', () => {
  it('learns a separable problem and reports Keras-named logs per epoch', () => {
    const d = blobs();
    const trainer = new Trainer(classifier(), 1);
    const history = trainer.fit(d.x, d.y, { epochs: 15, batchSize: 32, validationSplit: 0.25 });
    expect(Object.keys(history.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    expect(history.epoch).toEqual([...Array(15).keys()]);
    const loss = history.history.loss!;
    expect(loss[loss.length - 1]!).toBeLessThan(loss[0]! * 0.5);
    expect(trainer.evaluate(d.tx, d.ty).accuracy).toBeGreaterThan(0.9);
  });

  it('gives the same losses for the same seed, run after run', () => {
    const d = blobs();
    const run = () => {
      resetNames();
      return new Trainer(classifier(), 42).fit(d.x, d.y, { epochs: 3, batchSize: 16 }).history.loss;
    };
    expect(run()).toEqual(run());
    resetNames();
    expect(new Trainer(classifier(), 43).fit(d.x, d.y, { epochs: 3, batchSize: 16 }).history.loss).not.toEqual(run());
  });

  it('takes the validation split from the end of the data, before shuffling (as Keras)', () => {
    const inputs = Input({ shape: [1] });
    const model = Model({ inputs, outputs: layers.Dense(1, { kernelInitializer: 'zeros' })(inputs) });
    model.compile({ optimizer: optimizers.SGD(0), loss: 'mse' });
    // Targets 0 for the first 80 samples and 10 for the last 20: a zero model's val_loss is 100.
    const x = { shape: [100, 1], data: new Float32Array(100) };
    const y = { shape: [100, 1], data: Float32Array.from({ length: 100 }, (_, i) => (i >= 80 ? 10 : 0)) };
    const h = new Trainer(model, 1).fit(x, y, { epochs: 1, batchSize: 10, validationSplit: 0.2 });
    expect(h.history.val_loss![0]).toBeCloseTo(100, 5);
    expect(h.history.loss![0]).toBeCloseTo(0, 5);
  });

  it('reduces the loss with every optimizer, with Keras defaults', () => {
    const d = blobs();
    for (const name of ['sgd', 'rmsprop', 'adam', 'adamw', 'adagrad', 'adamax', 'nadam']) {
      resetNames();
      const opt = name === 'sgd' ? optimizers.SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }) : name;
      const h = new Trainer(classifier(opt), 1).fit(d.x, d.y, { epochs: 4, batchSize: 32 });
      const l = h.history.loss!;
      expect(l[l.length - 1], name).toBeLessThan(l[0]!);
    }
    resetNames();
    // Adadelta's default learning rate (0.001) moves slowly, as in Keras; a larger one learns.
    const h = new Trainer(classifier(optimizers.Adadelta(1.0)), 1).fit(d.x, d.y, { epochs: 4, batchSize: 32 });
    expect(h.history.loss![3]).toBeLessThan(h.history.loss![0]!);
  });

  it('trains a multi-input, multi-output model with losses and loss weights by output name', () => {
    const a = Input({ shape: [4], name: 'a' });
    const b = Input({ shape: [3], name: 'b' });
    const reg = layers.Dense(1, { name: 'score' })(layers.Dense(8, { activation: 'tanh' })(a)) as SymbolicTensor;
    const cls = layers.Dense(2, { name: 'kind' })(layers.Dense(8, { activation: 'tanh' })(b)) as SymbolicTensor;
    const model = Model({ inputs: [a, b], outputs: [reg, cls] });
    model.compile({
      optimizer: 'adam',
      loss: { score: 'mse', kind: losses.SparseCategoricalCrossentropy({ fromLogits: true }) },
      lossWeights: { score: 1, kind: 0.2 },
      metrics: { kind: ['accuracy'] },
    });
    const n = 64;
    const xa = { shape: [n, 4], data: Float32Array.from({ length: n * 4 }, (_, i) => Math.sin(i)) };
    const xb = { shape: [n, 3], data: Float32Array.from({ length: n * 3 }, (_, i) => Math.cos(i)) };
    const score = { shape: [n, 1], data: Float32Array.from({ length: n }, (_, i) => xa.data[i * 4]! + xb.data[i * 3]!) };
    const kind = { shape: [n], data: Int32Array.from({ length: n }, (_, i) => (xb.data[i * 3]! > 0 ? 1 : 0)) };
    const history = new Trainer(model, 1).fit({ a: xa, b: xb }, { score, kind }, { epochs: 20, batchSize: 16 });
    expect(Object.keys(history.history).sort()).toEqual(['kind_accuracy', 'kind_loss', 'loss', 'score_loss']);
    const last = (k: string) => history.history[k]![19]!;
    expect(last('loss')).toBeCloseTo(last('score_loss') + 0.2 * last('kind_loss'), 4);
    expect(last('loss')).toBeLessThan(history.history.loss![0]!);
  });

  it('explains data that does not fit the model', () => {
    const trainer = new Trainer(classifier(), 1);
    const x = { shape: [4, 3], data: new Float32Array(12) };
    expect(() => trainer.fit(x, { shape: [4], data: new Int32Array(4) })).toThrow('Input "input_layer" expects samples of shape (2,); received data of shape (4, 3).');
    const x2 = { shape: [4, 2], data: new Float32Array(8) };
    expect(() => trainer.fit(x2, { shape: [4], data: Int32Array.from([0, 1, 5, 2]) })).toThrow(/sample 2 has label 5, but the output has 3 classes/);
    expect(() => trainer.fit(x2, { shape: [3], data: new Int32Array(3) })).toThrow(/same number of samples: input "input_layer" has 4, target "dense_1" has 3/);
  });
});

describe('callbacks', () => {
  it('call the Keras hooks in order, with batch logs for every batch', () => {
    const d = blobs();
    const calls: string[] = [];
    class Recorder extends Callback {
      override onTrainBegin() { calls.push('train_begin'); }
      override onEpochBegin(e: number) { calls.push(`epoch_begin ${e}`); }
      override onTrainBatchEnd(b: number, logs: Logs) { calls.push(`batch ${b} ${logs.loss !== undefined}`); }
      override onEpochEnd(e: number) { calls.push(`epoch_end ${e}`); }
      override onTrainEnd() { calls.push('train_end'); }
    }
    new Trainer(classifier(), 1).fit(d.x, d.y, { epochs: 2, batchSize: 128, callbacks: [new Recorder()] });
    expect(calls).toEqual(['train_begin', 'epoch_begin 0', 'batch 0 true', 'batch 1 true', 'batch 2 true', 'batch 3 true', 'epoch_end 0', 'epoch_begin 1', 'batch 0 true', 'batch 1 true', 'batch 2 true', 'batch 3 true', 'epoch_end 1', 'train_end']);
  });

  it('EarlyStopping stops when the monitored value stops improving and restores the best weights', () => {
    const d = blobs();
    const trainer = new Trainer(classifier(optimizers.SGD(0)), 1); // lr 0: the loss never improves
    const stop = new EarlyStopping({ monitor: 'loss', patience: 2, restoreBestWeights: true });
    const h = trainer.fit(d.x, d.y, { epochs: 10, batchSize: 64, callbacks: [stop] });
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(stop.stoppedEpoch).toBe(2);
  });

  it('ReduceLROnPlateau and LearningRateScheduler change the learning rate between epochs', () => {
    const d = blobs();
    const seen: number[] = [];
    class Watch extends Callback {
      override onEpochEnd() { seen.push(this.control.learningRate); }
    }
    new Trainer(classifier(optimizers.SGD(0)), 1).fit(d.x, d.y, {
      epochs: 4,
      batchSize: 64,
      callbacks: [new LearningRateScheduler((epoch) => 0.5 ** epoch), new Watch()],
    });
    expect(seen).toEqual([1, 0.5, 0.25, 0.125]);
    const lrs: number[] = [];
    class Watch2 extends Callback {
      override onEpochEnd(_e: number, logs: Logs) { lrs.push(logs.learning_rate!); }
    }
    new Trainer(classifier(optimizers.SGD(0)), 1).fit(d.x, d.y, {
      epochs: 4,
      batchSize: 64,
      callbacks: [new ReduceLROnPlateau({ monitor: 'loss', patience: 1, factor: 0.5 }), new Watch2()],
    });
    expect(lrs[0]).toBeCloseTo(0, 10);
  });
});
