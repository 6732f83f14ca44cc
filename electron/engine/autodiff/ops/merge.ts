import { ValueError } from '../../graph/errors.js';
import type { Dim } from '../../graph/shape.js';
import type { Lowering } from '../lowering.js';
import type { PlanTensor } from '../tape.js';
import { arr, concat, matmulKernel } from './elementwise.js';
import { transpose } from './reshape.js';

/** Operation codes shared with native/src/kernels/merge.cc. */
export const MERGE_OPS = { add: 0, subtract: 1, multiply: 2, average: 3, maximum: 4, minimum: 5 } as const;
export type MergeOp = keyof typeof MERGE_OPS;

const product = (dims: number[]) => dims.reduce((n, d) => n * d, 1);

function requireFloat(xs: PlanTensor[], name: string): void {
  const bad = xs.find((x) => x.dtype !== 'float32');
  if (bad) throw new ValueError(`Layer "${name}" merges float32 values; one of its inputs is ${bad.dtype}. Cast it to float32 first.`, name);
}

/**
 * The broadcast layout merge_fwd / merge_bwd take: the output's sample dims with adjacent
 * axes merged where every input broadcasts alike, and per input and axis 1 where it
 * broadcasts. Inputs of lower rank are aligned to the right (Keras expands them at axis 1).
 */
export function broadcastLayout(shapes: Dim[][], outShape: Dim[]): number[] {
  const out = outShape.slice(1) as number[];
  const rank = out.length;
  const flags = shapes.map((s) => {
    const dims = s.slice(1) as number[];
    const aligned = [...new Array<number>(rank - dims.length).fill(1), ...dims];
    return aligned.map((d, k) => (d === 1 && out[k]! > 1 ? 1 : 0));
  });
  // Axes of size 1 carry nothing; then merge runs of axes with the same flags for every input.
  const dims: number[] = [];
  const merged: number[][] = shapes.map(() => []);
  out.forEach((d, k) => {
    if (d === 1) return;
    const last = dims.length - 1;
    if (last >= 0 && flags.every((f, i) => f[k] === merged[i]![last])) {
      dims[last] = dims[last]! * d;
    } else {
      dims.push(d);
      flags.forEach((f, i) => merged[i]!.push(f[k]!));
    }
  });
  if (dims.length === 0) {
    dims.push(1);
    merged.forEach((m) => m.push(0));
  }
  return [dims.length, ...dims, ...merged.flat()];
}

/** Add / Subtract / Multiply / Average / Maximum / Minimum with broadcasting (native merge_fwd / merge_bwd). */
export function elementwise(L: Lowering, xs: PlanTensor[], op: MergeOp, outShape: Dim[], name: string): PlanTensor {
  requireFloat(xs, name);
  const layout = broadcastLayout(
    xs.map((x) => x.shape),
    outShape,
  );
  const code = MERGE_OPS[op];
  const y = L.tensor(`${name}/output`, outShape);
  L.forward('merge_fwd', [y.buf, ...xs.map((x) => x.buf)], [code, xs.length, ...layout]);
  L.record(xs, [y], () => {
    const dy = L.gradOf(y);
    if (dy === null) return;
    xs.forEach((x, i) => {
      const dx = L.gradInto(x);
      if (!dx) return;
      L.backward('merge_bwd', [dy, y.buf, dx.buf, ...xs.map((t) => t.buf)], [code, xs.length, i, dx.accumulate ? 1 : 0, ...layout]);
    });
  });
  return y;
}

/** Joins inputs along `axis` (≥ 1: the batch axis cannot be joined in a step) (native concat_fwd / concat_bwd). */
export function concatenate(L: Lowering, xs: PlanTensor[], axis: number, outShape: Dim[], name: string): PlanTensor {
  requireFloat(xs, name);
  if (axis < 1) {
    throw new ValueError(
      `Concatenate "${name}" joins along the batch axis (axis=0), which a training or inference step cannot do: every input of a step holds one batch. Join along another axis.`,
      name,
    );
  }
  const y = concat(L, xs.map((x) => arr(L, x)), axis, name);
  return { ...y.t, shape: outShape };
}

/** Keras 3's `normalize(x, axis)`: `x * min(rsqrt(sum(x²)), 1 / epsilon)` along a sample axis (native l2_normalize_fwd / _bwd). */
export function l2Normalize(L: Lowering, x: PlanTensor, axis: number, name: string, epsilon = 1e-7): PlanTensor {
  const dims = x.shape.slice(1) as number[];
  const p = axis - 1;
  const ints = [product(dims.slice(0, p)), dims[p]!, product(dims.slice(p + 1))];
  const y = L.tensor(`${name}/output`, x.shape);
  const inv = L.tensor(`${name}/inverse norms`, [null, ints[0]! * ints[2]!]);
  L.forward('l2_normalize_fwd', [x.buf, y.buf, inv.buf], ints, [epsilon]);
  L.record([x], [y], () => {
    const dy = L.gradOf(y);
    const dx = L.gradInto(x);
    if (dy === null || !dx) return;
    L.backward('l2_normalize_bwd', [y.buf, inv.buf, dy, dx.buf], [...ints, dx.accumulate ? 1 : 0], [epsilon]);
  });
  return y;
}

/**
 * Keras' Dot: per-sample contraction of `a` along `axes[0]` with `b` along `axes[1]` (full-
 * rank axes, ≥ 1), optionally of L2-normalized inputs. The output holds a's free axes then
 * b's, as Keras' batch_dot orders them. It is one per-sample matrix product
 * (native matmul_fwd / _bwd) when the contracted axis is the first or last of each
 * sample; otherwise that input is transposed first.
 */
export function dot(L: Lowering, a: PlanTensor, b: PlanTensor, axes: [number, number], normalize: boolean, outShape: Dim[], name: string): PlanTensor {
  requireFloat([a, b], name);
  if (normalize) {
    a = l2Normalize(L, a, axes[0], `${name}/normalize 0`);
    b = l2Normalize(L, b, axes[1], `${name}/normalize 1`);
  }
  const split = (x: PlanTensor, axis: number) => {
    const dims = x.shape.slice(1) as number[];
    return { dims, p: axis - 1, before: product(dims.slice(0, axis - 1)), after: product(dims.slice(axis)) };
  };
  let sa = split(a, axes[0]);
  if (sa.before > 1 && sa.after > 1) {
    // Move the contracted axis last: a becomes (free axes in order) x K.
    a = transpose(L, a, [...sa.dims.keys()].filter((k) => k !== sa.p).concat(sa.p), `${name}/transpose 0`);
    sa = split(a, a.shape.length - 1);
  }
  let sb = split(b, axes[1]);
  if (sb.before > 1 && sb.after > 1) {
    // Move the contracted axis first: b becomes K x (free axes in order).
    b = transpose(L, b, [sb.p, ...[...sb.dims.keys()].filter((k) => k !== sb.p)], `${name}/transpose 1`);
    sb = split(b, 1);
  }
  const k = sa.dims[sa.p]!;
  // a stored M x K (contracted axis last), or K x M (first: transposed).
  const transA = sa.after > 1;
  const m = transA ? sa.after : sa.before;
  // b stored K x N (contracted axis first), or N x K (last: transposed).
  const transB = sb.before > 1;
  const n = transB ? sb.before : sb.after;
  const y = L.tensor(`${name}/output`, outShape);
  // One product per sample: the batch is the only batch axis of a, b and y.
  matmulKernel(L, a, b, y, [m, n, k, transA ? 1 : 0, transB ? 1 : 0, 1, -1, -1, -1]);
  return y;
}
