/**
 * Tracing: a custom layer's `call()` runs once per symbolic call on `TracedTensor`
 * placeholders, and every `ops.*` it uses is recorded as a step
 * `{op, inputs, attrs, shape, dtype}` whose inputs refer to the layer's inputs, its weights,
 * constants or earlier steps. The recording is what the layer computes: it is saved with
 * the model and is what training runs — the JavaScript in `call()` never runs on values.
 *
 * A layer called inside `call()` on traced tensors (a `Dense`, another custom layer, a whole
 * model) is recorded as one `layer` step: the inner layer is built on the traced shape, its
 * output shape comes from its own `computeOutputShape`, and it becomes a sublayer of the
 * layer being traced (Keras' auto-tracking), saved with the trace so that the layer can be
 * rebuilt without its class.
 */
import { StrataError, TypeError_, ValueError } from '../graph/errors.js';
import type { InitializerConfig } from '../graph/initializers.js';
import type { Layer, Weight } from '../graph/layer.js';
import type { CallKwargs } from '../graph/node.js';
import { DTYPES, formatShape, type DType, type Shape } from '../graph/shape.js';
import { serializeLayer, type SerializedLayer } from '../graph/serialize.js';
import { isSymbolicTensor } from '../graph/symbolic-tensor.js';
import { OP_NAMES, getOp, type Attrs, type OperandInfo } from './table.js';

/**
 * Where a step's operand comes from: an input of the call, a weight of the layer (by index in
 * its own weights), a constant, or an earlier step — `{op: i, output: k}` for the k-th result
 * of a `layer` step whose layer returns several tensors.
 */
export type TraceRef = { input: number } | { weight: number } | { const: number } | { op: number; output?: number };

/** The op name of a step that calls a sublayer; its attrs are `{layer: index in the trace's layers, kwargs?}`. */
export const LAYER_STEP = 'layer';

