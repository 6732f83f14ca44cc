/**
 * The `ops` namespace of model files, for custom layers' `call()`: Keras' `keras.ops` names in
 * camelCase. Each function takes traced tensors, weights of the layer or JS numbers (a number
 * broadcasts as a constant) and returns a `TracedTensor`; each records one primitive op of
 * the table in `table.ts`.
 */
import { TypeError_ } from '../graph/errors.js';
import type { DType } from '../graph/shape.js';
import type { Attrs } from './table.js';
import { applyOp, type Operand, type TracedTensor } from './trace.js';

export { OPS, OP_NAMES, getOp, broadcastShapes, type OpDef, type OpName, type OpAttrs, type OperandInfo } from './table.js';
export {
  TracedTensor,
  applyOp,
  isTracedTensor,
  type Operand,
  type LayerTrace,
  type TraceJSON,
  type TraceRef,
  type TraceStep,
  type TraceWeight,
} from './trace.js';

/** An axis, a list of axes, or null (all axes). */
export type Axes = number | number[] | null;

export interface ReduceOptions {
  axis?: Axes;
  keepdims?: boolean;
}

function isOptions(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// ---- element-wise, two operands (NumPy broadcasting) ------------------------------------------

export function add(x1: Operand, x2: Operand): TracedTensor {
  return applyOp('add', [x1, x2]);
}
export function subtract(x1: Operand, x2: Operand): TracedTensor {
  return applyOp('subtract', [x1, x2]);
}
export function multiply(x1: Operand, x2: Operand): TracedTensor {
  return applyOp('multiply', [x1, x2]);
}
/** True division: the result is float32 even for int32 operands. */
export function divide(x1: Operand, x2: Operand): TracedTensor {
  return applyOp('divide', [x1, x2]);
}
export function maximum(x1: Operand, x2: Operand): TracedTensor {
  return applyOp('maximum', [x1, x2]);
}
export function minimum(x1: Operand, x2: Operand): TracedTensor {
  return applyOp('minimum', [x1, x2]);
}
/** `x1 ** x2`, element-wise. */
export function pow(x1: Operand, x2: Operand): TracedTensor {
  return applyOp('pow', [x1, x2]);
}

/** Matrix product with NumPy's rules: batch axes broadcast, a 1-D operand is a vector. */
export function matmul(x1: Operand, x2: Operand): TracedTensor {
  return applyOp('matmul', [x1, x2]);
}

// ---- element-wise, one operand ----------------------------------------------------------------

export function relu(x: Operand): TracedTensor {
  return applyOp('relu', [x]);
}
export function sigmoid(x: Operand): TracedTensor {
  return applyOp('sigmoid', [x]);
}
export function tanh(x: Operand): TracedTensor {
  return applyOp('tanh', [x]);
}
export function exp(x: Operand): TracedTensor {
  return applyOp('exp', [x]);
}
export function log(x: Operand): TracedTensor {
  return applyOp('log', [x]);
}
export function sqrt(x: Operand): TracedTensor {
  return applyOp('sqrt', [x]);
}
export function square(x: Operand): TracedTensor {
  return applyOp('square', [x]);
}
export function abs(x: Operand): TracedTensor {
  return applyOp('abs', [x]);
}
export function negative(x: Operand): TracedTensor {
  return applyOp('negative', [x]);
}

// ---- along an axis ------------------------------------------------------------------------------

function axisAttrs(axis: number | { axis?: number } | undefined): Attrs {
  return isOptions(axis) ? { ...axis } : axis === undefined ? {} : { axis };
}

/** `softmax(x, axis = -1)`. */
export function softmax(x: Operand, axis?: number | { axis?: number }): TracedTensor {
  return applyOp('softmax', [x], axisAttrs(axis));
}
/** `logSoftmax(x, axis = -1)`. */
export function logSoftmax(x: Operand, axis?: number | { axis?: number }): TracedTensor {
  return applyOp('logSoftmax', [x], axisAttrs(axis));
}

// ---- reductions ---------------------------------------------------------------------------------

function reduceAttrs(axis: Axes | ReduceOptions | undefined, keepdims: boolean | undefined): Attrs {
  if (isOptions(axis)) return { ...axis };
  const attrs: Attrs = { axis: axis ?? null };
  if (keepdims !== undefined) attrs.keepdims = keepdims;
  return attrs;
}

/** `sum(x, axis = null, keepdims = false)`, or `sum(x, { axis, keepdims })`. */
export function sum(x: Operand, axis?: Axes | ReduceOptions, keepdims?: boolean): TracedTensor {
  return applyOp('sum', [x], reduceAttrs(axis, keepdims));
}
/** `mean(x, axis = null, keepdims = false)`; float32 even for int32 input. */
export function mean(x: Operand, axis?: Axes | ReduceOptions, keepdims?: boolean): TracedTensor {
  return applyOp('mean', [x], reduceAttrs(axis, keepdims));
}
export function max(x: Operand, axis?: Axes | ReduceOptions, keepdims?: boolean): TracedTensor {
  return applyOp('max', [x], reduceAttrs(axis, keepdims));
}
export function min(x: Operand, axis?: Axes | ReduceOptions, keepdims?: boolean): TracedTensor {
  return applyOp('min', [x], reduceAttrs(axis, keepdims));
}

// ---- shape and type -----------------------------------------------------------------------------

/** `reshape(x, newShape)`: the full shape, batch axis included; one entry may be -1 (or null) to infer it. */
export function reshape(x: Operand, newShape: Array<number | null>): TracedTensor {
  return applyOp('reshape', [x], { shape: newShape });
}

/** `transpose(x, axes)`: permutes the axes (reverses them when `axes` is omitted). */
export function transpose(x: Operand, axes?: number[] | null): TracedTensor {
  return applyOp('transpose', [x], { perm: axes ?? null });
}

/** `concatenate([x1, x2, …], axis = 0)`, as Keras' `ops.concatenate` (the batch axis is 0). */
export function concatenate(xs: Operand[], axis?: number): TracedTensor {
  if (!Array.isArray(xs)) {
    throw new TypeError_(`ops.concatenate() takes an array of tensors as its first argument, e.g. ops.concatenate([a, b], -1).`);
  }
  return applyOp('concatenate', xs, axis === undefined ? {} : { axis });
}

/** `expandDims(x, axis)`: inserts an axis of size 1. */
export function expandDims(x: Operand, axis: number): TracedTensor {
  return applyOp('expandDims', [x], { axis });
}

/** `squeeze(x, axis = null)`: removes axes of size 1 (all of them, or those given). */
export function squeeze(x: Operand, axis?: Axes): TracedTensor {
  return applyOp('squeeze', [x], { axis: axis ?? null });
}

/** `cast(x, dtype)`. */
export function cast(x: Operand, dtype: DType): TracedTensor {
  return applyOp('cast', [x], { dtype });
}

/** The `ops` namespace model files import from `'strata'`. */
export const ops = Object.freeze({
  add,
  subtract,
  multiply,
  divide,
  maximum,
  minimum,
  pow,
  matmul,
  relu,
  sigmoid,
  tanh,
  exp,
  log,
  sqrt,
  square,
  abs,
  negative,
  softmax,
  logSoftmax,
  sum,
  mean,
  max,
  min,
  reshape,
  transpose,
  concatenate,
  expandDims,
  squeeze,
  cast,
});
