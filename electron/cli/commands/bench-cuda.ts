/**
 * `strata bench --device cuda`: the GPU benchmark. The seed MLP and the toy ResNet at batch
 * 64 (launch-bound: a captured step plan is what wins there), a ResNet-18-sized convnet on
 * 32x32x3 inputs at batch 256, and the engine's GEMM at 4096^3 — with PyTorch on the same
 * GPU in the same run (bench/torch_cuda.py: eager, and torch.compile where it works).
 */
import type { Functional } from '../../engine/graph/functional.js';
import { checkDevice, deviceIndex, PRECISIONS, type Device, type Precision } from '../../engine/tensor/device.js';
import { loadNative } from '../../engine/tensor/native.js';
import type { CommandIO } from '../command.js';
import { EXIT_OK } from '../errors.js';
import { attempt, mlp, resnet18, toyResnet, trainSpeed } from './bench-models.js';
import { pythonReference } from './python-reference.js';

type ModelName = 'mlp' | 'toy_resnet' | 'resnet18';

const MODELS: Record<ModelName, { build: () => Functional; shape: number[]; batch: number; samples: number; label: string; target: number }> = {
  mlp: { build: mlp, shape: [784], batch: 64, samples: 64 * 400, label: 'MNIST MLP (batch 64)', target: 2 },
  toy_resnet: { build: toyResnet, shape: [32, 32, 3], batch: 64, samples: 64 * 100, label: 'toy ResNet (batch 64)', target: 2 },
  resnet18: { build: resnet18, shape: [32, 32, 3], batch: 256, samples: 256 * 20, label: 'ResNet-18, 32x32 (batch 256)', target: 1 },
};

const EPOCHS = 2;
const GEMM_SIZE = 4096;

interface TorchModel {
  batch: number;
  eager: number;
  compiled: number | string;
}

interface TorchCuda {
  torch: string;
  device: string;
  capability: string;
  gemm_4096_tflops: Record<'fp32' | 'tf32' | 'bf16', number>;
  models: Record<ModelName, TorchModel>;
}

const TORCH_PRECISION: Record<Precision, 'fp32' | 'tf32' | 'bf16'> = { float32: 'fp32', tf32: 'tf32', bf16: 'bf16' };

/** bench/torch_cuda.py with python3: PyTorch's figures on the same GPU, or why there are none. */
function torchCuda(): TorchCuda | string {
  const args = ['--epochs', String(EPOCHS), '--mlp-samples', String(MODELS.mlp.samples), '--resnet-samples', String(MODELS.toy_resnet.samples), '--resnet18-samples', String(MODELS.resnet18.samples)];
  return pythonReference<TorchCuda>(process.env.STRATA_PYTHON ?? 'python3', 'torch_cuda.py', args);
}

export async function cudaBench(device: Device, precision: Precision, json: boolean, io: CommandIO): Promise<number> {
  const gpu = checkDevice(device, precision)!;
  const native = loadNative();
  const gemm = Object.fromEntries(PRECISIONS.map((p) => [p, attempt(() => native.cudaGemmTflops(GEMM_SIZE, GEMM_SIZE, GEMM_SIZE, p, 10, deviceIndex(device)))])) as Record<Precision, number | string>;
  const ours = Object.fromEntries(
    (Object.keys(MODELS) as ModelName[]).map((name) => {
      const m = MODELS[name];
      return [name, attempt(() => trainSpeed(m.build, m.shape, m.samples, EPOCHS, m.batch, { device, precision }))];
    }),
  ) as Record<ModelName, number | string>;
  const torch = torchCuda();
  const ratio = (a: number | string, b: number | string | undefined) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? a / b : null);
  const figures = {
    device: { name: gpu.name, computeCapability: gpu.computeCapability, index: gpu.index },
    precision,
    gemm_4096_tflops: gemm,
    samples_per_s: ours,
    torch: typeof torch === 'string' ? { unavailable: torch } : torch,
    vs_torch_eager: Object.fromEntries((Object.keys(MODELS) as ModelName[]).map((n) => [n, ratio(ours[n], typeof torch === 'string' ? undefined : torch.models[n]?.eager)])),
    vs_torch_compiled: Object.fromEntries((Object.keys(MODELS) as ModelName[]).map((n) => [n, ratio(ours[n], typeof torch === 'string' ? undefined : torch.models[n]?.compiled)])),
    gemm_vs_cublas: Object.fromEntries(PRECISIONS.map((p) => [p, ratio(gemm[p], typeof torch === 'string' ? undefined : torch.gemm_4096_tflops[TORCH_PRECISION[p]])])),
  };
  if (json) {
    io.stdout(`${JSON.stringify(figures)}\n`);
    return EXIT_OK;
  }
  const num = (v: number | string | null | undefined, unit = '', digits = 1) => (typeof v === 'number' ? `${v.toFixed(digits)}${unit}` : String(v ?? '-'));
  const lines = [`GPU: cuda:${gpu.index} ${gpu.name} (compute capability ${gpu.computeCapability}); models at ${precision}`];
  for (const p of PRECISIONS) {
    lines.push(`GEMM ${GEMM_SIZE}^3 ${p.padEnd(8)} ${num(gemm[p], ' TFLOP/s')}${typeof torch === 'string' ? '' : `  (PyTorch/cuBLAS ${num(torch.gemm_4096_tflops[TORCH_PRECISION[p]], ' TFLOP/s')}: ${num(figures.gemm_vs_cublas[p] !== null ? figures.gemm_vs_cublas[p]! * 100 : null, '%', 0)}; target >= 70%)`}`);
  }
  for (const name of Object.keys(MODELS) as ModelName[]) {
    const m = MODELS[name];
    let line = `${m.label.padEnd(30)} ${num(ours[name], ' samples/s', 0)}`;
    if (typeof torch !== 'string') {
      const t = torch.models[name];
      line += `  (PyTorch eager ${num(t?.eager, '', 0)}: ${num(figures.vs_torch_eager[name], 'x', 2)}, target >= ${m.target}x; torch.compile ${typeof t?.compiled === 'number' ? `${num(t.compiled, '', 0)}: ${num(figures.vs_torch_compiled[name], 'x', 2)}` : `not run (${t?.compiled ?? '-'})`})`;
    }
    lines.push(line);
  }
  if (typeof torch === 'string') lines.push(torch);
  else lines.push(`PyTorch ${torch.torch} on ${torch.device}`);
  io.stdout(`${lines.join('\n')}\n`);
  return EXIT_OK;
}
