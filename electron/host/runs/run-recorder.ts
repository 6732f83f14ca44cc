/**
 * Records a run as it trains: appends each batch's and each epoch's logs to metrics.jsonl
 * (whole lines, so a kill leaves complete ones), and tells the host — new batch points and
 * progress a few times a second, each epoch's logs as it ends.
 */
import { appendFileSync } from 'node:fs';
import { Callback, type Logs } from '../../engine/training/callbacks.js';
import { formatMetricsLine } from './metrics-file.js';
import type { FromTraining } from './messages.js';

/** How often batch points and progress go to the host: often enough to look live, rarely enough to cost nothing. */
const POST_INTERVAL_MS = 200;

export class RunRecorder extends Callback {
  private epoch = 0;
  private batch = 0;
  private startedAt = 0;
  private pausedMs = 0;
  private batchesDone = 0;
  private lastPost = 0;
  private pending: { x: number[]; values: Record<string, number[]> } = { x: [], values: {} };

  constructor(
    private readonly metricsPath: string,
    private readonly batchSize: number,
    private readonly post: (message: FromTraining) => void,
  ) {
    super();
  }

  /** Time the run spent paused does not count towards its rate. */
  skip(ms: number): void {
    this.pausedMs += ms;
  }

  override onTrainBegin(): void {
    this.startedAt = performance.now();
  }

  override onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  override onTrainBatchEnd(batch: number, logs: Logs = {}): void {
    this.batch = batch;
    this.batchesDone++;
    const x = this.epoch * this.params.steps + batch;
    appendFileSync(this.metricsPath, formatMetricsLine({ scope: 'batch', x, epoch: this.epoch, logs }));
    this.pending.x.push(x);
    for (const [name, value] of Object.entries(logs)) (this.pending.values[name] ??= []).push(value);
    if (performance.now() - this.lastPost >= POST_INTERVAL_MS) this.flush();
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.flush();
    appendFileSync(this.metricsPath, formatMetricsLine({ scope: 'epoch', x: epoch + 1, epoch, logs }));
    this.post({ type: 'epochMetrics', epoch: epoch + 1, logs });
  }

  override onTrainEnd(): void {
    this.flush();
  }

  private flush(): void {
    this.lastPost = performance.now();
    if (this.pending.x.length === 0) return;
    this.post({ type: 'batchMetrics', ...this.pending });
    this.pending = { x: [], values: {} };
    this.post(this.progress());
  }

  private progress(): FromTraining {
    const { epochs, steps } = this.params;
    const seconds = Math.max((performance.now() - this.startedAt - this.pausedMs) / 1000, 1e-6);
    const perBatch = seconds / this.batchesDone;
    const remaining = (epochs - this.epoch - 1) * steps + (steps - this.batch - 1);
    return {
      type: 'progress',
      epoch: this.epoch + 1,
      epochs,
      batch: this.batch + 1,
      batches: steps,
      samplesPerSecond: (this.batchesDone * this.batchSize) / seconds,
      etaSeconds: this.batchesDone > 0 ? remaining * perBatch : null,
    };
  }
}
