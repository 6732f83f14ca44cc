/**
 * Convolution layers: Conv1D/2D/3D, their transposes, the depthwise and the separable ones.
 * Shapes, weights and configs follow Keras 3; the forward kernels live in `native/`.
 *
 * The small argument helpers at the top (`intTuple`, `dataFormatOption`, `spatialAxes`, …)
 * are shared with the pooling and reshaping families.
 */
import { toActivation, type ActivationName } from '../graph/activations.js';
import { ValueError } from '../graph/errors.js';
import { toInitializer, type InitializerArg, type InitializerConfig } from '../graph/initializers.js';
import { Layer, type LayerArgs, type Weight } from '../graph/layer.js';
import { registerBuiltin } from '../graph/registry.js';
import {
  formatShape,
  toTuple,
  transposedOutputLength,
  windowOutputLength,
  type Dim,
  type Shape,
} from '../graph/shape.js';
import { positiveInt, type ConfigObject } from './core.js';
import { factory } from './factory.js';
import type { CallKwargs } from '../graph/node.js';
import type { Lowering } from '../autodiff/lowering.js';
import type { PlanTensor } from '../autodiff/tape.js';
import { activation as activationOp } from '../autodiff/ops/activation.js';
import { dense } from '../autodiff/ops/dense.js';
import { view } from '../autodiff/ops/view.js';
import {
  channelsFirst,
  channelsLast,
  conv,
  convTranspose,
  convTransposeWindow,
  convWindow,
  depthwiseConv,
} from '../autodiff/ops/conv.js';

// ---- argument helpers (shared by the conv, pooling and reshaping families) ------------------

export type DataFormat = 'channels_last' | 'channels_first';

/** `3` or `[3, 3]` → `[3, 3]`, as Keras' `standardize_tuple`; zeros only where `allowZero`. */
export function intTuple(value: unknown, n: number, what: string, layerName: string, allowZero = false): number[] {
  let tuple: number[];
  try {
    tuple = toTuple(value as number | number[], n, what, layerName);
  } catch (e) {
    throw new ValueError((e as Error).message, layerName);
  }
  if (!allowZero && tuple.includes(0)) {
    throw new ValueError(
      `The \`${what}\` argument of layer "${layerName}" cannot contain 0. Received: ${what}=${formatShape(tuple)}.`,
      layerName,
    );
  }
  return tuple;
}

/** `null`/`undefined` mean `channels_last`, Keras' default `image_data_format`. */
export function dataFormatOption(value: unknown, layerName: string): DataFormat {
  if (value === null || value === undefined) return 'channels_last';
  const format = typeof value === 'string' ? value.toLowerCase() : value;
  if (format === 'channels_last' || format === 'channels_first') return format;
  throw new ValueError(
    `The \`data_format\` argument of layer "${layerName}" must be one of "channels_last", "channels_first". Received: data_format=${JSON.stringify(value)}.`,
    layerName,
  );
}

/** A padding mode such as `'valid'`, case-insensitive, checked against the modes a layer allows. */
export function paddingOption<P extends string>(value: unknown, allowed: readonly P[], layerName: string): P {
  const padding = typeof value === 'string' ? value.toLowerCase() : value;
  if ((allowed as readonly unknown[]).includes(padding)) return padding as P;
  throw new ValueError(
    `The \`padding\` argument of layer "${layerName}" must be one of ${allowed.map((p) => `"${p}"`).join(', ')}. Received: padding=${JSON.stringify(value)}.`,
    layerName,
  );
}

/** Positions of the spatial axes in a full shape (batch first) of `ndim` axes. */
export function spatialAxes(ndim: number, dataFormat: DataFormat): number[] {
  const first = dataFormat === 'channels_first' ? 2 : 1;
  return Array.from({ length: ndim - 2 }, (_, i) => first + i);
}

/** Position of the channel axis in a full shape of `ndim` axes. */
export function channelAxis(ndim: number, dataFormat: DataFormat): number {
  return dataFormat === 'channels_first' ? 1 : ndim - 1;
}

