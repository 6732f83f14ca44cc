/**
 * Tracing: a custom layer's `call()` runs once per symbolic call on `TracedTensor`
 * placeholders, and every `ops.*` it uses is recorded as a step
 * `{op, inputs, attrs, shape, dtype}` whose inputs refer to the layer's inputs, its weights,
 * constants or earlier steps. The recording is what the layer computes: it is saved with
 * the model and is what training runs — the JavaScript in `call()` never runs on values.
 */
import { StrataError, TypeError_, ValueError } from '../graph/errors.js';
import type { InitializerConfig } from '../graph/initializers.js';
import type { Layer, Weight } from '../graph/layer.js';
import type { CallKwargs } from '../graph/node.js';
import { DTYPES, formatShape, type DType, type Shape } from '../graph/shape.js';
import { isSymbolicTensor } from '../graph/symbolic-tensor.js';
import { OP_NAMES, getOp, type Attrs, type OperandInfo } from './table.js';

/** Where a step's operand comes from: an input of the call, a weight of the layer (by index in `layer.weights`), a constant, or an earlier step. */
export type TraceRef = { input: number } | { weight: number } | { const: number } | { op: number };

export interface TraceStep {
  op: string;
  inputs: TraceRef[];
  attrs: Attrs;
  shape: Shape;
  dtype: DType;
}

export interface TraceInput {
  shape: Shape;
  dtype: DType;
}

/** One recorded call: the inputs it was traced with, its steps, and which refs it returned (one, or a list). */
export interface LayerTrace {
  inputs: TraceInput[];
  ops: TraceStep[];
  outputs: TraceRef | TraceRef[];
}

/** A weight as the trace saves it, so that a process without the layer's class can recreate it. */
export interface TraceWeight {
  name: string;
  shape: number[];
  dtype: DType;
  /** The weight's own flag (the layer's `trainable` is in its config). */
  trainable: boolean;
  initializer: InitializerConfig;
}

/** The saved form (in the layer's `build_config.trace`). */
export interface TraceJSON {
  inputs: TraceInput[];
  weights: TraceWeight[];
  ops: TraceStep[];
  outputs: TraceRef | TraceRef[];
}

/** What `ops.*` accept: a traced tensor, a weight of the layer being traced, or a JS number (a constant). */
export type Operand = TracedTensor | Weight | number;

// ---- recorder -------------------------------------------------------------------------------

export class TraceRecorder {
  readonly ops: TraceStep[] = [];
  open = true;
  constructor(
    readonly layer: Layer,
    readonly inputs: TraceInput[],
  ) {}
}

let active: TraceRecorder | null = null;

function label(layer: Layer): string {
  return `"${layer.name}" (${layer.className})`;
}

/** Errors that already say which layer they are about; `annotate` leaves them alone. */
const annotated = new WeakSet<object>();

function layerError<E extends Error>(error: E): E {
  annotated.add(error);
  return error;
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

// ---- applying ops ---------------------------------------------------------------------------

function describe(value: unknown): string {
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

function isWeightLike(value: unknown): value is Weight {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as Weight).shape) &&
    typeof (value as Weight).path === 'string' &&
    typeof (value as Weight).layer === 'function'
  );
}

function constDtype(value: number): DType {
  return Number.isInteger(value) && Math.abs(value) <= 2147483647 ? 'int32' : 'float32';
}

interface ResolvedOperand extends OperandInfo {
  ref: TraceRef;
}

/** Finds the call being traced, or explains why there is none. */
function recorderFor(op: string, operands: readonly unknown[]): TraceRecorder {
  if (active) return active;
  const finished = operands.find((v): v is TracedTensor => v instanceof TracedTensor);
  if (finished) {
    throw layerError(
      new ValueError(
        `ops.${op}() was called with a tensor from a call of layer ${label(finished.recorder.layer)} that has already finished. Tensors made inside call() exist only during that call: do not keep them on the layer or use them afterwards.`,
        finished.recorder.layer.name,
      ),
    );
  }
  const symbolic = operands.find(isSymbolicTensor);
  if (symbolic) {
    throw new ValueError(
      `ops.${op}() works inside a custom layer's call(), on the tensors the layer receives there; it was given ${describe(symbolic)}. Put the computation in a custom layer (a class extending layers.Layer whose call() uses ops.*) and call that layer on the model tensor, or use a built-in layer.`,
    );
  }
  throw new ValueError(
    `ops.${op}() can only be used inside the call() method of a custom layer, while the layer is called on a tensor.`,
  );
}

