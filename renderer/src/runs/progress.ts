/** A run's progress as the progress bar shows it. Epochs and batches in progress events count from 1. */
import type { RunSummary } from '../../../shared/ipc/index.js';
import type { ProgressEvent } from '../stores/runs.js';

export interface ProgressView {
  /** 0 to 100. */
  percent: number;
  text: string;
  eta: string | null;
  rate: string | null;
}

export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

export function progressView(run: RunSummary, progress: ProgressEvent | null): ProgressView {
  if (progress && run.status !== 'completed') {
    const total = progress.epochs * progress.batches;
    const done = (progress.epoch - 1) * progress.batches + progress.batch;
    return {
      percent: total > 0 ? Math.min(100, (100 * done) / total) : 0,
      text: `Epoch ${progress.epoch}/${progress.epochs} · batch ${progress.batch}/${progress.batches}`,
      eta: progress.etaSeconds === null || run.status !== 'running' ? null : formatEta(progress.etaSeconds),
      rate: `${Math.round(progress.samplesPerSecond).toLocaleString('en-US')} samples/s`,
    };
  }
  const epochs = run.config.epochs;
  return {
    percent: run.status === 'completed' ? 100 : Math.min(100, (100 * run.epochsDone) / epochs),
    text: `Epoch ${run.epochsDone}/${epochs}`,
    eta: null,
    rate: null,
  };
}