/** Keras' InputSpec message for a wrong rank, for shape rules called outside `apply`. */
export function checkRank(layer: Layer, inputShape: Shape, ndim: number): void {
  if (inputShape.length !== ndim) {
    throw new ValueError(
      `Input 0 of layer "${layer.name}" is incompatible with the layer: expected ndim=${ndim}, found ndim=${inputShape.length}. Full shape received: ${formatShape(inputShape)}`,
      layer.name,
    );
  }
}

// ---- the convolution family -------------------------------------------------------------

/** Options every convolution takes. */
export interface ConvolutionArgs extends LayerArgs {
  kernelSize: number | number[];
  strides?: number | number[];
  padding?: string;
  dataFormat?: DataFormat | null;
  dilationRate?: number | number[];
  activation?: string | null;
  useBias?: boolean;
  biasInitializer?: InitializerArg;
  biasRegularizer?: ConfigObject;
  activityRegularizer?: ConfigObject;
  biasConstraint?: ConfigObject;
}

export interface ConvArgs extends ConvolutionArgs {
  filters: number;
  groups?: number;
  kernelInitializer?: InitializerArg;
  kernelRegularizer?: ConfigObject;
  kernelConstraint?: ConfigObject;
}

export interface ConvTransposeArgs extends ConvolutionArgs {
  filters: number;
  /** Extra size added on one side of each output axis; must be smaller than the stride. */
  outputPadding?: number | number[] | null;
  kernelInitializer?: InitializerArg;
  kernelRegularizer?: ConfigObject;
  kernelConstraint?: ConfigObject;
}

export interface DepthwiseConvArgs extends ConvolutionArgs {
  depthMultiplier?: number;
  depthwiseInitializer?: InitializerArg;
  depthwiseRegularizer?: ConfigObject;
  depthwiseConstraint?: ConfigObject;
}

export interface SeparableConvArgs extends DepthwiseConvArgs {
  filters: number;
  pointwiseInitializer?: InitializerArg;
  pointwiseRegularizer?: ConfigObject;
  pointwiseConstraint?: ConfigObject;
}

/** The kernels a family owns besides `bias`; each has an initializer, a regularizer and a constraint option. */
type KernelKind = 'kernel' | 'depthwise' | 'pointwise';

const WINDOW_OPTIONS = ['kernelSize', 'strides', 'padding', 'dataFormat', 'dilationRate', 'activation', 'useBias'];

/** Every option name of a family: its own, the window ones, and initializer/regularizer/constraint per kernel. */
function convolutionOptions(own: string[], kinds: KernelKind[]): string[] {
  const all = [...kinds, 'bias'];
  return [
    ...own,
    ...WINDOW_OPTIONS,
    ...all.map((k) => `${k}Initializer`),
    ...all.map((k) => `${k}Regularizer`),
    'activityRegularizer',
    ...all.map((k) => `${k}Constraint`),
  ];
}

/**
 * What all convolutions share: the sliding window (kernel size, strides, padding, dilation,
 * data format), activation and bias, the per-kernel initializers, regularizers and
 * constraints, and the checks on the input's rank and channel axis. Subclasses give the rank
 * (`static rank`) and say which kernels they own and how many channels come out.
 */
export class Convolution extends Layer {
  /** Number of spatial axes: 1, 2 or 3. */
  static readonly rank: number = 0;
  /** Padding modes accepted; only Conv1D adds `'causal'`. */
  static readonly paddings: readonly string[] = ['valid', 'same'];
  static readonly kernelKinds: readonly KernelKind[] = ['kernel'];

  readonly rank: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same' | 'causal';
  readonly dataFormat: DataFormat;
  readonly dilationRate: number[];
  readonly activation: ActivationName;
  readonly useBias: boolean;
  /** Initializer per weight kind (`kernel`, `depthwise`, `pointwise`, `bias`), as Keras configs. */
  readonly initializers: Record<string, InitializerConfig> = {};
  /** Regularizers and constraints, kept as given so that configs round-trip. */
  readonly regularizers: Record<string, ConfigObject> = {};
  readonly constraints: Record<string, ConfigObject> = {};
  bias?: Weight;

