/**
 * Reshaping layers: Flatten, Reshape, Permute, RepeatVector, and UpSampling, ZeroPadding and
 * Cropping in 1D/2D/3D. None has weights; each keeps its input's dtype. Shapes and configs
 * follow Keras 3; the forward kernels live in `native/`.
 */
import { TypeError_, ValueError } from '../graph/errors.js';
import { Layer, type LayerArgs } from '../graph/layer.js';
import { registerBuiltin } from '../graph/registry.js';
import { formatShape, sizeOf, type DType, type Dim, type Shape } from '../graph/shape.js';
import { checkRank, dataFormatOption, intTuple, spatialAxes, type DataFormat } from './conv.js';
import { positiveInt } from './core.js';
import { factory } from './factory.js';
import type { CallKwargs } from '../graph/node.js';
import type { Lowering } from '../autodiff/lowering.js';
import type { PlanTensor } from '../autodiff/tape.js';
import { view } from '../autodiff/ops/view.js';
import { crop, repeatVector, transpose, upsampleBilinear, upsampleNearest, zeroPad } from '../autodiff/ops/reshape.js';

/** Reshaping moves values around; the output dtype is the input's (int tensors stay int). */
class ShapeOnlyLayer extends Layer {
  override computeOutputDtype(inputDtypes: DType[]): DType {
    return inputDtypes[0] ?? this.dtype;
  }
}

// ---- Flatten, Reshape, Permute, RepeatVector ----------------------------------------------

export interface FlattenArgs extends LayerArgs {
  dataFormat?: DataFormat | null;
}

/** Flattens each sample to one axis: `(None, 3, 4, 5)` → `(None, 60)`. */
export class Flatten extends ShapeOnlyLayer {
  static readonly className = 'Flatten';
  static override readonly options = ['dataFormat'];
  readonly dataFormat: DataFormat;

  constructor(args: FlattenArgs) {
    super(args);
    this.dataFormat = dataFormatOption(args.dataFormat, this.name);
    this.inputSpec = [{ minNdim: 1 }];
  }

  override computeOutputShape(inputShape: Shape): Shape {
    const rest = inputShape.slice(1);
    const size = rest.some((d) => d === null) ? null : sizeOf(rest as number[]);
    return [inputShape[0] ?? null, size];
  }

  override forward(L: Lowering, [x]: PlanTensor[]): PlanTensor[] {
    let t = x!;
    // As Keras does, channels_first data is made channels_last first, so that Flatten gives
    // the same order of features in both formats.
    if (this.dataFormat === 'channels_first' && t.shape.length > 2) {
      const rank = t.shape.length - 1;
      t = transpose(L, t, [...Array.from({ length: rank - 1 }, (_, k) => k + 1), 0], this.name);
    }
    return [view(t, this.computeOutputShape(x!.shape))];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), data_format: this.dataFormat };
  }
}

export interface ReshapeArgs extends LayerArgs {
  /** Shape of each sample, without the batch axis; one entry may be -1 (inferred). */
  targetShape: number[];
}

/** Gives each sample a new shape with the same number of elements. */
export class Reshape extends ShapeOnlyLayer {
  static readonly className = 'Reshape';
  static override readonly options = ['targetShape'];
  /** Keras 3 builds Reshape when it is created, so it writes no `build_config`. */
  static override readonly builtAtInit = true;
  readonly targetShape: number[];

  constructor(args: ReshapeArgs) {
    super(args);
    const target = args.targetShape as unknown;
    if (!Array.isArray(target) || !target.every((d) => Number.isInteger(d) && d >= -1)) {
      throw new ValueError(
        `The \`target_shape\` argument of layer "${this.name}" must be an array of non-negative integers, with at most one -1 for an inferred size. Received: target_shape=${JSON.stringify(target)}.`,
        this.name,
      );
    }
    if (target.filter((d) => d === -1).length > 1) {
      throw new ValueError(
        `The \`target_shape\` argument must not contain more than one \`-1\` value. Received: target_shape=${formatShape(target)} (layer "${this.name}").`,
        this.name,
      );
    }
    this.targetShape = [...target];
  }

  override computeOutputShape(inputShape: Shape): Shape {
    const batch = inputShape[0] ?? null;
    const sample = inputShape.slice(1);
    if (sample.some((d) => d === null)) return [batch, ...this.targetShape.map((d) => (d === -1 ? null : d))];
    const inputSize = sizeOf(sample as number[]);
    const known = sizeOf(this.targetShape.filter((d) => d !== -1));
    const received = `Received: input_shape=${formatShape(sample)}, target_shape=${formatShape(this.targetShape)} (layer "${this.name}").`;
    if (!this.targetShape.includes(-1)) {
      if (known !== inputSize) throw new ValueError(`The total size of the tensor must be unchanged. ${received}`, this.name);
      return [batch, ...this.targetShape];
    }
    if (known === 0 || inputSize % known !== 0) {
      throw new ValueError(
        `The total size of the tensor must be unchanged, however, the input size cannot be divided by the specified dimensions in target_shape. ${received}`,
        this.name,
      );
    }
    return [batch, ...this.targetShape.map((d) => (d === -1 ? inputSize / known : d))];
  }

