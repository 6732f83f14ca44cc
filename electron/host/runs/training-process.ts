/**
 * The training process: one per run, forked by the host. Its main thread hears the host (the
 * job, then stop, pause and resume) and relays what the training thread reports; the thread
 * (training-thread.ts) trains. When the host goes away the process ends at once: the run's
 * files hold every complete line and checkpoint, and the next host lists the run as interrupted.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { createControlBlock, request } from './control-block.js';
import type { FromTraining, ToTraining } from './messages.js';

const LAUNCHER = fileURLToPath(new URL('./training-launcher.mjs', import.meta.url));
const THREAD_ENTRY = new URL('./training-thread.ts', import.meta.url).href;

/** Electron's utilityProcess speaks through process.parentPort; a forked Node process through process.send. */
interface ParentPort {
  on(event: 'message', listener: (event: { data: ToTraining }) => void): void;
  postMessage(message: FromTraining): void;
}
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

/** Settles once the last message sent has left the process. */
let sent: Promise<void> = Promise.resolve();

function toHost(message: FromTraining): void {
  if (parentPort) parentPort.postMessage(message);
  else sent = new Promise((done) => void process.send?.(message, undefined, {}, () => done()));
}

const control = createControlBlock();
let thread: Worker | null = null;
let reported = false;

function start(job: Extract<ToTraining, { type: 'start' }>['job']): void {
  thread = new Worker(LAUNCHER, { workerData: { entry: THREAD_ENTRY, job, control } });
  thread.on('message', (message: FromTraining) => {
    if (message.type === 'done' || message.type === 'failed') reported = true;
    toHost(message);
  });
  thread.on('error', (error) => {
    reported = true;
    toHost({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  });
  thread.on('exit', (code) => {
    if (!reported) toHost({ type: 'failed', message: `The training thread ended without a result (exit code ${code}).` });
    // The last message leaves before the process goes.
    void sent.then(() => setImmediate(() => process.exit(0)));
  });
}

function onMessage(message: ToTraining): void {
  if (message.type === 'start') {
    if (!thread) start(message.job);
  } else if (message.type === 'stop') request(control, 'stop');
  else if (message.type === 'pause') request(control, 'pause');
  else request(control, 'run');
}

if (parentPort) parentPort.on('message', (event) => onMessage(event.data));
else {
  process.on('message', (message) => onMessage(message as ToTraining));
  // At once, even in the middle of a native call of the training thread.
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
}