  constructor(args: ConvolutionArgs) {
    super(args);
    const cls = this.constructor as typeof Convolution;
    this.rank = cls.rank;
    const opts = args as unknown as Record<string, unknown>;
    this.kernelSize = intTuple(args.kernelSize, this.rank, 'kernel_size', this.name);
    this.strides = intTuple(args.strides ?? 1, this.rank, 'strides', this.name);
    this.dilationRate = intTuple(args.dilationRate ?? 1, this.rank, 'dilation_rate', this.name);
    this.padding = paddingOption(args.padding ?? 'valid', cls.paddings, this.name) as Convolution['padding'];
    this.dataFormat = dataFormatOption(args.dataFormat, this.name);
    this.activation = toActivation(args.activation, this.name);
    this.useBias = args.useBias ?? true;
    for (const kind of [...cls.kernelKinds, 'bias']) {
      const fallback = kind === 'bias' ? 'zeros' : 'glorot_uniform';
      const given = (opts[`${kind}Initializer`] ?? fallback) as InitializerArg;
      this.initializers[kind] = toInitializer(given, `${kind}Initializer of "${this.name}"`);
      this.regularizers[kind] = (opts[`${kind}Regularizer`] ?? null) as ConfigObject;
      this.constraints[kind] = (opts[`${kind}Constraint`] ?? null) as ConfigObject;
    }
    this.regularizers.activity = args.activityRegularizer ?? null;
    if (Math.max(...this.strides) > 1 && Math.max(...this.dilationRate) > 1) {
      throw new ValueError(
        `\`strides > 1\` not supported in conjunction with \`dilation_rate > 1\`. Received: strides=${formatShape(this.strides)} and dilation_rate=${formatShape(this.dilationRate)} (layer "${this.name}").`,
        this.name,
      );
    }
    this.inputSpec = [{ minNdim: this.rank + 2 }];
  }

  // ---- what each kind of convolution says -------------------------------------------------

  /** Channels of the output for a given number of input channels (null when unknown). */
  protected outputChannels(_inputChannels: Dim): Dim {
    return null;
  }

  /** Checks the input channels and creates the weights. */
  protected addKernels(_inputChannels: number, _inputShape: Shape): void {}

  /** Config entries that come before `kernel_size` (`filters`, `depth_multiplier`). */
  protected leadingConfig(): Record<string, unknown> {
    return {};
  }

  /** Config entries between `dilation_rate` and `activation` (`groups`, `output_padding`). */
  protected middleConfig(): Record<string, unknown> {
    return {};
  }

  // ---- shared ----------------------------------------------------------------------------

  /** The input's channel count; it must be known to create the weights. */
  protected inputChannels(inputShape: Shape): number {
    const axis = channelAxis(inputShape.length, this.dataFormat);
    const channels = inputShape[axis];
    if (channels === null || channels === undefined) {
      throw new ValueError(
        `The channel dimension of the inputs to layer "${this.name}" should be defined. The input_shape received is ${formatShape(inputShape)}, where axis ${this.dataFormat === 'channels_first' ? 1 : -1} (0-based) is the channel dimension, which found to be \`None\`.`,
        this.name,
      );
    }
    return channels;
  }

  override build(inputShape: Shape): void {
    const channels = this.inputChannels(inputShape);
    // As Keras does: validate the shapes before any weight exists.
    this.computeOutputShape(inputShape);
    this.addKernels(channels, inputShape);
    const axis = this.dataFormat === 'channels_first' ? 1 : -1;
    this.inputSpec = [{ minNdim: this.rank + 2, axes: { [axis]: channels } }];
  }

