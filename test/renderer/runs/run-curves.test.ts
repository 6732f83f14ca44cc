import { describe, expect, it } from 'vitest';
import { baseMetrics, comparisonCharts, runCharts } from '../../../renderer/src/runs/run-curves.js';
import { appendPoints, emptyRunSeries } from '../../../renderer/src/runs/series-buffer.js';
import { f64 } from './fixtures.js';

function run() {
  const series = emptyRunSeries();
  appendPoints(series, 'batch', f64(0, 1, 2), { loss: f64(2, 1.5, 1), accuracy: f64(0.1, 0.3, 0.5) });
  appendPoints(series, 'epoch', f64(1), { loss: f64(1), val_loss: f64(1.1), accuracy: f64(0.5), val_accuracy: f64(0.45) });
  return series;
}

describe('the charts of runs', () => {
  it('puts the loss first and folds validation metrics into their training metric', () => {
    expect(baseMetrics(['val_accuracy', 'accuracy', 'val_loss', 'loss', 'lr'])).toEqual(['loss', 'accuracy', 'lr']);
  });

  it('draws one chart per metric, with the validation curve beside the training one per epoch', () => {
    const series = run();
    expect(runCharts(series, 'batch').map((c) => c.title)).toEqual(['loss per batch', 'accuracy per batch']);
    const epoch = runCharts(series, 'epoch');
    expect(epoch[0]!.curves().map((c) => [c.name, c.dashed ?? false])).toEqual([
      ['training loss', false],
      ['validation loss', true],
    ]);
  });

  it('reads the newest points each time it draws', () => {
    const series = run();
    const [loss] = runCharts(series, 'batch');
    appendPoints(series, 'batch', f64(3, 4), { loss: f64(0.9, 0.8) });
    expect(loss!.curves()[0]!.length).toBe(5);
  });

  it('overlays runs with one colour each', () => {
    const charts = comparisonCharts(
      [
        { name: 'a', series: run() },
        { name: 'b', series: run() },
        { name: 'c', series: null },
      ],
      'epoch',
    );
    const curves = charts[0]!.curves();
    expect(curves.map((c) => c.name)).toEqual(['a', 'a (validation)', 'b', 'b (validation)']);
    expect(curves[0]!.colour).toBe(curves[1]!.colour);
    expect(curves[0]!.colour).not.toBe(curves[2]!.colour);
  });
});
