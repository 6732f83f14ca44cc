/**
 * Metrics as the native `metric` and `confusion` kernels compute them, with Keras' naming
 * and its rule for what plain `'accuracy'` means.
 */
import { ValueError } from '../graph/errors.js';
import type { LossSpec } from './losses.js';

export interface MetricSpec {
  /** The name in logs: `accuracy`, `sparse_categorical_accuracy`, `precision`, … */
  name: string;
  kernel: 'metric' | 'confusion';
  kind: number;
  k: number;
  /** How batch values combine over an epoch. */
  reduce: 'mean' | 'precision' | 'recall';
}

const KINDS = {
  sparse_categorical_accuracy: 0,
  categorical_accuracy: 1,
  binary_accuracy: 2,
  sparse_top_k_categorical_accuracy: 3,
  top_k_categorical_accuracy: 4,
  mae: 5,
  mse: 6,
} as const;

/**
 * Keras picks the accuracy from the loss and the output: sparse targets → sparse categorical,
 * one output unit (or binary cross-entropy) → binary, else categorical.
 */
function accuracyFor(loss: LossSpec | null, outputUnits: number): keyof typeof KINDS {
  if (loss?.sparseTargets) return 'sparse_categorical_accuracy';
  if (loss?.name === 'binary_crossentropy' || outputUnits === 1) return 'binary_accuracy';
  return 'categorical_accuracy';
}

export function metricSpec(name: string, loss: LossSpec | null, outputUnits: number): MetricSpec {
  const mean = (kind: keyof typeof KINDS, shown = name): MetricSpec => ({ name: shown, kernel: 'metric', kind: KINDS[kind], k: 5, reduce: 'mean' });
  switch (name) {
    case 'accuracy':
    case 'acc':
      return mean(accuracyFor(loss, outputUnits), name);
    case 'sparse_categorical_accuracy':
    case 'categorical_accuracy':
    case 'binary_accuracy':
    case 'sparse_top_k_categorical_accuracy':
    case 'top_k_categorical_accuracy':
      return mean(name);
    case 'mae':
    case 'mean_absolute_error':
      return mean('mae');
    case 'mse':
    case 'mean_squared_error':
      return mean('mse');
    case 'precision':
    case 'recall':
      return { name, kernel: 'confusion', kind: 0, k: 0, reduce: name };
    default:
      throw new ValueError(`The metric "${name}" has no kernel yet; available: accuracy, the *_accuracy metrics, mae, mse, precision, recall.`);
  }
}
