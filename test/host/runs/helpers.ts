/** Small projects for run tests: a toy dataset and a model that trains on it in a second or two. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunConfig, RunEvent, RunSummary } from '../../../shared/ipc/index.js';
import { runConfig } from '../../../shared/ipc/index.js';
import { DatasetService } from '../../../electron/host/datasets/index.js';
import { RunService } from '../../../electron/host/runs/index.js';

/** A classifier of the 3-class blobs, with dropout so that resuming must restore the random state too. */
export const TOY_MODEL = `import { Input, Model, layers, losses, optimizers } from 'strata';

const x = Input({ shape: [2], name: 'x' });
let h = layers.Dense(16, { activation: 'relu', name: 'hidden' })(x);
h = layers.Dropout(0.2, { name: 'drop' })(h);
const y = layers.Dense(3, { name: 'y' })(h);

const model = Model({ inputs: x, outputs: y, name: 'toy' });
model.compile({
  loss: losses.SparseCategoricalCrossentropy({ fromLogits: true }),
  optimizer: optimizers.Adam(0.01),
  metrics: ['accuracy'],
});
export default model;
`;

/** A project folder with model "toy" and dataset "blobs" (256 training samples, a validation split of 64). */
export function toyProject(options: { code?: string } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'strata-runs-'));
  mkdirSync(join(dir, 'models'));
  mkdirSync(join(dir, 'datasets'));
  writeFileSync(join(dir, 'strata.json'), JSON.stringify({ name: 'toy', formatVersion: 1, models: ['toy'], datasets: ['blobs'], defaults: {} }, null, 2));
  writeFileSync(join(dir, 'models', 'toy.ts'), options.code ?? TOY_MODEL);
  const definition = { name: 'blobs', source: { kind: 'builtin', id: 'blobs' }, splits: { validation: 0.25, test: 0 }, preprocessing: { scale: 'none', oneHot: false, shuffleSeed: null } };
  writeFileSync(join(dir, 'datasets', 'blobs.json'), JSON.stringify(definition, null, 2));
  return dir;
}

export function toyConfig(overrides: Partial<RunConfig> = {}): RunConfig {
  return runConfig.parse({ model: 'toy', dataset: 'blobs', epochs: 3, batchSize: 16, ...overrides });
}

/** A RunService recording every event it pushes, with a way to wait for a run's status. */
export function recordingService(): { runs: RunService; events: RunEvent[]; until(id: string, done: (run: RunSummary) => boolean): Promise<RunSummary> } {
  const events: RunEvent[] = [];
  const waiters: Array<{ id: string; done: (run: RunSummary) => boolean; resolve: (run: RunSummary) => void }> = [];
  const runs = new RunService({
    datasets: new DatasetService(),
    emit(event) {
      events.push(event);
      if (event.kind !== 'status') return;
      for (const w of [...waiters]) {
        if (w.id === event.run.id && w.done(event.run)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(event.run);
        }
      }
    },
  });
  const until = (id: string, done: (run: RunSummary) => boolean) =>
    new Promise<RunSummary>((resolve) => {
      const seen = [...events].reverse().find((e): e is Extract<RunEvent, { kind: 'status' }> => e.kind === 'status' && e.run.id === id);
      if (seen && done(seen.run)) resolve(seen.run);
      else waiters.push({ id, done, resolve });
    });
  return { runs, events, until };
}

export const ended = (run: RunSummary) => ['completed', 'stopped', 'failed', 'interrupted'].includes(run.status);
