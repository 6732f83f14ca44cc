/**
 * Every HDF5 file is read once in a thread of its own before the main thread opens it. HDF5
 * can loop forever on a damaged file (a corrupted global heap does it) and abort on others;
 * in the main thread the first would never return and the second could leave the library
 * unusable. The probe thread (hdf5-probe-worker.ts) reads everything a reader could ask for,
 * within a time limit; the caller waits for it synchronously (reading stays synchronous), and
 * a thread that overran, aborted or grew large is replaced by a fresh one.
 */
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import * as esbuild from 'esbuild';
import type { ProbeAnswer, ProbeData, ProbeRequest } from './hdf5-probe-worker.js';
import { MAX_TENSOR_VALUES } from './limits.js';
import { sourcePath } from '../source-path.js';

/** Reading takes milliseconds per megabyte; these limits only catch a thread that will never finish. */
const BASE_LIMIT_MS = 5000;
const LIMIT_MS_PER_MB = 20;
/** A thread whose WebAssembly memory grew past this (it never shrinks) is replaced. */
const MAX_THREAD_MEMORY = 256 * 2 ** 20;

interface ProbeThread {
  worker: Worker;
  port: MessagePort;
  signal: Int32Array;
}

let script: string | undefined;

/** The thread's code as one ES module, bundled once per process (it is started from a data: URL). */
function workerScript(): string {
  script ??= esbuild.buildSync({
    entryPoints: [sourcePath(new URL('./hdf5-probe-worker.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'silent',
  }).outputFiles[0]!.text;
  return script;
}

let thread: ProbeThread | null = null;

function startThread(): ProbeThread {
  const signal = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const { port1, port2 } = new MessageChannel();
  const workerData: ProbeData = { library: import.meta.resolve('h5wasm/node'), port: port2, signal, maxValues: MAX_TENSOR_VALUES };
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(workerScript())}`), {
    workerData,
    transferList: [port2],
    env: {},
    argv: [],
    execArgv: [],
  });
  // An idle probe thread does not keep the process alive.
  worker.unref();
  return { worker, port: port1, signal };
}

function stopThread(): void {
  void thread?.worker.terminate();
  thread = null;
}

/** Null when HDF5 reads the file at `path` (of `size` bytes) to the end; otherwise what stopped it. */
export function probeHdf5(path: string, size: number): string | null {
  const limit = Math.round(BASE_LIMIT_MS + (size / 2 ** 20) * LIMIT_MS_PER_MB);
  for (let attempt = 0; ; attempt++) {
    thread ??= startThread();
    const { port, signal } = thread;
    Atomics.store(signal, 0, 0);
    port.postMessage({ path } satisfies ProbeRequest);
    if (Atomics.wait(signal, 0, 0, limit) === 'timed-out') {
      stopThread();
      return `HDF5 was still reading it after ${limit / 1000} s, caught in a loop by damaged structures`;
    }
    const answer = receiveMessageOnPort(port)!.message as ProbeAnswer;
    if ((!answer.ok && answer.aborted) || answer.memory > MAX_THREAD_MEMORY) stopThread();
    if (answer.ok) return null;
    // A thread worn out by earlier errors aborts on anything: a fresh one tells whether the file is at fault.
    if (!answer.aborted || attempt > 0) return answer.reason;
  }
}
