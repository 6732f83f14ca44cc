/** Runs and events as the host sends them, for the runs tests. */
import type { RunConfig, RunEvent, RunSummary } from '../../../shared/ipc/index.js';

export const DIR = '/projects/demo';

export function config(extra: Partial<RunConfig> = {}): RunConfig {
  return {
    model: 'net',
    dataset: 'mnist',
    mapping: null,
    optimizer: null,
    losses: null,
    lossWeights: null,
    metrics: null,
    epochs: 3,
    batchSize: 32,
    validationSplit: 0.1,
    seed: 1,
    device: 'cpu',
    precision: 'float32',
    callbacks: { earlyStopping: null, reduceLrOnPlateau: null },
    checkpoints: { everyEpochs: null, best: { monitor: 'val_loss', mode: 'min' }, last: true },
    ...extra,
  };
}

export function summary(id: string, extra: Partial<RunSummary> = {}): RunSummary {
  return {
    id,
    name: id,
    starred: false,
    tags: [],
    archived: false,
    status: 'completed',
    model: 'net',
    dataset: 'mnist',
    config: config(),
    params: 55_050,
    createdAt: '2026-01-01T00:00:00Z',
    startedAt: '2026-01-01T00:00:01Z',
    endedAt: '2026-01-01T00:01:01Z',
    epochsDone: 3,
    best: { loss: 0.2, accuracy: 0.94, val_loss: 0.25, val_accuracy: 0.93 },
    last: { loss: 0.18, accuracy: 0.95, val_loss: 0.27, val_accuracy: 0.92 },
    error: null,
    parent: null,
    ...extra,
  };
}

export const f64 = (...values: number[]) => Float64Array.from(values);

export function batchEvent(id: string, xs: number[], losses: number[], dir = DIR): RunEvent {
  return { kind: 'metrics', dir, id, scope: 'batch', x: f64(...xs), values: { loss: f64(...losses) } };
}
