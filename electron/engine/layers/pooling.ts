/**
 * Pooling layers: max and average pooling over a sliding window (1D/2D/3D) and their global
 * versions. Shapes and configs follow Keras 3; the forward kernels live in `native/`.
 */
import { ValueError } from '../graph/errors.js';
import { Layer, type LayerArgs } from '../graph/layer.js';
import { registerBuiltin } from '../graph/registry.js';
import { formatShape, windowOutputLength, type Shape } from '../graph/shape.js';
import {
  channelAxis,
  checkRank,
  dataFormatOption,
  intTuple,
  paddingOption,
  spatialAxes,
  type DataFormat,
} from './conv.js';
import { factory } from './factory.js';
import type { Lowering } from '../autodiff/lowering.js';
import type { PlanTensor } from '../autodiff/tape.js';
import { globalPool, maskedStepAverage, pool } from '../autodiff/ops/pooling.js';
import type { CallKwargs } from '../graph/node.js';
import type { MaskOps, MaskResult } from '../graph/mask.js';

export type PoolMode = 'max' | 'average';

export interface PoolingArgs extends LayerArgs {
  /** Window size; 2 by default. */
  poolSize?: number | number[];
  /** Step of the window; the pool size by default. */
  strides?: number | number[] | null;
  padding?: 'valid' | 'same';
  dataFormat?: DataFormat | null;
}

/**
 * MaxPooling / AveragePooling in 1, 2 or 3 dimensions (`static rank`, `static poolMode`): the
 * maximum or mean of each window, per channel.
 */
export class Pooling extends Layer {
  static readonly rank: number = 0;
  static readonly poolMode: PoolMode = 'max';
  static override readonly options = ['poolSize', 'strides', 'padding', 'dataFormat'];
  /** Keras 3 builds pooling layers when they are created, so it writes no `build_config`. */
  static override readonly builtAtInit = true;
  readonly rank: number;
  readonly poolMode: PoolMode;
  readonly poolSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same';
  readonly dataFormat: DataFormat;

  constructor(args: PoolingArgs) {
    super(args);
    const cls = this.constructor as typeof Pooling;
    this.rank = cls.rank;
    this.poolMode = cls.poolMode;
    this.poolSize = intTuple(args.poolSize ?? 2, this.rank, 'pool_size', this.name);
    this.strides = intTuple(args.strides ?? this.poolSize, this.rank, 'strides', this.name);
    this.padding = paddingOption(args.padding ?? 'valid', ['valid', 'same'] as const, this.name);
    this.dataFormat = dataFormatOption(args.dataFormat, this.name);
    this.inputSpec = [{ ndim: this.rank + 2 }];
  }

  override computeOutputShape(inputShape: Shape): Shape {
    checkRank(this, inputShape, this.rank + 2);
    const out = [...inputShape];
    const axes = spatialAxes(inputShape.length, this.dataFormat);
    axes.forEach((axis, i) => {
      out[axis] = windowOutputLength(inputShape[axis] ?? null, this.poolSize[i]!, this.padding, this.strides[i]!);
    });
    if (axes.some((axis) => out[axis] !== null && out[axis]! <= 0)) {
      throw new ValueError(
        `Computed output size would be zero or negative. Received: \`inputs.shape=${formatShape(inputShape)}\`, \`pool_size=${formatShape(this.poolSize)}\`, \`strides=${formatShape(this.strides)}\`, \`padding=${this.padding}\` (layer "${this.name}").`,
        this.name,
      );
    }
    return out;
  }

  override forward(L: Lowering, [x]: PlanTensor[]): PlanTensor[] {
    const o = { mode: this.poolMode, poolSize: this.poolSize, strides: this.strides, padding: this.padding, dataFormat: this.dataFormat };
    return [pool(L, x!, o, this.computeOutputShape(x!.shape), this.name)];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      pool_size: this.poolSize,
      padding: this.padding,
      strides: this.strides,
      data_format: this.dataFormat,
    };
  }
}

