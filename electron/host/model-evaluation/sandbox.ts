/**
 * The model-file sandbox: QuickJS compiled to WebAssembly. Each evaluation gets a fresh
 * WebAssembly instance with its own linear memory (capped at the memory limit), one QuickJS
 * runtime and context, the engine bundle, and the transpiled model code; nothing of the host
 * is reachable from inside but a `console` that hands strings out. Afterwards the instance is
 * dropped whole, so nothing one model file does can be seen by the next.
 *
 * This file runs in the sandbox thread (sandbox-worker.ts), which the host can terminate when
 * the model code outlives the time limit in a way the interpreter's interrupt cannot stop.
 * What comes out is data: the model's config as a JSON string, the printed lines, or a
 * description of what went wrong with the stack frames QuickJS recorded.
 */
import {
  RELEASE_SYNC,
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSRuntime,
  type QuickJSWASMModule,
} from 'quickjs-emscripten';
import { MODEL_SCRIPT } from './stack-frames.js';

const ENGINE_SCRIPT = 'strata-engine.js';
const DRIVER_SCRIPT = 'strata-driver.js';

export interface SandboxLimits {
  /** Wall-clock milliseconds for the model code (and what it leaves in promise jobs). */
  timeoutMs: number;
  /** Bytes the sandbox's heap may grow to. */
  memoryBytes: number;
}

/** One evaluation, as the host hands it to the sandbox thread. */
export interface SandboxJob {
  /** A script whose completion value is the engine's exports (engine-bundle.ts). */
  engineScript: string;
  /** A script whose completion value is the model's CommonJS module function (transpile.ts). */
  modelScript: string;
  limits: SandboxLimits;
  /** The QuickJS WebAssembly module, compiled once by the host; loaded from its package when absent. */
  wasmModule?: WebAssembly.Module;
}

/** What an error looked like inside the sandbox. */
export interface SandboxErrorInfo {
  name: string;
  message: string;
  /** QuickJS' stack: lines `    at fn (script:line:column)`. */
  stack: string;
  layerName?: string;
}

export type SandboxOutcome =
  | { ok: true; modelJSON: string; logs: string[] }
  | { ok: false; kind: 'evaluation' | 'timeout' | 'memory' | 'export'; error: SandboxErrorInfo; logs: string[] };

/**
 * QuickJS' own stack limit. The interpreter keeps its frames on Emscripten's 5 MiB stack in
 * linear memory and its C frames on the thread's stack (the sandbox thread has 16 MiB, and a
 * QuickJS frame costs about twice as much there), so 3 MiB stays inside both: a runaway
 * recursion ends as QuickJS' "stack overflow", and graphs thousands of layers deep fit
 * (the engine walks graphs recursively).
 */
export const QUICKJS_STACK_BYTES = 3 * 1024 * 1024;
/** Linear memory beyond the heap limit: the interpreter's static data and stack, the engine. */
const WASM_HEADROOM_BYTES = 32 * 1024 * 1024;
const WASM_PAGE = 64 * 1024;
/** The prebuilt QuickJS module declares at most 2 GiB of memory. */
const WASM_MAX_PAGES = 32768;
/** What `console.*` may print in one evaluation before the rest is cut. */
const LOG_CHAR_LIMIT = 1_000_000;
const LOG_LINE_LIMIT = 10_000;

/**
 * A QuickJS instance of its own, whose linear memory cannot grow past the limit. (QuickJS'
 * own `setMemoryLimit` is kept too, but in this build it bounds single allocations only.)
 */
async function freshQuickJS(memoryBytes: number, wasmModule: WebAssembly.Module | undefined): Promise<QuickJSWASMModule> {
  const maximum = Math.min(WASM_MAX_PAGES, Math.ceil((memoryBytes + WASM_HEADROOM_BYTES) / WASM_PAGE));
  const wasmMemory = new WebAssembly.Memory({ initial: Math.min(maximum, 256), maximum });
  const variant = newVariant(RELEASE_SYNC, wasmModule ? { wasmModule, wasmMemory } : { wasmMemory });
  return newQuickJSWASMModuleFromVariant(variant);
}

/**
 * Runs in the sandbox after the engine: takes the engine's exports and the host's log function,
 * installs `console`, and returns `{ run, finish }`. `run(moduleFn)` evaluates the model module
 * with a `require` that answers only `'strata'`; `finish()` checks the default export and
 * serialises the model. Both report failures as JSON strings, so the host reads plain data.
 */
