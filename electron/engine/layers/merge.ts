/**
 * Merge layers: called on a list of tensors, they return one. `Add`, `Subtract`, `Multiply`,
 * `Average`, `Maximum` and `Minimum` combine element-wise with broadcasting; `Concatenate`
 * joins along an axis; `Dot` takes per-sample dot products. None of them has weights.
 * The lowercase helpers (`add([a, b])`, `concatenate([a, b], { axis })`, …) create a layer
 * and call it in one go, as Keras' functional interface does.
 */
import { TypeError_, ValueError } from '../graph/errors.js';
import { Layer, isShapeList, type LayerArgs } from '../graph/layer.js';
import type { MaskOps, MaskResult } from '../graph/mask.js';
import type { CallKwargs } from '../graph/node.js';
import { registerBuiltin } from '../graph/registry.js';
import { formatShape, normalizeAxis, type Shape } from '../graph/shape.js';
import type { SymbolicTensor } from '../graph/symbolic-tensor.js';
import { factory, isPlainObject } from './factory.js';
import type { Lowering } from '../autodiff/lowering.js';
import type { PlanTensor } from '../autodiff/tape.js';
import { concatenate as concatOp, dot as dotOp, elementwise as elementwiseOp, type MergeOp } from '../autodiff/ops/merge.js';

/** `[(None, 4), (None, 5)]`, as Keras prints a list of shapes. */
function formatShapes(shapes: Shape[]): string {
  return `[${shapes.map(formatShape).join(', ')}]`;
}

/**
 * The base of every merge layer: checks that it was called on a list with the right number
 * of inputs. Subclasses give the shape rule; `build` only validates, as in Keras.
 */
export abstract class Merge extends Layer {
  static override readonly options: readonly string[] = [];
  static override readonly supportsMasking = true;
  /** How many inputs one call takes: at least, at most. */
  protected static readonly arity: readonly [number, number] = [2, Infinity];

  /** Keras' merge mask: the steps that every input with a mask keeps. */
  override computeMask<M>(masks: Array<M | null>, ops: MaskOps<M>, _kwargs: CallKwargs): MaskResult<M> {
    const given = masks.filter((m): m is M => m !== null);
    return given.length === 0 ? null : ops.all(given);
  }

  override build(inputShape: Shape | Shape[]): void {
    // Validating here keeps a layer that was called wrongly unbuilt.
    this.computeOutputShape(inputShape);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return this.mergeShape(this.inputShapes(inputShape));
  }

  /** The output shape for a list of input shapes of the right length. */
  protected abstract mergeShape(shapes: Shape[]): Shape;

  /** The list of input shapes, or a Keras-style error when the call was not on such a list. */
  protected inputShapes(inputShape: Shape | Shape[]): Shape[] {
    const [min, max] = (this.constructor as typeof Merge).arity;
    const expected = `a list of ${min === max ? 'exactly' : 'at least'} ${min} inputs`;
    if (!isShapeList(inputShape)) {
      throw new ValueError(
        `A \`${this.className}\` layer should be called on ${expected}. Received a single input of shape ${formatShape(inputShape)} (not a list of tensors); call it as \`layer([a, b])\` (layer "${this.name}").`,
        this.name,
      );
    }
    if (inputShape.length < min || inputShape.length > max) {
      throw new ValueError(
        `A \`${this.className}\` layer should be called on ${expected}. Received ${inputShape.length} input(s): input_shape=${formatShapes(inputShape)} (layer "${this.name}").`,
        this.name,
      );
    }
    return inputShape;
  }

  /** Samples are merged one to one, so the known batch sizes must agree. */
  protected checkBatchSizes(shapes: Shape[]): void {
    const known = new Set(shapes.map((s) => s[0]).filter((d) => d !== null && d !== undefined));
    if (known.size > 1) {
      throw new ValueError(
        `Cannot merge tensors with different batch sizes. Received tensors with shapes ${formatShapes(shapes)} (layer "${this.name}").`,
        this.name,
      );
    }
  }
}

