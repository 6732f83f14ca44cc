import { StrataError, TypeError_, ValueError } from './errors.js';
import { toInitializer, type InitializerArg } from './initializers.js';
import { masksPerOutput, symbolicMasks, type MaskOps, type MaskResult } from './mask.js';
import { camelizeKeys, toSnakeCase, uniqueName } from './naming.js';
import { Node, type CallKwargs } from './node.js';
import { DTYPES, formatShape, sizeOf, type DType, type Shape } from './shape.js';
import { SymbolicTensor, isSymbolicTensor } from './symbolic-tensor.js';
import type { Lowering } from '../autodiff/lowering.js';
import type { PlanTensor } from '../autodiff/tape.js';
import { lowerTracedCall } from '../autodiff/ops/trace-lowering.js';
import {
  calledSublayers,
  hasTracedCall,
  hasTracedInput,
  savedTrace,
  traceCall,
  traceLayerCall,
  traceOutputDtype,
  type TraceJSON,
  type TracedTensor,
} from '../ops/trace.js';

/** Options every layer takes (Keras' base-layer keyword arguments, in camelCase). */
export interface LayerArgs {
  name?: string;
  trainable?: boolean;
  dtype?: DType | DTypePolicyConfig;
  /** Shape of one sample, for the first layer of a Sequential model. */
  inputShape?: Array<number | null>;
  /** Full input shape including the batch axis. */
  batchInputShape?: Shape;
  batchShape?: Shape;
  batchSize?: number | null;
}

export interface DTypePolicyConfig {
  module: 'keras';
  class_name: 'DTypePolicy';
  config: { name: string };
  registered_name: null;
}

/** What a layer expects of each input; checked on every call (Keras' `InputSpec`). */
export interface InputSpec {
  ndim?: number;
  minNdim?: number;
  maxNdim?: number;
  /** Required sizes of given axes, e.g. `{ [-1]: 784 }`. */
  axes?: Record<number, number>;
  /** A full shape; `null` entries match anything. */
  shape?: Shape;
}

/** A weight of a layer: its shape and initializer are known at build time; values come with training. */
export class Weight {
  constructor(
    readonly layer: Layer,
    readonly name: string,
    readonly shape: number[],
    readonly dtype: DType,
    /** Whether the weight was created trainable (Keras' `_trainable_variables` versus `_non_trainable_variables`). */
    readonly ownTrainable: boolean,
    readonly initializer: ReturnType<typeof toInitializer>,
  ) {}

  /** A weight is trainable only if it was created trainable and its layer is trainable. */
  get trainable(): boolean {
    return this.ownTrainable && this.layer.trainable;
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  get path(): string {
    return `${this.layer.name}/${this.name}`;
  }
}

export interface AddWeightArgs {
  /** Defaults to `variable`, `variable_1`, … within the layer, as Keras names unnamed variables. */
  name?: string;
  shape: number[];
  initializer?: InitializerArg;
  trainable?: boolean;
  dtype?: DType;
}

export type LayerInput = SymbolicTensor | SymbolicTensor[];
export type LayerOutput = SymbolicTensor | SymbolicTensor[];

/** Options every layer accepts, besides its own `static options`. */
const BASE_OPTIONS = ['name', 'trainable', 'dtype', 'inputShape', 'batchInputShape', 'batchShape', 'batchSize'];

/** Layers are callable: `layers.Dense(64)(x)` is `layer.apply(x)` (also inside a custom layer's call(), on traced tensors). */
export interface Layer {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  (inputs: LayerInput | Record<string, SymbolicTensor> | TracedTensor | TracedTensor[], kwargs?: CallKwargs): any;
}

export function dtypePolicy(name: DType): DTypePolicyConfig {
  return { module: 'keras', class_name: 'DTypePolicy', config: { name }, registered_name: null };
}

function toDType(value: unknown, layerName: string): DType {
  const name =
    value && typeof value === 'object' ? ((value as { config?: { name?: unknown } }).config?.name ?? undefined) : value;
  if (name === undefined || name === null) return 'float32';
  if (typeof name === 'string' && (DTYPES as readonly string[]).includes(name)) return name as DType;
  throw new ValueError(
    `Layer "${layerName}" got an unsupported dtype: expected one of ${DTYPES.join(', ')}; received ${JSON.stringify(value)}.`,
    layerName,
  );
}

/**
 * The base of every layer and model. A layer is built on its first call (its weights get
 * shapes from the input), validates each call against its input spec, and records the call
 * as a node. Subclasses implement `build`, `computeOutputShape` and `getConfig` side by side;
 * `call` (the forward written with engine ops) is what custom layers add.
 */
export class Layer {
  declare name: string;
  declare private ownTrainable: boolean;
  declare dtype: DType;
  declare built: boolean;
  declare inboundNodes: Node[];
  declare inputSpec: InputSpec[] | null;
  /** Batch input shape given at construction (`inputShape`/`batchInputShape`), for Sequential models. */
  declare batchInputShape: Shape | null;
  declare protected ownWeights: Weight[];
  /** The input shape the layer was built with (Keras' `build_config`). */
  declare buildInputShape: Shape | Shape[] | null;

