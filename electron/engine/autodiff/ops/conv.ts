/**
 * Convolution ops (native conv.cc and depthwise.cc), channels_last:
 *
 *   conv           — Conv1D/2D/3D with groups: im2col + one GEMM per group over the batch
 *   convTranspose  — Conv1DTranspose/2D/3D: GEMM + col2im (the data-gradient of a conv)
 *   depthwiseConv  — DepthwiseConv1D/2D and the first half of SeparableConv1D/2D
 *   channelsLast / channelsFirst — the layout transposes channels_first layers run between
 *
 * Every rank is given to the kernels as 3-D (leading spatial axes of size 1). The im2col
 * matrix lives in one scratch buffer per plan, shared by all convolutions (kernels run one
 * at a time and use it only within a call), sized to the largest and capped: a batch whose
 * columns do not fit runs in chunks of samples. Convolutions with small kernels (most) need
 * no plan scratch: they run tiled, their columns in per-thread buffers (see convScratch).
 */
import type { ActivationName } from '../../graph/activations.js';
import type { Dim } from '../../graph/shape.js';
import type { PlanBuilder } from '../../plan/plan-builder.js';
import type { Lowering } from '../lowering.js';
import type { GradTarget, PlanTensor } from '../tape.js';
import { ACTIVATION_CODES, NEEDS_INPUT } from './activation-codes.js';
import { transpose } from './reshape.js';

/**
 * How convolutions run (see native/src/kernels/conv.cc). Kernels of at most `tiledWeights`
 * floats (per group) run tiled, with per-thread scratch; larger ones run over the whole
 * batch at once through a plan scratch buffer of at most `cap` floats (64 MiB), in chunks
 * of samples when the batch's columns do not fit. Tests change both to reach every path.
 */
export const convScratch = { cap: 1 << 24, tiledWeights: 1 << 17 };

/** A sliding window over up to 3 spatial axes (shorter ones are padded to 3 by the ops). */
export interface Window {
  kernel: number[];
  strides: number[];
  dilation: number[];
  /** Padding before each axis (what comes after follows from the sizes). */
  padBefore: number[];
}

/** Sizes and padding of a convolution's output along each axis, Keras' (TensorFlow's) rules. */
export function convWindow(
  input: number[],
  kernel: number[],
  strides: number[],
  dilation: number[],
  padding: 'valid' | 'same' | 'causal',
): { output: number[]; window: Window } {
  const output: number[] = [];
  const padBefore: number[] = [];
  input.forEach((n, i) => {
    const span = (kernel[i]! - 1) * dilation[i]! + 1;
    const s = strides[i]!;
    if (padding === 'valid') {
      output.push(Math.floor((n - span) / s) + 1);
      padBefore.push(0);
    } else if (padding === 'causal') {
      output.push(Math.ceil(n / s));
      padBefore.push(span - 1);
    } else {
      const out = Math.ceil(n / s);
      output.push(out);
      padBefore.push(Math.floor(Math.max((out - 1) * s + span - n, 0) / 2));
    }
  });
  return { output, window: { kernel, strides, dilation, padBefore } };
}

/**
 * Output sizes and padding of a transposed convolution (Keras 3's rule, as its JAX and
 * torch backends compute it): the padding is that of the convolution from the output back
 * to the input, span - 1 minus the left padding of the dilated-input formulation.
 */
export function convTransposeWindow(
  input: number[],
  kernel: number[],
  strides: number[],
  dilation: number[],
  padding: 'valid' | 'same',
  outputPadding: number[] | null,
): { output: number[]; window: Window } {
  const output: number[] = [];
  const padBefore: number[] = [];
  input.forEach((n, i) => {
    const span = (kernel[i]! - 1) * dilation[i]! + 1;
    const s = strides[i]!;
    const op = outputPadding?.[i] ?? null;
    let left: number;
    let right: number;
    if (padding === 'valid') {
      left = span - 1;
      right = span - 1 + (op ?? Math.max(span, s) - span);
    } else {
      const padLen = op === null ? s + span - 2 : span + (span % 2) - 2 + op;
      left = Math.min(Math.floor(padLen / 2) + (padLen % 2), span - 1);
      right = padLen - left;
    }
    output.push((n - 1) * s + 1 + left + right - span + 1);
    padBefore.push(span - 1 - left);
  });
  return { output, window: { kernel, strides, dilation, padBefore } };
}

