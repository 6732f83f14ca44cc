/**
 * Recurrent layers: SimpleRNN, LSTM and GRU. As in Keras 3, each layer keeps its weights in a
 * `cell` sublayer (`lstm_cell/kernel`, …) while its config stays flat: the cell's options are
 * written next to the RNN's own (`return_sequences`, …), never as a nested cell config.
 *
 * One `RNN` base class carries what the three layers share (sequence shapes, states,
 * `initialState` checks, config); the cell classes say how many gate blocks the weights hold
 * and which states the layer carries.
 */
import { toActivation, type ActivationName } from '../graph/activations.js';
import { TypeError_, ValueError } from '../graph/errors.js';
import { toInitializer, type InitializerArg, type InitializerConfig } from '../graph/initializers.js';
import { Layer, isShapeList, type LayerArgs, type Weight } from '../graph/layer.js';
import { toSnakeCase } from '../graph/naming.js';
import type { CallKwargs } from '../graph/node.js';
import { registerBuiltin } from '../graph/registry.js';
import type { MaskOps, MaskResult } from '../graph/mask.js';
import { formatShape, type Dim, type Shape } from '../graph/shape.js';
import { isSymbolicTensor } from '../graph/symbolic-tensor.js';
import { positiveInt, type ConfigObject } from './core.js';
import type { Lowering } from '../autodiff/lowering.js';
import type { PlanTensor } from '../autodiff/tape.js';
import { recurrent, type CellKind } from '../autodiff/ops/recurrent.js';
import { factory } from './factory.js';

// ---- option checks shared by the family ------------------------------------------------------

/** A boolean option; anything else is a type error naming the layer. */
export function flag(value: unknown, fallback: boolean, what: string, layerName: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new TypeError_(
      `Expected a boolean for \`${what}\` of layer "${layerName}"; received ${JSON.stringify(value)}.`,
      layerName,
    );
  }
  return value;
}

/** A dropout fraction in [0, 1]. */
function rate(value: unknown, what: string, layerName: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new ValueError(
      `Invalid value received for argument \`${what}\` of layer "${layerName}". Expected a float value between 0 and 1. Received: ${what}=${JSON.stringify(value)}`,
      layerName,
    );
  }
  return value;
}

function activationOption(value: unknown, fallback: string, layerName: string): ActivationName {
  return toActivation(value === undefined ? fallback : value, layerName);
}

function initializerOption(value: InitializerArg | undefined, fallback: string, what: string, layerName: string) {
  return toInitializer(value ?? fallback, `${what} of "${layerName}"`);
}

function pick(args: object, keys: readonly string[]): Record<string, unknown> {
  const source = args as Record<string, unknown>;
  return Object.fromEntries(keys.filter((k) => source[k] !== undefined).map((k) => [k, source[k]]));
}

/** Two shapes fit when they have the same rank and every known size agrees. */
function shapesFit(given: Shape, expected: Shape): boolean {
  return given.length === expected.length && given.every((d, i) => d === null || expected[i] === null || d === expected[i]);
}

// ---- cells: the weights ----------------------------------------------------------------------

/** Options of every cell (Keras' `SimpleRNNCell` arguments, in camelCase). */
export interface RNNCellArgs extends LayerArgs {
  units: number;
  activation?: string | null;
  useBias?: boolean;
  kernelInitializer?: InitializerArg;
  recurrentInitializer?: InitializerArg;
  biasInitializer?: InitializerArg;
  kernelRegularizer?: ConfigObject;
  recurrentRegularizer?: ConfigObject;
  biasRegularizer?: ConfigObject;
  kernelConstraint?: ConfigObject;
  recurrentConstraint?: ConfigObject;
  biasConstraint?: ConfigObject;
  dropout?: number;
  recurrentDropout?: number;
  seed?: number | null;
}

export interface LSTMCellArgs extends RNNCellArgs {
  recurrentActivation?: string | null;
  /** Starts the forget-gate bias at 1 (Jozefowicz et al.); Keras' default. */
  unitForgetBias?: boolean;
}

export interface GRUCellArgs extends RNNCellArgs {
  recurrentActivation?: string | null;
  /** Applies the reset gate after the recurrent matmul (the cuDNN convention); Keras 3's default. */
  resetAfter?: boolean;
}