const DRIVER = String.raw`(function setup(engine, hostLog) {
  'use strict';
  const api = engine.api;
  const Functional = engine.Functional;
  const Layer = engine.Layer;
  const SymbolicTensor = engine.SymbolicTensor;
  const modelToJSON = engine.modelToJSON;
  const stringify = JSON.stringify;
  const keysOf = Object.keys;
  const isArray = Array.isArray;
  const toText = String;
  const ErrorClass = Error;
  const objectToString = Object.prototype.toString;
  engine.resetNames();
  engine.resetCustomLayers();

  function show(value, depth) {
    try {
      if (typeof value === 'string') return depth === 0 ? value : stringify(value);
      if (typeof value === 'function') {
        if (value instanceof Layer) return toText(value.className) + ' layer "' + toText(value.name) + '"';
        return '[Function ' + (toText(value.name) || '(anonymous)') + ']';
      }
      if (value === null || typeof value !== 'object') return toText(value);
      if (value instanceof ErrorClass) return toText(value.name) + ': ' + toText(value.message);
      if (value instanceof SymbolicTensor) return toText(value);
      if (depth > 2) return isArray(value) ? '[Array]' : '[Object]';
      if (isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length && i < 100; i++) out += (i ? ', ' : '') + show(value[i], depth + 1);
        return out + (value.length > 100 ? ', …]' : ']');
      }
      if (typeof value.toString === 'function' && value.toString !== objectToString) return toText(value);
      const keys = keysOf(value);
      let out = '{';
      for (let i = 0; i < keys.length && i < 100; i++) out += (i ? ', ' : ' ') + keys[i] + ': ' + show(value[keys[i]], depth + 1);
      return out + (keys.length > 100 ? ', … }' : keys.length ? ' }' : '}');
    } catch (e) {
      return '[value that cannot be shown]';
    }
  }
  function printer() {
    return function () {
      let line = '';
      for (let i = 0; i < arguments.length; i++) line += (i ? ' ' : '') + show(arguments[i], 0);
      hostLog(line);
    };
  }
  globalThis.console = {
    log: printer(), info: printer(), debug: printer(), warn: printer(), error: printer(), trace: printer(),
  };

  let refused = null;
  function require(name) {
    if (name === 'strata') return api;
    const error = new ErrorClass('Model files can import only \'strata\'; the import of ' + stringify(toText(name)) +
      ' is refused (model code runs in a sandbox without files, network or processes).');
    if (refused === null) refused = error;
    throw error;
  }

  function errorInfo(e) {
    const info = { name: 'Error', message: '', stack: '' };
    try {
      if (e !== null && (typeof e === 'object' || typeof e === 'function')) {
        const name = e.name;
        if (typeof name === 'string') info.name = name;
        const message = e.message;
        info.message = typeof message === 'string' ? message : show(e, 0);
        const stack = e.stack;
        if (typeof stack === 'string') info.stack = stack;
        const layerName = e.layerName;
        if (typeof layerName === 'string') info.layerName = layerName;
      } else {
        info.message = 'The model file threw ' + show(e, 1) + ' (throw an Error to get a message and a location).';
      }
    } catch (inner) {
      if (!info.message) info.message = 'The model file threw a value that cannot be shown.';
    }
    return info;
  }
  function failed(kind, e) {
    return stringify({ ok: false, kind: kind, error: errorInfo(e) });
  }

  function describe(value) {
    if (value === undefined) return 'undefined';
    if (value === null) return 'null';
    if (value instanceof Layer) {
      return 'a ' + toText(value.className) + ' layer ("' + toText(value.name) + '"); build a model from the tensors it returns: Model({ inputs, outputs })';
    }
    if (value instanceof SymbolicTensor) return 'a symbolic tensor; make a model of it: Model({ inputs, outputs })';
    if (typeof value === 'function') return 'a function';
    if (isArray(value)) return 'an array';
    if (typeof value === 'object') return 'an object';
    return 'a ' + typeof value + ' (' + show(value, 1) + ')';
  }

  const module = { exports: {} };
  function run(moduleFn) {
    try {
      moduleFn.call(module.exports, module.exports, require, module);
    } catch (e) {
      return failed('evaluation', refused !== null ? refused : e);
    }
    return refused !== null ? failed('evaluation', refused) : undefined;
  }

  function finish() {
    if (refused !== null) return failed('evaluation', refused);
    let model;
    try {
      const exported = module.exports;
      if (exported instanceof Functional) {
        model = exported;
      } else if (exported !== null && (typeof exported === 'object' || typeof exported === 'function') && 'default' in exported) {
        model = exported.default;
        if (!(model instanceof Functional)) {
          throw new ErrorClass('The model file\'s default export must be a model made with Model() or Sequential(); it exports ' + describe(model) + '.');
        }
      } else {
        const named = exported !== null && typeof exported === 'object' ? keysOf(exported) : [];
        throw new ErrorClass('The model file\'s default export must be a model made with Model() or Sequential(); it exports ' +
          (named.length ? 'only ' + named.join(', ') + ' and no default' : 'nothing') + ' (end it with \`export default model\`).');
      }
    } catch (e) {
      return failed('export', e);
    }
    let json;
    try {
      json = modelToJSON(model);
    } catch (e) {
      return failed('evaluation', e);
    }
    if (typeof json !== 'string') return failed('evaluation', new ErrorClass('The model could not be serialised.'));
    return stringify({ ok: true, model: json });
  }

  return { run: run, finish: finish };
})`;

