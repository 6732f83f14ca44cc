/**
 * Model evaluation: runs an untrusted model file in the sandbox (QuickJS in WebAssembly; see
 * sandbox.ts) and rebuilds the model it exports in the host from the config it produced.
 * Whatever goes wrong comes back as a ModelFileError located in the file as written.
 */
import { readFile } from 'node:fs/promises';
import { StrataError } from '../../engine/graph/errors.js';
import { modelFromJSON } from '../../engine/graph/deserialize.js';
import type { SerializedLayer } from '../../engine/graph/serialize.js';
// The built-in layer classes register themselves for modelFromJSON when their module loads.
import '../../engine/layers/index.js';
import { engineBundle } from './engine-bundle.js';
import { ModelFileError } from './errors.js';
import type { SandboxOutcome } from './sandbox.js';
import { runInSandboxThread } from './sandbox-thread.js';
import { modelFrames } from './stack-frames.js';
import { defaultExportPosition, transpileModel, type TranspiledModel } from './transpile.js';
import type { EvaluatedModel, EvaluateOptions } from './types.js';

export { ModelFileError, type ModelFileErrorKind } from './errors.js';
export type { EvaluatedModel, EvaluateOptions, SourceLocation } from './types.js';

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_MEMORY_BYTES = 256 * 1024 * 1024;
const DEFAULT_FILE_NAME = 'model.ts';

/**
 * Evaluates model code (TypeScript importing `'strata'`) in the sandbox and returns the model
 * it exports by default, rebuilt in the host, with what it printed.
 * @throws ModelFileError for anything wrong with the code: syntax, a thrown error (shape errors
 *   name their layer), a refused import, the time or memory limit, a default export that is
 *   not a model.
 */
export async function evaluateModelSource(source: string, options: EvaluateOptions = {}): Promise<EvaluatedModel> {
  const started = performance.now();
  if (typeof source !== 'string') {
    throw new TypeError(`evaluateModelSource expects the model file's text as a string; received ${source === null ? 'null' : typeof source}.`);
  }
  const file = options.fileName ?? DEFAULT_FILE_NAME;
  const timeoutMs = positive(options.timeoutMs, DEFAULT_TIMEOUT_MS, 'timeoutMs');
  const memoryBytes = positive(options.memoryBytes, DEFAULT_MEMORY_BYTES, 'memoryBytes');

  const [bundle, transpiled] = await Promise.all([engineBundle(), transpileModel(source, file)]);
  const outcome = await runInSandboxThread(bundle, transpiled.code, { timeoutMs, memoryBytes });
  if (!outcome.ok) throw sandboxError(outcome, { source, file, transpiled, timeoutMs, memoryBytes });

  let config: SerializedLayer;
  let model;
  try {
    config = JSON.parse(outcome.modelJSON) as SerializedLayer;
    model = modelFromJSON(outcome.modelJSON);
  } catch (e) {
    const reason = (e as Error)?.message ?? String(e);
    const custom = customLayers(safeParse(outcome.modelJSON));
    const layerName = custom[0]?.name ?? (e instanceof StrataError ? e.layerName : undefined);
    throw new ModelFileError({
      message:
        custom.length > 0
          ? `Custom layer(s) ${custom.map((l) => `"${l.name}" (${l.className})`).join(', ')} cannot leave the model file: Strata keeps a custom layer as the trace of its call() written with ops (docs/custom-layers.md), and these define no call() to trace. (${reason})`
          : `The model was built in the sandbox but could not be rebuilt from its config: ${reason}`,
      kind: 'evaluation',
      file,
      ...defaultExportPosition(source),
      ...(layerName !== undefined ? { layerName } : {}),
      logs: outcome.logs,
    });
  }
  return { model, config, logs: outcome.logs, millis: performance.now() - started };
}

/**
 * Gets the sandbox ready ahead of the first evaluation (bundles the engine and the sandbox
 * thread, starts the thread, warms up the interpreter), so that the first model file a person
 * opens evaluates as fast as the next. Optional; evaluations do the same on first use.
 */
export async function warmUpModelSandbox(): Promise<void> {
  await evaluateModelSource(
    `import { Input, Model, layers } from 'strata';\nconst inputs = Input({ shape: [2] });\nexport default Model({ inputs, outputs: layers.Dense(1)(inputs) });\n`,
    { fileName: 'warm-up.ts' },
  );
}