const CELL_OPTIONS = [
  'units', 'activation', 'useBias', 'kernelInitializer', 'recurrentInitializer', 'biasInitializer',
  'kernelRegularizer', 'recurrentRegularizer', 'biasRegularizer', 'kernelConstraint', 'recurrentConstraint',
  'biasConstraint', 'dropout', 'recurrentDropout', 'seed',
];

/**
 * One step of a recurrent layer. It owns `kernel` [features, gates·units], `recurrent_kernel`
 * [units, gates·units] and `bias` [gates·units], the gate blocks side by side as Keras lays them out.
 * Cells are made by their RNN layer, which passes its own name for error messages.
 */
export abstract class RNNCell extends Layer {
  static override readonly options: readonly string[] = CELL_OPTIONS;
  /** Gate blocks side by side along the last axis of the weights. */
  protected abstract readonly gates: number;
  /** The states carried from step to step, in Keras' order (what `returnState` returns). */
  abstract readonly stateNames: readonly string[];
  /** The RNN layer this cell belongs to, named in error messages. */
  readonly owner: string;
  readonly units: number;
  readonly activation: ActivationName;
  /** The gates' activation; SimpleRNN has none. */
  recurrentActivation: ActivationName | null = null;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerConfig;
  readonly recurrentInitializer: InitializerConfig;
  readonly biasInitializer: InitializerConfig;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly seed: number | null;
  readonly regularizers: Record<string, ConfigObject>;
  readonly constraints: Record<string, ConfigObject>;
  kernel?: Weight;
  recurrentKernel?: Weight;
  bias?: Weight;

  constructor(args: RNNCellArgs, owner?: string) {
    super(args);
    this.owner = owner ?? this.name;
    const who = this.owner;
    this.units = positiveInt(args.units, 'units', who);
    this.activation = activationOption(args.activation, 'tanh', who);
    this.useBias = flag(args.useBias, true, 'useBias', who);
    this.kernelInitializer = initializerOption(args.kernelInitializer, 'glorot_uniform', 'kernelInitializer', who);
    this.recurrentInitializer = initializerOption(args.recurrentInitializer, 'orthogonal', 'recurrentInitializer', who);
    this.biasInitializer = initializerOption(args.biasInitializer, 'zeros', 'biasInitializer', who);
    this.dropout = rate(args.dropout, 'dropout', who);
    this.recurrentDropout = rate(args.recurrentDropout, 'recurrentDropout', who);
    this.seed = args.seed ?? null;
    this.regularizers = {
      kernel_regularizer: args.kernelRegularizer ?? null,
      recurrent_regularizer: args.recurrentRegularizer ?? null,
      bias_regularizer: args.biasRegularizer ?? null,
    };
    this.constraints = {
      kernel_constraint: args.kernelConstraint ?? null,
      recurrent_constraint: args.recurrentConstraint ?? null,
      bias_constraint: args.biasConstraint ?? null,
    };
  }

  /** One size per state (all `units` for the built-in cells). */
  get stateSize(): number[] {
    return this.stateNames.map(() => this.units);
  }

  protected biasShape(): number[] {
    return [this.gates * this.units];
  }

  /** Builds from the shape of one step, (batch, features). */
  override build(stepShape: Shape): void {
    const features = stepShape[stepShape.length - 1];
    if (features === null || features === undefined) {
      throw new ValueError(
        `The last dimension of the inputs to layer "${this.owner}" should be defined. Found None. Shape of one step received: ${formatShape(stepShape)}`,
        this.owner,
      );
    }
    const width = this.gates * this.units;
    this.kernel = this.addWeight({ name: 'kernel', shape: [features, width], initializer: this.kernelInitializer });
    this.recurrentKernel = this.addWeight({
      name: 'recurrent_kernel',
      shape: [this.units, width],
      initializer: this.recurrentInitializer,
    });
    if (this.useBias) this.bias = this.addWeight({ name: 'bias', shape: this.biasShape(), initializer: this.biasInitializer });
  }