  override forward(_L: Lowering, [x]: PlanTensor[]): PlanTensor[] {
    return [view(x!, this.computeOutputShape(x!.shape))];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), target_shape: this.targetShape };
  }
}

export interface PermuteArgs extends LayerArgs {
  /** A permutation of `1…n` (the batch axis is not counted), as in Keras. */
  dims: number[];
}

/** Reorders the axes of each sample: `Permute([2, 1])` on `(None, 10, 64)` → `(None, 64, 10)`. */
export class Permute extends ShapeOnlyLayer {
  static readonly className = 'Permute';
  static override readonly options = ['dims'];
  readonly dims: number[];

  constructor(args: PermuteArgs) {
    super(args);
    const dims = args.dims as unknown;
    const sorted = Array.isArray(dims) ? [...dims].sort((a, b) => a - b) : null;
    if (!sorted || sorted.length === 0 || !sorted.every((d, i) => d === i + 1)) {
      throw new ValueError(
        `Invalid permutation argument \`dims\` for Permute Layer "${this.name}". The set of indices in \`dims\` must be consecutive and start from 1. Received dims=${JSON.stringify(dims)}`,
        this.name,
      );
    }
    this.dims = [...(dims as number[])];
    this.inputSpec = [{ ndim: this.dims.length + 1 }];
  }

  override computeOutputShape(inputShape: Shape): Shape {
    checkRank(this, inputShape, this.dims.length + 1);
    return [inputShape[0] ?? null, ...this.dims.map((d) => inputShape[d] ?? null)];
  }

  override forward(L: Lowering, [x]: PlanTensor[]): PlanTensor[] {
    return [transpose(L, x!, this.dims.map((d) => d - 1), this.name)];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), dims: this.dims };
  }
}

export interface RepeatVectorArgs extends LayerArgs {
  n: number;
}

/** Repeats a vector `n` times: `(None, 32)` → `(None, n, 32)`. */
export class RepeatVector extends ShapeOnlyLayer {
  static readonly className = 'RepeatVector';
  static override readonly options = ['n'];
  readonly n: number;

  constructor(args: RepeatVectorArgs) {
    super(args);
    if (!Number.isInteger(args.n)) {
      throw new TypeError_(`Expected an integer value for \`n\` of layer "${this.name}", got ${JSON.stringify(args.n)}.`, this.name);
    }
    this.n = positiveInt(args.n, 'n', this.name);
    this.inputSpec = [{ ndim: 2 }];
  }

  override computeOutputShape(inputShape: Shape): Shape {
    checkRank(this, inputShape, 2);
    return [inputShape[0] ?? null, this.n, inputShape[1] ?? null];
  }

  override forward(L: Lowering, [x]: PlanTensor[]): PlanTensor[] {
    return [repeatVector(L, x!, this.n, this.computeOutputShape(x!.shape), this.name)];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), n: this.n };
  }
}

// ---- UpSampling, ZeroPadding, Cropping: one base each, parameterised by rank ----------------

/** A layer acting on the spatial axes of `(batch, ...spatial, channels)` inputs (or channels first). */
class SpatialLayer extends ShapeOnlyLayer {
  static readonly rank: number = 0;
  readonly rank: number;
  readonly dataFormat: DataFormat;

  constructor(args: LayerArgs & { dataFormat?: DataFormat | null }) {
    super(args);
    this.rank = (this.constructor as typeof SpatialLayer).rank;
    this.dataFormat = dataFormatOption(args.dataFormat, this.name);
    this.inputSpec = [{ ndim: this.rank + 2 }];
  }

  /** The input shape with each spatial size (when known) mapped by `resize(size, axisIndex)`. */
  protected mapSpatial(inputShape: Shape, resize: (size: number, i: number) => number): Shape {
    checkRank(this, inputShape, this.rank + 2);
    const out: Dim[] = [...inputShape];
    spatialAxes(inputShape.length, this.dataFormat).forEach((axis, i) => {
      const size = inputShape[axis];
      out[axis] = size === null || size === undefined ? null : resize(size, i);
    });
    return out;
  }
}

export interface UpSamplingArgs extends LayerArgs {
  /** Repetitions per spatial axis (an integer or one per axis). */
  size?: number | number[];
  dataFormat?: DataFormat | null;
  /** UpSampling2D only. */
  interpolation?: string;
}

