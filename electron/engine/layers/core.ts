import { toActivation, type ActivationName } from '../graph/activations.js';
import { ValueError } from '../graph/errors.js';
import { toInitializer, type InitializerArg } from '../graph/initializers.js';
import { Layer, type LayerArgs, type Weight } from '../graph/layer.js';
import { registerBuiltin } from '../graph/registry.js';
import { factory } from './factory.js';
import type { CallKwargs } from '../graph/node.js';
import type { Lowering } from '../autodiff/lowering.js';
import type { PlanTensor } from '../autodiff/tape.js';
import { dense } from '../autodiff/ops/dense.js';
import { activation } from '../autodiff/ops/activation.js';
import { dropout } from '../autodiff/ops/dropout.js';
import { maskSteps, planMasks } from '../autodiff/ops/mask.js';
import type { MaskOps, MaskResult } from '../graph/mask.js';
import { formatShape, type Shape } from '../graph/shape.js';

/** Checks a count such as `units` or `filters`. */
export function positiveInt(value: unknown, what: string, layerName: string): number {
  if (!Number.isInteger(value) || (value as number) <= 0) {
    throw new ValueError(
      `Received an invalid value for \`${what}\` of layer "${layerName}", expected a positive integer. Received: ${what}=${JSON.stringify(value)}`,
      layerName,
    );
  }
  return value as number;
}

/** Regularizers and constraints are kept as given so that configs round-trip. */
export type ConfigObject = Record<string, unknown> | string | null;

export interface DenseArgs extends LayerArgs {
  units: number;
  activation?: string | null;
  useBias?: boolean;
  kernelInitializer?: InitializerArg;
  biasInitializer?: InitializerArg;
  kernelRegularizer?: ConfigObject;
  biasRegularizer?: ConfigObject;
  activityRegularizer?: ConfigObject;
  kernelConstraint?: ConfigObject;
  biasConstraint?: ConfigObject;
}

/** `activation(inputs · kernel + bias)` on the last axis. */
export class Dense extends Layer {
  static readonly className = 'Dense';
  static override readonly supportsMasking = true;
  static override readonly options = [
    'units', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer',
    'kernelRegularizer', 'biasRegularizer', 'activityRegularizer', 'kernelConstraint', 'biasConstraint',
  ];
  readonly units: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer;
  readonly biasInitializer;
  readonly extras: Record<string, ConfigObject>;
  kernel?: Weight;
  bias?: Weight;

  constructor(args: DenseArgs) {
    super(args);
    this.units = positiveInt(args.units, 'units', this.name);
    this.activation = toActivation(args.activation, this.name);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = toInitializer(args.kernelInitializer ?? 'glorot_uniform', `kernelInitializer of "${this.name}"`);
    this.biasInitializer = toInitializer(args.biasInitializer ?? 'zeros', `biasInitializer of "${this.name}"`);
    this.extras = {
      kernel_regularizer: args.kernelRegularizer ?? null,
      bias_regularizer: args.biasRegularizer ?? null,
      kernel_constraint: args.kernelConstraint ?? null,
      bias_constraint: args.biasConstraint ?? null,
    };
  }

  override build(inputShape: Shape): void {
    const inputDim = inputShape[inputShape.length - 1];
    if (inputDim === null || inputDim === undefined) {
      throw new ValueError(
        `The last dimension of the inputs to a Dense layer should be defined. Found None. Full input shape received: ${formatShape(inputShape)} (layer "${this.name}").`,
        this.name,
      );
    }
    this.kernel = this.addWeight({ name: 'kernel', shape: [inputDim, this.units], initializer: this.kernelInitializer });
    if (this.useBias) this.bias = this.addWeight({ name: 'bias', shape: [this.units], initializer: this.biasInitializer });
    this.inputSpec = [{ minNdim: 2, axes: { [-1]: inputDim } }];
  }

  override computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length < 2) {
      throw new ValueError(
        `Input 0 of layer "${this.name}" is incompatible with the layer: expected min_ndim=2, found ndim=${inputShape.length}. Full shape received: ${formatShape(inputShape)}`,
        this.name,
      );
    }
    return [...inputShape.slice(0, -1), this.units];
  }

  override forward(L: Lowering, [x]: PlanTensor[], _kwargs: CallKwargs): PlanTensor[] {
    return [dense(L, x!, L.weight(this.kernel!), this.bias ? L.weight(this.bias) : null, this.activation, this.name)];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation,
      use_bias: this.useBias,
      kernel_initializer: this.kernelInitializer,
      bias_initializer: this.biasInitializer,
      ...this.extras,
    };
  }
}

