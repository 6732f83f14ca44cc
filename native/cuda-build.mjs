// Compiles native/cuda/ with nvcc into build/cuda/libstrata_cuda.a for native/build.mjs.
//
// Code for sm_80 (A100, RTX 30 series) and sm_90 (H100), plus sm_90 PTX that newer GPUs
// compile when they load it. Objects are rebuilt when their source or any header they may
// include is newer, files compile in parallel, and the archive is replaced atomically.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';

export const ARCH_FLAGS = ['-gencode', 'arch=compute_80,code=sm_80', '-gencode', 'arch=compute_90,code=[sm_90,compute_90]'];

export const COMMON_FLAGS = [
  '-std=c++17', '-O3', '--extended-lambda', '--expt-relaxed-constexpr',
  '-Xcompiler', '-fPIC,-fvisibility=hidden,-Wall',
  '-DSTRATA_CUDA=1',
];

/** nvcc's path, or null: NVCC, then CUDA_HOME / CUDA_PATH, PATH, /usr/local/cuda. */
export function findNvcc() {
  const candidates = [
    process.env.NVCC,
    process.env.CUDA_HOME && join(process.env.CUDA_HOME, 'bin', 'nvcc'),
    process.env.CUDA_PATH && join(process.env.CUDA_PATH, 'bin', 'nvcc'),
    'nvcc',
    '/usr/local/cuda/bin/nvcc',
  ].filter(Boolean);
  for (const nvcc of candidates) {
    const r = spawnSync(nvcc, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return nvcc;
  }
  return null;
}

/** Where libcudart_static.a is, next to nvcc's toolkit. */
function cudaLibDir(nvcc) {
  const r = spawnSync('sh', ['-c', `readlink -f "$(command -v '${nvcc}')"`], { encoding: 'utf8' });
  const bin = dirname((r.stdout || nvcc).trim());
  for (const dir of [join(bin, '..', 'lib64'), join(bin, '..', 'lib'), join(bin, '..', 'targets', 'x86_64-linux', 'lib'), '/usr/local/cuda/lib64']) {
    if (existsSync(join(dir, 'libcudart_static.a'))) return dir;
  }
  throw new Error(`nvcc is at ${bin} but libcudart_static.a was not found next to it (lib64/, lib/, targets/x86_64-linux/lib/)`);
}

function filesUnder(dir, ext) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path, ext));
    else if (ext.some((e) => entry.name.endsWith(e))) out.push(path);
  }
  return out.sort();
}

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.slice(-3).join(' ')} exited with ${code ?? signal}`))));
  });
}

/**
 * Compiles the CUDA backend when nvcc is found (and STRATA_CUDA is not 0). Returns
 * { library, libDir, nvcc } for the link, or null for a CPU-only build.
 */
export function buildCuda(nativeDir) {
  if (process.env.STRATA_CUDA === '0') return null;
  const nvcc = findNvcc();
  if (!nvcc) return null;
  const libDir = cudaLibDir(nvcc);
  const sourceDir = join(nativeDir, 'cuda');
  const outDir = join(nativeDir, 'build', 'cuda');
  mkdirSync(outDir, { recursive: true });
  const sources = filesUnder(sourceDir, ['.cu']);
  const headers = [...filesUnder(sourceDir, ['.cuh', '.h']), ...filesUnder(join(nativeDir, 'src'), ['.h', '.inl'])];
  const newestHeader = Math.max(...headers.map((h) => statSync(h).mtimeMs));
  const jobs = Math.max(1, Number(process.env.JOBS) || availableParallelism());
  const objects = sources.map((src) => join(outDir, `${relative(sourceDir, src).replace(/[\\/]/g, '_')}.o`));
  const stale = sources
    .filter((src, i) => {
      const obj = objects[i];
      if (!existsSync(obj)) return true;
      const built = statSync(obj).mtimeMs;
      return built < statSync(src).mtimeMs || built < newestHeader;
    })
    // Largest first: the GEMM's many kernel variants take the longest, and the others
    // fill the remaining cores meanwhile.
    .sort((a, b) => statSync(b).size - statSync(a).size);
  console.log(`strata: compiling ${stale.length} of ${sources.length} CUDA sources with ${nvcc} (${jobs} at a time)`);
  const queue = stale.map((src) => () => {
    const obj = objects[sources.indexOf(src)];
    return run(nvcc, [...COMMON_FLAGS, ...ARCH_FLAGS, '-I', join(nativeDir, 'src'), '-I', sourceDir, '-c', src, '-o', obj]);
  });
  const library = join(outDir, 'libstrata_cuda.a');
  return new Promise((resolve, reject) => {
    let next = 0;
    let running = 0;
    let failed = null;
    const pump = () => {
      if (failed) return;
      if (next >= queue.length && running === 0) {
        const tmp = `${library}.tmp`;
        rmSync(tmp, { force: true });
        const ar = spawnSync('ar', ['rcs', tmp, ...objects], { stdio: 'inherit' });
        if (ar.status !== 0) return reject(new Error('ar could not archive the CUDA objects'));
        renameSync(tmp, library);
        return resolve({ library, libDir, nvcc });
      }
      while (running < jobs && next < queue.length) {
        running++;
        queue[next++]().then(
          () => {
            running--;
            pump();
          },
          (error) => {
            failed = error;
            reject(error);
          },
        );
      }
    };
    pump();
  });
}
