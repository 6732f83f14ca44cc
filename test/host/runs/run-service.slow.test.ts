/** Runs as the studio starts them: a training process per run, one at a time, stoppable, pausable, failing cleanly. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, test } from 'vitest';
import { encodeNpy } from '../../../electron/engine/data/writers/npy.js';
import { cudaProbe } from '../../../electron/engine/tensor/device.js';
import { ended, recordingService, toyConfig, toyProject } from './helpers.js';

const usableGpu = cudaProbe(false).devices.some((d) => d.supported);

const metricsLines = (dir: string, id: string) => {
  const text = readFileSync(join(dir, 'runs', id, 'metrics.jsonl'), 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.trimEnd().split('\n').map((l) => JSON.parse(l) as { scope: string; x: number; epoch: number; logs: Record<string, number> });
};

describe('RunService', () => {
  test('a run goes queued → running → completed, records every batch and epoch, and lists with its metrics', async () => {
    const dir = toyProject();
    const { runs, events, until } = recordingService();
    const run = await runs.start(dir, toyConfig({ epochs: 3 }));
    expect(run).toMatchObject({ status: 'queued', name: 'toy #1', model: 'toy', dataset: 'blobs', params: 99 });
    const done = await until(run.id, ended);
    expect(done).toMatchObject({ status: 'completed', epochsDone: 3, error: null });
    expect(done.last).toHaveProperty('val_accuracy');

    const lines = metricsLines(dir, run.id);
    expect(lines.filter((l) => l.scope === 'epoch').map((l) => l.x)).toEqual([1, 2, 3]);
    expect(lines.filter((l) => l.scope === 'batch')).toHaveLength(3 * 12); // 192 training samples in batches of 16
    const statuses = events.flatMap((e) => (e.kind === 'status' && e.run.id === run.id ? [e.run.status] : []));
    expect(statuses[0]).toBe('queued');
    expect(statuses).toContain('running');
    expect(statuses.at(-1)).toBe('completed');
    expect(events.some((e) => e.kind === 'progress' && e.samplesPerSecond > 0)).toBe(true);
    expect(events.some((e) => e.kind === 'metrics' && e.scope === 'epoch' && e.values.loss instanceof Float64Array)).toBe(true);

    const [metrics] = await runs.metrics(dir, [run.id]);
    expect(Array.from(metrics!.epoch.val_loss!.x)).toEqual([1, 2, 3]);
    expect(metrics!.batch.loss!.y.length).toBe(36);
    expect((await runs.list(dir)).map((r) => r.status)).toEqual(['completed']);
    expect((await runs.confusion(dir, run.id))?.counts.reduce((a, b) => a + b, 0)).toBe(64);
    const onDisk = JSON.parse(readFileSync(join(dir, 'runs', run.id, 'run.json'), 'utf8'));
    expect(onDisk.snapshot.code).toContain("name: 'toy'");
    expect(onDisk.pid).toBeNull();
  });

  test('a second run waits queued until the first ends; a stop mid-run leaves complete lines; runs can be renamed, compared and deleted', async () => {
    const dir = toyProject();
    const { runs, events, until } = recordingService();
    const first = await runs.start(dir, toyConfig({ epochs: 400, batchSize: 4, checkpoints: { everyEpochs: null, best: null, last: false } }));
    const second = await runs.start(dir, toyConfig({ epochs: 1 }));
    expect(second.name).toBe('toy #2');
    await until(first.id, (r) => r.status === 'running' && r.epochsDone >= 2);
    expect((await runs.list(dir)).find((r) => r.id === second.id)?.status).toBe('queued');
    const stopped = await runs.stop(dir, first.id);
    expect(stopped.status).toBe('stopped');
    const lines = metricsLines(dir, first.id);
    const epochs = lines.filter((l) => l.scope === 'epoch').length;
    expect(epochs).toBe(stopped.epochsDone);
    expect(epochs).toBeLessThan(400);
    const done = await until(second.id, ended);
    expect(done.status).toBe('completed');
    const started = (id: string) => events.findIndex((e) => e.kind === 'status' && e.run.id === id && e.run.status === 'running');
    const firstEnded = events.findIndex((e) => e.kind === 'status' && e.run.id === first.id && e.run.status === 'stopped');
    expect(started(second.id)).toBeGreaterThan(firstEnded);

    expect((await runs.update(dir, first.id, { name: 'short', starred: true, tags: ['baseline'] })).name).toBe('short');
    expect(await runs.saveComparison(dir, { name: 'both', runs: [first.id, second.id], createdAt: new Date().toISOString() })).toHaveLength(1);
    expect((await runs.comparisons(dir))[0]?.runs).toEqual([first.id, second.id]);
    await runs.delete(dir, second.id);
    expect(existsSync(join(dir, 'runs', second.id))).toBe(false);
    expect((await runs.list(dir)).map((r) => [r.name, r.starred])).toEqual([['short', true]]);
  });

  test('pause holds the run between batches and resume continues it to the end', async () => {
    const dir = toyProject();
    const { runs, until } = recordingService();
    const run = await runs.start(dir, toyConfig({ epochs: 150, batchSize: 4, checkpoints: { everyEpochs: null, best: null, last: false } }));
    await until(run.id, (r) => r.status === 'running' && r.epochsDone >= 1);
    const paused = await runs.pause(dir, run.id);
    expect(paused.status).toBe('paused');
    const linesAt = readFileSync(join(dir, 'runs', run.id, 'metrics.jsonl'), 'utf8').length;
    await new Promise((wait) => setTimeout(wait, 500));
    expect(readFileSync(join(dir, 'runs', run.id, 'metrics.jsonl'), 'utf8').length).toBe(linesAt);
    expect((await runs.list(dir))[0]?.status).toBe('paused');
    expect((await runs.resume(dir, run.id)).status).toBe('running');
    expect(await until(run.id, ended)).toMatchObject({ status: 'completed', epochsDone: 150 });
  });

  test('a model that does not evaluate makes a failed run that says why, and one failing in training fails with the message', async () => {
    const dir = toyProject({ code: "import { Input, Model, layers } from 'strata';\nconst x = Input({ shape: [2] });\nexport default Model({ inputs: x, outputs: layers.Dense(3)(undefinedThing) });\n" });
    const { runs, until } = recordingService();
    const run = await runs.start(dir, toyConfig());
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/models\/toy\.ts:3:.*undefinedThing/);
    expect((await runs.log(dir, run.id)).lines.join('\n')).toContain('undefinedThing');

    // Evaluates, but has no loss: the training process fails the run with the reason.
    const noLoss = toyProject({ code: "import { Input, Model, layers } from 'strata';\nconst x = Input({ shape: [2] });\nexport default Model({ inputs: x, outputs: layers.Dense(3)(x) });\n" });
    const second = await runs.start(noLoss, toyConfig());
    const failed = await until(second.id, ended);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/No loss for output/);
  });

  test('a model with two inputs and two outputs trains on an NPZ dataset whose members feed them by name', async () => {
    const dir = toyProject({
      code: [
        "import { Input, Model, layers, losses } from 'strata';",
        "const title = Input({ shape: [4], name: 'title' });",
        "const body = Input({ shape: [5], name: 'body' });",
        "const h = layers.Dense(8, { activation: 'relu' })(layers.concatenate([title, body]));",
        "const priority = layers.Dense(1, { name: 'priority' })(h);",
        "const department = layers.Dense(3, { name: 'department' })(h);",
        "const model = Model({ inputs: [title, body], outputs: [priority, department], name: 'toy' });",
        "model.compile({ optimizer: 'adam', loss: { priority: 'mse', department: losses.SparseCategoricalCrossentropy({ fromLogits: true }) } });",
        'export default model;',
      ].join('\n'),
    });
    const n = 64;
    const random = (length: number) => Float32Array.from({ length }, (_, i) => Math.sin(i * 12.9898) % 1);
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(
      join(dir, 'data', 'tickets.npz'),
      zipSync(
        {
          'title.npy': encodeNpy({ shape: [n, 4], data: random(n * 4) }),
          'body.npy': encodeNpy({ shape: [n, 5], data: random(n * 5) }),
          'priority.npy': encodeNpy({ shape: [n, 1], data: random(n) }),
          'department.npy': encodeNpy({ shape: [n], data: Int32Array.from({ length: n }, (_, i) => i % 3) }),
        },
        { level: 0 },
      ),
    );
    const definition = { name: 'tickets', source: { kind: 'npz', path: 'data/tickets.npz', x: ['title', 'body'], y: ['department', 'priority'] } };
    writeFileSync(join(dir, 'datasets', 'tickets.json'), JSON.stringify(definition));
    const { runs, until } = recordingService();
    const run = await runs.start(dir, toyConfig({ dataset: 'tickets', epochs: 2, batchSize: 16 }));
    const done = await until(run.id, ended);
    expect(done).toMatchObject({ status: 'completed', epochsDone: 2, error: null });
    expect(Object.keys(done.last ?? {})).toEqual(expect.arrayContaining(['loss', 'priority_loss', 'department_loss']));
  });

  test.skipIf(usableGpu)('a run on a GPU this machine cannot use is refused, saying what was found and what is needed', async () => {
    const dir = toyProject();
    const { runs } = recordingService();
    await expect(runs.start(dir, toyConfig({ device: 'cuda' }))).rejects.toThrow(/Cannot train on cuda: .*needs an NVIDIA GPU of compute capability 8\.0/);
    expect(await runs.list(dir)).toEqual([]);
  });

  test('a run asking for bf16 on the CPU is refused', async () => {
    const dir = toyProject();
    const { runs } = recordingService();
    await expect(runs.start(dir, toyConfig({ precision: 'bf16' }))).rejects.toThrow(/precision "bf16" needs a CUDA device/);
    expect(await runs.list(dir)).toEqual([]);
  });
});
