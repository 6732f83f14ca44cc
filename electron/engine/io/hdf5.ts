/**
 * HDF5 through h5wasm. Model files arrive as bytes (often from inside a zip); each is written
 * to a temporary file, opened, used, and removed. A file is not trusted: it is read in the
 * probe thread first (hdf5-probe.ts), so that one on which HDF5 would loop or abort never
 * reaches the main thread's library, and that library may open no file but the one in hand
 * (hdf5-library.ts). Whatever still fails in HDF5 is reported as the file's fault, in HDF5's
 * own words.
 */
import type * as H5 from 'h5wasm/node';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StrataError, ValueError } from '../graph/errors.js';
import { loadLibrary } from './hdf5-library.js';
import { probeHdf5 } from './hdf5-probe.js';
import { MAX_TENSOR_VALUES } from './limits.js';

export type H5File = H5.File;
export type H5Group = H5.Group;
export type H5Dataset = H5.Dataset;

export const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

// Once loaded, h5wasm works synchronously: saving can then happen inside a training callback.
const hdf5 = await loadLibrary(import.meta.resolve('h5wasm/node'));

const scratchPrefix = join(tmpdir(), `strata-${process.pid}-${randomBytes(4).toString('hex')}`);
let scratchFiles = 0;

/** Runs `use` on a temporary file (holding `bytes`, or none yet), the one file the library may open meanwhile. */
function withScratchFile<T>(bytes: Uint8Array | null, use: (path: string) => T): T {
  const path = `${scratchPrefix}-${scratchFiles++}.h5`;
  try {
    if (bytes) writeFileSync(path, bytes);
    return hdf5.withFile(path, () => use(path));
  } finally {
    rmSync(path, { force: true });
  }
}

/** Any failure in the library becomes a ValueError worded by `failure` from HDF5's diagnosis; Strata's own errors pass. */
function reportFailures<T>(run: () => T, failure: (detail: string) => string): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof StrataError) throw e;
    throw new ValueError(failure(hdf5.diagnosis() ?? (e as Error).message));
  }
}

/** Closes `file` without letting a failure there hide the one that may be on its way out. */
function closeAfter<T>(file: H5File, use: () => T): T {
  let result: T;
  try {
    result = use();
  } catch (e) {
    try {
      file.close();
    } catch {
      // the failure that got here says more
    }
    throw e;
  }
  file.close();
  return result;
}

/** Opens `bytes` as an HDF5 file for reading; `where` names the file in errors. */
export function readHdf5<T>(bytes: Uint8Array, where: string, use: (file: H5File) => T): T {
  if (!HDF5_SIGNATURE.every((b, i) => bytes[i] === b)) {
    throw new ValueError(`${where} is not an HDF5 file: it does not start with the HDF5 signature (\\x89HDF\\r\\n\\x1a\\n).`);
  }
  const failure = (detail: string) => `${where} could not be read as HDF5 (${detail}); the file is truncated or damaged.`;
  return withScratchFile(bytes, (path) => {
    const problem = probeHdf5(path, bytes.length);
    if (problem !== null) throw new ValueError(failure(problem));
    return reportFailures(() => {
      const file = new hdf5.h5.File(path, 'r');
      // h5wasm tells of a file HDF5 could not open only by its negative id.
      if (file.file_id < 0n) throw new Error('HDF5 could not open it');
      return closeAfter(file, () => use(file));
    }, failure);
  });
}

/** Creates an HDF5 file, lets `fill` write it, and returns its bytes. */
export function writeHdf5(fill: (file: H5File) => void): Uint8Array {
  return withScratchFile(null, (path) =>
    reportFailures(
      () => {
        const file = new hdf5.h5.File(path, 'w');
        closeAfter(file, () => fill(file));
        return new Uint8Array(readFileSync(path));
      },
      (detail) => `Writing an HDF5 file failed (${detail}).`,
    ),
  );
}

export function isGroup(entry: unknown): entry is H5Group {
  return entry instanceof hdf5.h5.Group;
}

export function isDataset(entry: unknown): entry is H5Dataset {
  return entry instanceof hdf5.h5.Dataset;
}

/** Refuses a dataset declaring more values than any weight may hold, before they are read. */
function checkSize(dataset: H5Dataset, where: string): void {
  const shape = dataset.shape ?? [];
  const values = shape.reduce((n, d) => n * d, 1);
  if (values > MAX_TENSOR_VALUES) {
    throw new ValueError(`${where} declares shape ${JSON.stringify(shape)}, ${values} values; a weight holds at most ${MAX_TENSOR_VALUES}.`);
  }
}

/** A dataset's values as float32 (Keras files may hold float16 or float64 weights). */
export function floatValues(dataset: H5Dataset, where: string): Float32Array {
  checkSize(dataset, where);
  const value = dataset.value;
  if (value instanceof Float32Array) return value;
  if (value instanceof Float64Array || value instanceof Uint16Array || value instanceof Int32Array) {
    if (value instanceof Uint16Array && /e/.test(String(dataset.dtype))) return halfToFloat(value);
    return Float32Array.from(value);
  }
  if (value instanceof BigInt64Array) return Float32Array.from(value, Number);
  if (typeof value === 'number') return Float32Array.of(value);
  throw new ValueError(`${where} holds ${String(dataset.dtype)} values; expected floating-point numbers.`);
}

/** A scalar dataset's value as a number (the optimizer's iteration count is int64). */
export function scalarValue(dataset: H5Dataset, where: string): number {
  const shape = dataset.shape ?? [];
  if (shape.reduce((n, d) => n * d, 1) !== 1) throw new ValueError(`${where} should hold one number; it holds ${JSON.stringify(shape)} values.`);
  const value = dataset.value;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (ArrayBuffer.isView(value) && (value as unknown as ArrayLike<number | bigint>).length === 1) return Number((value as unknown as ArrayLike<number | bigint>)[0]);
  throw new ValueError(`${where} should hold a number; it holds ${String(dataset.dtype)} values.`);
}

/** IEEE half floats (as their bit patterns) to float32. */
export function halfToFloat(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    out[i] = exp === 0 ? sign * 2 ** -14 * (frac / 1024) : exp === 31 ? (frac ? NaN : sign * Infinity) : sign * 2 ** (exp - 15) * (1 + frac / 1024);
  }
  return out;
}

/** A string attribute (HDF5 stores them as bytes or strings, in arrays or alone). */
export function stringAttribute(entry: H5Group | H5Dataset, name: string): string | null {
  const attr = entry.attrs[name];
  if (!attr) return null;
  const value = attr.value as unknown;
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  return null;
}

/** A list-of-strings attribute (legacy Keras files keep `layer_names` and `weight_names` so). */
export function stringListAttribute(entry: H5Group | H5Dataset, name: string): string[] | null {
  const attr = entry.attrs[name];
  if (!attr) return null;
  const value = attr.value as unknown;
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : new TextDecoder().decode(v as Uint8Array)));
  if (typeof value === 'string') return [value];
  return null;
}