/** Left-pads a per-axis list to 3 axes. */
function to3(values: number[], fill: number): number[] {
  return [...new Array<number>(3 - values.length).fill(fill), ...values];
}

/** The 21 geometry ints of conv.cc: big grid, small grid, window, groups. */
function convGeometry(big: number[], bigChannels: number, small: number[], smallChannels: number, w: Window, groups: number): number[] {
  return [
    ...to3(big, 1), bigChannels,
    ...to3(small, 1), smallChannels,
    ...to3(w.kernel, 1), ...to3(w.strides, 1), ...to3(w.dilation, 1), ...to3(w.padBefore, 0),
    groups,
  ];
}

function isPointwise(big: number[], small: number[], w: Window): boolean {
  return w.kernel.every((k, i) => k === 1 && w.strides[i] === 1 && w.padBefore[i] === 0 && big[i] === small[i]);
}

const scratchOf = new WeakMap<PlanBuilder, number>();

/** The plan's shared im2col scratch, grown to hold `perSample` floats for as many samples as fit under the cap. */
function scratch(L: Lowering, perSample: number): number {
  const samples = Math.max(1, Math.min(L.builder.maxBatch, Math.floor(convScratch.cap / perSample)));
  const want = samples * perSample;
  let buf = scratchOf.get(L.builder);
  if (buf === undefined) {
    buf = L.builder.buffer('convolution scratch (im2col)', want, false);
    scratchOf.set(L.builder, buf);
  } else if (L.builder.buffers[buf]!.size < want) {
    L.builder.buffers[buf]!.size = want;
  }
  return buf;
}

/** Where a (possibly frozen) weight's gradient goes: -1 when it needs none. */
function target(t: GradTarget | null): [number, number] {
  return t ? [t.buf, t.accumulate ? 1 : 0] : [-1, 0];
}

/** Spatial sizes and channels of a channels_last batch-first shape. */
function spatialOf(shape: Dim[]): { spatial: number[]; channels: number } {
  return { spatial: shape.slice(1, -1) as number[], channels: shape[shape.length - 1] as number };
}

/**
 * Shared emitter of conv.cc's two op kinds: `kernel`_fwd computes y from x, `kernel`_bwd
 * the gradients; y's shape and the geometry ints are given.
 */
function windowOp(
  L: Lowering,
  kernelName: 'conv' | 'conv_transpose' | 'depthwise',
  x: PlanTensor,
  kernel: PlanTensor,
  bias: PlanTensor | null,
  outShape: Dim[],
  geometry: number[],
  scratchBuf: number,
  activation: ActivationName,
  name: string,
): PlanTensor {
  const code = ACTIVATION_CODES[activation];
  const keepPre = NEEDS_INPUT.has(activation) && L.tape?.needsGrad(x, kernel, bias);
  const z = keepPre ? L.tensor(`${name}/pre-activation`, outShape) : null;
  const y = L.tensor(`${name}/output`, outShape);
  const fwdBufs = [x.buf, kernel.buf, bias?.buf ?? -1, z?.buf ?? -1, y.buf];
  L.forward(`${kernelName}_fwd`, kernelName === 'depthwise' ? fwdBufs : [...fwdBufs, scratchBuf], [...geometry, code]);
  L.record([x, kernel, bias], [y], () => {
    const dy = L.gradOf(y);
    if (dy === null) return;
    const [dx, accX] = target(L.gradInto(x));
    const [dw, accW] = target(L.gradInto(kernel));
    const [db, accB] = target(L.gradInto(bias));
    if (dx < 0 && dw < 0 && db < 0) return;
    const bufs = [x.buf, kernel.buf, z?.buf ?? -1, y.buf, dy, dx, dw, db];
    L.backward(`${kernelName}_bwd`, kernelName === 'depthwise' ? bufs : [...bufs, scratchBuf], [...geometry, code, accX, accW, accB]);
  });
  return y;
}

