/**
 * The `ops` namespace of model files, for custom layers' `call()`: Keras' `keras.ops` names in
 * camelCase. Each function takes traced tensors, weights of the layer or JS numbers (a number
 * broadcasts as a constant) and returns a `TracedTensor`; each records one primitive op of
 * the table in `table.ts`.
 */
import { TypeError_, ValueError } from '../graph/errors.js';
import { formatShape, type DType } from '../graph/shape.js';
import type { Attrs } from './table.js';
import { applyOp, operandInfo, type Operand, type TracedTensor } from './trace.js';

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

// ---- constants ----------------------------------------------------------------------------------

/** A static shape: every size known, the batch axis included (a number is a vector's length). */
export type ConstShape = number[] | number;

/** `zeros(shape, dtype = 'float32')`: e.g. an RNN's initial state, `ops.zeros([inputs.shape[0], units])`. */
export function zeros(shape: ConstShape, dtype?: DType): TracedTensor {
  return applyOp('zeros', [], dtype === undefined ? { shape } : { shape, dtype });
}
/** `ones(shape, dtype = 'float32')`. */
export function ones(shape: ConstShape, dtype?: DType): TracedTensor {
  return applyOp('ones', [], dtype === undefined ? { shape } : { shape, dtype });
}
/** `full(shape, value, dtype = 'float32')`: a constant tensor filled with `value`. */
export function full(shape: ConstShape, value: number, dtype?: DType): TracedTensor {
  return applyOp('full', [], dtype === undefined ? { shape, value } : { shape, value, dtype });
}

// ---- indexing, joining, splitting ---------------------------------------------------------------

/** `take(x, index, axis)`: the entries at one index along an axis, which is dropped — `x[:, t, :]` is `take(x, t, 1)`; -1 is the last. */
export function take(x: Operand, index: number, axis: number): TracedTensor {
  return applyOp('take', [x], { index, axis });
}

/** `slice(x, begin, size)`: a block starting at `begin` (one entry per axis) of `size` (-1: to the end of that axis). */
export function slice(x: Operand, begin: number[], size: number[]): TracedTensor {
  return applyOp('slice', [x], { begin, size });
}

/** `stack([x1, x2, …], axis = 0)`: tensors of one shape joined along a new axis. */
export function stack(xs: Operand[], axis?: number): TracedTensor {
  if (!Array.isArray(xs)) {
    throw new TypeError_(`ops.stack() takes an array of tensors as its first argument, e.g. ops.stack(outputs, 1).`);
  }
  return applyOp('stack', xs, axis === undefined ? {} : { axis });
}

/** A known size along an axis, for the ops made of several slices. */
function sizeAlong(op: string, x: Operand, axis: number): { rank: number; axis: number; size: number } {
  const { shape } = operandInfo(op, x);
  const rank = shape.length;
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ValueError(
      `ops.${op}: axis ${String(axis)} is out of bounds for a tensor of rank ${rank} (shape ${formatShape(shape)}); expected an axis in [${-rank}, ${rank - 1}].`,
    );
  }
  const a = axis < 0 ? axis + rank : axis;
  const size = shape[a];
  if (size === null || size === undefined) {
    throw new ValueError(`ops.${op}: axis ${axis} of shape ${formatShape(shape)} has an unknown size (None), so the number of pieces is not known.`);
  }
  return { rank, axis: a, size };
}

/**
 * `split(x, n, axis = 0)`: `n` equal pieces along an axis (whose size must be known and a
 * multiple of `n`), as a list. Recorded as one `slice` per piece.
 */
export function split(x: Operand, n: number, axis = 0): TracedTensor[] {
  if (!Number.isInteger(n) || n < 1) {
    throw new ValueError(`ops.split: the number of sections must be a positive integer; received ${JSON.stringify(n)}. Lists of split points are not supported.`);
  }
  const { rank, axis: a, size } = sizeAlong('split', x, axis);
  if (size % n !== 0) {
    throw new ValueError(`ops.split: axis ${axis} has size ${size}, which cannot be split into ${n} equal sections.`);
  }
  const part = size / n;
  return Array.from({ length: n }, (_, k) =>
    slice(
      x,
      Array.from({ length: rank }, (_, i) => (i === a ? k * part : 0)),
      Array.from({ length: rank }, (_, i) => (i === a ? part : -1)),
    ),
  );
}

/** `unstack(x, axis = 0)`: the tensors along an axis of known size, as a list (one `take` each). */
export function unstack(x: Operand, axis = 0): TracedTensor[] {
  const { size } = sizeAlong('unstack', x, axis);
  return Array.from({ length: size }, (_, t) => take(x, t, axis));
}

const functions = Object.freeze({
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
  zeros,
  ones,
  full,
  take,
  slice,
  stack,
  split,
  unstack,
});

/** Names a lookup on `ops` answers without being an op: tooling probes these (`await`, JSON, test matchers). */
const QUIET = new Set(['then', 'toJSON', 'asymmetricMatch', 'nodeType', 'tagName', 'inspect']);

function suggestion(name: string): string {
  const camel = name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const lower = camel.toLowerCase();
  const match = Object.keys(functions).find((k) => k.toLowerCase() === lower || k.toLowerCase() === `${lower}s`);
  return match ? ` Did you mean ops.${match}?` : '';
}

/**
 * The `ops` namespace model files import from `'strata'`. Reading a name that is not an op
 * throws, naming it and listing the ops, instead of the bare "not a function" of calling
 * `undefined`.
 */
export const ops: typeof functions = new Proxy(functions, {
  get(target, key, receiver) {
    if (typeof key === 'symbol' || key in target || QUIET.has(key) || /^[_$@]/.test(key)) return Reflect.get(target, key, receiver);
    throw new TypeError_(`ops.${key} is not an op; available: ${Object.keys(target).join(', ')}.${suggestion(key)}`);
  },
});

/** Every function of `ops`: the primitive ops of the table, plus those made of several of them. */
export const OPS_FUNCTIONS = Object.keys(functions);