export interface ActivationArgs extends LayerArgs {
  activation: string;
}

/** Applies an activation function by name. */
export class Activation extends Layer {
  static readonly className = 'Activation';
  static override readonly supportsMasking = true;
  static override readonly options = ['activation'];
  static override readonly builtAtInit = true;
  readonly activation: ActivationName;

  constructor(args: ActivationArgs) {
    super(args);
    this.activation = toActivation(args.activation, this.name);
  }

  override forward(L: Lowering, [x]: PlanTensor[], _kwargs: CallKwargs): PlanTensor[] {
    return [activation(L, x!, this.activation, this.name)];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: this.activation };
  }
}

export interface DropoutArgs extends LayerArgs {
  rate: number;
  noiseShape?: Array<number | null> | null;
  seed?: number | null;
}

/** Zeroes a fraction `rate` of inputs during training and rescales the rest; identity at inference. */
export class Dropout extends Layer {
  static readonly className = 'Dropout';
  static override readonly supportsMasking = true;
  static override readonly options = ['rate', 'noiseShape', 'seed'];
  static override readonly builtAtInit = true;
  readonly rate: number;
  readonly noiseShape: Array<number | null> | null;
  readonly seed: number | null;

  constructor(args: DropoutArgs) {
    super(args);
    if (typeof args.rate !== 'number' || !(args.rate >= 0 && args.rate <= 1)) {
      throw new ValueError(
        `Invalid value received for argument \`rate\` of layer "${this.name}". Expected a float value between 0 and 1. Received: rate=${JSON.stringify(args.rate)}`,
        this.name,
      );
    }
    this.rate = args.rate;
    this.noiseShape = args.noiseShape ?? null;
    this.seed = args.seed ?? null;
  }

  override forward(L: Lowering, [x]: PlanTensor[], _kwargs: CallKwargs): PlanTensor[] {
    if (this.noiseShape) {
      throw new ValueError(`Dropout "${this.name}": noiseShape is not supported in training yet.`, this.name);
    }
    return [dropout(L, x!, this.rate, this.seed, this.name)];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed, noise_shape: this.noiseShape };
  }
}

export interface MaskingArgs extends LayerArgs {
  /** Steps whose every feature equals this value are masked. Default 0. */
  maskValue?: number;
}

/**
 * Masks the timesteps of a (batch, timesteps, features) input whose features all equal
 * `maskValue`: their values become zeros, and a mask goes with the output so that the layers
 * downstream (recurrent layers, losses) skip them.
 */
export class Masking extends Layer {
  static readonly className = 'Masking';
  static override readonly options = ['maskValue'];
  static override readonly builtAtInit = true;
  static override readonly supportsMasking = true;
  readonly maskValue: number;

  constructor(args: MaskingArgs = {}) {
    super(args);
    if (args.maskValue !== undefined && (typeof args.maskValue !== 'number' || Number.isNaN(args.maskValue))) {
      throw new ValueError(
        `Invalid value received for argument \`maskValue\` of layer "${this.name}". Expected a number. Received: maskValue=${JSON.stringify(args.maskValue)}`,
        this.name,
      );
    }
    this.maskValue = args.maskValue ?? 0;
  }

  /** `any(inputs != maskValue, axis=-1)`, whatever mask came in. */
  override computeMask<M>(_masks: Array<M | null>, ops: MaskOps<M>, _kwargs: CallKwargs): MaskResult<M> {
    return ops.anyNotEqual(0, this.maskValue);
  }

  override forward(L: Lowering, [x]: PlanTensor[], _kwargs: CallKwargs): PlanTensor[] {
    if (x!.dtype !== 'float32') {
      throw new ValueError(`Layer "${this.name}" (Masking) masks float32 values; its input is ${x!.dtype}.`, this.name);
    }
    const mask = planMasks(L, [x!], this.name).anyNotEqual(0, this.maskValue);
    return [maskSteps(L, x!, mask, this.name)];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), mask_value: this.maskValue };
  }
}

registerBuiltin(Dense);
registerBuiltin(Activation);
registerBuiltin(Dropout);
registerBuiltin(Masking);

export const factories = {
  Dense: factory(Dense, ['units']),
  Activation: factory(Activation, ['activation']),
  Dropout: factory(Dropout, ['rate']),
  Masking: factory(Masking, ['maskValue']),
};
