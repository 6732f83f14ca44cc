/** metrics.jsonl as a kill leaves it, as a resume cuts it, and as the comparison view reads it while it grows. */
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { formatMetricsLine, MetricsReader, parseMetricsText, truncateMetrics, type MetricsLine } from '../../../electron/host/runs/metrics-file.js';

const batch = (x: number, epoch: number, loss: number): MetricsLine => ({ scope: 'batch', x, epoch, logs: { loss } });
const epochLine = (epoch: number, loss: number): MetricsLine => ({ scope: 'epoch', x: epoch + 1, epoch, logs: { loss, val_loss: loss * 2 } });

describe('metrics.jsonl', () => {
  test('a line cut short by a kill is not read', () => {
    const text = formatMetricsLine(batch(0, 0, 1)) + formatMetricsLine(batch(1, 0, 0.5)) + '{"scope":"batch","x":2,"ep';
    const { lines, consumed } = parseMetricsText(text);
    expect(lines.map((l) => l.x)).toEqual([0, 1]);
    expect(consumed).toBe(text.lastIndexOf('\n') + 1);
  });

  test('lines read by the fast scanner are exactly what JSON.parse gives, and odd lines still read', () => {
    const written: MetricsLine[] = [
      batch(0, 0, 1),
      { scope: 'batch', x: 1, epoch: 0, logs: { loss: -1.5e-7, accuracy: 0.25, 'auc_1': 1 } },
      { scope: 'epoch', x: 1, epoch: 0, logs: {} },
      { scope: 'epoch', x: 2, epoch: 1, logs: { 'we"ird\\name': 3, loss: 2 } },
    ];
    const text = written.map(formatMetricsLine).join('') + '{"scope":"batch","x":3,"epoch":1,"logs":{"loss":null}}\n' + '{"logs":{"loss":1},"scope":"batch","x":4,"epoch":1}\n' + 'not json\n';
    const { lines } = parseMetricsText(text);
    expect(lines.slice(0, 4)).toEqual(written);
    // NaN is written as null (a line kept, its value not a number), and other key orders parse too.
    expect(lines.slice(4)).toEqual([
      { scope: 'batch', x: 3, epoch: 1, logs: { loss: null } },
      { scope: 'batch', x: 4, epoch: 1, logs: { loss: 1 } },
    ]);
  });

  test('truncating to N epochs keeps the lines of the first N epochs only', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'strata-metrics-')), 'metrics.jsonl');
    writeFileSync(path, [batch(0, 0, 1), epochLine(0, 1), batch(1, 1, 0.5), epochLine(1, 0.5), batch(2, 2, 0.2)].map(formatMetricsLine).join('') + '{"cut');
    const kept = await truncateMetrics(path, 1);
    expect(kept.map((l) => `${l.scope}${l.x}`)).toEqual(['batch0', 'epoch1']);
    expect(readFileSync(path, 'utf8')).toBe(kept.map(formatMetricsLine).join(''));
  });

  test('the reader returns typed series and reads only what was appended since, afresh after a rewrite', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'strata-metrics-')), 'metrics.jsonl');
    const reader = new MetricsReader();
    expect(await reader.read('r', path)).toEqual({ id: 'r', batch: {}, epoch: {} });
    writeFileSync(path, formatMetricsLine(batch(0, 0, 1)) + '{"scope":"bat');
    let metrics = await reader.read('r', path);
    expect(Array.from(metrics.batch.loss!.y)).toEqual([1]);
    appendFileSync(path, `ch","x":1,"epoch":0,"logs":{"loss":0.5}}\n${formatMetricsLine(epochLine(0, 0.7))}`);
    metrics = await reader.read('r', path);
    expect(metrics.batch.loss!.x).toBeInstanceOf(Float64Array);
    expect(Array.from(metrics.batch.loss!.y)).toEqual([1, 0.5]);
    expect(Array.from(metrics.epoch.val_loss!.y)).toEqual([1.4]);
    await truncateMetrics(path, 0);
    metrics = await reader.read('r', path);
    expect(metrics.batch).toEqual({});
  });
});
