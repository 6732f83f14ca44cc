/**
 * Samples as the preview draws them: images back in 8-bit pixels (the feature scaling undone,
 * then clamped), rows as a record of column → value (categories as their text), and the
 * label as its class name.
 */
import { rowSize, type HostTensor } from '../../engine/data/index.js';
import type { DatasetSample } from '../../../shared/ipc/index.js';
import type { PreparedDataset, Scaling } from './prepare.js';

/** float32 arithmetic (and undoing a standardization) leaves 5.1 as 5.0999999; six significant digits show what was written. */
const shown = (value: number): number => Number(value.toPrecision(6));

function unscale(value: number, position: number, scaling: Scaling): number {
  if (scaling.kind === 'unit') return value * 255;
  if (scaling.kind === 'standardize') return value * scaling.std[position]! + scaling.mean[position]!;
  return value;
}

function classOf(labels: HostTensor, index: number, oneHot: boolean): number {
  if (!oneHot) return labels.data[index]!;
  const width = rowSize(labels);
  let best = 0;
  for (let k = 1; k < width; k++) if (labels.data[index * width + k]! > labels.data[index * width + best]!) best = k;
  return best;
}

function labelText(dataset: PreparedDataset, split: Record<string, HostTensor>, index: number): string | null {
  if (!dataset.label) return null;
  const labels = split[dataset.label]!;
  const names = dataset.info.classNames;
  if (names) return names[classOf(labels, index, dataset.oneHot)] ?? null;
  const width = rowSize(labels);
  return Array.from(labels.data.subarray(index * width, (index + 1) * width), (v) => `${shown(v)}`).join(', ');
}

function imageOf(features: HostTensor, index: number, scaling: Scaling): NonNullable<DatasetSample['image']> {
  const [height, width, channels = 1] = features.shape.slice(1) as [number, number, number?];
  const size = height * width * channels;
  const pixels = new Uint8Array(size);
  for (let i = 0; i < size; i++) pixels[i] = Math.min(255, Math.max(0, Math.round(unscale(features.data[index * size + i]!, i, scaling))));
  return { height, width, channels, pixels };
}

function rowOf(features: HostTensor, index: number, scaling: Scaling, columns: string[], categories: Record<number, string[]>): Record<string, number | string> {
  const width = rowSize(features);
  const row: Record<string, number | string> = {};
  for (let j = 0; j < width; j++) {
    const value = unscale(features.data[index * width + j]!, j, scaling);
    const names = categories[j];
    row[columns[j] ?? `${j}`] = names ? (names[Math.round(value)] ?? shown(value)) : shown(value);
  }
  return row;
}

/** The samples of `split` at `indices`. */
export function samplesOf(dataset: PreparedDataset, splitName: string, indices: readonly number[]): DatasetSample[] {
  const split = dataset.splits[splitName];
  if (!split) {
    throw new Error(`Dataset "${dataset.info.name}" has no split "${splitName}"; expected one of ${Object.keys(dataset.splits).map((s) => `"${s}"`).join(', ')}.`);
  }
  const size = dataset.info.splits.find((s) => s.name === splitName)!.size;
  const view = dataset.view;
  const features = split[view.field]!;
  const scaling = dataset.scaling[view.field] ?? { kind: 'none' };
  return indices.map((index) => {
    if (!Number.isInteger(index) || index < 0 || index >= size) {
      throw new RangeError(`Dataset "${dataset.info.name}", split "${splitName}": expected sample indices in [0, ${size}), received ${index}.`);
    }
    return {
      index,
      label: labelText(dataset, split, index),
      image: view.kind === 'image' ? imageOf(features, index, scaling) : null,
      row: view.kind === 'row' ? rowOf(features, index, scaling, view.columns, view.categories) : null,
    };
  });
}
