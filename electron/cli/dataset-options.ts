/** The `--data` and numeric options that train, evaluate and predict share. */
import { datasets } from '../engine/data/index.js';
import type { Dataset } from '../engine/data/dataset.js';
import type { HostTensor } from '../engine/data/host-tensor.js';
import type { Functional } from '../engine/graph/functional.js';
import type { ArrayData } from '../engine/training/data-adapter.js';
import type { OptionSpec } from './command.js';
import { UsageError } from './errors.js';
import { inputFeed } from '../host/datasets/fit.js';

export const DATASETS = ['mnist', 'fashion-mnist', 'iris', 'xor', 'spirals', 'blobs', 'circles'] as const;

export const DATA_OPTION: OptionSpec = { name: 'data', type: 'string', value: 'name', description: `the dataset: ${DATASETS.join(', ')}` };
export const BATCH_SIZE_OPTION: OptionSpec = { name: 'batch-size', type: 'string', value: 'n', description: 'samples per batch (default 32)' };
export const SPLIT_OPTION: OptionSpec = { name: 'split', type: 'string', value: 'name', description: "the dataset's split: test (default) or train" };

export type SplitName = 'train' | 'test';
type Split = Dataset<SplitName>['splits'][SplitName];

export function loadDataset(name: unknown): Dataset<SplitName> {
  if (typeof name !== 'string') throw new UsageError(`--data is required: one of ${DATASETS.join(', ')}.`);
  switch (name) {
    case 'mnist':
      return datasets.mnist() as Dataset<SplitName>;
    case 'fashion-mnist':
      return datasets.fashionMnist() as Dataset<SplitName>;
    case 'iris':
      return datasets.iris() as Dataset<SplitName>;
    case 'xor':
    case 'spirals':
    case 'blobs':
    case 'circles':
      return datasets.toy(name) as Dataset<SplitName>;
    default:
      throw new UsageError(`--data must be one of ${DATASETS.join(', ')}; received "${name}".`);
  }
}

/** The split `--split` names (test by default). */
export function datasetSplit(data: Dataset<SplitName>, name: unknown, dataName: string): Split {
  const which = name === undefined ? 'test' : name;
  if (which !== 'train' && which !== 'test') throw new UsageError(`--split must be train or test; received "${String(name)}".`);
  const split = data.splits[which];
  if (!split) throw new UsageError(`The ${dataName} dataset has no ${which} split.`);
  return split;
}

/** A dataset array reshaped to a model input's per-sample shape when the sizes agree (images to 784, to 28x28x1). */
function fitTo(t: HostTensor, shape: Array<number | null>, where: string): ArrayData {
  const n = t.shape[0]!;
  const want = shape.slice(1);
  const have = t.shape.slice(1);
  const feed = inputFeed(want, have);
  if (feed === 'as-is') return t;
  if (feed === 'reshaped') return { shape: [n, ...(want as number[])], data: t.data };
  throw new UsageError(
    `${where}: the model expects samples of shape (${want.map((d) => d ?? 'None').join(', ')}), the dataset has (${have.join(', ')}).`,
  );
}

/** The split's features in the model's input order and shapes. */
export function modelInputs(model: Functional, split: Split): ArrayData[] {
  const features = Object.values(split.features);
  if (features.length !== model.inputs.length) {
    throw new UsageError(`The model takes ${model.inputs.length} input(s) (${model.inputNames.join(', ')}); the dataset has ${features.length} feature array(s).`);
  }
  return model.inputs.map((t, i) => fitTo(features[i]!, t.shape, `Input "${model.inputNames[i]}"`));
}

export function modelTargets(split: Split): ArrayData[] {
  return Object.values(split.targets) as ArrayData[];
}

export function numberOption(value: unknown, name: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < 0) {
    throw new UsageError(`--${name} takes ${integer ? 'a whole number' : 'a number'}; received "${String(value)}".`);
  }
  return n;
}

export function batchSize(options: Record<string, unknown>): number {
  const n = numberOption(options['batch-size'], 'batch-size', true) ?? 32;
  if (n < 1) throw new UsageError(`--batch-size must be at least 1; received ${n}.`);
  return n;
}
