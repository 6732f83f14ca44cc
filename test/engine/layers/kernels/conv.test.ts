import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { convScratch } from '../../../../electron/engine/autodiff/ops/conv.js';
import { Input, Model, layers } from '../../../../electron/engine/frontends/dsl.js';
import type { Layer, SymbolicTensor } from '../../../../electron/engine/graph/index.js';
import { resetNames } from '../../../../electron/engine/graph/index.js';
import { Random } from '../../../../electron/engine/tensor/random.js';
import { Trainer } from '../../../../electron/engine/training/trainer.js';
import { checkLayer, closeness } from '../../../helpers/layer-check.js';

// Tolerances: float32 kernels against tfjs' float32 CPU backend. A convolution's outputs
// and gradients are sums of up to a few hundred products (kernel taps x channels, or
// batch x positions for the weight gradients), accumulated in a different order than
// tfjs does; relative 1e-4 with an absolute floor of 1e-4.
function expectAgreement(r: ReturnType<typeof checkLayer>) {
  expect(closeness(r.output.strata, r.output.reference, 1e-4, 1e-4), 'output').toBeLessThanOrEqual(1);
  if (r.inputGradient) {
    expect(closeness(r.inputGradient.strata, r.inputGradient.reference, 1e-4, 1e-4), 'input gradient').toBeLessThanOrEqual(1);
  }
  for (const w of r.weightGradients) expect(closeness(w.strata, w.reference, 1e-4, 1e-4), w.name).toBeLessThanOrEqual(1);
}

// ---- references written with tfjs ops --------------------------------------------------------
//
// Where tfjs has no layer for an option (groups, output_padding, dilation in gradients, the
// 1-D depthwise/separable/transposed layers, Conv3DTranspose's gradients), the reference is
// a function of tfjs ops wrapped in a tfjs layer that owns the weights, so checkLayer gives
// it Strata's weights and takes its weight gradients. tfjs differentiates convolutions only
// without dilation, so dilation is written out: a dilated kernel is the kernel with d - 1
// zeros between taps, and padding is applied explicitly before a 'valid' convolution.

let refCount = 0;
type RefFn = (x: tf.Tensor, w: tf.Tensor[]) => tf.Tensor;

class FnLayer extends tf.layers.Layer {
  static className = 'StrataConvTestReference';
  private vars: tf.LayerVariable[] = [];
  constructor(
    private readonly shapes: number[][],
    private readonly fn: RefFn,
  ) {
    super({ name: `conv_reference_${++refCount}` });
  }
  override build(): void {
    this.vars = this.shapes.map((s, i) => this.addWeight(`w${i}`, s, 'float32', tf.initializers.zeros()));
    this.built = true;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return this.fn(Array.isArray(inputs) ? inputs[0]! : inputs, this.vars.map((v) => v.read()));
  }
}

/** Inserts d - 1 zeros between the entries of `axis`. */
function dilateAxis(t: tf.Tensor, axis: number, d: number): tf.Tensor {
  if (d === 1) return t;
  const shape = t.shape;
  const n = shape[axis]!;
  const expanded = t.reshape([...shape.slice(0, axis + 1), 1, ...shape.slice(axis + 1)]);
  const pads: Array<[number, number]> = expanded.shape.map(() => [0, 0]);
  pads[axis + 1] = [0, d - 1];
  const spread = tf.pad(expanded, pads).reshape([...shape.slice(0, axis), n * d, ...shape.slice(axis + 1)]);
  const begin = shape.map(() => 0);
  const size = spread.shape.slice();
  size[axis] = (n - 1) * d + 1;
  return tf.slice(spread, begin, size);
}

/** A 'valid', dilation-free convolution of the given rank (tfjs can differentiate these). */
function validConv(x: tf.Tensor, w: tf.Tensor, strides: number[]): tf.Tensor {
  if (strides.length === 1) return tf.conv1d(x as tf.Tensor3D, w as tf.Tensor3D, strides[0]!, 'valid');
  if (strides.length === 2) return tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides as [number, number], 'valid');
  return tf.conv3d(x as tf.Tensor5D, w as tf.Tensor5D, strides as [number, number, number], 'valid');
}

interface ConvOptions {
  strides: number[];
  padding: 'valid' | 'same' | 'causal';
  dilation: number[];
  groups?: number;
}

