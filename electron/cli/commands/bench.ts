/**
 * `strata bench [--device cuda] [--json]`: training speed of the seed MNIST MLP and the toy
 * ResNet (and, on a GPU, a ResNet-18-sized convnet), GEMM throughput, and — where PyTorch is
 * installed — the same models trained by PyTorch in the same run, with the ratios. Figures,
 * not assertions.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadNative } from '../../engine/tensor/native.js';
import type { CommandIO, CommandSpec } from '../command.js';
import { DEVICE_OPTION, PRECISION_OPTION, deviceOptions } from '../device-options.js';
import { EXIT_OK } from '../errors.js';
import { cudaBench } from './bench-cuda.js';
import { attempt, mlp, toyResnet, trainSpeed } from './bench-models.js';
import { pythonReference } from './python-reference.js';

function gemmGflops(m: number, n: number, k: number, repeats: number): number {
  const native = loadNative();
  const a = Float32Array.from({ length: m * k }, (_, i) => ((i * 7) % 13) / 13 - 0.5);
  const b = Float32Array.from({ length: k * n }, (_, i) => ((i * 5) % 11) / 11 - 0.5);
  const c = new Float32Array(m * n);
  native.gemm(false, false, m, n, k, 1, a, b, 0, c);
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    native.gemm(false, false, m, n, k, 1, a, b, 0, c);
    best = Math.min(best, performance.now() - start);
  }
  return (2 * m * n * k) / (best / 1000) / 1e9;
}

interface TorchFigures {
  torch: string;
  threads: number;
  mlp_samples_per_s: number;
  resnet_samples_per_s: number;
  gemm_1024_gflops: number;
}

/** Runs bench/torch_reference.py with Debian's python3 (where python3-torch lives). */
function torchReference(samples: { mlp: number; resnet: number }, epochs: number): TorchFigures | string {
  const pythons = ['/usr/bin/python3', 'python3'].filter((p) => !p.startsWith('/') || existsSync(p));
  for (const python of pythons) {
    const probe = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
    if (probe.status !== 0) continue;
    const args = ['--threads', '2', '--mlp-samples', String(samples.mlp), '--resnet-samples', String(samples.resnet), '--epochs', String(epochs)];
    return pythonReference<TorchFigures>(python, 'torch_reference.py', args, { ...process.env, OPENBLAS_NUM_THREADS: '1', OPENBLAS_CORETYPE: 'SkylakeX' });
  }
  return 'PyTorch not found (install Debian\'s python3-torch for the comparison)';
}

export const benchCommand: CommandSpec = {
  name: 'bench',
  summary: 'measure training speed and GEMM throughput, against PyTorch when installed',
  description:
    'On the CPU (default): trains the seed MNIST MLP (batch 64) and the toy ResNet (32x32x3, batch 64) on generated data and reports samples per second; measures GEMM GFLOP/s at 1024^3 and at the MLP\'s shapes against the 2-thread FMA peak; and, where Debian\'s python3-torch is installed, runs the same models in PyTorch (2 threads, OPENBLAS_NUM_THREADS=1) in the same run and prints the ratios. With --device cuda: trains the MLP and the toy ResNet (batch 64) and a ResNet-18-sized convnet (32x32x3, batch 256) on the GPU at --precision, measures the engine\'s GEMM TFLOP/s at 4096^3 in float32, tf32 and bf16, and runs the same models and GEMMs in PyTorch on the same GPU (eager, and torch.compile where it works), with the ratios against the targets.',
  arguments: [],
  options: [
    { name: 'json', type: 'boolean', description: 'print the figures as one JSON object' },
    { ...DEVICE_OPTION, description: 'cpu (default) or cuda / cuda:N: the GPU benchmark, against PyTorch on the same GPU (see bench/torch_cuda.py)' },
    PRECISION_OPTION,
  ],
  examples: ['strata bench', 'strata bench --json', 'strata bench --device cuda', 'strata bench --device cuda --precision bf16 --json'],
  async run({ options, io }) {
    const devices = deviceOptions(options, 'bench');
    if (devices.device !== 'cpu') return cudaBench(devices.device, devices.precision, Boolean(options.json), io);
    return cpuBench(Boolean(options.json), io);
  },
};

async function cpuBench(json: boolean, io: CommandIO): Promise<number> {
  const native = loadNative();
  const samples = { mlp: 64 * 200, resnet: 64 * 16 };
  const epochs = 2;
  const peak = native.fmaPeakGflops(2, 0.3);
  const gemm1024 = gemmGflops(1024, 1024, 1024, 5);
  const gemmMlp = gemmGflops(64, 64, 784, 200);
  const mlpSpeed = attempt(() => trainSpeed(mlp, [784], samples.mlp, epochs));
  const resnetSpeed = attempt(() => trainSpeed(toyResnet, [32, 32, 3], samples.resnet, epochs));
  const torch = torchReference(samples, epochs);
  const ratio = (ours: number | string, theirs: number | undefined) =>
    typeof ours === 'number' && theirs ? ours / theirs : null;
  const figures = {
    cpu: native.cpuInfo(),
    fma_peak_gflops: peak,
    gemm_1024_gflops: gemm1024,
    gemm_1024_of_peak: gemm1024 / peak,
    gemm_mlp_64x784x64_gflops: gemmMlp,
    mlp_samples_per_s: mlpSpeed,
    resnet_samples_per_s: resnetSpeed,
    torch: typeof torch === 'string' ? { unavailable: torch } : torch,
    mlp_vs_torch: ratio(mlpSpeed, typeof torch === 'string' ? undefined : torch.mlp_samples_per_s),
    resnet_vs_torch: ratio(resnetSpeed, typeof torch === 'string' ? undefined : torch.resnet_samples_per_s),
  };
  if (json) {
    io.stdout(`${JSON.stringify(figures)}\n`);
    return EXIT_OK;
  }
  const num = (v: number | string | null, unit = '', digits = 1) => (typeof v === 'number' ? `${v.toFixed(digits)}${unit}` : String(v));
  const lines = [
    `CPU: ${figures.cpu.isa}, ${figures.cpu.threads} threads`,
    `FMA peak (2 threads):        ${num(peak, ' GFLOP/s')}`,
    `GEMM 1024^3:                 ${num(gemm1024, ' GFLOP/s')}  (${num(figures.gemm_1024_of_peak * 100, '% of peak')}; target >= 70%)`,
    `GEMM 64x784x64 (MLP layer):  ${num(gemmMlp, ' GFLOP/s')}`,
    `MLP training (batch 64):     ${num(mlpSpeed, ' samples/s', 0)}`,
    `Toy ResNet training (b 64):  ${num(resnetSpeed, ' samples/s', 0)}`,
  ];
  if (typeof torch === 'string') lines.push(`PyTorch: ${torch}`);
  else {
    lines.push(
      `PyTorch ${torch.torch} (${torch.threads} threads): MLP ${num(torch.mlp_samples_per_s, ' samples/s', 0)}, toy ResNet ${num(torch.resnet_samples_per_s, ' samples/s', 0)}, GEMM 1024^3 ${num(torch.gemm_1024_gflops, ' GFLOP/s')}`,
      `MLP vs PyTorch:        ${num(figures.mlp_vs_torch, 'x', 2)} (target >= 2x)`,
      `Toy ResNet vs PyTorch: ${num(figures.resnet_vs_torch, 'x', 2)} (target >= 0.8x)`,
    );
  }
  io.stdout(`${lines.join('\n')}\n`);
  return EXIT_OK;
}