  /**
   * The cell's options as Keras writes them, in Keras' key order. The RNN layer writes these
   * into its own flat config and adds `activity_regularizer` among them.
   */
  optionsConfig(activityRegularizer?: ConfigObject): Record<string, unknown> {
    return {
      units: this.units,
      activation: this.activation,
      ...(this.recurrentActivation === null ? {} : { recurrent_activation: this.recurrentActivation }),
      use_bias: this.useBias,
      kernel_initializer: this.kernelInitializer,
      recurrent_initializer: this.recurrentInitializer,
      bias_initializer: this.biasInitializer,
      ...this.configAfterInitializers(),
      ...this.regularizers,
      ...(activityRegularizer === undefined ? {} : { activity_regularizer: activityRegularizer }),
      ...this.constraints,
      dropout: this.dropout,
      recurrent_dropout: this.recurrentDropout,
      ...this.configTail(),
    };
  }

  protected configAfterInitializers(): Record<string, unknown> {
    return {};
  }

  protected configTail(): Record<string, unknown> {
    return { seed: this.seed };
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), ...this.optionsConfig() };
  }
}

/** `h' = activation(x·kernel + h·recurrent_kernel + bias)`. */
export class SimpleRNNCell extends RNNCell {
  static readonly className = 'SimpleRNNCell';
  protected readonly gates = 1;
  readonly stateNames = ['h'] as const;

  /** Keras' SimpleRNN config has no `seed`; it is written only when set so that it is not lost. */
  protected override configTail(): Record<string, unknown> {
    return this.seed === null ? {} : { seed: this.seed };
  }
}

/** Gates i, f, c, o in that order along the last axis; states h (output) and c (carry). */
export class LSTMCell extends RNNCell {
  static readonly className = 'LSTMCell';
  static override readonly options = [...CELL_OPTIONS, 'recurrentActivation', 'unitForgetBias'];
  protected readonly gates = 4;
  readonly stateNames = ['h', 'c'] as const;
  /**
   * When set, the forget-gate slice `[units, 2·units)` of `bias` starts at ones and the rest
   * from `biasInitializer`; weight allocation must honour this (the weight spec records only
   * `biasInitializer`).
   */
  readonly unitForgetBias: boolean;

  constructor(args: LSTMCellArgs, owner?: string) {
    super(args, owner);
    this.recurrentActivation = activationOption(args.recurrentActivation, 'sigmoid', this.owner);
    this.unitForgetBias = flag(args.unitForgetBias, true, 'unitForgetBias', this.owner);
  }

  protected override configAfterInitializers(): Record<string, unknown> {
    return { unit_forget_bias: this.unitForgetBias };
  }
}

/** Gates z (update), r (reset), h (candidate) in that order; one state h. */
export class GRUCell extends RNNCell {
  static readonly className = 'GRUCell';
  static override readonly options = [...CELL_OPTIONS, 'recurrentActivation', 'resetAfter'];
  protected readonly gates = 3;
  readonly stateNames = ['h'] as const;
  readonly resetAfter: boolean;

  constructor(args: GRUCellArgs, owner?: string) {
    super(args, owner);
    this.recurrentActivation = activationOption(args.recurrentActivation, 'sigmoid', this.owner);
    this.resetAfter = flag(args.resetAfter, true, 'resetAfter', this.owner);
  }

  /** With `resetAfter` the input and recurrent matmuls keep separate biases: [2, 3·units]. */
  protected override biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }

  protected override configTail(): Record<string, unknown> {
    return { reset_after: this.resetAfter, seed: this.seed };
  }
}

// ---- the layers ------------------------------------------------------------------------------

/** Options of every recurrent layer besides its cell's (Keras' `RNN` arguments). */
export interface RNNArgs extends LayerArgs {
  /** Return the output of every step, (batch, timesteps, units), not only the last. */
  returnSequences?: boolean;
  /** Also return the final states: `[output, h]`, or `[output, h, c]` for LSTM. */
  returnState?: boolean;
  goBackwards?: boolean;
  stateful?: boolean;
  unroll?: boolean;
  zeroOutputForMask?: boolean;
  activityRegularizer?: ConfigObject;
  /** Keras 2 configs carry `time_major: false`; only `false` is supported. */
  timeMajor?: boolean;
}

const RNN_OPTIONS = [
  'returnSequences', 'returnState', 'goBackwards', 'stateful', 'unroll', 'zeroOutputForMask', 'activityRegularizer',
  'timeMajor',
];

/** Keyword arguments a recurrent layer's call takes. */
const CALL_ARGS = ['initialState', 'mask', 'training'];

interface CellClass<C extends RNNCell> {
  new (args: RNNCellArgs, owner: string): C;
  readonly className: string;
  readonly options: readonly string[];
}

