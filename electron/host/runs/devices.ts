/**
 * The devices the studio offers for runs: the CPU, and the CUDA devices the native engine
 * finds (asked without free memory, so the app's own process creates no CUDA context).
 */
import type { ChannelResult } from '../../../shared/ipc/index.js';
import { cudaProbe } from '../../engine/tensor/device.js';
import { loadNative } from '../../engine/tensor/native.js';

export function trainingDevices(): ChannelResult<'app.devices'> {
  const cpu = loadNative().cpuInfo();
  const cuda = cudaProbe(false);
  return {
    cpu: { isa: cpu.isa, threads: cpu.threads },
    cuda: cuda.devices.map((d) => ({
      device: `cuda:${d.index}`,
      name: d.name,
      memoryBytes: d.totalMemory,
      computeCapability: d.computeCapability,
      supported: d.supported,
    })),
    cudaProblem: cuda.problem ?? null,
  };
}
