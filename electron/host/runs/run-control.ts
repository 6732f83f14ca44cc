/**
 * Carries out the person's stop and pause in the training thread: after every batch it reads
 * the control block; a stop ends fit() after the batches already computed, a pause holds the
 * thread until resumed. The callbacks it wraps never hear of an epoch a stop cut short, so no
 * metrics line or checkpoint claims an epoch that was not trained to its end.
 */
import { Callback, type FitParams, type Logs, type TrainingControl } from '../../engine/training/callbacks.js';
import { requested, waitWhilePaused, type ControlBlock } from './control-block.js';

export interface PauseHooks {
  onPause(): void;
  /** `pausedMs`: how long the thread slept, for rates that should not count it. */
  onResume(pausedMs: number): void;
}

export class RunControl extends Callback {
  /** Whether the run ended on the person's stop (rather than its epochs or a callback). */
  stopped = false;
  private batchesInEpoch = 0;

  constructor(
    private readonly block: ControlBlock,
    private readonly inner: Callback[],
    private readonly hooks: PauseHooks,
  ) {
    super();
  }

  override setControl(control: TrainingControl, params: FitParams): void {
    super.setControl(control, params);
    for (const c of this.inner) c.setControl(control, params);
  }

  override onTrainBegin(logs?: Logs): void {
    for (const c of this.inner) c.onTrainBegin(logs);
  }

  override onEpochBegin(epoch: number, logs?: Logs): void {
    this.batchesInEpoch = 0;
    for (const c of this.inner) c.onEpochBegin(epoch, logs);
  }

  override onTrainBatchEnd(batch: number, logs?: Logs): void {
    this.batchesInEpoch++;
    for (const c of this.inner) c.onTrainBatchEnd(batch, logs);
    if (this.stopped) return;
    let now = requested(this.block);
    if (now === 'pause') {
      this.hooks.onPause();
      const started = performance.now();
      now = waitWhilePaused(this.block);
      this.hooks.onResume(performance.now() - started);
    }
    if (now === 'stop') {
      this.stopped = true;
      this.control.stopTraining = true;
    }
  }

  override onEpochEnd(epoch: number, logs?: Logs): void {
    if (this.stopped && this.batchesInEpoch < this.params.steps) return;
    for (const c of this.inner) c.onEpochEnd(epoch, logs);
  }

  override onTrainEnd(logs?: Logs): void {
    for (const c of this.inner) c.onTrainEnd(logs);
  }
}
