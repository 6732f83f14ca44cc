/**
 * Callbacks with Keras' hook names. Hooks are called in order around epochs and batches;
 * batch hooks run after each chunk of batches the native plan ran in one call (the order and
 * the logs are those of every batch, only delivered a few batches late).
 */
import { closeSync, existsSync, openSync, statSync, writeSync } from 'node:fs';
import { ValueError } from '../graph/errors.js';
import type { Functional } from '../graph/functional.js';

export type Logs = Record<string, number>;

/** What callbacks can reach of the training in progress. */
export interface TrainingControl {
  stopTraining: boolean;
  /** The optimizer's current learning rate; setting it takes effect from the next batch. */
  learningRate: number;
  /** Saves the current weights (best-weights restoring, checkpoints). */
  snapshotWeights(): Float32Array[];
  restoreWeights(values: Float32Array[]): void;
  /** The model in training; its host weights and optimizer state are those of the last syncModel(). */
  readonly model: Functional;
  /** Copies the live weights and optimizer state onto the model (before saving it). */
  syncModel(): void;
}

export interface FitParams {
  epochs: number;
  steps: number;
  samples: number;
  verbose: number;
}

export class Callback {
  control!: TrainingControl;
  params!: FitParams;

  setControl(control: TrainingControl, params: FitParams): void {
    this.control = control;
    this.params = params;
  }

  onTrainBegin(_logs: Logs = {}): void {}
  onTrainEnd(_logs: Logs = {}): void {}
  onEpochBegin(_epoch: number, _logs: Logs = {}): void {}
  onEpochEnd(_epoch: number, _logs: Logs = {}): void {}
  onTrainBatchBegin(_batch: number, _logs: Logs = {}): void {}
  onTrainBatchEnd(_batch: number, _logs: Logs = {}): void {}
  onTestBegin(_logs: Logs = {}): void {}
  onTestEnd(_logs: Logs = {}): void {}
  onPredictBegin(_logs: Logs = {}): void {}
  onPredictEnd(_logs: Logs = {}): void {}
}

/** Records every epoch's logs; fit() returns it. */
export class History extends Callback {
  readonly epoch: number[] = [];
  readonly history: Record<string, number[]> = {};

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}

/** Which way a monitored quantity improves: Keras' `mode` ('auto' picks max for accuracy-like names). */
export function improves(monitor: string, mode: 'auto' | 'min' | 'max'): (a: number, b: number) => boolean {
  const max = mode === 'max' || (mode === 'auto' && /acc|auc|precision|recall|f1/.test(monitor));
  return max ? (a, b) => a > b : (a, b) => a < b;
}

function monitored(logs: Logs, monitor: string, who: string): number | undefined {
  const v = logs[monitor];
  if (v === undefined) {
    // Keras warns and carries on; the available keys help fix the typo.
    process.emitWarning(`${who} is monitoring "${monitor}", which is not in the logs (${Object.keys(logs).join(', ')}).`);
  }
  return v;
}

export interface EarlyStoppingArgs {
  monitor?: string;
  minDelta?: number;
  patience?: number;
  mode?: 'auto' | 'min' | 'max';
  baseline?: number | null;
  restoreBestWeights?: boolean;
  startFromEpoch?: number;
}

/** Stops training when the monitored quantity has stopped improving (Keras' EarlyStopping). */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  private readonly minDelta: number;
  private readonly patience: number;
  private readonly better: (a: number, b: number) => boolean;
  private readonly baseline: number | null;
  private readonly restoreBestWeights: boolean;
  private readonly startFromEpoch: number;
  private wait = 0;
  private best = NaN;
  private bestWeights: Float32Array[] | null = null;
  stoppedEpoch = 0;
  bestEpoch = 0;

  constructor(args: EarlyStoppingArgs = {}) {
    super();
    this.monitor = args.monitor ?? 'val_loss';
    this.minDelta = Math.abs(args.minDelta ?? 0);
    this.patience = args.patience ?? 0;
    this.better = improves(this.monitor, args.mode ?? 'auto');
    this.baseline = args.baseline ?? null;
    this.restoreBestWeights = args.restoreBestWeights ?? false;
    this.startFromEpoch = args.startFromEpoch ?? 0;
  }

  override onTrainBegin(): void {
    this.wait = 0;
    this.best = NaN;
    this.bestWeights = null;
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const v = monitored(logs, this.monitor, 'EarlyStopping');
    if (v === undefined || epoch < this.startFromEpoch) return;
    const sign = this.better(1, 0) ? 1 : -1;
    const improved = Number.isNaN(this.best) || this.better(v - sign * this.minDelta, this.best);
    if (this.restoreBestWeights && this.bestWeights === null) this.bestWeights = this.control.snapshotWeights();
    this.wait += 1;
    if (improved) {
      this.best = v;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = this.control.snapshotWeights();
      if (this.baseline === null || this.better(v, this.baseline)) this.wait = 0;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.control.stopTraining = true;
      if (this.restoreBestWeights && this.bestWeights) this.control.restoreWeights(this.bestWeights);
    }
  }
}

