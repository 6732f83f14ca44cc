/**
 * Host tensors: a shape, a dtype and a typed array in plain JS memory. Datasets hold their
 * data this way, and tensors cross process boundaries this way (DESIGN.md §1: typed arrays,
 * never number lists). Row-major (C order); axis 0 is the sample axis.
 */

export type HostDType = 'float32' | 'int32' | 'uint8';

export interface HostArrays {
  float32: Float32Array;
  int32: Int32Array;
  uint8: Uint8Array;
}

export type HostData = HostArrays[HostDType];

export interface HostTensor<D extends HostDType = HostDType> {
  shape: number[];
  dtype: D;
  data: HostArrays[D];
}

const CONSTRUCTORS = {
  float32: Float32Array,
  int32: Int32Array,
  uint8: Uint8Array,
} as const;

/** The dtype a typed array holds, or undefined for an array type host tensors do not use. */
export function dtypeOfArray(data: ArrayBufferView): HostDType | undefined {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'uint8';
  return undefined;
}

/** Number of elements a shape holds (1 for a scalar shape `[]`). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function checkShape(shape: readonly number[], what: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`${what}: expected a shape of non-negative integers, received ${formatShape(shape)}`);
  }
}

/**
 * A host tensor, checked: the array's type matches `dtype` and its length matches `shape`.
 * The array is used as it is (not copied).
 */
export function hostTensor<D extends HostDType>(shape: readonly number[], dtype: D, data: HostArrays[D]): HostTensor<D> {
  checkShape(shape, 'hostTensor');
  const actual = dtypeOfArray(data);
  if (actual !== dtype) {
    throw new TypeError(`hostTensor: expected a ${CONSTRUCTORS[dtype].name} for dtype ${dtype}, received ${data.constructor.name}`);
  }
  const n = sizeOf(shape);
  if (data.length !== n) {
    throw new RangeError(`hostTensor: expected ${n} elements for shape ${formatShape(shape)}, received ${data.length}`);
  }
  return { shape: [...shape], dtype, data };
}

/** A zero-filled host tensor. */
export function zeros<D extends HostDType>(shape: readonly number[], dtype: D): HostTensor<D> {
  checkShape(shape, 'zeros');
  return { shape: [...shape], dtype, data: new CONSTRUCTORS[dtype](sizeOf(shape)) as HostArrays[D] };
}

function requireRows(t: HostTensor, what: string): void {
  if (t.shape.length === 0) throw new RangeError(`${what}: expected a tensor with a sample axis (rank >= 1), received a scalar`);
}

/** Number of samples: the length of axis 0. */
export function sampleCount(t: HostTensor): number {
  requireRows(t, 'sampleCount');
  return t.shape[0]!;
}

/** Elements in one sample: the product of every axis but the first. */
export function rowSize(t: HostTensor): number {
  requireRows(t, 'rowSize');
  return sizeOf(t.shape.slice(1));
}

/**
 * Rows `start` (inclusive) to `end` (exclusive), like `Array.prototype.slice` but without
 * negative indices. The result shares memory with `t` (a `subarray`): copy it with
 * {@link cloneTensor} before writing to it.
 */
export function sliceRows<D extends HostDType>(t: HostTensor<D>, start: number, end: number = sampleCount(t)): HostTensor<D> {
  const n = sampleCount(t);
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > n || start > end) {
    throw new RangeError(`sliceRows: expected 0 <= start <= end <= ${n}, received start ${start}, end ${end}`);
  }
  const row = rowSize(t);
  const data = t.data.subarray(start * row, end * row) as HostArrays[D];
  return { shape: [end - start, ...t.shape.slice(1)], dtype: t.dtype, data };
}

