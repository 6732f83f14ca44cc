import { describe, expect, it } from 'vitest';
import { lttb } from '../../../shared/charts/index.js';

function series(n: number, f: (i: number) => number) {
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = i;
    y[i] = f(i);
  }
  return { x, y };
}

describe('LTTB downsampling', () => {
  it('returns the series itself, uncopied, when it already fits', () => {
    const { x, y } = series(50, (i) => i * i);
    const out = lttb(x, y, 100);
    expect(out.x.buffer).toBe(x.buffer);
    expect(Array.from(out.y)).toEqual(Array.from(y));
  });

  it('reads only the filled part of a growable buffer', () => {
    const { x, y } = series(1000, (i) => i);
    expect(lttb(x, y, 2000, 10).x.length).toBe(10);
    const out = lttb(x, y, 100, 500);
    expect(out.x[out.x.length - 1]).toBe(499);
  });

  it('gives exactly the target count, x ascending, keeping the first and last points', () => {
    const { x, y } = series(100_000, (i) => Math.sin(i / 500) + Math.cos(i / 37));
    const out = lttb(x, y, 2000);
    expect(out.x.length).toBe(2000);
    expect(out.y.length).toBe(2000);
    expect(out.x[0]).toBe(0);
    expect(out.x[1999]).toBe(99_999);
    for (let i = 1; i < out.x.length; i++) expect(out.x[i]!).toBeGreaterThan(out.x[i - 1]!);
  });

  it('keeps a single-batch spike and the lowest loss', () => {
    const { x, y } = series(100_000, (i) => 2 * Math.exp(-i / 20_000) + 0.01 * Math.sin(i));
    y[31_337] = 50;
    y[77_777] = -1;
    const out = lttb(x, y, 500);
    expect(Math.max(...out.y)).toBe(50);
    expect(Math.min(...out.y)).toBe(-1);
  });

  it('keeps both extremes when they fall in the same bucket', () => {
    const { x, y } = series(10_000, () => 1);
    y[5000] = 9;
    y[5001] = -9;
    const out = lttb(x, y, 20);
    expect(Array.from(out.y)).toContain(9);
    expect(Array.from(out.y)).toContain(-9);
    for (let i = 1; i < out.x.length; i++) expect(out.x[i]!).toBeGreaterThan(out.x[i - 1]!);
  });

  it('keeps extremes in the last bucket without dropping the last point', () => {
    const { x, y } = series(1000, () => 0);
    y[997] = 5;
    y[998] = -5;
    const out = lttb(x, y, 10);
    expect(out.x[9]).toBe(999);
    expect(Array.from(out.y)).toEqual(expect.arrayContaining([5, -5]));
  });
});