/** Explicit padding of a convolution's input: TensorFlow's 'same' (extra on the right), 'causal' on the left. */
function padFor(x: tf.Tensor, kernel: number[], o: ConvOptions): tf.Tensor {
  const pads: Array<[number, number]> = [[0, 0]];
  kernel.forEach((k, i) => {
    const n = x.shape[i + 1]!;
    const span = (k - 1) * o.dilation[i]! + 1;
    if (o.padding === 'valid') pads.push([0, 0]);
    else if (o.padding === 'causal') pads.push([span - 1, 0]);
    else {
      const total = Math.max((Math.ceil(n / o.strides[i]!) - 1) * o.strides[i]! + span - n, 0);
      pads.push([Math.floor(total / 2), total - Math.floor(total / 2)]);
    }
  });
  pads.push([0, 0]);
  return tf.pad(x, pads);
}

function dilateKernel(w: tf.Tensor, dilation: number[]): tf.Tensor {
  return dilation.reduce((t, d, axis) => dilateAxis(t, axis, d), w);
}

/** Keras' convolution (with groups) in tfjs ops; w [k..., in / groups, filters], b [filters]. */
function refConv(o: ConvOptions): RefFn {
  return (x, [w, b]) => {
    const rank = x.rank - 2;
    const kernel = w!.shape.slice(0, rank);
    const xp = padFor(x, kernel, o);
    const wd = dilateKernel(w!, o.dilation);
    const groups = o.groups ?? 1;
    const cin = x.shape[x.rank - 1]! / groups;
    const f = w!.shape[w!.rank - 1]! / groups;
    const outs: tf.Tensor[] = [];
    for (let g = 0; g < groups; g++) {
      const xg = tf.slice(xp, [...xp.shape.map(() => 0).slice(0, -1), g * cin], [...xp.shape.slice(0, -1), cin]);
      const wg = tf.slice(wd, [...wd.shape.map(() => 0).slice(0, -1), g * f], [...wd.shape.slice(0, -1), f]);
      outs.push(validConv(xg, wg, o.strides));
    }
    const y = groups === 1 ? outs[0]! : tf.concat(outs, -1);
    return b ? tf.add(y, b) : y;
  };
}

/**
 * Keras 3's transposed convolution in its JAX form: the input dilated by the stride, padded
 * (left, right) as keras/src/backend/common/backend_utils.py computes it, then correlated
 * with the spatially flipped kernel, whose last two axes are swapped; w [k..., filters, in].
 */
function refConvTranspose(o: { strides: number[]; padding: 'valid' | 'same'; dilation: number[]; outputPadding: number[] | null }): RefFn {
  return (x, [w, b]) => {
    const rank = x.rank - 2;
    const kernel = w!.shape.slice(0, rank);
    let xd = x;
    o.strides.forEach((s, i) => {
      xd = dilateAxis(xd, i + 1, s);
    });
    const pads: Array<[number, number]> = [[0, 0]];
    kernel.forEach((k, i) => {
      const span = (k - 1) * o.dilation[i]! + 1;
      const s = o.strides[i]!;
      const op = o.outputPadding?.[i] ?? null;
      if (o.padding === 'valid') {
        pads.push([span - 1, span - 1 + (op ?? Math.max(span, s) - span)]);
      } else {
        const padLen = op === null ? s + span - 2 : span + (span % 2) - 2 + op;
        const left = Math.min(Math.floor(padLen / 2) + (padLen % 2), span - 1);
        pads.push([left, padLen - left]);
      }
    });
    pads.push([0, 0]);
    const xp = tf.pad(xd, pads);
    const perm = [...kernel.map((_, i) => i), rank + 1, rank];
    const flipped = tf.transpose(tf.reverse(w!, kernel.map((_, i) => i)), perm);
    const y = validConv(xp, dilateKernel(flipped, o.dilation), kernel.map(() => 1));
    return b ? tf.add(y, b) : y;
  };
}

/** Keras' depthwise convolution of rank 1 or 2 in tfjs ops; w [k..., in, multiplier]. */
function refDepthwise(o: ConvOptions): RefFn {
  return (x, [w, b]) => {
    const oneD = x.rank === 3;
    const kernel = w!.shape.slice(0, x.rank - 2);
    let xp = padFor(x, kernel, o);
    let wd = dilateKernel(w!, o.dilation);
    let strides = o.strides;
    if (oneD) {
      xp = xp.expandDims(1);
      wd = wd.expandDims(0);
      strides = [1, strides[0]!];
    }
    let y: tf.Tensor = tf.depthwiseConv2d(xp as tf.Tensor4D, wd as tf.Tensor4D, strides as [number, number], 'valid');
    if (oneD) y = y.squeeze([1]);
    return b ? tf.add(y, b) : y;
  };
}

