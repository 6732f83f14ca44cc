/**
 * Emitters for the element-wise, broadcasting, reduction, matrix-product and data-movement
 * kernels (native/src/kernels/{unary,binary,reduce,softmax,matmul,layout}.cc): what a custom
 * layer's traced ops lower to (see trace-lowering.ts), and what the activation,
 * normalization, merge and reshaping layers build on.
 *
 * These work on `Arr`s: a plan tensor with its sizes, where the batch may sit on any axis and
 * may be merged with other positions by a reshape. A negative size -f means "f times the
 * current batch" (the kernels resolve it when they run, so the last, smaller batch of an epoch
 * runs on the same instructions); at most one axis holds the batch. A value without a batch
 * axis (a weight, a constant, a reduction over the batch) has only static sizes and lives in a
 * fixed buffer.
 */
import { ValueError } from '../../graph/errors.js';
import type { Dim, DType } from '../../graph/shape.js';
import type { Lowering } from '../lowering.js';
import type { PlanTensor } from '../tape.js';

/** The kernels' rank limit. */
export const MAX_RANK = 8;

export interface Arr {
  t: PlanTensor;
  /** Sizes; a negative size -f is f times the batch. */
  dims: number[];
}

// ---- sizes ----------------------------------------------------------------------------------

export function batchAxis(dims: readonly number[]): number {
  return dims.findIndex((d) => d < 0);
}

export function isBatched(a: Arr): boolean {
  return batchAxis(a.dims) >= 0;
}

/** Product of sizes; negative when one of them holds the batch (-f · the others). */
export function sizeProduct(dims: readonly number[]): number {
  let n = 1;
  let batched = false;
  for (const d of dims) {
    if (d < 0) batched = true;
    n *= Math.abs(d);
  }
  return batched ? -n : n;
}

function showDims(dims: readonly number[]): string {
  const shown = dims.map((d) => (d === -1 ? 'batch' : d < 0 ? `batch×${-d}` : String(d)));
  return `(${shown.join(', ')}${dims.length === 1 ? ',' : ''})`;
}

function fail(message: string): never {
  throw new ValueError(message);
}

function checkDims(dims: readonly number[], what: string): void {
  if (dims.length > MAX_RANK) fail(`${what}: tensors of rank ${dims.length} cannot run in a training step yet (at most ${MAX_RANK} axes).`);
  if (dims.filter((d) => d < 0).length > 1) {
    fail(`${what}: the result ${showDims(dims)} would hold the batch along two axes, which a training step cannot represent.`);
  }
}

/** The symbolic shape of sizes: unknown (None) where the batch is. */
export function shapeOf(dims: readonly number[]): Dim[] {
  return dims.map((d) => (d < 0 ? null : d));
}

/** A layer's tensor (batch axis first when its buffer is batched) as an Arr. */
export function arr(L: Lowering, t: PlanTensor): Arr {
  const batched = L.builder.buffers[t.buf]!.batched;
  return { t, dims: t.shape.map((d, i) => (batched && i === 0 ? -1 : (d ?? -1))) };
}

/** A new value of the given sizes (in a batched buffer when one size holds the batch). */
export function alloc(L: Lowering, name: string, dims: number[], dtype: DType = 'float32', shape?: Dim[]): Arr {
  checkDims(dims, name);
  const batched = batchAxis(dims) >= 0;
  const size = Math.abs(sizeProduct(dims));
  const buf = L.builder.buffer(name, size, batched, dtype);
  return { t: { buf, shape: shape ?? shapeOf(dims), dtype }, dims };
}

/** The same values with other sizes and symbolic shape (no kernel; the gradient is shared). */
export function view(x: Arr, dims: number[], shape?: Dim[]): Arr {
  return { t: { buf: x.t.buf, shape: shape ?? shapeOf(dims), dtype: x.t.dtype }, dims };
}

/**
 * Sizes of a reshape of `x` (row-major, same values) to `shape` (the op's output shape; null
 * where the size is inferred or unknown). The batch stays the outermost factor: it goes to
 * the first axis that is not 1, merged with whatever positions of a sample now share it.
 */
