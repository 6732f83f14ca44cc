/**
 * Losses as the native `loss` kernel computes them (native/src/kernels/loss.cc): a kind code,
 * whether predictions are logits, and the loss's parameter (Huber's delta, label smoothing).
 */
import type { ObjectSpec } from '../graph/compile-config.js';
import { ValueError } from '../graph/errors.js';

export interface LossSpec {
  /** Keras' function name, used in messages. */
  name: string;
  kind: number;
  fromLogits: boolean;
  param: number;
  /** Sparse losses take integer class indices, one per row. */
  sparseTargets: boolean;
}

const KINDS: Record<string, number> = {
  mean_squared_error: 0,
  mean_absolute_error: 1,
  huber: 2,
  binary_crossentropy: 3,
  categorical_crossentropy: 4,
  sparse_categorical_crossentropy: 5,
  kl_divergence: 6,
  cosine_similarity: 7,
};

const CLASS_TO_NAME: Record<string, string> = {
  MeanSquaredError: 'mean_squared_error',
  MeanAbsoluteError: 'mean_absolute_error',
  Huber: 'huber',
  BinaryCrossentropy: 'binary_crossentropy',
  CategoricalCrossentropy: 'categorical_crossentropy',
  SparseCategoricalCrossentropy: 'sparse_categorical_crossentropy',
  KLDivergence: 'kl_divergence',
  CosineSimilarity: 'cosine_similarity',
};

/** A compile() loss (a name or a class spec with options) as the kernel takes it. */
export function lossSpec(loss: string | ObjectSpec): LossSpec {
  const name = typeof loss === 'string' ? loss : CLASS_TO_NAME[loss.className];
  const kind = name === undefined ? undefined : KINDS[name];
  if (name === undefined || kind === undefined) throw new ValueError(`No kernel for loss ${JSON.stringify(loss)}.`);
  const c = typeof loss === 'string' ? {} : loss.config;
  const param = name === 'huber' ? Number(c.delta ?? 1) : Number(c.label_smoothing ?? 0);
  if (c.ignore_class !== undefined && c.ignore_class !== null) {
    throw new ValueError(`SparseCategoricalCrossentropy's ignore_class is not supported; received ${JSON.stringify(c.ignore_class)}.`);
  }
  return { name, kind, fromLogits: Boolean(c.from_logits ?? false), param, sparseTargets: name === 'sparse_categorical_crossentropy' };
}