/** Keras' separable convolution: depthwise (no bias) then a 1x1 convolution with bias. */
function refSeparable(o: ConvOptions): RefFn {
  const depthwise = refDepthwise(o);
  return (x, [dw, pw, b]) => {
    const mid = depthwise(x, [dw!]);
    const c = pw!.shape[pw!.rank - 2]!;
    const f = pw!.shape[pw!.rank - 1]!;
    const y = tf.matMul(mid.reshape([-1, c]), pw!.reshape([c, f])).reshape([...mid.shape.slice(0, -1), f]);
    return b ? tf.add(y, b) : y;
  };
}

function ref(shapes: number[][], fn: RefFn): FnLayer {
  return new FnLayer(shapes, fn);
}

// ---- Conv1D / Conv2D / Conv3D ----------------------------------------------------------------
//
// Each runs twice: on the tiled path (small kernels: per-thread columns) and on the
// whole-batch path (large kernels: one plan scratch buffer and threaded GEMMs), which
// these small layers reach by lowering the size limit of the tiled path to 0.

const TILED_LIMIT = convScratch.tiledWeights;
for (const path of ['tiled', 'whole-batch'] as const) {
describe(`${path} path`, () => {
  beforeEach(() => {
    convScratch.tiledWeights = path === 'tiled' ? TILED_LIMIT : 0;
  });
  afterEach(() => {
    convScratch.tiledWeights = TILED_LIMIT;
  });

  describe('Conv2D kernels agree with tfjs', () => {
    const cases: Array<{ name: string; kernelSize: number | number[]; strides?: number | number[]; padding: 'valid' | 'same'; input: number[]; filters?: number }> = [
      { name: '3x3 valid', kernelSize: 3, padding: 'valid', input: [7, 6, 3] },
      { name: '3x3 same', kernelSize: 3, padding: 'same', input: [7, 6, 3] },
      { name: '3x3 same, stride 2 (odd sizes)', kernelSize: 3, strides: 2, padding: 'same', input: [7, 6, 3] },
      { name: '4x4 same, stride 2 (uneven padding)', kernelSize: 4, strides: 2, padding: 'same', input: [8, 9, 2] },
      { name: '2x5 valid, strides (2, 1)', kernelSize: [2, 5], strides: [2, 1], padding: 'valid', input: [7, 8, 3] },
      { name: '5x5 same on a 3x3 input (window larger than the input)', kernelSize: 5, padding: 'same', input: [3, 3, 2] },
      { name: '1x1 (no im2col)', kernelSize: 1, padding: 'valid', input: [5, 4, 6] },
      { name: '1x1 same (no im2col)', kernelSize: 1, padding: 'same', input: [5, 4, 6] },
      { name: '1x1 stride 2', kernelSize: 1, strides: 2, padding: 'valid', input: [5, 4, 6] },
      { name: '3x3 on one channel', kernelSize: 3, padding: 'same', input: [6, 6, 1] },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const filters = c.filters ?? 4;
        expectAgreement(
          checkLayer({
            layer: layers.Conv2D(filters, c.kernelSize, { strides: c.strides ?? 1, padding: c.padding }),
            reference: tf.layers.conv2d({ filters, kernelSize: c.kernelSize, strides: c.strides ?? 1, padding: c.padding }),
            inputShape: c.input,
          }),
        );
      });
    }

    // Fused activations: relu and tanh need only the output, swish and softplus keep the
    // pre-activation, softmax is row-wise over the filters.
    for (const activation of ['relu', 'tanh', 'swish', 'softplus', 'softmax']) {
      it(`activation ${activation}`, () => {
        expectAgreement(
          checkLayer({
            layer: layers.Conv2D(5, 3, { padding: 'same', activation }),
            reference: tf.layers.conv2d({ filters: 5, kernelSize: 3, padding: 'same', activation: activation as never }),
            inputShape: [5, 6, 3],
          }),
        );
      });
    }

    it('without bias', () => {
      expectAgreement(
        checkLayer({
          layer: layers.Conv2D(3, 3, { useBias: false, strides: 2 }),
          reference: tf.layers.conv2d({ filters: 3, kernelSize: 3, useBias: false, strides: 2 }),
          inputShape: [7, 7, 2],
        }),
      );
    });

    it('channels_first (transposed around the channels_last kernels), with relu', () => {
      expectAgreement(
        checkLayer({
          layer: layers.Conv2D(4, 3, { padding: 'same', strides: 2, dataFormat: 'channels_first', activation: 'relu' }),
          reference: tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', strides: 2, dataFormat: 'channelsFirst', activation: 'relu' }),
          inputShape: [3, 7, 6],
        }),
      );
    });

    it('channels_first with softmax (over the last, spatial, axis as Keras does)', () => {
      expectAgreement(
        checkLayer({
          layer: layers.Conv2D(4, 3, { dataFormat: 'channels_first', activation: 'softmax' }),
          reference: tf.layers.conv2d({ filters: 4, kernelSize: 3, dataFormat: 'channelsFirst', activation: 'softmax' }),
          inputShape: [2, 6, 5],
        }),
      );
    });

    it('dilation 2, same', () => {
      expectAgreement(
        checkLayer({
          layer: layers.Conv2D(4, 3, { padding: 'same', dilationRate: 2 }),
          reference: ref([[3, 3, 3, 4], [4]], refConv({ strides: [1, 1], padding: 'same', dilation: [2, 2] })),
          inputShape: [8, 7, 3],
        }),
      );
    });

    it('dilation (2, 3), valid', () => {
      expectAgreement(
        checkLayer({
          layer: layers.Conv2D(3, [2, 3], { dilationRate: [2, 3] }),
          reference: ref([[2, 3, 2, 3], [3]], refConv({ strides: [1, 1], padding: 'valid', dilation: [2, 3] })),
          inputShape: [6, 9, 2],
        }),
      );
    });

    for (const [groups, input, filters] of [
      [2, [6, 5, 4], 6],
      [3, [5, 5, 6], 3],
      [4, [5, 6, 4], 8],
    ] as Array<[number, number[], number]>) {
      it(`groups ${groups} (${input[2]} channels, ${filters} filters), same, stride 2`, () => {
        expectAgreement(
          checkLayer({
            layer: layers.Conv2D(filters, 3, { groups, padding: 'same', strides: 2 }),
            reference: ref([[3, 3, input[2]! / groups, filters], [filters]], refConv({ strides: [2, 2], padding: 'same', dilation: [1, 1], groups })),
            inputShape: input,
          }),
        );
      });
    }

    it('groups 2 with a 1x1 kernel (grouped GEMM without im2col)', () => {
      expectAgreement(
        checkLayer({
          layer: layers.Conv2D(4, 1, { groups: 2 }),
          reference: ref([[1, 1, 3, 4], [4]], refConv({ strides: [1, 1], padding: 'valid', dilation: [1, 1], groups: 2 })),
          inputShape: [4, 5, 6],
        }),
      );
    });

    it('a frozen layer (no weight gradients, input gradient only)', () => {
      expectAgreement(
        checkLayer({
          layer: layers.Conv2D(4, 3, { padding: 'same', trainable: false }),
          reference: tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', trainable: false }),
          inputShape: [5, 5, 2],
        }),
      );
    });
  });

  describe('Conv1D kernels agree with tfjs', () => {
    for (const padding of ['valid', 'same', 'causal'] as const) {
      for (const strides of [1, 2]) {
        it(`${padding}, stride ${strides}`, () => {
          expectAgreement(
            checkLayer({
              layer: layers.Conv1D(4, 3, { padding, strides }),
              // tfjs' Conv1D layer does not implement causal padding: tfjs ops serve there.
              reference:
                padding === 'causal'
                  ? ref([[3, 3, 4], [4]], refConv({ strides: [strides], padding, dilation: [1] }))
                  : tf.layers.conv1d({ filters: 4, kernelSize: 3, padding, strides }),
              inputShape: [9, 3],
            }),
          );
        });
      }
    }

    it('causal, dilation 2, relu', () => {
      expectAgreement(
        checkLayer({
          layer: layers.Conv1D(4, 3, { padding: 'causal', dilationRate: 2, activation: 'relu' }),
          reference: ref([[3, 3, 4], [4]], (x, w) => tf.relu(refConv({ strides: [1], padding: 'causal', dilation: [2] })(x, w))),
          inputShape: [10, 3],
        }),
      );
    });

    it('groups 2, same', () => {
      expectAgreement(
        checkLayer({
          layer: layers.Conv1D(6, 3, { padding: 'same', groups: 2 }),
          reference: ref([[3, 2, 6], [6]], refConv({ strides: [1], padding: 'same', dilation: [1], groups: 2 })),
          inputShape: [8, 4],
        }),
      );
    });

    it('channels_first', () => {
      expectAgreement(
        checkLayer({
          layer: layers.Conv1D(4, 3, { dataFormat: 'channels_first' }),
          reference: ref([[3, 3, 4], [4]], (x, w) => refConv({ strides: [1], padding: 'valid', dilation: [1] })(x.transpose([0, 2, 1]), w).transpose([0, 2, 1])),
          inputShape: [3, 9],
        }),
      );
    });
  });

  describe('Conv3D kernels agree with tfjs', () => {
    it('3x3x3 same', () => {
      expectAgreement(
        checkLayer({
          layer: layers.Conv3D(3, 3, { padding: 'same' }),
          reference: tf.layers.conv3d({ filters: 3, kernelSize: 3, padding: 'same' }),
          inputShape: [4, 5, 4, 2],
        }),
      );
    });

    it('(2, 3, 2) valid, strides (1, 2, 2), relu', () => {
      expectAgreement(
        checkLayer({
          layer: layers.Conv3D(4, [2, 3, 2], { strides: [1, 2, 2], activation: 'relu' }),
          reference: tf.layers.conv3d({ filters: 4, kernelSize: [2, 3, 2], strides: [1, 2, 2], activation: 'relu' }),
          inputShape: [4, 7, 5, 3],
        }),
      );
    });

    it('dilation 2 and groups 2', () => {
      expectAgreement(
        checkLayer({
          layer: layers.Conv3D(4, 2, { dilationRate: 2, groups: 2, padding: 'same' }),
          reference: ref([[2, 2, 2, 2, 4], [4]], refConv({ strides: [1, 1, 1], padding: 'same', dilation: [2, 2, 2], groups: 2 })),
          inputShape: [4, 5, 4, 4],
        }),
      );
    });
  });

  // ---- transposed convolutions ------------------------------------------------------------------

  describe('Conv2DTranspose kernels agree with tfjs', () => {
    for (const [k, s, padding] of [
      [3, 1, 'valid'],
      [3, 1, 'same'],
      [3, 2, 'valid'],
      [3, 2, 'same'],
      [4, 2, 'same'],
      [2, 3, 'valid'],
      [2, 3, 'same'],
      [1, 1, 'valid'],
      [1, 2, 'same'],
    ] as Array<[number, number, 'valid' | 'same']>) {
      it(`kernel ${k}, stride ${s}, ${padding}`, () => {
        expectAgreement(
          checkLayer({
            layer: layers.Conv2DTranspose(4, k, { strides: s, padding }),
            reference: tf.layers.conv2dTranspose({ filters: 4, kernelSize: k, strides: s, padding }),
            inputShape: [4, 5, 3],
          }),
        );
      });
    }

    it('same, stride 2, sigmoid, no bias', () => {
      expectAgreement(
        checkLayer({
          layer: layers.Conv2DTranspose(3, 3, { strides: 2, padding: 'same', activation: 'sigmoid', useBias: false }),
          reference: tf.layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'sigmoid', useBias: false }),
          inputShape: [4, 4, 2],
        }),
      );
    });

    it('channels_first', () => {
      expectAgreement(
        checkLayer({
          layer: layers.Conv2DTranspose(3, 3, { strides: 2, padding: 'same', dataFormat: 'channels_first' }),
          reference: tf.layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', dataFormat: 'channelsFirst' }),
          inputShape: [2, 4, 5],
        }),
      );
    });

    // output_padding and dilation: Keras 3's padding rule, against its JAX formulation.
    for (const [k, s, padding, outputPadding, d] of [
      [3, 2, 'same', [1, 1], [1, 1]],
      [3, 2, 'same', [0, 1], [1, 1]],
      [4, 2, 'same', [0, 0], [1, 1]],
      [3, 3, 'valid', [2, 1], [1, 1]],
      [3, 1, 'same', null, [2, 2]],
      [2, 1, 'valid', null, [2, 3]],
    ] as Array<[number, number, 'valid' | 'same', number[] | null, number[]]>) {
      it(`kernel ${k}, stride ${s}, ${padding}, output_padding ${JSON.stringify(outputPadding)}, dilation ${JSON.stringify(d)}`, () => {
        expectAgreement(
          checkLayer({
            layer: layers.Conv2DTranspose(4, k, { strides: s, padding, outputPadding, dilationRate: d }),
            reference: ref([[k, k, 4, 3], [4]], refConvTranspose({ strides: [s, s], padding, dilation: d, outputPadding })),
            inputShape: [4, 5, 3],
          }),
        );
      });
    }

    it('the JAX-form reference agrees with tfjs where both apply', () => {
      const x = tf.randomNormal([2, 4, 5, 3], 0, 1, 'float32', 1);
      const w = tf.randomNormal([3, 3, 4, 3], 0, 1, 'float32', 2);
      const layer = tf.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', useBias: false });
      layer.apply(x);
      layer.setWeights([w]);
      const a = (layer.apply(x) as tf.Tensor).dataSync() as Float32Array;
      const b = refConvTranspose({ strides: [2, 2], padding: 'same', dilation: [1, 1], outputPadding: null })(x, [w]).dataSync() as Float32Array;
      expect(closeness(a, b, 1e-4, 1e-4)).toBeLessThanOrEqual(1);
    });
  });

  describe('Conv1DTranspose and Conv3DTranspose kernels agree with tfjs ops', () => {
    for (const [k, s, padding, outputPadding] of [
      [3, 2, 'same', null],
      [3, 2, 'valid', null],
      [4, 3, 'same', [2]],
      [5, 1, 'same', null],
    ] as Array<[number, number, 'valid' | 'same', number[] | null]>) {
      it(`1-D kernel ${k}, stride ${s}, ${padding}, output_padding ${JSON.stringify(outputPadding)}`, () => {
        expectAgreement(
          checkLayer({
            layer: layers.Conv1DTranspose(4, k, { strides: s, padding, outputPadding }),
            reference: ref([[k, 4, 3], [4]], refConvTranspose({ strides: [s], padding, dilation: [1], outputPadding })),
            inputShape: [6, 3],
          }),
        );
      });
    }

    // tfjs has a Conv3DTranspose layer but cannot differentiate it: the JAX form serves.
    it('3-D kernel 3, stride 2, same, relu', () => {
      expectAgreement(
        checkLayer({
          layer: layers.Conv3DTranspose(3, 3, { strides: 2, padding: 'same', activation: 'relu' }),
          reference: ref([[3, 3, 3, 3, 2], [3]], (x, w) => tf.relu(refConvTranspose({ strides: [2, 2, 2], padding: 'same', dilation: [1, 1, 1], outputPadding: null })(x, w))),
          inputShape: [3, 4, 3, 2],
        }),
      );
    });

    it('3-D kernel (2, 3, 2), strides (1, 2, 1), valid, output_padding (0, 1, 0)', () => {
      expectAgreement(
        checkLayer({
          layer: layers.Conv3DTranspose(2, [2, 3, 2], { strides: [1, 2, 1], outputPadding: [0, 1, 0] }),
          reference: ref([[2, 3, 2, 2, 3], [2]], refConvTranspose({ strides: [1, 2, 1], padding: 'valid', dilation: [1, 1, 1], outputPadding: [0, 1, 0] })),
          inputShape: [3, 3, 4, 3],
        }),
      );
    });

    it('3-D forward agrees with tfjs\' Conv3DTranspose layer', () => {
      resetNames();
      const layer = layers.Conv3DTranspose(3, 3, { strides: 2, padding: 'same' });
      const r = checkLayer({
        layer,
        reference: ref([[3, 3, 3, 3, 2], [3]], refConvTranspose({ strides: [2, 2, 2], padding: 'same', dilation: [1, 1, 1], outputPadding: null })),
        inputShape: [3, 4, 3, 2],
      });
      const x = tf.tensor(Float32Array.from({ length: 3 * 3 * 4 * 3 * 2 }, (_, i) => Math.sin(i)), [3, 3, 4, 3, 2]);
      const tfLayer = tf.layers.conv3dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' });
      const refOut = refConvTranspose({ strides: [2, 2, 2], padding: 'same', dilation: [1, 1, 1], outputPadding: null });
      tfLayer.apply(x);
      const w = tfLayer.getWeights();
      const a = (tfLayer.apply(x) as tf.Tensor).dataSync() as Float32Array;
      const b = refOut(x, w).dataSync() as Float32Array;
      expect(closeness(a, b, 1e-4, 1e-4)).toBeLessThanOrEqual(1);
      expect(closeness(r.output.strata, r.output.reference, 1e-4, 1e-4)).toBeLessThanOrEqual(1);
    });
  });
});
}

