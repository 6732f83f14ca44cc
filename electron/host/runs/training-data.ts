/**
 * Which arrays a run trains and validates on: the dataset's fields fed to the model's inputs
 * and outputs by the run's mapping, each reshaped to what its input expects when only the
 * layout differs (28×28 images into a 784-wide input, as Keras users flatten them).
 */
import type { FieldMapping, RunConfig } from '../../../shared/ipc/index.js';
import { sliceRows, type HostTensor } from '../../engine/data/index.js';
import type { Functional } from '../../engine/graph/functional.js';
import type { Shape } from '../../engine/graph/shape.js';
import { inputFeed } from '../datasets/fit.js';

type FieldTensors = Record<string, HostTensor>;

export interface FedSplit {
  /** The dataset's split the samples come from, and the index of the first one in it. */
  split: string;
  offset: number;
  x: Record<string, HostTensor>;
  y: Record<string, HostTensor>;
}

export interface FedData {
  train: FedSplit;
  /** The dataset's own validation split; null when there is none or the run carves its own. */
  validation: FedSplit | null;
  /** What fit() holds out of `train` (Keras' validationSplit): the run's, when the dataset has no validation split. */
  validationSplit: number;
  /** Where a classifier's confusion matrix is counted: the validation samples, else the test split. */
  evaluation: FedSplit | null;
}

const show = (shape: ReadonlyArray<number | null>) => `(${shape.map((d) => d ?? 'None').join(', ')})`;

/** A field's tensor in the per-sample shape `want` (the model's, without the batch axis). */
function fitTo(t: HostTensor, want: ReadonlyArray<number | null>, where: string): HostTensor {
  const have = t.shape.slice(1);
  switch (inputFeed(want, have)) {
    case 'as-is':
      return t;
    case 'reshaped':
      return { ...t, shape: [t.shape[0]!, ...(want as number[])] };
    default:
      throw new Error(`${where} expects samples of shape ${show(want)}; the dataset's field has samples of shape ${show(have)}.`);
  }
}

function field(split: FieldTensors, name: string, splitName: string, where: string): HostTensor {
  const t = split[name];
  if (!t) throw new Error(`${where} is fed from field "${name}", which split "${splitName}" of the dataset does not have (it has ${Object.keys(split).join(', ') || 'no fields'}).`);
  return t;
}

function feed(model: Functional, mapping: FieldMapping, split: FieldTensors, splitName: string): FedSplit {
  const x: Record<string, HostTensor> = {};
  model.inputNames.forEach((name, i) => {
    const where = `Input "${name}"`;
    const fieldName = mapping.inputs[name];
    if (fieldName === undefined) throw new Error(`${where} of model "${model.name}" is fed from no dataset field; map it in the run form.`);
    x[name] = fitTo(field(split, fieldName, splitName, where), (model.inputs[i]!.shape as Shape).slice(1), where);
  });
  const y: Record<string, HostTensor> = {};
  for (const name of model.outputNames) {
    const fieldName = mapping.outputs[name];
    if (fieldName === undefined) throw new Error(`Output "${name}" of model "${model.name}" is fed from no dataset field; map it in the run form.`);
    y[name] = field(split, fieldName, splitName, `Output "${name}"`);
  }
  return { split: splitName, offset: 0, x, y };
}

const samples = (split: FieldTensors | undefined) => (split ? (Object.values(split)[0]?.shape[0] ?? 0) : 0);

/** The last `fraction` of a fed split, as fit()'s validationSplit holds it out. */
function heldOut(fed: FedSplit, fraction: number): FedSplit {
  const n = Object.values(fed.x)[0]!.shape[0]!;
  const cut = Math.floor(n * (1 - fraction));
  const map = (r: Record<string, HostTensor>) => Object.fromEntries(Object.entries(r).map(([k, t]) => [k, sliceRows(t, cut, n)]));
  return { split: fed.split, offset: cut, x: map(fed.x), y: map(fed.y) };
}

export function feedData(model: Functional, mapping: FieldMapping, splits: Record<string, FieldTensors>, config: RunConfig): FedData {
  if (!splits.train || samples(splits.train) === 0) throw new Error(`The dataset "${config.dataset}" has no training samples (no "train" split, or an empty one).`);
  const train = feed(model, mapping, splits.train, 'train');
  const ownValidation = config.validationSplit === 0 && samples(splits.validation) > 0;
  const validation = ownValidation ? feed(model, mapping, splits.validation!, 'validation') : null;
  const evaluation =
    validation ??
    (config.validationSplit > 0 ? heldOut(train, config.validationSplit)
    : samples(splits.test) > 0 ? feed(model, mapping, splits.test!, 'test')
    : null);
  return { train, validation, validationSplit: ownValidation ? 0 : config.validationSplit, evaluation };
}
