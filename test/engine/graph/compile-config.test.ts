import { beforeEach, describe, expect, it } from 'vitest';
import { Input, Model, layers, losses, optimizers } from '../../../electron/engine/frontends/dsl.js';
import { modelFromJSON, modelToConfig, modelToJSON, resetNames } from '../../../electron/engine/graph/index.js';

beforeEach(() => resetNames());

function twoOutputs() {
  const x = Input({ shape: [5] });
  const main = layers.Dense(1, { name: 'main_output' })(x);
  const aux = layers.Dense(1, { name: 'aux_output' })(x);
  return Model({ inputs: x, outputs: [main, aux] });
}

describe('compile()', () => {
  it('records per-output losses and loss weights by output name, with Keras defaults filled in', () => {
    const model = twoOutputs();
    model.compile({
      optimizer: optimizers.RMSprop(1e-3),
      loss: { main_output: 'binary_crossentropy', aux_output: losses.BinaryCrossentropy({ fromLogits: true }) },
      lossWeights: { main_output: 1.0, aux_output: 0.2 },
      metrics: ['accuracy'],
    });
    const c = modelToConfig(model).compile_config as Record<string, any>;
    expect(c.optimizer).toEqual({
      module: 'keras.optimizers',
      class_name: 'RMSprop',
      config: { learning_rate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false },
      registered_name: null,
    });
    expect(c.loss.main_output).toBe('binary_crossentropy');
    expect(c.loss.aux_output.config).toEqual({ from_logits: true, label_smoothing: 0, axis: -1 });
    expect(c.loss_weights).toEqual({ main_output: 1, aux_output: 0.2 });
  });

  it('round-trips through JSON', () => {
    const model = twoOutputs();
    model.compile({ optimizer: 'adam', loss: ['mse', 'mae'], lossWeights: [1, 0.5] });
    const json = modelToJSON(model);
    expect(modelToJSON(modelFromJSON(json))).toBe(json);
  });

  it('explains mistakes: unknown names, wrong output keys, wrong counts', () => {
    const model = twoOutputs();
    expect(() => model.compile({ optimizer: 'rmsprob' })).toThrow(/Unknown optimizer.*received "rmsprob"/);
    expect(() => model.compile({ loss: 'crossentropy' })).toThrow(/Unknown loss/);
    expect(() => model.compile({ loss: { main: 'mse' } })).toThrow(/names output\(s\) \["main"\].*its outputs are \["main_output","aux_output"\]/);
    expect(() => model.compile({ lossWeights: [1] })).toThrow(/has 1 entries but the model has 2 output\(s\)/);
    expect(() => model.compile({ optimizer: optimizers.Adam({ learningRat: 1 }) })).toThrow(/Unknown option\(s\) "learning_rat" for optimizer Adam/);
    expect(() => model.compile({ metrics: ['acuracy'] })).toThrow(/Unknown metric/);
  });
});
