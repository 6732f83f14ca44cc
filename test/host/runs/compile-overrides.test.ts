/** The run form's compile() overrides over the model file's own. */
import { describe, expect, test } from 'vitest';
import { runCompileArgs } from '../../../electron/host/runs/compile-overrides.js';
import { betterEpoch } from '../../../electron/host/runs/best-epoch.js';
import { Input, Model, layers } from '../../../electron/engine/frontends/dsl.js';
import { toyConfig } from './helpers.js';

function twoHeads() {
  const x = Input({ shape: [4] });
  const model = Model({ inputs: x, outputs: [layers.Dense(2, { name: 'a' })(x), layers.Dense(1, { name: 'b' })(x)] });
  model.compile({ optimizer: { className: 'Adam', config: { beta_1: 0.8 } }, loss: { a: 'sparse_categorical_crossentropy', b: 'mse' }, metrics: ['accuracy'] });
  return model;
}

describe('runCompileArgs', () => {
  test('keeps what the run leaves null and overrides the rest, the same optimizer keeping its other options', () => {
    const model = twoHeads();
    const args = runCompileArgs(model, toyConfig({ optimizer: { className: 'adam', learningRate: 0.05 }, losses: { b: 'mae' }, lossWeights: { a: 1, b: 0.5 }, metrics: ['mse'] }));
    expect(args.optimizer).toMatchObject({ className: 'adam', config: { beta_1: 0.8, learning_rate: 0.05 } });
    expect(args.loss).toEqual({ a: 'sparse_categorical_crossentropy', b: 'mae' });
    expect(args.lossWeights).toEqual({ a: 1, b: 0.5 });
    expect(args.metrics).toEqual(['mse']);
    expect(runCompileArgs(model, toyConfig()).loss).toEqual({ a: 'sparse_categorical_crossentropy', b: 'mean_squared_error' });
  });

  test('another optimizer starts from its defaults; a model without a loss is refused naming its outputs', () => {
    expect(runCompileArgs(twoHeads(), toyConfig({ optimizer: { className: 'SGD', learningRate: 0.1 } })).optimizer).toEqual({ className: 'SGD', config: { learning_rate: 0.1 } });
    const x = Input({ shape: [4] });
    const bare = Model({ inputs: x, outputs: layers.Dense(1, { name: 'out' })(x) });
    expect(() => runCompileArgs(bare, toyConfig())).toThrow(/No loss for output\(s\) "out"/);
    expect(runCompileArgs(bare, toyConfig({ losses: { out: 'mse' } })).loss).toEqual({ out: 'mse' });
  });
});

describe('betterEpoch', () => {
  test('judges by the policy metric, and by the loss when the logs lack it', () => {
    const config = toyConfig({ checkpoints: { everyEpochs: null, best: { monitor: 'val_accuracy', mode: 'max' }, last: true } });
    expect(betterEpoch(config, { val_accuracy: 0.8, loss: 1 }, { val_accuracy: 0.9, loss: 2 })).toEqual({ val_accuracy: 0.9, loss: 2 });
    expect(betterEpoch(config, { loss: 1 }, { loss: 0.5 })).toEqual({ loss: 0.5 });
  });
});
