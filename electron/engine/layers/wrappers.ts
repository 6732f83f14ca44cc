/**
 * Wrappers: layers that apply another layer. `TimeDistributed` applies one layer (or a whole
 * model, which is a layer) to every timestep; `Bidirectional` runs a recurrent layer forwards
 * and a copy of it backwards and merges the two.
 */
import { deserializeLayer } from '../graph/deserialize.js';
import { TypeError_, ValueError } from '../graph/errors.js';
import { Layer, isShapeList, type LayerArgs } from '../graph/layer.js';
import type { MaskOps, MaskResult } from '../graph/mask.js';
import { camelizeKeys } from '../graph/naming.js';
import type { CallKwargs } from '../graph/node.js';
import { registerBuiltin } from '../graph/registry.js';
import { serializeLayer, type SerializedLayer } from '../graph/serialize.js';
import { formatShape, type DType, type Dim, type Shape } from '../graph/shape.js';
import { factory } from './factory.js';
import { RNN } from './recurrent.js';
import type { Lowering } from '../autodiff/lowering.js';
import type { PlanTensor } from '../autodiff/tape.js';
import { view } from '../autodiff/ops/view.js';
import { FoldedLowering } from '../autodiff/ops/wrappers.js';
import { bidirectionalMerge } from '../autodiff/ops/recurrent.js';

/** Checks that a wrapper got a layer instance (a layer object is a function, so `typeof` cannot tell). */
function requireLayer(value: unknown, what: string, wrapper: string, layerName: string): Layer {
  if (value instanceof Layer) return value;
  const hint =
    typeof value === 'function'
      ? ` It is a function: did you pass a layer factory without calling it (\`${wrapper}(LSTM)\` instead of \`${wrapper}(LSTM(32))\`)?`
      : '';
  throw new ValueError(
    `Please initialize \`${wrapper}\` (layer "${layerName}") with a layer instance as \`${what}\`. Received: ${value === undefined ? 'nothing' : typeof value === 'function' ? 'a function' : JSON.stringify(value)?.slice(0, 100)}.${hint}`,
    layerName,
  );
}

/** Splits a wrapper config into its base layer options and the rest. */
function baseArgs(config: Record<string, unknown>, ...own: string[]): LayerArgs {
  const rest = Object.fromEntries(Object.entries(config).filter(([k]) => !own.includes(k)));
  return camelizeKeys(rest) as LayerArgs;
}

function asList(shape: Shape | Shape[]): Shape[] {
  return isShapeList(shape) ? shape : [shape];
}

// ---- TimeDistributed -------------------------------------------------------------------------

export interface TimeDistributedArgs extends LayerArgs {
  layer: Layer;
}

/**
 * Applies `layer` to every timestep of a (batch, timesteps, ...) input. The inner layer is built
 * for one step, (batch, ...); its weights are the wrapper's weights and are shared across steps
 * (and with the inner layer wherever else it is used).
 */
export class TimeDistributed extends Layer {
  static readonly className = 'TimeDistributed';
  static override readonly options = ['layer'];
  /** The mask of the time axis goes on to the output; the inner layer sees single steps and no mask. */
  static override readonly supportsMasking = true;
  readonly layer: Layer;

  constructor(args: TimeDistributedArgs) {
    super(args);
    this.layer = requireLayer(args.layer, 'layer', 'TimeDistributed', this.name);
  }

  override sublayers(): Layer[] {
    return [this.layer];
  }

  /** The shape one step has: the input without its time axis. */
  private childShape(inputShape: Shape | Shape[]): Shape {
    if (isShapeList(inputShape) || inputShape.length < 3) {
      const received = isShapeList(inputShape) ? `[${inputShape.map(formatShape).join(', ')}]` : formatShape(inputShape);
      throw new ValueError(
        `\`TimeDistributed\` Layer should be passed an \`input_shape\` with at least 3 dimensions, received: ${received} (layer "${this.name}").`,
        this.name,
      );
    }
    return [inputShape[0]!, ...inputShape.slice(2)];
  }

