/**
 * TensorFlow.js layers models: a folder holding `model.json` (`format: 'layers-model'`, the
 * Keras topology and the `weightsManifest`) and the weight files the manifest lists. tfjs
 * saves the topology as `{class_name, config, keras_version, backend}` and its own
 * `trainingConfig` beside it; the tensorflowjs converter wraps it as `{model_config,
 * training_config}`. Strata writes the converter's form, its `training_config` being the
 * Keras compile config: tfjs ignores it (tfjs would compile with its own losses, which lack
 * options such as from_logits), and Strata reads it back whole.
 */
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ValueError } from '../graph/errors.js';
import type { Functional } from '../graph/functional.js';
import { toSnakeCase } from '../graph/naming.js';
import { initializeWeights } from '../training/weights.js';
import { writeFileAtomic } from './atomic-write.js';
import { STRATA_VERSION } from './keras-archive.js';
import { modelFromKerasConfig } from './keras-config.js';
import type { LoadedModel, ReadOptions } from './loaded-model.js';
import { tfjsModelConfig } from './tfjs-topology.js';
import { assignTfjsWeights, decodeWeights, encodeWeights, tfjsWeightNames, type WeightSpec } from './tfjs-weights.js';

type Json = Record<string, unknown>;

export const TFJS_MODEL_JSON = 'model.json';
/** The shard size tfjs' converter uses. */
const SHARD_BYTES = 4 * 1024 * 1024;
/** The tfjs-layers release whose config schema the topology follows (tests load it with this release). */
const TFJS_LAYERS_VERSION = 'tfjs-layers 4.22.0';

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Writes `dir/model.json` and its weight shards (`group1-shard<i>of<n>.bin`), each file atomically; the JSON last. */
export function saveTfjs(model: Functional, dir: string): void {
  const modelConfig = tfjsModelConfig(model);
  const names = [...tfjsWeightNames(model).values()];
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length > 0) {
    throw new ValueError(
      `Cannot save model "${model.name}" as a TensorFlow.js layers model: tfjs finds weights by name, and ${[...new Set(repeated)].join(', ')} would name more than one weight (layers of nested models share names). Rename those layers.`,
    );
  }
  initializeWeights(model, 1);
  const { specs, data } = encodeWeights(model);
  const count = Math.max(1, Math.ceil(data.length / SHARD_BYTES));
  const paths = Array.from({ length: count }, (_, i) => `group1-shard${i + 1}of${count}.bin`);
  mkdirSync(dir, { recursive: true });
  paths.forEach((path, i) => writeFileAtomic(join(dir, path), data.subarray(i * SHARD_BYTES, (i + 1) * SHARD_BYTES)));
  const topology: Json = { keras_version: TFJS_LAYERS_VERSION, backend: 'tensor_flow.js', model_config: modelConfig };
  if (model.compileConfig) topology.training_config = model.compileConfig.toJSON();
  const json = {
    format: 'layers-model',
    generatedBy: `Strata ${STRATA_VERSION}`,
    convertedBy: null,
    modelTopology: topology,
    weightsManifest: [{ paths, weights: specs }],
  };
  writeFileAtomic(join(dir, TFJS_MODEL_JSON), JSON.stringify(json));
}

/** tfjs' optimizer classes as Keras', with the options whose Keras names are not their snake_case. */
const TFJS_OPTIMIZERS: Record<string, { className: string; options: Record<string, string> }> = {
  Adam: { className: 'Adam', options: { beta1: 'beta_1', beta2: 'beta_2' } },
  Adamax: { className: 'Adamax', options: { beta1: 'beta_1', beta2: 'beta_2' } },
  SGD: { className: 'SGD', options: {} },
  Momentum: { className: 'SGD', options: { useNesterov: 'nesterov' } },
  RMSProp: { className: 'RMSprop', options: { decay: 'rho' } },
  Adagrad: { className: 'Adagrad', options: {} },
  Adadelta: { className: 'Adadelta', options: {} },
};

/** tfjs' own `trainingConfig` (its optimizer's camelCase config) as a Keras training config. */
function kerasTrainingConfig(tfjs: Json): Json {
  const spec = isObject(tfjs.optimizer_config) ? tfjs.optimizer_config : {};
  const known = TFJS_OPTIMIZERS[String(spec.class_name)];
  const config = Object.fromEntries(
    Object.entries(isObject(spec.config) ? spec.config : {}).map(([k, v]) => [known?.options[k] ?? toSnakeCase(k), v]),
  );
  return { ...tfjs, optimizer_config: { class_name: known?.className ?? spec.class_name, config } };
}

