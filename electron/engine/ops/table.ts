/**
 * The primitive op table: one entry per op with its name, how many operands it takes, its
 * attributes (validated and put in canonical form), its shape rule and its output dtype.
 * Shape rules check their operands and throw a Keras-style `ValueError` that names the op
 * and the shapes involved. Later layers of the engine add kernels and backward rules per
 * entry; nothing here depends on values, only on shapes and dtypes.
 */
import { ValueError } from '../graph/errors.js';
import { DTYPES, formatShape, type DType, type Dim, type Shape } from '../graph/shape.js';

/** What a shape or dtype rule knows about an operand. `weak`: a JS number (a constant). */
export interface OperandInfo {
  shape: Shape;
  dtype: DType;
  weak: boolean;
}

export type Attrs = Record<string, unknown>;

export interface OpDef<A extends Attrs = Attrs> {
  readonly name: string;
  /** Number of operands (0 for constants such as `zeros`), or `'list'` for ops over a list of tensors (`concatenate`). */
  readonly arity: number | 'list';
  /** Validates raw attributes and returns their canonical form; applying it twice changes nothing. */
  readonly attrs: (raw: Attrs) => A;
  /** Output shape for the operand shapes; throws a `ValueError` naming the op when they do not fit. */
  readonly shape: (inputs: readonly Shape[], attrs: A) => Shape;
  /** Output dtype for the operands. */
  readonly dtype: (inputs: readonly OperandInfo[], attrs: A) => DType;
}

// ---- helpers ------------------------------------------------------------------------------

const opRef = (name: string) => `ops.${name}`;

function fail(message: string): never {
  throw new ValueError(message);
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

function knownSize(shape: Shape): number | null {
  let n = 1;
  for (const d of shape) {
    if (d === null) return null;
    n *= d;
  }
  return n;
}

/** Resolves a possibly negative axis against a rank (`extra` widens the range, for expandDims). */
function resolveAxis(op: string, axis: number, rank: number, shape: Shape, extra = 0): number {
  const r = rank + extra;
  if (axis < -r || axis >= r) {
    fail(
      `${opRef(op)}: axis ${axis} is out of bounds for a tensor of rank ${rank} (shape ${formatShape(shape)}); expected an axis in [${-r}, ${r - 1}].`,
    );
  }
  return axis < 0 ? axis + r : axis;
}

/** Checks that attributes are only those expected (they may come from a saved file). */
function onlyKeys(op: string, raw: Attrs, keys: readonly string[]): void {
  const extra = Object.keys(raw).filter((k) => !keys.includes(k));
  if (extra.length > 0) {
    fail(
      `${opRef(op)} got unexpected attribute(s) ${extra.map((k) => JSON.stringify(k)).join(', ')}; ${keys.length ? `expected some of: ${keys.join(', ')}` : 'it takes none'}.`,
    );
  }
}

function axisAttr(op: string, value: unknown, what = 'axis'): number {
  if (!isInt(value)) fail(`${opRef(op)}: \`${what}\` must be an integer; received ${describe(value)}.`);
  return value;
}

function axesAttr(op: string, value: unknown): number | number[] | null {
  if (value === undefined || value === null) return null;
  if (isInt(value)) return value;
  if (Array.isArray(value) && value.every(isInt)) return [...value];
  return fail(`${opRef(op)}: \`axis\` must be an integer, an array of integers or null; received ${describe(value)}.`);
}

function boolAttr(op: string, value: unknown, what: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(`${opRef(op)}: \`${what}\` must be true or false; received ${describe(value)}.`);
  return value;
}

/** Resolves a list of axes, rejecting repeats. */
function resolveAxes(op: string, axes: number[], shape: Shape): number[] {
  const resolved = axes.map((a) => resolveAxis(op, a, shape.length, shape));
  const seen = new Set<number>();
  for (const a of resolved) {
    if (seen.has(a)) fail(`${opRef(op)}: axis ${a} appears more than once in axis=${describe(axes)} (shape ${formatShape(shape)}).`);
    seen.add(a);
  }
  return resolved;
}

/**
 * NumPy broadcasting: shapes are aligned on the right and each pair of sizes must be equal
 * or one of them 1. An unknown size (`null`) matches anything; against 1 it stays unknown.
 */
export function broadcastShapes(op: string, a: Shape, b: Shape): Shape {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 1; i <= rank; i++) {
    const x = i <= a.length ? a[a.length - i]! : 1;
    const y = i <= b.length ? b[b.length - i]! : 1;
    let d: Dim;
    if (x === 1) d = y;
    else if (y === 1) d = x;
    else if (x === null) d = y;
    else if (y === null) d = x;
    else if (x === y) d = x;
    else {
      return fail(
        `Cannot broadcast shapes in ${opRef(op)}: the failure dim (axis ${-i}) has value ${x}, which cannot be broadcast to ${y}. Input shapes are: ${formatShape(a)} and ${formatShape(b)}. Sizes must be equal or one of them 1.`,
      );
    }
    out.unshift(d);
  }
  return out;
}