/** The rows named by `indices`, in that order (repeats allowed), copied into a new tensor. */
export function gatherRows<D extends HostDType>(t: HostTensor<D>, indices: ArrayLike<number>): HostTensor<D> {
  const n = sampleCount(t);
  const row = rowSize(t);
  const out = new CONSTRUCTORS[t.dtype](indices.length * row) as HostArrays[D];
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i]!;
    if (!Number.isInteger(r) || r < 0 || r >= n) {
      throw new RangeError(`gatherRows: expected row indices in [0, ${n}), received ${r} at position ${i}`);
    }
    if (row === 1) out[i] = t.data[r]!;
    else out.set(t.data.subarray(r * row, (r + 1) * row), i * row);
  }
  return { shape: [indices.length, ...t.shape.slice(1)], dtype: t.dtype, data: out };
}

/**
 * The same data under another shape (no copy). One axis may be `-1`, inferred from the
 * others, so `reshape(images, [-1, 784])` flattens `[n, 28, 28]` images.
 */
export function reshape<D extends HostDType>(t: HostTensor<D>, shape: readonly number[]): HostTensor<D> {
  const total = t.data.length;
  const inferred = shape.filter((d) => d === -1).length;
  if (inferred > 1) throw new RangeError(`reshape: expected at most one -1 in the new shape, received ${formatShape(shape)}`);
  const known = sizeOf(shape.filter((d) => d !== -1));
  let out = [...shape];
  if (inferred === 1) {
    if (known === 0 || total % known !== 0) {
      throw new RangeError(`reshape: cannot infer -1 in ${formatShape(shape)} for ${total} elements (shape ${formatShape(t.shape)})`);
    }
    out = shape.map((d) => (d === -1 ? total / known : d));
  }
  checkShape(out, 'reshape');
  if (sizeOf(out) !== total) {
    throw new RangeError(`reshape: expected a shape of ${total} elements (from ${formatShape(t.shape)}), received ${formatShape(shape)}`);
  }
  return { shape: out, dtype: t.dtype, data: t.data };
}

/** `[n, ...]` → `[n, rowSize]`: one flat row per sample (no copy). */
export function flattenRows<D extends HostDType>(t: HostTensor<D>): HostTensor<D> {
  return reshape(t, [sampleCount(t), rowSize(t)]);
}

/** Inserts an axis of length 1 at `axis` (negative counts from the end: -1 appends). No copy. */
export function expandDims<D extends HostDType>(t: HostTensor<D>, axis = -1): HostTensor<D> {
  const rank = t.shape.length;
  const at = axis < 0 ? rank + 1 + axis : axis;
  if (!Number.isInteger(at) || at < 0 || at > rank) {
    throw new RangeError(`expandDims: expected an axis in [${-rank - 1}, ${rank}], received ${axis}`);
  }
  const shape = [...t.shape];
  shape.splice(at, 0, 1);
  return { shape, dtype: t.dtype, data: t.data };
}

/** A copy with its own memory. */
export function cloneTensor<D extends HostDType>(t: HostTensor<D>): HostTensor<D> {
  return { shape: [...t.shape], dtype: t.dtype, data: t.data.slice() as HostArrays[D] };
}

/** Converts to another dtype (a copy; float → int truncates toward zero, int → uint8 wraps). */
export function castTensor<D extends HostDType>(t: HostTensor, dtype: D, scale = 1): HostTensor<D> {
  const out = new CONSTRUCTORS[dtype](t.data.length) as HostArrays[D];
  if (scale === 1) out.set(t.data);
  else for (let i = 0; i < out.length; i++) out[i] = t.data[i]! * scale;
  return { shape: [...t.shape], dtype, data: out };
}

/** `uint8` pixels → `float32` in [0, 1] (divides by 255). */
export function toUnitFloat(t: HostTensor<'uint8'>): HostTensor<'float32'> {
  const src = t.data;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i]! / 255;
  return { shape: [...t.shape], dtype: 'float32', data: out };
}

/** `"float32[60000, 28, 28]"`, for messages and summaries. */
export function describeTensor(t: HostTensor): string {
  return `${t.dtype}${formatShape(t.shape)}`;
}
