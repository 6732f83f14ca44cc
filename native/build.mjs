#!/usr/bin/env node
// Builds the native engine (native/ -> native/build/Release/strata_native.node) with
// node-gyp, Release. Run by `npm run build:native` and by the package's install hook,
// so `npm install` / `npm ci` build it too.
//
// When nvcc is found (NVCC, CUDA_HOME/CUDA_PATH, PATH, /usr/local/cuda), native/cuda/ is
// compiled first into build/cuda/libstrata_cuda.a (cuda-build.mjs) and linked in; without
// it the addon is CPU-only. STRATA_CUDA=0 skips CUDA even where nvcc is present.
//
// Checks the toolchain first and, when something is missing or the build fails, says
// what to install and exits non-zero. Never lets node-gyp download Node headers when
// the running Node has its own (official builds and distro packages ship
// <prefix>/include/node): they are passed as --nodedir unless npm already set one.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCuda } from './cuda-build.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const INSTALL_HINT = [
  'The native engine needs a C++17 compiler, make and python3:',
  '  Debian/Ubuntu:  sudo apt-get install -y g++ make python3',
  '  Fedora/RHEL:    sudo dnf install -y gcc-c++ make python3',
  '  macOS:          xcode-select --install',
  '  Windows:        Visual Studio Build Tools ("Desktop development with C++") and Python 3',
  'then run `npm run build:native`.',
].join('\n');

function fail(message) {
  console.error(`\nstrata: ${message}\n\n${INSTALL_HINT}\n`);
  process.exit(1);
}

function found(cmd, args = ['--version']) {
  const r = spawnSync(cmd, args, { stdio: 'ignore', shell: process.platform === 'win32' });
  return r.status === 0;
}

if (process.platform !== 'win32') {
  const cxx = process.env.CXX || 'g++';
  const missing = [];
  if (!found(cxx) && !found('c++') && !found('clang++')) missing.push(`a C++ compiler (${cxx}, c++ or clang++)`);
  if (!found('make')) missing.push('make');
  const python = process.env.npm_config_python || process.env.PYTHON || 'python3';
  if (!found(python)) missing.push(python);
  if (missing.length > 0) fail(`cannot build the native engine: ${missing.join(', ')} not found.`);
}

let nodeGyp;
try {
  nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
} catch {
  fail('cannot build the native engine: the node-gyp package is not installed (run `npm install`).');
}

// configure + build rather than rebuild: make then recompiles only what changed.
const common = ['--release', '--directory', here];
const ownHeaders = resolve(dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(join(ownHeaders, 'include', 'node', 'node_api.h'))) {
  common.push(`--nodedir=${ownHeaders}`);
}
const jobs = process.env.JOBS || 'max';
let cuda;
try {
  cuda = await buildCuda(here);
} catch (error) {
  fail(`building the CUDA backend failed: ${error.message}\n(set STRATA_CUDA=0 to build the CPU-only engine)`);
}
const gypVariables = cuda
  ? ['--', '-Dstrata_cuda=1', `-Dstrata_cuda_lib=${cuda.library}`, `-Dcuda_lib_dir=${cuda.libDir}`]
  : ['--', '-Dstrata_cuda=0'];
for (const step of [['configure', ...common, ...gypVariables], ['build', '--jobs', jobs, ...common]]) {
  const r = spawnSync(process.execPath, [nodeGyp, ...step], { stdio: 'inherit' });
  if (r.error) fail(`cannot run node-gyp: ${r.error.message}`);
  if (r.status !== 0) fail(`building the native engine failed (node-gyp ${step[0]} exited with ${r.status ?? r.signal}); see the compiler output above.`);
}

const addon = join(here, 'build', 'Release', 'strata_native.node');
if (!existsSync(addon)) fail(`the build finished but ${addon} is missing.`);
console.log(`strata: built ${addon} (${cuda ? `with the CUDA backend, ${cuda.nvcc}` : `CPU only: ${cudaSkipReason()}`})`);

function cudaSkipReason() {
  return process.env.STRATA_CUDA === '0' ? 'STRATA_CUDA=0' : 'nvcc was not found';
}