  /**
   * The options this layer class takes besides the base ones. Built-in layers list them so
   * that a misspelt option is an error, as in Keras; `null` (custom layers) skips the check.
   */
  static readonly options: readonly string[] | null = null;

  constructor(args: LayerArgs = {}) {
    const allowed = (new.target as unknown as { options: readonly string[] | null }).options;
    if (allowed) {
      const unknown = Object.keys(args).filter((k) => !BASE_OPTIONS.includes(k) && !allowed.includes(k));
      if (unknown.length > 0) {
        const cls = (new.target as unknown as { className?: string }).className ?? new.target.name;
        throw new TypeError_(
          `Unrecognized option(s) passed to ${cls}: ${unknown.map((k) => JSON.stringify(k)).join(', ')}. Expected some of: ${[...allowed, ...BASE_OPTIONS].join(', ')}.`,
          args.name,
        );
      }
    }
    // A layer object is itself a function so that `layer(x)` works as in Keras.
    const self = function (this: unknown, inputs: LayerInput, kwargs?: CallKwargs) {
      return (self as unknown as Layer).apply(inputs, kwargs);
    } as unknown as Layer;
    delete (self as { name?: unknown }).name;
    delete (self as { length?: unknown }).length;
    Object.setPrototypeOf(self, new.target.prototype);
    const className = (new.target as unknown as { className?: string }).className ?? new.target.name;
    if (args.name !== undefined && (typeof args.name !== 'string' || args.name === '')) {
      throw new ValueError(`A layer name must be a non-empty string; received ${JSON.stringify(args.name)}.`);
    }
    self.name = args.name ?? uniqueName(self.namePrefix(className));
    self.ownTrainable = args.trainable ?? true;
    self.dtype = toDType(args.dtype, self.name);
    self.built = false;
    self.inboundNodes = [];
    self.inputSpec = null;
    self.ownWeights = [];
    self.buildInputShape = null;
    const batchShape = args.batchInputShape ?? args.batchShape;
    self.batchInputShape = batchShape
      ? [...batchShape]
      : args.inputShape
        ? [args.batchSize ?? null, ...args.inputShape]
        : null;
    return self;
  }

  /** Freezing a layer freezes the layers it contains, as in Keras. */
  get trainable(): boolean {
    return this.ownTrainable;
  }

  set trainable(value: boolean) {
    this.ownTrainable = value;
    for (const layer of this.sublayers()) layer.trainable = value;
  }

  /** The Keras class name written into configs. */
  get className(): string {
    const ctor = this.constructor as { className?: string; name: string };
    return ctor.className ?? ctor.name;
  }

  /** Prefix for automatic names; Keras uses the snake_case class name. */
  protected namePrefix(className: string): string {
    return toSnakeCase(className);
  }

  // ---- build / shapes / config: what each layer family implements -------------------------

  /** Creates the weights once the input shape is known. */
  build(_inputShape: Shape | Shape[], _kwargs?: CallKwargs): void {}

  /** The output shape for an input shape; throws a Keras-style error when they do not fit. */
  computeOutputShape(inputShape: Shape | Shape[], kwargs?: CallKwargs): Shape | Shape[] {
    // A custom layer's forward is its call() written with ops: trace it to get the output shape.
    if (hasTracedCall(this)) return traceCall(this, inputShape, kwargs);
    return inputShape;
  }

  /**
   * Emits this layer's kernels for one call into a step plan (training or inference). Each
   * layer family implements it next to its shape rule; the kernels live in native/.
   */
  forward(L: Lowering, inputs: PlanTensor[], kwargs: CallKwargs): PlanTensor[] {
    // A custom layer's forward is its traced call(): replay the trace as kernels.
    if (hasTracedCall(this)) return lowerTracedCall(L, this, inputs, kwargs);
    throw new ValueError(
      `Layer "${this.name}" (${this.className}) cannot run in a training or inference step yet: this version of Strata has no kernels for it.`,
      this.name,
    );
  }

  // ---- masks ------------------------------------------------------------------------------