/**
 * Element-wise merges. Shapes broadcast as in Keras: the axes after the batch axis are
 * aligned from the right (so ranks may differ), a size of 1 stretches, an unknown size stays
 * unknown, and any other pair of sizes must be equal.
 */
export class ElementwiseMerge extends Merge {
  /** The kernel's operation (native merge_fwd / merge_bwd). */
  static readonly mergeOp: MergeOp = 'add';

  override forward(L: Lowering, inputs: PlanTensor[]): PlanTensor[] {
    const op = (this.constructor as typeof ElementwiseMerge).mergeOp;
    return [elementwiseOp(L, inputs, op, this.computeOutputShape(inputs.map((x) => x.shape)), this.name)];
  }

  protected override mergeShape(shapes: Shape[]): Shape {
    this.checkBatchSizes(shapes);
    return shapes.slice(1).reduce((out, shape) => this.broadcast(out, shape), shapes[0]!);
  }

  private broadcast(a: Shape, b: Shape): Shape {
    const batch = a[0] ?? b[0] ?? null;
    const [long, short] = a.length >= b.length ? [a.slice(1), b.slice(1)] : [b.slice(1), a.slice(1)];
    const lead = long.slice(0, long.length - short.length);
    const tail = short.map((j, k) => {
      const i = long[lead.length + k]!;
      if (i === null || j === null) return null;
      if (i === 1) return j;
      if (j === 1 || i === j) return i;
      throw new ValueError(
        `Inputs have incompatible shapes. Received shapes ${formatShape(a)} and ${formatShape(b)} (layer "${this.name}").`,
        this.name,
      );
    });
    return [batch, ...lead, ...tail];
  }
}

/** Sum of its inputs. */
export class Add extends ElementwiseMerge {
  static readonly className = 'Add';
}

/** `inputs[0] - inputs[1]`. */
export class Subtract extends ElementwiseMerge {
  static readonly className = 'Subtract';
  static override readonly mergeOp = 'subtract';
  protected static override readonly arity = [2, 2] as const;
}

/** Product of its inputs. */
export class Multiply extends ElementwiseMerge {
  static readonly className = 'Multiply';
  static override readonly mergeOp = 'multiply';
}

/** Mean of its inputs. */
export class Average extends ElementwiseMerge {
  static readonly className = 'Average';
  static override readonly mergeOp = 'average';
}

/** Element-wise maximum of its inputs. */
export class Maximum extends ElementwiseMerge {
  static readonly className = 'Maximum';
  static override readonly mergeOp = 'maximum';
}

/** Element-wise minimum of its inputs. */
export class Minimum extends ElementwiseMerge {
  static readonly className = 'Minimum';
  static override readonly mergeOp = 'minimum';
}

export interface ConcatenateArgs extends LayerArgs {
  /** The axis to join along; the others must match. Default -1. */
  axis?: number;
}

/** Joins its inputs along `axis`; every other axis must have the same size. */
export class Concatenate extends Merge {
  static readonly className = 'Concatenate';
  static override readonly options = ['axis'];
  readonly axis: number;

  constructor(args: ConcatenateArgs) {
    super(args);
    const axis = args.axis ?? -1;
    if (!Number.isInteger(axis)) {
      throw new ValueError(
        `Invalid value for argument \`axis\` of layer "${this.name}": expected an integer. Received: axis=${JSON.stringify(args.axis)}`,
        this.name,
      );
    }
    this.axis = axis;
  }

  protected override mergeShape(shapes: Shape[]): Shape {
    const rank = shapes[0]!.length;
    const axis = normalizeAxis(this.axis, rank);
    if (axis < 0 || axis >= rank) {
      throw new ValueError(
        `Concatenation axis ${this.axis} is out of range for inputs of rank ${rank}. Received: input_shape=${formatShapes(shapes)} (layer "${this.name}").`,
        this.name,
      );
    }
    // Off the concatenation axis, the known sizes of each axis must agree.
    const knownSizes = (k: number) => new Set(shapes.map((s) => s[k]).filter((d) => d !== null));
    const matching =
      shapes.every((s) => s.length === rank) && shapes[0]!.every((_, k) => k === axis || knownSizes(k).size <= 1);
    if (!matching) {
      throw new ValueError(
        `A \`Concatenate\` layer requires inputs with matching shapes except for the concatenation axis. Received: input_shape=${formatShapes(shapes)} (layer "${this.name}").`,
        this.name,
      );
    }
    // As in Keras, the other axes are those of the first input.
    const out = [...shapes[0]!];
    out[axis] = shapes.some((s) => s[axis] === null) ? null : shapes.reduce((n, s) => n + s[axis]!, 0);
    return out;
  }

