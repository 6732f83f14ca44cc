/**
 * Runs a custom layer in a plan: its forward is the trace its call() recorded (ops of the op
 * table and calls of sublayers), replayed here step by step into kernels. Every op of the
 * table has a lowering (element-wise ops with broadcasting, matmul, reductions, softmax,
 * views, transpose, joins and slices, constants, casts) whose backward the tape records, so
 * custom layers train like built-in ones; a `layer` step calls the sublayer's own `forward`.
 *
 * The trace is the one the layer saves (its first call); shapes are recomputed with the op
 * table's shape rules for each call, so a shared layer runs on each call's shapes.
 *
 * Values here are `Arr`s (see elementwise.ts): the batch may move away from the first axis
 * (a transpose, a stack) or merge with other positions (a reshape to [-1, features]) inside
 * the layer, as long as the outputs have it first again.
 */
import { ValueError } from '../../graph/errors.js';
import type { Layer } from '../../graph/layer.js';
import type { CallKwargs } from '../../graph/node.js';
import type { DType, Shape } from '../../graph/shape.js';
import { getOp, type Attrs, type OperandInfo } from '../../ops/table.js';
import { LAYER_STEP, constDtype, ownWeightsOf, savedTrace, type TraceRef } from '../../ops/trace.js';
import type { Lowering } from '../lowering.js';
import type { PlanTensor } from '../tape.js';
import * as E from './elementwise.js';

/** A traced value in the plan: its sizes and buffer, its symbolic shape and dtype. */
interface Val {
  arr: E.Arr;
  shape: Shape;
  dtype: DType;
}

/** A JS number operand: a constant. */
type Operand = Val | number;

function info(o: Operand): OperandInfo {
  return typeof o === 'number' ? { shape: [], dtype: constDtype(o), weak: true } : { shape: o.shape, dtype: o.dtype, weak: false };
}

function resolveAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** Lowers one op of the table. */
class OpLowering {
  constructor(
    private readonly L: Lowering,
    /** The leading size of the layer's inputs when the model fixes it (`Input({ batchShape })`). */
    private readonly fixedBatch: number | null,
  ) {}

  private arrOf(o: Operand, name: string): E.Arr {
    return typeof o === 'number' ? E.fill(this.L, [], o, 'float32', `${name}/constant`) : o.arr;
  }

  private as(a: E.Arr, dtype: DType, name: string): E.Arr {
    return E.cast(this.L, a, dtype, `${name}/cast`);
  }

  /** A float operand for the numeric kernels (which compute in float32). */
  private float(o: Operand, name: string): E.Arr {
    return this.as(this.arrOf(o, name), 'float32', name);
  }

  private val(a: E.Arr, shape: Shape, dtype: DType, name: string): Val {
    return { arr: this.as(a, dtype, `${name}/result`), shape, dtype };
  }