/**
 * The shared body of SimpleRNN, LSTM and GRU: input (batch, timesteps, features), output
 * (batch, units) or (batch, timesteps, units), optional states; weights in `cell`.
 */
export abstract class RNN<C extends RNNCell = RNNCell> extends Layer {
  static override readonly supportsMasking = true;
  readonly cell: C;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly stateful: boolean;
  readonly unroll: boolean;
  /** Bidirectional sets this to `returnSequences` on its copies, as Keras does. */
  zeroOutputForMask: boolean;
  readonly activityRegularizer: ConfigObject;

  constructor(args: RNNArgs & RNNCellArgs, cellClass: CellClass<C>) {
    super(args);
    this.returnSequences = flag(args.returnSequences, false, 'returnSequences', this.name);
    this.returnState = flag(args.returnState, false, 'returnState', this.name);
    this.goBackwards = flag(args.goBackwards, false, 'goBackwards', this.name);
    this.stateful = flag(args.stateful, false, 'stateful', this.name);
    this.unroll = flag(args.unroll, false, 'unroll', this.name);
    this.zeroOutputForMask = flag(args.zeroOutputForMask, false, 'zeroOutputForMask', this.name);
    this.activityRegularizer = args.activityRegularizer ?? null;
    if (flag(args.timeMajor, false, 'timeMajor', this.name)) {
      throw new ValueError(
        `Layer "${this.name}": \`timeMajor: true\` (a Keras 2 option) is not supported; inputs are (batch, timesteps, features).`,
        this.name,
      );
    }
    this.cell = new cellClass(
      { ...pick(args, cellClass.options), name: toSnakeCase(cellClass.className), dtype: this.dtype, trainable: this.trainable } as RNNCellArgs,
      this.name,
    );
    this.inputSpec = [{ ndim: 3 }];
  }

  get units(): number {
    return this.cell.units;
  }

  override sublayers(): Layer[] {
    return [this.cell];
  }

  /** The one input of a recurrent layer is a sequence (batch, timesteps, features). */
  private sequenceShape(inputShape: Shape | Shape[]): Shape {
    if (isShapeList(inputShape)) {
      throw new ValueError(
        `Layer "${this.name}" takes one input of shape (batch, timesteps, features); received ${inputShape.length} tensors with shapes [${inputShape.map(formatShape).join(', ')}]. Pass initial states as \`initialState\`: \`layer(x, { initialState: [${this.cell.stateNames.join(', ')}] })\`.`,
        this.name,
      );
    }
    if (inputShape.length !== 3) {
      throw new ValueError(
        `Input 0 of layer "${this.name}" is incompatible with the layer: expected ndim=3, found ndim=${inputShape.length}. Full shape received: ${formatShape(inputShape)}`,
        this.name,
      );
    }
    return inputShape;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = this.sequenceShape(inputShape);
    if (this.stateful && shape[0] === null) {
      throw new ValueError(
        `When using \`stateful=True\` in a RNN, the batch size must be static. Found dynamic batch size: sequence.shape=${formatShape(shape)} (layer "${this.name}"). Give the input a batch size: \`Input({ batchShape: [32, ...] })\`.`,
        this.name,
      );
    }
    const [batch, , features] = shape as [Dim, Dim, Dim];
    this.cell.maybeBuild([batch, features]);
    // The cell has checked that `features` is known.
    this.inputSpec = [{ ndim: 3, axes: { [-1]: features as number } }];
  }

