/** Building damaged and hostile model files for the hostile*.test.ts files. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { expect } from 'vitest';
import { Input, Model, layers, losses } from '../../../electron/engine/frontends/dsl.js';
import { StrataError } from '../../../electron/engine/graph/errors.js';
import type { Functional } from '../../../electron/engine/graph/functional.js';
import { resetNames } from '../../../electron/engine/graph/index.js';
import { loadModelFile, saveModel } from '../../../electron/engine/io/model-file.js';
import { Trainer } from '../../../electron/engine/training/trainer.js';

export const folder = mkdtempSync(join(tmpdir(), 'strata-hostile-'));

/** features(4) → Dense(units, relu) → Dense(2) (× `outputs`), compiled with Adam, named the same every time. */
export function tinyModel(options: { units?: number; useBias?: boolean; outputs?: number } = {}): Functional {
  resetNames();
  const inputs = Input({ shape: [4] });
  let h = layers.Dense(options.units ?? 3, { activation: 'relu', useBias: options.useBias ?? true })(inputs);
  for (let i = 0; i < (options.outputs ?? 1); i++) h = layers.Dense(2)(h);
  const model = Model({ inputs, outputs: h, name: 'tiny' });
  model.compile({ optimizer: 'adam', loss: losses.MeanSquaredError() });
  return model;
}

/** Saves `model` as `name` (.keras or .h5) in the test folder; returns the path. */
export function saved(model: Functional, name: string): string {
  const path = join(folder, name);
  saveModel(model, path);
  return path;
}

export function written(name: string, bytes: Uint8Array | string): string {
  const path = join(folder, name);
  writeFileSync(path, bytes);
  return path;
}

export function members(bytes: Uint8Array): Record<string, Uint8Array> {
  return unzipSync(bytes);
}

/** A zip of `files` (stored, as Keras writes, unless a deflate level is given). */
export function zip(files: Record<string, Uint8Array | string>, level: 0 | 6 = 0): Uint8Array {
  const zippable: Zippable = {};
  for (const [name, data] of Object.entries(files)) zippable[name] = typeof data === 'string' ? strToU8(data) : data;
  return zipSync(zippable, { level });
}

/** The central directory entry of member `name` (its offset in `bytes`). */
export function directoryEntry(bytes: Uint8Array, name: string): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + 46 <= bytes.length; at++) {
    if (view.getUint32(at, true) !== 0x02014b50) continue;
    const length = view.getUint16(at + 28, true);
    if (new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + length)) === name) return at;
  }
  throw new Error(`no directory entry for ${name}`);
}

/** Offsets of the object headers in the file's first global heap collection (HDF5 keeps variable-length strings there). */
export function globalHeapObjects(bytes: Uint8Array): Array<{ at: number; index: number; size: number }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = Buffer.from(bytes).indexOf('GCOL');
  const end = start + Number(view.getBigUint64(start + 8, true));
  const objects: Array<{ at: number; index: number; size: number }> = [];
  for (let at = start + 16; at + 16 <= end; ) {
    const index = view.getUint16(at, true);
    const size = Number(view.getBigUint64(at + 8, true));
    objects.push({ at, index, size });
    if (index === 0) break; // the free space closes the collection
    at += 16 + Math.ceil(size / 8) * 8;
  }
  return objects;
}

/** Loads `path`, expecting a refusal: a StrataError whose message names the file. */
export async function refusal(path: string): Promise<StrataError> {
  let error: unknown;
  try {
    await loadModelFile(path);
  } catch (e) {
    error = e;
  }
  expect(error, `${path} should be refused`).toBeInstanceOf(StrataError);
  expect((error as Error).message).toContain(path);
  return error as StrataError;
}

/** The model's output on one row of ones. */
export function predictOnes(model: Functional): Float32Array {
  return new Trainer(model, 1).predict({ shape: [1, 4], data: new Float32Array(4).fill(1) })[0]!.data as Float32Array;
}