const INTERPOLATIONS = ['nearest', 'bilinear', 'bicubic', 'lanczos3', 'lanczos5'];

/** UpSampling1D/2D/3D: repeats each step / row / column `size` times. */
export class UpSampling extends SpatialLayer {
  readonly size: number[];

  constructor(args: UpSamplingArgs) {
    super(args);
    this.size = intTuple(args.size ?? 2, this.rank, 'size', this.name);
  }

  override computeOutputShape(inputShape: Shape): Shape {
    return this.mapSpatial(inputShape, (d, i) => d * this.size[i]!);
  }

  override forward(L: Lowering, [x]: PlanTensor[], _kwargs?: CallKwargs): PlanTensor[] {
    return [upsampleNearest(L, x!, this.size, this.dataFormat, this.computeOutputShape(x!.shape), this.name)];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), size: this.size, data_format: this.dataFormat };
  }
}

export class UpSampling1D extends UpSampling {
  static readonly className = 'UpSampling1D';
  static override readonly rank = 1;
  static override readonly options = ['size'];

  /** Keras writes UpSampling1D's `size` as an integer and has no `data_format`. */
  override getConfig(): Record<string, unknown> {
    const { data_format: _, ...config } = super.getConfig();
    return { ...config, size: this.size[0] };
  }
}

export class UpSampling2D extends UpSampling {
  static readonly className = 'UpSampling2D';
  static override readonly rank = 2;
  static override readonly options = ['size', 'dataFormat', 'interpolation'];
  readonly interpolation: string;

  constructor(args: UpSamplingArgs) {
    super(args);
    const interpolation = typeof args.interpolation === 'string' ? args.interpolation.toLowerCase() : args.interpolation;
    if (interpolation !== undefined && !INTERPOLATIONS.includes(interpolation as string)) {
      throw new ValueError(
        `The \`interpolation\` argument of layer "${this.name}" must be one of ${INTERPOLATIONS.map((s) => `"${s}"`).join(', ')}. Received: interpolation=${JSON.stringify(args.interpolation)}.`,
        this.name,
      );
    }
    this.interpolation = (interpolation as string | undefined) ?? 'nearest';
  }

  override forward(L: Lowering, inputs: PlanTensor[], kwargs: CallKwargs): PlanTensor[] {
    if (this.interpolation === 'nearest') return super.forward(L, inputs, kwargs);
    if (this.interpolation === 'bilinear') {
      return [upsampleBilinear(L, inputs[0]!, this.dataFormat, this.computeOutputShape(inputs[0]!.shape), this.name)];
    }
    throw new ValueError(
      `UpSampling2D "${this.name}" with interpolation="${this.interpolation}" cannot run in a training or inference step yet: Strata has kernels for "nearest" and "bilinear" only.`,
      this.name,
    );
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), interpolation: this.interpolation };
  }
}

export class UpSampling3D extends UpSampling {
  static readonly className = 'UpSampling3D';
  static override readonly rank = 3;
  static override readonly options = ['size', 'dataFormat'];
}

/**
 * `[before, after]` amounts per spatial axis from an integer (all sides), one integer per axis
 * (both sides of it), or one pair per axis — Keras' forms for `padding` and `cropping`.
 * For one axis the pair itself is given: `3` or `[1, 2]`.
 */
function axisPairs(value: unknown, rank: number, what: string, layerName: string): number[][] {
  const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
  const fail = (): never => {
    const forms =
      rank === 1
        ? 'an integer or an array of 2 integers [before, after]'
        : `an integer, an array of ${rank} integers (one per axis, both sides), or an array of ${rank} pairs [before, after]`;
    throw new ValueError(
      `The \`${what}\` argument of layer "${layerName}" must be ${forms}, none negative. Received: ${what}=${JSON.stringify(value)}.`,
      layerName,
    );
  };
  const pair = (v: unknown): number[] =>
    isCount(v) ? [v, v] : Array.isArray(v) && v.length === 2 && v.every(isCount) ? [...v] : fail();
  if (isCount(value)) return Array.from({ length: rank }, () => [value, value]);
  if (rank === 1) return [pair(value)];
  if (!Array.isArray(value) || value.length !== rank) return fail();
  return value.map(pair);
}

export interface ZeroPaddingArgs extends LayerArgs {
  padding?: number | number[] | number[][];
  dataFormat?: DataFormat | null;
}

/** ZeroPadding1D/2D/3D: adds zeros before and after each spatial axis. */
export class ZeroPadding extends SpatialLayer {
  static override readonly options = ['padding', 'dataFormat'];
  readonly padding: number[][];

  constructor(args: ZeroPaddingArgs) {
    super(args);
    this.padding = axisPairs(args.padding ?? 1, this.rank, 'padding', this.name);
  }