// ---- dtype rules --------------------------------------------------------------------------

/** Result type of mixing operands: float wins; a JS number only widens int to float if it is fractional. */
export function promoteTypes(inputs: readonly OperandInfo[]): DType {
  const strong = inputs.filter((i) => !i.weak);
  const pool = strong.length > 0 ? strong : inputs;
  if (pool.some((i) => i.dtype === 'float32')) return 'float32';
  return inputs.some((i) => i.weak && i.dtype === 'float32') ? 'float32' : 'int32';
}

const sameType = (inputs: readonly OperandInfo[]): DType => promoteTypes(inputs);
/** Ops whose result is always floating point (exp of an int tensor is a float tensor). */
const floatType = (): DType => 'float32';

// ---- op families --------------------------------------------------------------------------

type NoAttrs = Record<string, never>;

function noAttrs(op: string) {
  return (raw: Attrs): NoAttrs => {
    onlyKeys(op, raw, []);
    return {};
  };
}

function binary(name: string, dtype: (inputs: readonly OperandInfo[]) => DType = sameType): OpDef<NoAttrs> {
  return {
    name,
    arity: 2,
    attrs: noAttrs(name),
    shape: ([a, b]) => broadcastShapes(name, a!, b!),
    dtype,
  };
}

function unary(name: string, dtype: (inputs: readonly OperandInfo[]) => DType = sameType): OpDef<NoAttrs> {
  return { name, arity: 1, attrs: noAttrs(name), shape: ([x]) => [...x!], dtype };
}

interface AxisAttrs extends Attrs {
  axis: number;
}

/** softmax / logSoftmax: element-wise shape, normalised along one axis (default the last). */
function alongAxis(name: string): OpDef<AxisAttrs> {
  return {
    name,
    arity: 1,
    attrs: (raw) => {
      onlyKeys(name, raw, ['axis']);
      return { axis: raw.axis === undefined ? -1 : axisAttr(name, raw.axis) };
    },
    shape: ([x], { axis }) => {
      resolveAxis(name, axis, x!.length, x!);
      return [...x!];
    },
    dtype: floatType,
  };
}

interface ReduceAttrs extends Attrs {
  axis: number | number[] | null;
  keepdims: boolean;
}

/** sum / mean / max / min over some axes (all when `axis` is null), keeping them as 1 with `keepdims`. */
function reduction(name: string, dtype: (inputs: readonly OperandInfo[]) => DType = sameType): OpDef<ReduceAttrs> {
  return {
    name,
    arity: 1,
    attrs: (raw) => {
      onlyKeys(name, raw, ['axis', 'keepdims']);
      return { axis: axesAttr(name, raw.axis), keepdims: boolAttr(name, raw.keepdims, 'keepdims', false) };
    },
    shape: ([x], { axis, keepdims }) => {
      const shape = x!;
      const axes =
        axis === null ? shape.map((_, i) => i) : resolveAxes(name, typeof axis === 'number' ? [axis] : axis, shape);
      if (keepdims) return shape.map((d, i) => (axes.includes(i) ? 1 : d));
      return shape.filter((_, i) => !axes.includes(i));
    },
    dtype,
  };
}

// ---- structural ops -------------------------------------------------------------------------

