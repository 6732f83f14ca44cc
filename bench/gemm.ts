/**
 * GEMM benchmark for the native engine: `npx tsx bench/gemm.ts`.
 *
 * Prints the FP32 FMA peak this machine reaches (independent FMA chains in the addon, on
 * 1 and on all threads), GEMM GFLOP/s at 1024^3 (best of several timed runs after a
 * warm-up) and its ratio to the peak, and the shapes of a batch-64 MLP training step
 * (784-64-64-10: forward, and the backward GEMMs with their transposes).
 *
 * Options: --threads N (default: what the addon picked, i.e. all hardware threads),
 * --isa avx512|avx2|portable, --runs N (timed 1024^3 runs, default 10).
 */
import { loadNative, type Isa } from '../electron/engine/tensor/native.js';

const argv = process.argv.slice(2);
function option(name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

const native = loadNative();
if (option('isa')) native.setIsa(option('isa') as Isa);
if (option('threads')) native.setThreads(Number(option('threads')));
const info = native.cpuInfo();
const threads = info.threads;
const runs = Number(option('runs') ?? 10);

function randomArray(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1;
  return a;
}

interface Shape {
  label: string;
  transA: boolean;
  transB: boolean;
  M: number;
  N: number;
  K: number;
}

/** Best time in seconds of one gemm call: warm-up, then the fastest of `reps` timed calls
 * (or of as many as fit in `budgetMs`, for small shapes). */
function timeGemm(s: Shape, reps: number, budgetMs: number): number {
  const A = randomArray(s.M * s.K);
  const B = randomArray(s.K * s.N);
  const C = new Float32Array(s.M * s.N);
  const once = () => native.gemm(s.transA, s.transB, s.M, s.N, s.K, 1, A, B, 0, C);
  const warmUntil = performance.now() + Math.min(200, budgetMs / 4);
  do once();
  while (performance.now() < warmUntil);
  let best = Infinity;
  const until = performance.now() + budgetMs;
  for (let r = 0; r < reps || performance.now() < until; r++) {
    const t0 = process.hrtime.bigint();
    once();
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    if (dt < best) best = dt;
    if (r >= reps && performance.now() >= until) break;
  }
  return best;
}

function gflops(s: Shape, seconds: number): number {
  return (2 * s.M * s.N * s.K) / seconds / 1e9;
}

const pad = (x: string, n: number) => x.padEnd(n);
const num = (x: number, digits = 1) => x.toFixed(digits);

console.log(
  `strata native GEMM benchmark — isa ${info.isa} (supported: ${info.supported.join(', ')}), ` +
    `${threads} thread(s) of ${info.hardwareThreads} hardware`,
);

// ---- FMA peak -------------------------------------------------------------------------
// Best of a few 0.2 s measurements: other processes on the machine only ever lower it.
function peak(t: number): number {
  let best = 0;
  for (let r = 0; r < 3; r++) best = Math.max(best, native.fmaPeakGflops(t, 0.2));
  return best;
}
const peak1 = peak(1);
const peakN = threads > 1 ? peak(threads) : peak1;
console.log(`\nFP32 FMA peak (independent ${info.isa} FMA chains, ~0.2 s, best of 3)`);
console.log(`  1 thread : ${num(peak1)} GFLOP/s`);
if (threads > 1) console.log(`  ${threads} threads: ${num(peakN)} GFLOP/s`);

// ---- 1024^3 ---------------------------------------------------------------------------
const big: Shape = { label: '1024x1024 · 1024x1024', transA: false, transB: false, M: 1024, N: 1024, K: 1024 };
console.log(`\nGEMM 1024^3 (best of ${runs} runs after warm-up)`);
native.setThreads(1);
const big1 = gflops(big, timeGemm(big, runs, 500));
console.log(`  1 thread : ${num(big1)} GFLOP/s = ${num((100 * big1) / peak1)}% of the 1-thread peak`);
native.setThreads(threads);
let bigN = big1;
if (threads > 1) {
  bigN = gflops(big, timeGemm(big, runs, 500));
  console.log(`  ${threads} threads: ${num(bigN)} GFLOP/s = ${num((100 * bigN) / peakN)}% of the ${threads}-thread peak`);
}
for (const [transA, transB] of [
  [false, true],
  [true, false],
] as const) {
  const s = { ...big, transA, transB };
  const g = gflops(s, timeGemm(s, Math.max(3, runs >> 1), 300));
  console.log(`  ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}, ${threads} thread(s): ${num(g)} GFLOP/s`);
}

// ---- MLP training shapes ----------------------------------------------------------------
// Dense(64, relu) -> Dense(64, relu) -> Dense(10) on 784 inputs, batch 64. Forward Y = X W;
// backward dX = dY W^T (NT) and dW = X^T dY (TN). The first layer's dX is not needed.
const mlp: Shape[] = [
  { label: 'fwd  1: X[64x784] · W1[784x64]', transA: false, transB: false, M: 64, N: 64, K: 784 },
  { label: 'fwd  2: H[64x64] · W2[64x64]', transA: false, transB: false, M: 64, N: 64, K: 64 },
  { label: 'fwd  3: H[64x64] · W3[64x10]', transA: false, transB: false, M: 64, N: 10, K: 64 },
  { label: 'bwd dX3: dY[64x10] · W3^T', transA: false, transB: true, M: 64, N: 64, K: 10 },
  { label: 'bwd dW3: H^T · dY[64x10]', transA: true, transB: false, M: 64, N: 10, K: 64 },
  { label: 'bwd dX2: dH[64x64] · W2^T', transA: false, transB: true, M: 64, N: 64, K: 64 },
  { label: 'bwd dW2: H^T · dH[64x64]', transA: true, transB: false, M: 64, N: 64, K: 64 },
  { label: 'bwd dW1: X^T[784x64] · dH[64x64]', transA: true, transB: false, M: 784, N: 64, K: 64 },
];
console.log(`\nMLP 784-64-64-10, batch 64 (best call time; ${threads} thread(s) allowed)`);
console.log(`  ${pad('shape', 36)} ${pad('MxNxK', 12)} ${'time'.padStart(9)} ${'GFLOP/s'.padStart(9)}`);
let stepSeconds = 0;
for (const s of mlp) {
  const t = timeGemm(s, 50, 150);
  stepSeconds += t;
  console.log(
    `  ${pad(s.label, 36)} ${pad(`${s.M}x${s.N}x${s.K}`, 12)} ${`${num(t * 1e6, 2)} us`.padStart(9)} ${num(gflops(s, t)).padStart(9)}`,
  );
}
const stepFlops = mlp.reduce((f, s) => f + 2 * s.M * s.N * s.K, 0);
console.log(
  `  ${pad('all GEMMs of one step', 36)} ${pad('', 12)} ${`${num(stepSeconds * 1e6, 1)} us`.padStart(9)} ${num(stepFlops / stepSeconds / 1e9).padStart(9)}`,
);

// ---- summary ----------------------------------------------------------------------------
const ratio = bigN / peakN;
console.log(
  `\nGEMM 1024^3 / ${threads}-thread FMA peak: ${num(bigN)} / ${num(peakN)} GFLOP/s = ${num(100 * ratio)}% ` +
    `(target >= 70%: ${ratio >= 0.7 ? 'met' : 'NOT met'})`,
);
native.setThreads(info.threads);
