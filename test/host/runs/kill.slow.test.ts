/**
 * Issue 6's kill test: kill the training process, or the host, at random points, several
 * times; every metrics line stays whole, every checkpoint opens, and the run resumes from its
 * last checkpoint to the end.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { readCheckpoint } from '../../../electron/host/runs/checkpoints/index.js';
import { ended, recordingService, toyConfig, toyProject } from './helpers.js';

const LAUNCHER = fileURLToPath(new URL('../../../electron/host/runs/training-launcher.mjs', import.meta.url));
const HOST = new URL('./fixtures/host.ts', import.meta.url).href;

const runJson = (dir: string, id: string) => JSON.parse(readFileSync(join(dir, 'runs', id, 'run.json'), 'utf8')) as { pid: number | null; epochsDone: number };
const sleep = (ms: number) => new Promise((wake) => setTimeout(wake, ms));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Every complete line parses; what follows the last newline (a line cut by the kill) is all a reader skips. */
function checkMetrics(dir: string, id: string): number {
  const text = readFileSync(join(dir, 'runs', id, 'metrics.jsonl'), 'utf8');
  const complete = text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean);
  for (const line of complete) expect(() => JSON.parse(line)).not.toThrow();
  return complete.length;
}

async function checkCheckpoints(runs: ReturnType<typeof recordingService>['runs'], dir: string, id: string): Promise<number> {
  const list = await runs.checkpoints(dir, id);
  for (const c of list) await expect(readCheckpoint(join(dir, 'runs', id, 'checkpoints', c.file))).resolves.toHaveProperty('epoch', c.epoch);
  return list.at(-1)?.epoch ?? 0;
}

const LONG = toyConfig({ epochs: 100, batchSize: 2, checkpoints: { everyEpochs: null, best: null, last: true } });

describe('killing training mid-run', () => {
  test('killing the training process fails the run, never the host; it resumes from its last checkpoint each time and completes', async () => {
    const dir = toyProject();
    const { runs, until } = recordingService();
    const run = await runs.start(dir, LONG);
    let lastEpoch = 0;
    for (let kill = 0; kill < 3; kill++) {
      const started = await until(run.id, (r) => r.status === 'running' && r.epochsDone > lastEpoch + 1);
      await sleep(Math.random() * 100);
      const { pid } = runJson(dir, started.id);
      process.kill(pid!, 'SIGKILL');
      const failed = await until(run.id, (r) => r.status === 'failed');
      expect(failed.error).toMatch(/ended unexpectedly \(signal SIGKILL\)/);
      checkMetrics(dir, run.id);
      lastEpoch = await checkCheckpoints(runs, dir, run.id);
      expect(lastEpoch).toBeGreaterThan(0);
      const resumed = await runs.resume(dir, run.id);
      expect(resumed.epochsDone).toBe(lastEpoch);
    }
    expect(await until(run.id, (r) => r.status === 'completed')).toMatchObject({ epochsDone: 100 });
    const lines = readFileSync(join(dir, 'runs', run.id, 'metrics.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { scope: string; x: number });
    expect(lines.filter((l) => l.scope === 'epoch').map((l) => l.x)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  test('when the host dies its training process ends too; the next host lists the run as interrupted and resumes it', async () => {
    const dir = toyProject();
    for (let kill = 0; kill < 2; kill++) {
      const host = spawn(process.execPath, [LAUNCHER, HOST, dir, JSON.stringify(LONG)], { stdio: ['ignore', 'pipe', 'inherit'] });
      const id = await new Promise<string>((resolve) => host.stdout.once('data', (d: Buffer) => resolve(JSON.parse(d.toString()).id)));
      while (runJson(dir, id).epochsDone < 2) await sleep(50);
      await sleep(Math.random() * 300);
      const { pid } = runJson(dir, id);
      host.kill('SIGKILL');
      while (pid !== null && alive(pid)) await sleep(50);

      const { runs, until } = recordingService();
      const [listed] = await runs.list(dir);
      expect(listed).toMatchObject({ id, status: 'interrupted' });
      checkMetrics(dir, id);
      const lastEpoch = await checkCheckpoints(runs, dir, id);
      expect((await runs.resume(dir, id)).epochsDone).toBe(lastEpoch);
      expect(await until(id, (r) => r.status !== 'queued' && ended(r))).toMatchObject({ status: 'completed', epochsDone: 100 });
    }
  });
});
