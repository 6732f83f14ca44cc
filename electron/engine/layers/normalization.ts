/**
 * Normalization layers: `BatchNormalization` (statistics over the batch, with moving averages
 * for inference) and `LayerNormalization` (statistics over the feature axes of each sample).
 */
import { TypeError_, ValueError } from '../graph/errors.js';
import { toInitializer, type InitializerArg, type InitializerConfig } from '../graph/initializers.js';
import { Layer, isShapeList, type LayerArgs, type Weight } from '../graph/layer.js';
import { registerBuiltin } from '../graph/registry.js';
import { formatShape, normalizeAxis, type Shape } from '../graph/shape.js';
import type { ConfigObject } from './core.js';
import { factory } from './factory.js';
import type { CallKwargs } from '../graph/node.js';
import type { Lowering } from '../autodiff/lowering.js';
import type { PlanTensor } from '../autodiff/tape.js';
import { batchNorm, layerNorm } from '../autodiff/ops/normalization.js';

/** Options shared by both layers: the learned offset `beta` and scale `gamma`. */
interface AffineArgs extends LayerArgs {
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerArg;
  gammaInitializer?: InitializerArg;
  betaRegularizer?: ConfigObject;
  gammaRegularizer?: ConfigObject;
  betaConstraint?: ConfigObject;
  gammaConstraint?: ConfigObject;
}

const AFFINE_OPTIONS = [
  'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer',
  'betaRegularizer', 'gammaRegularizer', 'betaConstraint', 'gammaConstraint',
];

/**
 * What both layers share: option checks, the axes they normalise over, and `gamma`/`beta`.
 * The shape does not change.
 */
abstract class AffineNormalization extends Layer {
  /** Normalising keeps the steps as they are, so a mask goes on unchanged (Keras 3). */
  static override readonly supportsMasking = true;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: InitializerConfig;
  readonly gammaInitializer: InitializerConfig;
  /** Regularizers and constraints are kept as given so that configs round-trip. */
  readonly extras: Record<string, ConfigObject>;
  gamma?: Weight;
  beta?: Weight;

  constructor(args: AffineArgs) {
    super(args);
    this.epsilon = this.number(args.epsilon ?? 1e-3, 'epsilon', 0, Infinity);
    this.center = this.flag(args.center ?? true, 'center');
    this.scale = this.flag(args.scale ?? true, 'scale');
    this.betaInitializer = toInitializer(args.betaInitializer ?? 'zeros', `betaInitializer of "${this.name}"`);
    this.gammaInitializer = toInitializer(args.gammaInitializer ?? 'ones', `gammaInitializer of "${this.name}"`);
    this.extras = {
      beta_regularizer: args.betaRegularizer ?? null,
      gamma_regularizer: args.gammaRegularizer ?? null,
      beta_constraint: args.betaConstraint ?? null,
      gamma_constraint: args.gammaConstraint ?? null,
    };
  }

  /** The axes as given: a number or a list of numbers. */
  protected abstract get axisList(): number[];

  protected number(value: unknown, what: string, min: number, max: number): number {
    if (typeof value !== 'number' || !(value >= min && value <= max)) {
      const range = max === Infinity ? `>= ${min}` : `between ${min} and ${max}`;
      throw new ValueError(
        `Invalid value for argument \`${what}\` of layer "${this.name}": expected a number ${range}. Received: ${what}=${JSON.stringify(value)}`,
        this.name,
      );
    }
    return value;
  }

  protected flag(value: unknown, what: string): boolean {
    if (typeof value !== 'boolean') {
      throw new TypeError_(
        `Argument \`${what}\` of layer "${this.name}" must be a boolean. Received: ${what}=${JSON.stringify(value)}`,
        this.name,
      );
    }
    return value;
  }

  /** The input shape of a single-tensor call, with every normalised axis in range. */
  protected checkedShape(inputShape: Shape | Shape[]): Shape {
    if (isShapeList(inputShape)) {
      throw new ValueError(
        `Layer "${this.name}" expects a single input tensor, but it received ${inputShape.length} input tensors. Inputs received: [${inputShape.map(formatShape).join(', ')}]`,
        this.name,
      );
    }
    for (const axis of this.axisList) {
      if (axis >= inputShape.length || axis < -inputShape.length) {
        throw new ValueError(
          `Axis ${axis} is out of bounds for input shape ${formatShape(inputShape)}. Received: axis=${JSON.stringify(this.axisList.length === 1 ? this.axisList[0] : this.axisList)} (layer "${this.name}").`,
          this.name,
        );
      }
    }
    return inputShape;
  }