export function reshapeDims(x: Arr, shape: readonly Dim[], what: string): number[] {
  const p = batchAxis(x.dims);
  if (p < 0) {
    if (shape.some((d) => d === null)) fail(`${what}: cannot infer a size of ${JSON.stringify(shape)} for a value without a batch axis.`);
    return shape as number[];
  }
  if (x.dims.slice(0, p).some((d) => d !== 1)) {
    fail(`${what}: cannot reshape a value whose batch axis is not its outermost axis (sizes ${showDims(x.dims)}); transpose it back first.`);
  }
  const unit = Math.abs(sizeProduct(x.dims));
  let j = shape.findIndex((d) => d !== 1);
  if (j < 0) j = shape.length - 1;
  if (j < 0) fail(`${what}: cannot reshape a value with a batch axis into a scalar.`);
  const after = shape.slice(j + 1);
  if (after.some((d) => d === null)) fail(`${what}: the new shape ${JSON.stringify(shape)} leaves more than the batch unknown.`);
  const inner = (after as number[]).reduce((n, d) => n * d, 1);
  const f = unit / inner;
  if (!Number.isInteger(f) || f < 1) {
    fail(`${what}: reshaping ${showDims(x.dims)} into ${JSON.stringify(shape)} would split the batch axis, which a training step cannot do.`);
  }
  return shape.map((d, i) => (i === j ? -f : (d as number)));
}

/** Aligns sizes to a rank by prepending 1s (NumPy broadcasting). */
function align(dims: readonly number[], rank: number): number[] {
  return [...new Array<number>(rank - dims.length).fill(1), ...dims];
}

/**
 * NumPy broadcasting of sizes. A static size against the batch (a value made for a fixed batch
 * size, e.g. a constant shaped like `Input({ batchShape })`) is read for the current batch,
 * which must then not exceed it.
 */
export function broadcastDims(L: Lowering, a: readonly number[], b: readonly number[], what: string): number[] {
  const rank = Math.max(a.length, b.length);
  const x = align(a, rank);
  const y = align(b, rank);
  const out = x.map((p, i) => {
    const q = y[i]!;
    if (p === q || q === 1) return p;
    if (p === 1) return q;
    const batch = p < 0 ? p : q < 0 ? q : 0;
    const fixed = p < 0 ? q : p;
    if (batch < 0 && fixed > 0) {
      if (L.builder.maxBatch * -batch > fixed) {
        fail(
          `${what}: a value made for a batch of ${fixed / -batch} meets a batch of up to ${L.builder.maxBatch}; run this model with a batch size of at most ${fixed / -batch} (the size its Input was given).`,
        );
      }
      return batch;
    }
    return fail(`${what}: sizes ${showDims(a)} and ${showDims(b)} do not broadcast.`);
  });
  checkDims(out, what);
  return out;
}

// ---- element-wise --------------------------------------------------------------------------

export type BinaryOp = 'add' | 'subtract' | 'multiply' | 'divide' | 'maximum' | 'minimum' | 'pow' | 'prelu';

/** Op codes shared with binary.cc. */
const BINARY: Record<BinaryOp, number> = { add: 0, subtract: 1, multiply: 2, divide: 3, maximum: 4, minimum: 5, pow: 6, prelu: 7 };

/**
 * An operand sized for a fixed batch but read for the current one (see broadcastDims) has
 * positions the step never reads; its gradient there would be wrong, so one that needs a
 * gradient is refused.
 */
function checkGradLayout(L: Lowering, x: Arr | number, out: readonly number[], what: string): void {
  if (typeof x === 'number' || !L.tape?.needsGrad(x.t)) return;
  const d = align(x.dims, out.length);
  out.forEach((o, i) => {
    if (o < 0 && d[i]! > 0 && d[i] !== 1) {
      fail(`${what}: a trainable value of sizes ${showDims(x.dims)} is broadcast against the batch axis; its gradient cannot be computed.`);
    }
  });
}

