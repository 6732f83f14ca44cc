/**
 * The `.keras` file (Keras 3): a zip of `metadata.json`, `config.json` (the model's
 * serialised config with its `compile_config`) and `model.weights.h5`. Strata's own format,
 * so that Keras opens what Strata saves and the reverse.
 */
import { strFromU8, strToU8, zipSync, type Zippable } from 'fflate';
import { ValueError } from '../graph/errors.js';
import { Functional } from '../graph/functional.js';
import { modelToConfig } from '../graph/deserialize.js';
import type { SerializedLayer } from '../graph/serialize.js';
import { readKerasWeights, writeKerasWeights } from './keras-weights.js';
import { modelFromKerasConfig } from './keras-config.js';
import type { LoadedModel, ReadOptions } from './loaded-model.js';
import { openZip } from './zip-reader.js';

export const ZIP_SIGNATURE = [0x50, 0x4b, 0x03, 0x04];

/** The Keras 3 release whose file layout and config schema Strata writes. */
export const KERAS_FORMAT_VERSION = '3.10.0';
export const STRATA_VERSION = '0.1.0';

function timestamp(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}@${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}

/**
 * The archive's bytes. `extraMetadata` adds fields to `metadata.json` (Keras ignores fields it
 * does not know; Strata's checkpoints keep their epoch and random state there); the standard
 * fields always win.
 */
export function writeKerasArchive(model: Functional, extraMetadata: Record<string, unknown> = {}): Uint8Array {
  const metadata = { ...extraMetadata, keras_version: KERAS_FORMAT_VERSION, date_saved: timestamp(new Date()), strata_version: STRATA_VERSION };
  const files: Zippable = {
    'metadata.json': strToU8(JSON.stringify(metadata)),
    'config.json': strToU8(JSON.stringify(modelToConfig(model))),
    'model.weights.h5': writeKerasWeights(model),
  };
  // Stored, not deflated: Keras writes its archives so, and the weights barely compress.
  return zipSync(files, { level: 0 });
}

function parseJSON(bytes: Uint8Array, where: string): unknown {
  try {
    return JSON.parse(strFromU8(bytes));
  } catch (e) {
    throw new ValueError(`${where} is not valid JSON (${(e as Error).message}).`);
  }
}

function requireEntries(bytes: Uint8Array, where: string, names: string[]): Record<string, Uint8Array> {
  const zip = openZip(bytes, where);
  const files: Record<string, Uint8Array> = {};
  for (const name of names) {
    const data = zip.read(name);
    if (!data) {
      const found = zip.names.length > 10 ? [...zip.names.slice(0, 10), `and ${zip.names.length - 10} more`] : zip.names;
      throw new ValueError(`${where} is a zip but not a .keras model: it has no ${name} (it holds ${found.length ? found.join(', ') : 'nothing'}).`);
    }
    files[name] = data;
  }
  return files;
}

export function readKerasWeightsFromArchive(model: Functional, bytes: Uint8Array, where: string): string[] {
  return readKerasWeights(model, requireEntries(bytes, where, ['model.weights.h5'])['model.weights.h5']!, where);
}

/** The archive's `metadata.json`, parsed; reading it alone does not build the model. */
export function readKerasMetadata(bytes: Uint8Array, where: string): Record<string, unknown> {
  const metadata = parseJSON(requireEntries(bytes, where, ['metadata.json'])['metadata.json']!, `${where}: metadata.json`);
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new ValueError(`${where}: metadata.json holds ${Array.isArray(metadata) ? 'a list' : JSON.stringify(metadata)}; expected an object.`);
  }
  return metadata as Record<string, unknown>;
}

/** The archive's `config.json`, parsed. */
export function readKerasConfig(bytes: Uint8Array, where: string): unknown {
  return parseJSON(requireEntries(bytes, where, ['config.json'])['config.json']!, `${where}: config.json`);
}

export function readKerasArchive(bytes: Uint8Array, where: string, options: ReadOptions = {}): LoadedModel {
  const files = requireEntries(bytes, where, ['config.json', 'model.weights.h5']);
  const config = parseJSON(files['config.json']!, `${where}: config.json`) as SerializedLayer;
  const { model, warnings } = modelFromKerasConfig(config, `${where}: config.json`, options);
  warnings.push(...(readKerasWeights(model, files['model.weights.h5']!, where)));
  return { model, warnings, format: 'keras' };
}
