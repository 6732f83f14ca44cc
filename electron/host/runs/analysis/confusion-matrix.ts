/**
 * A classifier's confusion matrix on a split: how often each true class was predicted as each
 * class, and every sample's prediction (the matrix's cells click through to their samples).
 */
import type { Functional } from '../../../engine/graph/functional.js';
import type { HostTensor } from '../../../engine/data/host-tensor.js';
import type { Trainer } from '../../../engine/training/trainer.js';
import type { ConfusionMatrix } from '../../../../shared/ipc/training-schemas.js';

/** The class count of a model that classifies: one output of shape (None, C), C > 1; else null. */
function classCount(model: Functional): number | null {
  if (model.outputs.length !== 1) return null;
  const shape = model.outputs[0]!.shape;
  const classes = shape[1];
  return shape.length === 2 && typeof classes === 'number' && classes > 1 ? classes : null;
}

/** Each row's largest entry (the first of equals). */
function argmaxRows(values: ArrayLike<number>, classes: number): Int32Array {
  const out = new Int32Array(values.length / classes);
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (values[i * classes + c]! > values[i * classes + best]!) best = c;
    out[i] = best;
  }
  return out;
}

/** The true class of each sample from class indices `[N]` (or `[N, 1]`) or one-hot rows `[N, C]`. */
function trueClasses(y: HostTensor, classes: number, where: string): Int32Array {
  const n = y.shape[0] ?? 0;
  const row = y.shape.slice(1).reduce((a, d) => a * d, 1);
  if (y.shape.length === 0 || (row !== 1 && row !== classes)) {
    throw new Error(`${where}: expected labels as class indices [N] or one-hot rows [N, ${classes}]; received shape [${y.shape.join(', ')}].`);
  }
  const labels = row === 1 ? Int32Array.from(y.data) : argmaxRows(y.data, classes);
  const bad = labels.findIndex((c, i) => c < 0 || c >= classes || (row === 1 && c !== y.data[i]));
  if (bad >= 0) {
    throw new Error(`${where}: expected class indices from 0 to ${classes - 1}; sample ${bad} of ${n} has label ${y.data[bad]}.`);
  }
  return labels;
}

/**
 * Counts (row-major, rows the true classes) of `trainer`'s predictions on `x` against `y`;
 * null when the model is not a classifier over `classNames`: one output of one unit per class.
 */
export function confusionMatrix(
  trainer: Trainer,
  model: Functional,
  x: Record<string, HostTensor>,
  y: HostTensor,
  classNames: string[],
  split: string,
): { matrix: ConfusionMatrix; predicted: Int32Array } | null {
  const classes = classCount(model);
  if (classes === null || classes !== classNames.length) return null;
  const actual = trueClasses(y, classes, `The ${split} labels of model "${model.name}"`);
  const predicted = argmaxRows(trainer.predict(x)[0]!.data, classes);
  if (predicted.length !== actual.length) {
    throw new Error(`The ${split} split of model "${model.name}" has ${predicted.length} input samples but ${actual.length} labels; expected as many of each.`);
  }
  const counts = new Int32Array(classes * classes);
  for (let i = 0; i < actual.length; i++) counts[actual[i]! * classes + predicted[i]!]!++;
  return { matrix: { split, classNames, counts }, predicted };
}