/** `a op b` with NumPy broadcasting (binary_fwd / binary_bwd); a number operand is a constant. */
export function binary(L: Lowering, op: BinaryOp, a: Arr | number, b: Arr | number, name: string): Arr {
  const ad = typeof a === 'number' ? [] : a.dims;
  const bd = typeof b === 'number' ? [] : b.dims;
  const out = broadcastDims(L, ad, bd, name);
  checkGradLayout(L, a, out, name);
  checkGradLayout(L, b, out, name);
  const rank = out.length;
  const y = alloc(L, `${name}/output`, out);
  const ints = [BINARY[op], rank, ...out, ...align(ad, rank), ...align(bd, rank)];
  const floats = [typeof a === 'number' ? a : 0, typeof b === 'number' ? b : 0];
  const abuf = typeof a === 'number' ? -1 : a.t.buf;
  const bbuf = typeof b === 'number' ? -1 : b.t.buf;
  L.forward('binary_fwd', [abuf, bbuf, y.t.buf], ints, floats);
  L.record([typeof a === 'number' ? null : a.t, typeof b === 'number' ? null : b.t], [y.t], () => {
    const dy = L.gradOf(y.t);
    if (dy === null) return;
    const da = typeof a === 'number' ? null : L.gradInto(a.t);
    const db = typeof b === 'number' ? null : L.gradInto(b.t);
    if (!da && !db) return;
    L.backward('binary_bwd', [abuf, bbuf, y.t.buf, dy, da?.buf ?? -1, db?.buf ?? -1], [...ints, da?.accumulate ? 1 : 0, db?.accumulate ? 1 : 0], floats);
  });
  return y;
}

export type UnaryOp =
  | 'relu'
  | 'sigmoid'
  | 'tanh'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'square'
  | 'abs'
  | 'negative'
  /** Keras' ReLU layer: params [negative_slope, threshold, max_value or -1 for none]. */
  | 'relu_ext'
  /** params [alpha] */
  | 'elu'
  /** params [negative_slope] */
  | 'leaky_relu';

const UNARY: Record<UnaryOp, number> = {
  relu: 0, sigmoid: 1, tanh: 2, exp: 3, log: 4, sqrt: 5, square: 6, abs: 7, negative: 8, relu_ext: 9, elu: 10, leaky_relu: 11,
};

/** An element-wise function (unary_fwd / unary_bwd). */
export function unary(L: Lowering, op: UnaryOp, x: Arr, name: string, params: number[] = []): Arr {
  const y = alloc(L, `${name}/output`, x.dims, 'float32', x.t.shape);
  L.forward('unary_fwd', [x.t.buf, y.t.buf], [UNARY[op]], params);
  L.record([x.t], [y.t], () => {
    const dy = L.gradOf(y.t);
    const dx = L.gradInto(x.t);
    if (dy === null || !dx) return;
    L.backward('unary_bwd', [x.t.buf, y.t.buf, dy, dx.buf], [UNARY[op], dx.accumulate ? 1 : 0], params);
  });
  return y;
}

// ---- reductions and softmax ----------------------------------------------------------------

export type ReduceKind = 'sum' | 'mean' | 'max' | 'min';
const REDUCE: Record<ReduceKind, number> = { sum: 0, mean: 1, max: 2, min: 3 };

/** Sum / mean / max / min over the given (resolved) axes (reduce_fwd / reduce_bwd). */
export function reduce(L: Lowering, kind: ReduceKind, x: Arr, axes: number[], keepdims: boolean, name: string): Arr {
  const kept = x.dims.map((d, i) => (axes.includes(i) ? 1 : d));
  const dims = keepdims ? kept : x.dims.filter((_, i) => !axes.includes(i));
  const y = alloc(L, `${name}/output`, dims);
  const ints = [REDUCE[kind], x.dims.length, ...x.dims, ...kept];
  L.forward('reduce_fwd', [x.t.buf, y.t.buf], ints);
  L.record([x.t], [y.t], () => {
    const dy = L.gradOf(y.t);
    const dx = L.gradInto(x.t);
    if (dy === null || !dx) return;
    L.backward('reduce_bwd', [x.t.buf, y.t.buf, dy, dx.buf], [...ints, dx.accumulate ? 1 : 0]);
  });
  return y;
}

