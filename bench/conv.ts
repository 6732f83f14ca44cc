/**
 * Convolution benchmark: `npx tsx bench/conv.ts`.
 *
 * Times the forward and the backward kernels of each Conv2D of the toy ResNet
 * (examples/seeds/toy_resnet.ts: 32x32x3 images, batch 64), each in a plan of its own built
 * by the same op emitter the engine uses (im2col + GEMM, bias + relu fused), and prints
 * milliseconds and GFLOP/s against the FP32 FMA peak of the threads used. GFLOP counts
 * the GEMMs: forward 2·M·K·N (M = batch · output positions, K = 9 · in channels,
 * N = filters); backward the same for dW, and again for dx except on the first layer,
 * whose input needs no gradient. im2col, col2im and the epilogues are in the times but
 * not in the counts.
 *
 * Then, outside the toy ResNet: a larger Conv2D (its kernel is over the tiled path's size
 * limit, so it runs over the whole batch with threaded GEMMs), and a DepthwiseConv2D
 * (direct loops, no GEMM), counted as 2 · batch · output positions · 9 · channels per pass.
 *
 * Options: --threads N (default: all hardware threads), --batch N (64), --runs N (10),
 * --isa avx512|avx2|portable, --tiled-weights N (the tiled path's kernel size limit).
 */
import { Lowering } from '../electron/engine/autodiff/lowering.js';
import { conv, convScratch, convWindow, depthwiseConv } from '../electron/engine/autodiff/ops/conv.js';
import { Tape, type PlanTensor } from '../electron/engine/autodiff/tape.js';
import { NativePlan } from '../electron/engine/plan/native-plan.js';
import { PlanBuilder } from '../electron/engine/plan/plan-builder.js';
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
const batch = Number(option('batch') ?? 64);
if (option('tiled-weights')) convScratch.tiledWeights = Number(option('tiled-weights'));
const runs = Number(option('runs') ?? 10);

interface Case {
  label: string;
  input: [number, number, number];
  filters: number;
  padding: 'valid' | 'same';
  /** Whether the input needs a gradient (not for the first layer). */
  dx: boolean;
  /** How many times the toy ResNet runs this shape per step. */
  count: number;
}

const cases: Case[] = [
  { label: 'Conv2D(32, 3) on 32x32x3 (first)', input: [32, 32, 3], filters: 32, padding: 'valid', dx: false, count: 1 },
  { label: 'Conv2D(64, 3) on 30x30x32', input: [30, 30, 32], filters: 64, padding: 'valid', dx: true, count: 1 },
  { label: 'Conv2D(64, 3, same) on 9x9x64', input: [9, 9, 64], filters: 64, padding: 'same', dx: true, count: 4 },
  { label: 'Conv2D(64, 3) on 9x9x64', input: [9, 9, 64], filters: 64, padding: 'valid', dx: true, count: 1 },
];

function randomArray(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1;
  return a;
}

