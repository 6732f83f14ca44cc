/**
 * The runs table's columns: which metric a run is judged by, how each column reads and sorts,
 * and the filter.
 */
import type { RunSummary } from '../../../shared/ipc/index.js';

/** The metric the table shows for best and last epochs: validation accuracy when there is one. */
const PREFERRED_METRICS = ['val_accuracy', 'accuracy', 'val_loss', 'loss'];

export function keyMetric(run: RunSummary): string | null {
  const logs = run.last ?? run.best;
  if (!logs) return null;
  return PREFERRED_METRICS.find((m) => m in logs) ?? Object.keys(logs)[0] ?? null;
}

export function metricValue(logs: Record<string, number> | null, metric: string | null): number | null {
  if (!logs || !metric) return null;
  const v = logs[metric];
  return typeof v === 'number' ? v : null;
}

/** Milliseconds the run trained (so far, while it trains). */
export function durationMs(run: RunSummary, now: number): number | null {
  if (!run.startedAt) return null;
  const end = run.endedAt ? Date.parse(run.endedAt) : now;
  return Math.max(0, end - Date.parse(run.startedAt));
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '–';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** A setting as typed (0.009, not the 0.009000000000000001 that arithmetic made of it). */
export function formatSetting(value: number): string {
  return String(Number(value.toPrecision(6)));
}

export function formatMetric(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '–';
  return Math.abs(value) >= 1000 || (Math.abs(value) < 0.001 && value !== 0) ? value.toExponential(2) : value.toFixed(4);
}

export type SortKey = 'name' | 'status' | 'model' | 'dataset' | 'optimizer' | 'learningRate' | 'batchSize' | 'epochs' | 'best' | 'last' | 'duration' | 'params' | 'createdAt';

function sortValue(run: RunSummary, key: SortKey, now: number): string | number | null {
  switch (key) {
    case 'name':
    case 'status':
    case 'model':
    case 'dataset':
    case 'createdAt':
      return run[key];
    case 'optimizer':
      return run.config.optimizer?.className ?? '';
    case 'learningRate':
      return run.config.optimizer?.learningRate ?? null;
    case 'batchSize':
    case 'epochs':
      return run.config[key];
    case 'best':
      return metricValue(run.best, keyMetric(run));
    case 'last':
      return metricValue(run.last, keyMetric(run));
    case 'duration':
      return durationMs(run, now);
    case 'params':
      return run.params;
  }
}

/** Runs sorted by a column; runs without a value go last either way. */
export function sortRuns(runs: RunSummary[], key: SortKey, direction: 'ascending' | 'descending', now: number): RunSummary[] {
  const sign = direction === 'ascending' ? 1 : -1;
  return [...runs].sort((a, b) => {
    const va = sortValue(a, key, now);
    const vb = sortValue(b, key, now);
    if (va === null || vb === null) return va === vb ? 0 : va === null ? 1 : -1;
    const order = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
    return sign * order;
  });
}

/** Runs whose name, tags, status, model or dataset contain every word of the filter. */
export function filterRuns(runs: RunSummary[], text: string, showArchived: boolean): RunSummary[] {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  return runs.filter((run) => {
    if (run.archived && !showArchived) return false;
    const haystack = [run.name, run.status, run.model, run.dataset, ...run.tags].join(' ').toLowerCase();
    return words.every((w) => haystack.includes(w));
  });
}