  /** Assembles a full output shape from spatial sizes and a channel count. */
  protected outputShapeFrom(inputShape: Shape, spatial: Dim[], channels: Dim): Shape {
    return this.dataFormat === 'channels_first'
      ? [inputShape[0] ?? null, channels, ...spatial]
      : [inputShape[0] ?? null, ...spatial, channels];
  }

  /** Output of a sliding window over each spatial axis; a size that would be 0 or less is an error. */
  override computeOutputShape(inputShape: Shape): Shape {
    checkRank(this, inputShape, this.rank + 2);
    const inChannels = inputShape[channelAxis(inputShape.length, this.dataFormat)] ?? null;
    const outChannels = this.outputChannels(inChannels);
    const spatial = spatialAxes(inputShape.length, this.dataFormat).map((axis, i) =>
      windowOutputLength(inputShape[axis] ?? null, this.kernelSize[i]!, this.padding, this.strides[i]!, this.dilationRate[i]!),
    );
    if (spatial.some((d) => d !== null && d <= 0)) {
      throw new ValueError(
        `Computed output size would be zero or negative. Received \`inputs shape=${formatShape(inputShape)}\`, \`kernel shape=${formatShape([...this.kernelSize, inChannels, outChannels])}\`, \`dilation_rate=${formatShape(this.dilationRate)}\`, \`strides=${formatShape(this.strides)}\`, \`padding=${this.padding}\` (layer "${this.name}").`,
        this.name,
      );
    }
    return this.outputShapeFrom(inputShape, spatial, outChannels);
  }

  /**
   * Runs `emit` (the channels_last kernels) on the input, with the activation to fuse. A
   * channels_first layer transposes its input to channels_last and its output back; an
   * element-wise activation is still fused (it commutes with the transpose), a softmax
   * (over the last axis, here a spatial one) runs on the transposed-back output.
   */
  protected channelsLastForward(L: Lowering, x: PlanTensor, emit: (x: PlanTensor, activation: ActivationName) => PlanTensor): PlanTensor {
    if (this.dataFormat === 'channels_last') return emit(x, this.activation);
    const rowWise = this.activation === 'softmax' || this.activation === 'log_softmax';
    const y = emit(channelsLast(L, x, `${this.name}/channels_last input`), rowWise ? 'linear' : this.activation);
    const out = channelsFirst(L, y, `${this.name}/channels_first output`);
    return rowWise ? activationOp(L, out, this.activation, `${this.name}/activation`) : out;
  }

  /** Output sizes and padding of the window over a channels_last input's spatial axes. */
  protected window(x: PlanTensor): ReturnType<typeof convWindow> {
    const spatial = x.shape.slice(1, -1) as number[];
    return convWindow(spatial, this.kernelSize, this.strides, this.dilationRate, this.padding);
  }

  override getConfig(): Record<string, unknown> {
    const kinds = [...(this.constructor as typeof Convolution).kernelKinds, 'bias'];
    const config: Record<string, unknown> = {
      ...super.getConfig(),
      ...this.leadingConfig(),
      kernel_size: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      data_format: this.dataFormat,
      dilation_rate: this.dilationRate,
      ...this.middleConfig(),
      activation: this.activation,
      use_bias: this.useBias,
    };
    for (const k of kinds) config[`${k}_initializer`] = this.initializers[k];
    for (const k of kinds) config[`${k}_regularizer`] = this.regularizers[k];
    config.activity_regularizer = this.regularizers.activity;
    for (const k of kinds) config[`${k}_constraint`] = this.constraints[k];
    return config;
  }
}

/** Conv1D/2D/3D: `activation(conv(inputs, kernel) + bias)`; kernel `[...kernelSize, in / groups, filters]`. */
export class Conv extends Convolution {
  static override readonly options = convolutionOptions(['filters', 'groups'], ['kernel']);
  readonly filters: number;
  readonly groups: number;
  kernel?: Weight;

