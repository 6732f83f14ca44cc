/**
 * Keras' progress bar on a terminal: `Epoch 1/5`, then a bar with the step count, ETA and
 * the running logs, redrawn in place; at the epoch's end the time per step and the epoch's
 * logs including validation. Not a TTY (a log file, CI): one line per epoch.
 */
import { Callback, type Logs } from './callbacks.js';

export interface ProgressBarOptions {
  /** Where to write (default stdout). */
  stream?: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  /** Minimum milliseconds between redraws. */
  interval?: number;
}

export function formatLogs(logs: Logs): string {
  return Object.entries(logs)
    .map(([k, v]) => `${k}: ${formatNumber(v)}`)
    .join(' - ');
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(4) : v.toFixed(4);
}

export function formatDuration(seconds: number): string {
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)}:${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  if (seconds >= 60) return `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  return `${Math.round(seconds)}s`;
}

export class ProgressBar extends Callback {
  private readonly stream: NonNullable<ProgressBarOptions['stream']>;
  private readonly interval: number;
  private epochStart = 0;
  private lastDraw = 0;
  private seen = 0;

  constructor(options: ProgressBarOptions = {}) {
    super();
    this.stream = options.stream ?? process.stdout;
    this.interval = options.interval ?? 100;
  }

  private get tty(): boolean {
    return Boolean(this.stream.isTTY);
  }

  override onEpochBegin(epoch: number): void {
    this.epochStart = performance.now();
    this.lastDraw = 0;
    this.seen = 0;
    this.stream.write(`Epoch ${epoch + 1}/${this.params.epochs}\n`);
  }

  override onTrainBatchEnd(batch: number, logs: Logs = {}): void {
    this.seen = batch + 1;
    const now = performance.now();
    if (!this.tty || (now - this.lastDraw < this.interval && this.seen < this.params.steps)) return;
    this.lastDraw = now;
    const elapsed = (now - this.epochStart) / 1000;
    const eta = (elapsed / this.seen) * (this.params.steps - this.seen);
    this.stream.write(`\r${this.bar()} - ETA: ${formatDuration(eta)} - ${formatLogs(logs)}\x1b[K`);
  }

  override onEpochEnd(_epoch: number, logs: Logs = {}): void {
    const seconds = (performance.now() - this.epochStart) / 1000;
    const perStep = (seconds / Math.max(this.seen, 1)) * 1000;
    const timing = `${formatDuration(seconds)} ${perStep < 1 ? `${Math.round(perStep * 1000)}us` : `${Math.round(perStep)}ms`}/step`;
    this.stream.write(`${this.tty ? '\r' : ''}${this.bar()} - ${timing} - ${formatLogs(logs)}${this.tty ? '\x1b[K' : ''}\n`);
  }

  private bar(): string {
    const total = this.params.steps;
    const width = 30;
    const done = Math.min(width, Math.floor((this.seen / total) * width));
    const arrow = done < width ? '>' : '';
    const steps = `${String(this.seen).padStart(String(total).length)}/${total}`;
    return `${steps} [${'='.repeat(Math.max(done - (arrow ? 1 : 0), 0))}${arrow}${'.'.repeat(width - done)}]`;
  }
}
