/**
 * Keras' ModelCheckpoint: saves the model (a `.keras` file) or its weights (`.weights.h5`)
 * after every epoch, every N batches, or only when the monitored quantity improved. The file
 * name may hold Python-style fields filled from the epoch and the logs:
 * `ckpt/{epoch:02d}-{val_loss:.2f}.keras`. Each file is written atomically.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ValueError } from '../graph/errors.js';
import { saveModel, saveWeights } from '../io/model-file.js';
import { Callback, improves, type Logs } from './callbacks.js';

export interface ModelCheckpointArgs {
  monitor?: string;
  verbose?: 0 | 1;
  saveBestOnly?: boolean;
  saveWeightsOnly?: boolean;
  mode?: 'auto' | 'min' | 'max';
  /** 'epoch', or save every this many batches. */
  saveFreq?: 'epoch' | number;
  /** With saveBestOnly: a value the monitored quantity must beat before the first save. */
  initialValueThreshold?: number | null;
}

/** Fills `{name}`, `{name:02d}`, `{name:.4f}` fields (the subset of Python's format spec file names use). */
export function formatPath(template: string, values: Record<string, number>): string {
  return template.replace(/\{(\w+)(?::([^}]*))?\}/g, (field, name: string, spec: string | undefined) => {
    const value = values[name];
    if (value === undefined) {
      throw new ValueError(`ModelCheckpoint file name ${template} uses {${name}}, which is not among ${Object.keys(values).join(', ')}.`);
    }
    const m = /^(0?)(\d*)(?:\.(\d+))?([dfe]?)$/.exec(spec ?? '');
    if (!m) throw new ValueError(`ModelCheckpoint file name ${template}: unsupported format "${field}"; use forms like {epoch:02d} or {val_loss:.2f}.`);
    const [, zero, width, precision, type] = m;
    let text = type === 'e' ? value.toExponential(Number(precision ?? 6)) : type === 'f' || precision ? value.toFixed(Number(precision ?? 6)) : type === 'd' ? String(Math.round(value)) : String(value);
    if (width) text = text.padStart(Number(width), zero ? '0' : ' ');
    return text;
  });
}

export class ModelCheckpoint extends Callback {
  readonly monitor: string;
  private readonly better: (a: number, b: number) => boolean;
  private best: number | null;
  private epoch = 0;
  private batchesSinceSave = 0;
  private readonly options: Required<Omit<ModelCheckpointArgs, 'initialValueThreshold'>>;

  constructor(
    readonly filepath: string,
    args: ModelCheckpointArgs = {},
  ) {
    super();
    this.options = {
      monitor: args.monitor ?? 'val_loss',
      verbose: args.verbose ?? 0,
      saveBestOnly: args.saveBestOnly ?? false,
      saveWeightsOnly: args.saveWeightsOnly ?? false,
      mode: args.mode ?? 'auto',
      saveFreq: args.saveFreq ?? 'epoch',
    };
    this.monitor = this.options.monitor;
    if (!['auto', 'min', 'max'].includes(this.options.mode)) {
      throw new ValueError(`ModelCheckpoint mode must be 'auto', 'min' or 'max'; received ${JSON.stringify(args.mode)}.`);
    }
    const freq = this.options.saveFreq;
    if (freq !== 'epoch' && !(Number.isInteger(freq) && freq > 0)) {
      throw new ValueError(`ModelCheckpoint saveFreq must be 'epoch' or a positive whole number of batches; received ${JSON.stringify(freq)}.`);
    }
    const ending = this.options.saveWeightsOnly ? '.weights.h5' : '.keras';
    if (!filepath.endsWith(ending)) {
      throw new ValueError(
        `ModelCheckpoint file name must end in ${ending} ${this.options.saveWeightsOnly ? 'when saveWeightsOnly is true' : '(or pass saveWeightsOnly: true with .weights.h5)'}; received ${filepath}.`,
      );
    }
    this.better = improves(this.monitor, this.options.mode);
    this.best = args.initialValueThreshold ?? null;
  }

  override onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  override onTrainBatchEnd(batch: number, logs: Logs = {}): void {
    if (this.options.saveFreq === 'epoch') return;
    if (++this.batchesSinceSave < this.options.saveFreq) return;
    this.batchesSinceSave = 0;
    this.save({ ...logs, batch: batch + 1 });
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    if (this.options.saveFreq === 'epoch') this.save(logs, epoch);
  }

  private save(logs: Logs, epoch = this.epoch): void {
    const path = formatPath(this.filepath, { ...logs, epoch: epoch + 1 });
    if (this.options.saveBestOnly) {
      const current = logs[this.monitor];
      if (current === undefined) {
        process.emitWarning(`ModelCheckpoint can save the best model only with ${this.monitor} available; the logs hold ${Object.keys(logs).join(', ')}. Skipping.`);
        return;
      }
      if (this.best !== null && !this.better(current, this.best)) {
        if (this.options.verbose) process.stdout.write(`\nEpoch ${epoch + 1}: ${this.monitor} did not improve from ${this.best.toFixed(5)}\n`);
        return;
      }
      if (this.options.verbose) {
        process.stdout.write(`\nEpoch ${epoch + 1}: ${this.monitor} improved from ${this.best === null ? (this.better(1, 0) ? '-inf' : 'inf') : this.best.toFixed(5)} to ${current.toFixed(5)}, saving model to ${path}\n`);
      }
      this.best = current;
    } else if (this.options.verbose) {
      process.stdout.write(`\nEpoch ${epoch + 1}: saving model to ${path}\n`);
    }
    this.control.syncModel();
    mkdirSync(dirname(path), { recursive: true });
    if (this.options.saveWeightsOnly) saveWeights(this.control.model, path);
    else saveModel(this.control.model, path);
  }
}