function parse(bytes: Uint8Array, path: string): Json {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new ValueError(`${path} is not valid JSON (${(e as Error).message}); expected a TensorFlow.js model.json.`);
  }
  if (!isObject(json)) throw new ValueError(`${path} holds ${JSON.stringify(json)?.slice(0, 80)}; expected a TensorFlow.js model.json object.`);
  if (json.format === 'graph-model') {
    throw new ValueError(
      `${path} is a TensorFlow.js graph model (a converted TensorFlow graph, not Keras layers); Strata opens TensorFlow.js layers models only.`,
    );
  }
  if ((json.format !== undefined && json.format !== 'layers-model') || !isObject(json.modelTopology)) {
    throw new ValueError(
      `${path} is not a TensorFlow.js layers model: expected format "layers-model" and a modelTopology object; it has format ${JSON.stringify(json.format ?? null)} and ${isObject(json.modelTopology) ? 'a' : 'no'} modelTopology (keys: ${Object.keys(json).join(', ') || 'none'}).`,
    );
  }
  return json;
}

function manifestGroups(json: Json, path: string): Array<{ paths: string[]; weights: WeightSpec[] }> {
  const manifest = json.weightsManifest;
  const valid =
    Array.isArray(manifest) &&
    manifest.every(
      (g) =>
        isObject(g) &&
        Array.isArray(g.paths) &&
        g.paths.every((p) => typeof p === 'string') &&
        Array.isArray(g.weights) &&
        g.weights.every((w) => isObject(w) && typeof w.name === 'string' && Array.isArray(w.shape) && typeof w.dtype === 'string'),
    );
  if (!valid) {
    throw new ValueError(
      `${path}: weightsManifest should be a list of {paths: [file, …], weights: [{name, shape, dtype}, …]}; received ${JSON.stringify(manifest)?.slice(0, 160)}.`,
    );
  }
  return manifest as Array<{ paths: string[]; weights: WeightSpec[] }>;
}

/** A group's weight files, concatenated in order. */
async function groupBytes(paths: string[], path: string): Promise<Uint8Array> {
  const parts = await Promise.all(
    paths.map(async (file) => {
      const full = join(dirname(path), file);
      try {
        return new Uint8Array(await readFile(full));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new ValueError(`${path}: the weight file "${file}" listed in weightsManifest ${code === 'ENOENT' ? 'is missing' : `cannot be read (${code ?? (e as Error).message})`} (looked for ${full}).`);
      }
    }),
  );
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Layers whose activation is tfjs' (Keras 2's) hard_sigmoid, clip(0.2x + 0.5). */
function hardSigmoidLayers(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => hardSigmoidLayers(v, found));
  else if (isObject(value)) {
    const c = value.config;
    if (isObject(c) && (c.activation === 'hard_sigmoid' || c.recurrent_activation === 'hard_sigmoid')) found.push(String(c.name));
    Object.values(value).forEach((v) => hardSigmoidLayers(v, found));
  }
  return found;
}

/** The model config in a `model.json`: its topology, or the converter's `model_config` inside it. */
function modelConfigOf(json: Json): Json {
  const topology = json.modelTopology as Json;
  return isObject(topology.model_config) ? topology.model_config : topology;
}

export function readTfjsConfig(bytes: Uint8Array, path: string): Json {
  return modelConfigOf(parse(bytes, path));
}

/** Reads a layers model from its `model.json` (given as bytes) and the weight files beside it. */
export async function readTfjs(bytes: Uint8Array, path: string, options: ReadOptions = {}): Promise<LoadedModel> {
  const json = parse(bytes, path);
  const topology = json.modelTopology as Json;
  const modelConfig = modelConfigOf(json);
  const training = isObject(topology.training_config)
    ? topology.training_config
    : isObject(json.trainingConfig)
      ? kerasTrainingConfig(json.trainingConfig)
      : undefined;
  const { model, warnings } = modelFromKerasConfig({ ...modelConfig, compile_config: training }, `${path}: modelTopology`, options);
  const approximated = hardSigmoidLayers(modelConfig);
  if (approximated.length > 0) {
    warnings.push(
      `${path}: layers ${approximated.join(', ')} use hard_sigmoid, which tfjs computes as clip(0.2x + 0.5) and Strata, as Keras 3, as clip(x/6 + 0.5); their outputs will differ from tfjs'.`,
    );
  }
  if (json.weightsManifest === undefined) {
    warnings.push(`${path} holds no weightsManifest (a topology saved without weights); the model starts from fresh initial weights.`);
    return { model, warnings, format: 'tfjs' };
  }
  const decoded = [];
  for (const group of manifestGroups(json, path)) decoded.push(...decodeWeights(await groupBytes(group.paths, path), group.weights, path));
  const optimizer = decoded.filter((d) => d.spec.group === 'optimizer');
  if (optimizer.length > 0) warnings.push(`${path}: the optimizer state saved by tfjs is not restored; training starts with a fresh optimizer.`);
  assignTfjsWeights(model, decoded.filter((d) => d.spec.group !== 'optimizer'), path);
  return { model, warnings, format: 'tfjs' };
}