export interface GlobalPoolingArgs extends LayerArgs {
  dataFormat?: DataFormat | null;
  /** Keep the pooled axes with size 1. */
  keepdims?: boolean;
}

/** GlobalMaxPooling / GlobalAveragePooling: one value per channel over all spatial axes. */
export class GlobalPooling extends Layer {
  static readonly rank: number = 0;
  static readonly poolMode: PoolMode = 'max';
  static override readonly options = ['dataFormat', 'keepdims'];
  /** Keras 3 builds pooling layers when they are created, so it writes no `build_config`. */
  static override readonly builtAtInit = true;
  readonly rank: number;
  readonly poolMode: PoolMode;
  readonly dataFormat: DataFormat;
  readonly keepdims: boolean;

  constructor(args: GlobalPoolingArgs) {
    super(args);
    const cls = this.constructor as typeof GlobalPooling;
    this.rank = cls.rank;
    this.poolMode = cls.poolMode;
    this.dataFormat = dataFormatOption(args.dataFormat, this.name);
    if (args.keepdims !== undefined && typeof args.keepdims !== 'boolean') {
      throw new ValueError(
        `The \`keepdims\` argument of layer "${this.name}" must be a boolean. Received: keepdims=${JSON.stringify(args.keepdims)}.`,
        this.name,
      );
    }
    this.keepdims = args.keepdims ?? false;
    this.inputSpec = [{ ndim: this.rank + 2 }];
  }

  override computeOutputShape(inputShape: Shape): Shape {
    checkRank(this, inputShape, this.rank + 2);
    const batch = inputShape[0] ?? null;
    const channels = inputShape[channelAxis(inputShape.length, this.dataFormat)] ?? null;
    if (!this.keepdims) return [batch, channels];
    const ones = new Array<number>(this.rank).fill(1);
    return this.dataFormat === 'channels_first' ? [batch, channels, ...ones] : [batch, ...ones, channels];
  }

  /** With or without keepdims the pooled values lie in the same order, so one kernel serves both. */
  override forward(L: Lowering, [x]: PlanTensor[]): PlanTensor[] {
    return [globalPool(L, x!, this.poolMode, this.dataFormat, this.computeOutputShape(x!.shape), this.name)];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), data_format: this.dataFormat, keepdims: this.keepdims };
  }
}

export class MaxPooling1D extends Pooling {
  static readonly className = 'MaxPooling1D';
  static override readonly rank = 1;
}
export class MaxPooling2D extends Pooling {
  static readonly className = 'MaxPooling2D';
  static override readonly rank = 2;
}
export class MaxPooling3D extends Pooling {
  static readonly className = 'MaxPooling3D';
  static override readonly rank = 3;
}
export class AveragePooling1D extends Pooling {
  static readonly className = 'AveragePooling1D';
  static override readonly rank = 1;
  static override readonly poolMode = 'average';
}
export class AveragePooling2D extends Pooling {
  static readonly className = 'AveragePooling2D';
  static override readonly rank = 2;
  static override readonly poolMode = 'average';
}
export class AveragePooling3D extends Pooling {
  static readonly className = 'AveragePooling3D';
  static override readonly rank = 3;
  static override readonly poolMode = 'average';
}
export class GlobalMaxPooling1D extends GlobalPooling {
  static readonly className = 'GlobalMaxPooling1D';
  static override readonly rank = 1;
}
export class GlobalMaxPooling2D extends GlobalPooling {
  static readonly className = 'GlobalMaxPooling2D';
  static override readonly rank = 2;
}
export class GlobalMaxPooling3D extends GlobalPooling {
  static readonly className = 'GlobalMaxPooling3D';
  static override readonly rank = 3;
}
/** On a masked sequence, the mean over the steps the mask keeps; the mask ends here. */
export class GlobalAveragePooling1D extends GlobalPooling {
  static readonly className = 'GlobalAveragePooling1D';
  static override readonly rank = 1;
  static override readonly poolMode = 'average';
  static override readonly supportsMasking = true;