/** Stopped by the host rather than thrown by the model code. */
class HostStop {
  constructor(readonly kind: 'timeout' | 'memory' | 'evaluation', readonly error: SandboxErrorInfo) {}
}

/**
 * Evaluates a job in a fresh sandbox. `onModelStart` is called when the model code starts, which
 * is when its time limit starts.
 */
export async function runInSandbox(job: SandboxJob, onModelStart: () => void = () => {}): Promise<SandboxOutcome> {
  const { limits } = job;
  const logs: string[] = [];
  let logChars = 0;
  let logCut = false;
  const addLog = (line: string) => {
    if (logCut) return;
    if (logs.length >= LOG_LINE_LIMIT || logChars + line.length > LOG_CHAR_LIMIT) {
      logCut = true;
      logs.push(`… (the rest of the output was cut: more than ${LOG_LINE_LIMIT.toLocaleString('en-US')} lines or ${LOG_CHAR_LIMIT.toLocaleString('en-US')} characters)`);
      return;
    }
    logs.push(line);
    logChars += line.length;
  };

  const quickjs = await freshQuickJS(limits.memoryBytes, job.wasmModule);
  let runtime: QuickJSRuntime | undefined;
  let context: QuickJSContext | undefined;
  const handles: QuickJSHandle[] = [];
  let healthy = true;
  let deadline = Number.POSITIVE_INFINITY;
  let interrupted = false;
  const timedOut = () => {
    if (Date.now() > deadline) interrupted = true;
    return interrupted;
  };
  const timeout = (): HostStop =>
    new HostStop('timeout', { name: 'InternalError', message: 'interrupted', stack: '' });

  try {
    runtime = quickjs.newRuntime();
    runtime.setMemoryLimit(limits.memoryBytes);
    runtime.setMaxStackSize(QUICKJS_STACK_BYTES);
    runtime.setInterruptHandler(timedOut);
    const ctx = (context = runtime.newContext());
    const keep = (h: QuickJSHandle) => (handles.push(h), h);

    // `stop` turns an error that reached the host into the outcome it means.
    const stop = (errorHandle: QuickJSHandle, during: string): never => {
      const info = readError(ctx, errorHandle);
      errorHandle.dispose();
      throw new HostStop(interrupted ? 'timeout' : (resourceKind(info) ?? 'evaluation'), during ? { ...info, message: `${info.message} (${during})` } : info);
    };
    const evalScript = (code: string, name: string, during: string) => {
      const r = ctx.evalCode(code, name, { type: 'global' });
      return r.error ? stop(r.error, during) : keep(r.value);
    };

    const engine = evalScript(job.engineScript, ENGINE_SCRIPT, 'loading the engine');
    const hostLog = keep(
      ctx.newFunction('hostLog', (line) => {
        if (ctx.typeof(line) === 'string') addLog(ctx.getString(line));
      }),
    );
    const setup = evalScript(DRIVER, DRIVER_SCRIPT, 'setting up the sandbox');
    const setupResult = ctx.callFunction(setup, ctx.undefined, engine, hostLog);
    const driver = setupResult.error ? stop(setupResult.error, 'setting up the sandbox') : keep(setupResult.value);
    const run = keep(ctx.getProp(driver, 'run'));
    const finish = keep(ctx.getProp(driver, 'finish'));

    // The clock starts with the model code.
    deadline = Date.now() + limits.timeoutMs;
    onModelStart();
    const moduleFn = evalScript(job.modelScript, MODEL_SCRIPT, '');
    const ran = ctx.callFunction(run, ctx.undefined, moduleFn);
    const ranValue = ran.error ? stop(ran.error, '') : keep(ran.value);
    // An interrupt inside an async function or a promise becomes a rejection the code goes on
    // from; once the time is up, nothing that ran afterwards counts.
    if (timedOut()) throw timeout();
    const early = readReport(ctx, ranValue);
    if (early) return finalize(early, logs);

    // Promise jobs the module queued (e.g. a dynamic import) run under the same clock, one at
    // a time, so that a job that keeps queueing jobs cannot outrun it.
    while (runtime.hasPendingJob()) {
      if (timedOut()) throw timeout();
      const step = runtime.executePendingJobs(1);
      if (step.error) stop(step.error, '');
    }
    if (timedOut()) throw timeout();

    const finished = ctx.callFunction(finish, ctx.undefined);
    const report = readReport(ctx, finished.error ? stop(finished.error, '') : keep(finished.value));
    if (timedOut()) throw timeout();
    if (!report) throw new HostStop('evaluation', { name: 'Error', message: 'The sandbox returned no result.', stack: '' });
    return finalize(report, logs);
  } catch (e) {
    healthy = false;
    if (e instanceof HostStop) return { ok: false, kind: e.kind, error: e.error, logs };
    // The interpreter's C frames ran the thread's stack out: the instance is unusable now.
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      return { ok: false, kind: 'memory', error: { name: 'InternalError', message: 'stack overflow', stack: '' }, logs };
    }
    if (e instanceof WebAssembly.RuntimeError) {
      return { ok: false, kind: 'evaluation', error: { name: 'InternalError', message: `The sandbox failed while running the model file (${e.message}).`, stack: '' }, logs };
    }
    throw e;
  } finally {
    // After a clean run the instance is taken down in order; after anything else (an interrupt,
    // memory running out, a thread stack overflow) it may hold state QuickJS would assert on, and
    // it is simply dropped: the WebAssembly instance and its memory go with this function.
    if (healthy && !runtime?.hasPendingJob()) {
      try {
        for (const h of handles) if (h.alive) h.dispose();
        context?.dispose();
        runtime?.dispose();
      } catch {
        /* a leaked handle inside the instance; it goes with the instance */
      }
    }
  }
}

