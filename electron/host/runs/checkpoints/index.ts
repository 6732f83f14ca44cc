/** A run's checkpoints: keeping them while it trains, listing and reading them, and carrying their weights into an edited model. */
export { createCheckpointCallback, type CheckpointCallbackArgs } from './checkpoint-callback.js';
export { checkpointFileName, readCheckpoint, type Checkpoint } from './checkpoint-file.js';
export { listCheckpoints } from './checkpoint-list.js';
export { transferWeights } from './transfer-weights.js';