  /** Checks call keyword arguments; `initialState` must match the cell's states. */
  private checkCallArgs(kwargs: CallKwargs, batch: Dim): void {
    const unexpected = Object.keys(kwargs).filter((k) => !CALL_ARGS.includes(k));
    if (unexpected.length > 0) {
      throw new TypeError_(
        `Layer "${this.name}" got unexpected call argument(s) ${unexpected.map((k) => JSON.stringify(k)).join(', ')}; it takes ${CALL_ARGS.join(', ')}.`,
        this.name,
      );
    }
    const given = kwargs.initialState;
    if (given === undefined || given === null) return;
    const states = Array.isArray(given) ? given : [given];
    const names = this.cell.stateNames;
    const expected = this.cell.stateSize.map((size): Shape => [batch, size]);
    if (!states.every(isSymbolicTensor)) {
      throw new TypeError_(
        `Layer "${this.name}" expects \`initialState\` to be a list of symbolic tensors [${names.join(', ')}] (outputs of other layers or \`Input()\`); received ${JSON.stringify(given)?.slice(0, 100)}.`,
        this.name,
      );
    }
    if (states.length !== expected.length) {
      throw new ValueError(
        `Layer "${this.name}" expects ${expected.length} initial state(s) [${names.join(', ')}], each of shape ${formatShape(expected[0]!)}, but it received ${states.length} initial state(s) with shapes [${states.map((s) => formatShape(s.shape)).join(', ')}].`,
        this.name,
      );
    }
    states.forEach((state, i) => {
      if (!shapesFit(state.shape, expected[i]!)) {
        throw new ValueError(
          `Initial state ${i} (${names[i]}) of layer "${this.name}" has shape ${formatShape(state.shape)}, but the layer expects shape ${formatShape(expected[i]!)} (batch, units).`,
          this.name,
        );
      }
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[], kwargs: CallKwargs = {}): Shape | Shape[] {
    const [batch, steps] = this.sequenceShape(inputShape) as [Dim, Dim, Dim];
    this.checkCallArgs(kwargs, batch);
    if (this.unroll && steps === null) {
      throw new ValueError(
        `Cannot unroll a RNN if the time dimension is undefined (layer "${this.name}", input shape ${formatShape(inputShape as Shape)}). Give the \`Input()\` a known number of timesteps in its \`shape\`, or set \`unroll: false\`.`,
        this.name,
      );
    }
    const output: Shape = this.returnSequences ? [batch, steps, this.units] : [batch, this.units];
    if (!this.returnState) return output;
    return [output, ...this.cell.stateSize.map((size): Shape => [batch, size])];
  }

  /** The sequence's mask goes on with the output sequence (not with a last output, nor with the states). */
  override computeMask<M>(masks: Array<M | null>, _ops: MaskOps<M>, _kwargs: CallKwargs): MaskResult<M> {
    return this.returnSequences ? (masks[0] ?? null) : null;
  }

  override forward(L: Lowering, [x]: PlanTensor[], kwargs: CallKwargs): PlanTensor[] {
    return this.lowerCall(L, x!, kwargs, false);
  }

  /** The call's mask (the input's, or one passed as `mask`): (batch, timesteps) of float 0/1. */
  private stepMask(given: unknown, x: PlanTensor): PlanTensor | null {
    const mask = (Array.isArray(given) ? given[0] : given) as PlanTensor | null | undefined;
    if (mask === undefined || mask === null) return null;
    const steps = x.shape[1];
    if (mask.dtype !== 'float32' || mask.shape.length !== 2 || mask.shape[1] !== steps) {
      throw new ValueError(
        `Layer "${this.name}" expects a mask of shape (batch, ${steps ?? 'None'}) holding float32 0/1 (one per timestep of its input ${formatShape(x.shape)}); received a ${mask.dtype} mask of shape ${formatShape(mask.shape)}.`,
        this.name,
      );
    }
    return mask;
  }

  /**
   * Emits the whole-sequence kernels of one call: [output] or, with `returnState`, [output,
   * ...states]. Bidirectional passes `reverseOutput` for its backward direction, whose output
   * sequence it wants in input-time order (Keras flips it).
   */
  lowerCall(L: Lowering, x: PlanTensor, kwargs: CallKwargs, reverseOutput: boolean): PlanTensor[] {
    const cell = this.cell;
    const fail = (what: string): never => {
      throw new ValueError(`Layer "${this.name}" (${this.className}) cannot run in a training or inference step yet: ${what}`, this.name);
    };
    if (x.dtype !== 'float32') {
      fail(`it takes float32 sequences, but its input is ${x.dtype} (token ids?). Put an Embedding before it to turn ids into vectors.`);
    }
    if (this.stateful) fail('`stateful: true` is not supported (states are not carried between batches); use `stateful: false`.');
    const training = typeof kwargs.training === 'boolean' ? kwargs.training : L.training;
    if (training && cell.recurrentDropout > 0) {
      fail(`\`recurrentDropout\` (${cell.recurrentDropout}) is not supported in training yet; use \`dropout\` (on the inputs) or set \`recurrentDropout: 0\`.`);
    }
    for (const act of [cell.activation, cell.recurrentActivation]) {
      if (act === 'softmax' || act === 'log_softmax') fail(`the activation "${act}" is not supported inside a recurrent cell.`);
    }
    const given = kwargs.initialState;
    const initial = given === undefined || given === null ? [] : ((Array.isArray(given) ? given : [given]) as PlanTensor[]);
    const kind: CellKind = cell instanceof LSTMCell ? 'lstm' : cell instanceof GRUCell ? 'gru' : 'simple_rnn';
    const { output, states } = recurrent(
      L,
      x,
      { kernel: L.weight(cell.kernel!), recurrentKernel: L.weight(cell.recurrentKernel!), bias: cell.bias ? L.weight(cell.bias) : null },
      initial,
      {
        cell: kind,
        units: cell.units,
        activation: cell.activation,
        recurrentActivation: cell.recurrentActivation ?? 'sigmoid',
        resetAfter: cell instanceof GRUCell ? cell.resetAfter : false,
        goBackwards: this.goBackwards,
        reverseOutput,
        returnSequences: this.returnSequences,
        dropout: training ? cell.dropout : 0,
        seed: cell.seed,
        mask: this.stepMask(kwargs.mask, x),
        zeroOutputForMask: this.zeroOutputForMask,
      },
      this.name,
    );
    return this.returnState ? [output, ...states] : [output];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      return_sequences: this.returnSequences,
      return_state: this.returnState,
      go_backwards: this.goBackwards,
      stateful: this.stateful,
      unroll: this.unroll,
      zero_output_for_mask: this.zeroOutputForMask,
      ...this.cell.optionsConfig(this.activityRegularizer),
    };
  }
}

/** `useCudnn` of LSTM and GRU: accepted for Keras compatibility (the engine picks its kernel). */
export type UseCudnn = 'auto' | boolean;

function cudnnOption(value: unknown, layerName: string): UseCudnn {
  if (value === undefined) return 'auto';
  if (value !== 'auto' && value !== true && value !== false) {
    throw new ValueError(
      `Invalid value received for argument \`useCudnn\` of layer "${layerName}". Expected one of 'auto', true, false. Received: useCudnn=${JSON.stringify(value)}`,
      layerName,
    );
  }
  return value;
}

/** Keras 3 reads and drops `implementation` (a Keras 2 option); so do we. */
const KERNEL_CHOICE_OPTIONS = ['useCudnn', 'implementation'];

export interface SimpleRNNArgs extends RNNCellArgs, RNNArgs {}

/** Fully connected RNN: the output is fed back as the next step's state. */
export class SimpleRNN extends RNN<SimpleRNNCell> {
  static readonly className = 'SimpleRNN';
  static override readonly options = [...RNN_OPTIONS, ...SimpleRNNCell.options];