// ---- depthwise and separable --------------------------------------------------------------------

describe('DepthwiseConv2D and SeparableConv2D kernels agree with tfjs', () => {
  for (const [k, s, padding, dm] of [
    [3, 1, 'valid', 1],
    [3, 1, 'same', 1],
    [3, 2, 'same', 1],
    [3, 2, 'valid', 2],
    [2, 1, 'same', 3],
  ] as Array<[number, number, 'valid' | 'same', number]>) {
    it(`depthwise kernel ${k}, stride ${s}, ${padding}, depth_multiplier ${dm}`, () => {
      expectAgreement(
        checkLayer({
          layer: layers.DepthwiseConv2D(k, { strides: s, padding, depthMultiplier: dm }),
          reference: tf.layers.depthwiseConv2d({ kernelSize: k, strides: s, padding, depthMultiplier: dm }),
          inputShape: [7, 6, 3],
        }),
      );
    });
  }

  it('depthwise with relu6, no bias', () => {
    expectAgreement(
      checkLayer({
        layer: layers.DepthwiseConv2D(3, { padding: 'same', activation: 'relu6', useBias: false }),
        reference: tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu6', useBias: false }),
        inputShape: [5, 5, 4],
      }),
    );
  });

  it('depthwise dilation 2, depth_multiplier 2', () => {
    expectAgreement(
      checkLayer({
        layer: layers.DepthwiseConv2D(3, { padding: 'same', dilationRate: 2, depthMultiplier: 2 }),
        reference: ref([[3, 3, 3, 2], [6]], refDepthwise({ strides: [1, 1], padding: 'same', dilation: [2, 2] })),
        inputShape: [7, 6, 3],
      }),
    );
  });

  it('depthwise channels_first', () => {
    expectAgreement(
      checkLayer({
        layer: layers.DepthwiseConv2D(3, { strides: 2, dataFormat: 'channels_first' }),
        reference: ref([[3, 3, 3, 1], [3]], (x, w) => refDepthwise({ strides: [2, 2], padding: 'valid', dilation: [1, 1] })(x.transpose([0, 2, 3, 1]), w).transpose([0, 3, 1, 2])),
        inputShape: [3, 7, 6],
      }),
    );
  });

  for (const [k, s, padding, dm] of [
    [3, 1, 'same', 1],
    [3, 2, 'valid', 2],
  ] as Array<[number, number, 'valid' | 'same', number]>) {
    it(`separable kernel ${k}, stride ${s}, ${padding}, depth_multiplier ${dm}, relu`, () => {
      expectAgreement(
        checkLayer({
          layer: layers.SeparableConv2D(5, k, { strides: s, padding, depthMultiplier: dm, activation: 'relu' }),
          reference: tf.layers.separableConv2d({ filters: 5, kernelSize: k, strides: s, padding, depthMultiplier: dm, activation: 'relu' }),
          inputShape: [7, 6, 3],
        }),
      );
    });
  }
});

