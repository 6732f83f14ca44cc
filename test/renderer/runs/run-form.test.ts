import { describe, expect, it } from 'vitest';
import { compileDefaults } from '../../../renderer/src/runs/compile-defaults.js';
import { newRunForm, parseMetrics, runFormProblem, toRunConfig } from '../../../renderer/src/runs/run-form.js';

/** What the MNIST template's compile() gives, as the evaluation reports it. */
const MNIST_CONFIG = {
  class_name: 'Functional',
  compile_config: {
    optimizer: { module: 'keras.optimizers', class_name: 'RMSprop', config: { learning_rate: 0.001, rho: 0.9 } },
    loss: { module: 'keras.losses', class_name: 'SparseCategoricalCrossentropy', config: { from_logits: true } },
    loss_weights: null,
    metrics: ['accuracy'],
  },
};

describe("the run form's defaults from the model's compile()", () => {
  it('reads the optimizer, its learning rate, the loss and the metrics', () => {
    const d = compileDefaults(MNIST_CONFIG, ['dense_2']);
    expect(d).toEqual({ optimizer: 'RMSprop', learningRate: 0.001, losses: { dense_2: 'SparseCategoricalCrossentropy' }, lossWeights: {}, metrics: ['accuracy'] });
  });

  it('reads a loss, weight and metrics per output', () => {
    const d = compileDefaults(
      {
        compile_config: {
          optimizer: 'adam',
          loss: { label: 'sparse_categorical_crossentropy', bbox: 'mse' },
          loss_weights: { label: 1, bbox: 0.5 },
          metrics: { label: ['accuracy'], bbox: ['mae'] },
        },
      },
      ['label', 'bbox'],
    );
    expect(d.losses).toEqual({ label: 'sparse_categorical_crossentropy', bbox: 'mse' });
    expect(d.lossWeights).toEqual({ label: 1, bbox: 0.5 });
    expect(d.metrics).toEqual(['accuracy', 'mae']);
    expect(d.learningRate).toBe(0.001);
  });

  it('falls back to Keras defaults for a model without compile()', () => {
    expect(compileDefaults({}, ['out'])).toMatchObject({ optimizer: 'RMSprop', learningRate: 0.001, losses: {}, metrics: [] });
  });
});

describe('the run config a form starts', () => {
  const defaults = compileDefaults(MNIST_CONFIG, ['dense_2']);

  it("overrides nothing the person left as the model's compile() has it", () => {
    const config = toRunConfig(newRunForm(defaults, ['dense_2'], 'mnist'), defaults, 'mnist_model', null);
    expect(config).toMatchObject({ model: 'mnist_model', dataset: 'mnist', optimizer: null, losses: null, lossWeights: null, metrics: null });
    expect(config.checkpoints).toEqual({ everyEpochs: null, best: { monitor: 'val_loss', mode: 'min' }, last: true });
  });

  it('sends what changed: the learning rate with its optimizer, a loss, metrics, callbacks', () => {
    const form = newRunForm(defaults, ['dense_2'], 'mnist');
    form.learningRate = 0.01;
    form.metrics = 'accuracy, mae, accuracy';
    form.earlyStopping.enabled = true;
    form.checkpoints.everyEnabled = true;
    form.checkpoints.everyEpochs = 2;
    form.name = '  lr 0.01 ';
    const config = toRunConfig(form, defaults, 'mnist_model', { inputs: { input: 'image' }, outputs: { dense_2: 'label' } });
    expect(config.name).toBe('lr 0.01');
    expect(config.optimizer).toEqual({ className: 'RMSprop', learningRate: 0.01 });
    expect(config.metrics).toEqual(['accuracy', 'mae']);
    expect(config.losses).toBeNull();
    expect(config.callbacks.earlyStopping).toEqual({ monitor: 'val_loss', patience: 3, restoreBestWeights: false });
    expect(config.checkpoints.everyEpochs).toBe(2);
    expect(config.mapping).toEqual({ inputs: { input: 'image' }, outputs: { dense_2: 'label' } });
  });

  it('names what stops a form from starting', () => {
    const form = newRunForm(compileDefaults({}, ['out']), ['out'], '');
    expect(runFormProblem(form)).toMatch(/Choose a dataset/);
    form.dataset = 'iris';
    expect(runFormProblem(form)).toMatch(/Output out has no loss/);
    form.losses.out = 'mse';
    form.batchSize = 0;
    expect(runFormProblem(form)).toMatch(/batch size .* it is 0/);
    form.batchSize = 8;
    expect(runFormProblem(form)).toBeNull();
  });

  it('reads metrics typed with commas and spaces', () => {
    expect(parseMetrics(' accuracy,,mae ,accuracy')).toEqual(['accuracy', 'mae']);
  });
});

describe('the device and precision a run trains with', () => {
  const defaults = compileDefaults(MNIST_CONFIG, ['dense_2']);

  it('trains on the CPU in float32 unless told otherwise', () => {
    const form = newRunForm(defaults, ['dense_2'], 'mnist');
    expect(toRunConfig(form, defaults, 'mnist_model', null)).toMatchObject({ device: 'cpu', precision: 'float32' });
  });

  it('keeps the precision chosen for a GPU, and drops it when the CPU is chosen again', () => {
    const form = { ...newRunForm(defaults, ['dense_2'], 'mnist'), device: 'cuda:0', precision: 'bf16' as const };
    expect(toRunConfig(form, defaults, 'mnist_model', null)).toMatchObject({ device: 'cuda:0', precision: 'bf16' });
    expect(toRunConfig({ ...form, device: 'cpu' }, defaults, 'mnist_model', null)).toMatchObject({ device: 'cpu', precision: 'float32' });
  });
});
