/**
 * The run form's state and the run config it starts. The form shows the model's compile()
 * choices; only what the person changed goes into the config as an override, so a loss
 * compiled with options (`fromLogits`) the form cannot show is kept as the model wrote it.
 */
import type { FieldMapping, RunConfig } from '../../../shared/ipc/index.js';
import { PRECISIONS } from '../../../shared/devices.js';

export { PRECISIONS };
import type { CompileDefaults } from './compile-defaults.js';

export const OPTIMIZERS = ['SGD', 'Adam', 'AdamW', 'RMSprop', 'Adagrad', 'Adadelta', 'Adamax', 'Nadam'] as const;
export const LOSSES = ['sparse_categorical_crossentropy', 'categorical_crossentropy', 'binary_crossentropy', 'mse', 'mae', 'huber'] as const;
export const METRICS = ['accuracy', 'sparse_categorical_accuracy', 'categorical_accuracy', 'binary_accuracy', 'mae', 'mse'] as const;

export interface RunForm {
  name: string;
  dataset: string;
  optimizer: string;
  learningRate: number;
  losses: Record<string, string>;
  lossWeights: Record<string, number>;
  /** Comma-separated, as typed. */
  metrics: string;
  epochs: number;
  batchSize: number;
  validationSplit: number;
  seed: number;
  /** `cpu` or `cuda:N`. */
  device: string;
  precision: (typeof PRECISIONS)[number];
  earlyStopping: { enabled: boolean; monitor: string; patience: number; restoreBestWeights: boolean };
  reduceLr: { enabled: boolean; monitor: string; factor: number; patience: number };
  checkpoints: { everyEnabled: boolean; everyEpochs: number; bestEnabled: boolean; monitor: string; mode: 'min' | 'max'; last: boolean };
}

export function newRunForm(defaults: CompileDefaults, outputs: string[], dataset: string): RunForm {
  return {
    name: '',
    dataset,
    optimizer: defaults.optimizer,
    learningRate: defaults.learningRate,
    losses: Object.fromEntries(outputs.map((o) => [o, defaults.losses[o] ?? ''])),
    lossWeights: Object.fromEntries(outputs.map((o) => [o, defaults.lossWeights[o] ?? 1])),
    metrics: defaults.metrics.join(', '),
    epochs: 5,
    batchSize: 32,
    validationSplit: 0.1,
    seed: 1,
    device: 'cpu',
    precision: 'float32',
    earlyStopping: { enabled: false, monitor: 'val_loss', patience: 3, restoreBestWeights: false },
    reduceLr: { enabled: false, monitor: 'val_loss', factor: 0.1, patience: 5 },
    checkpoints: { everyEnabled: false, everyEpochs: 1, bestEnabled: true, monitor: 'val_loss', mode: 'min', last: true },
  };
}

export function parseMetrics(text: string): string[] {
  return [...new Set(text.split(',').map((m) => m.trim()).filter((m) => m !== ''))];
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** What is wrong with the form, for a person, or null when it can start. */
export function runFormProblem(form: RunForm): string | null {
  if (!form.dataset) return 'Choose a dataset: add one in the Datasets view first.';
  if (!(form.learningRate > 0)) return `The learning rate must be above 0; it is ${form.learningRate}.`;
  if (!Number.isInteger(form.epochs) || form.epochs < 1) return `Epochs must be a whole number of at least 1; it is ${form.epochs}.`;
  if (!Number.isInteger(form.batchSize) || form.batchSize < 1) return `The batch size must be a whole number of at least 1; it is ${form.batchSize}.`;
  if (!(form.validationSplit >= 0 && form.validationSplit <= 0.9)) return `The validation split must be between 0 and 0.9; it is ${form.validationSplit}.`;
  const missing = Object.entries(form.losses).filter(([, loss]) => loss.trim() === '').map(([o]) => o);
  if (missing.length > 0) return `Output ${missing.join(', ')} has no loss: name one (the model's compile() gives none).`;
  return null;
}

/** The config a run starts with; `mapping` feeds a multi-input/output model's fields (null: by name). */
export function toRunConfig(form: RunForm, defaults: CompileDefaults, model: string, mapping: FieldMapping | null): RunConfig {
  const changedLosses = Object.fromEntries(Object.entries(form.losses).filter(([o, loss]) => loss !== (defaults.losses[o] ?? '')));
  const weightsChanged = Object.entries(form.lossWeights).some(([o, w]) => w !== (defaults.lossWeights[o] ?? 1));
  const metrics = parseMetrics(form.metrics);
  const optimizerChanged = form.optimizer !== defaults.optimizer || form.learningRate !== defaults.learningRate;
  const c = form.checkpoints;
  return {
    ...(form.name.trim() ? { name: form.name.trim() } : {}),
    model,
    dataset: form.dataset,
    mapping,
    optimizer: optimizerChanged ? { className: form.optimizer, learningRate: form.learningRate } : null,
    losses: Object.keys(changedLosses).length > 0 ? changedLosses : null,
    lossWeights: weightsChanged ? { ...form.lossWeights } : null,
    metrics: sameList(metrics, defaults.metrics) ? null : metrics,
    epochs: form.epochs,
    batchSize: form.batchSize,
    validationSplit: form.validationSplit,
    seed: form.seed,
    device: form.device,
    precision: form.device === 'cpu' ? 'float32' : form.precision,
    callbacks: {
      earlyStopping: form.earlyStopping.enabled
        ? { monitor: form.earlyStopping.monitor, patience: form.earlyStopping.patience, restoreBestWeights: form.earlyStopping.restoreBestWeights }
        : null,
      reduceLrOnPlateau: form.reduceLr.enabled ? { monitor: form.reduceLr.monitor, factor: form.reduceLr.factor, patience: form.reduceLr.patience } : null,
    },
    checkpoints: {
      everyEpochs: c.everyEnabled ? c.everyEpochs : null,
      best: c.bestEnabled ? { monitor: c.monitor, mode: c.mode } : null,
      last: c.last,
    },
  };
}
