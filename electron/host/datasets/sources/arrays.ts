/**
 * Array sources: IDX files (images and labels), NPY files (x and y) and NPZ archives (members
 * x and y). Samples of rank 2, or rank 3 with 1 or 3 channels, are images; others are rows.
 * Integer labels are class indices (classes 0 … the largest); float labels are targets.
 */
import {
  describeTensor,
  readIdx,
  readNpy,
  readNpz,
  type HostTensor,
} from '../../../engine/data/index.js';
import type { DatasetSource } from '../../../../shared/ipc/index.js';
import { FIELD, type FieldTensors, type SourceData } from './types.js';

type ArraySource = Extract<DatasetSource, { kind: 'idx' | 'npy' | 'npz' }>;
type Resolve = (path: string) => string;

interface Located {
  tensor: HostTensor;
  /** The file (and member) it came from, for messages. */
  where: string;
}

function isImage(sampleShape: readonly number[]): boolean {
  return sampleShape.length === 2 || (sampleShape.length === 3 && (sampleShape[2] === 1 || sampleShape[2] === 3));
}

function asFloat(t: HostTensor): HostTensor<'float32'> {
  if (t.dtype === 'float32') return t as HostTensor<'float32'>;
  return { shape: [...t.shape], dtype: 'float32', data: Float32Array.from(t.data) };
}

function features(x: Located): { tensor: HostTensor<'float32'>; field: string; view: SourceData['view'] } {
  const { tensor, where } = x;
  if (tensor.shape.length === 0) throw new Error(`${where}: expected an array with a sample axis first, received a scalar`);
  const shape = tensor.shape.length === 1 ? [tensor.shape[0]!, 1] : tensor.shape;
  const floats = asFloat({ ...tensor, shape });
  const sample = shape.slice(1);
  if (isImage(sample)) return { tensor: floats, field: FIELD.image, view: { kind: 'image', field: FIELD.image } };
  const width = sample.reduce((a, b) => a * b, 1);
  return {
    tensor: floats,
    field: FIELD.features,
    view: { kind: 'row', field: FIELD.features, columns: Array.from({ length: width }, (_, i) => `${i}`), categories: {} },
  };
}

function labels(y: Located, samples: number, xWhere: string): { tensor: HostTensor; classNames: string[] | null } {
  const { tensor, where } = y;
  const perSample = tensor.shape.slice(1);
  if (tensor.shape[0] !== samples) {
    throw new Error(`${where}: expected ${samples} labels, one per sample of ${xWhere}, received ${describeTensor(tensor)}`);
  }
  if (tensor.dtype === 'float32') return { tensor, classNames: null };
  if (perSample.length > 1 || (perSample.length === 1 && perSample[0] !== 1)) {
    throw new Error(`${where}: expected integer labels of shape [${samples}] (class indices), received ${describeTensor(tensor)}; save one-hot labels as float32 or as class indices`);
  }
  const indices = tensor.dtype === 'int32' ? (tensor.data as Int32Array) : Int32Array.from(tensor.data);
  let largest = 0;
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i]!;
    if (v < 0) throw new Error(`${where}: expected class indices of 0 or more, received ${v} at sample ${i}`);
    if (v > largest) largest = v;
  }
  return {
    tensor: { shape: [samples], dtype: 'int32', data: indices },
    classNames: Array.from({ length: largest + 1 }, (_, i) => `${i}`),
  };
}

function arraysData(x: Located, y: Located | null): SourceData {
  const feature = features(x);
  const split: FieldTensors = { [feature.field]: feature.tensor };
  let classNames: string[] | null = null;
  if (y) {
    const label = labels(y, feature.tensor.shape[0]!, x.where);
    split[FIELD.label] = label.tensor;
    classNames = label.classNames;
  }
  return { splits: { train: split }, features: [feature.field], label: y ? FIELD.label : null, classNames, view: feature.view };
}

/**
 * NPZ members as fields named by their keys: the features (float32; the first one is what the
 * preview draws), then the labels (the first one is the class label when it holds integers).
 */
function namedMembers(members: Record<string, HostTensor>, xKeys: string[], yKeys: string[], path: string): SourceData {
  const repeated = [...xKeys, ...yKeys].find((k, i, all) => all.indexOf(k) !== i);
  if (repeated !== undefined) throw new Error(`${path}: the member "${repeated}" is named twice; expected each member as one field`);
  const xs = xKeys.map((key) => npzMember(members, key, path));
  const samples = xs[0]!.tensor.shape[0]!;
  const split: FieldTensors = {};
  let view: SourceData['view'] | null = null;
  xs.forEach((x, i) => {
    if (x.tensor.shape[0] !== samples) {
      throw new Error(`${x.where}: expected ${samples} samples, as ${xs[0]!.where} has, received ${describeTensor(x.tensor)}`);
    }
    const feature = features(x);
    split[xKeys[i]!] = feature.tensor;
    view ??= { ...feature.view, field: xKeys[i]! };
  });
  let classNames: string[] | null = null;
  yKeys.forEach((key, i) => {
    const y = npzMember(members, key, path);
    if (i === 0) {
      const label = labels(y, samples, xs[0]!.where);
      split[key] = label.tensor;
      classNames = label.classNames;
    } else {
      if (y.tensor.shape[0] !== samples) throw new Error(`${y.where}: expected ${samples} rows, one per sample of ${xs[0]!.where}, received ${describeTensor(y.tensor)}`);
      split[key] = y.tensor.dtype === 'uint8' ? asFloat(y.tensor) : y.tensor;
    }
  });
  return { splits: { train: split }, features: xKeys, label: yKeys[0] ?? null, targets: yKeys.slice(1), classNames, view: view! };
}

function npzMember(members: Record<string, HostTensor>, key: string, path: string): Located {
  const tensor = members[key.endsWith('.npy') ? key.slice(0, -4) : key];
  if (!tensor) {
    const keys = Object.keys(members);
    throw new Error(`${path}: expected an array named "${key}", received ${keys.length > 0 ? `arrays ${keys.map((k) => `"${k}"`).join(', ')}` : 'no arrays'}`);
  }
  return { tensor, where: `${path}, member "${key}"` };
}

/** Reads an IDX, NPY or NPZ source; `resolve` turns the definition's paths into absolute ones. */
export function loadArrays(source: ArraySource, resolve: Resolve): SourceData {
  const read = (path: string, reader: (p: string) => HostTensor): Located => ({ tensor: reader(resolve(path)), where: resolve(path) });
  switch (source.kind) {
    case 'idx':
      return arraysData(read(source.images, readIdx), source.labels === null ? null : read(source.labels, readIdx));
    case 'npy':
      return arraysData(read(source.x, readNpy), source.y === null ? null : read(source.y, readNpy));
    case 'npz': {
      const path = resolve(source.path);
      const members = readNpz(path);
      if (typeof source.x === 'string' && (source.y === null || typeof source.y === 'string')) {
        return arraysData(npzMember(members, source.x, path), source.y === null ? null : npzMember(members, source.y, path));
      }
      const list = (keys: string | string[] | null) => (keys === null ? [] : typeof keys === 'string' ? [keys] : keys);
      return namedMembers(members, list(source.x), list(source.y), path);
    }
  }
}