/** Best time of `runs` timed calls after a warm-up. */
function best(fn: () => void): number {
  for (let i = 0; i < 3; i++) fn();
  let t = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    t = Math.min(t, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return t;
}

function measure(c: Case, depthwise = false): { fwd: number; bwd: number; fwdFlops: number; bwdFlops: number } {
  const b = new PlanBuilder(batch);
  const forward = b.program();
  const backward = b.program();
  const tape = new Tape(b);
  const [h, w, ch] = c.input;
  const x: PlanTensor = { buf: b.buffer('x', h * w * ch, true), shape: [null, h, w, ch], dtype: 'float32' };
  const filters = depthwise ? ch : c.filters;
  const kernelShape = depthwise ? [3, 3, ch, 1] : [3, 3, ch, filters];
  const kernel: PlanTensor = { buf: b.buffer('kernel', 9 * ch * (depthwise ? 1 : filters), false), shape: kernelShape, dtype: 'float32' };
  const bias: PlanTensor = { buf: b.buffer('bias', filters, false), shape: [filters], dtype: 'float32' };
  if (c.dx) tape.requireGrad(x);
  tape.requireGrad(kernel);
  tape.requireGrad(bias);
  const L = new Lowering(b, forward.emit, backward.emit, tape, true, new Map(), { seed: 1, stepSlot: 0 });
  const { output, window } = convWindow([h, w], [3, 3], [1, 1], [1, 1], c.padding);
  const y = depthwise
    ? depthwiseConv(L, x, kernel, bias, output, window, 'relu', 'depthwise')
    : conv(L, x, kernel, bias, output, window, 1, 'relu', 'conv');
  const dy = tape.gradInto(y)!.buf;
  tape.replay();
  // The backward turns dy into dz in place; a fresh copy per run is what a step would see.
  const dyValues = randomArray(b.buffers[dy]!.size * batch);
  const plan = new NativePlan(b.spec());
  plan.write(x.buf, randomArray(h * w * ch * batch));
  plan.write(kernel.buf, randomArray(b.buffers[kernel.buf]!.size).map((v) => v * 0.1));
  const fwd = best(() => plan.run(forward.index, batch));
  const bwd = best(() => {
    plan.write(dy, dyValues);
    plan.run(backward.index, batch);
  });
  // Subtract the copy of dy across the boundary, which a real step does not do.
  const copy = best(() => plan.write(dy, dyValues));
  const gemm = 2 * batch * output[0]! * output[1]! * 9 * ch * (depthwise ? 1 : filters);
  return { fwd, bwd: Math.max(bwd - copy, 1e-9), fwdFlops: gemm, bwdFlops: gemm * (c.dx ? 2 : 1) };
}

let peak = 0;
for (let r = 0; r < 3; r++) peak = Math.max(peak, native.fmaPeakGflops(info.threads, 0.2));
console.log(
  `strata convolution benchmark — batch ${batch}, isa ${info.isa}, ${info.threads} thread(s) of ${info.hardwareThreads}; ` +
    `FP32 FMA peak ${peak.toFixed(1)} GFLOP/s`,
);
const num = (x: number, d = 1) => x.toFixed(d);
console.log(`  ${'layer'.padEnd(36)} ${'fwd ms'.padStart(8)} ${'GFLOP/s'.padStart(8)} ${'bwd ms'.padStart(8)} ${'GFLOP/s'.padStart(8)} ${'fwd+bwd'.padStart(8)} ${'% peak'.padStart(7)}`);
let stepTime = 0;
let stepFlops = 0;
for (const c of cases) {
  const r = measure(c);
  const total = r.fwd + r.bwd;
  stepTime += total * c.count;
  stepFlops += (r.fwdFlops + r.bwdFlops) * c.count;
  const g = (r.fwdFlops + r.bwdFlops) / total / 1e9;
  console.log(
    `  ${`${c.label}${c.count > 1 ? ` x${c.count}` : ''}`.padEnd(36)} ${num(r.fwd * 1e3, 2).padStart(8)} ${num(r.fwdFlops / r.fwd / 1e9).padStart(8)} ` +
      `${num(r.bwd * 1e3, 2).padStart(8)} ${num(r.bwdFlops / r.bwd / 1e9).padStart(8)} ${num(g).padStart(8)} ${num((100 * g) / peak).padStart(7)}`,
  );
}
console.log(
  `  ${'all convolutions of one step'.padEnd(36)} ${''.padStart(8)} ${''.padStart(8)} ${''.padStart(8)} ${''.padStart(8)} ${num(stepFlops / stepTime / 1e9).padStart(8)} ${num((100 * stepFlops) / stepTime / 1e9 / peak).padStart(7)}` +
    `   (${num(stepTime * 1e3, 1)} ms per step)`,
);

console.log('  not in the toy ResNet:');
for (const [c, depthwise] of [
  [{ label: 'Conv2D(256, 3, same) on 14x14x256', input: [14, 14, 256], filters: 256, padding: 'same', dx: true, count: 1 }, false],
  [{ label: 'DepthwiseConv2D(3, same) on 28x28x64', input: [28, 28, 64], filters: 64, padding: 'same', dx: true, count: 1 }, true],
] as Array<[Case, boolean]>) {
  const r = measure(c, depthwise);
  const g = (r.fwdFlops + r.bwdFlops) / (r.fwd + r.bwd) / 1e9;
  console.log(
    `  ${c.label.padEnd(36)} ${num(r.fwd * 1e3, 2).padStart(8)} ${num(r.fwdFlops / r.fwd / 1e9).padStart(8)} ` +
      `${num(r.bwd * 1e3, 2).padStart(8)} ${num(r.bwdFlops / r.bwd / 1e9).padStart(8)} ${num(g).padStart(8)} ${num((100 * g) / peak).padStart(7)}`,
  );
}
