/**
 * The training callback that keeps a run's checkpoints by its policy: every N epochs, the
 * best by a monitored metric, the last. A file kept for several reasons is written once; a
 * file no reason keeps any more is removed only after its successor is safely written, so a
 * kill at any moment leaves the earlier checkpoints whole.
 */
import { mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Callback, type Logs } from '../../../engine/training/callbacks.js';
import type { Functional } from '../../../engine/graph/functional.js';
import { saveModel } from '../../../engine/io/model-file.js';
import type { Trainer } from '../../../engine/training/trainer.js';
import type { CheckpointInfo, RunConfig } from '../../../../shared/ipc/training-schemas.js';
import { checkpointFileName, checkpointMetadataFields, finiteLogs, type CheckpointReason } from './checkpoint-file.js';
import { listCheckpointsSync } from './checkpoint-list.js';

type CheckpointPolicy = RunConfig['checkpoints'];

export interface CheckpointCallbackArgs {
  policy: CheckpointPolicy;
  /** The run's checkpoints folder; created at the first save. Checkpoints already there (a resumed run's) count as kept. */
  dir: string;
  /** Its shuffle state is saved with each checkpoint. */
  trainer: Trainer;
  model: Functional;
  onSaved?: (checkpoint: CheckpointInfo) => void;
  /** Told once when the logs lack the metric the policy's `best` monitors (default: a process warning). */
  onWarning?: (message: string) => void;
}

/** Temp files of an atomic write cut short by a kill (see atomic-write.ts for the name). */
const isInterruptedWrite = (name: string) => /^\.epoch-\d+\.keras\..*\.tmp$/.test(name);

function removeInterruptedWrites(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // no folder yet
  }
  for (const name of names.filter(isInterruptedWrite)) removeFile(join(dir, name));
}

function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

class CheckpointPolicyCallback extends Callback {
  private kept: CheckpointInfo[];
  private best: number | null;
  private warnedMissingMonitor = false;

  constructor(private readonly args: CheckpointCallbackArgs) {
    super();
    removeInterruptedWrites(args.dir);
    this.kept = listCheckpointsSync(args.dir);
    const monitor = args.policy.best?.monitor;
    const bestSoFar = monitor === undefined ? undefined : this.kept.find((c) => c.reasons.includes('best'))?.logs[monitor];
    this.best = bestSoFar ?? null;
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const epochsDone = epoch + 1;
    const reasons = this.reasons(epochsDone, logs);
    if (reasons.length === 0) return;
    const { dir, model, trainer } = this.args;
    const file = checkpointFileName(epochsDone);
    const saved: CheckpointInfo = { file, epoch: epochsDone, reasons, logs: finiteLogs(logs), savedAt: new Date().toISOString() };
    this.control.syncModel();
    mkdirSync(dir, { recursive: true });
    saveModel(model, join(dir, file), { metadata: checkpointMetadataFields({ ...saved, shuffleState: trainer.shuffleState }) });
    this.supersede(saved);
    this.args.onSaved?.(saved);
  }

  private reasons(epochsDone: number, logs: Logs): CheckpointReason[] {
    const { everyEpochs, best, last } = this.args.policy;
    const reasons: CheckpointReason[] = [];
    if (everyEpochs !== null && epochsDone % everyEpochs === 0) reasons.push('every');
    if (best !== null && this.improves(best, logs)) reasons.push('best');
    if (last) reasons.push('last');
    return reasons;
  }

  private improves(best: NonNullable<CheckpointPolicy['best']>, logs: Logs): boolean {
    const value = logs[best.monitor];
    if (value === undefined) {
      if (!this.warnedMissingMonitor) {
        this.warnedMissingMonitor = true;
        const warn = this.args.onWarning ?? ((message: string) => process.emitWarning(message));
        warn(`The checkpoint policy keeps the best epoch by "${best.monitor}", which is not in the epoch logs (${Object.keys(logs).join(', ') || 'none'}); no checkpoint is kept as the best.`);
      }
      return false;
    }
    if (Number.isNaN(value)) return false;
    if (this.best !== null && !(best.mode === 'min' ? value < this.best : value > this.best)) return false;
    this.best = value;
    return true;
  }

  /** Takes the new file's reasons from the older ones; removes those left with none (the new file is already safe on disk). */
  private supersede(saved: CheckpointInfo): void {
    const others = this.kept
      .filter((c) => c.file !== saved.file)
      .map((c) => ({ ...c, reasons: c.reasons.filter((r) => r === 'every' || !saved.reasons.includes(r)) }));
    for (const c of others.filter((c) => c.reasons.length === 0)) removeFile(join(this.args.dir, c.file));
    this.kept = [...others.filter((c) => c.reasons.length > 0), saved];
  }
}

/** The callback to give fit(): keeps `dir`'s checkpoints by `policy` at each epoch's end. */
export function createCheckpointCallback(args: CheckpointCallbackArgs): Callback {
  return new CheckpointPolicyCallback(args);
}
