/**
 * Emitters for the normalization kernels of native/src/kernels/normalization.cc
 * (batchnorm_fwd / batchnorm_bwd, layernorm_fwd / layernorm_bwd), and LayerNormalization over
 * axes that are not adjacent, composed of element-wise ops.
 */
import type { Lowering } from '../lowering.js';
import type { PlanTensor } from '../tape.js';
import { alloc, arr, binary, reduce, sizeProduct, unary, view, type Arr } from './elementwise.js';

/** The sizes of x with the batch (axis 0) written as -1, as the kernels take them. */
function dimsOf(L: Lowering, x: PlanTensor): number[] {
  return arr(L, x).dims;
}

export interface BatchNormArgs {
  /** The channel axis, resolved (>= 1). */
  axis: number;
  gamma: PlanTensor | null;
  beta: PlanTensor | null;
  movingMean: PlanTensor;
  movingVariance: PlanTensor;
  epsilon: number;
  momentum: number;
  /** Batch statistics (and moving-average updates) rather than the moving statistics. */
  training: boolean;
}

/**
 * Batch normalization over every axis but `axis`. In training the forward kernel also moves
 * the moving statistics (Keras' momentum rule), so the train program updates them each step.
 */
export function batchNorm(L: Lowering, x: PlanTensor, a: BatchNormArgs, name: string): PlanTensor {
  const dims = dimsOf(L, x);
  const channels = dims[a.axis]!;
  const outer = sizeProduct(dims.slice(0, a.axis));
  const inner = sizeProduct(dims.slice(a.axis + 1));
  const y = L.tensor(`${name}/output`, x.shape, x.dtype);
  const mean = L.builder.buffer(`${name}/batch mean`, channels, false);
  const invStd = L.builder.buffer(`${name}/batch inverse std`, channels, false);
  L.forward(
    'batchnorm_fwd',
    [x.buf, a.gamma?.buf ?? -1, a.beta?.buf ?? -1, a.movingMean.buf, a.movingVariance.buf, y.buf, mean, invStd],
    [outer, channels, inner, a.training ? 1 : 0],
    [a.epsilon, a.momentum],
  );
  L.record([x, a.gamma, a.beta], [y], () => {
    const dy = L.gradOf(y);
    if (dy === null) return;
    const dx = L.gradInto(x);
    const dg = L.gradInto(a.gamma);
    const db = L.gradInto(a.beta);
    if (!dx && !dg && !db) return;
    L.backward(
      'batchnorm_bwd',
      [x.buf, a.gamma?.buf ?? -1, mean, invStd, dy, dx?.buf ?? -1, dg?.buf ?? -1, db?.buf ?? -1],
      [outer, channels, inner, a.training ? 1 : 0, dx?.accumulate ? 1 : 0, dg?.accumulate ? 1 : 0, db?.accumulate ? 1 : 0],
    );
  });
  return y;
}

export interface LayerNormArgs {
  /** The normalised axes, resolved and sorted (none of them the batch axis). */
  axes: number[];
  gamma: PlanTensor | null;
  beta: PlanTensor | null;
  epsilon: number;
  /** Scale by the root mean square (no centring). */
  rms: boolean;
}

/** Layer normalization: each sample's values along `axes` get their own mean and variance. */
export function layerNorm(L: Lowering, x: PlanTensor, a: LayerNormArgs, name: string): PlanTensor {
  const dims = dimsOf(L, x);
  const first = a.axes[0]!;
  const last = a.axes[a.axes.length - 1]!;
  if (last - first + 1 !== a.axes.length) return layerNormComposed(L, x, a, name);
  const outer = sizeProduct(dims.slice(0, first));
  const n = sizeProduct(dims.slice(first, last + 1));
  const inner = sizeProduct(dims.slice(last + 1));
  const y = L.tensor(`${name}/output`, x.shape, x.dtype);
  // Per group: its mean and inverse standard deviation (batched: groups come with samples).
  const stats = [outer, inner];
  const mean = alloc(L, `${name}/mean`, stats);
  const invStd = alloc(L, `${name}/inverse std`, stats);
  L.forward(
    'layernorm_fwd',
    [x.buf, a.gamma?.buf ?? -1, a.beta?.buf ?? -1, y.buf, mean.t.buf, invStd.t.buf],
    [outer, n, inner, a.rms ? 1 : 0],
    [a.epsilon],
  );
  L.record([x, a.gamma, a.beta], [y], () => {
    const dy = L.gradOf(y);
    if (dy === null) return;
    const dx = L.gradInto(x);
    const dg = L.gradInto(a.gamma);
    const db = L.gradInto(a.beta);
    if (!dx && !dg && !db) return;
    L.backward(
      'layernorm_bwd',
      [x.buf, a.gamma?.buf ?? -1, mean.t.buf, invStd.t.buf, dy, dx?.buf ?? -1, dg?.buf ?? -1, db?.buf ?? -1],
      [outer, n, inner, a.rms ? 1 : 0, dx?.accumulate ? 1 : 0, dg?.accumulate ? 1 : 0, db?.accumulate ? 1 : 0],
    );
  });
  return y;
}

/**
 * Layer normalization over axes that are not adjacent (e.g. [1, 3]), as Keras computes it:
 * moments with keepdims, then `(x - mean) * rsqrt(var + epsilon) * gamma + beta`, gamma and
 * beta reshaped to broadcast along the normalised axes.
 */
function layerNormComposed(L: Lowering, x: PlanTensor, a: LayerNormArgs, name: string): PlanTensor {
  const xa: Arr = arr(L, x);
  const rank = xa.dims.length;
  let normed: Arr;
  if (a.rms) {
    const ms = reduce(L, 'mean', unary(L, 'square', xa, `${name}/square`), a.axes, true, `${name}/mean square`);
    const inv = binary(L, 'pow', binary(L, 'add', ms, a.epsilon, `${name}/add epsilon`), -0.5, `${name}/rsqrt`);
    normed = binary(L, 'multiply', xa, inv, `${name}/normalize`);
  } else {
    const mean = reduce(L, 'mean', xa, a.axes, true, `${name}/mean`);
    const centred = binary(L, 'subtract', xa, mean, `${name}/center`);
    const variance = reduce(L, 'mean', unary(L, 'square', centred, `${name}/square`), a.axes, true, `${name}/variance`);
    const inv = binary(L, 'pow', binary(L, 'add', variance, a.epsilon, `${name}/add epsilon`), -0.5, `${name}/rsqrt`);
    normed = binary(L, 'multiply', centred, inv, `${name}/normalize`);
  }
  const broadcast = Array.from({ length: rank }, (_, i) => (a.axes.includes(i) ? xa.dims[i]! : 1));
  if (a.gamma) normed = binary(L, 'multiply', normed, view(arr(L, a.gamma), broadcast), `${name}/scale`);
  if (a.beta) normed = binary(L, 'add', normed, view(arr(L, a.beta), broadcast), `${name}/offset`);
  return { buf: normed.t.buf, shape: x.shape, dtype: x.dtype };
}
