/**
 * The placeholders a custom layer's `call()` runs on while it is traced, and the recorder of
 * the call being traced, which `ops.*` append their steps to.
 */
import { TypeError_ } from '../graph/errors.js';
import type { Layer, Weight } from '../graph/layer.js';
import { formatShape, type DType, type Shape } from '../graph/shape.js';
import { isSymbolicTensor } from '../graph/symbolic-tensor.js';
import { label, layerError } from './trace-errors.js';
import type { TraceInput, TraceRef, TraceStep } from './trace-format.js';

/** What `ops.*` accept: a traced tensor, a weight of the layer being traced, or a JS number (a constant). */
export type Operand = TracedTensor | Weight | number;

/** The steps of one call being traced. */
export class TraceRecorder {
  readonly ops: TraceStep[] = [];
  constructor(
    readonly layer: Layer,
    readonly inputs: TraceInput[],
  ) {}
}

let active: TraceRecorder | null = null;

/** The call being traced, or null outside any. */
export function activeRecorder(): TraceRecorder | null {
  return active;
}

/** Runs `fn` as the call `rec` records (a sublayer's call nests inside its caller's). */
export function recording<T>(rec: TraceRecorder, fn: () => T): T {
  const previous = active;
  active = rec;
  try {
    return fn();
  } finally {
    active = previous;
  }
}

/**
 * A placeholder for a tensor inside a custom layer's `call()`: it has a shape (batch axis
 * `null`) and a dtype, and records the ops applied to it. It has no values, so JavaScript
 * arithmetic, comparisons or `Math.*` on it are errors: use `ops.*`.
 */
export class TracedTensor {
  readonly shape: Shape;
  readonly dtype: DType;
  declare readonly ref: TraceRef;
  declare readonly recorder: TraceRecorder;

  constructor(shape: Shape, dtype: DType, ref: TraceRef, recorder: TraceRecorder) {
    this.shape = Object.freeze([...shape]) as Shape;
    this.dtype = dtype;
    Object.defineProperty(this, 'ref', { value: ref, enumerable: false });
    Object.defineProperty(this, 'recorder', { value: recorder, enumerable: false });
  }

  get rank(): number {
    return this.shape.length;
  }

  get ndim(): number {
    return this.shape.length;
  }

  toString(): string {
    return `<TracedTensor shape=${formatShape(this.shape)}, dtype=${this.dtype}>`;
  }

  toJSON(): { shape: Shape; dtype: DType } {
    return { shape: [...this.shape], dtype: this.dtype };
  }

  valueOf(): never {
    throw misuse(this);
  }

  [Symbol.toPrimitive](hint: string): string {
    // `${x}` (a debug print) is harmless; arithmetic and comparisons are not.
    if (hint === 'string') return this.toString();
    throw misuse(this);
  }
}

function misuse(t: TracedTensor): TypeError_ {
  const layer = t.recorder.layer;
  return layerError(
    new TypeError_(
      `Layer ${label(layer)}: a traced tensor ${t.toString()} was used in a JavaScript operation (arithmetic such as \`x * 2\`, a comparison, or Math.*). Inside call(), tensors are placeholders recorded into the graph and have no values yet: use ops.* instead, e.g. ops.multiply(x, 2) for x * 2, ops.add(x, y) for x + y, ops.exp(x) for Math.exp(x).`,
      layer.name,
    ),
  );
}

export function isTracedTensor(value: unknown): value is TracedTensor {
  return value instanceof TracedTensor;
}

/** What a value is, for error messages about operands. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (isSymbolicTensor(value)) return `a model tensor (SymbolicTensor "${value.name}")`;
  if (value instanceof TracedTensor) return `a traced tensor ${value.toString()}`;
  if (isWeightLike(value)) return `the weight "${value.path}"`;
  if (typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function') return 'a Promise';
  if (typeof value === 'function') return 'a function';
  return `an object (${Object.prototype.toString.call(value)})`;
}

/** A layer's weight, recognised by its fields. */
export function isWeightLike(value: unknown): value is Weight {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as Weight).shape) &&
    typeof (value as Weight).path === 'string' &&
    typeof (value as Weight).layer === 'function'
  );
}