  override build(inputShape: Shape | Shape[]): void {
    const child = this.childShape(inputShape);
    if (!this.layer.built) {
      this.layer.assertInputCompatibility([child]);
      this.layer.maybeBuild(child);
    }
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const child = this.childShape(inputShape);
    this.layer.assertInputCompatibility([child]);
    const steps = (inputShape as Shape)[1] ?? null;
    const withTime = (s: Shape): Shape => [s[0] ?? null, steps, ...s.slice(1)];
    const out = this.layer.computeOutputShape(child);
    return isShapeList(out) ? out.map(withTime) : withTime(out);
  }

  override computeOutputDtype(inputDtypes: DType[]): DType {
    return this.layer.computeOutputDtype(inputDtypes);
  }

  /**
   * The inner layer (or model) runs once over all timesteps: the time axis is folded into the
   * batch, (batch, steps, ...) seen as (batch·steps, ...) rows of the same buffers (see
   * FoldedLowering), and its outputs are seen again with the time axis. No copies.
   */
  override forward(L: Lowering, [x]: PlanTensor[], kwargs: CallKwargs): PlanTensor[] {
    const steps = x!.shape[1];
    if (typeof steps !== 'number') {
      throw new ValueError(
        `TimeDistributed "${this.name}" needs a known number of timesteps to run; its input has shape ${formatShape(x!.shape)}.`,
        this.name,
      );
    }
    const { mask: _mask, ...rest } = kwargs;
    const outs = this.layer.forward(new FoldedLowering(L, steps), [view(x!, [null, ...x!.shape.slice(2)])], rest);
    return outs.map((o) => view(o, [null, steps, ...o.shape.slice(1)]));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), layer: serializeLayer(this.layer) };
  }

  static override fromConfig(config: Record<string, unknown>): TimeDistributed {
    return new TimeDistributed({
      ...baseArgs(config, 'layer'),
      layer: deserializeLayer(config.layer as SerializedLayer, `TimeDistributed "${String(config.name)}".layer`),
    });
  }
}

// ---- Bidirectional ---------------------------------------------------------------------------

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave' | null;
const MERGE_MODES: readonly MergeMode[] = ['concat', 'sum', 'mul', 'ave', null];

/** What Bidirectional needs of a layer (Keras' requirements): SimpleRNN, LSTM, GRU or alike. */
export interface SequenceLayer extends Layer {
  goBackwards: boolean;
  returnSequences: boolean;
  returnState: boolean;
  stateful: boolean;
  zeroOutputForMask?: boolean;
}

function requireSequenceLayer(value: unknown, what: string, layerName: string): SequenceLayer {
  const layer = requireLayer(value, what, 'Bidirectional', layerName) as SequenceLayer;
  const missing = ['goBackwards', 'returnSequences', 'returnState', 'stateful'].filter(
    (k) => typeof (layer as unknown as Record<string, unknown>)[k] !== 'boolean',
  );
  if (missing.length > 0) {
    throw new ValueError(
      `\`Bidirectional\` (layer "${layerName}") needs a recurrent layer (SimpleRNN, LSTM, GRU, or a layer with goBackwards, returnSequences, returnState and stateful) as \`${what}\`; received ${layer.className} layer "${layer.name}", which has no ${missing.join(', ')}.`,
      layerName,
    );
  }
  return layer;
}

/** A fresh layer of the same class and config with some options changed (no weights carried over). */
function recreate(layer: Layer, changes: Record<string, unknown>): SequenceLayer {
  const cls = layer.constructor as unknown as { fromConfig(config: Record<string, unknown>): Layer };
  return cls.fromConfig({ ...layer.getConfig(), ...changes }) as SequenceLayer;
}