/**
 * Reads a model file and evaluates it (see evaluateModelSource); errors name the path given
 * unless `options.fileName` says otherwise.
 */
export async function evaluateModelFile(path: string, options: EvaluateOptions = {}): Promise<EvaluatedModel> {
  if (typeof path !== 'string' || path.trim() === '') {
    throw new TypeError(`Expected a path to a .ts model file, received ${JSON.stringify(path) ?? String(path)}.`);
  }
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'which does not exist'
      : code === 'EISDIR' ? 'which is a folder'
      : code === 'EACCES' || code === 'EPERM' ? 'which cannot be read (permission denied)'
      : `which cannot be read (${(e as Error).message})`;
    throw new Error(`Expected a path to a .ts model file, received "${path}", ${why}.`, { cause: e });
  }
  return evaluateModelSource(source, { ...options, fileName: options.fileName ?? path });
}

function safeParse(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

/** Layers registered with registerLayer() in the model file (`registered_name` `strata>Name`), nested models included. */
/** Custom layers without a trace: the host has neither their class nor their call(). */
function customLayers(config: unknown, found: Array<{ name: string; className: string }> = [], depth = 0): Array<{ name: string; className: string }> {
  if (!config || typeof config !== 'object' || depth > 64) return found;
  if (Array.isArray(config)) {
    for (const item of config) customLayers(item, found, depth + 1);
    return found;
  }
  const entry = config as {
    registered_name?: unknown;
    class_name?: unknown;
    config?: { name?: unknown; layers?: unknown };
    build_config?: { trace?: unknown };
  };
  const traced = entry.build_config?.trace !== undefined;
  if (typeof entry.registered_name === 'string' && entry.registered_name.startsWith('strata>') && !traced) {
    found.push({ name: String(entry.config?.name ?? '?'), className: String(entry.class_name ?? entry.registered_name.slice(7)) });
  }
  if (entry.config && typeof entry.config === 'object') customLayers(entry.config.layers, found, depth + 1);
  return found;
}

function positive(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`EvaluateOptions.${what} must be a positive number; received ${JSON.stringify(value)}.`);
  }
  return value;
}

/** JavaScript's own errors read better with their name; the engine's messages stand alone. */
const BUILTIN_ERRORS = new Set(['ReferenceError', 'SyntaxError', 'RangeError', 'EvalError', 'URIError', 'TypeError', 'InternalError']);

function sandboxError(
  outcome: Extract<SandboxOutcome, { ok: false }>,
  ctx: { source: string; file: string; transpiled: TranspiledModel; timeoutMs: number; memoryBytes: number },
): ModelFileError {
  const { error, kind } = outcome;
  let message: string;
  if (kind === 'timeout') {
    message = `The model file ran for more than ${ctx.timeoutMs} ms (the time limit) and was stopped; look for a loop that never ends.`;
  } else if (kind === 'memory') {
    message = /stack|call stack/i.test(error.message)
      ? 'The model file nested function calls too deeply (stack overflow) and was stopped; look for a recursion that never ends.'
      : `The model file used more than ${formatBytes(ctx.memoryBytes)} of memory (the memory limit) and was stopped.`;
  } else if (kind === 'evaluation' && error.layerName === undefined && BUILTIN_ERRORS.has(error.name)) {
    message = `${error.name}: ${error.message}`;
  } else {
    message = error.message;
  }

  let at: { line: number; column: number } | null = null;
  if (kind !== 'export') {
    // The innermost frame of the model file: where its code threw, or the call into the engine
    // (`layers.Dense(64)(x)`) that threw inside.
    for (const frame of modelFrames(error.stack)) {
      at = ctx.transpiled.originalPosition(frame.line, frame.column);
      if (at) break;
    }
  }
  at ??= kind === 'export' ? defaultExportPosition(ctx.source) : { line: 1, column: 1 };
  return new ModelFileError({
    message,
    kind,
    file: ctx.file,
    line: at.line,
    column: at.column,
    ...(error.layerName !== undefined ? { layerName: error.layerName } : {}),
    logs: outcome.logs,
  });
}

function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return mib >= 1 ? `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB` : `${bytes} bytes`;
}
