/**
 * Preprocessing, in the order a definition's options apply: shuffle the training split (when
 * a seed is given), carve a test split (when the source has none) and then a validation split
 * from its end, scale the features with statistics of the training split only, and turn
 * class labels into one-hot rows. The source's buffers are owned here and scaled in place.
 */
import { gatherRows, Random, sampleCount, sliceRows, type HostTensor } from '../../engine/data/index.js';
import type { DatasetDefinition, DatasetField, DatasetInfo } from '../../../shared/ipc/index.js';
import type { FieldTensors, SampleView, SourceData } from './sources/index.js';

/** How a feature field was scaled, so that the preview can draw it in source units again. */
export type Scaling = { kind: 'none' } | { kind: 'unit' } | { kind: 'standardize'; mean: Float32Array; std: Float32Array };

export interface PreparedDataset {
  info: DatasetInfo;
  splits: Record<string, FieldTensors>;
  view: SampleView;
  label: string | null;
  /** Whether the label field holds one-hot rows. */
  oneHot: boolean;
  scaling: Record<string, Scaling>;
  /** Memory the splits hold (shared buffers counted once). */
  bytes: number;
}

const SPLIT_ORDER = ['train', 'validation', 'test'];
const PIXEL_MAX = 255;

function mapFields(split: FieldTensors, f: (t: HostTensor) => HostTensor): FieldTensors {
  return Object.fromEntries(Object.entries(split).map(([name, t]) => [name, f(t)]));
}

function sizeOf(split: FieldTensors): number {
  const first = Object.values(split)[0];
  return first ? sampleCount(first) : 0;
}

/** The split less its last `fraction` of samples, and those samples (views, no copies). */
function carve(split: FieldTensors, fraction: number): [FieldTensors, FieldTensors] {
  const n = sizeOf(split);
  const at = n - Math.floor(n * fraction);
  return [mapFields(split, (t) => sliceRows(t, 0, at)), mapFields(split, (t) => sliceRows(t, at))];
}

function standardizer(train: HostTensor): { mean: Float32Array; std: Float32Array } {
  const n = sampleCount(train);
  const width = n === 0 ? 0 : train.data.length / n;
  const sum = new Float64Array(width);
  const squares = new Float64Array(width);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < width; j++) {
      const v = train.data[r * width + j]!;
      sum[j] = sum[j]! + v;
      squares[j] = squares[j]! + v * v;
    }
  }
  const mean = new Float32Array(width);
  const std = new Float32Array(width);
  for (let j = 0; j < width; j++) {
    const m = n > 0 ? sum[j]! / n : 0;
    const variance = n > 0 ? Math.max(squares[j]! / n - m * m, 0) : 0;
    mean[j] = m;
    // A constant feature (a blank image border) stays at zero instead of dividing by zero.
    std[j] = variance > 0 ? Math.sqrt(variance) : 1;
  }
  return { mean, std };
}

function applyScaling(t: HostTensor, scaling: Scaling): void {
  const data = t.data as Float32Array;
  if (scaling.kind === 'unit') {
    for (let i = 0; i < data.length; i++) data[i] = data[i]! / PIXEL_MAX;
  } else if (scaling.kind === 'standardize') {
    const width = scaling.mean.length;
    for (let i = 0; i < data.length; i++) {
      const j = i % width;
      data[i] = (data[i]! - scaling.mean[j]!) / scaling.std[j]!;
    }
  }
}

function oneHot(labels: HostTensor, classes: number): HostTensor<'float32'> {
  const n = sampleCount(labels);
  const out = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) out[i * classes + labels.data[i]!] = 1;
  return { shape: [n, classes], dtype: 'float32', data: out };
}

function classCounts(labels: HostTensor, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.data.length; i++) {
    const k = labels.data[i]!;
    if (k >= 0 && k < classes) counts[k]!++;
  }
  return counts;
}

function uniqueBytes(splits: Record<string, FieldTensors>): number {
  const buffers = new Set<ArrayBufferLike>();
  for (const split of Object.values(splits)) for (const t of Object.values(split)) buffers.add(t.data.buffer);
  let bytes = 0;
  for (const buffer of buffers) bytes += buffer.byteLength;
  return bytes;
}

export function prepare(definition: DatasetDefinition, source: SourceData): PreparedDataset {
  const { splits: fractions, preprocessing } = definition;
  const where = `dataset "${definition.name}"`;
  const splits: Record<string, FieldTensors> = { ...source.splits };
  let train = splits['train'];
  if (!train) throw new Error(`${where}: expected the source to give a train split, received splits ${Object.keys(splits).join(', ') || '(none)'}`);

  if (preprocessing.shuffleSeed !== null) {
    const order = new Random(preprocessing.shuffleSeed).permutation(sizeOf(train));
    train = mapFields(train, (t) => gatherRows(t, order));
  }
  if (!splits['test'] && fractions.test > 0) [train, splits['test']] = carve(train, fractions.test);
  if (fractions.validation > 0) [train, splits['validation']] = carve(train, fractions.validation);
  splits['train'] = train;

  const scaling: Record<string, Scaling> = {};
  for (const field of source.features) {
    const kind = preprocessing.scale;
    scaling[field] = kind === 'standardize' ? { kind, ...standardizer(train[field]!) } : { kind };
    for (const split of Object.values(splits)) applyScaling(split[field]!, scaling[field]!);
  }

  const classNames = source.classNames;
  const label = source.label;
  const counts: Record<string, number[]> | null = classNames && label ? {} : null;
  if (counts && classNames && label) for (const [name, split] of Object.entries(splits)) counts[name] = classCounts(split[label]!, classNames.length);
  if (preprocessing.oneHot) {
    if (!label) throw new Error(`${where}: one-hot labels need a label column, and the source has none`);
    if (!classNames) throw new Error(`${where}: one-hot labels need class labels; the label field holds numbers (a regression target): read its column as a category, or turn one-hot off`);
    for (const split of Object.values(splits)) split[label] = oneHot(split[label]!, classNames.length);
  }

  const ordered = Object.keys(splits).sort((a, b) => rank(a) - rank(b));
  const labelFields = [...(label ? [label] : []), ...(source.targets ?? [])];
  const fields: DatasetField[] = [...source.features, ...labelFields].map((name) => ({
    name,
    dtype: train[name]!.dtype === 'int32' ? 'int32' : 'float32',
    shape: train[name]!.shape.slice(1),
    role: labelFields.includes(name) ? 'label' : 'feature',
  }));
  const orderedSplits = Object.fromEntries(ordered.map((name) => [name, splits[name]!]));
  return {
    info: {
      name: definition.name,
      fields,
      splits: ordered.map((name) => ({ name, size: sizeOf(splits[name]!) })),
      classNames: classNames ? [...classNames] : null,
      classCounts: counts,
      available: true,
      problem: null,
    },
    splits: orderedSplits,
    view: source.view,
    label,
    oneHot: preprocessing.oneHot,
    scaling,
    bytes: uniqueBytes(orderedSplits),
  };
}

function rank(split: string): number {
  const i = SPLIT_ORDER.indexOf(split);
  return i < 0 ? SPLIT_ORDER.length : i;
}
