/**
 * A layer called inside a custom layer's `call()` on traced tensors (a `Dense`, another custom
 * layer, a whole model): recorded as one `layer` step, and tracked as a sublayer of the layer
 * being traced (Keras' auto-tracking), so that the trace can be saved and replayed.
 */
import { TypeError_, ValueError } from '../graph/errors.js';
import type { Layer, Weight } from '../graph/layer.js';
import type { CallKwargs } from '../graph/node.js';
import type { DType, Shape } from '../graph/shape.js';
import { isSymbolicTensor } from '../graph/symbolic-tensor.js';
import type { Attrs } from './table.js';
import { label, layerError } from './trace-errors.js';
import { LAYER_STEP, isPlainRecord, isShapeList } from './trace-format.js';
import { TracedTensor, activeRecorder, describe } from './traced-tensor.js';

/** Layers a layer's call() used that none of its properties holds (tracked when a trace first meets them). */
const calledLayers = new WeakMap<Layer, Layer[]>();

/** The layers a layer's traced call() called without holding them in a property, in the order it met them. */
export function calledSublayers(layer: Layer): Layer[] {
  return calledLayers.get(layer) ?? [];
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
  const rec = activeRecorder();
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
  const several = isShapeList(outputShape) ? outputShape.map((s) => [...s]) : null;
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
