/**
 * One checkpoint file: a `.keras` archive (weights and optimizer state) whose metadata.json
 * also holds what a resumed run needs that Keras does not keep: the epochs completed, the
 * shuffle generator's state, the epoch's logs and why the file was kept.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Functional } from '../../../engine/graph/functional.js';
import { readKerasArchive, readKerasMetadata } from '../../../engine/io/keras-archive.js';
import type { ReadOptions } from '../../../engine/io/loaded-model.js';
import type { CheckpointInfo } from '../../../../shared/ipc/training-schemas.js';

/** The key of Strata's fields in a checkpoint's metadata.json. */
const METADATA_KEY = 'strata_checkpoint';

const checkpointMetadata = z.object({
  epoch: z.number().int().nonnegative(),
  shuffle_state: z.number().int().nonnegative(),
  logs: z.record(z.string(), z.number()),
  reasons: z.array(z.enum(['last', 'best', 'every'])),
  saved_at: z.string(),
});

export type CheckpointReason = CheckpointInfo['reasons'][number];

export interface CheckpointFields {
  epoch: number;
  shuffleState: number;
  logs: Record<string, number>;
  reasons: CheckpointReason[];
  savedAt: string;
}

/** `epoch-0003.keras`: the file kept after 3 epochs, names sorting in epoch order. */
export function checkpointFileName(epochsDone: number): string {
  return `epoch-${String(epochsDone).padStart(4, '0')}.keras`;
}

/** Candidates in a checkpoints folder: `.keras` files, not the hidden temp files of a write in progress. */
export function isCheckpointName(name: string): boolean {
  return name.endsWith('.keras') && !name.startsWith('.');
}

/** The logs a checkpoint keeps: those that are numbers (a diverged loss is NaN, which JSON cannot hold). */
export function finiteLogs(logs: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(logs).filter(([, v]) => Number.isFinite(v)));
}

/** The metadata.json fields that make a `.keras` file a checkpoint. */
export function checkpointMetadataFields(fields: CheckpointFields): Record<string, unknown> {
  return {
    [METADATA_KEY]: {
      epoch: fields.epoch,
      shuffle_state: fields.shuffleState,
      logs: fields.logs,
      reasons: fields.reasons,
      saved_at: fields.savedAt,
    },
  };
}

/** The checkpoint fields of a `.keras` file's bytes; throws, naming the file, when it is not a complete Strata checkpoint. */
export function readCheckpointFields(bytes: Uint8Array, file: string): CheckpointFields {
  let metadata: Record<string, unknown>;
  try {
    metadata = readKerasMetadata(bytes, file);
  } catch (e) {
    // The engine's message names the file and what is wrong with it.
    throw new Error(`Cannot read checkpoint: ${(e as Error).message}`);
  }
  const parsed = checkpointMetadata.safeParse(metadata[METADATA_KEY]);
  if (!parsed.success) {
    const found = metadata[METADATA_KEY] === undefined ? `its metadata.json has no "${METADATA_KEY}" entry (a .keras model saved outside a training run)` : `its "${METADATA_KEY}" entry is malformed (${parsed.error.issues.map((i) => `${i.path.join('.') || 'entry'}: ${i.message}`).join('; ')})`;
    throw new Error(`${file} is not a Strata checkpoint: ${found}; expected the epoch, shuffle state, logs and reasons a training run writes.`);
  }
  const m = parsed.data;
  return { epoch: m.epoch, shuffleState: m.shuffle_state, logs: m.logs, reasons: m.reasons, savedAt: m.saved_at };
}

export function checkpointInfo(name: string, fields: CheckpointFields): CheckpointInfo {
  return { file: name, epoch: fields.epoch, reasons: fields.reasons, logs: fields.logs, savedAt: fields.savedAt };
}

/**
 * The reasons each checkpoint is still kept for. A file's own metadata says why it was kept
 * when written; a newer `best` or `last` supersedes it without rewriting the older file, so
 * only the newest file of each of those reasons keeps it. Sorted by epoch.
 */
export function currentReasons(checkpoints: CheckpointInfo[]): CheckpointInfo[] {
  const sorted = [...checkpoints].sort((a, b) => a.epoch - b.epoch || a.savedAt.localeCompare(b.savedAt));
  const newestFirst = [...sorted].reverse();
  const newest = (reason: CheckpointReason) => newestFirst.find((c) => c.reasons.includes(reason));
  const holders = new Map<CheckpointReason, CheckpointInfo | undefined>([
    ['best', newest('best')],
    ['last', newest('last')],
  ]);
  return sorted.map((c) => ({ ...c, reasons: c.reasons.filter((r) => r === 'every' || holders.get(r) === c) }));
}

export interface Checkpoint {
  /** The model with its weights and its optimizer's state (a Trainer built on it resumes the optimizer). */
  model: Functional;
  /** Epochs completed: resume with `initialEpoch` set to it. */
  epoch: number;
  /** Set as the Trainer's shuffleState so later epochs shuffle as they would have. */
  shuffleState: number;
  logs: Record<string, number>;
  /** What loading had to skip (an optimizer state that no longer fits…). */
  warnings: string[];
}

/** A checkpoint file, read back; `options` supplies the architecture of models with custom layers. */
export async function readCheckpoint(file: string, options: ReadOptions = {}): Promise<Checkpoint> {
  const bytes = new Uint8Array(
    await readFile(file).catch((e: NodeJS.ErrnoException) => {
      throw e.code === 'ENOENT' ? new Error(`Checkpoint ${file} does not exist; expected a .keras file in a run's checkpoints folder.`) : e;
    }),
  );
  const fields = readCheckpointFields(bytes, file);
  const { model, warnings } = readKerasArchive(bytes, file, options);
  return { model, epoch: fields.epoch, shuffleState: fields.shuffleState, logs: fields.logs, warnings };
}
