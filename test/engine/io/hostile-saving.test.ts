/**
 * Saving never leaves half a file: when writing fails at any point (the disk fills up midway,
 * the model cannot be serialised, the folder is read-only), the file that was at the path is
 * still there, whole, and no temporary file stays behind.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { Input, Model, layers, type TracedTensor } from '../../../electron/engine/frontends/dsl.js';
import { resetNames } from '../../../electron/engine/graph/index.js';
import { loadModelFile, saveModel } from '../../../electron/engine/io/model-file.js';
import { folder, predictOnes, tinyModel } from './hostile-files.js';

/** When set, the next write puts this many bytes on disk and then fails as a full disk does. */
const diskFull = vi.hoisted(() => ({ after: null as number | null }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const writeSync = (fd: number, buffer: Uint8Array, offset: number, length: number) => {
    if (diskFull.after === null) return fs.writeSync(fd, buffer, offset, length);
    fs.writeSync(fd, buffer, offset, Math.min(length, diskFull.after));
    diskFull.after = null;
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  };
  return { ...fs, default: { ...fs, writeSync }, writeSync };
});

beforeEach(() => resetNames());

let folders = 0;

/** A folder holding one saved model file; returns the file's path and its bytes. */
function savedAlone(ext: string): { path: string; bytes: Uint8Array; dir: string } {
  const dir = join(folder, `saving-${folders++}`);
  mkdirSync(dir);
  const path = join(dir, `model${ext}`);
  saveModel(tinyModel(), path);
  return { path, bytes: new Uint8Array(readFileSync(path)), dir };
}

async function expectIntact(saved: { path: string; bytes: Uint8Array; dir: string }): Promise<void> {
  expect(new Uint8Array(readFileSync(saved.path))).toEqual(saved.bytes);
  expect(readdirSync(saved.dir)).toEqual([saved.path.slice(saved.dir.length + 1)]);
  expect(predictOnes((await loadModelFile(saved.path)).model)).toHaveLength(2);
}

/** A layer whose config holds a value JSON cannot write. */
class Unwritable extends layers.Layer {
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), seed: 10n };
  }
  override call(x: TracedTensor): TracedTensor {
    return x;
  }
}

describe.each(['.keras', '.h5'])('saving %s', (ext) => {
  it('a disk that fills up midway leaves the previous file whole', async () => {
    const saved = savedAlone(ext);
    diskFull.after = 1000;
    expect(() => saveModel(tinyModel({ units: 5 }), saved.path)).toThrow(/ENOSPC/);
    await expectIntact(saved);
  });

  it('a model that cannot be serialised leaves the previous file whole', async () => {
    const saved = savedAlone(ext);
    const inputs = Input({ shape: [4] });
    const model = Model({ inputs, outputs: new Unwritable()(layers.Dense(2)(inputs)) });
    expect(() => saveModel(model, saved.path)).toThrow(/BigInt/);
    await expectIntact(saved);
  });

  it.skipIf(process.getuid?.() === 0)('a read-only folder leaves the previous file whole', async () => {
    const saved = savedAlone(ext);
    chmodSync(saved.dir, 0o555);
    try {
      expect(() => saveModel(tinyModel({ units: 5 }), saved.path)).toThrow(/EACCES|EPERM/);
    } finally {
      chmodSync(saved.dir, 0o755);
    }
    await expectIntact(saved);
  });
});