export interface ReduceLROnPlateauArgs {
  monitor?: string;
  factor?: number;
  patience?: number;
  mode?: 'auto' | 'min' | 'max';
  minDelta?: number;
  cooldown?: number;
  minLr?: number;
}

/** Lowers the learning rate when the monitored quantity stops improving. */
export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  private readonly factor: number;
  private readonly patience: number;
  private readonly better: (a: number, b: number) => boolean;
  private readonly minDelta: number;
  private readonly cooldown: number;
  private readonly minLr: number;
  private wait = 0;
  private cooldownLeft = 0;
  private best = NaN;

  constructor(args: ReduceLROnPlateauArgs = {}) {
    super();
    this.monitor = args.monitor ?? 'val_loss';
    this.factor = args.factor ?? 0.1;
    if (this.factor >= 1) throw new ValueError(`ReduceLROnPlateau does not support a factor >= 1.0; received factor=${this.factor}.`);
    this.patience = args.patience ?? 10;
    this.better = improves(this.monitor, args.mode ?? 'auto');
    this.minDelta = args.minDelta ?? 1e-4;
    this.cooldown = args.cooldown ?? 0;
    this.minLr = args.minLr ?? 0;
  }

  override onEpochEnd(_epoch: number, logs: Logs = {}): void {
    logs.learning_rate = this.control.learningRate;
    const v = monitored(logs, this.monitor, 'ReduceLROnPlateau');
    if (v === undefined) return;
    if (this.cooldownLeft > 0) {
      this.cooldownLeft -= 1;
      this.wait = 0;
    }
    const sign = this.better(1, 0) ? 1 : -1;
    if (Number.isNaN(this.best) || this.better(v - sign * this.minDelta, this.best)) {
      this.best = v;
      this.wait = 0;
    } else if (this.cooldownLeft <= 0) {
      this.wait += 1;
      if (this.wait >= this.patience) {
        const lr = this.control.learningRate;
        if (lr > this.minLr) {
          this.control.learningRate = Math.max(lr * this.factor, this.minLr);
          this.cooldownLeft = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}

/** Sets the learning rate at the start of each epoch from `schedule(epoch, lr)`. */
export class LearningRateScheduler extends Callback {
  constructor(private readonly schedule: (epoch: number, lr: number) => number) {
    super();
  }

  override onEpochBegin(epoch: number): void {
    const lr = this.schedule(epoch, this.control.learningRate);
    if (typeof lr !== 'number' || !Number.isFinite(lr)) {
      throw new ValueError(`The learning-rate schedule returned ${JSON.stringify(lr)} for epoch ${epoch}; it must return a finite number.`);
    }
    this.control.learningRate = lr;
  }

  override onEpochEnd(_epoch: number, logs: Logs = {}): void {
    logs.learning_rate = this.control.learningRate;
  }
}

/** Stops training as soon as a batch loss is NaN or infinite. */
export class TerminateOnNaN extends Callback {
  override onTrainBatchEnd(batch: number, logs: Logs = {}): void {
    const loss = logs.loss;
    if (loss !== undefined && !Number.isFinite(loss)) {
      process.stderr.write(`Batch ${batch}: invalid loss, terminating training\n`);
      this.control.stopTraining = true;
    }
  }
}

export interface CSVLoggerArgs {
  separator?: string;
  /** Add to an existing file (without a second header row) instead of overwriting it. */
  append?: boolean;
}

/**
 * Writes each epoch's logs to a CSV file, as Keras' CSVLogger: a header row `epoch` and the
 * log keys in sorted order (fixed at the first epoch), then one row per epoch, written
 * through at the end of each epoch so the file can be followed while training runs.
 */
export class CSVLogger extends Callback {
  private readonly separator: string;
  private readonly append: boolean;
  private keys: string[] | null = null;
  private file: number | null = null;
  private headerPending = false;

  constructor(
    readonly filename: string,
    args: CSVLoggerArgs = {},
  ) {
    super();
    this.separator = args.separator ?? ',';
    this.append = args.append ?? false;
  }

  override onTrainBegin(): void {
    const hasContent = this.append && existsSync(this.filename) && statSync(this.filename).size > 0;
    this.headerPending = !hasContent;
    this.file = openSync(this.filename, this.append ? 'a' : 'w');
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    if (this.file === null) return;
    this.keys ??= Object.keys(logs).sort();
    const lines: string[] = [];
    if (this.headerPending) lines.push(['epoch', ...this.keys].join(this.separator));
    this.headerPending = false;
    lines.push([String(epoch), ...this.keys.map((k) => (k in logs ? String(logs[k]) : 'NA'))].join(this.separator));
    writeSync(this.file, `${lines.join('\n')}\n`);
  }

  override onTrainEnd(): void {
    if (this.file !== null) closeSync(this.file);
    this.file = null;
  }
}

/** Runs every callback's hook in turn. */
export class CallbackList {
  constructor(readonly callbacks: Callback[]) {}

  call<K extends keyof Callback>(hook: K, ...args: unknown[]): void {
    for (const c of this.callbacks) (c[hook] as (...a: unknown[]) => void).apply(c, args);
  }
}
