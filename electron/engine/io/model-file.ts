/**
 * Saving and opening model files by path. The format is told by the file's first bytes, not
 * its name (TensorFlow up to 2.11 wrote HDF5 files named `.keras`); a TensorFlow.js model is
 * a folder, opened by the folder or its model.json.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ValueError } from '../graph/errors.js';
import type { Functional } from '../graph/functional.js';
import { writeFileAtomic } from './atomic-write.js';
import { HDF5_SIGNATURE } from './hdf5.js';
import { readKerasArchive, readKerasConfig, readKerasWeightsFromArchive, writeKerasArchive, ZIP_SIGNATURE } from './keras-archive.js';
import { modernizeConfig } from './keras-config.js';
import { readKerasWeights, writeKerasWeights } from './keras-weights.js';
import type { LoadedModel, ReadOptions } from './loaded-model.js';
import type { SerializedLayer } from '../graph/serialize.js';
import { readLegacyConfig, readLegacyH5, writeLegacyH5 } from './legacy-h5.js';
import { readTfjs, readTfjsConfig, saveTfjs, TFJS_MODEL_JSON } from './tfjs.js';

const startsWith = (bytes: Uint8Array, signature: number[]) => signature.every((b, i) => bytes[i] === b);

/** A JSON object: `{` after any whitespace or byte-order mark. */
function looksLikeJSON(bytes: Uint8Array): boolean {
  const text = new TextDecoder().decode(bytes.subarray(0, 64)).replace(/^\uFEFF/, '').trimStart();
  return text.startsWith('{');
}

export interface SaveOptions {
  /** Fields added to a `.keras` file's metadata.json (only that format has a place for them). */
  metadata?: Record<string, unknown>;
}

/**
 * Writes the model (architecture, weights, compile options, optimizer state), atomically, in
 * the format its name asks for: `.keras`, or a legacy `.h5`; or, for a path ending in
 * `model.json`, a TensorFlow.js layers model: that model.json and its weight files in its
 * folder (created if missing), each file atomic, without the optimizer state.
 */
export function saveModel(model: Functional, path: string, options: SaveOptions = {}): void {
  if (options.metadata && !path.endsWith('.keras')) {
    throw new ValueError(`Cannot save metadata with model "${model.name}" to ${path}: only a .keras file has a metadata.json; expected a file name ending in .keras.`);
  }
  if (path.endsWith('.keras')) writeFileAtomic(path, writeKerasArchive(model, options.metadata));
  else if (path.endsWith('.h5') && !path.endsWith('.weights.h5')) writeFileAtomic(path, writeLegacyH5(model));
  else if (basename(path) === TFJS_MODEL_JSON) saveTfjs(model, dirname(path));
  else {
    throw new ValueError(
      `Cannot save model "${model.name}" to ${path}: expected a file name ending in .keras or .h5, or a path ending in ${TFJS_MODEL_JSON} (a TensorFlow.js layers model, written with its weight files into that folder).`,
    );
  }
}

/** The model file at `path`: the file itself, or a TensorFlow.js model folder's model.json. */
async function modelFileBytes(path: string): Promise<{ file: string; bytes: Uint8Array }> {
  const info = await stat(path);
  const file = info.isDirectory() ? join(path, TFJS_MODEL_JSON) : path;
  const bytes = await readFile(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' && file !== path) {
      throw new ValueError(`${path} is a folder without a ${TFJS_MODEL_JSON}; expected a model file (.keras or .h5) or a TensorFlow.js model folder.`);
    }
    throw e;
  });
  return { file, bytes: new Uint8Array(bytes) };
}

const isTfjs = (file: string, bytes: Uint8Array) => looksLikeJSON(bytes) || file.endsWith('.json');

function unknownFormat(path: string, bytes: Uint8Array): ValueError {
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  const kind = bytes.length === 0 ? 'an empty file' : `a file starting with bytes ${head}`;
  return new ValueError(`${path} is ${kind}; expected a model file: .keras (a zip archive), a legacy Keras .h5 (HDF5) or a TensorFlow.js ${TFJS_MODEL_JSON}.`);
}

export async function loadModelFile(path: string, options: ReadOptions = {}): Promise<LoadedModel> {
  const { file, bytes } = await modelFileBytes(path);
  if (startsWith(bytes, ZIP_SIGNATURE)) return readKerasArchive(bytes, file, options);
  if (startsWith(bytes, HDF5_SIGNATURE)) return readLegacyH5(bytes, file, options);
  if (isTfjs(file, bytes)) return readTfjs(bytes, file, options);
  throw unknownFormat(file, bytes);
}

/** A saved model's architecture in Keras 3's form, to rebuild where its custom layer classes are supplied. */
export async function readModelConfig(path: string): Promise<SerializedLayer> {
  const { file, bytes } = await modelFileBytes(path);
  if (startsWith(bytes, ZIP_SIGNATURE)) return modernizeConfig(readKerasConfig(bytes, file), `${file}: config.json`);
  if (startsWith(bytes, HDF5_SIGNATURE)) return modernizeConfig(readLegacyConfig(bytes, file), `${file}: model_config`);
  if (isTfjs(file, bytes)) return modernizeConfig(readTfjsConfig(bytes, file), `${file}: modelTopology`);
  throw unknownFormat(file, bytes);
}

/** Keras' save_weights(): the weights file of a `.keras` archive on its own (`.weights.h5`), with the optimizer's state. */
export function saveWeights(model: Functional, path: string): void {
  if (!path.endsWith('.weights.h5')) {
    throw new ValueError(`Cannot save the weights of model "${model.name}" to ${path}: expected a file name ending in .weights.h5.`);
  }
  writeFileAtomic(path, writeKerasWeights(model));
}

/** Keras' load_weights() from a `.weights.h5` file or the weights inside a `.keras` archive; returns warnings. */
export async function loadWeights(model: Functional, path: string): Promise<string[]> {
  const bytes = new Uint8Array(await readFile(path));
  if (startsWith(bytes, ZIP_SIGNATURE)) return readKerasWeightsFromArchive(model, bytes, path);
  return readKerasWeights(model, bytes, path);
}