const matmul: OpDef<NoAttrs> = {
  name: 'matmul',
  arity: 2,
  attrs: noAttrs('matmul'),
  shape: ([a, b]) => {
    const x1 = a!;
    const x2 = b!;
    if (x1.length === 0 || x2.length === 0) {
      fail(
        `${opRef('matmul')} does not accept scalars; received x1.shape=${formatShape(x1)} and x2.shape=${formatShape(x2)}. Use ops.multiply to scale a tensor.`,
      );
    }
    // A vector operand is a matrix with one row (x1) or one column (x2), dropped again afterwards.
    const m1 = x1.length === 1 ? [1, x1[0]!] : x1;
    const m2 = x2.length === 1 ? [x2[0]!, 1] : x2;
    const inner1 = m1[m1.length - 1]!;
    const inner2 = m2[m2.length - 2]!;
    if (inner1 !== null && inner2 !== null && inner1 !== inner2) {
      fail(
        `Inner dimensions of ${opRef('matmul')} (x1.shape[-1] and x2.shape[-2]) must be equal, but received x1.shape=${formatShape(x1)} and x2.shape=${formatShape(x2)}.`,
      );
    }
    let batch: Shape;
    try {
      batch = broadcastShapes('matmul', m1.slice(0, -2), m2.slice(0, -2));
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
      return fail(
        `Cannot broadcast the batch dimensions in ${opRef('matmul')}: received x1.shape=${formatShape(x1)} and x2.shape=${formatShape(x2)}; the dimensions before the last two must broadcast (equal, or one of them 1).`,
      );
    }
    const out: Shape = [...batch];
    if (x1.length > 1) out.push(m1[m1.length - 2]!);
    if (x2.length > 1) out.push(m2[m2.length - 1]!);
    return out;
  },
  dtype: sameType,
};

interface ReshapeAttrs extends Attrs {
  shape: number[];
}

const reshape: OpDef<ReshapeAttrs> = {
  name: 'reshape',
  arity: 1,
  attrs: (raw) => {
    onlyKeys('reshape', raw, ['shape']);
    const target = raw.shape;
    if (!Array.isArray(target) || !target.every((d) => d === null || (isInt(d) && d >= -1))) {
      fail(
        `${opRef('reshape')}: the new shape must be an array of non-negative integers with at most one -1 (or null) for the size to infer; received ${describe(target)}.`,
      );
    }
    const shape = target.map((d) => (d === null ? -1 : (d as number)));
    if (shape.filter((d) => d === -1).length > 1) {
      fail(`${opRef('reshape')}: can only infer one dimension, but the new shape ${describe(target)} has more than one -1 (or null).`);
    }
    return { shape };
  },
  shape: ([x], { shape }) => {
    const from = x!;
    const target: Shape = shape.map((d) => (d === -1 ? null : d));
    const inferred = shape.indexOf(-1);
    const fixed = shape.reduce((n, d) => (d === -1 ? n : n * d), 1);
    const size = knownSize(from);
    const show = `${formatShape(from)}`;
    if (inferred === -1) {
      if (size === null) {
        fail(
          `${opRef('reshape')}: cannot reshape a tensor of shape ${show}, whose size is not known until run time, into the fixed shape ${formatShape(target)}. Use -1 for the size to infer (usually the batch axis), e.g. ops.reshape(x, [-1, …]).`,
        );
      }
      if (size !== fixed) {
        fail(`${opRef('reshape')}: cannot reshape a tensor of shape ${show} (${size} elements) into shape ${formatShape(target)} (${fixed} elements).`);
      }
      return target;
    }
    if (size === null) return target;
    if (fixed === 0 || size % fixed !== 0) {
      fail(
        `${opRef('reshape')}: cannot reshape a tensor of shape ${show} (${size} elements) into shape ${formatShape(target)}: ${size} is not a multiple of ${fixed}.`,
      );
    }
    target[inferred] = size / fixed;
    return target;
  },
  dtype: sameType,
};

interface TransposeAttrs extends Attrs {
  perm: number[] | null;
}

const transpose: OpDef<TransposeAttrs> = {
  name: 'transpose',
  arity: 1,
  attrs: (raw) => {
    onlyKeys('transpose', raw, ['perm']);
    const perm = raw.perm;
    if (perm === undefined || perm === null) return { perm: null };
    if (!Array.isArray(perm) || !perm.every(isInt)) {
      fail(`${opRef('transpose')}: \`axes\` must be an array of integers or null; received ${describe(perm)}.`);
    }
    return { perm: [...perm] };
  },
  shape: ([x], { perm }) => {
    const shape = x!;
    if (perm === null) return [...shape].reverse();
    const rank = shape.length;
    const sorted = [...perm].map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
    if (perm.length !== rank || !sorted.every((a, i) => a === i)) {
      fail(
        `${opRef('transpose')}: axes ${describe(perm)} is not a permutation of the ${rank} axes of a tensor of shape ${formatShape(shape)}.`,
      );
    }
    return perm.map((a) => shape[a < 0 ? a + rank : a]!);
  },
  dtype: sameType,
};

