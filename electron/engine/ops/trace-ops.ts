/**
 * Recording one op of a custom layer's traced call: its operands are checked (a tensor of
 * this call, one of the layer's own weights, or a finite number) and resolved to references,
 * its result's shape and dtype come from the op table.
 */
import { TypeError_, ValueError } from '../graph/errors.js';
import type { Layer, Weight } from '../graph/layer.js';
import { isSymbolicTensor } from '../graph/symbolic-tensor.js';
import type { DType, Shape } from '../graph/shape.js';
import { OP_NAMES, getOp, type Attrs, type OperandInfo } from './table.js';
import { label, layerError } from './trace-errors.js';
import type { TraceRef } from './trace-format.js';
import { TracedTensor, activeRecorder, describe, isWeightLike, type TraceRecorder } from './traced-tensor.js';

/** The weights a layer created itself (`layer.weights` also lists those of its sublayers, after these). */
export function ownWeightsOf(layer: Layer): Weight[] {
  return layer.weights.filter((w) => w.layer === layer);
}

/** The dtype of a JS number used as an operand: int32 for integers that fit, else float32. */
export function constDtype(value: number): DType {
  return Number.isInteger(value) && Math.abs(value) <= 2147483647 ? 'int32' : 'float32';
}

interface ResolvedOperand extends OperandInfo {
  ref: TraceRef;
}

/** Finds the call being traced, or explains why there is none. */
function recorderFor(op: string, operands: readonly unknown[]): TraceRecorder {
  const active = activeRecorder();
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
