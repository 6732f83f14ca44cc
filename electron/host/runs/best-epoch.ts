/** Which epoch's logs a run shows as its best: by the checkpoint policy's metric, as Keras' callbacks judge it. */
import type { RunConfig } from '../../../shared/ipc/index.js';
import { improves, type Logs } from '../../engine/training/callbacks.js';

/** The metric that decides: the policy's (val_loss by default), or the training loss when the logs lack it. */
function judge(config: RunConfig, logs: Logs): { monitor: string; better: (a: number, b: number) => boolean } {
  const policy = config.checkpoints.best;
  const wanted = policy?.monitor ?? 'val_loss';
  if (wanted in logs) return { monitor: wanted, better: improves(wanted, policy?.mode ?? 'auto') };
  return { monitor: 'loss', better: improves('loss', 'min') };
}

/** The better of the best so far and a new epoch's logs (the earlier one on a tie). */
export function betterEpoch(config: RunConfig, best: Logs | null, logs: Logs): Logs {
  if (best === null) return logs;
  const { monitor, better } = judge(config, logs);
  const a = logs[monitor];
  const b = best[monitor];
  if (a === undefined || Number.isNaN(a)) return best;
  if (b === undefined || Number.isNaN(b)) return logs;
  return better(a, b) ? logs : best;
}

export function bestOf(config: RunConfig, epochs: Logs[]): Logs | null {
  return epochs.reduce<Logs | null>((best, logs) => betterEpoch(config, best, logs), null);
}
