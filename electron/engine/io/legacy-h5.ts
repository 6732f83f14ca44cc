/**
 * Legacy Keras `.h5` model files (Keras 2, and Keras 3's `save(..., 'x.h5')`), read and (in
 * the Keras 3 form) written: one HDF5 file
 * whose root attributes hold `model_config` and `training_config` as JSON, with the weights
 * under `model_weights/<layer name>/` listed by each group's `weight_names` attribute (in the
 * layer's legacy order: trainable weights, then the others) and the optimizer's under
 * `optimizer_weights/`.
 */
import { ValueError } from '../graph/errors.js';
import type { Functional } from '../graph/functional.js';
import { uniqueWeights, type Layer, type Weight } from '../graph/layer.js';
import { modelToConfig } from '../graph/deserialize.js';
import { initializeWeights, setWeightValue, weightValue } from '../training/weights.js';
import { floatValues, isDataset, isGroup, readHdf5, stringAttribute, stringListAttribute, writeHdf5, type H5Dataset, type H5File, type H5Group } from './hdf5.js';
import { modelFromKerasConfig } from './keras-config.js';
import { KERAS_FORMAT_VERSION } from './keras-archive.js';
import { optimizerVariableValues, readOptimizerState } from './keras-weights.js';
import type { LoadedModel, ReadOptions } from './loaded-model.js';

function parse(text: string, where: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new ValueError(`${where} is not valid JSON (${(e as Error).message}).`);
  }
}

/** Keras' legacy weight order for a layer (nested models included): trainable weights, then the rest. */
export function legacyOrder(layer: Layer): Weight[] {
  const all = uniqueWeights(layer.weights);
  return [...all.filter((w) => w.trainable), ...all.filter((w) => !w.trainable)];
}

function datasetAt(group: H5Group, path: string, where: string): H5Dataset {
  const entry = group.get(path);
  if (!isDataset(entry)) throw new ValueError(`${where}: the weight "${path}" listed in weight_names is missing from the file.`);
  return entry;
}

/** Loads the weights by layer order, as Keras does: the k-th layer with weights takes the k-th group that has some. */
function readWeights(model: Functional, weights: H5Group, where: string): void {
  const fileLayers = (stringListAttribute(weights, 'layer_names') ?? [])
    .map((name) => ({ name, group: weights.get(name) }))
    .filter((l): l is { name: string; group: H5Group } => isGroup(l.group))
    .map((l) => ({ ...l, names: stringListAttribute(l.group, 'weight_names') ?? [] }))
    .filter((l) => l.names.length > 0);
  const modelLayers = model.layers.filter((l) => l.weights.length > 0);
  if (fileLayers.length !== modelLayers.length) {
    throw new ValueError(
      `${where}: the model config has ${modelLayers.length} layers with weights (${modelLayers.map((l) => l.name).join(', ')}), but the file holds weights for ${fileLayers.length} (${fileLayers.map((l) => l.name).join(', ')}).`,
    );
  }
  modelLayers.forEach((layer, k) => {
    const file = fileLayers[k]!;
    const order = legacyOrder(layer);
    if (order.length !== file.names.length) {
      throw new ValueError(
        `${where}: layer "${layer.name}" (${layer.className}) has ${order.length} weights, but the file's group "${file.name}" lists ${file.names.length} (${file.names.join(', ')}).`,
      );
    }
    order.forEach((w, i) => {
      const dataset = datasetAt(file.group, file.names[i]!, `${where}: model_weights/${file.name}`);
      const shape = dataset.shape ?? [];
      if (shape.length !== w.shape.length || shape.some((d, j) => d !== w.shape[j])) {
        throw new ValueError(
          `${where}: layer "${layer.name}" expects ${w.name} of shape ${JSON.stringify(w.shape)}; the file's "${file.name}/${file.names[i]}" has shape ${JSON.stringify(shape)}.`,
        );
      }
      setWeightValue(w, floatValues(dataset, `${where}: ${file.name}/${file.names[i]}`));
    });
  });
}

/** The file's `model_config`, parsed (refusing weights-only files with the reason). */
function modelConfig(file: H5File, where: string): Record<string, unknown> {
  const configText = stringAttribute(file, 'model_config');
  if (configText === null) {
      const layers = stringListAttribute(file, 'layer_names');
      if (layers) {
        throw new ValueError(
          `${where} holds only weights (saved with save_weights: layers ${layers.slice(0, 6).join(', ')}${layers.length > 6 ? ', …' : ''}) and no model config, so there is no model to build from it. Open the model it belongs to and load these weights into it instead.`,
        );
      }
    throw new ValueError(`${where} is an HDF5 file but not a Keras model: it has no model_config attribute.`);
  }
  return parse(configText, `${where}: model_config`);
}