/** Classifies an error by what QuickJS says when it runs out of a resource. */
function resourceKind(info: SandboxErrorInfo): 'memory' | undefined {
  if (info.name !== 'InternalError' && info.name !== 'RangeError') return undefined;
  return /^(out of memory|stack overflow|Maximum call stack size exceeded)/i.test(info.message) ? 'memory' : undefined;
}

function finalize(report: Report, logs: string[]): SandboxOutcome {
  if (report.ok) return { ok: true, modelJSON: report.model, logs };
  const kind = report.kind === 'evaluation' ? (resourceKind(report.error) ?? 'evaluation') : report.kind;
  return { ok: false, kind, error: report.error, logs };
}

type Report = { ok: true; model: string } | { ok: false; kind: 'evaluation' | 'export'; error: SandboxErrorInfo };

/** The driver's JSON report, checked field by field (the model code could have tampered with it). */
function readReport(ctx: QuickJSContext, handle: QuickJSHandle): Report | undefined {
  if (ctx.typeof(handle) !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(ctx.getString(handle));
  } catch {
    return { ok: false, kind: 'evaluation', error: { name: 'Error', message: 'The sandbox returned a result that does not parse.', stack: '' } };
  }
  const r = parsed as Record<string, unknown> | null;
  if (r && r.ok === true && typeof r.model === 'string') return { ok: true, model: r.model };
  const e = (r?.error ?? {}) as Record<string, unknown>;
  return {
    ok: false,
    kind: r?.kind === 'export' ? 'export' : 'evaluation',
    error: {
      name: typeof e.name === 'string' ? e.name : 'Error',
      message: typeof e.message === 'string' ? e.message : 'The model file failed.',
      stack: typeof e.stack === 'string' ? e.stack : '',
      ...(typeof e.layerName === 'string' ? { layerName: e.layerName } : {}),
    },
  };
}

/** Name, message and stack of an error that reached the host. */
function readError(ctx: QuickJSContext, handle: QuickJSHandle): SandboxErrorInfo {
  const text = (key: string): string | undefined => {
    try {
      const h = ctx.getProp(handle, key);
      try {
        return ctx.typeof(h) === 'string' ? ctx.getString(h) : undefined;
      } finally {
        h.dispose();
      }
    } catch {
      return undefined;
    }
  };
  const info: SandboxErrorInfo = { name: text('name') ?? 'Error', message: text('message') ?? 'The model file failed.', stack: text('stack') ?? '' };
  const layerName = text('layerName');
  if (layerName !== undefined) info.layerName = layerName;
  return info;
}
