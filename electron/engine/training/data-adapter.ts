/**
 * What fit/evaluate/predict accept as data, checked against the model and put in the order of
 * its inputs and outputs: one array, an array per input/output, or an object keyed by name —
 * as Keras takes numpy arrays, lists and dicts.
 */
import { ValueError } from '../graph/errors.js';
import type { Dim } from '../graph/shape.js';

/** An array of samples: `shape[0]` samples, row-major values. */
export interface ArrayData {
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array | Float64Array;
}

export type DataArg = ArrayData | ArrayData[] | Record<string, ArrayData>;

export function isArrayData(v: unknown): v is ArrayData {
  return (
    typeof v === 'object' && v !== null && Array.isArray((v as ArrayData).shape) && ArrayBuffer.isView((v as ArrayData).data)
  );
}

/** Builds an ArrayData from a typed array or nested JS arrays. */
export function arrayData(values: ArrayLike<number> | number[][], shape?: number[]): ArrayData {
  const flat = Array.isArray(values) && Array.isArray(values[0]) ? (values as number[][]).flat(Infinity as 1) : (values as ArrayLike<number>);
  const data = ArrayBuffer.isView(flat) ? (flat as Float32Array) : Float32Array.from(flat as ArrayLike<number>);
  const s = shape ?? (Array.isArray(values) && Array.isArray(values[0]) ? [values.length, ...inferRest(values as number[][])] : [data.length]);
  const size = s.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new ValueError(`arrayData: shape ${JSON.stringify(s)} holds ${size} values; received ${data.length}.`);
  return { shape: s, data };
}

function inferRest(v: unknown[]): number[] {
  const first = v[0];
  return Array.isArray(first) ? [first.length, ...inferRest(first)] : [];
}

export function samples(a: ArrayData): number {
  return a.shape[0] ?? 0;
}

export function rowSize(a: ArrayData): number {
  return a.shape.slice(1).reduce((x, y) => x * y, 1);
}

/** The data for each named slot, in order; `what` is 'x' or 'y' for messages. */
export function byName(arg: DataArg | undefined, names: string[], what: string): ArrayData[] {
  if (arg === undefined || arg === null) throw new ValueError(`No ${what} given; expected data for ${JSON.stringify(names)}.`);
  if (isArrayData(arg)) {
    if (names.length !== 1) {
      throw new ValueError(`The model has ${names.length} ${what === 'x' ? 'inputs' : 'outputs'} (${names.join(', ')}); ${what} must be an array of ${names.length} or an object keyed by those names, received one array.`);
    }
    return [arg];
  }
  if (Array.isArray(arg)) {
    if (arg.length !== names.length || !arg.every(isArrayData)) {
      throw new ValueError(`${what} must hold one array per ${what === 'x' ? 'input' : 'output'} (${names.join(', ')}); received a list of ${arg.length}.`);
    }
    return arg;
  }
  const missing = names.filter((n) => !isArrayData((arg as Record<string, ArrayData>)[n]));
  const unknown = Object.keys(arg).filter((k) => !names.includes(k));
  if (missing.length > 0 || unknown.length > 0) {
    throw new ValueError(
      `${what} by name must have exactly the keys ${JSON.stringify(names)}; ${missing.length ? `missing ${JSON.stringify(missing)}` : ''}${missing.length && unknown.length ? ', ' : ''}${unknown.length ? `unknown ${JSON.stringify(unknown)}` : ''}.`,
    );
  }
  return names.map((n) => (arg as Record<string, ArrayData>)[n]!);
}

/** Checks that every array has the same number of samples. */
export function sampleCount(groups: Array<{ what: string; names: string[]; arrays: ArrayData[] }>): number {
  let n: number | null = null;
  let first = '';
  for (const g of groups) {
    g.arrays.forEach((a, i) => {
      const where = `${g.what} "${g.names[i]}"`;
      if (n === null) {
        n = samples(a);
        first = where;
      } else if (samples(a) !== n) {
        throw new ValueError(`All data must have the same number of samples: ${first} has ${n}, ${where} has ${samples(a)}.`);
      }
    });
  }
  return n ?? 0;
}

/** Checks one array against the model's per-sample shape and gives its values as float32. */
export function asFloatRows(a: ArrayData, modelShape: Dim[], where: string): Float32Array {
  checkRowShape(a, modelShape, where);
  return a.data instanceof Float32Array ? a.data : Float32Array.from(a.data as ArrayLike<number>);
}

/**
 * Checks one array for an int32 input (token ids for an Embedding) and gives its values as
 * int32: integer typed arrays are taken as they are; float data must hold whole numbers within
 * the int32 range, else the error names the input, the sample and the value.
 */
export function asIntRows(a: ArrayData, modelShape: Dim[], where: string): Int32Array {
  checkRowShape(a, modelShape, where);
  if (a.data instanceof Int32Array) return a.data;
  if (a.data instanceof Uint8Array) return Int32Array.from(a.data);
  const row = Math.max(rowSize(a), 1);
  const out = new Int32Array(a.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = a.data[i]!;
    if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
      throw new ValueError(
        `${where} has dtype int32, but sample ${Math.floor(i / row)} holds ${v} (at position ${i % row} of the sample): int32 inputs take whole numbers (token ids).`,
      );
    }
    out[i] = v;
  }
  return out;
}

export function checkRowShape(a: ArrayData, modelShape: Dim[], where: string): void {
  const rest = a.shape.slice(1);
  const expected = modelShape.slice(1);
  const fits = rest.length === expected.length && expected.every((d, i) => d === null || d === rest[i]);
  if (!fits) {
    const fmt = (s: Dim[]) => `(${s.map((d) => (d === null ? 'None' : d)).join(', ')}${s.length === 1 ? ',' : ''})`;
    throw new ValueError(`${where} expects samples of shape ${fmt(expected)}; received data of shape ${fmt(a.shape)}.`);
  }
}

/** Class indices for a sparse loss: shape (n,) or (n, 1), integral values within the classes. */
export function asLabels(a: ArrayData, classes: number, where: string): Int32Array {
  const rest = a.shape.slice(1);
  if (!(rest.length === 0 || (rest.length === 1 && rest[0] === 1))) {
    throw new ValueError(`${where} takes one class index per sample (shape (n,) or (n, 1)) for a sparse loss; received shape (${a.shape.join(', ')}).`);
  }
  const out = new Int32Array(samples(a));
  for (let i = 0; i < out.length; i++) {
    const v = a.data[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= classes) {
      throw new ValueError(`${where}: sample ${i} has label ${v}, but the output has ${classes} classes (0..${classes - 1}).`);
    }
    out[i] = v;
  }
  return out;
}

/** Keras' validation_split: the last fraction of the samples, taken before any shuffling. */
export function splitAt(arrays: ArrayData[], start: number, end: number): ArrayData[] {
  return arrays.map((a) => {
    const row = rowSize(a);
    return { shape: [end - start, ...a.shape.slice(1)], data: a.data.subarray(start * row, end * row) };
  });
}
