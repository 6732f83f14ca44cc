import { describe, expect, it } from 'vitest';
import { compareRows, visibleRows } from '../../../renderer/src/runs/compare-table.js';
import { comparisonScore } from '../../../renderer/src/runs/compare-score.js';
import { config, summary } from './fixtures.js';

describe('the comparison table', () => {
  const a = summary('a', { config: config({ optimizer: { className: 'RMSprop', learningRate: 0.001 } }) });
  const b = summary('b', { config: config({ optimizer: { className: 'RMSprop', learningRate: 0.01 } }), best: { loss: 0.3, accuracy: 0.9 } });

  it('marks the rows where the runs differ', () => {
    const rows = compareRows([a, b]);
    const lr = rows.find((r) => r.label === 'learning rate')!;
    expect(lr).toMatchObject({ values: ['0.001', '0.01'], differs: true });
    expect(rows.find((r) => r.label === 'batch size')).toMatchObject({ values: ['32', '32'], differs: false });
    expect(rows.find((r) => r.label === 'val_accuracy (best epoch)')).toMatchObject({ values: ['0.9300', '–'], differs: true });
  });

  it('shows only the differences when asked', () => {
    const labels = visibleRows(compareRows([a, b]), true).map((r) => r.label);
    expect(labels).toContain('learning rate');
    expect(labels).not.toContain('batch size');
    expect(labels).not.toContain('optimizer');
    expect(visibleRows(compareRows([a, a]), true)).toEqual([]);
    expect(visibleRows(compareRows([a, b]), false).length).toBeGreaterThan(labels.length);
  });

  it('scores by validation accuracy when a run has it, else by what there is', () => {
    expect(comparisonScore([a, b])).toEqual({ metric: 'val_accuracy', better: 'max' });
    expect(comparisonScore([summary('c', { best: { loss: 1 } })])).toEqual({ metric: 'loss', better: 'min' });
    expect(comparisonScore([summary('d', { best: null })])).toBeNull();
  });
});