  constructor(args: ConvArgs) {
    super(args);
    this.filters = positiveInt(args.filters, 'filters', this.name);
    this.groups = positiveInt(args.groups ?? 1, 'groups', this.name);
    if (this.filters % this.groups !== 0) {
      throw new ValueError(
        `The number of filters must be evenly divisible by the number of groups. Received: groups=${this.groups}, filters=${this.filters} (layer "${this.name}").`,
        this.name,
      );
    }
  }

  protected override outputChannels(): Dim {
    return this.filters;
  }

  protected override addKernels(channels: number, inputShape: Shape): void {
    if (channels % this.groups !== 0) {
      throw new ValueError(
        `The number of input channels must be evenly divisible by the number of groups. Received groups=${this.groups}, but the input has ${channels} channels (full input shape is ${formatShape(inputShape)}) (layer "${this.name}").`,
        this.name,
      );
    }
    this.kernel = this.addWeight({
      name: 'kernel',
      shape: [...this.kernelSize, channels / this.groups, this.filters],
      initializer: this.initializers.kernel,
    });
    if (this.useBias) this.bias = this.addWeight({ name: 'bias', shape: [this.filters], initializer: this.initializers.bias });
  }

  /** im2col + GEMM (native conv_fwd / conv_bwd), bias and activation fused. */
  override forward(L: Lowering, [x]: PlanTensor[], _kwargs: CallKwargs): PlanTensor[] {
    const kernel = L.weight(this.kernel!);
    const bias = this.bias ? L.weight(this.bias) : null;
    return [
      this.channelsLastForward(L, x!, (xl, act) => {
        const { output, window } = this.window(xl);
        return conv(L, xl, kernel, bias, output, window, this.groups, act, this.name);
      }),
    ];
  }

  protected override leadingConfig(): Record<string, unknown> {
    return { filters: this.filters };
  }

  protected override middleConfig(): Record<string, unknown> {
    return { groups: this.groups };
  }
}

/** Conv1DTranspose/2D/3D: the gradient of a convolution; kernel `[...kernelSize, filters, in]`. */
export class ConvTranspose extends Convolution {
  static override readonly options = convolutionOptions(['filters', 'outputPadding'], ['kernel']);
  readonly filters: number;
  readonly outputPadding: number[] | null;
  kernel?: Weight;

  constructor(args: ConvTransposeArgs) {
    super(args);
    this.filters = positiveInt(args.filters, 'filters', this.name);
    this.outputPadding =
      args.outputPadding === null || args.outputPadding === undefined
        ? null
        : intTuple(args.outputPadding, this.rank, 'output_padding', this.name, true);
    if (this.outputPadding?.some((p, i) => p >= this.strides[i]!)) {
      throw new ValueError(
        `\`output_padding\` must be < \`strides\`. Received: output_padding=${formatShape(this.outputPadding)}, strides=${formatShape(this.strides)} (layer "${this.name}").`,
        this.name,
      );
    }
  }

  protected override outputChannels(): Dim {
    return this.filters;
  }

  protected override addKernels(channels: number): void {
    this.kernel = this.addWeight({
      name: 'kernel',
      shape: [...this.kernelSize, this.filters, channels],
      initializer: this.initializers.kernel,
    });
    if (this.useBias) this.bias = this.addWeight({ name: 'bias', shape: [this.filters], initializer: this.initializers.bias });
  }

  override computeOutputShape(inputShape: Shape): Shape {
    checkRank(this, inputShape, this.rank + 2);
    const spatial = spatialAxes(inputShape.length, this.dataFormat).map((axis, i) =>
      transposedOutputLength(
        inputShape[axis] ?? null,
        this.kernelSize[i]!,
        this.padding as 'valid' | 'same',
        this.strides[i]!,
        this.outputPadding?.[i] ?? null,
        this.dilationRate[i]!,
      ),
    );
    return this.outputShapeFrom(inputShape, spatial, this.filters);
  }