  /** The sizes of the normalised axes, which the weights take; they must be known. */
  protected paramShape(inputShape: Shape): number[] {
    return this.axisList.map((axis) => {
      const size = inputShape[normalizeAxis(axis, inputShape.length)];
      if (size === null || size === undefined) {
        throw new ValueError(
          `Axis ${axis} of input tensor should have a defined dimension but the layer received an input with shape ${formatShape(inputShape)} (layer "${this.name}").`,
          this.name,
        );
      }
      return size;
    });
  }

  protected addGammaBeta(shape: number[], withGamma: boolean, withBeta: boolean): void {
    if (withGamma) this.gamma = this.addWeight({ name: 'gamma', shape, initializer: this.gammaInitializer });
    if (withBeta) this.beta = this.addWeight({ name: 'beta', shape, initializer: this.betaInitializer });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...this.checkedShape(inputShape)];
  }
}

export interface BatchNormalizationArgs extends AffineArgs {
  /** The features axis; Keras 2 configs may write it as a one-element list. Default -1. */
  axis?: number | [number];
  momentum?: number;
  movingMeanInitializer?: InitializerArg;
  movingVarianceInitializer?: InitializerArg;
  /** Keras' multi-device option; accepted for configs, it changes nothing on one device. */
  synchronized?: boolean;
  /** Batch renormalization (newer Keras 3); only `false` is supported. */
  renorm?: boolean;
  renormClipping?: Record<string, number> | null;
  renormMomentum?: number;
}

/**
 * Normalises each channel with the batch statistics while training and with their moving
 * averages at inference. Weights: `gamma`, `beta` (trainable) and `moving_mean`,
 * `moving_variance` (non-trainable), each of shape `[channels]`.
 */
export class BatchNormalization extends AffineNormalization {
  static readonly className = 'BatchNormalization';
  static override readonly options = [
    'axis', 'momentum', ...AFFINE_OPTIONS, 'movingMeanInitializer', 'movingVarianceInitializer',
    'synchronized', 'renorm', 'renormClipping', 'renormMomentum',
  ];
  readonly axis: number;
  readonly momentum: number;
  readonly movingMeanInitializer: InitializerConfig;
  readonly movingVarianceInitializer: InitializerConfig;
  readonly synchronized: boolean;
  movingMean?: Weight;
  movingVariance?: Weight;

  constructor(args: BatchNormalizationArgs) {
    super(args);
    const axis: unknown = Array.isArray(args.axis) && args.axis.length === 1 ? args.axis[0] : (args.axis ?? -1);
    if (!Number.isInteger(axis)) {
      throw new ValueError(
        `Invalid value for argument \`axis\` of layer "${this.name}": expected an integer. Received: axis=${JSON.stringify(args.axis)}`,
        this.name,
      );
    }
    this.axis = axis as number;
    this.momentum = this.number(args.momentum ?? 0.99, 'momentum', 0, 1);
    this.movingMeanInitializer = toInitializer(args.movingMeanInitializer ?? 'zeros', `movingMeanInitializer of "${this.name}"`);
    this.movingVarianceInitializer = toInitializer(
      args.movingVarianceInitializer ?? 'ones',
      `movingVarianceInitializer of "${this.name}"`,
    );
    this.synchronized = this.flag(args.synchronized ?? false, 'synchronized');
    if (this.flag(args.renorm ?? false, 'renorm')) {
      throw new ValueError(`Layer "${this.name}": batch renormalization (renorm=true) is not supported yet.`, this.name);
    }
  }

  protected get axisList(): number[] {
    return [this.axis];
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = this.checkedShape(inputShape);
    const [channels] = this.paramShape(shape) as [number];
    this.addGammaBeta([channels], this.scale, this.center);
    this.movingMean = this.addWeight({
      name: 'moving_mean', shape: [channels], initializer: this.movingMeanInitializer, trainable: false,
    });
    this.movingVariance = this.addWeight({
      name: 'moving_variance', shape: [channels], initializer: this.movingVarianceInitializer, trainable: false,
    });
    this.inputSpec = [{ ndim: shape.length, axes: { [this.axis]: channels } }];
  }