function resolveOperand(rec: TraceRecorder, op: string, value: unknown, position: string): ResolvedOperand {
  const layer = rec.layer;
  if (value instanceof TracedTensor) {
    if (value.recorder !== rec) {
      const other = value.recorder.layer;
      throw layerError(
        new ValueError(
          other === layer
            ? `ops.${op}() in layer ${label(layer)} got ${position}, a tensor from an earlier call of this layer. Tensors made inside call() exist only during that call: do not keep them on the layer.`
            : `ops.${op}() in layer ${label(layer)} got ${position}, a tensor from layer ${label(other)}. A layer's call() can only use its own inputs, its weights and numbers.`,
          layer.name,
        ),
      );
    }
    return { ref: value.ref, shape: [...value.shape], dtype: value.dtype, weak: false };
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw layerError(
        new ValueError(`ops.${op}() in layer ${label(layer)} got ${position} = ${value}; constants must be finite numbers.`, layer.name),
      );
    }
    return { ref: { const: value }, shape: [], dtype: constDtype(value), weak: true };
  }
  if (isWeightLike(value)) {
    const index = layer.weights.indexOf(value);
    if (index < 0) {
      throw layerError(
        new ValueError(
          `ops.${op}() in layer ${label(layer)} got ${position}, the weight "${value.path}", which belongs to layer "${value.layer.name}". A layer's call() can only use its own weights (created with this.addWeight).`,
          layer.name,
        ),
      );
    }
    return { ref: { weight: index }, shape: [...value.shape], dtype: value.dtype, weak: false };
  }
  const hint =
    value === undefined
      ? ' If it is a weight, create it in build() with this.addWeight().'
      : Array.isArray(value)
        ? ' Arrays of numbers are not operands; only single numbers are.'
        : '';
  throw layerError(
    new TypeError_(
      `ops.${op}() in layer ${label(layer)} got ${position} = ${describe(value)}; expected a tensor, a weight of the layer or a number.${hint}`,
      layer.name,
    ),
  );
}

/**
 * Applies a primitive op inside the call being traced: checks the operands against the op's
 * shape rule, records one step and returns its result. `ops.*` and trace replay both go through here.
 */
export function applyOp(name: string, operands: readonly unknown[], rawAttrs: Attrs = {}): TracedTensor {
  const def = getOp(name);
  if (!def) throw new ValueError(`Unknown op "${name}"; the ops are: ${OP_NAMES.join(', ')}.`);
  const rec = recorderFor(name, operands);
  const list = def.arity === 'list';
  if (list ? operands.length === 0 : operands.length !== def.arity) {
    throw layerError(
      new ValueError(
        list
          ? `ops.${name}() in layer ${label(rec.layer)} needs a non-empty array of tensors.`
          : `ops.${name}() takes ${def.arity} tensor argument(s); received ${operands.length} (layer ${label(rec.layer)}).`,
        rec.layer.name,
      ),
    );
  }
  const resolved = operands.map((v, i) =>
    resolveOperand(rec, name, v, list ? `element ${i} of its list` : `argument ${i + 1}`),
  );
  const attrs = def.attrs(rawAttrs);
  const shape = def.shape(
    resolved.map((r) => r.shape),
    attrs,
  );
  const dtype = def.dtype(resolved, attrs);
  rec.ops.push({ op: name, inputs: resolved.map((r) => r.ref), attrs, shape: [...shape], dtype });
  return new TracedTensor(shape, dtype, { op: rec.ops.length - 1 }, rec);
}

// ---- tracing a layer's call -----------------------------------------------------------------

interface LayerTraces {
  /** The first call's trace: what the layer saves. */
  first: LayerTrace;
  /** The latest call's trace (every call is re-traced to validate it). */
  last: LayerTrace;
}

const traces = new WeakMap<Layer, LayerTraces>();

type CallableLayer = Layer & { call(inputs: unknown, kwargs: CallKwargs): unknown };

/** Whether a layer's forward is a `call()` written with ops (custom layers), rather than a built-in rule. */
export function hasTracedCall(layer: Layer): boolean {
  return typeof (layer as { call?: unknown }).call === 'function';
}

function isShapeList(value: Shape | Shape[]): value is Shape[] {
  return value.length > 0 && Array.isArray(value[0]);
}

/** Adds which layer was being called to an error thrown inside its `call()`, keeping its stack. */
function annotate(error: unknown, layer: Layer): unknown {
  if (!(error instanceof Error) || annotated.has(error)) return error;
  annotated.add(error);
  const before = error.message;
  error.message = `Exception encountered when calling layer ${label(layer)}: ${before}`;
  if (typeof error.stack === 'string' && before) error.stack = error.stack.replace(before, () => error.message);
  if (error instanceof StrataError && error.layerName === undefined) error.layerName = layer.name;
  return error;
}