const concatenate: OpDef<AxisAttrs> = {
  name: 'concatenate',
  arity: 'list',
  attrs: (raw) => {
    onlyKeys('concatenate', raw, ['axis']);
    return { axis: raw.axis === undefined ? 0 : axisAttr('concatenate', raw.axis) };
  },
  shape: (inputs, { axis }) => {
    const first = inputs[0]!;
    const all = inputs.map(formatShape).join(', ');
    if (first.length === 0) fail(`${opRef('concatenate')} cannot join scalars; received shapes ${all}.`);
    const a = resolveAxis('concatenate', axis, first.length, first);
    const out: Shape = [...first];
    for (const shape of inputs.slice(1)) {
      const mismatch =
        shape.length !== first.length ||
        shape.some((d, i) => i !== a && d !== null && out[i] !== null && d !== out[i]);
      if (mismatch) {
        fail(
          `${opRef('concatenate')}: all tensors must have the same shape except along the concatenation axis ${axis}; received shapes ${formatShape(first)} and ${formatShape(shape)} (all inputs: ${all}).`,
        );
      }
      shape.forEach((d, i) => {
        if (i === a) out[i] = out[i] === null || d === null ? null : out[i]! + d;
        else if (out[i] === null) out[i] = d;
      });
    }
    return out;
  },
  dtype: sameType,
};

const expandDims: OpDef<AxisAttrs> = {
  name: 'expandDims',
  arity: 1,
  attrs: (raw) => {
    onlyKeys('expandDims', raw, ['axis']);
    return { axis: axisAttr('expandDims', raw.axis) };
  },
  shape: ([x], { axis }) => {
    const a = resolveAxis('expandDims', axis, x!.length, x!, 1);
    const out = [...x!];
    out.splice(a, 0, 1);
    return out;
  },
  dtype: sameType,
};

interface SqueezeAttrs extends Attrs {
  axis: number | number[] | null;
}

const squeeze: OpDef<SqueezeAttrs> = {
  name: 'squeeze',
  arity: 1,
  attrs: (raw) => {
    onlyKeys('squeeze', raw, ['axis']);
    return { axis: axesAttr('squeeze', raw.axis) };
  },
  shape: ([x], { axis }) => {
    const shape = x!;
    if (axis === null) return shape.filter((d) => d !== 1);
    const axes = resolveAxes('squeeze', typeof axis === 'number' ? [axis] : axis, shape);
    for (const a of axes) {
      if (shape[a] !== 1) {
        fail(
          `${opRef('squeeze')}: cannot squeeze axis ${a} of a tensor of shape ${formatShape(shape)}: its size is ${shape[a] === null ? 'unknown (None)' : shape[a]}, not 1.`,
        );
      }
    }
    return shape.filter((_, i) => !axes.includes(i));
  },
  dtype: sameType,
};

interface CastAttrs extends Attrs {
  dtype: DType;
}

const cast: OpDef<CastAttrs> = {
  name: 'cast',
  arity: 1,
  attrs: (raw) => {
    onlyKeys('cast', raw, ['dtype']);
    if (!(DTYPES as readonly unknown[]).includes(raw.dtype)) {
      fail(`${opRef('cast')}: \`dtype\` must be one of ${DTYPES.join(', ')}; received ${describe(raw.dtype)}.`);
    }
    return { dtype: raw.dtype as DType };
  },
  shape: ([x]) => [...x!],
  dtype: (_inputs, { dtype }) => dtype,
};

// ---- constants ------------------------------------------------------------------------------

interface ConstAttrs extends Attrs {
  shape: number[];
  dtype: DType;
}

interface FullAttrs extends ConstAttrs {
  value: number;
}

/** A constant's shape: every size known (the batch axis too), as a list (a single number is a vector's length). */
function staticShapeAttr(op: string, value: unknown): number[] {
  const shape = isInt(value) ? [value] : value;
  if (!Array.isArray(shape) || !shape.every((d) => d === null || d === undefined || (isInt(d) && d >= 0))) {
    fail(`${opRef(op)}: \`shape\` must be an array of non-negative integers, e.g. [16, 32]; received ${describe(value)}.`);
  }
  const unknown = shape.findIndex((d) => d === null || d === undefined);
  if (unknown >= 0) {
    const shown = formatShape(shape.map((d) => (d === undefined ? null : d)) as Shape);
    fail(
      `${opRef(op)}: a constant needs a fully known shape, but axis ${unknown} of ${shown} is None (unknown until run time).` +
        (unknown === 0
          ? ' The batch size of a layer\'s input is None unless the model\'s Input sets it: give it one with `batchShape`, e.g. Input({ batchShape: [16, …] }).'
          : ''),
    );
  }
  return [...(shape as number[])];
}