export interface TraceStep {
  op: string;
  inputs: TraceRef[];
  attrs: Attrs;
  /** The result's shape; a list of shapes for a `layer` step whose layer returns several tensors. */
  shape: Shape | Shape[];
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

/**
 * The saved form (in the layer's `build_config.trace`). `weights` are the layer's own;
 * `layers` (present when it has any) are its sublayers as `serializeLayer` writes them, in
 * `sublayers()` order — `layer` steps refer to them by index.
 */
export interface TraceJSON {
  inputs: TraceInput[];
  weights: TraceWeight[];
  layers?: SerializedLayer[];
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

/** The weights a layer created itself (`layer.weights` also lists those of its sublayers, after these). */
export function ownWeightsOf(layer: Layer): Weight[] {
  return layer.weights.filter((w) => w.layer === layer);
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
    const index = ownWeightsOf(layer).indexOf(value);
    if (index < 0) {
      const inner = layer.sublayers().includes(value.layer) ? ` (a layer inside this one: call that layer on a tensor instead of using its weights)` : '';
      throw layerError(
        new ValueError(
          `ops.${op}() in layer ${label(layer)} got ${position}, the weight "${value.path}", which belongs to layer "${value.layer.name}"${inner}. A layer's call() can only use its own weights (created with this.addWeight).`,
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

/**
 * The shape and dtype of an operand of `op` inside the call being traced (with the same checks
 * as `applyOp`), for `ops.*` functions that are made of several primitive ops (`split`).
 */
export function operandInfo(op: string, value: unknown): { shape: Shape; dtype: DType } {
  const rec = recorderFor(op, [value]);
  const { shape, dtype } = resolveOperand(rec, op, value, 'argument 1');
  return { shape, dtype };
}

// ---- layers called inside call() --------------------------------------------------------------

/** Layers a layer's call() used that none of its properties holds (tracked when a trace first meets them). */
const calledLayers = new WeakMap<Layer, Layer[]>();

/** The layers a layer's traced call() called without holding them in a property, in the order it met them. */
export function calledSublayers(layer: Layer): Layer[] {
  return calledLayers.get(layer) ?? [];
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Whether a layer is being called on traced tensors (inside a custom layer's call()) rather than on model tensors. */
export function hasTracedInput(inputs: unknown): boolean {
  if (inputs instanceof TracedTensor) return true;
  if (Array.isArray(inputs)) return inputs.some((v) => v instanceof TracedTensor);
  return isPlainRecord(inputs) && Object.values(inputs).some((v) => v instanceof TracedTensor);
}

function containsTensor(value: unknown, depth = 0): boolean {
  if (value instanceof TracedTensor || isSymbolicTensor(value)) return true;
  if (depth > 8 || value === null || typeof value !== 'object') return false;
  return Object.values(value).some((v) => containsTensor(v, depth + 1));
}

function isShapes(value: Shape | Shape[]): value is Shape[] {
  return value.length > 0 && Array.isArray(value[0]);
}

/**
 * Calls `inner` inside the call being traced, on traced tensors: checks and builds it on their
 * shapes, gets its output shape(s) from its `computeOutputShape` (a model runs the shapes
 * through its graph), records one `layer` step and returns its result(s). No graph node is
 * made. The inner layer becomes a sublayer of the layer being traced if no property holds it.
 */
export function traceLayerCall(inner: Layer, inputs: unknown, kwargs: CallKwargs = {}): TracedTensor | TracedTensor[] {
  const traced = (Array.isArray(inputs) ? inputs : isPlainRecord(inputs) ? Object.values(inputs) : [inputs]).find(
    (v): v is TracedTensor => v instanceof TracedTensor,
  )!;
  const rec = active;
  if (!rec) {
    const finished = traced.recorder.layer;
    throw layerError(
      new ValueError(
        `Layer ${label(inner)} was called on a tensor from a call of layer ${label(finished)} that has already finished. Tensors made inside call() exist only during that call: do not keep them on the layer or use them afterwards.`,
        finished.name,
      ),
    );
  }
  const outer = rec.layer;
  const where = `Layer ${label(inner)}, called inside the call() of layer ${label(outer)},`;
  if (inner === outer) {
    throw layerError(new ValueError(`${where} is the layer itself: a layer cannot call itself in its call().`, outer.name));
  }
  // Inputs: one tensor, a list, or (for a model) an object keyed by the model's input names.
  let given: unknown[];
  if (isPlainRecord(inputs)) {
    const names = (inner as unknown as { inputNames?: unknown }).inputNames;
    if (!Array.isArray(names)) {
      throw layerError(new TypeError_(`${where} got an object of tensors; pass a tensor or an array of tensors.`, outer.name));
    }
    const missing = names.filter((n) => !(String(n) in inputs));
    if (missing.length > 0) {
      throw layerError(
        new ValueError(
          `${where} got inputs by name but is missing ${JSON.stringify(missing)}; expected keys ${JSON.stringify(names)}, received ${JSON.stringify(Object.keys(inputs))}.`,
          outer.name,
        ),
      );
    }
    given = names.map((n) => inputs[String(n)]);
  } else {
    given = Array.isArray(inputs) ? inputs : [inputs];
  }
  // One tensor (also a list of one) is passed alone, several as a list: what a replay does too.
  const many = given.length > 1;
  const refs = given.map((v, i) => {
    if (!(v instanceof TracedTensor)) {
      throw layerError(
        new TypeError_(
          `${where} got input ${i} = ${describe(v)}; inside call() a layer takes the tensors of the call (its inputs, or results of ops.* and of other layers).`,
          outer.name,
        ),
      );
    }
    if (v.recorder !== rec) {
      const other = v.recorder.layer;
      throw layerError(
        new ValueError(
          other === outer
            ? `${where} got input ${i}, a tensor from an earlier call of layer ${label(outer)}. Tensors made inside call() exist only during that call: do not keep them on the layer.`
            : `${where} got input ${i}, a tensor from layer ${label(other)}. A layer's call() can only use its own inputs, its weights and numbers.`,
          outer.name,
        ),
      );
    }
    return { ref: v.ref, shape: [...v.shape], dtype: v.dtype };
  });
  if (containsTensor(kwargs)) {
    throw layerError(
      new ValueError(
        `${where} got a tensor among its keyword arguments (${Object.keys(kwargs).join(', ')}); inside call(), tensors can only be passed as the layer's inputs.`,
        outer.name,
      ),
    );
  }
  let options: Record<string, unknown>;
  try {
    options = JSON.parse(JSON.stringify(kwargs)) as Record<string, unknown>;
  } catch {
    throw layerError(new TypeError_(`${where} got keyword arguments that cannot be saved (they must be plain JSON values).`, outer.name));
  }

  const shapes = refs.map((r) => [...r.shape]);
  const inputShape: Shape | Shape[] = many ? shapes : shapes[0]!;
  inner.assertInputCompatibility(shapes);
  const wasBuilt = inner.built;
  let outputShape: Shape | Shape[];
  let dtype: DType;
  try {
    inner.maybeBuild(inputShape, kwargs);
    inner.assertInputCompatibility(shapes);
    outputShape = inner.computeOutputShape(inputShape, kwargs);
    dtype = inner.computeOutputDtype(refs.map((r) => r.dtype));
  } catch (e) {
    // A first call that fails leaves the inner layer unbuilt, ready for a call that fits.
    if (!wasBuilt) {
      const state = inner as unknown as { built: boolean; buildInputShape: unknown; ownWeights: Weight[] };
      state.built = false;
      state.buildInputShape = null;
      state.ownWeights = [];
    }
    throw e;
  }

  // Keras' auto-tracking: a layer the call uses belongs to the layer being traced.
  let index = outer.sublayers().indexOf(inner);
  if (index < 0) {
    const list = calledLayers.get(outer) ?? [];
    list.push(inner);
    calledLayers.set(outer, list);
    index = outer.sublayers().indexOf(inner);
    if (index < 0) {
      throw layerError(
        new ValueError(`${where} is not among the sublayers of layer ${label(outer)} (its sublayers() leaves it out), so it cannot be saved with it.`, outer.name),
      );
    }
  }
  const attrs: Attrs = { layer: index };
  if (Object.keys(options).length > 0) attrs.kwargs = options;
  const several = isShapes(outputShape) ? outputShape.map((s) => [...s]) : null;
  rec.ops.push({
    op: LAYER_STEP,
    inputs: refs.map((r) => r.ref),
    attrs,
    shape: several ?? [...(outputShape as Shape)],
    dtype,
  });
  const step = rec.ops.length - 1;
  if (several) return several.map((s, k) => new TracedTensor(s, dtype, { op: step, output: k }, rec));
  return new TracedTensor(outputShape as Shape, dtype, { op: step }, rec);
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
  const shape = ref.output === undefined ? step.shape : (step.shape as Shape[])[ref.output]!;
  return { shape: shape as Shape, dtype: step.dtype, weak: false };
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
    const operands = step.inputs.map((r) => refDtype(r, trace, layer));
    if (step.op === LAYER_STEP) {
      const inner = layer.sublayers()[step.attrs.layer as number];
      if (inner) step.dtype = inner.computeOutputDtype(operands.map((o) => o.dtype));
      continue;
    }
    step.dtype = getOp(step.op)!.dtype(operands, step.attrs);
  }
  const first = Array.isArray(trace.outputs) ? trace.outputs[0]! : trace.outputs;
  return refDtype(first, trace, layer).dtype;
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * The saved form of a layer's first traced call with its own weights and (when it has any) its
 * sublayers, or null if it was never traced.
 */
export function savedTrace(layer: Layer): TraceJSON | null {
  const state = traces.get(layer);
  if (!state) return null;
  const { inputs, ops, outputs } = clone(state.first);
  const weights = ownWeightsOf(layer).map(
    (w): TraceWeight => ({
      name: w.name,
      shape: [...w.shape],
      dtype: w.dtype,
      // The weight's own flag, not combined with the layer's `trainable` (which the config carries).
      trainable: (w as unknown as { ownTrainable: boolean }).ownTrainable,
      initializer: clone(w.initializer),
    }),
  );
  const sublayers = layer.sublayers();
  if (sublayers.length === 0) return { inputs, weights, ops, outputs };
  return { inputs, weights, layers: sublayers.map((l) => serializeLayer(l)), ops, outputs };
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
 * it in the shape the engine uses. Throws a `ValueError` saying what is wrong and where. The
 * entries of `layers` are only checked to be layer objects here: deserialising them checks the rest.
 */
export function parseTrace(value: unknown, where: string, layerName?: string): TraceJSON {
  const bad = (what: string): never => {
    throw new ValueError(`Invalid trace at ${where}${layerName ? ` (layer "${layerName}")` : ''}: ${what}`, layerName);
  };
  if (!isPlainObject(value)) return bad(`expected an object with inputs, weights, ops and outputs; received ${describe(value)}.`);
  const { inputs, weights, layers, ops, outputs } = value;
  if (!Array.isArray(inputs) || inputs.length === 0) bad('`inputs` must be a non-empty array.');
  if (!Array.isArray(weights)) bad('`weights` must be an array.');
  if (layers !== undefined && !Array.isArray(layers)) bad('`layers` must be an array of layers when present.');
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
  const sublayers = (layers ?? []) as unknown[];
  sublayers.forEach((l, i) => {
    if (!isPlainObject(l) || typeof l.class_name !== 'string' || !isPlainObject(l.config)) {
      bad(`layers[${i}] must be a saved layer {class_name, config, …}; received ${JSON.stringify(l)?.slice(0, 200)}.`);
    }
  });
  const steps = ops as unknown[];
  /** How many results each step has (1, or the number of outputs of a `layer` step with several). */
  const outputCounts: Array<number | null> = [];
  const checkRef = (ref: unknown, at: string, stepCount: number): TraceRef => {
    const keys = isPlainObject(ref) ? Object.keys(ref).sort() : [];
    const r = ref as Record<string, unknown>;
    const index = (key: string, limit: number): boolean =>
      typeof r[key] === 'number' && Number.isInteger(r[key]) && (r[key] as number) >= 0 && (r[key] as number) < limit;
    const one = keys.length === 1;
    let ok =
      (one && keys[0] === 'input' && index('input', (inputs as unknown[]).length)) ||
      (one && keys[0] === 'weight' && index('weight', (weights as unknown[]).length)) ||
      (one && keys[0] === 'const' && typeof r.const === 'number' && Number.isFinite(r.const));
    if (!ok && (one ? keys[0] === 'op' : keys.length === 2 && keys[0] === 'op' && keys[1] === 'output') && index('op', stepCount)) {
      const count = outputCounts[r.op as number];
      ok = one ? count === null : count !== null && index('output', count!);
    }
    if (!ok) {
      bad(
        `${at} must be {input: i}, {weight: i}, {op: i} (an earlier op) or {const: number}, with an index in range ({op: i, output: k} for one output of a layer step that has several); received ${JSON.stringify(ref)}.`,
      );
    }
    return Object.fromEntries(keys.map((k) => [k, r[k]])) as TraceRef;
  };
  steps.forEach((step, i) => {
    if (!isPlainObject(step)) return bad(`ops[${i}] must be an object; received ${JSON.stringify(step)}.`);
    const isLayer = step.op === LAYER_STEP;
    if (!isLayer && (typeof step.op !== 'string' || !getOp(step.op))) {
      bad(`ops[${i}] names an unknown op ${JSON.stringify(step.op)}; the ops are: ${OP_NAMES.join(', ')} (and "${LAYER_STEP}" for a call of a sublayer).`);
    }
    if (!Array.isArray(step.inputs)) bad(`ops[${i}].inputs must be an array.`);
    (step.inputs as unknown[]).forEach((ref, k) => checkRef(ref, `ops[${i}].inputs[${k}]`, i));
    if (!isPlainObject(step.attrs)) bad(`ops[${i}].attrs must be an object.`);
    const attrs = step.attrs as Record<string, unknown>;
    if (isLayer) {
      const extra = Object.keys(attrs).filter((k) => k !== 'layer' && k !== 'kwargs');
      const ref = attrs.layer;
      if (typeof ref !== 'number' || !Number.isInteger(ref) || ref < 0 || ref >= sublayers.length || extra.length > 0) {
        bad(`ops[${i}] calls a sublayer: its attrs must be {layer: an index into \`layers\` (${sublayers.length} saved), kwargs?}; received ${JSON.stringify(attrs)}.`);
      }
      if (attrs.kwargs !== undefined && !isPlainObject(attrs.kwargs)) bad(`ops[${i}].attrs.kwargs must be an object.`);
      if ((step.inputs as unknown[]).length === 0) bad(`ops[${i}] calls a sublayer on no inputs.`);
    }
    const several = isLayer && Array.isArray(step.shape) && step.shape.length > 0 && step.shape.every((s) => isShape(s, true));
    if (!(several || isShape(step.shape, true)) || !isDtype(step.dtype)) bad(`ops[${i}] must have a shape and a dtype.`);
    outputCounts.push(several ? (step.shape as unknown[]).length : null);
  });
  const checkOutput = (ref: unknown, at: string): void => {
    const r = checkRef(ref, at, steps.length);
    if (!('input' in r) && !('op' in r)) bad(`${at} must refer to an input or an op; received ${JSON.stringify(ref)}.`);
  };
  if (Array.isArray(outputs)) {
    if (outputs.length === 0) bad('`outputs` must not be empty.');
    outputs.forEach((ref, i) => checkOutput(ref, `outputs[${i}]`));
  } else {
    checkOutput(outputs, 'outputs');
  }
  const parsed = { inputs, weights, ...(layers !== undefined && { layers }), ops, outputs };
  return clone(parsed) as TraceJSON;
}