export function readLegacyConfig(bytes: Uint8Array, where: string): Record<string, unknown> {
  return readHdf5(bytes, where, (file) => modelConfig(file, where));
}

export function readLegacyH5(bytes: Uint8Array, where: string, options: ReadOptions = {}): LoadedModel {
  return readHdf5(bytes, where, (file) => {
    const config = modelConfig(file, where);
    const training = stringAttribute(file, 'training_config');
    if (training !== null) config.compile_config = parse(training, `${where}: training_config`);
    const { model, warnings } = modelFromKerasConfig(config, `${where}: model_config`, options);
    const weights = file.get('model_weights');
    readWeights(model, isGroup(weights) ? weights : file, where);
    const optimizer = file.get('optimizer_weights');
    const version = stringAttribute(file, 'keras_version') ?? '';
    if (model.compileConfig && isGroup(optimizer)) {
      // Keras 3 lists its optimizer variables in its own order; Keras 2 used another layout.
      if (version.startsWith('3.')) {
        const names = stringListAttribute(optimizer, 'weight_names') ?? [];
        readOptimizerState(model, names.map((n) => datasetAt(optimizer, n, `${where}: optimizer_weights`)), where, warnings);
      } else {
        warnings.push(`${where}: the optimizer state saved by Keras ${version || '2'} is not restored; training starts with a fresh optimizer.`);
      }
    }
    return { model, warnings, format: 'h5' as const };
  });
}

/** Unique dataset names for a layer's weights: `<owning layer>/<weight>`, numbered where two would clash. */
function weightNames(weights: Weight[]): string[] {
  const seen = new Set<string>();
  return weights.map((w, i) => {
    const name = `${w.layer.name}/${w.name}`;
    const unique = seen.has(name) ? `${w.layer.name}/${i}_${w.name}` : name;
    seen.add(unique);
    return unique;
  });
}

/** Writes the model as Keras 3 writes a legacy `.h5` file (its config schema, its optimizer order). */
export function writeLegacyH5(model: Functional): Uint8Array {
  initializeWeights(model, 1);
  const { class_name, config, compile_config } = modelToConfig(model);
  return writeHdf5((file) => {
    file.create_attribute('backend', 'tensorflow');
    file.create_attribute('keras_version', KERAS_FORMAT_VERSION);
    file.create_attribute('model_config', JSON.stringify({ class_name, config }));
    if (compile_config) {
      const { optimizer, ...rest } = compile_config as Record<string, unknown>;
      file.create_attribute('training_config', JSON.stringify({ ...rest, optimizer_config: optimizer }));
    }
    const weights = file.create_group('model_weights');
    weights.create_attribute('backend', 'tensorflow');
    weights.create_attribute('keras_version', KERAS_FORMAT_VERSION);
    weights.create_attribute('layer_names', model.layers.map((l) => l.name));
    for (const layer of model.layers) {
      const group = weights.create_group(layer.name);
      const order = legacyOrder(layer);
      const names = weightNames(order);
      group.create_attribute('weight_names', names);
      order.forEach((w, i) => writeDataset(group, names[i]!, weightValue(w)!, w.shape));
    }
    if (model.compileConfig) {
      const optimizer = file.create_group('optimizer_weights');
      const values = optimizerVariableValues(model);
      const names = values.map((v) => `optimizer/${v.name}`);
      optimizer.create_attribute('weight_names', names);
      values.forEach((v, i) => writeDataset(optimizer, names[i]!, v.data, v.shape));
    }
  });
}

/** A dataset at a slash-separated path below `group`, creating the groups on the way. */
function writeDataset(group: H5Group, path: string, data: Float32Array | BigInt64Array, shape: number[]): void {
  const parts = path.split('/');
  const leaf = parts.pop()!;
  let at = group;
  for (const part of parts) {
    const next = at.get(part);
    at = isGroup(next) ? next : at.create_group(part);
  }
  at.create_dataset({ name: leaf, data, shape, dtype: data instanceof BigInt64Array ? '<q' : '<f' });
}
