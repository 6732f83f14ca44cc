/**
 * The comparison's hyper-parameter and metric table: one row per setting or metric, one
 * column per run, and whether the runs differ on it (for the "Differences only" switch).
 */
import type { RunSummary } from '../../../shared/ipc/index.js';
import { formatMetric, formatSetting } from './run-table.js';

export interface CompareRow {
  group: 'setting' | 'best' | 'last';
  label: string;
  values: string[];
  differs: boolean;
}

const text = (v: unknown): string => {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatSetting(v);
  return JSON.stringify(v);
};

const SETTINGS: Array<[string, (r: RunSummary) => unknown]> = [
  ['model', (r) => r.model],
  ['dataset', (r) => r.dataset],
  ['optimizer', (r) => r.config.optimizer?.className ?? 'as compiled'],
  ['learning rate', (r) => r.config.optimizer?.learningRate ?? 'as compiled'],
  ['losses', (r) => r.config.losses ?? 'as compiled'],
  ['loss weights', (r) => r.config.lossWeights ?? 'as compiled'],
  ['metrics', (r) => r.config.metrics?.join(', ') ?? 'as compiled'],
  ['epochs', (r) => r.config.epochs],
  ['batch size', (r) => r.config.batchSize],
  ['validation split', (r) => r.config.validationSplit],
  ['seed', (r) => r.config.seed],
  ['device', (r) => r.config.device],
  ['early stopping', (r) => r.config.callbacks.earlyStopping],
  ['reduce LR on plateau', (r) => r.config.callbacks.reduceLrOnPlateau],
  ['parameters', (r) => r.params.toLocaleString('en-US')],
  ['epochs done', (r) => r.epochsDone],
];

export function compareRows(runs: RunSummary[]): CompareRow[] {
  const row = (group: CompareRow['group'], label: string, values: string[]): CompareRow => ({
    group,
    label,
    values,
    differs: values.some((v) => v !== values[0]),
  });
  const rows = SETTINGS.map(([label, read]) => row('setting', label, runs.map((r) => text(read(r)))));
  for (const group of ['best', 'last'] as const) {
    const metrics = [...new Set(runs.flatMap((r) => Object.keys(r[group] ?? {})))].sort();
    for (const metric of metrics) {
      rows.push(row(group, `${metric} (${group} epoch)`, runs.map((r) => formatMetric(r[group]?.[metric] ?? null))));
    }
  }
  return rows;
}

export function visibleRows(rows: CompareRow[], differencesOnly: boolean): CompareRow[] {
  return differencesOnly ? rows.filter((r) => r.differs) : rows;
}
