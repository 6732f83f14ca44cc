import { ValueError } from './errors.js';

/** Shapes carry the batch axis first; an unknown size is `null` (printed `None`, as Keras does). */
export type Dim = number | null;
export type Shape = Dim[];
export type DType = 'float32' | 'int32';

export const DTYPES: readonly DType[] = ['float32', 'int32'];

export function formatShape(shape: Shape): string {
  const dims = shape.map((d) => (d === null ? 'None' : String(d)));
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Number of elements of a fully known shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** Turns `3` or `[3, 3]` into an n-tuple, as Keras' `standardize_tuple` does. */
export function toTuple(value: number | number[], n: number, what: string, layerName?: string): number[] {
  const tuple = typeof value === 'number' ? new Array<number>(n).fill(value) : value;
  if (!Array.isArray(tuple) || tuple.length !== n || !tuple.every((v) => Number.isInteger(v) && v >= 0)) {
    const where = layerName ? ` of layer "${layerName}"` : '';
    throw new ValueError(
      `The \`${what}\` argument${where} must be an integer or an array of ${n} integers; received ${JSON.stringify(value)}.`,
      layerName,
    );
  }
  return [...tuple];
}

/** Resolves a possibly negative axis against a rank. */
export function normalizeAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** Output length of a sliding window (conv or pooling) along one axis; null stays null. */
export function windowOutputLength(
  length: Dim,
  window: number,
  padding: 'valid' | 'same' | 'causal' | 'full',
  stride: number,
  dilation = 1,
): Dim {
  if (length === null) return null;
  const span = (window - 1) * dilation + 1;
  let out: number;
  if (padding === 'same' || padding === 'causal') out = length;
  else if (padding === 'full') out = length + span - 1;
  else out = length - span + 1;
  return Math.floor((out + stride - 1) / stride);
}

/** Input length that a transposed convolution produces, as Keras' `deconv_output_length`. */
export function transposedOutputLength(
  length: Dim,
  window: number,
  padding: 'valid' | 'same',
  stride: number,
  outputPadding: number | null,
  dilation = 1,
): Dim {
  if (length === null) return null;
  const span = (window - 1) * dilation + 1;
  if (outputPadding === null) {
    return padding === 'valid' ? length * stride + Math.max(span - stride, 0) : length * stride;
  }
  const pad = padding === 'same' ? Math.floor(span / 2) : 0;
  return (length - 1) * stride + span - 2 * pad + outputPadding;
}