  override computeOutputShape(inputShape: Shape): Shape {
    return this.mapSpatial(inputShape, (d, i) => d + this.padding[i]![0]! + this.padding[i]![1]!);
  }

  override forward(L: Lowering, [x]: PlanTensor[]): PlanTensor[] {
    return [zeroPad(L, x!, this.padding, this.dataFormat, this.computeOutputShape(x!.shape), this.name)];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), padding: this.rank === 1 ? this.padding[0] : this.padding, data_format: this.dataFormat };
  }
}

export class ZeroPadding1D extends ZeroPadding {
  static readonly className = 'ZeroPadding1D';
  static override readonly rank = 1;
}
export class ZeroPadding2D extends ZeroPadding {
  static readonly className = 'ZeroPadding2D';
  static override readonly rank = 2;
}
export class ZeroPadding3D extends ZeroPadding {
  static readonly className = 'ZeroPadding3D';
  static override readonly rank = 3;
}

export interface CroppingArgs extends LayerArgs {
  cropping?: number | number[] | number[][];
  /** Cropping2D and Cropping3D only. */
  dataFormat?: DataFormat | null;
}

/** Cropping1D/2D/3D: removes steps / rows / columns before and after each spatial axis. */
export class Cropping extends SpatialLayer {
  /** Keras' defaults differ per rank. */
  static readonly defaultCropping: number | number[] | number[][] = 1;
  readonly cropping: number[][];

  constructor(args: CroppingArgs) {
    super(args);
    const fallback = (this.constructor as typeof Cropping).defaultCropping;
    this.cropping = axisPairs(args.cropping ?? fallback, this.rank, 'cropping', this.name);
  }

  override computeOutputShape(inputShape: Shape): Shape {
    return this.mapSpatial(inputShape, (d, i) => {
      const [before, after] = this.cropping[i]!;
      if (before! + after! >= d) {
        const pairs = this.cropping.map((p) => formatShape(p));
        const cropping = this.rank === 1 ? pairs[0] : `(${pairs.join(', ')})`;
        const received = `input_shape=${formatShape(inputShape)}, cropping=${cropping} (layer "${this.name}").`;
        throw new ValueError(
          this.rank === 1
            ? `\`cropping\` parameter of \`Cropping1D\` layer must be smaller than the input length. Received: ${received}`
            : `Values in \`cropping\` argument should be smaller than the corresponding spatial dimension of the input. Received: ${received}`,
          this.name,
        );
      }
      return d - before! - after!;
    });
  }

  override forward(L: Lowering, [x]: PlanTensor[]): PlanTensor[] {
    return [crop(L, x!, this.cropping, this.dataFormat, this.computeOutputShape(x!.shape), this.name)];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), cropping: this.cropping, data_format: this.dataFormat };
  }
}

export class Cropping1D extends Cropping {
  static readonly className = 'Cropping1D';
  static override readonly rank = 1;
  static override readonly options = ['cropping'];
  static override readonly defaultCropping = [1, 1];

  /** Keras writes Cropping1D's `cropping` as one pair and has no `data_format`. */
  override getConfig(): Record<string, unknown> {
    const { data_format: _, ...config } = super.getConfig();
    return { ...config, cropping: this.cropping[0] };
  }
}
export class Cropping2D extends Cropping {
  static readonly className = 'Cropping2D';
  static override readonly rank = 2;
  static override readonly options = ['cropping', 'dataFormat'];
  static override readonly defaultCropping = 0;
}
export class Cropping3D extends Cropping {
  static readonly className = 'Cropping3D';
  static override readonly rank = 3;
  static override readonly options = ['cropping', 'dataFormat'];
  static override readonly defaultCropping = 1;
}

for (const cls of [
  Flatten, Reshape, Permute, RepeatVector,
  UpSampling1D, UpSampling2D, UpSampling3D,
  ZeroPadding1D, ZeroPadding2D, ZeroPadding3D,
  Cropping1D, Cropping2D, Cropping3D,
]) {
  registerBuiltin(cls);
}

export const factories = {
  Flatten: factory(Flatten, []),
  Reshape: factory(Reshape, ['targetShape']),
  Permute: factory(Permute, ['dims']),
  RepeatVector: factory(RepeatVector, ['n']),
  UpSampling1D: factory(UpSampling1D, ['size']),
  UpSampling2D: factory(UpSampling2D, ['size']),
  UpSampling3D: factory(UpSampling3D, ['size']),
  ZeroPadding1D: factory(ZeroPadding1D, ['padding']),
  ZeroPadding2D: factory(ZeroPadding2D, ['padding']),
  ZeroPadding3D: factory(ZeroPadding3D, ['padding']),
  Cropping1D: factory(Cropping1D, ['cropping']),
  Cropping2D: factory(Cropping2D, ['cropping']),
  Cropping3D: factory(Cropping3D, ['cropping']),
};