  /** GEMM + col2im (native conv_transpose_fwd / conv_transpose_bwd), bias and activation fused. */
  override forward(L: Lowering, [x]: PlanTensor[], _kwargs: CallKwargs): PlanTensor[] {
    const kernel = L.weight(this.kernel!);
    const bias = this.bias ? L.weight(this.bias) : null;
    return [
      this.channelsLastForward(L, x!, (xl, act) => {
        const spatial = xl.shape.slice(1, -1) as number[];
        const padding = this.padding as 'valid' | 'same';
        const { output, window } = convTransposeWindow(spatial, this.kernelSize, this.strides, this.dilationRate, padding, this.outputPadding);
        return convTranspose(L, xl, kernel, bias, output, window, act, this.name);
      }),
    ];
  }

  protected override leadingConfig(): Record<string, unknown> {
    return { filters: this.filters };
  }

  /** Keras' public transposed layers do not write `output_padding`; it is written only when set. */
  protected override middleConfig(): Record<string, unknown> {
    return this.outputPadding ? { output_padding: this.outputPadding } : {};
  }
}

/** DepthwiseConv1D/2D: one filter set per input channel; kernel `[...kernelSize, in, depthMultiplier]`. */
export class DepthwiseConv extends Convolution {
  static override readonly kernelKinds: readonly KernelKind[] = ['depthwise'];
  static override readonly options = convolutionOptions(['depthMultiplier'], ['depthwise']);
  readonly depthMultiplier: number;
  kernel?: Weight;

  constructor(args: DepthwiseConvArgs) {
    super(args);
    this.depthMultiplier = positiveInt(args.depthMultiplier ?? 1, 'depth_multiplier', this.name);
  }

  protected override outputChannels(inputChannels: Dim): Dim {
    return inputChannels === null ? null : inputChannels * this.depthMultiplier;
  }

  /** Keras 3 names the depthwise weight `kernel` (Keras 2 called it `depthwise_kernel`). */
  protected override addKernels(channels: number): void {
    this.kernel = this.addWeight({
      name: 'kernel',
      shape: [...this.kernelSize, channels, this.depthMultiplier],
      initializer: this.initializers.depthwise,
    });
    if (this.useBias) {
      this.bias = this.addWeight({ name: 'bias', shape: [channels * this.depthMultiplier], initializer: this.initializers.bias });
    }
  }

  /** Direct loops (native depthwise_fwd / depthwise_bwd), bias and activation fused. */
  override forward(L: Lowering, [x]: PlanTensor[], _kwargs: CallKwargs): PlanTensor[] {
    const kernel = L.weight(this.kernel!);
    const bias = this.bias ? L.weight(this.bias) : null;
    return [
      this.channelsLastForward(L, x!, (xl, act) => {
        const { output, window } = this.window(xl);
        return depthwiseConv(L, xl, kernel, bias, output, window, act, this.name);
      }),
    ];
  }

  protected override leadingConfig(): Record<string, unknown> {
    return { depth_multiplier: this.depthMultiplier };
  }
}

/** SeparableConv1D/2D: a depthwise convolution then a 1×1 convolution mixing channels. */
export class SeparableConv extends Convolution {
  static override readonly kernelKinds: readonly KernelKind[] = ['depthwise', 'pointwise'];
  static override readonly options = convolutionOptions(['filters', 'depthMultiplier'], ['depthwise', 'pointwise']);
  readonly filters: number;
  readonly depthMultiplier: number;
  depthwiseKernel?: Weight;
  pointwiseKernel?: Weight;

  constructor(args: SeparableConvArgs) {
    super(args);
    this.filters = positiveInt(args.filters, 'filters', this.name);
    this.depthMultiplier = positiveInt(args.depthMultiplier ?? 1, 'depth_multiplier', this.name);
  }

  protected override outputChannels(): Dim {
    return this.filters;
  }