  /**
   * Whether the layer passes on the mask of its input (Keras' `supports_masking`). A layer that
   * does gets the input masks as the `mask` keyword of `forward` (one plan tensor, or a list
   * for several inputs); a layer that does not drops them, as Keras does (with a warning).
   */
  static readonly supportsMasking: boolean = false;

  get supportsMasking(): boolean {
    return (this.constructor as typeof Layer).supportsMasking;
  }

  /**
   * The masks of a call's outputs from its inputs' masks (Keras' `compute_mask`), written over
   * `ops` so that the graph and step plans follow one rule (see graph/mask.ts). By default a
   * layer that supports masking passes on its first input's mask.
   */
  computeMask<M>(masks: Array<M | null>, _ops: MaskOps<M>, _kwargs: CallKwargs): MaskResult<M> {
    return this.supportsMasking ? (masks[0] ?? null) : null;
  }

  /** Which outputs of a call on these symbolic tensors carry a mask. */
  computeOutputMasks(inputs: SymbolicTensor[], kwargs: CallKwargs, outputs: number): boolean[] {
    const masks = inputs.map((t) => (t.hasMask ? (true as const) : null));
    return masksPerOutput(this.computeMask(masks, symbolicMasks, kwargs), outputs).map((m) => m !== null);
  }

  /** The output dtype; float unless a layer says otherwise. */
  computeOutputDtype(inputDtypes: DType[]): DType {
    if (hasTracedCall(this)) return traceOutputDtype(this, inputDtypes);
    return this.dtype;
  }

  /** Keras' layer config (snake_case keys, as in `config.json`). */
  getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = {
      name: this.name,
      trainable: this.trainable,
      dtype: dtypePolicy(this.dtype),
    };
    if (this.batchInputShape) config.batch_input_shape = this.batchInputShape;
    return config;
  }

  /** Rebuilds a layer from its Keras config; layers whose options differ from their config keys override this. */
  static fromConfig(this: new (args: never) => Layer, config: Record<string, unknown>): Layer {
    return new this(camelizeKeys(config) as never);
  }

  /**
   * Layers without weights or shape-dependent state are built when created, as in Keras 3,
   * which then writes no `build_config` for them.
   */
  static readonly builtAtInit: boolean = false;

  /** Keras' `build_config`: the input shape the layer was built with, and a custom layer's traced call. */
  getBuildConfig(): { input_shape: Shape | Shape[]; trace?: TraceJSON } | null {
    if ((this.constructor as typeof Layer).builtAtInit) return null;
    if (!this.built || this.buildInputShape === null) return null;
    const trace = savedTrace(this);
    return { input_shape: this.buildInputShape, ...(trace && { trace }) };
  }

  /** Builds the layer for an input shape unless it is built (Keras' `_maybe_build`); wrappers build inner layers so. */
  maybeBuild(inputShape: Shape | Shape[], kwargs?: CallKwargs): void {
    if (this.built) return;
    this.build(inputShape, kwargs);
    this.built = true;
    this.buildInputShape = inputShape;
  }

  // ---- weights ----------------------------------------------------------------------------

  addWeight(args: AddWeightArgs): Weight {
    const name = args.name ?? (this.ownWeights.length === 0 ? 'variable' : `variable_${this.ownWeights.length}`);
    if (!Array.isArray(args.shape) || !args.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new ValueError(
        `Layer "${this.name}" asked for weight "${name}" with shape ${JSON.stringify(args.shape)}; every size must be a known non-negative integer.`,
        this.name,
      );
    }
    const weight = new Weight(
      this,
      name,
      [...args.shape],
      args.dtype ?? this.dtype,
      args.trainable ?? true,
      toInitializer(args.initializer ?? 'glorot_uniform', `weight "${name}" of layer "${this.name}"`),
    );
    this.ownWeights.push(weight);
    return weight;
  }

  /** The weights this layer created itself, in creation order (not those of its sublayers). */
  get ownVariables(): readonly Weight[] {
    return this.ownWeights;
  }

  /** All weights, this layer's own then those of the layers it contains. */
  get weights(): Weight[] {
    return [...this.ownWeights, ...this.sublayers().flatMap((l) => l.weights)];
  }

  get trainableWeights(): Weight[] {
    return this.weights.filter((w) => w.trainable);
  }

  get nonTrainableWeights(): Weight[] {
    return this.weights.filter((w) => !w.trainable);
  }