  lower(op: string, operands: Operand[], raw: Attrs, name: string): Val {
    const def = getOp(op);
    if (!def) throw new ValueError(`unknown op "${op}".`);
    const attrs = def.attrs(raw);
    const infos = operands.map(info);
    const shape = def.shape(
      infos.map((i) => i.shape),
      attrs,
    );
    const dtype = def.dtype(infos, attrs);
    const L = this.L;
    const x = operands[0];
    const xv = (): Val => {
      if (typeof x === 'number' || x === undefined) {
        const c = x ?? 0;
        return { arr: E.fill(L, [], c, constDtype(c), `${name}/constant`), shape: [], dtype: constDtype(c) };
      }
      return x;
    };
    switch (op) {
      case 'add':
      case 'subtract':
      case 'multiply':
      case 'divide':
      case 'maximum':
      case 'minimum':
      case 'pow': {
        const [a, b] = operands.map((o) => (typeof o === 'number' ? o : this.float(o, name)));
        return this.val(E.binary(L, op, a!, b!, name), shape, dtype, name);
      }
      case 'matmul':
        return this.val(E.matmul(L, this.float(operands[0]!, name), this.float(operands[1]!, name), name), shape, dtype, name);
      case 'relu':
      case 'sigmoid':
      case 'tanh':
      case 'exp':
      case 'log':
      case 'sqrt':
      case 'square':
      case 'abs':
      case 'negative':
        return this.val(E.unary(L, op, this.float(x!, name), name), shape, dtype, name);
      case 'softmax':
      case 'logSoftmax': {
        const v = xv();
        const a = resolveAxis(attrs.axis as number, v.shape.length);
        return this.val(E.softmax(L, this.float(v, name), a, a + 1, op === 'logSoftmax', name), shape, dtype, name);
      }
      case 'sum':
      case 'mean':
      case 'max':
      case 'min': {
        const v = xv();
        const rank = v.shape.length;
        const axis = attrs.axis as number | number[] | null;
        const axes = axis === null ? Array.from({ length: rank }, (_, i) => i) : (Array.isArray(axis) ? axis : [axis]).map((a) => resolveAxis(a, rank));
        return this.val(E.reduce(L, op, this.float(v, name), axes, attrs.keepdims as boolean, name), shape, dtype, name);
      }
      case 'reshape': {
        const v = xv();
        return { arr: E.view(v.arr, E.reshapeDims(v.arr, shape, name), shape), shape, dtype: v.dtype };
      }
      case 'expandDims': {
        const v = xv();
        const a = resolveAxis(attrs.axis as number, v.shape.length + 1);
        const dims = [...v.arr.dims];
        dims.splice(a, 0, 1);
        return { arr: E.view(v.arr, dims, shape), shape, dtype: v.dtype };
      }
      case 'squeeze': {
        const v = xv();
        const axis = attrs.axis as number | number[] | null;
        const rank = v.shape.length;
        const drop =
          axis === null
            ? v.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)
            : (Array.isArray(axis) ? axis : [axis]).map((a) => resolveAxis(a, rank));
        return { arr: E.view(v.arr, v.arr.dims.filter((_, i) => !drop.includes(i)), shape), shape, dtype: v.dtype };
      }
      case 'transpose': {
        const v = xv();
        const rank = v.shape.length;
        const given = attrs.perm as number[] | null;
        const perm = given === null ? Array.from({ length: rank }, (_, i) => rank - 1 - i) : given.map((a) => resolveAxis(a, rank));
        return { arr: E.transpose(L, v.arr, perm, name), shape, dtype: v.dtype };
      }
      case 'concatenate': {
        const rank = shape.length;
        const a = resolveAxis(attrs.axis as number, rank);
        const parts = operands.map((o, i) => this.as(this.arrOf(o, `${name}/${i}`), dtype, `${name}/${i}`));
        return { arr: E.concat(L, parts, a, name), shape, dtype };
      }
      case 'stack': {
        const a = resolveAxis(attrs.axis as number, shape.length);
        const parts = operands.map((o, i) => {
          const p = this.as(this.arrOf(o, `${name}/${i}`), dtype, `${name}/${i}`);
          const dims = [...p.dims];
          dims.splice(a, 0, 1);
          return E.view(p, dims);
        });
        return { arr: E.concat(L, parts, a, name), shape, dtype };
      }
      case 'cast': {
        const v = xv();
        return { arr: E.cast(L, v.arr, attrs.dtype as DType, name), shape, dtype };
      }
      case 'zeros':
      case 'ones':
      case 'full': {
        const dims = [...(attrs.shape as number[])];
        // Sized like the batch of a model that fixes it: it runs with the batch (the last,
        // smaller batch of an epoch included).
        if (this.fixedBatch !== null && dims.length > 0 && dims[0] === this.fixedBatch) dims[0] = -1;
        const value = op === 'zeros' ? 0 : op === 'ones' ? 1 : (attrs.value as number);
        return { arr: E.fill(L, dims, value, attrs.dtype as DType, name), shape, dtype };
      }
      case 'take': {
        const v = xv();
        const rank = v.shape.length;
        const a = resolveAxis(attrs.axis as number, rank);
        const size = v.arr.dims[a]!;
        if (size < 0) throw new ValueError(`ops.take along the batch axis cannot run in a training step.`);
        const index = (attrs.index as number) < 0 ? (attrs.index as number) + size : (attrs.index as number);
        const begin = v.arr.dims.map((_, i) => (i === a ? index : 0));
        const sizes = v.arr.dims.map((d, i) => (i === a ? 1 : d < 0 ? -1 : d));
        const block = E.slice(L, v.arr, begin, sizes, name);
        return { arr: E.view(block, block.dims.filter((_, i) => i !== a), shape), shape, dtype: v.dtype };
      }
      case 'slice': {
        const v = xv();
        const begin = attrs.begin as number[];
        const given = attrs.size as number[];
        const sizes = v.arr.dims.map((d, i) => {
          const s = given[i]!;
          if (d < 0) return begin[i] === 0 && (s === -1 || s === v.shape[i]) ? -1 : s;
          return s === -1 ? d - begin[i]! : s;
        });
        return { arr: E.slice(L, v.arr, begin, sizes, name), shape, dtype: v.dtype };
      }
      default:
        throw new ValueError(`ops.${op} has no kernel for training steps yet.`);
    }
  }
}

/** The leading size shared by the inputs when the model fixes the batch size, else null. */
function fixedBatchOf(inputs: PlanTensor[]): number | null {
  const sizes = new Set(inputs.map((t) => t.shape[0]));
  const [only] = [...sizes];
  return sizes.size === 1 && typeof only === 'number' ? only : null;
}