/** Softmax (or log-softmax) over the adjacent axes [begin, end) (softmax_fwd / softmax_bwd). */
export function softmax(L: Lowering, x: Arr, begin: number, end: number, log: boolean, name: string): Arr {
  const y = alloc(L, `${name}/output`, x.dims, 'float32', x.t.shape);
  const ints = [sizeProduct(x.dims.slice(0, begin)), sizeProduct(x.dims.slice(begin, end)), sizeProduct(x.dims.slice(end)), log ? 1 : 0];
  L.forward('softmax_fwd', [x.t.buf, y.t.buf], ints);
  L.record([x.t], [y.t], () => {
    const dy = L.gradOf(y.t);
    const dx = L.gradInto(x.t);
    if (dy === null || !dx) return;
    L.backward('softmax_bwd', [y.t.buf, dy, dx.buf], [...ints, dx.accumulate ? 1 : 0]);
  });
  return y;
}

// ---- matrix product --------------------------------------------------------------------------

/** NumPy's matmul: batch axes broadcast, a 1-D operand is a vector. */
export function matmul(L: Lowering, a: Arr, b: Arr, name: string): Arr {
  const ad = a.dims.length === 1 ? [1, a.dims[0]!] : a.dims;
  const bd = b.dims.length === 1 ? [b.dims[0]!, 1] : b.dims;
  const m = ad[ad.length - 2]!;
  const k = ad[ad.length - 1]!;
  const k2 = bd[bd.length - 2]!;
  const n = bd[bd.length - 1]!;
  if (k !== k2) fail(`${name}: inner sizes of the matrix product differ: ${showDims(a.dims)} · ${showDims(b.dims)}.`);
  const batch = broadcastDims(L, ad.slice(0, -2), bd.slice(0, -2), name);
  const nb = batch.length;
  const out = [...batch, ...(a.dims.length > 1 ? [m] : []), ...(b.dims.length > 1 ? [n] : [])];
  checkDims([...out, k], name);
  checkGradLayout(L, a, [...batch, m, k], name);
  checkGradLayout(L, b, [...batch, k, n], name);
  const y = alloc(L, `${name}/output`, out);
  matmulKernel(L, a.t, b.t, y.t, [m, n, k, 0, 0, nb, ...batch, ...align(ad.slice(0, -2), nb), ...align(bd.slice(0, -2), nb)]);
  return y;
}

/**
 * y = op(a) · op(b) over batch axes (matmul_fwd / matmul_bwd), and its backward. ints:
 * [M, N, K, transA, transB, batch rank, batch sizes of y, of a, of b]; a transposed operand
 * is stored the other way round (a K x M, b N x K).
 */
export function matmulKernel(L: Lowering, a: PlanTensor, b: PlanTensor, y: PlanTensor, ints: number[]): void {
  L.forward('matmul_fwd', [a.buf, b.buf, y.buf], ints);
  L.record([a, b], [y], () => {
    const dy = L.gradOf(y);
    if (dy === null) return;
    const da = L.gradInto(a);
    const db = L.gradInto(b);
    if (!da && !db) return;
    L.backward('matmul_bwd', [a.buf, b.buf, dy, da?.buf ?? -1, db?.buf ?? -1], [...ints, da?.accumulate ? 1 : 0, db?.accumulate ? 1 : 0]);
  });
}

// ---- data movement -----------------------------------------------------------------------------

