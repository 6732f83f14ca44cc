import { describe, expect, it } from 'vitest';
import {
  castTensor,
  cloneTensor,
  expandDims,
  flattenRows,
  gatherRows,
  gatherSplit,
  hostTensor,
  makeDataset,
  mulberry32,
  Random,
  reshape,
  rowSize,
  sampleCount,
  shuffleSplit,
  sliceRows,
  splitSize,
  toUnitFloat,
  xy,
  zeros,
} from '../../../electron/engine/data/index.js';

const rows3x2 = () => hostTensor([3, 2], 'float32', Float32Array.from([0, 1, 10, 11, 20, 21]));

describe('HostTensor helpers', () => {
  it('count samples and row sizes', () => {
    const t = zeros([5, 28, 28], 'float32');
    expect(sampleCount(t)).toBe(5);
    expect(rowSize(t)).toBe(784);
    expect(rowSize(zeros([7], 'int32'))).toBe(1);
    expect(() => sampleCount(zeros([], 'float32'))).toThrow(/sample axis/);
  });

  it('check the array against dtype and shape', () => {
    expect(() => hostTensor([2, 2], 'float32', new Float32Array(3))).toThrow('expected 4 elements for shape [2, 2], received 3');
    expect(() => hostTensor([3], 'int32', new Float32Array(3) as unknown as Int32Array)).toThrow('expected a Int32Array for dtype int32, received Float32Array');
  });

  it('slice rows as views', () => {
    const t = rows3x2();
    const s = sliceRows(t, 1, 3);
    expect(s.shape).toEqual([2, 2]);
    expect(Array.from(s.data)).toEqual([10, 11, 20, 21]);
    s.data[0] = 99;
    expect(t.data[2]).toBe(99); // shares memory
    expect(() => sliceRows(t, 2, 4)).toThrow('expected 0 <= start <= end <= 3, received start 2, end 4');
  });

  it('gather rows by index (copies, repeats allowed)', () => {
    const t = rows3x2();
    const g = gatherRows(t, [2, 0, 2]);
    expect(g.shape).toEqual([3, 2]);
    expect(Array.from(g.data)).toEqual([20, 21, 0, 1, 20, 21]);
    g.data[0] = -1;
    expect(t.data[4]).toBe(20);
    const labels = hostTensor([4], 'int32', Int32Array.from([5, 6, 7, 8]));
    expect(Array.from(gatherRows(labels, Int32Array.from([3, 1])).data)).toEqual([8, 6]);
    expect(() => gatherRows(t, [0, 3])).toThrow('expected row indices in [0, 3), received 3 at position 1');
  });

  it('reshape, flatten and expand without copying', () => {
    const images = zeros([4, 28, 28], 'float32');
    expect(flattenRows(images).shape).toEqual([4, 784]);
    expect(reshape(images, [-1, 784]).shape).toEqual([4, 784]);
    expect(expandDims(images).shape).toEqual([4, 28, 28, 1]);
    expect(expandDims(images, 1).shape).toEqual([4, 1, 28, 28]);
    expect(flattenRows(images).data).toBe(images.data);
    expect(() => reshape(images, [5, -1])).toThrow(/cannot infer -1/);
  });

  it('convert dtypes and scale pixels', () => {
    const px = hostTensor([3], 'uint8', Uint8Array.from([0, 51, 255]));
    const f = toUnitFloat(px);
    expect(f.dtype).toBe('float32');
    expect(Array.from(f.data)).toEqual([0, Math.fround(0.2), 1]);
    expect(Array.from(castTensor(rows3x2(), 'int32').data)).toEqual([0, 1, 10, 11, 20, 21]);
    const c = cloneTensor(px);
    c.data[0] = 9;
    expect(px.data[0]).toBe(0);
  });
});

describe('Random (mulberry32)', () => {
  it('is deterministic for a seed and resumable from its state', () => {
    const a = mulberry32(42);
    const b = new Random(42);
    const seqA = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(seqA);
    expect(new Set(seqA).size).toBe(5);
    const resumed = new Random(a.state);
    expect(resumed.next()).toBe(a.next());
    expect(new Random(43).nextUint32()).not.toBe(seqA[0]);
  });

  it('draws in range and shuffles into permutations', () => {
    const r = new Random(1);
    for (let i = 0; i < 1000; i++) {
      const u = r.next();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      const k = r.int(7);
      expect(Number.isInteger(k) && k >= 0 && k < 7).toBe(true);
    }
    const p = Array.from(r.permutation(50)).sort((x, y) => x - y);
    expect(p).toEqual(Array.from({ length: 50 }, (_, i) => i));
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < 20000; i++) {
      const z = r.normal();
      sum += z;
      sq += z * z;
    }
    expect(Math.abs(sum / 20000)).toBeLessThan(0.05);
    expect(Math.abs(sq / 20000 - 1)).toBeLessThan(0.05);
  });
});

describe('Dataset', () => {
  const split = () => ({
    features: { x: rows3x2() },
    targets: { y: hostTensor([3], 'int32', Int32Array.from([0, 1, 2])) },
  });

  it('checks that a split agrees on its sample count', () => {
    expect(splitSize(split())).toBe(3);
    const bad = { features: { x: rows3x2() }, targets: { y: hostTensor([2], 'int32', Int32Array.from([0, 1])) } };
    expect(() => makeDataset({ name: 'd', description: '' }, { train: bad })).toThrow(
      "dataset 'd', split 'train': dataset split: expected every tensor to hold 3 samples (as features.x: float32[3, 2] does), received targets.y: int32[2]",
    );
  });

  it('gathers and shuffles whole splits, keeping rows aligned', () => {
    const s = shuffleSplit(split(), 7);
    const { x, y } = xy(s);
    for (let i = 0; i < 3; i++) expect(x.data[2 * i]).toBe(10 * y.data[i]!);
    expect(Array.from(xy(gatherSplit(split(), [1])).y.data)).toEqual([1]);
  });
});
