/**
 * What the host, the training process and its training thread say to each other. Every message
 * is plain data (no class instances), so it crosses child_process IPC, Electron's
 * utilityProcess and worker_threads alike.
 */
import type { RunConfig, RunStatus } from '../../../shared/ipc/index.js';
import type { SerializedLayer } from '../../engine/graph/serialize.js';

/** Where a run's weights come from when its training starts. */
export type TrainingStart =
  /** Initial weights from the seed; the model's starting weights file when there is one. */
  | { kind: 'fresh'; startingWeights: string | null }
  /** The same run continued: weights, optimizer state, epoch and shuffle state of a checkpoint. */
  | { kind: 'checkpoint'; file: string }
  /** Weights prepared by the host (a branch: a checkpoint's weights transferred to an edited model). */
  | { kind: 'weights'; file: string };

/** Everything the training process needs to train one run. */
export interface TrainingJob {
  /** The project folder. */
  dir: string;
  id: string;
  runDir: string;
  config: RunConfig;
  /** The run's snapshot of the model (Keras 3 config with its compile_config), rebuilt in the thread. */
  modelConfig: SerializedLayer;
  start: TrainingStart;
}

export type ToTraining = { type: 'start'; job: TrainingJob } | { type: 'stop' } | { type: 'pause' } | { type: 'resume' };

export type FromTraining =
  | { type: 'log'; line: string }
  | {
      type: 'progress';
      epoch: number;
      epochs: number;
      batch: number;
      batches: number;
      samplesPerSecond: number;
      etaSeconds: number | null;
    }
  /** Batch points since the last message: global batch indices and each metric's values. */
  | { type: 'batchMetrics'; x: number[]; values: Record<string, number[]> }
  /** One finished epoch: `epoch` counts the epochs completed (1 after the first). */
  | { type: 'epochMetrics'; epoch: number; logs: Record<string, number> }
  | { type: 'paused' }
  | { type: 'resumed' }
  /** Training ended on its own or on a stop. */
  | { type: 'done'; status: Extract<RunStatus, 'completed' | 'stopped'> }
  | { type: 'failed'; message: string };
