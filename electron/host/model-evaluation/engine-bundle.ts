/**
 * The engine's symbolic core as one script for the sandbox. Model files import `'strata'`
 * (electron/engine/frontends/dsl.ts); that module and everything it imports is pure
 * TypeScript, so esbuild bundles it into an IIFE that QuickJS evaluates in each fresh
 * context. The bundle is built once per process, on first use.
 */
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { sourcePath } from '../../engine/source-path.js';

/** The bundle's name for the engine's exports: the `'strata'` API plus what the sandbox driver needs. */
const ENGINE_GLOBAL = '__strataEngine';

const engineDir = sourcePath(new URL('../../engine/', import.meta.url));

// The driver reaches the API as `api`; the rest is for the driver alone (serialising the model,
// recognising models and engine errors, per-evaluation resets).
const ENTRY = `
export * as api from './frontends/dsl.js';
export { modelToJSON } from './graph/deserialize.js';
export { Functional } from './graph/functional.js';
export { Layer } from './graph/layer.js';
export { SymbolicTensor } from './graph/symbolic-tensor.js';
export { StrataError } from './graph/errors.js';
export { resetNames } from './graph/naming.js';
export { resetCustomLayers } from './graph/registry.js';
`;

/**
 * Anything the symbolic core cannot have inside the sandbox (Node built-ins, native addons)
 * becomes an empty module, so that a layer file that also holds a forward pass still bundles;
 * using such an import inside the sandbox fails there, never on the host.
 */
const hostOnlyModules: esbuild.Plugin = {
  name: 'strata-host-only-modules',
  setup(build) {
    build.onResolve({ filter: /^node:|\.node$/ }, (args) => ({ path: args.path, namespace: 'strata-host-only' }));
    build.onResolve({ filter: /^[a-z_]+$/ }, (args) =>
      HOST_BUILTINS.has(args.path) ? { path: args.path, namespace: 'strata-host-only' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'strata-host-only' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

const HOST_BUILTINS = new Set([
  'assert', 'buffer', 'child_process', 'crypto', 'events', 'fs', 'module', 'net', 'os', 'path',
  'perf_hooks', 'process', 'stream', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib',
]);

let cached: Promise<string> | undefined;

/**
 * The bundled engine as a script whose completion value is its exports, so that the name stays
 * local to the script instead of becoming a global the model code could reach (cached per
 * process; a failed build is retried on the next call).
 */
export function engineBundle(): Promise<string> {
  if (!cached) {
    cached = buildEngineBundle().catch((e: unknown) => {
      cached = undefined;
      throw e;
    });
  }
  return cached;
}

async function buildEngineBundle(): Promise<string> {
  const result = await esbuild.build({
    stdin: { contents: ENTRY, resolveDir: engineDir, sourcefile: 'strata-sandbox-entry.ts', loader: 'ts' },
    bundle: true,
    write: false,
    format: 'iife',
    globalName: ENGINE_GLOBAL,
    platform: 'browser',
    target: 'es2020',
    // Class names show in configs (`className ?? name`) and in error stacks: keep them.
    minify: false,
    keepNames: true,
    legalComments: 'none',
    logLevel: 'silent',
    plugins: [hostOnlyModules],
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error('Bundling the engine for the model sandbox produced no output.');
  return `(function () {\n${file.text}\nreturn ${ENGINE_GLOBAL};\n})()`;
}