/**
 * Conv1D/2D/3D on channels_last x: `activation(conv(x, kernel) + bias)`, kernel
 * `[...kernelSize, in / groups, filters]`, bias and activation fused into the GEMM's epilogue.
 */
export function conv(
  L: Lowering,
  x: PlanTensor,
  kernel: PlanTensor,
  bias: PlanTensor | null,
  output: number[],
  window: Window,
  groups: number,
  activation: ActivationName,
  name: string,
): PlanTensor {
  const { spatial, channels } = spatialOf(x.shape);
  const filters = kernel.shape[kernel.shape.length - 1] as number;
  const geometry = convGeometry(spatial, channels, output, filters, window, groups);
  const scratchBuf = im2colScratch(L, spatial, channels, output, filters, groups, window);
  return windowOp(L, 'conv', x, kernel, bias, [x.shape[0] ?? null, ...output, filters], geometry, scratchBuf, activation, name);
}

/**
 * The im2col scratch buffer of a convolution whose window slides over `windowed` (spatial sizes
 * and channels) once per position of `positions`, or -1 when the kernel needs none: pointwise,
 * or weights small enough for the tiled path.
 */
function im2colScratch(L: Lowering, windowed: number[], windowedChannels: number, positions: number[], otherChannels: number, groups: number, window: Window): number {
  const kpos = window.kernel.reduce((a, b) => a * b, 1);
  const tiled = kpos * (windowedChannels / groups) * (otherChannels / groups) <= convScratch.tiledWeights;
  if (isPointwise(windowed, positions, window) || tiled) return -1;
  return scratch(L, positions.reduce((a, b) => a * b, 1) * kpos * windowedChannels);
}

/** Conv1DTranspose/2D/3D on channels_last x; kernel `[...kernelSize, filters, in]`. */
export function convTranspose(
  L: Lowering,
  x: PlanTensor,
  kernel: PlanTensor,
  bias: PlanTensor | null,
  output: number[],
  window: Window,
  activation: ActivationName,
  name: string,
): PlanTensor {
  const { spatial, channels } = spatialOf(x.shape);
  const filters = kernel.shape[kernel.shape.length - 2] as number;
  // The window slides over the output (big) and stops at the input's positions (small).
  const geometry = convGeometry(output, filters, spatial, channels, window, 1);
  const scratchBuf = im2colScratch(L, output, filters, spatial, channels, 1, window);
  return windowOp(L, 'conv_transpose', x, kernel, bias, [x.shape[0] ?? null, ...output, filters], geometry, scratchBuf, activation, name);
}

/** DepthwiseConv1D/2D on channels_last x; kernel `[...kernelSize, in, depthMultiplier]`. */
export function depthwiseConv(
  L: Lowering,
  x: PlanTensor,
  kernel: PlanTensor,
  bias: PlanTensor | null,
  output: number[],
  window: Window,
  activation: ActivationName,
  name: string,
): PlanTensor {
  const { spatial, channels } = spatialOf(x.shape);
  const multiplier = kernel.shape[kernel.shape.length - 1] as number;
  const geometry = convGeometry(spatial, channels, output, multiplier, window, 1).slice(0, 20);
  return windowOp(L, 'depthwise', x, kernel, bias, [x.shape[0] ?? null, ...output, channels * multiplier], geometry, -1, activation, name);
}

/** Moves each sample's first (after batch) axis last: channels_first → channels_last. */
export function channelsLast(L: Lowering, x: PlanTensor, name: string): PlanTensor {
  const rank = x.shape.length - 1;
  return transpose(L, x, [...Array.from({ length: rank - 1 }, (_, k) => k + 1), 0], name);
}

/** Moves each sample's last axis first: channels_last → channels_first. */
export function channelsFirst(L: Lowering, x: PlanTensor, name: string): PlanTensor {
  const rank = x.shape.length - 1;
  return transpose(L, x, [rank - 1, ...Array.from({ length: rank - 1 }, (_, k) => k)], name);
}
