import { describe, expect, it } from 'vitest';
import { curveSeries, pointsFor } from '../../../renderer/src/charts/curves.js';

describe('curves as chart series', () => {
  it('draws about two points per pixel, between 100 and 2,000', () => {
    expect(pointsFor(10)).toBe(100);
    expect(pointsFor(600)).toBe(1200);
    expect(pointsFor(4000)).toBe(2000);
  });

  it('downsamples a 100k-point curve to what the width shows, keeping its ends', () => {
    const n = 100_000;
    const x = Float64Array.from({ length: n }, (_, i) => i);
    const y = Float64Array.from({ length: n }, (_, i) => 1 / (1 + i));
    // A growable buffer: only `length` points are filled.
    const [series] = curveSeries([{ name: 'loss', colour: '#000', x, y, length: n - 10, thin: true }], 500);
    const data = series!.data as Array<[number, number]>;
    expect(data).toHaveLength(1000);
    expect(data[0]).toEqual([0, 1]);
    expect(data.at(-1)![0]).toBe(n - 11);
    expect(series!.showSymbol).toBe(false);
  });

  it('marks the points of a short curve (a few epochs) and dashes validation', () => {
    const [series] = curveSeries([{ name: 'val', colour: '#000', x: Float64Array.of(1, 2), y: Float64Array.of(3, 4), length: 2, dashed: true }], 500);
    expect(series!.showSymbol).toBe(true);
    expect(series!.lineStyle).toMatchObject({ type: 'dashed' });
  });
});
