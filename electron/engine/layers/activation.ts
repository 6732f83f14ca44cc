/**
 * Activation layers with options of their own: `Softmax`, `ReLU`, `LeakyReLU`, `ELU`,
 * `PReLU` (which learns its slopes), and `Identity`. The plain `Activation(name)` layer
 * lives in core.ts.
 */
import { TypeError_, ValueError } from '../graph/errors.js';
import { toInitializer, type InitializerArg, type InitializerConfig } from '../graph/initializers.js';
import { Layer, isShapeList, type LayerArgs, type Weight } from '../graph/layer.js';
import { registerBuiltin } from '../graph/registry.js';
import { formatShape, type Shape } from '../graph/shape.js';
import type { ConfigObject } from './core.js';
import { factory } from './factory.js';
import type { CallKwargs } from '../graph/node.js';
import type { Lowering } from '../autodiff/lowering.js';
import type { PlanTensor } from '../autodiff/tape.js';
import { arr, binary, reduce, softmax, unary, view, type Arr } from '../autodiff/ops/elementwise.js';

/** An op result as the layer's output (the input's shape, batch axis first). */
function asOutput(y: Arr, like: PlanTensor): PlanTensor {
  return { buf: y.t.buf, shape: like.shape, dtype: 'float32' };
}

/** An integer or a non-empty list of integers, as a list; `what` names the option in errors. */
function integerList(value: unknown, what: string, layerName: string): number[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((a) => Number.isInteger(a))) {
    throw new TypeError_(
      `Invalid value for argument \`${what}\` of layer "${layerName}": expected an integer or a list of integers. Received: ${what}=${JSON.stringify(value)}`,
      layerName,
    );
  }
  return list as number[];
}

/**
 * Activations without weights. Keras builds them when they are created, so it writes no
 * `build_config` for them; neither do we.
 */
export class ElementwiseActivation extends Layer {
  static override readonly builtAtInit = true;
  static override readonly options: readonly string[] = [];
  /** Element-wise, so a mask goes on unchanged (Keras 3). */
  static override readonly supportsMasking: boolean = true;

  /** A number `>= 0` (or `null` where allowed), with the Keras message otherwise. */
  protected nonNegative(value: unknown, what: string, nullable = false): number | null {
    if (nullable && value === null) return null;
    if (typeof value !== 'number' || !(value >= 0)) {
      throw new ValueError(
        `${what} of a ${this.className} layer cannot be ${nullable ? '' : 'None or '}a negative value. Received: ${what}=${JSON.stringify(value)} (layer "${this.name}").`,
        this.name,
      );
    }
    return value;
  }
}

export interface SoftmaxArgs extends LayerArgs {
  /** The axis (or axes) to normalise over. Default -1. */
  axis?: number | number[];
}

/** `exp(x) / sum(exp(x))` along `axis`. */
export class Softmax extends ElementwiseActivation {
  static readonly className = 'Softmax';
  static override readonly options = ['axis'];
  /** Keras folds a mask into the softmax (attention scores); that is not supported, so the mask stops here. */
  static override readonly supportsMasking = false;
  readonly axis: number | number[];

  constructor(args: SoftmaxArgs) {
    super(args);
    const list = integerList(args.axis ?? -1, 'axis', this.name);
    this.axis = Array.isArray(args.axis) ? list : list[0]!;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    if (!isShapeList(inputShape)) {
      for (const axis of Array.isArray(this.axis) ? this.axis : [this.axis]) {
        if (axis >= inputShape.length || axis < -inputShape.length) {
          throw new ValueError(
            `Axis ${axis} is out of bounds for input shape ${formatShape(inputShape)}. Received: axis=${JSON.stringify(this.axis)} (layer "${this.name}").`,
            this.name,
          );
        }
      }
    }
    return inputShape;
  }