function withoutPrefix(name: string, prefix: string): string {
  return name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

export interface BidirectionalArgs extends LayerArgs {
  layer: Layer;
  /** How the two directions' outputs are combined; `null` returns both. Default `'concat'`. */
  mergeMode?: MergeMode;
  /** A layer for the backward direction; by default a copy of `layer` with `goBackwards` flipped. */
  backwardLayer?: Layer | null;
}

/**
 * Runs a recurrent layer over the sequence in both directions. The forward and backward layers
 * are fresh copies named `forward_<name>` and `backward_<name>` (the given layer's weights are
 * not reused); the parameters are those of both.
 */
export class Bidirectional extends Layer {
  static readonly className = 'Bidirectional';
  static override readonly options = ['layer', 'mergeMode', 'backwardLayer'];
  /** Both directions take the sequence's mask (it goes to them in `forward`'s keywords). */
  static override readonly supportsMasking = true;
  readonly forwardLayer: SequenceLayer;
  readonly backwardLayer: SequenceLayer;
  readonly mergeMode: MergeMode;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly stateful: boolean;

  constructor(args: BidirectionalArgs) {
    super(args);
    const layer = requireSequenceLayer(args.layer, 'layer', this.name);
    const mergeMode = args.mergeMode === undefined ? 'concat' : args.mergeMode;
    if (!MERGE_MODES.includes(mergeMode)) {
      throw new ValueError(
        `Invalid merge mode for layer "${this.name}". Received: ${JSON.stringify(mergeMode)}. Merge mode should be one of "sum", "mul", "ave", "concat", null.`,
        this.name,
      );
    }
    this.mergeMode = mergeMode;
    this.forwardLayer = recreate(layer, { name: `forward_${withoutPrefix(layer.name, 'forward_')}` });
    this.backwardLayer =
      args.backwardLayer === undefined || args.backwardLayer === null
        ? recreate(layer, {
            name: `backward_${withoutPrefix(layer.name, 'backward_')}`,
            go_backwards: !layer.goBackwards,
          })
        : requireSequenceLayer(args.backwardLayer, 'backwardLayer', this.name);
    this.verifyDirections();
    // With full sequences, masked steps give zeros so that the two directions line up.
    for (const l of [this.forwardLayer, this.backwardLayer]) {
      if (typeof l.zeroOutputForMask === 'boolean') l.zeroOutputForMask = l.returnSequences;
    }
    this.returnSequences = layer.returnSequences;
    this.returnState = layer.returnState;
    this.stateful = layer.stateful;
    this.inputSpec = layer.inputSpec;
  }

  private verifyDirections(): void {
    const f = this.forwardLayer;
    const b = this.backwardLayer;
    if (f.goBackwards === b.goBackwards) {
      throw new ValueError(
        `Forward layer and backward layer of "${this.name}" should have different \`goBackwards\` values. Received: forward_layer.go_backwards=${f.goBackwards}, backward_layer.go_backwards=${b.goBackwards}`,
        this.name,
      );
    }
    for (const key of ['stateful', 'returnSequences', 'returnState'] as const) {
      if (f[key] !== b[key]) {
        throw new ValueError(
          `Forward layer and backward layer of "${this.name}" are expected to have the same value for attribute "${key}", got "${f[key]}" for forward layer and "${b[key]}" for backward layer`,
          this.name,
        );
      }
    }
  }

  override sublayers(): Layer[] {
    return [this.forwardLayer, this.backwardLayer];
  }

  override build(inputShape: Shape | Shape[]): void {
    for (const layer of [this.forwardLayer, this.backwardLayer]) layer.maybeBuild(inputShape);
    this.inputSpec = this.forwardLayer.inputSpec;
  }

  /** `initialState` holds the forward states then the backward states; each half goes to its direction. */
  private splitKwargs(kwargs: CallKwargs): [CallKwargs, CallKwargs] {
    const { initialState, ...rest } = kwargs;
    if (initialState === undefined || initialState === null) return [rest, rest];
    const states = Array.isArray(initialState) ? initialState : [initialState];
    const names = (l: Layer): readonly string[] | null => (l instanceof RNN ? (l as RNN).cell.stateNames : null);
    const forwardNames = names(this.forwardLayer);
    const backwardNames = names(this.backwardLayer);
    const expected = forwardNames && backwardNames ? forwardNames.length + backwardNames.length : null;
    if (expected === null ? states.length % 2 !== 0 : states.length !== expected) {
      const listing = forwardNames && backwardNames
        ? ` [${[...forwardNames.map((n) => `forward ${n}`), ...backwardNames.map((n) => `backward ${n}`)].join(', ')}]`
        : '';
      throw new ValueError(
        `Layer "${this.name}" expects \`initialState\` to hold the forward layer's states then the backward layer's states: ${expected ?? 'an even number of'} tensors${listing}; received ${states.length}.`,
        this.name,
      );
    }
    const half = forwardNames ? forwardNames.length : states.length / 2;
    return [
      { ...rest, initialState: states.slice(0, half) },
      { ...rest, initialState: states.slice(half) },
    ];
  }

  private merge(forward: Shape, backward: Shape): Shape {
    if (this.mergeMode === 'concat') {
      const f = forward[forward.length - 1] ?? null;
      const b = backward[backward.length - 1] ?? null;
      const last: Dim = f === null || b === null ? null : f + b;
      return [...forward.slice(0, -1), last];
    }
    const fits = forward.length === backward.length && forward.every((d, i) => d === null || backward[i] === null || d === backward[i]);
    if (!fits) {
      throw new ValueError(
        `Layer "${this.name}" cannot merge the forward output ${formatShape(forward)} and the backward output ${formatShape(backward)} with merge_mode="${this.mergeMode}": the shapes must match (or use "concat").`,
        this.name,
      );
    }
    return forward.map((d, i) => d ?? backward[i] ?? null);
  }

  /** With full sequences the mask goes on with the output (with each of the two, unmerged); states get none. */
  override computeMask<M>(masks: Array<M | null>, _ops: MaskOps<M>, _kwargs: CallKwargs): MaskResult<M> {
    const output = this.returnSequences ? (masks[0] ?? null) : null;
    return this.mergeMode === null ? [output, output] : output;
  }

  override computeOutputShape(inputShape: Shape | Shape[], kwargs: CallKwargs = {}): Shape | Shape[] {
    const [forwardKwargs, backwardKwargs] = this.splitKwargs(kwargs);
    const [forward, ...forwardStates] = asList(this.forwardLayer.computeOutputShape(inputShape, forwardKwargs));
    const [backward, ...backwardStates] = asList(this.backwardLayer.computeOutputShape(inputShape, backwardKwargs));
    const states = this.returnState ? [...forwardStates, ...backwardStates] : [];
    if (this.mergeMode === null) return [forward!, backward!, ...states];
    const merged = this.merge(forward!, backward!);
    return states.length > 0 ? [merged, ...states] : merged;
  }

  /**
   * Both directions' whole-sequence kernels over the same input; the backward direction writes
   * its output sequence in input-time order (Keras flips it), then the merge kernel combines
   * the two (or, with mergeMode null, both are returned).
   */
  override forward(L: Lowering, [x]: PlanTensor[], kwargs: CallKwargs): PlanTensor[] {
    const f = this.forwardLayer;
    const b = this.backwardLayer;
    if (!(f instanceof RNN) || !(b instanceof RNN)) {
      const other = f instanceof RNN ? b : f;
      throw new ValueError(
        `Layer "${this.name}" (Bidirectional) cannot run in a training or inference step yet over ${other.className} layer "${other.name}": only SimpleRNN, LSTM and GRU have kernels.`,
        this.name,
      );
    }
    const [forwardKwargs, backwardKwargs] = this.splitKwargs(kwargs);
    const [y, ...forwardStates] = f.lowerCall(L, x!, forwardKwargs, false);
    const [yRev, ...backwardStates] = b.lowerCall(L, x!, backwardKwargs, this.returnSequences);
    const states = this.returnState ? [...forwardStates, ...backwardStates] : [];
    if (this.mergeMode === null) return [y!, yRev!, ...states];
    return [bidirectionalMerge(L, y!, yRev!, this.mergeMode, this.name), ...states];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      merge_mode: this.mergeMode,
      layer: serializeLayer(this.forwardLayer),
      backward_layer: serializeLayer(this.backwardLayer),
    };
  }

  static override fromConfig(config: Record<string, unknown>): Bidirectional {
    const where = `Bidirectional "${String(config.name)}"`;
    if (!config.layer || typeof config.layer !== 'object') {
      throw new TypeError_(`${where} config has no "layer" to wrap.`);
    }
    const backward = config.backward_layer as SerializedLayer | null | undefined;
    return new Bidirectional({
      ...baseArgs(config, 'layer', 'backward_layer', 'merge_mode'),
      layer: deserializeLayer(config.layer as SerializedLayer, `${where}.layer`),
      backwardLayer: backward ? deserializeLayer(backward, `${where}.backward_layer`) : null,
      mergeMode: 'merge_mode' in config ? (config.merge_mode as MergeMode) : 'concat',
    });
  }
}

registerBuiltin(TimeDistributed);
registerBuiltin(Bidirectional);

export const factories = {
  TimeDistributed: factory(TimeDistributed, ['layer']),
  Bidirectional: factory(Bidirectional, ['layer']),
};
