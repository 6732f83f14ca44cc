/**
 * A dataset: named splits (`train`, `test`, …), each holding named feature tensors (model
 * inputs) and named target tensors (what the model should output), all with the same number
 * of samples on axis 0; plus metadata for people (name, description, class names, source).
 */
import { describeTensor, gatherRows, sampleCount, sliceRows, type HostTensor } from './host-tensor.js';
import { Random } from '../tensor/random.js';

export interface DatasetSplit {
  /** Model inputs by name (`image`, `measurements`, …). */
  features: Record<string, HostTensor>;
  /** Targets by name (`label`, …). */
  targets: Record<string, HostTensor>;
}

export interface DatasetMetadata {
  /** Short id, such as `mnist`. */
  name: string;
  /** One or two sentences for people. */
  description: string;
  /** Class index → class name, for classification targets whose classes are known. */
  classNames?: string[];
  /** Where the data came from (package, path, citation). */
  source?: string;
}

export interface Dataset<S extends string = string> {
  metadata: DatasetMetadata;
  splits: Record<S, DatasetSplit>;
}

function tensorsOf(split: DatasetSplit): Array<[string, HostTensor]> {
  return [
    ...Object.entries(split.features).map(([k, t]): [string, HostTensor] => [`features.${k}`, t]),
    ...Object.entries(split.targets).map(([k, t]): [string, HostTensor] => [`targets.${k}`, t]),
  ];
}

/** Samples in a split; throws when its tensors disagree. */
export function splitSize(split: DatasetSplit): number {
  const tensors = tensorsOf(split);
  if (tensors.length === 0) return 0;
  const [firstName, first] = tensors[0]!;
  const n = sampleCount(first);
  for (const [name, t] of tensors) {
    if (sampleCount(t) !== n) {
      throw new RangeError(`dataset split: expected every tensor to hold ${n} samples (as ${firstName}: ${describeTensor(first)} does), received ${name}: ${describeTensor(t)}`);
    }
  }
  return n;
}

/** A dataset, checked: every split's tensors agree on their sample count. */
export function makeDataset<S extends string>(metadata: DatasetMetadata, splits: Record<S, DatasetSplit>): Dataset<S> {
  for (const [name, split] of Object.entries(splits) as Array<[string, DatasetSplit]>) {
    try {
      splitSize(split);
    } catch (error) {
      throw new RangeError(`dataset '${metadata.name}', split '${name}': ${(error as Error).message}`);
    }
  }
  return { metadata, splits };
}

/** A split by name, with a clear error when the dataset has no such split. */
export function getSplit(dataset: Dataset, name: string): DatasetSplit {
  const split = (dataset.splits as Record<string, DatasetSplit | undefined>)[name];
  if (!split) {
    throw new RangeError(`dataset '${dataset.metadata.name}': expected a split named one of ${Object.keys(dataset.splits).map((s) => `'${s}'`).join(', ')}, received '${name}'`);
  }
  return split;
}

/**
 * The single feature and single target of a split, as `x` and `y` (for `fit(x, y)`); throws
 * when the split has more than one of either.
 */
export function xy(split: DatasetSplit): { x: HostTensor; y: HostTensor } {
  const features = Object.values(split.features);
  const targets = Object.values(split.targets);
  if (features.length !== 1 || targets.length !== 1) {
    throw new RangeError(
      `xy: expected one feature and one target, received features [${Object.keys(split.features).join(', ')}] and targets [${Object.keys(split.targets).join(', ')}]; pick them by name instead`,
    );
  }
  return { x: features[0]!, y: targets[0]! };
}

function mapSplit(split: DatasetSplit, f: (t: HostTensor) => HostTensor): DatasetSplit {
  const map = (record: Record<string, HostTensor>) => Object.fromEntries(Object.entries(record).map(([k, t]) => [k, f(t)]));
  return { features: map(split.features), targets: map(split.targets) };
}

/** The samples at `indices` (copied), in that order. */
export function gatherSplit(split: DatasetSplit, indices: ArrayLike<number>): DatasetSplit {
  return mapSplit(split, (t) => gatherRows(t, indices));
}

/** Samples `start` … `end - 1` (views that share memory with `split`). */
export function sliceSplit(split: DatasetSplit, start: number, end?: number): DatasetSplit {
  return mapSplit(split, (t) => sliceRows(t, start, end));
}

/** The split's samples in a random order fixed by `seed` (copied). */
export function shuffleSplit(split: DatasetSplit, seed: number): DatasetSplit {
  return gatherSplit(split, new Random(seed).permutation(splitSize(split)));
}