function dtypeAttr(op: string, value: unknown, fallback: DType): DType {
  if (value === undefined || value === null) return fallback;
  if (!(DTYPES as readonly unknown[]).includes(value)) {
    fail(`${opRef(op)}: \`dtype\` must be one of ${DTYPES.join(', ')}; received ${describe(value)}.`);
  }
  return value as DType;
}

/** zeros / ones: a constant tensor of a known shape (float32 unless `dtype` says otherwise). */
function filled(name: string): OpDef<ConstAttrs> {
  return {
    name,
    arity: 0,
    attrs: (raw) => {
      onlyKeys(name, raw, ['shape', 'dtype']);
      return { shape: staticShapeAttr(name, raw.shape), dtype: dtypeAttr(name, raw.dtype, 'float32') };
    },
    shape: (_inputs, { shape }) => [...shape],
    dtype: (_inputs, { dtype }) => dtype,
  };
}

const full: OpDef<FullAttrs> = {
  name: 'full',
  arity: 0,
  attrs: (raw) => {
    onlyKeys('full', raw, ['shape', 'value', 'dtype']);
    const shape = staticShapeAttr('full', raw.shape);
    const value = raw.value;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      fail(`${opRef('full')}: the fill value must be a finite number; received ${describe(value)}.`);
    }
    const dtype = dtypeAttr('full', raw.dtype, 'float32');
    if (dtype === 'int32' && !Number.isInteger(value)) {
      fail(`${opRef('full')}: the fill value ${value} is not an integer, but \`dtype\` is int32.`);
    }
    return { shape, value, dtype };
  },
  shape: (_inputs, { shape }) => [...shape],
  dtype: (_inputs, { dtype }) => dtype,
};

// ---- indexing -------------------------------------------------------------------------------

interface TakeAttrs extends Attrs {
  index: number;
  axis: number;
}

/** `take(x, index, axis)`: one position along an axis, which is dropped (`x[:, t, :]` is `take(x, t, 1)`). */
const take: OpDef<TakeAttrs> = {
  name: 'take',
  arity: 1,
  attrs: (raw) => {
    onlyKeys('take', raw, ['index', 'axis']);
    if (!isInt(raw.index)) {
      fail(
        `${opRef('take')}: \`index\` must be a single integer (negative counts from the end); received ${describe(raw.index)}. Tensors or lists of indices are not supported.`,
      );
    }
    return { index: raw.index, axis: axisAttr('take', raw.axis) };
  },
  shape: ([x], { index, axis }) => {
    const shape = x!;
    if (shape.length === 0) fail(`${opRef('take')} cannot index a scalar (shape ()).`);
    const a = resolveAxis('take', axis, shape.length, shape);
    const size = shape[a]!;
    if (size !== null && (index < -size || index >= size)) {
      fail(
        `${opRef('take')}: index ${index} is out of range for axis ${axis} of size ${size} (shape ${formatShape(shape)}); expected an index in [${-size}, ${size - 1}].`,
      );
    }
    return shape.filter((_, i) => i !== a);
  },
  dtype: sameType,
};

interface SliceAttrs extends Attrs {
  begin: number[];
  size: number[];
}

