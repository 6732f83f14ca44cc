/** Checkpoints seen from runs: resuming continues exactly, branching carries weights into an edited model, restore and export. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ended, recordingService, toyConfig, toyProject } from './helpers.js';

const epochLogs = (dir: string, id: string) =>
  readFileSync(join(dir, 'runs', id, 'metrics.jsonl'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { scope: string; x: number; logs: Record<string, number> })
    .filter((l) => l.scope === 'epoch');

const EVERY_EPOCH = { everyEpochs: 1, best: null, last: true };

describe('runs from checkpoints', () => {
  test('a run resumed from its epoch-2 checkpoint trains epochs 3 and 4 exactly as an uninterrupted run does', async () => {
    const dir = toyProject();
    const { runs, until } = recordingService();
    const config = toyConfig({ epochs: 4, seed: 7, checkpoints: EVERY_EPOCH });
    const a = await runs.start(dir, config);
    const b = await runs.start(dir, config);
    expect((await until(a.id, ended)).status).toBe('completed');
    expect((await until(b.id, ended)).status).toBe('completed');
    expect((await runs.checkpoints(dir, b.id)).map((c) => c.file)).toEqual(['epoch-0001.keras', 'epoch-0002.keras', 'epoch-0003.keras', 'epoch-0004.keras']);

    const resumed = await runs.resumeFromCheckpoint(dir, b.id, 'epoch-0002.keras');
    expect(resumed).toMatchObject({ status: 'queued', epochsDone: 2, parent: { run: b.id, checkpoint: 'epoch-0002.keras' } });
    expect(epochLogs(dir, b.id).map((l) => l.x)).toEqual([1, 2]);
    expect((await runs.checkpoints(dir, b.id)).map((c) => c.epoch)).toEqual([1, 2]);
    expect((await until(b.id, (r) => r.status !== 'queued' && ended(r))).status).toBe('completed');

    const uninterrupted = epochLogs(dir, a.id);
    const continued = epochLogs(dir, b.id);
    expect(continued.map((l) => l.x)).toEqual([1, 2, 3, 4]);
    expect(continued[2]!.logs).toEqual(uninterrupted[2]!.logs);
    expect(continued[3]!.logs).toEqual(uninterrupted[3]!.logs);
    expect((await runs.log(dir, b.id)).lines).toContain('Resuming from checkpoint epoch-0002.keras (after epoch 2).');
  });

  test('a branch keeps the weights that still fit an edited model and names the layers it re-initialised; restore and export write files', async () => {
    const code = (units: number) => `import { Input, Model, layers, losses, optimizers } from 'strata';
const x = Input({ shape: [2], name: 'x' });
let h = layers.Dense(16, { activation: 'relu', name: 'hidden' })(x);
h = layers.Dense(${units}, { activation: 'relu', name: 'middle' })(h);
const model = Model({ inputs: x, outputs: layers.Dense(3, { name: 'y' })(h), name: 'toy' });
model.compile({ loss: losses.SparseCategoricalCrossentropy({ fromLogits: true }), optimizer: optimizers.Adam(0.01), metrics: ['accuracy'] });
export default model;
`;
    const dir = toyProject({ code: code(8) });
    const { runs, until } = recordingService();
    const parent = await runs.start(dir, toyConfig({ epochs: 2, checkpoints: EVERY_EPOCH }));
    await until(parent.id, ended);

    writeFileSync(join(dir, 'models', 'toy.ts'), code(12));
    const { run, reinitialized } = await runs.branch(dir, parent.id, 'epoch-0002.keras', toyConfig({ epochs: 1 }));
    expect(reinitialized.sort()).toEqual(['middle', 'y']);
    expect(run.parent).toEqual({ run: parent.id, checkpoint: 'epoch-0002.keras' });
    expect((await until(run.id, ended)).status).toBe('completed');
    expect((await runs.log(dir, run.id)).lines[0]).toMatch(/re-initialised middle, y/);
    expect((await runs.diff(dir, parent.id, run.id)).changed.map((c) => c.name)).toContain('middle');

    const restored = await runs.restore(dir, parent.id, 'epoch-0001.keras');
    expect(restored).toEqual({ model: 'toy', code: code(8) });
    expect(existsSync(join(dir, 'models', 'toy.weights.h5'))).toBe(true);
    const exported = await runs.exportCheckpoint(dir, parent.id, 'epoch-0002.keras', join(dir, 'export.keras'));
    expect(readFileSync(exported.path)).toEqual(readFileSync(join(dir, 'runs', parent.id, 'checkpoints', 'epoch-0002.keras')));
  });
});
