/**
 * Where a model trains: the CPU, or a CUDA device of the native engine's CUDA backend, and
 * at what precision its matrix products run there. Checked before a plan is made, so that
 * asking for a GPU this machine or build cannot use fails with what was found and what is
 * needed, and nothing else is affected.
 */
import { DEVICE_PATTERN, PRECISIONS } from '../../../shared/devices.js';
import { loadNative, type CudaDevice, type CudaProbe } from './native.js';

export { PRECISIONS };

export type Device = 'cpu' | 'cuda' | `cuda:${number}`;

/**
 * `float32` everywhere; on a CUDA device, `tf32` and `bf16` run matrix products (dense,
 * convolutions, matmul, recurrent) on tensor cores with operands rounded to TF32 / BF16 and
 * FP32 accumulation. Weights (the master copy), activations and optimizer state stay FP32;
 * BF16 has FP32's exponent range, so no loss scaling is needed.
 */
export type Precision = (typeof PRECISIONS)[number];

export class DeviceUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceUnavailableError';
  }
}

/** Parses `cpu`, `cuda` or `cuda:N`; `where` names the option or field for the message. */
export function parseDevice(value: unknown, where: string): Device {
  if (typeof value === 'string' && DEVICE_PATTERN.test(value)) return value as Device;
  throw new DeviceUnavailableError(`${where} must be "cpu", "cuda" or "cuda:N" (N the device's index); received ${JSON.stringify(value)}.`);
}

export function parsePrecision(value: unknown, where: string): Precision {
  if (PRECISIONS.includes(value as Precision)) return value as Precision;
  throw new DeviceUnavailableError(`${where} must be one of ${PRECISIONS.join(', ')}; received ${JSON.stringify(value)}.`);
}

/** The device's index: 0 for `cuda`, N for `cuda:N`, -1 for the CPU. */
export function deviceIndex(device: Device): number {
  if (device === 'cpu') return -1;
  return device === 'cuda' ? 0 : Number(device.slice(5));
}

/**
 * What the native engine finds: the CUDA devices, or why there are none. `freeMemory`
 * reads each device's free memory, which creates a CUDA context: the app's own process
 * (which never trains) asks without it.
 */
export function cudaProbe(freeMemory = true): CudaProbe {
  return loadNative().cudaDevices(freeMemory);
}

function describeFound(probe: CudaProbe): string {
  if (probe.devices.length === 0) return 'no usable CUDA device';
  return probe.devices.map((d) => `cuda:${d.index} ${d.name} (compute capability ${d.computeCapability})`).join(', ');
}

/**
 * Throws a {@link DeviceUnavailableError} that says what was found and what is needed when
 * `device` cannot train here with `precision`; returns the CUDA device it will use, or null
 * for the CPU.
 */
export function checkDevice(device: Device, precision: Precision = 'float32'): CudaDevice | null {
  if (device === 'cpu') {
    if (precision !== 'float32') throw new DeviceUnavailableError(`precision "${precision}" needs a CUDA device; the CPU trains in float32.`);
    return null;
  }
  const probe = cudaProbe(false);
  const needs = 'Training on a GPU needs an NVIDIA GPU of compute capability 8.0 or newer (A100, RTX 30 series, H100 and later) with its driver, and a build of Strata made where the CUDA toolkit (nvcc) was installed.';
  if (probe.problem) throw new DeviceUnavailableError(`Cannot train on ${device}: ${probe.problem}. ${needs} Everything else works on the CPU (--device cpu).`);
  const index = deviceIndex(device);
  const found = probe.devices.find((d) => d.index === index);
  if (!found) throw new DeviceUnavailableError(`Cannot train on ${device}: found ${describeFound(probe)}. Choose one of ${probe.devices.map((d) => `cuda:${d.index}`).join(', ')}.`);
  if (!found.supported) throw new DeviceUnavailableError(`Cannot train on ${device}: it is ${found.name} with compute capability ${found.computeCapability}. ${needs}`);
  return found;
}