/** `slice(x, begin, size)`: a block starting at `begin` of `size` along each axis (-1: to the end). */
const slice: OpDef<SliceAttrs> = {
  name: 'slice',
  arity: 1,
  attrs: (raw) => {
    onlyKeys('slice', raw, ['begin', 'size']);
    const { begin, size } = raw;
    if (!Array.isArray(begin) || !begin.every((b) => isInt(b) && b >= 0)) {
      fail(`${opRef('slice')}: \`begin\` must be an array of non-negative integers, one per axis; received ${describe(begin)}.`);
    }
    if (!Array.isArray(size) || !size.every((s) => isInt(s) && s >= -1)) {
      fail(
        `${opRef('slice')}: \`size\` must be an array of non-negative integers (or -1 for "to the end"), one per axis; received ${describe(size)}.`,
      );
    }
    if (begin.length !== size.length) {
      fail(`${opRef('slice')}: \`begin\` ${describe(begin)} and \`size\` ${describe(size)} must have the same length (one entry per axis).`);
    }
    return { begin: [...(begin as number[])], size: [...(size as number[])] };
  },
  shape: ([x], { begin, size }) => {
    const shape = x!;
    if (begin.length !== shape.length) {
      fail(
        `${opRef('slice')}: \`begin\` and \`size\` need one entry per axis of the tensor: it has shape ${formatShape(shape)} (rank ${shape.length}), but they have ${begin.length}.`,
      );
    }
    return shape.map((dim, i) => {
      const b = begin[i]!;
      const s = size[i]!;
      if (dim === null) return s === -1 ? null : s;
      if (b > dim || (s !== -1 && b + s > dim)) {
        fail(
          `${opRef('slice')}: on axis ${i} of size ${dim}, begin=${b} and size=${s} go past the end (shape ${formatShape(shape)}, begin ${describe(begin)}, size ${describe(size)}).`,
        );
      }
      return s === -1 ? dim - b : s;
    });
  },
  dtype: sameType,
};

/** `stack([x1, x2, …], axis = 0)`: tensors of one shape joined along a new axis. */
const stack: OpDef<AxisAttrs> = {
  name: 'stack',
  arity: 'list',
  attrs: (raw) => {
    onlyKeys('stack', raw, ['axis']);
    return { axis: raw.axis === undefined ? 0 : axisAttr('stack', raw.axis) };
  },
  shape: (inputs, { axis }) => {
    const first = inputs[0]!;
    const out: Shape = [...first];
    for (const shape of inputs.slice(1)) {
      const mismatch = shape.length !== first.length || shape.some((d, i) => d !== null && out[i] !== null && d !== out[i]);
      if (mismatch) {
        fail(
          `${opRef('stack')}: all tensors must have the same shape; received shapes ${formatShape(first)} and ${formatShape(shape)} (all inputs: ${inputs.map(formatShape).join(', ')}).`,
        );
      }
      shape.forEach((d, i) => {
        if (out[i] === null) out[i] = d;
      });
    }
    const a = resolveAxis('stack', axis, first.length, first, 1);
    out.splice(a, 0, inputs.length);
    return out;
  },
  dtype: sameType,
};

// ---- the table ----------------------------------------------------------------------------

/** Every primitive op, by name. Add an op by adding an entry here (and its function in `index.ts`). */
export const OPS = {
  // element-wise, two operands, NumPy broadcasting
  add: binary('add'),
  subtract: binary('subtract'),
  multiply: binary('multiply'),
  divide: binary('divide', floatType),
  maximum: binary('maximum'),
  minimum: binary('minimum'),
  pow: binary('pow'),
  // linear algebra
  matmul,
  // element-wise, one operand
  relu: unary('relu'),
  sigmoid: unary('sigmoid', floatType),
  tanh: unary('tanh', floatType),
  exp: unary('exp', floatType),
  log: unary('log', floatType),
  sqrt: unary('sqrt', floatType),
  square: unary('square'),
  abs: unary('abs'),
  negative: unary('negative'),
  // normalised along an axis
  softmax: alongAxis('softmax'),
  logSoftmax: alongAxis('logSoftmax'),
  // reductions
  sum: reduction('sum'),
  mean: reduction('mean', floatType),
  max: reduction('max'),
  min: reduction('min'),
  // shape and type
  reshape,
  transpose,
  concatenate,
  expandDims,
  squeeze,
  cast,
  // constants
  zeros: filled('zeros'),
  ones: filled('ones'),
  full,
  // indexing and joining
  take,
  slice,
  stack,
// eslint-disable-next-line @typescript-eslint/no-explicit-any
} as const satisfies Record<string, OpDef<any>>;

export type OpName = keyof typeof OPS;

/** The attributes each op takes, in canonical form. */
export type OpAttrs<N extends OpName> = ReturnType<(typeof OPS)[N]['attrs']>;

/** Looks an op up by name (own entries only: names may come from a saved file). */
export function getOp(name: string): OpDef | undefined {
  return Object.prototype.hasOwnProperty.call(OPS, name) ? (OPS[name as OpName] as unknown as OpDef) : undefined;
}

export const OP_NAMES = Object.keys(OPS) as OpName[];
