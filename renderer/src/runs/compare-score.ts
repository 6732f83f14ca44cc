/** The score the comparison's scatter plots against parameter count: accuracy when the runs have it. */
import type { RunSummary } from '../../../shared/ipc/index.js';
import type { Better } from '../../../shared/charts/index.js';

const SCORES: Array<{ metric: string; better: Better }> = [
  { metric: 'val_accuracy', better: 'max' },
  { metric: 'accuracy', better: 'max' },
  { metric: 'val_loss', better: 'min' },
  { metric: 'loss', better: 'min' },
];

/** The first score that any of the runs logged at its best epoch. */
export function comparisonScore(runs: RunSummary[]): { metric: string; better: Better } | null {
  return SCORES.find((s) => runs.some((r) => typeof r.best?.[s.metric] === 'number')) ?? null;
}
