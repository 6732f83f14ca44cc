/**
 * A Keras model config as files carry it, made into a Strata model. Files saved by older
 * Keras versions spell a few things differently; they are rewritten to the Keras 3 form
 * first (Keras 2 list-form `inbound_nodes`, `batch_input_shape`, a Sequential config that is
 * a bare list, `Model` for Functional), and `compile_config` is read leniently: options that
 * change nothing here are dropped, and a compile config Strata cannot honour leaves the model
 * uncompiled with a warning rather than refusing the whole file.
 */
import { CompileConfig } from '../graph/compile-config.js';
import { deserializeLayer } from '../graph/deserialize.js';
import { StrataError, ValueError } from '../graph/errors.js';
import { Functional } from '../graph/functional.js';
import type { Layer } from '../graph/layer.js';
import type { SerializedLayer } from '../graph/serialize.js';
import { normalizeCompileConfig } from './keras-compile.js';
import { checkModelSize } from './limits.js';
import type { ReadOptions } from './loaded-model.js';
// Registers every built-in layer class, so configs can name them.
import '../layers/index.js';

type Json = Record<string, unknown>;
const RNN_CLASSES = new Set(['LSTM', 'GRU', 'SimpleRNN', 'RNN', 'Bidirectional', 'ConvLSTM1D', 'ConvLSTM2D', 'ConvLSTM3D', 'CuDNNLSTM', 'CuDNNGRU']);
const MODEL_CLASSES = new Set(['Functional', 'Model', 'Sequential']);
/** Options older Keras wrote that Keras 3 dropped, harmless at these values. */
const RETIRED_OPTIONS: Record<string, Record<string, unknown>> = {
  DepthwiseConv2D: { groups: 1 },
};
/** Flags TensorFlow.js writes as `null` when left unset, which it reads as false. */
const UNSET_FLAGS = ['unit_forget_bias', 'mask_zero'];

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const tensorRef = (entry: unknown[]) => ({
  class_name: '__keras_tensor__',
  config: { shape: null, dtype: null, keras_history: [entry[0], entry[1], entry[2]] },
});

/**
 * Keras 2 and tfjs count the calls of a nested Sequential from 1, like a nested Functional's
 * (its node 0 links its own inputs to its outputs); Keras 3, and Strata, count a Sequential's
 * calls from 0. Shifts, in place, the node index of every reference to a nested Sequential in
 * a Keras 2-form config and the models it holds.
 */
export function shiftSequentialNodes(model: Json, by: number): void {
  const config = model.config;
  const layers = (Array.isArray(config) ? config : isObject(config) && Array.isArray(config.layers) ? config.layers : []).filter(isObject);
  const sequential = new Set(layers.filter((l) => l.class_name === 'Sequential').map((l) => l.name ?? (isObject(l.config) ? l.config.name : undefined)));
  const shift = (ref: unknown) => {
    if (Array.isArray(ref) && sequential.has(ref[0]) && typeof ref[1] === 'number') ref[1] += by;
  };
  for (const layer of layers) {
    if (MODEL_CLASSES.has(String(layer.class_name))) shiftSequentialNodes(layer, by);
    if (Array.isArray(layer.inbound_nodes)) for (const node of layer.inbound_nodes) if (Array.isArray(node)) node.forEach(shift);
  }
  if (isObject(config) && Array.isArray(config.output_layers)) {
    if (typeof config.output_layers[0] === 'string') shift(config.output_layers);
    else config.output_layers.forEach(shift);
  }
}

/** Whether a model config is in the Keras 2 form (list-form inbound nodes), at any depth. */
function usesListNodes(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(usesListNodes);
  if (!isObject(value)) return false;
  if (Array.isArray(value.inbound_nodes) && value.inbound_nodes.some(Array.isArray)) return true;
  return usesListNodes(isObject(value.config) ? value.config.layers : Array.isArray(value.config) ? value.config : undefined);
}

/** Keras 2 `[[layer, node, tensor, kwargs], ...]` to Keras 3 `{args, kwargs}`. */
function modernNode(node: unknown, className: string): unknown {
  if (!Array.isArray(node)) return node;
  const refs = node.filter((e): e is unknown[] => Array.isArray(e) && typeof e[0] === 'string');
  const kwargs: Json = {};
  for (const r of refs) if (isObject(r[3])) Object.assign(kwargs, r[3]);
  // Keras 2 lists an RNN's initial states as extra inputs after the sequence.
  if (RNN_CLASSES.has(className) && refs.length > 1) {
    return { args: [tensorRef(refs[0]!)], kwargs: { ...kwargs, initial_state: refs.slice(1).map(tensorRef) } };
  }
  return { args: [refs.length === 1 ? tensorRef(refs[0]!) : refs.map(tensorRef)], kwargs };
}

