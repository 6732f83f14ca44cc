/**
 * Which charts a run (or a comparison) shows and which curves each holds: per batch, one
 * chart per metric; per epoch, one chart per metric with its validation curve (`val_…`)
 * dashed beside the training one. Curves read the growable buffers when the chart draws, so
 * they always see the newest points.
 */
import { colourOf } from '../charts/palette.js';
import type { Curve } from '../charts/curves.js';
import type { GrowableSeries, RunSeries } from './series-buffer.js';

export type Scope = 'batch' | 'epoch';

export interface ChartSpec {
  key: string;
  title: string;
  xName: string;
  curves: () => Curve[];
}

export interface SeriesSource {
  name: string;
  series: RunSeries | null;
}

const VALIDATION = 'val_';

/** Metric names without their `val_` prefix, the loss first. */
export function baseMetrics(names: Iterable<string>): string[] {
  const bases = new Set<string>();
  for (const name of names) bases.add(name.startsWith(VALIDATION) ? name.slice(VALIDATION.length) : name);
  return [...bases].sort((a, b) => Number(b === 'loss') - Number(a === 'loss') || a.localeCompare(b));
}

function curve(name: string, colour: string, line: GrowableSeries | undefined, style: { dashed?: boolean; thin?: boolean } = {}): Curve[] {
  return line ? [{ name, colour, x: line.x, y: line.y, length: line.length, ...style }] : [];
}

const xName = (scope: Scope) => (scope === 'batch' ? 'batch' : 'epoch');

/** One run's charts of a scope. */
export function runCharts(series: RunSeries | null, scope: Scope): ChartSpec[] {
  if (!series) return [];
  const lines = series[scope];
  return baseMetrics(lines.keys()).map((base) => ({
    key: `${scope}:${base}`,
    title: `${base} per ${scope}`,
    xName: xName(scope),
    curves: () => [
      ...curve(scope === 'batch' ? base : `training ${base}`, colourOf(0), lines.get(base), { thin: scope === 'batch' }),
      ...curve(`validation ${base}`, colourOf(1), lines.get(`${VALIDATION}${base}`), { dashed: true }),
    ],
  }));
}

/** Overlaid charts of several runs: one colour per run, validation dashed. */
export function comparisonCharts(runs: SeriesSource[], scope: Scope): ChartSpec[] {
  const names = runs.flatMap((r) => (r.series ? [...r.series[scope].keys()] : []));
  return baseMetrics(names).map((base) => ({
    key: `${scope}:${base}`,
    title: `${base} per ${scope}`,
    xName: xName(scope),
    curves: () =>
      runs.flatMap((run, i) => {
        const lines = run.series?.[scope];
        if (!lines) return [];
        return [
          ...curve(run.name, colourOf(i), lines.get(base), { thin: false }),
          ...curve(`${run.name} (validation)`, colourOf(i), lines.get(`${VALIDATION}${base}`), { dashed: true }),
        ];
      }),
  }));
}