  /**
   * Adjacent axes (one axis, the usual case) run in one kernel; other sets of axes as Keras
   * writes them, exp(x - max) / sum(exp(x - max)) over those axes.
   */
  override forward(L: Lowering, [x]: PlanTensor[], kwargs: CallKwargs): PlanTensor[] {
    if (kwargs.mask !== undefined && kwargs.mask !== null) {
      throw new ValueError(`Layer "${this.name}" (Softmax) cannot take a mask in a training step yet.`, this.name);
    }
    const xa = arr(L, x!);
    const rank = xa.dims.length;
    const axes = [...new Set((Array.isArray(this.axis) ? this.axis : [this.axis]).map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
    const first = axes[0]!;
    const last = axes[axes.length - 1]!;
    if (last - first + 1 === axes.length) return [asOutput(softmax(L, xa, first, last + 1, false, this.name), x!)];
    const max = reduce(L, 'max', xa, axes, true, `${this.name}/max`);
    const e = unary(L, 'exp', binary(L, 'subtract', xa, max, `${this.name}/shift`), `${this.name}/exp`);
    const sum = reduce(L, 'sum', e, axes, true, `${this.name}/sum`);
    return [asOutput(binary(L, 'divide', e, sum, `${this.name}/normalize`), x!)];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
}

export interface ReLUArgs extends LayerArgs {
  /** Upper bound of the output; `null` (default) for none. */
  maxValue?: number | null;
  /** Slope below the threshold. Default 0. */
  negativeSlope?: number;
  /** Values below it are damped. Default 0. */
  threshold?: number;
}

/** `max(x, 0)`, optionally capped at `maxValue`, with a slope below `threshold`. */
export class ReLU extends ElementwiseActivation {
  static readonly className = 'ReLU';
  static override readonly options = ['maxValue', 'negativeSlope', 'threshold'];
  readonly maxValue: number | null;
  readonly negativeSlope: number;
  readonly threshold: number;

  constructor(args: ReLUArgs) {
    super(args);
    this.maxValue = this.nonNegative(args.maxValue ?? null, 'max_value', true);
    this.negativeSlope = this.nonNegative(args.negativeSlope ?? 0, 'negative_slope')!;
    this.threshold = this.nonNegative(args.threshold ?? 0, 'threshold')!;
  }

  /** Keras 3's relu(x, negative_slope, max_value, threshold). */
  override forward(L: Lowering, [x]: PlanTensor[], _kwargs: CallKwargs): PlanTensor[] {
    const xa = arr(L, x!);
    const plain = this.maxValue === null && this.negativeSlope === 0 && this.threshold === 0;
    const y = plain
      ? unary(L, 'relu', xa, this.name)
      : unary(L, 'relu_ext', xa, this.name, [this.negativeSlope, this.threshold, this.maxValue ?? -1]);
    return [asOutput(y, x!)];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      max_value: this.maxValue,
      negative_slope: this.negativeSlope,
      threshold: this.threshold,
    };
  }
}

export interface LeakyReLUArgs extends LayerArgs {
  /** Slope for negative inputs. Default 0.3 (Keras 3). */
  negativeSlope?: number;
  /** Keras 2's name for `negativeSlope`. */
  alpha?: number;
}

/** `x` for `x >= 0`, `negativeSlope * x` otherwise. */
export class LeakyReLU extends ElementwiseActivation {
  static readonly className = 'LeakyReLU';
  static override readonly options = ['negativeSlope', 'alpha'];
  readonly negativeSlope: number;

  constructor(args: LeakyReLUArgs) {
    super(args);
    if (args.alpha !== undefined && args.negativeSlope !== undefined) {
      throw new TypeError_(
        `Layer "${this.name}" got both \`negativeSlope\` and \`alpha\` (its Keras 2 name); give only \`negativeSlope\`.`,
        this.name,
      );
    }
    this.negativeSlope = this.nonNegative(args.negativeSlope ?? args.alpha ?? 0.3, 'negative_slope')!;
  }

  override forward(L: Lowering, [x]: PlanTensor[], _kwargs: CallKwargs): PlanTensor[] {
    return [asOutput(unary(L, 'leaky_relu', arr(L, x!), this.name, [this.negativeSlope]), x!)];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), negative_slope: this.negativeSlope };
  }
}

export interface ELUArgs extends LayerArgs {
  /** Scale of the negative part, `alpha * (exp(x) - 1)`. Default 1. */
  alpha?: number;
}

/** Exponential linear unit. */
export class ELU extends ElementwiseActivation {
  static readonly className = 'ELU';
  static override readonly options = ['alpha'];
  readonly alpha: number;

  constructor(args: ELUArgs) {
    super(args);
    const alpha = args.alpha ?? 1;
    if (typeof alpha !== 'number' || !Number.isFinite(alpha)) {
      throw new ValueError(
        `Invalid value for argument \`alpha\` of layer "${this.name}": expected a number. Received: alpha=${JSON.stringify(args.alpha)}`,
        this.name,
      );
    }
    this.alpha = alpha;
  }

  override forward(L: Lowering, [x]: PlanTensor[], _kwargs: CallKwargs): PlanTensor[] {
    return [asOutput(unary(L, 'elu', arr(L, x!), this.name, [this.alpha]), x!)];
  }

