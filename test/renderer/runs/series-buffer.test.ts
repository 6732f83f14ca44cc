import { describe, expect, it } from 'vitest';
import { appendPoints, emptyRunSeries, GrowableSeries } from '../../../renderer/src/runs/series-buffer.js';
import { f64 } from './fixtures.js';

describe('a growable metric series', () => {
  it('grows past its capacity and keeps every point in order', () => {
    const series = new GrowableSeries(4);
    for (let i = 0; i < 1000; i += 10) {
      const xs = Float64Array.from({ length: 10 }, (_, k) => i + k);
      series.append(xs, xs.map((x) => x * 2));
    }
    expect(series.length).toBe(1000);
    expect(series.x.length).toBeGreaterThanOrEqual(1000);
    expect(series.x[999]).toBe(999);
    expect(series.y[500]).toBe(1000);
  });

  it('does not add again the points it already holds', () => {
    const series = GrowableSeries.from(f64(0, 1, 2), f64(5, 4, 3));
    expect(series.append(f64(1, 2, 3, 4), f64(4, 3, 2, 1))).toBe(2);
    expect(Array.from(series.x.subarray(0, series.length))).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(series.y.subarray(0, series.length))).toEqual([5, 4, 3, 2, 1]);
  });

  it('makes a series for each metric the first time it appears', () => {
    const run = emptyRunSeries();
    expect(appendPoints(run, 'epoch', f64(1), { loss: f64(0.5), val_loss: f64(0.6) })).toBe(true);
    expect(appendPoints(run, 'epoch', f64(1), { loss: f64(0.5) })).toBe(false);
    expect([...run.epoch.keys()]).toEqual(['loss', 'val_loss']);
    expect(run.batch.size).toBe(0);
  });
});
