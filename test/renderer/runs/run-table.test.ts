import { describe, expect, it } from 'vitest';
import { filterRuns, formatDuration, formatSetting, keyMetric, sortRuns } from '../../../renderer/src/runs/run-table.js';
import { progressView } from '../../../renderer/src/runs/progress.js';
import { config, DIR, summary } from './fixtures.js';

describe('the runs table', () => {
  const runs = [
    summary('r1', { name: 'baseline', tags: ['keep'], last: { val_accuracy: 0.91 }, config: config({ optimizer: { className: 'Adam', learningRate: 0.001 } }) }),
    summary('r2', { name: 'fast', status: 'failed', last: { val_accuracy: 0.95 }, archived: true }),
    summary('r3', { name: 'wide', last: null, best: null, params: 100 }),
  ];

  it('sorts by a column either way, runs without a value last', () => {
    expect(sortRuns(runs, 'last', 'descending', 0).map((r) => r.id)).toEqual(['r2', 'r1', 'r3']);
    expect(sortRuns(runs, 'last', 'ascending', 0).map((r) => r.id)).toEqual(['r1', 'r2', 'r3']);
    expect(sortRuns(runs, 'params', 'ascending', 0).map((r) => r.id)).toEqual(['r3', 'r1', 'r2']);
    expect(sortRuns(runs, 'learningRate', 'ascending', 0).map((r) => r.id)).toEqual(['r1', 'r2', 'r3']);
  });

  it('filters by words in the name, tags or status, and hides archived runs unless asked', () => {
    expect(filterRuns(runs, '', false).map((r) => r.id)).toEqual(['r1', 'r3']);
    expect(filterRuns(runs, 'KEEP', true).map((r) => r.id)).toEqual(['r1']);
    expect(filterRuns(runs, 'failed', true).map((r) => r.id)).toEqual(['r2']);
  });

  it('judges a run by validation accuracy when it has it', () => {
    expect(keyMetric(runs[0]!)).toBe('val_accuracy');
    expect(keyMetric(summary('x', { last: { loss: 1, val_loss: 2 } }))).toBe('val_loss');
    expect(keyMetric(runs[2]!)).toBeNull();
  });

  it('writes durations as a person reads them', () => {
    expect(formatDuration(null)).toBe('–');
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(125_000)).toBe('2 min 05 s');
    expect(formatDuration(3_900_000)).toBe('1 h 05 min');
  });

  it('shows progress through all epochs, with ETA while running', () => {
    const run = summary('r', { status: 'running', epochsDone: 1 });
    const view = progressView(run, { kind: 'progress', dir: DIR, id: 'r', epoch: 2, epochs: 3, batch: 50, batches: 100, samplesPerSecond: 1234.4, etaSeconds: 75 });
    expect(view.percent).toBeCloseTo(50);
    expect(view.text).toBe('Epoch 2/3 · batch 50/100');
    expect(view.eta).toBe('1 min 15 s');
    expect(view.rate).toBe('1,234 samples/s');
    expect(progressView(summary('done'), null)).toMatchObject({ percent: 100, eta: null });
  });
});

describe('settings in tables', () => {
  it('reads as typed, without floating-point noise', () => {
    expect(formatSetting(0.001 * 9)).toBe('0.009');
    expect(formatSetting(32)).toBe('32');
  });
});