  override computeMask<M>(_masks: Array<M | null>, _ops: MaskOps<M>, _kwargs: CallKwargs): MaskResult<M> {
    return null;
  }

  override forward(L: Lowering, inputs: PlanTensor[], kwargs: CallKwargs = {}): PlanTensor[] {
    const mask = kwargs.mask as PlanTensor | null | undefined;
    if (!mask) return super.forward(L, inputs);
    const x = inputs[0]!;
    return [maskedStepAverage(L, x, mask, this.dataFormat, this.computeOutputShape(x.shape), this.name)];
  }
}
export class GlobalAveragePooling2D extends GlobalPooling {
  static readonly className = 'GlobalAveragePooling2D';
  static override readonly rank = 2;
  static override readonly poolMode = 'average';
}
export class GlobalAveragePooling3D extends GlobalPooling {
  static readonly className = 'GlobalAveragePooling3D';
  static override readonly rank = 3;
  static override readonly poolMode = 'average';
}

// Keras' short aliases (`MaxPool2D`, `GlobalAvgPool2D`, …) name the same classes.
registerBuiltin(MaxPooling1D, 'MaxPool1D');
registerBuiltin(MaxPooling2D, 'MaxPool2D');
registerBuiltin(MaxPooling3D, 'MaxPool3D');
registerBuiltin(AveragePooling1D, 'AvgPool1D');
registerBuiltin(AveragePooling2D, 'AvgPool2D');
registerBuiltin(AveragePooling3D, 'AvgPool3D');
registerBuiltin(GlobalMaxPooling1D, 'GlobalMaxPool1D');
registerBuiltin(GlobalMaxPooling2D, 'GlobalMaxPool2D');
registerBuiltin(GlobalMaxPooling3D, 'GlobalMaxPool3D');
registerBuiltin(GlobalAveragePooling1D, 'GlobalAvgPool1D');
registerBuiltin(GlobalAveragePooling2D, 'GlobalAvgPool2D');
registerBuiltin(GlobalAveragePooling3D, 'GlobalAvgPool3D');

const localPools = {
  MaxPooling1D: factory(MaxPooling1D, ['poolSize']),
  MaxPooling2D: factory(MaxPooling2D, ['poolSize']),
  MaxPooling3D: factory(MaxPooling3D, ['poolSize']),
  AveragePooling1D: factory(AveragePooling1D, ['poolSize']),
  AveragePooling2D: factory(AveragePooling2D, ['poolSize']),
  AveragePooling3D: factory(AveragePooling3D, ['poolSize']),
};
const globalPools = {
  GlobalMaxPooling1D: factory(GlobalMaxPooling1D, []),
  GlobalMaxPooling2D: factory(GlobalMaxPooling2D, []),
  GlobalMaxPooling3D: factory(GlobalMaxPooling3D, []),
  GlobalAveragePooling1D: factory(GlobalAveragePooling1D, []),
  GlobalAveragePooling2D: factory(GlobalAveragePooling2D, []),
  GlobalAveragePooling3D: factory(GlobalAveragePooling3D, []),
};

export const factories = {
  ...localPools,
  ...globalPools,
  MaxPool1D: localPools.MaxPooling1D,
  MaxPool2D: localPools.MaxPooling2D,
  MaxPool3D: localPools.MaxPooling3D,
  AvgPool1D: localPools.AveragePooling1D,
  AvgPool2D: localPools.AveragePooling2D,
  AvgPool3D: localPools.AveragePooling3D,
  GlobalMaxPool1D: globalPools.GlobalMaxPooling1D,
  GlobalMaxPool2D: globalPools.GlobalMaxPooling2D,
  GlobalMaxPool3D: globalPools.GlobalMaxPooling3D,
  GlobalAvgPool1D: globalPools.GlobalAveragePooling1D,
  GlobalAvgPool2D: globalPools.GlobalAveragePooling2D,
  GlobalAvgPool3D: globalPools.GlobalAveragePooling3D,
};