  constructor(args: SimpleRNNArgs) {
    super(args, SimpleRNNCell);
  }
}

export interface LSTMArgs extends LSTMCellArgs, RNNArgs {
  useCudnn?: UseCudnn;
  implementation?: number;
}

/** Long Short-Term Memory (Hochreiter 1997); states h and c. */
export class LSTM extends RNN<LSTMCell> {
  static readonly className = 'LSTM';
  static override readonly options = [...RNN_OPTIONS, ...LSTMCell.options, ...KERNEL_CHOICE_OPTIONS];
  readonly useCudnn: UseCudnn;

  constructor(args: LSTMArgs) {
    super(args, LSTMCell);
    this.useCudnn = cudnnOption(args.useCudnn, this.name);
  }
}

export interface GRUArgs extends GRUCellArgs, RNNArgs {
  useCudnn?: UseCudnn;
  implementation?: number;
}

/** Gated Recurrent Unit (Cho et al. 2014); one state h. */
export class GRU extends RNN<GRUCell> {
  static readonly className = 'GRU';
  static override readonly options = [...RNN_OPTIONS, ...GRUCell.options, ...KERNEL_CHOICE_OPTIONS];
  readonly useCudnn: UseCudnn;

  constructor(args: GRUArgs) {
    super(args, GRUCell);
    this.useCudnn = cudnnOption(args.useCudnn, this.name);
  }
}

registerBuiltin(SimpleRNN);
registerBuiltin(LSTM);
registerBuiltin(GRU);

export const factories = {
  SimpleRNN: factory(SimpleRNN, ['units']),
  LSTM: factory(LSTM, ['units']),
  GRU: factory(GRU, ['units']),
};