function checkOutputs(layer: Layer, rec: TraceRecorder, result: unknown): TracedTensor | TracedTensor[] {
  const bad = (what: string): never => {
    throw layerError(
      new TypeError_(
        `The call() method of layer ${label(layer)} must return a tensor computed with ops.* from its inputs (or an array of such tensors); it returned ${what}. Use ops.* for every computation in call(), e.g. return ops.add(ops.matmul(inputs, this.w), this.b).`,
        layer.name,
      ),
    );
  };
  const check = (value: unknown, where: string): TracedTensor => {
    if (value instanceof TracedTensor) {
      if (value.recorder !== rec) bad(`${where}a tensor that was not made in this call`);
      return value;
    }
    if (value === undefined) return bad(`${where}undefined (is a \`return\` missing?)`);
    if (typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function') {
      return bad(`${where}a Promise (call() must not be async)`);
    }
    return bad(`${where}${describe(value)}`);
  };
  if (Array.isArray(result)) {
    if (result.length === 0) bad('an empty array');
    return result.map((v, i) => check(v, `an array whose element ${i} is `));
  }
  return check(result, '');
}

/**
 * Runs a custom layer's `call()` on placeholders of the given input shape(s), records what
 * it does, and returns the output shape(s). The first trace is kept for saving; every call
 * re-traces, so each call is validated against the op shape rules.
 */
export function traceCall(layer: Layer, inputShape: Shape | Shape[], kwargs: CallKwargs = {}): Shape | Shape[] {
  if (!hasTracedCall(layer)) throw new ValueError(`Layer ${label(layer)} has no call() method to trace.`, layer.name);
  const many = isShapeList(inputShape);
  const shapes = many ? inputShape : [inputShape as Shape];
  // Input dtypes are not known here; `traceOutputDtype` sets them right after.
  const rec = new TraceRecorder(
    layer,
    shapes.map((s) => ({ shape: [...s], dtype: layer.dtype })),
  );
  const placeholders = shapes.map((s, i) => new TracedTensor(s, layer.dtype, { input: i }, rec));
  const previous = active;
  active = rec;
  let result: unknown;
  try {
    result = (layer as CallableLayer).call(many ? placeholders : placeholders[0], kwargs);
  } catch (e) {
    throw annotate(e, layer);
  } finally {
    active = previous;
    rec.open = false;
  }
  const outputs = checkOutputs(layer, rec, result);
  const trace: LayerTrace = {
    inputs: rec.inputs,
    ops: rec.ops,
    outputs: Array.isArray(outputs) ? outputs.map((t) => t.ref) : outputs.ref,
  };
  const state = traces.get(layer);
  if (state) state.last = trace;
  else traces.set(layer, { first: trace, last: trace });
  return Array.isArray(outputs) ? outputs.map((t) => [...t.shape]) : [...outputs.shape];
}

function refDtype(ref: TraceRef, trace: LayerTrace, layer: Layer): OperandInfo {
  if ('input' in ref) return { ...trace.inputs[ref.input]!, weak: false };
  if ('weight' in ref) {
    const w = layer.weights[ref.weight]!;
    return { shape: w.shape, dtype: w.dtype, weak: false };
  }
  if ('const' in ref) return { shape: [], dtype: constDtype(ref.const), weak: true };
  const step = trace.ops[ref.op]!;
  return { shape: step.shape, dtype: step.dtype, weak: false };
}

/**
 * The output dtype of the latest traced call, given the real input dtypes: the dtypes of
 * its steps are recomputed from them (shape rules do not depend on dtypes).
 */
