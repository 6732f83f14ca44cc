/**
 * The sandbox thread's entry (started by sandbox-thread.ts). It evaluates one job at a time:
 * `{ id, job }` in; `{ id, type: 'started' }` when the model code starts, then
 * `{ id, type: 'done', outcome }` or `{ id, type: 'failed', message }` out.
 */
import { parentPort } from 'node:worker_threads';
import { runInSandbox, type SandboxJob } from './sandbox.js';

const port = parentPort;
if (!port) throw new Error('sandbox-worker runs as a worker thread (see sandbox-thread.ts).');

port.on('message', (message: { id: number; job: SandboxJob }) => {
  const { id, job } = message;
  runInSandbox(job, () => port.postMessage({ id, type: 'started' })).then(
    (outcome) => port.postMessage({ id, type: 'done', outcome }),
    (e: unknown) => port.postMessage({ id, type: 'failed', message: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
  );
});