  override getConfig(): Record<string, unknown> {
    // Keras 3's ELU leaves `alpha` out of its config (and so loses it); its constructor takes it.
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

/** Returns its input unchanged. */
export class Identity extends ElementwiseActivation {
  static readonly className = 'Identity';

  override forward(_L: Lowering, inputs: PlanTensor[], _kwargs: CallKwargs): PlanTensor[] {
    return [...inputs];
  }
}

export interface PReLUArgs extends LayerArgs {
  alphaInitializer?: InitializerArg;
  alphaRegularizer?: ConfigObject;
  alphaConstraint?: ConfigObject;
  /** Axes (1 = first after the batch) along which one slope is shared, e.g. `[1, 2]` for images. */
  sharedAxes?: number | number[] | null;
}

/**
 * A leaky ReLU whose negative slopes are learned: the weight `alpha` has the input's shape
 * without the batch axis, with size 1 along `sharedAxes`.
 */
export class PReLU extends Layer {
  static readonly className = 'PReLU';
  static override readonly options = ['alphaInitializer', 'alphaRegularizer', 'alphaConstraint', 'sharedAxes'];
  static override readonly supportsMasking = true;
  readonly alphaInitializer: InitializerConfig;
  readonly sharedAxes: number[] | null;
  readonly extras: Record<string, ConfigObject>;
  alpha?: Weight;

  constructor(args: PReLUArgs = {}) {
    super(args);
    this.alphaInitializer = toInitializer(args.alphaInitializer ?? 'zeros', `alphaInitializer of "${this.name}"`);
    const shared = args.sharedAxes ?? null;
    this.sharedAxes = shared === null ? null : integerList(shared, 'shared_axes', this.name);
    if (this.sharedAxes?.some((a) => a < 1)) {
      throw new ValueError(
        `Invalid value for argument \`shared_axes\` of layer "${this.name}": axes count from 1 (the first axis after the batch axis). Received: shared_axes=${JSON.stringify(shared)}`,
        this.name,
      );
    }
    this.extras = { alpha_regularizer: args.alphaRegularizer ?? null, alpha_constraint: args.alphaConstraint ?? null };
  }

  override build(inputShape: Shape | Shape[]): void {
    if (isShapeList(inputShape)) {
      throw new ValueError(
        `Layer "${this.name}" expects a single input tensor, but it received ${inputShape.length} input tensors. Inputs received: [${inputShape.map(formatShape).join(', ')}]`,
        this.name,
      );
    }
    const shared = new Set(this.sharedAxes ?? []);
    const outOfRange = [...shared].filter((a) => a >= inputShape.length);
    if (outOfRange.length > 0) {
      throw new ValueError(
        `Invalid shared_axes=${JSON.stringify(this.sharedAxes)} for an input of shape ${formatShape(inputShape)}: axis ${outOfRange[0]} does not exist (layer "${this.name}").`,
        this.name,
      );
    }
    const axes: Record<number, number> = {};
    const shape = inputShape.slice(1).map((size, i) => {
      if (shared.has(i + 1)) return 1;
      if (size === null) {
        throw new ValueError(
          `Layer "${this.name}" learns one slope per position, so axis ${i + 1} of its input must have a known size; received input shape ${formatShape(inputShape)}. Share the slope along that axis with \`sharedAxes\`.`,
          this.name,
        );
      }
      axes[i + 1] = size;
      return size;
    });
    this.alpha = this.addWeight({ name: 'alpha', shape, initializer: this.alphaInitializer });
    this.inputSpec = [{ ndim: inputShape.length, axes }];
  }

  /** x for x > 0, alpha * x otherwise; alpha broadcasts along the batch and the shared axes. */
  override forward(L: Lowering, [x]: PlanTensor[], _kwargs: CallKwargs): PlanTensor[] {
    const alpha = arr(L, L.weight(this.alpha!));
    const y = binary(L, 'prelu', arr(L, x!), view(alpha, [1, ...alpha.dims]), this.name);
    return [asOutput(y, x!)];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      alpha_initializer: this.alphaInitializer,
      alpha_regularizer: this.extras.alpha_regularizer,
      alpha_constraint: this.extras.alpha_constraint,
      shared_axes: this.sharedAxes,
    };
  }
}

for (const cls of [Softmax, ReLU, LeakyReLU, ELU, PReLU, Identity]) registerBuiltin(cls);

export const factories = {
  Softmax: factory(Softmax, ['axis']),
  ReLU: factory(ReLU, ['maxValue']),
  LeakyReLU: factory(LeakyReLU, ['negativeSlope']),
  ELU: factory(ELU, ['alpha']),
  PReLU: factory(PReLU, []),
  Identity: factory(Identity, []),
};