  /**
   * Layers owned by this one (wrappers, models); their weights count as this layer's. By
   * default, Keras' auto-tracking: layers held in the layer's own properties (alone or in
   * arrays), then layers its traced call() used that no property holds.
   */
  sublayers(): Layer[] {
    const found = new Set<Layer>();
    for (const value of Object.values(this)) {
      for (const item of Array.isArray(value) ? value : [value]) if (item instanceof Layer && item !== this) found.add(item);
    }
    for (const layer of calledSublayers(this)) found.add(layer);
    return [...found];
  }

  countParams(): number {
    if (!this.built) {
      throw new ValueError(
        `You tried to call countParams on layer "${this.name}", but the layer isn't built. Call it on an input first.`,
        this.name,
      );
    }
    return uniqueWeights(this.weights).reduce((n, w) => n + w.size, 0);
  }

  // ---- calling ----------------------------------------------------------------------------

  /** Calls the layer on symbolic tensors: validates, builds on first call, records a node. */
  apply(inputs: LayerInput | Record<string, SymbolicTensor>, kwargs: CallKwargs = {}): LayerOutput {
    // Inside a custom layer's call(): a step of its trace, not a node of the graph.
    if (hasTracedInput(inputs)) return traceLayerCall(this, inputs, kwargs) as unknown as LayerOutput;
    const args = this.standardizeInputs(inputs);
    const flat = Array.isArray(args) ? args : [args];
    this.assertInputCompatibility(flat.map((t) => t.shape));
    const inputShape = Array.isArray(args) ? args.map((t) => t.shape) : args.shape;
    const firstCall = !this.built;
    const specBefore = this.inputSpec;
    let result: { outputShape: Shape | Shape[]; dtype: DType };
    try {
      if (firstCall) this.build(inputShape, kwargs);
      result = { outputShape: this.computeOutputShape(inputShape, kwargs), dtype: this.computeOutputDtype(flat.map((t) => t.dtype)) };
    } catch (e) {
      // A first call that fails leaves the layer as it was, ready for a call that fits.
      if (firstCall) {
        this.ownWeights = [];
        this.inputSpec = specBefore;
      }
      throw e;
    }
    if (firstCall) {
      this.built = true;
      this.buildInputShape = inputShape;
    }
    const { outputShape, dtype } = result;
    const nodeIndex = this.inboundNodes.length;
    const many = isShapeList(outputShape);
    const shapes = many ? outputShape : [outputShape];
    const masked = this.computeOutputMasks(flat, kwargs, shapes.length);
    const outputs = shapes.map((s, i) => new SymbolicTensor([...s], dtype, this, nodeIndex, i, masked[i]));
    this.inboundNodes.push(new Node(this, args, kwargs, outputs));
    return many ? outputs : outputs[0]!;
  }

  /** How many tensors each call returns (1 for most layers). */
  outputCount(): number {
    return this.inboundNodes[0]?.outputs.length ?? 1;
  }

  protected standardizeInputs(inputs: unknown): LayerInput {
    const check = (t: unknown, i: number): SymbolicTensor => {
      if (isSymbolicTensor(t)) return t;
      throw new TypeError_(
        `Layer "${this.name}" expects symbolic tensors as input (the result of \`Input()\` or of calling a layer); input ${i} is ${describe(t)}.`,
        this.name,
      );
    };
    if (Array.isArray(inputs)) {
      if (inputs.length === 0) {
        throw new ValueError(`Layer "${this.name}" was called on an empty list of inputs.`, this.name);
      }
      return inputs.map(check);
    }
    return check(inputs, 0);
  }

  /** Keras' `assert_input_compatibility`, with its messages. */
  assertInputCompatibility(shapes: Shape[]): void {
    const specs = this.inputSpec;
    if (!specs) return;
    if (specs.length !== shapes.length) {
      throw new ValueError(
        `Layer "${this.name}" expects ${specs.length} input(s), but it received ${shapes.length} input tensors. Inputs received: [${shapes.map(formatShape).join(', ')}]`,
        this.name,
      );
    }
    shapes.forEach((shape, i) => {
      const spec = specs.length === 1 ? specs[0]! : specs[i]!;
      const prefix = `Input ${i} of layer "${this.name}" is incompatible with the layer:`;
      const rank = shape.length;
      const fail = (what: string): never => {
        throw new ValueError(`${prefix} ${what}`, this.name);
      };
      if (spec.ndim !== undefined && rank !== spec.ndim)
        fail(`expected ndim=${spec.ndim}, found ndim=${rank}. Full shape received: ${formatShape(shape)}`);
      if (spec.maxNdim !== undefined && rank > spec.maxNdim)
        fail(`expected max_ndim=${spec.maxNdim}, found ndim=${rank}. Full shape received: ${formatShape(shape)}`);
      if (spec.minNdim !== undefined && rank < spec.minNdim)
        fail(`expected min_ndim=${spec.minNdim}, found ndim=${rank}. Full shape received: ${formatShape(shape)}`);
      for (const [key, value] of Object.entries(spec.axes ?? {})) {
        const axis = Number(key);
        const dim = shape[axis < 0 ? rank + axis : axis];
        if (dim !== null && dim !== undefined && dim !== value)
          fail(
            `expected axis ${axis} of input shape to have value ${value}, but received input with shape ${formatShape(shape)}`,
          );
      }
      if (spec.shape) {
        const ok = spec.shape.length === rank && spec.shape.every((d, k) => d === null || shape[k] === null || d === shape[k]);
        if (!ok) fail(`expected shape=${formatShape(spec.shape)}, found shape=${formatShape(shape)}`);
      }
    });
  }