describe('DepthwiseConv1D and SeparableConv1D kernels agree with tfjs ops', () => {
  for (const [k, s, padding, dm, d] of [
    [3, 1, 'same', 1, 1],
    [3, 2, 'valid', 2, 1],
    [2, 1, 'same', 2, 3],
  ] as Array<[number, number, 'valid' | 'same', number, number]>) {
    it(`depthwise 1-D kernel ${k}, stride ${s}, ${padding}, depth_multiplier ${dm}, dilation ${d}`, () => {
      expectAgreement(
        checkLayer({
          layer: layers.DepthwiseConv1D(k, { strides: s, padding, depthMultiplier: dm, dilationRate: d }),
          reference: ref([[k, 3, dm], [3 * dm]], refDepthwise({ strides: [s], padding, dilation: [d] })),
          inputShape: [9, 3],
        }),
      );
    });
  }

  it('separable 1-D kernel 3, same, depth_multiplier 2', () => {
    expectAgreement(
      checkLayer({
        layer: layers.SeparableConv1D(4, 3, { padding: 'same', depthMultiplier: 2 }),
        reference: ref([[3, 3, 2], [1, 6, 4], [4]], refSeparable({ strides: [1], padding: 'same', dilation: [1] })),
        inputShape: [8, 3],
      }),
    );
  });
});

