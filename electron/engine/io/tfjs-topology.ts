/**
 * A Strata model's config in the form TensorFlow.js layers (4.x) reads: Keras 2's (list-form
 * `inbound_nodes`, `batch_input_shape`, dtype names, `Model` for Functional, no
 * module/registered_name/build_config), with
 * tfjs' spellings where they differ from Keras 3's. What tfjs would refuse, or run otherwise
 * than Strata does, is refused here with every such layer listed: custom layers, classes
 * tfjs lacks, and options it ignores or computes differently.
 */
import { modelToConfig } from '../graph/deserialize.js';
import { ValueError } from '../graph/errors.js';
import { shiftSequentialNodes } from './keras-config.js';
import type { Functional } from '../graph/functional.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Strata's layer classes that tfjs-layers 4.x registers. */
const TFJS_CLASSES = new Set([
  'InputLayer', 'Dense', 'Dropout', 'Flatten', 'Activation', 'Reshape', 'Permute', 'RepeatVector', 'Embedding',
  'Conv1D', 'Conv2D', 'Conv3D', 'Conv2DTranspose', 'Conv3DTranspose', 'SeparableConv2D', 'DepthwiseConv2D',
  'MaxPooling1D', 'MaxPooling2D', 'MaxPooling3D', 'AveragePooling1D', 'AveragePooling2D', 'AveragePooling3D',
  'GlobalMaxPooling1D', 'GlobalMaxPooling2D', 'GlobalAveragePooling1D', 'GlobalAveragePooling2D',
  'UpSampling2D', 'ZeroPadding2D', 'Cropping2D', 'Add', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate', 'Dot',
  'BatchNormalization', 'LayerNormalization', 'ReLU', 'LeakyReLU', 'PReLU', 'ELU', 'Softmax',
  'SimpleRNN', 'LSTM', 'GRU', 'Bidirectional', 'TimeDistributed', 'Functional', 'Sequential',
]);

/** Activations tfjs names otherwise (a string) or lacks or computes otherwise (the reason). */
const ACTIVATIONS: Record<string, { tfjs: string } | { refused: string }> = {
  silu: { tfjs: 'swish' },
  hard_sigmoid: { refused: 'tfjs computes hard_sigmoid as clip(0.2x + 0.5) where Keras 3 and Strata use clip(x/6 + 0.5)' },
  exponential: { refused: 'tfjs has no exponential activation' },
  leaky_relu: { refused: 'tfjs has no leaky_relu activation (use a LeakyReLU layer)' },
};

/** tfjs knows one regularizer class, L1L2; Keras 3's others are it with one factor zero. */
function l1l2(l1: unknown, l2: unknown): Json {
  return { class_name: 'L1L2', config: { l1: l1 ?? 0, l2: l2 ?? 0 } };
}

const REGULARIZER_NAMES: Record<string, Json> = { l1: l1l2(0.01, 0), l2: l1l2(0, 0.01), l1_l2: l1l2(0.01, 0.01), l1l2: l1l2(0.01, 0.01) };

function regularizer(value: unknown, problem: (reason: string) => void): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' && REGULARIZER_NAMES[value]) return REGULARIZER_NAMES[value];
  if (isObject(value) && isObject(value.config)) {
    const c = value.config;
    if (value.class_name === 'L1') return l1l2(c.l1, 0);
    if (value.class_name === 'L2') return l1l2(0, c.l2);
    if (value.class_name === 'L1L2') return l1l2(c.l1, c.l2);
  }
  problem(`has the regularizer ${JSON.stringify(value)}, which tfjs does not have (it has L1, L2 and L1L2)`);
  return null;
}

/** Keras 3 wrapping dropped: DTypePolicy objects become dtype names, objects lose module/registered_name. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (!isObject(value)) return value;
  if (value.class_name === 'DTypePolicy' && isObject(value.config)) return value.config.name;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => k !== 'module' && k !== 'registered_name' && k !== 'build_config')
      .map(([k, v]) => [k, plain(v)]),
  );
}

/** Config edits per class: tfjs' option names, and what it cannot do. */
const ADJUST: Record<string, (c: Json, problem: (reason: string) => void) => void> = {
  InputLayer(c) {
    c.batch_input_shape = c.batch_shape;
    delete c.batch_shape;
    delete c.optional;
  },
  LeakyReLU(c) {
    c.alpha = c.negative_slope;
    delete c.negative_slope;
  },
  ReLU(c, problem) {
    if (c.negative_slope || c.threshold) problem(`has negative_slope=${String(c.negative_slope)}, threshold=${String(c.threshold)}; tfjs' ReLU takes only max_value`);
    delete c.negative_slope;
    delete c.threshold;
  },
  GRU(c, problem) {
    if (c.reset_after) problem('has resetAfter: true (the Keras 3 default), which tfjs GRUs do not support; build it with `resetAfter: false` to save the model for tfjs');
  },
  LayerNormalization(c, problem) {
    if (c.rms_scaling) problem('uses rms_scaling, which tfjs does not have');
    delete c.rms_scaling;
  },
  Bidirectional: bidirectional,
};