  /**
   * Training (and not frozen: Keras 3 runs a non-trainable BatchNormalization in inference
   * mode) normalises with the batch's statistics and moves the moving ones; inference uses
   * the moving statistics. A `training` keyword of the call overrides the step's mode.
   */
  override forward(L: Lowering, [x]: PlanTensor[], kwargs: CallKwargs): PlanTensor[] {
    const axis = normalizeAxis(this.axis, x!.shape.length);
    if (axis === 0) {
      throw new ValueError(`Layer "${this.name}" normalises per position of the batch axis (axis=${this.axis}), which cannot run in a training step.`, this.name);
    }
    const mode = typeof kwargs.training === 'boolean' ? kwargs.training : L.training;
    if (mode && this.trainable && kwargs.mask) {
      throw new ValueError(
        `Layer "${this.name}" (BatchNormalization) cannot train on a masked sequence yet: Keras takes the batch statistics over the unmasked steps only. Put it where its input has no mask, or freeze it.`,
        this.name,
      );
    }
    return [
      batchNorm(
        L,
        x!,
        {
          axis,
          gamma: this.gamma ? L.weight(this.gamma) : null,
          beta: this.beta ? L.weight(this.beta) : null,
          movingMean: L.weight(this.movingMean!),
          movingVariance: L.weight(this.movingVariance!),
          epsilon: this.epsilon,
          momentum: this.momentum,
          training: mode && this.trainable,
        },
        this.name,
      ),
    ];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      beta_initializer: this.betaInitializer,
      gamma_initializer: this.gammaInitializer,
      moving_mean_initializer: this.movingMeanInitializer,
      moving_variance_initializer: this.movingVarianceInitializer,
      ...this.extras,
      synchronized: this.synchronized,
    };
  }
}

export interface LayerNormalizationArgs extends AffineArgs {
  /** The axis or axes to normalise over (the features). Default -1. */
  axis?: number | number[];
  /** Scale by the root mean square only: `gamma` but no `beta`, `center` ignored. */
  rmsScaling?: boolean;
}

/** Normalises each sample over `axis`; `gamma` and `beta` have the shape of those axes. */
export class LayerNormalization extends AffineNormalization {
  static readonly className = 'LayerNormalization';
  static override readonly options = ['axis', ...AFFINE_OPTIONS, 'rmsScaling'];
  /** As given; Keras turns a single axis into a list once built and writes that to configs. */
  private axisConfig: number | number[];
  readonly rmsScaling: boolean;

  constructor(args: LayerNormalizationArgs) {
    super(args);
    const axis: unknown = args.axis ?? -1;
    const list = Array.isArray(axis) ? axis : [axis];
    if (list.length === 0 || !list.every((a) => Number.isInteger(a))) {
      throw new TypeError_(
        `Expected an int or a list of ints for the argument 'axis' of layer "${this.name}", but received: ${JSON.stringify(args.axis)}`,
        this.name,
      );
    }
    this.axisConfig = Array.isArray(axis) ? [...(axis as number[])] : (axis as number);
    this.rmsScaling = this.flag(args.rmsScaling ?? false, 'rmsScaling');
  }

  get axis(): number | number[] {
    return this.axisConfig;
  }

  protected get axisList(): number[] {
    return Array.isArray(this.axisConfig) ? this.axisConfig : [this.axisConfig];
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = this.checkedShape(inputShape);
    const resolved = this.axisList.map((a) => normalizeAxis(a, shape.length));
    if (new Set(resolved).size !== resolved.length) {
      throw new ValueError(
        `Duplicate axis in argument \`axis\` of layer "${this.name}": ${JSON.stringify(this.axisConfig)} names the same axis twice for input shape ${formatShape(shape)}.`,
        this.name,
      );
    }
    const params = this.paramShape(shape);
    this.addGammaBeta(params, this.scale || this.rmsScaling, this.center && !this.rmsScaling);
    this.inputSpec = [{ axes: Object.fromEntries(this.axisList.map((a, i) => [a, params[i]!])) }];
    this.axisConfig = this.axisList;
  }

  /** Statistics of each sample over `axis` (adjacent axes run in one kernel; others are composed of ops). */
  override forward(L: Lowering, [x]: PlanTensor[], _kwargs: CallKwargs): PlanTensor[] {
    const rank = x!.shape.length;
    const axes = [...new Set(this.axisList.map((a) => normalizeAxis(a, rank)))].sort((a, b) => a - b);
    if (axes.includes(0)) {
      throw new ValueError(`Layer "${this.name}" normalises over the batch axis (axis=${JSON.stringify(this.axisConfig)}), which cannot run in a training step.`, this.name);
    }
    return [
      layerNorm(
        L,
        x!,
        {
          axes,
          gamma: this.gamma ? L.weight(this.gamma) : null,
          beta: this.beta ? L.weight(this.beta) : null,
          epsilon: this.epsilon,
          rms: this.rmsScaling,
        },
        this.name,
      ),
    ];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      axis: this.axisConfig,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      rms_scaling: this.rmsScaling,
      beta_initializer: this.betaInitializer,
      gamma_initializer: this.gammaInitializer,
      ...this.extras,
    };
  }
}

registerBuiltin(BatchNormalization);
registerBuiltin(LayerNormalization);

export const factories = {
  BatchNormalization: factory(BatchNormalization, []),
  LayerNormalization: factory(LayerNormalization, []),
};