// ---- batches bigger than the scratch, and training --------------------------------------------

describe('convolutions in plans', () => {
  const cap = convScratch.cap;
  const tiledLimit = convScratch.tiledWeights;
  afterEach(() => {
    convScratch.cap = cap;
    convScratch.tiledWeights = tiledLimit;
  });

  it('run a batch in chunks of samples when the im2col scratch cannot hold it', () => {
    // The whole-batch path, with room for the columns of 2 samples (3x3 positions of
    // 3x3x2 windows: 162 floats each); a batch of 5 runs in 3 chunks.
    convScratch.tiledWeights = 0;
    convScratch.cap = 2 * 162;
    expectAgreement(
      checkLayer({
        layer: layers.Conv2D(3, 3, { padding: 'same' }),
        reference: tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }),
        inputShape: [3, 3, 2],
        batch: 5,
      }),
    );
    convScratch.cap = 2 * 5 * 5 * 9 * 3;
    expectAgreement(
      checkLayer({
        layer: layers.Conv2DTranspose(3, 3, { strides: 2, padding: 'same' }),
        reference: tf.layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' }),
        inputShape: [3, 3, 3],
        batch: 5,
      }),
    );
  });

  it('a sample whose columns span several tiles (the tiled path cuts it in rows)', () => {
    // 3x3x64 windows are 576 columns: tiles of 113 rows, and a 12x12 sample has 144.
    expectAgreement(
      checkLayer({
        layer: layers.Conv2D(8, 3, { padding: 'same', activation: 'relu' }),
        reference: tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
        inputShape: [12, 12, 64],
        batch: 2,
      }),
    );
    expectAgreement(
      checkLayer({
        layer: layers.Conv2DTranspose(64, 3, { strides: 2, padding: 'same' }),
        reference: tf.layers.conv2dTranspose({ filters: 64, kernelSize: 3, strides: 2, padding: 'same' }),
        inputShape: [12, 12, 4],
        batch: 2,
      }),
    );
  });

  it('a layer applied twice accumulates its weight gradients (shared weights)', () => {
    for (const make of [
      () => layers.Conv2D(3, 3, { padding: 'same', activation: 'tanh' }),
      () => layers.Conv2DTranspose(3, 3, { padding: 'same', activation: 'tanh' }),
      () => layers.DepthwiseConv2D(3, { padding: 'same', activation: 'tanh' }),
    ]) {
      resetNames();
      const shared = make();
      const inner = Input({ shape: [5, 4, 3] });
      const twice = Model({ inputs: inner, outputs: shared(shared(inner) as SymbolicTensor) as SymbolicTensor });
      const depthwise = shared.className === 'DepthwiseConv2D';
      const once: RefFn = depthwise
        ? (x, w) => tf.tanh(refDepthwise({ strides: [1, 1], padding: 'same', dilation: [1, 1] })(x, w))
        : shared.className === 'Conv2D'
          ? (x, w) => tf.tanh(refConv({ strides: [1, 1], padding: 'same', dilation: [1, 1] })(x, w))
          : (x, w) => tf.tanh(refConvTranspose({ strides: [1, 1], padding: 'same', dilation: [1, 1], outputPadding: null })(x, w));
      expectAgreement(
        checkLayer({
          layer: twice as unknown as Layer,
          reference: ref([[3, 3, 3, depthwise ? 1 : 3], [3]], (x, w) => once(once(x, w), w)),
          inputShape: [5, 4, 3],
        }),
      );
    }
  });

  it('a small convolutional network learns (fit lowers the loss; evaluate and predict run)', () => {
    resetNames();
    const rng = new Random(3);
    const n = 64;
    // Label: whether the image's left half is brighter than its right half.
    const xs = new Float32Array(n * 8 * 8);
    const ys = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      const side = i % 2;
      for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) xs[i * 64 + r * 8 + c] = rng.normal() * 0.3 + ((c < 4) === (side === 0) ? 1 : 0);
      ys[i * 2 + side] = 1;
    }
    const input = Input({ shape: [8, 8, 1] });
    let h = layers.Conv2D(4, 3, { padding: 'same', activation: 'relu' })(input) as SymbolicTensor;
    h = layers.SeparableConv2D(4, 3, { strides: 2, padding: 'same', activation: 'relu' })(h) as SymbolicTensor;
    h = layers.Conv2DTranspose(2, 2, { strides: 2 })(h) as SymbolicTensor;
    h = layers.DepthwiseConv2D(3, { strides: 2 })(h) as SymbolicTensor;
    h = (layers.Flatten() as Layer)(h) as SymbolicTensor;
    const out = layers.Dense(2, { activation: 'softmax' })(h) as SymbolicTensor;
    const model = Model({ inputs: input, outputs: out });
    model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
    const trainer = new Trainer(model, 5);
    const x = { shape: [n, 8, 8, 1], data: xs };
    const y = { shape: [n, 2], data: ys };
    const before = trainer.evaluate(x, y, { batchSize: 16 });
    trainer.fit(x, y, { batchSize: 16, epochs: 30, verbose: 0 });
    const after = trainer.evaluate(x, y, { batchSize: 16 });
    // Seen here: 0.68 → 0.012, accuracy 1.
    expect(after.loss!).toBeLessThan(before.loss! * 0.25);
    expect(after.accuracy!).toBeGreaterThanOrEqual(0.95);
    const pred = trainer.predict(x, { batchSize: 16 })[0]!;
    expect(pred.shape).toEqual([n, 2]);
  });
});