function refuseUnsupported(entry: Json, where: string): void {
  const config = isObject(entry.config) ? entry.config : {};
  const name = String(config.name ?? '?');
  if (entry.class_name === 'Lambda') {
    const fn = config.function;
    const bytecode = Array.isArray(fn) || (isObject(fn) && (fn.class_name === '__lambda__' || 'code' in (isObject(fn.config) ? fn.config : {})));
    throw new ValueError(
      `${where}: layer "${name}" is a Lambda layer${bytecode ? ' whose function is stored as Python bytecode' : ''}; Strata cannot run Python code from a model file. Rewrite the lambda as a custom layer in a model file (see docs/custom-layers.md).`,
    );
  }
}

/** Rewrites one layer entry (and nested models) to the Keras 3 form. */
function modernLayer(entry: unknown, where: string): unknown {
  if (!isObject(entry)) return entry;
  refuseUnsupported(entry, where);
  const className = String(entry.class_name);
  let config = entry.config;
  if (MODEL_CLASSES.has(className)) {
    if (Array.isArray(config)) config = { layers: config };
    if (isObject(config) && Array.isArray(config.layers)) {
      config = { ...config, layers: config.layers.map((l, i) => modernLayer(l, `${where}.layers[${i}]`)) };
    }
  } else if (isObject(config)) {
    config = { ...config };
    const c = config as Json;
    if (className === 'InputLayer' && c.batch_input_shape && !c.batch_shape) {
      c.batch_shape = c.batch_input_shape;
      delete c.batch_input_shape;
    }
    for (const [key, value] of Object.entries(RETIRED_OPTIONS[className] ?? {})) if (c[key] === value) delete c[key];
    for (const key of UNSET_FLAGS) if (c[key] === null) c[key] = false;
    // Keras 3.13 writes `quantization_config: null` on every Dense and Embedding.
    if (c.quantization_config === null) delete c.quantization_config;
    else if (c.quantization_config !== undefined) {
      throw new ValueError(`${where}: layer "${String(c.name)}" is quantized (quantization_config ${JSON.stringify(c.quantization_config).slice(0, 80)}); Strata reads float32 models only.`);
    }
    for (const key of ['layer', 'backward_layer', 'cell']) if (isObject(c[key])) c[key] = modernLayer(c[key], `${where}.config.${key}`);
  }
  const out: Json = { ...entry, config };
  if (Array.isArray(entry.inbound_nodes)) out.inbound_nodes = entry.inbound_nodes.map((n) => modernNode(n, className));
  return out;
}

/**
 * A file's model config in Keras 3's form, without its compile options (what
 * `models.modelFromJson` takes); refuses what no graph can be built from, with the reason.
 */
export function modernizeConfig(raw: unknown, where: string): SerializedLayer {
  if (!isObject(raw) || typeof raw.class_name !== 'string') {
    throw new ValueError(`${where}: expected a model object with a "class_name"; received ${JSON.stringify(raw)?.slice(0, 200)}.`);
  }
  const config = raw.config;
  const hasGraph = Array.isArray(config) || (isObject(config) && Array.isArray(config.layers));
  if (!MODEL_CLASSES.has(raw.class_name) || !hasGraph) {
    const shown = JSON.stringify(config ?? null).slice(0, 80);
    throw new ValueError(
      `${where}: the model is a subclassed Keras model (class "${raw.registered_name ?? raw.class_name}") saved without a layer graph (its config is ${shown}); its layers exist only in the Python code that defined it. Save it from Keras as a Functional or Sequential model, or rebuild it in a Strata model file.`,
    );
  }
  let source: Json = raw;
  if (usesListNodes(raw)) {
    source = structuredClone(raw);
    shiftSequentialNodes(source, -1);
  }
  return { ...(modernLayer(source, where) as SerializedLayer), compile_config: undefined };
}

/** Every error names the file; a config damaged in a way no check foresaw fails as the file's fault, never as a crash. */
function buildModel(build: () => Layer, where: string): Layer {
  try {
    return build();
  } catch (e) {
    if (!(e instanceof StrataError)) throw new ValueError(`${where}: the config does not describe a model that can be built (${(e as Error).message}).`);
    if (!e.message.includes(where)) e.message = `${where}: ${e.message}`;
    throw e;
  }
}

/**
 * A model from a file's config (or from `architecture`, the same config rebuilt where its
 * custom layer classes were supplied), compiled with the file's compile options.
 */
export function modelFromKerasConfig(raw: unknown, where: string, options: ReadOptions = {}): { model: Functional; warnings: string[] } {
  const model = buildModel(() => {
    const modern = modernizeConfig(raw, where);
    return deserializeLayer(options.architecture ?? modern, where);
  }, where);
  if (!(model instanceof Functional)) throw new ValueError(`${where}: expected a model at the top of the config; found a ${model.className} layer.`);
  checkModelSize(model, where);
  const warnings: string[] = [];
  const compile = (raw as Json).compile_config;
  if (isObject(compile)) {
    try {
      model.compile(CompileConfig.argsFromJSON(normalizeCompileConfig(compile)));
    } catch (e) {
      warnings.push(`${where}: the model's compile options were not restored (${(e as Error).message}); it loads uncompiled: compile it again to train it.`);
    }
  }
  return { model, warnings };
}