  /**
   * Keras' rule, along the last axis: a step is kept where any input keeps it, an input without
   * a mask keeping every step. Masks of inputs joined along another axis are not followed (the
   * output has none).
   */
  override computeMask<M>(masks: Array<M | null>, ops: MaskOps<M>, _kwargs: CallKwargs): MaskResult<M> {
    const rank = (this.buildInputShape as Shape[])[0]!.length;
    if (masks.every((m) => m === null) || normalizeAxis(this.axis, rank) !== rank - 1) return null;
    return ops.any(masks.map((m, i) => m ?? ops.keepAll(i)));
  }

  override forward(L: Lowering, inputs: PlanTensor[]): PlanTensor[] {
    const shapes = inputs.map((x) => x.shape);
    const axis = normalizeAxis(this.axis, shapes[0]!.length);
    return [concatOp(L, inputs, axis, this.computeOutputShape(shapes), this.name)];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
}

/** One axis for both inputs, or one axis for each. */
export type DotAxes = number | [number, number];

export interface DotArgs extends LayerArgs {
  axes: DotAxes;
  /** L2-normalise both inputs along the dot axes first (the result is a cosine similarity). */
  normalize?: boolean;
}

/** Per-sample dot product of two tensors along `axes`. */
export class Dot extends Merge {
  static readonly className = 'Dot';
  static override readonly options = ['axes', 'normalize'];
  protected static override readonly arity = [2, 2] as const;
  readonly axes: DotAxes;
  readonly normalize: boolean;

  constructor(args: DotArgs) {
    super(args);
    const axes: unknown = args.axes;
    if (!Number.isInteger(axes)) {
      if (!Array.isArray(axes)) {
        throw new TypeError_(
          `Invalid type for argument \`axes\` of layer "${this.name}": it should be a list or an int. Received: axes=${JSON.stringify(axes)}`,
          this.name,
        );
      }
      if (axes.length !== 2) {
        throw new ValueError(
          `Invalid format for argument \`axes\` of layer "${this.name}": it should contain two elements. Received: axes=${JSON.stringify(axes)}`,
          this.name,
        );
      }
      if (!axes.every((a) => Number.isInteger(a))) {
        throw new ValueError(
          `Invalid format for argument \`axes\` of layer "${this.name}": list elements should be integers. Received: axes=${JSON.stringify(axes)}`,
          this.name,
        );
      }
    }
    if (args.normalize !== undefined && typeof args.normalize !== 'boolean') {
      throw new TypeError_(
        `Argument \`normalize\` of layer "${this.name}" must be a boolean. Received: normalize=${JSON.stringify(args.normalize)}`,
        this.name,
      );
    }
    this.axes = Array.isArray(axes) ? [axes[0], axes[1]] : (axes as number);
    this.normalize = args.normalize ?? false;
  }