  // ---- nodes ------------------------------------------------------------------------------

  private nodeAt(index: number, what: string): Node {
    if (this.inboundNodes.length === 0) {
      throw new ValueError(`The layer "${this.name}" has never been called and thus has no defined ${what}.`, this.name);
    }
    const node = this.inboundNodes[index];
    if (!node) {
      throw new ValueError(
        `Asked to get ${what} at node ${index}, but the layer "${this.name}" has only ${this.inboundNodes.length} inbound node(s).`,
        this.name,
      );
    }
    return node;
  }

  private singleNode(what: string, method: string): Node {
    const node = this.nodeAt(0, what);
    if (this.inboundNodes.length > 1) {
      throw new StrataError(
        `Layer "${this.name}" has multiple inbound nodes, hence the notion of "layer ${what}" is ill-defined. Use \`${method}(nodeIndex)\` instead.`,
        this.name,
      );
    }
    return node;
  }

  private sameShapeAcrossNodes(pick: (n: Node) => Shape | Shape[], what: string, method: string): Shape | Shape[] {
    const first = pick(this.nodeAt(0, what));
    const key = JSON.stringify(first);
    if (this.inboundNodes.some((n) => JSON.stringify(pick(n)) !== key)) {
      throw new StrataError(
        `The layer "${this.name}" has multiple inbound nodes, with different ${what}s. Hence the notion of "${what}" is ill-defined for the layer. Use \`${method}(nodeIndex)\` instead.`,
        this.name,
      );
    }
    return first;
  }

  getInputAt(nodeIndex: number): LayerInput {
    return this.nodeAt(nodeIndex, 'input').args;
  }

  getOutputAt(nodeIndex: number): LayerOutput {
    const outs = this.nodeAt(nodeIndex, 'output').outputs;
    return outs.length === 1 ? outs[0]! : outs;
  }

  getInputShapeAt(nodeIndex: number): Shape | Shape[] {
    return nodeInputShape(this.nodeAt(nodeIndex, 'input shape'));
  }

  getOutputShapeAt(nodeIndex: number): Shape | Shape[] {
    return nodeOutputShape(this.nodeAt(nodeIndex, 'output shape'));
  }

  get input(): LayerInput {
    return this.singleNode('input', 'getInputAt').args;
  }

  get output(): LayerOutput {
    const outs = this.singleNode('output', 'getOutputAt').outputs;
    return outs.length === 1 ? outs[0]! : outs;
  }

  get inputShape(): Shape | Shape[] {
    return this.sameShapeAcrossNodes(nodeInputShape, 'input shape', 'getInputShapeAt');
  }

  get outputShape(): Shape | Shape[] {
    return this.sameShapeAcrossNodes(nodeOutputShape, 'output shape', 'getOutputShapeAt');
  }

  toString(): string {
    return `<${this.className} name=${this.name}, built=${this.built}>`;
  }
}

function nodeInputShape(node: Node): Shape | Shape[] {
  return Array.isArray(node.args) ? node.args.map((t) => t.shape) : node.args.shape;
}

function nodeOutputShape(node: Node): Shape | Shape[] {
  return node.outputs.length === 1 ? node.outputs[0]!.shape : node.outputs.map((t) => t.shape);
}

/** A shape is a list of dims; a list of shapes is a list of lists. */
export function isShapeList(value: Shape | Shape[]): value is Shape[] {
  return value.length > 0 && Array.isArray(value[0]);
}

/** A weight shared between layers (a model nested twice) counts once. */
export function uniqueWeights(weights: Weight[]): Weight[] {
  return [...new Set(weights)];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (value instanceof Layer) return `the layer "${value.name}" itself (call it on a tensor first)`;
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value)})`;
  return `${typeof value} ${JSON.stringify(value)}`;
}