  protected override addKernels(channels: number): void {
    this.depthwiseKernel = this.addWeight({
      name: 'depthwise_kernel',
      shape: [...this.kernelSize, channels, this.depthMultiplier],
      initializer: this.initializers.depthwise,
    });
    this.pointwiseKernel = this.addWeight({
      name: 'pointwise_kernel',
      shape: [...new Array<number>(this.rank).fill(1), channels * this.depthMultiplier, this.filters],
      initializer: this.initializers.pointwise,
    });
    if (this.useBias) this.bias = this.addWeight({ name: 'bias', shape: [this.filters], initializer: this.initializers.bias });
  }

  /** The depthwise kernels, then the pointwise 1×1 convolution as a Dense over the channels (bias and activation fused there). */
  override forward(L: Lowering, [x]: PlanTensor[], _kwargs: CallKwargs): PlanTensor[] {
    const depthwise = L.weight(this.depthwiseKernel!);
    const pointwise = L.weight(this.pointwiseKernel!);
    const bias = this.bias ? L.weight(this.bias) : null;
    return [
      this.channelsLastForward(L, x!, (xl, act) => {
        const { output, window } = this.window(xl);
        const mid = depthwiseConv(L, xl, depthwise, null, output, window, 'linear', `${this.name}/depthwise`);
        const [channels, filters] = pointwise.shape.slice(-2) as number[];
        return dense(L, mid, view(pointwise, [channels!, filters!]), bias, act, this.name);
      }),
    ];
  }

  protected override leadingConfig(): Record<string, unknown> {
    return { depth_multiplier: this.depthMultiplier, filters: this.filters };
  }
}

export class Conv1D extends Conv {
  static readonly className = 'Conv1D';
  static override readonly rank = 1;
  static override readonly paddings = ['valid', 'same', 'causal'];
}
export class Conv2D extends Conv {
  static readonly className = 'Conv2D';
  static override readonly rank = 2;
}
export class Conv3D extends Conv {
  static readonly className = 'Conv3D';
  static override readonly rank = 3;
}
export class Conv1DTranspose extends ConvTranspose {
  static readonly className = 'Conv1DTranspose';
  static override readonly rank = 1;
}
export class Conv2DTranspose extends ConvTranspose {
  static readonly className = 'Conv2DTranspose';
  static override readonly rank = 2;
}
export class Conv3DTranspose extends ConvTranspose {
  static readonly className = 'Conv3DTranspose';
  static override readonly rank = 3;
}
export class SeparableConv1D extends SeparableConv {
  static readonly className = 'SeparableConv1D';
  static override readonly rank = 1;
}
export class SeparableConv2D extends SeparableConv {
  static readonly className = 'SeparableConv2D';
  static override readonly rank = 2;
}
export class DepthwiseConv1D extends DepthwiseConv {
  static readonly className = 'DepthwiseConv1D';
  static override readonly rank = 1;
}
export class DepthwiseConv2D extends DepthwiseConv {
  static readonly className = 'DepthwiseConv2D';
  static override readonly rank = 2;
}

for (const cls of [
  Conv1D, Conv2D, Conv3D, Conv1DTranspose, Conv2DTranspose, Conv3DTranspose,
  SeparableConv1D, SeparableConv2D, DepthwiseConv1D, DepthwiseConv2D,
]) {
  registerBuiltin(cls);
}

export const factories = {
  Conv1D: factory(Conv1D, ['filters', 'kernelSize']),
  Conv2D: factory(Conv2D, ['filters', 'kernelSize']),
  Conv3D: factory(Conv3D, ['filters', 'kernelSize']),
  Conv1DTranspose: factory(Conv1DTranspose, ['filters', 'kernelSize']),
  Conv2DTranspose: factory(Conv2DTranspose, ['filters', 'kernelSize']),
  Conv3DTranspose: factory(Conv3DTranspose, ['filters', 'kernelSize']),
  SeparableConv1D: factory(SeparableConv1D, ['filters', 'kernelSize']),
  SeparableConv2D: factory(SeparableConv2D, ['filters', 'kernelSize']),
  DepthwiseConv1D: factory(DepthwiseConv1D, ['kernelSize']),
  DepthwiseConv2D: factory(DepthwiseConv2D, ['kernelSize']),
};