  protected override mergeShape(shapes: Shape[]): Shape {
    this.checkBatchSizes(shapes);
    const [a, b] = shapes as [Shape, Shape];
    const [ax, bx] = (Array.isArray(this.axes) ? this.axes : [this.axes, this.axes]).map((axis, i) =>
      normalizeAxis(axis, shapes[i]!.length),
    ) as [number, number];
    const full = `Full input shapes: ${formatShape(a)}, ${formatShape(b)}`;
    if (a.length < 2 || b.length < 2) {
      throw new ValueError(
        `A \`Dot\` layer needs inputs of rank 2 or more (a batch axis and at least one more). ${full} (layer "${this.name}").`,
        this.name,
      );
    }
    if (ax < 1 || ax >= a.length || bx < 1 || bx >= b.length) {
      throw new ValueError(
        `Invalid axes=${JSON.stringify(this.axes)} for a \`Dot\` layer: each axis must name a non-batch axis of its input (1 to rank-1, or negative). ${full} (layer "${this.name}").`,
        this.name,
      );
    }
    if (a[ax] !== null && b[bx] !== null && a[ax] !== b[bx]) {
      throw new ValueError(
        `Incompatible input shapes: axis values ${a[ax]} (at axis ${ax}) != ${b[bx]} (at axis ${bx}). ${full} (layer "${this.name}").`,
        this.name,
      );
    }
    const out = [...a.filter((_, k) => k !== ax), ...b.filter((_, k) => k !== 0 && k !== bx)];
    return out.length === 1 ? [...out, 1] : out;
  }

  /** A dot product has no steps left to mask (Keras: no mask). */
  override computeMask<M>(_masks: Array<M | null>, _ops: MaskOps<M>, _kwargs: CallKwargs): MaskResult<M> {
    return null;
  }

  override forward(L: Lowering, [a, b]: PlanTensor[]): PlanTensor[] {
    const shapes = [a!.shape, b!.shape];
    const axes = (Array.isArray(this.axes) ? this.axes : [this.axes, this.axes]).map((axis, i) => normalizeAxis(axis, shapes[i]!.length));
    return [dotOp(L, a!, b!, axes as [number, number], this.normalize, this.computeOutputShape(shapes), this.name)];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axes: this.axes, normalize: this.normalize };
  }
}

for (const cls of [Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot]) registerBuiltin(cls);

const make = {
  Concatenate: factory(Concatenate, ['axis']),
  Add: factory(Add, []),
  Subtract: factory(Subtract, []),
  Multiply: factory(Multiply, []),
  Average: factory(Average, []),
  Maximum: factory(Maximum, []),
  Minimum: factory(Minimum, []),
  Dot: factory(Dot, ['axes']),
};

/** Creates a layer through its factory and calls it on `inputs`; arguments left `undefined` are dropped. */
function createAndCall(create: (...args: never[]) => Layer, inputs: SymbolicTensor[], args: unknown[]): SymbolicTensor {
  return (create as (...a: unknown[]) => Layer)(...args.filter((a) => a !== undefined))(inputs);
}

/** `add([a, b])` or `add([a, b], { name })`: creates the layer and calls it on `inputs`. */
type ElementwiseHelper = (inputs: SymbolicTensor[], options?: LayerArgs) => SymbolicTensor;

function elementwise(create: (options: LayerArgs) => Layer): ElementwiseHelper {
  // The caller's arguments go to the factory unchanged, so that misuse is reported there.
  return (inputs, ...rest) => createAndCall(create, inputs, rest);
}

export const add = elementwise(make.Add);
export const subtract = elementwise(make.Subtract);
export const multiply = elementwise(make.Multiply);
export const average = elementwise(make.Average);
export const maximum = elementwise(make.Maximum);
export const minimum = elementwise(make.Minimum);

/** `concatenate([a, b])`, `concatenate([a, b], 1)` or `concatenate([a, b], { axis: 1, name })`. */
export function concatenate(
  inputs: SymbolicTensor[],
  axis?: number | ConcatenateArgs,
  options?: Omit<ConcatenateArgs, 'axis'>,
): SymbolicTensor {
  return createAndCall(make.Concatenate, inputs, [axis, options]);
}

/** `dot([a, b], axes, { normalize })`; as in Keras' `dot`, `axes` defaults to -1 here. */
export function dot(
  inputs: SymbolicTensor[],
  axes?: DotAxes | Partial<DotArgs>,
  options?: Omit<DotArgs, 'axes'>,
): SymbolicTensor {
  if (axes === undefined || isPlainObject(axes)) return make.Dot({ axes: -1, ...options, ...axes })(inputs);
  return createAndCall(make.Dot, inputs, [axes, options]);
}

export const factories = {
  ...make,
  add,
  subtract,
  multiply,
  average,
  maximum,
  minimum,
  concatenate,
  dot,
};