export function traceOutputDtype(layer: Layer, inputDtypes: DType[]): DType {
  const state = traces.get(layer);
  if (!state) return layer.dtype;
  const trace = state.last;
  trace.inputs.forEach((input, i) => {
    input.dtype = inputDtypes[i] ?? input.dtype;
  });
  for (const step of trace.ops) {
    const def = getOp(step.op)!;
    step.dtype = def.dtype(
      step.inputs.map((r) => refDtype(r, trace, layer)),
      step.attrs,
    );
  }
  const first = Array.isArray(trace.outputs) ? trace.outputs[0]! : trace.outputs;
  return refDtype(first, trace, layer).dtype;
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The saved form of a layer's first traced call with its weights, or null if it was never traced. */
export function savedTrace(layer: Layer): TraceJSON | null {
  const state = traces.get(layer);
  if (!state) return null;
  const { inputs, ops, outputs } = clone(state.first);
  const weights = layer.weights.map(
    (w): TraceWeight => ({
      name: w.name,
      shape: [...w.shape],
      dtype: w.dtype,
      // The weight's own flag, not combined with the layer's `trainable` (which the config carries).
      trainable: (w as unknown as { ownTrainable: boolean }).ownTrainable,
      initializer: clone(w.initializer),
    }),
  );
  return { inputs, weights, ops, outputs };
}

// ---- reading a saved trace --------------------------------------------------------------------

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isShape(value: unknown, allowNull: boolean): value is Shape {
  return (
    Array.isArray(value) &&
    value.every((d) => (allowNull && d === null) || (typeof d === 'number' && Number.isInteger(d) && d >= 0))
  );
}

function isDtype(value: unknown): value is DType {
  return (DTYPES as readonly unknown[]).includes(value);
}

/**
 * Checks a saved trace (it comes from a file or a sandbox, so nothing is assumed) and returns
 * it in the shape the engine uses. Throws a `ValueError` saying what is wrong and where.
 */
export function parseTrace(value: unknown, where: string, layerName?: string): TraceJSON {
  const bad = (what: string): never => {
    throw new ValueError(`Invalid trace at ${where}${layerName ? ` (layer "${layerName}")` : ''}: ${what}`, layerName);
  };
  if (!isPlainObject(value)) return bad(`expected an object with inputs, weights, ops and outputs; received ${describe(value)}.`);
  const { inputs, weights, ops, outputs } = value;
  if (!Array.isArray(inputs) || inputs.length === 0) bad('`inputs` must be a non-empty array.');
  if (!Array.isArray(weights)) bad('`weights` must be an array.');
  if (!Array.isArray(ops)) bad('`ops` must be an array.');
  (inputs as unknown[]).forEach((input, i) => {
    if (!isPlainObject(input) || !isShape(input.shape, true) || !isDtype(input.dtype)) {
      bad(`inputs[${i}] must be {shape, dtype}; received ${JSON.stringify(input)}.`);
    }
  });
  (weights as unknown[]).forEach((w, i) => {
    if (
      !isPlainObject(w) ||
      typeof w.name !== 'string' ||
      !isShape(w.shape, false) ||
      !isDtype(w.dtype) ||
      typeof w.trainable !== 'boolean' ||
      !isPlainObject(w.initializer)
    ) {
      bad(`weights[${i}] must be {name, shape, dtype, trainable, initializer}; received ${JSON.stringify(w)}.`);
    }
  });
  const checkRef = (ref: unknown, at: string, stepCount: number): TraceRef => {
    const keys = isPlainObject(ref) ? Object.keys(ref) : [];
    const r = ref as Record<string, unknown>;
    const index = (key: string, limit: number): boolean =>
      typeof r[key] === 'number' && Number.isInteger(r[key]) && (r[key] as number) >= 0 && (r[key] as number) < limit;
    const ok =
      keys.length === 1 &&
      ((keys[0] === 'input' && index('input', (inputs as unknown[]).length)) ||
        (keys[0] === 'weight' && index('weight', (weights as unknown[]).length)) ||
        (keys[0] === 'op' && index('op', stepCount)) ||
        (keys[0] === 'const' && typeof r.const === 'number' && Number.isFinite(r.const)));
    if (!ok) {
      bad(
        `${at} must be {input: i}, {weight: i}, {op: i} (an earlier op) or {const: number}, with an index in range; received ${JSON.stringify(ref)}.`,
      );
    }
    return { [keys[0]!]: r[keys[0]!] } as TraceRef;
  };
  (ops as unknown[]).forEach((step, i) => {
    if (!isPlainObject(step)) return bad(`ops[${i}] must be an object; received ${JSON.stringify(step)}.`);
    if (typeof step.op !== 'string' || !getOp(step.op)) {
      bad(`ops[${i}] names an unknown op ${JSON.stringify(step.op)}; the ops are: ${OP_NAMES.join(', ')}.`);
    }
    if (!Array.isArray(step.inputs)) bad(`ops[${i}].inputs must be an array.`);
    (step.inputs as unknown[]).forEach((ref, k) => checkRef(ref, `ops[${i}].inputs[${k}]`, i));
    if (!isPlainObject(step.attrs)) bad(`ops[${i}].attrs must be an object.`);
    if (!isShape(step.shape, true) || !isDtype(step.dtype)) bad(`ops[${i}] must have a shape and a dtype.`);
  });
  const stepCount = (ops as unknown[]).length;
  const checkOutput = (ref: unknown, at: string): void => {
    const r = checkRef(ref, at, stepCount);
    if (!('input' in r) && !('op' in r)) bad(`${at} must refer to an input or an op; received ${JSON.stringify(ref)}.`);
  };
  if (Array.isArray(outputs)) {
    if (outputs.length === 0) bad('`outputs` must not be empty.');
    outputs.forEach((ref, i) => checkOutput(ref, `outputs[${i}]`));
  } else {
    checkOutput(outputs, 'outputs');
  }
  return clone({ inputs, weights, ops, outputs }) as TraceJSON;
}