function label(layer: Layer): string {
  return `"${layer.name}" (${layer.className})`;
}

/** A value handed to a sublayer or returned: the batch must be its first axis again. */
function batchFirst(v: Val, layer: Layer, what: string): PlanTensor {
  const dims = v.arr.dims;
  if (dims[0] !== -1 || dims.slice(1).some((d) => d < 0)) {
    const where = dims.findIndex((d) => d < 0);
    throw new ValueError(
      `Layer ${label(layer)} cannot run in a training step: ${what} ${where < 0 ? 'has no batch axis' : `has the batch on axis ${where}${dims[where]! < -1 ? ', merged with other positions' : ''}`} (shape ${JSON.stringify(v.shape)}); Strata runs it only with the batch as the first axis.`,
      layer.name,
    );
  }
  return { buf: v.arr.t.buf, shape: v.shape, dtype: v.dtype };
}

/**
 * Emits the kernels of a traced custom layer's call (and records their backward): replays its
 * saved trace on the plan tensors of this call. Used by `Layer.forward` for every layer whose
 * forward is a traced `call()`, including `TracedLayer`s rebuilt from JSON.
 */
export function lowerTracedCall(L: Lowering, layer: Layer, inputs: PlanTensor[], _kwargs: CallKwargs): PlanTensor[] {
  const trace = savedTrace(layer);
  if (!trace) {
    throw new ValueError(`Layer ${label(layer)} has no traced call() to run: call it on a model tensor before training.`, layer.name);
  }
  if (inputs.length !== trace.inputs.length) {
    throw new ValueError(
      `Layer ${label(layer)} was traced taking ${trace.inputs.length} input(s), but this call gives it ${inputs.length}.`,
      layer.name,
    );
  }
  const weights = ownWeightsOf(layer);
  const sublayers = layer.sublayers();
  const given: Val[] = inputs.map((t) => ({ arr: E.arr(L, t), shape: t.shape, dtype: t.dtype }));
  const ops = new OpLowering(L, fixedBatchOf(inputs));
  const results: Array<Val | Val[]> = [];
  const value = (ref: TraceRef): Operand => {
    if ('input' in ref) return given[ref.input]!;
    if ('weight' in ref) {
      const w = weights[ref.weight]!;
      const t = L.weight(w);
      return { arr: E.arr(L, t), shape: [...w.shape], dtype: w.dtype };
    }
    if ('const' in ref) return ref.const;
    const r = results[ref.op]!;
    return ref.output === undefined ? (r as Val) : (r as Val[])[ref.output]!;
  };
  trace.ops.forEach((step, i) => {
    const name = `${layer.name}/${step.op === LAYER_STEP ? 'layer' : step.op}_${i}`;
    const operands = step.inputs.map(value);
    if (step.op === LAYER_STEP) {
      const inner = sublayers[step.attrs.layer as number];
      if (!inner) throw new ValueError(`Layer ${label(layer)}: step ${i} calls sublayer ${String(step.attrs.layer)}, which it does not have.`, layer.name);
      const args = operands.map((o, k) => {
        if (typeof o === 'number') throw new ValueError(`Layer ${label(layer)}: sublayer "${inner.name}" is called on a number.`, layer.name);
        return batchFirst(o, layer, `input ${k} of its sublayer "${inner.name}" (step ${i})`);
      });
      const outs = inner.forward(L, args, (step.attrs.kwargs ?? {}) as CallKwargs);
      const vals = outs.map((t) => ({ arr: E.arr(L, t), shape: t.shape, dtype: t.dtype }));
      const several = Array.isArray(step.shape) && step.shape.length > 0 && Array.isArray(step.shape[0]);
      results.push(several ? vals : vals[0]!);
      return;
    }
    try {
      results.push(ops.lower(step.op, operands, step.attrs, name));
    } catch (e) {
      if (e instanceof ValueError && !e.message.startsWith('Layer ')) {
        const shapes = operands.map((o) => (typeof o === 'number' ? String(o) : JSON.stringify(o.shape))).join(', ');
        throw new ValueError(`Layer ${label(layer)} cannot run ops.${step.op} (step ${i}, operands ${shapes}) in a training step: ${e.message}`, layer.name);
      }
      throw e;
    }
  });
  const refs = Array.isArray(trace.outputs) ? trace.outputs : [trace.outputs];
  return refs.map((ref, k) => {
    const v = value(ref);
    if (typeof v === 'number') throw new ValueError(`Layer ${label(layer)} returns a number.`, layer.name);
    return batchFirst(v, layer, refs.length > 1 ? `its output ${k}` : 'its output');
  });
}
