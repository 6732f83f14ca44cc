/**
 * The sandbox runs in a worker thread of its own (sandbox-worker.ts → sandbox.ts), for three
 * reasons: the host's event loop (in the studio, the Electron main process) stays responsive
 * while model code runs; the thread gets a stack large enough for deep model graphs; and the
 * host can terminate the thread when model code outlives its time limit in a way QuickJS'
 * interrupt cannot stop (an interrupt raised inside an async function becomes a rejected
 * promise that the code can go on from). One idle thread is kept for the next evaluation;
 * every evaluation still gets a fresh QuickJS instance inside it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as esbuild from 'esbuild';
import type { SandboxJob, SandboxLimits, SandboxOutcome } from './sandbox.js';
import { sourcePath } from '../../engine/source-path.js';

/** The sandbox thread's stack (see QUICKJS_STACK_BYTES in sandbox.ts). */
const WORKER_STACK_MB = 16;
/** How long past the time limit the thread may run before it is terminated. */
const KILL_GRACE_MS = 1000;
/** Starting a thread and loading the engine into QuickJS takes well under a second. */
const STARTUP_LIMIT_MS = 30_000;
const MAX_IDLE_THREADS = 1;

const requireHere = createRequire(import.meta.url);

let scriptCache: Promise<string> | undefined;

/** The worker's code as one ES module (bundled once per process from sandbox-worker.ts). */
function workerScript(): Promise<string> {
  scriptCache ??= (async () => {
    const entry = sourcePath(new URL('./sandbox-worker.ts', import.meta.url));
    // The worker is started from a data: URL, so its one package import is made absolute.
    const quickjs = pathToFileURL(requireHere.resolve('quickjs-emscripten')).href;
    const result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
      plugins: [
        {
          name: 'strata-quickjs-absolute',
          setup(build) {
            build.onResolve({ filter: /^quickjs-emscripten$/ }, () => ({ path: quickjs, external: true }));
          },
        },
      ],
    });
    const file = result.outputFiles[0];
    if (!file) throw new Error('Bundling the model sandbox thread produced no output.');
    return file.text;
  })().catch((e: unknown) => {
    scriptCache = undefined;
    throw e;
  });
  return scriptCache;
}

let wasmCache: Promise<WebAssembly.Module | undefined> | undefined;

/** The QuickJS WebAssembly module, compiled once per process and shared with the threads. */
function quickjsWasm(): Promise<WebAssembly.Module | undefined> {
  wasmCache ??= (async () => {
    try {
      // The wasm file of the variant quickjs-emscripten itself depends on.
      const fromQuickjs = createRequire(requireHere.resolve('quickjs-emscripten'));
      return await WebAssembly.compile(readFileSync(fromQuickjs.resolve('@jitl/quickjs-wasmfile-release-sync/wasm')));
    } catch {
      return undefined; // each instance then loads it the usual way
    }
  })();
  return wasmCache;
}

const idle: Worker[] = [];
let nextJobId = 1;

function spawn(script: string): Worker {
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(script)}`), {
    resourceLimits: { stackSizeMb: WORKER_STACK_MB },
    // Nothing of the host's that the thread does not need: no environment, no loader flags.
    env: {},
    argv: [],
    execArgv: [],
  });
  worker.on('exit', () => {
    const i = idle.indexOf(worker);
    if (i >= 0) idle.splice(i, 1);
  });
  return worker;
}

type WorkerMessage =
  | { id: number; type: 'started' }
  | { id: number; type: 'done'; outcome: SandboxOutcome }
  | { id: number; type: 'failed'; message: string };

const stopped = (kind: 'timeout' | 'memory' | 'evaluation', message: string): SandboxOutcome => ({
  ok: false,
  kind,
  error: { name: 'InternalError', message, stack: '' },
  logs: [],
});

/** Evaluates in a sandbox thread; the thread is terminated if the model code overstays. */
export async function runInSandboxThread(engineScript: string, modelScript: string, limits: SandboxLimits): Promise<SandboxOutcome> {
  const [script, wasmModule] = await Promise.all([workerScript(), quickjsWasm()]);
  const worker = idle.pop() ?? spawn(script);
  worker.ref();
  const id = nextJobId++;

  return new Promise<SandboxOutcome>((resolve, reject) => {
    let timer = setTimeout(() => {
      release(false);
      reject(new Error(`The model sandbox did not start within ${STARTUP_LIMIT_MS / 1000} s.`));
    }, STARTUP_LIMIT_MS);

    const release = (reusable: boolean) => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (reusable && idle.length < MAX_IDLE_THREADS) {
        worker.unref();
        idle.push(worker);
      } else {
        void worker.terminate();
      }
    };
    const onMessage = (m: WorkerMessage) => {
      if (m.id !== id) return;
      if (m.type === 'started') {
        clearTimeout(timer);
        timer = setTimeout(() => {
          release(false);
          resolve(stopped('timeout', 'interrupted'));
        }, limits.timeoutMs + KILL_GRACE_MS);
      } else if (m.type === 'done') {
        release(true);
        resolve(m.outcome);
      } else {
        release(false);
        reject(new Error(`The model sandbox failed: ${m.message}`));
      }
    };
    const onError = (e: Error & { code?: string }) => {
      release(false);
      if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') resolve(stopped('memory', 'out of memory'));
      else reject(new Error(`The model sandbox thread failed: ${e.message}`, { cause: e }));
    };
    const onExit = (code: number) => {
      release(false);
      resolve(stopped('evaluation', `The model sandbox thread stopped unexpectedly (exit code ${code}).`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    const job: SandboxJob = { engineScript, modelScript, limits, ...(wasmModule ? { wasmModule } : {}) };
    worker.postMessage({ id, job });
  });
}