/** Permutes the axes (transpose); the backward is the transpose by the inverse permutation. */
export function transpose(L: Lowering, x: Arr, perm: number[], name: string): Arr {
  if (perm.every((p, i) => p === i)) return x;
  const dims = perm.map((p) => x.dims[p]!);
  const y = alloc(L, `${name}/output`, dims, x.t.dtype);
  const rank = perm.length;
  L.forward('transpose', [x.t.buf, y.t.buf], [rank, ...x.dims, ...perm, 0]);
  L.record([x.t], [y.t], () => {
    const dy = L.gradOf(y.t);
    const dx = L.gradInto(x.t);
    if (dy === null || !dx) return;
    const inverse = new Array<number>(rank);
    perm.forEach((p, i) => (inverse[p] = i));
    L.backward('transpose', [dy, dx.buf], [rank, ...dims, ...inverse, dx.accumulate ? 1 : 0]);
  });
  return y;
}

/** The block of `x` starting at `begin` with the given sizes (static; the batch axis whole). */
export function slice(L: Lowering, x: Arr, begin: number[], sizes: number[], name: string): Arr {
  const dims = x.dims.map((d, i) => {
    if (d >= 0) return sizes[i]!;
    if (begin[i] !== 0 || (sizes[i] !== d && sizes[i] !== -1)) {
      fail(`${name}: slicing along the batch axis cannot run in a training step; keep that axis whole (begin 0, size -1).`);
    }
    return d;
  });
  if (dims.every((d, i) => d === x.dims[i])) return x;
  const y = alloc(L, `${name}/output`, dims, x.t.dtype);
  const ints = [x.dims.length, ...x.dims, ...begin, ...dims];
  L.forward('slice_fwd', [x.t.buf, y.t.buf], ints);
  L.record([x.t], [y.t], () => {
    const dy = L.gradOf(y.t);
    const dx = L.gradInto(x.t);
    if (dy === null || !dx) return;
    L.backward('slice_bwd', [dy, dx.buf], [...ints, dx.accumulate ? 1 : 0]);
  });
  return y;
}

/** Joins values along an axis (concat_fwd / concat_bwd); the other sizes must agree. */
export function concat(L: Lowering, xs: Arr[], axis: number, name: string): Arr {
  if (xs.length === 1) return xs[0]!;
  const first = xs[0]!.dims;
  for (const x of xs) {
    if (x.dims[axis]! < 0) fail(`${name}: joining along the batch axis cannot run in a training step.`);
    if (x.dims.length !== first.length || x.dims.some((d, i) => i !== axis && d !== first[i])) {
      fail(`${name}: cannot join values of sizes ${xs.map((v) => showDims(v.dims)).join(', ')} along axis ${axis}.`);
    }
  }
  const sizes = xs.map((x) => x.dims[axis]!);
  const dims = [...first];
  dims[axis] = sizes.reduce((s, d) => s + d, 0);
  const y = alloc(L, `${name}/output`, dims, xs[0]!.t.dtype);
  const ints = [sizeProduct(first.slice(0, axis)), sizeProduct(first.slice(axis + 1)), xs.length, ...sizes];
  L.forward('concat_fwd', [...xs.map((x) => x.t.buf), y.t.buf], ints);
  L.record(
    xs.map((x) => x.t),
    [y.t],
    () => {
      const dy = L.gradOf(y.t);
      if (dy === null) return;
      const targets = xs.map((x) => L.gradInto(x.t));
      if (targets.every((t) => !t)) return;
      L.backward('concat_bwd', [dy, ...targets.map((t) => t?.buf ?? -1)], [...ints, ...targets.map((t) => (t?.accumulate ? 1 : 0))]);
    },
  );
  return y;
}

/** A constant filled with one value, rewritten each step (fill). */
export function fill(L: Lowering, dims: number[], value: number, dtype: DType, name: string): Arr {
  const y = alloc(L, `${name}/output`, dims, dtype);
  L.forward('fill', [y.t.buf], [dtype === 'int32' ? 1 : 0], [value]);
  return y;
}

/** float32 <-> int32 (truncating toward zero); no gradient flows through a cast to or from int32. */
export function cast(L: Lowering, x: Arr, dtype: DType, name: string): Arr {
  if (x.t.dtype === dtype) return x;
  const y = alloc(L, `${name}/output`, x.dims, dtype, x.t.shape);
  L.forward('cast', [x.t.buf, y.t.buf], [dtype === 'int32' ? 1 : 0]);
  return y;
}
