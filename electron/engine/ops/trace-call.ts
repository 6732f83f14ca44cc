/**
 * Tracing a custom layer's call: its `call()` runs on placeholders and the steps it records
 * are kept per layer. The first call's trace is what the layer saves; the latest one's gives
 * its output dtype.
 */
import { TypeError_, ValueError } from '../graph/errors.js';
import type { Layer } from '../graph/layer.js';
import type { CallKwargs } from '../graph/node.js';
import { serializeLayer } from '../graph/serialize.js';
import type { DType, Shape } from '../graph/shape.js';
import { getOp, type OperandInfo } from './table.js';
import { annotate, label, layerError } from './trace-errors.js';
import { LAYER_STEP, clone, isShapeList, type LayerTrace, type TraceJSON, type TraceRef, type TraceWeight } from './trace-format.js';
import { constDtype, ownWeightsOf } from './trace-ops.js';
import { TraceRecorder, TracedTensor, describe, recording } from './traced-tensor.js';

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
  let result: unknown;
  try {
    result = recording(rec, () => (layer as CallableLayer).call(many ? placeholders : placeholders[0], kwargs));
  } catch (e) {
    throw annotate(e, layer);
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
