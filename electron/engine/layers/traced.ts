/**
 * A custom layer rebuilt from its saved trace. Model files run in a sandbox; the host rebuilds
 * their models from JSON in a process that does not have the model file's classes. A custom
 * layer (registered name `strata>Name`) saves the ops its `call()` recorded in
 * `build_config.trace`; a `TracedLayer` recreates its weights from that trace and replays its
 * ops, so it has the same class name, registered name, config, weights and output shapes, and
 * serialises to the same JSON. The layers its `call()` used (saved in the trace's `layers`)
 * are deserialised as its sublayers, and its `layer` steps call them again.
 */
import { deserializeLayer } from '../graph/deserialize.js';
import { ValueError } from '../graph/errors.js';
import { Layer, type LayerArgs } from '../graph/layer.js';
import type { SerializedLayer } from '../graph/serialize.js';
import type { DType, Shape } from '../graph/shape.js';
import { LAYER_STEP, applyOp, ownWeightsOf, parseTrace, type TraceJSON, type TraceRef, type TracedTensor } from '../ops/trace.js';

export interface TracedLayerArgs extends LayerArgs {
  /** The layer's config exactly as saved (what `getConfig()` gives back). */
  config: Record<string, unknown>;
  trace: TraceJSON;
  /** Its sublayers, deserialised from `trace.layers` (in that order). */
  layers?: Layer[];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** One class per saved custom class, so that configs carry its `class_name` and `registered_name`. */
const classes = new Map<string, typeof TracedLayer>();

function tracedClass(className: string, registeredName: string): typeof TracedLayer {
  const key = `${registeredName}\n${className}`;
  let cls = classes.get(key);
  if (!cls) {
    cls = class extends TracedLayer {
      static override readonly className: string = className;
      static override readonly registeredName: string | undefined = registeredName;
    };
    Object.defineProperty(cls, 'name', { value: className });
    classes.set(key, cls);
  }
  return cls;
}

export class TracedLayer extends Layer {
  static readonly className: string = 'TracedLayer';
  static readonly registeredName: string | undefined = undefined;
  declare readonly savedConfig: Record<string, unknown>;
  declare readonly trace: TraceJSON;
  declare readonly innerLayers: readonly Layer[];

  constructor(args: TracedLayerArgs) {
    const { config, trace, layers = [], ...rest } = args;
    super(rest);
    this.savedConfig = clone(config);
    this.trace = trace;
    Object.defineProperty(this, 'innerLayers', { value: Object.freeze([...layers]), enumerable: false });
  }

  /** Whether a saved layer is a custom layer that carries its trace. */
  static isTracedEntry(entry: SerializedLayer): boolean {
    return (
      // Strata's own (`strata>Name`) or a Keras custom class supplied in TypeScript (`MyLayers>Name`).
      typeof entry.registered_name === 'string' &&
      entry.registered_name.includes('>') &&
      isPlainObject(entry.build_config) &&
      entry.build_config.trace !== undefined
    );
  }

  /** Rebuilds a custom layer from its saved entry (`{class_name, config, registered_name, build_config: {trace}}`). */
  static fromEntry(entry: SerializedLayer & { name?: string }, where = 'config'): TracedLayer {
    if (!TracedLayer.isTracedEntry(entry)) {
      throw new ValueError(`The layer at ${where} is not a custom layer with a saved trace (build_config.trace).`);
    }
    const config = isPlainObject(entry.config) ? entry.config : {};
    const name = typeof config.name === 'string' ? config.name : entry.name;
    const trace = parseTrace(entry.build_config!.trace, `${where}.build_config.trace`, name);
    const layers = (trace.layers ?? []).map((l, i) => deserializeLayer(l, `${where}.build_config.trace.layers[${i}]`));
    const cls = tracedClass(entry.class_name, entry.registered_name!);
    return new cls({
      name,
      trainable: typeof config.trainable === 'boolean' ? config.trainable : undefined,
      dtype: config.dtype as DType | undefined,
      batchInputShape: Array.isArray(config.batch_input_shape) ? (config.batch_input_shape as Shape) : undefined,
      config,
      trace,
      layers,
    });
  }

  /** A traced layer needs its trace: rebuild it with `TracedLayer.fromEntry` (or `deserializeLayer`). */
  static override fromConfig(config: Record<string, unknown>): Layer {
    throw new ValueError(
      `A custom layer without its class (layer "${String(config.name)}") can only be rebuilt from its saved entry with build_config.trace, not from its config alone.`,
    );
  }

  /** Recreates the weights the trace lists, in order (ops refer to them by index). */
  override build(): void {
    for (const w of this.trace.weights) {
      this.addWeight({ name: w.name, shape: w.shape, dtype: w.dtype, trainable: w.trainable, initializer: w.initializer });
    }
  }

  /** The layers saved with the trace, in their saved order (`layer` steps refer to them by index). */
  override sublayers(): Layer[] {
    return [...this.innerLayers];
  }

  /**
   * Replays the saved ops on the call's (traced) inputs — the shape rules run again on the new
   * shapes — and calls the sublayers where the trace did.
   */
  override call(inputs: TracedTensor | TracedTensor[]): TracedTensor | TracedTensor[] {
    const given = Array.isArray(inputs) ? inputs : [inputs];
    if (given.length !== this.trace.inputs.length) {
      throw new ValueError(
        `Layer "${this.name}" (${this.className}) was saved taking ${this.trace.inputs.length} input(s), but it was called on ${given.length}.`,
        this.name,
      );
    }
    const results: Array<TracedTensor | TracedTensor[]> = [];
    const weights = ownWeightsOf(this);
    const value = (ref: TraceRef): unknown => {
      if ('input' in ref) return given[ref.input];
      if ('weight' in ref) return weights[ref.weight];
      if ('const' in ref) return ref.const;
      const result = results[ref.op]!;
      return ref.output === undefined ? result : (result as TracedTensor[])[ref.output];
    };
    for (const step of this.trace.ops) {
      const operands = step.inputs.map(value);
      if (step.op === LAYER_STEP) {
        const layer = this.innerLayers[step.attrs.layer as number]!;
        const kwargs = (step.attrs.kwargs ?? {}) as Record<string, unknown>;
        // One input is passed alone, several as a list, as the original call did.
        results.push(layer(operands.length === 1 ? (operands[0] as TracedTensor) : (operands as TracedTensor[]), kwargs));
      } else {
        results.push(applyOp(step.op, operands, step.attrs));
      }
    }
    const outputs = this.trace.outputs;
    return (Array.isArray(outputs) ? outputs.map(value) : value(outputs)) as TracedTensor | TracedTensor[];
  }

  /** The config as saved, with the current name and trainable flag. */
  override getConfig(): Record<string, unknown> {
    const config = clone(this.savedConfig);
    if ('name' in config) config.name = this.name;
    if ('trainable' in config) config.trainable = this.trainable;
    return config;
  }
}