function withoutPrefix(name: unknown, prefix: string): unknown {
  return typeof name === 'string' && name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

/** tfjs builds the backward layer itself, as a copy of `layer` running the other way. */
function bidirectional(c: Json, problem: (reason: string) => void): void {
  const forward = c.layer as Json;
  const backward = c.backward_layer as Json | undefined;
  const comparable = (entry: Json) => {
    const { name: _name, go_backwards: _direction, ...rest } = entry.config as Json;
    return JSON.stringify({ class_name: entry.class_name, ...rest });
  };
  if (backward && comparable(backward) !== comparable(forward)) {
    problem('has a backward_layer configured unlike its forward layer; tfjs always runs a copy of the forward layer backwards');
  }
  delete c.backward_layer;
  // tfjs names the copies forward_<name> and backward_<name> itself.
  (forward.config as Json).name = withoutPrefix((forward.config as Json).name, 'forward_');
}

type Problems = string[];

function tensorHistory(value: unknown): unknown[] | null {
  if (isObject(value) && value.class_name === '__keras_tensor__' && isObject(value.config)) return value.config.keras_history as unknown[];
  return null;
}

function containsTensor(value: unknown): boolean {
  if (tensorHistory(value)) return true;
  if (Array.isArray(value)) return value.some(containsTensor);
  return isObject(value) && Object.values(value).some(containsTensor);
}

/** Keras 3 `{args, kwargs}` to Keras 2 `[[layer, node, tensor, kwargs], ...]`; initial states follow the sequence. */
function legacyNode(node: unknown, problem: (reason: string) => void): unknown[] {
  const { args = [], kwargs = {} } = node as { args?: unknown[]; kwargs?: Json };
  const { initial_state: states, ...rest } = kwargs;
  const inputs = [args[0]].flat();
  const tensors = [...inputs, ...(states === undefined || states === null ? [] : [states].flat())];
  if (args.length > 1 || containsTensor(rest) || tensors.some((t) => !tensorHistory(t))) {
    problem('is called with inputs tfjs configs cannot express (only a tensor or a list of tensors, and initial states)');
    return [];
  }
  return tensors.map((t) => [...tensorHistory(t)!, rest]);
}

function refs(value: unknown): unknown[] {
  if (Array.isArray(value) && typeof value[0] === 'string') return [value];
  return Array.isArray(value) ? value : Object.values(value as Json);
}

function legacyModel(entry: Json, problems: Problems): Json {
  const config = entry.config as Json;
  const layers = (config.layers as Json[]).map((l) => legacyLayer(l, problems));
  // tfjs writes a Sequential's input shape on its first layer, but it also reads the InputLayer
  // Keras 2 writes first, which keeps an int input's dtype.
  if (entry.class_name === 'Sequential') return { class_name: 'Sequential', config: { name: config.name, layers } };
  return {
    class_name: 'Model',
    config: { name: config.name, layers, input_layers: refs(config.input_layers), output_layers: refs(config.output_layers) },
  };
}

function legacyLayer(entry: Json, problems: Problems): Json {
  const name = String(entry.name ?? (entry.config as Json).name);
  const className = String(entry.class_name);
  const problem = (reason: string) => problems.push(`layer "${name}" (${className}) ${reason}`);
  let out: Json;
  if (typeof entry.registered_name === 'string' && entry.registered_name.includes('>')) {
    problem(`is a custom layer (${entry.registered_name}); tfjs cannot run its call()`);
    out = { class_name: className, config: {} };
  } else if (!TFJS_CLASSES.has(className)) {
    problem('has no TensorFlow.js counterpart');
    out = { class_name: className, config: {} };
  } else if (className === 'Functional' || className === 'Sequential') {
    out = legacyModel(entry, problems);
  } else {
    out = { class_name: className, config: legacyConfig(className, entry.config as Json, problem, problems) };
  }
  if ('name' in entry) out.name = entry.name;
  if (Array.isArray(entry.inbound_nodes)) out.inbound_nodes = entry.inbound_nodes.map((n) => legacyNode(n, problem));
  return out;
}

function legacyConfig(className: string, raw: Json, problem: (reason: string) => void, problems: Problems): Json {
  const c: Json = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'layer' || key === 'backward_layer') c[key] = legacyLayer(value as Json, problems);
    else if (key.endsWith('_regularizer')) c[key] = regularizer(value, problem);
    else c[key] = plain(value);
  }
  for (const key of ['activation', 'recurrent_activation']) {
    const rule = typeof c[key] === 'string' ? ACTIVATIONS[c[key] as string] : undefined;
    if (rule && 'tfjs' in rule) c[key] = rule.tfjs;
    else if (rule) problem(`uses the ${String(c[key])} activation: ${rule.refused}`);
  }
  if (c.groups !== undefined && c.groups !== 1) problem(`has groups=${String(c.groups)}; tfjs convolutions have no groups`);
  delete c.groups;
  ADJUST[className]?.(c, problem);
  return c;
}

/** The model's topology for `model.json`, or an error listing every layer tfjs cannot take as it is. */
export function tfjsModelConfig(model: Functional): Json {
  const problems: Problems = [];
  const config = legacyModel(modelToConfig(model) as unknown as Json, problems);
  if (problems.length > 0) {
    throw new ValueError(`Cannot save model "${model.name}" as a TensorFlow.js layers model: ${problems.join('; ')}.`);
  }
  shiftSequentialNodes(config, 1);
  return config;
}
