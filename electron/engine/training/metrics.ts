/**
 * Metrics as the native `metric`, `confusion` and `auc_counts` kernels compute them, with
 * Keras' naming and its rule for what plain `'accuracy'` means. Mean metrics are batch sums
 * divided by the rows seen; precision, recall and AUC are computed from counts summed over
 * the epoch, as Keras' stateful metrics do.
 */
import { ValueError } from '../graph/errors.js';
import type { LossSpec } from './losses.js';

export interface MetricSpec {
  /** The name in logs: `accuracy`, `sparse_categorical_accuracy`, `precision`, … */
  name: string;
  kernel: 'metric' | 'confusion' | 'auc_counts';
  kind: number;
  k: number;
  /** Plan scalars the kernel writes per batch. */
  counts: number;
  /** How batch values combine over an epoch. */
  reduce: 'mean' | 'precision' | 'recall' | 'auc';
}

/** Keras' AUC default: thresholds 0-ε, 1/199, …, 198/199, 1+ε. */
export const AUC_THRESHOLDS = 200;

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
  const mean = (kind: keyof typeof KINDS, shown = name): MetricSpec => ({ name: shown, kernel: 'metric', kind: KINDS[kind], k: 5, counts: 1, reduce: 'mean' });
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
      return { name, kernel: 'confusion', kind: 0, k: 0, counts: 3, reduce: name };
    case 'auc':
      return { name, kernel: 'auc_counts', kind: 0, k: 0, counts: 2 * AUC_THRESHOLDS + 2, reduce: 'auc' };
    default:
      throw new ValueError(`Unknown metric "${name}": expected accuracy, an *_accuracy metric, mae, mse, precision, recall or auc.`);
  }
}

/**
 * The epoch's value of a counted metric. Confusion counts are [tp, fp, fn]; AUC counts are
 * true positives at each threshold, false positives at each, then all positives and all
 * negatives. AUC is the ROC curve's area by the trapezoid rule (Keras' 'interpolation').
 */
export function countedValue(m: MetricSpec, c: number[]): number {
  if (m.reduce === 'precision') return c[0]! / Math.max(c[0]! + c[1]!, 1e-7);
  if (m.reduce === 'recall') return c[0]! / Math.max(c[0]! + c[2]!, 1e-7);
  const t = AUC_THRESHOLDS;
  const positives = c[2 * t]!;
  const negatives = c[2 * t + 1]!;
  const recall = (j: number) => (positives > 0 ? c[j]! / positives : 0);
  const falsePositiveRate = (j: number) => (negatives > 0 ? c[t + j]! / negatives : 0);
  let area = 0;
  for (let j = 0; j < t - 1; j++) area += (falsePositiveRate(j) - falsePositiveRate(j + 1)) * ((recall(j) + recall(j + 1)) / 2);
  return area;
}
