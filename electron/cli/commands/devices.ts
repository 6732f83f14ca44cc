/**
 * `strata devices [--json]`: where models can train — the CPU (kernel path, threads) and
 * the CUDA devices the native engine finds (name, memory, compute capability), or why
 * there are none.
 */
import { cudaProbe } from '../../engine/tensor/device.js';
import { loadNative } from '../../engine/tensor/native.js';
import type { CommandSpec } from '../command.js';
import { EXIT_OK } from '../errors.js';

const GIB = 1024 ** 3;

function cudaVersion(v: number): string {
  return `${Math.floor(v / 1000)}.${Math.floor((v % 1000) / 10)}`;
}

export const devicesCommand: CommandSpec = {
  name: 'devices',
  summary: 'list the devices models can train on (the CPU and CUDA GPUs)',
  description:
    "Lists the CPU (the kernel path and threads the engine uses) and every CUDA device the native engine finds, with its memory and compute capability, under the names training takes (cpu, cuda:0, ...). Where no GPU can be used it says why: a build without the CUDA backend, no NVIDIA driver, a driver too old for the build, or a GPU older than compute capability 8.0.",
  arguments: [],
  options: [{ name: 'json', type: 'boolean', description: 'print one JSON object: {cpu, cuda}' }],
  examples: ['strata devices', 'strata devices --json'],
  async run({ options, io }) {
    const cpu = loadNative().cpuInfo();
    const cuda = cudaProbe();
    if (options.json) {
      io.stdout(`${JSON.stringify({ cpu, cuda })}\n`);
      return EXIT_OK;
    }
    const lines = [`cpu      ${cpu.isa} kernels, ${cpu.threads} threads (${cpu.hardwareThreads} hardware threads)`];
    for (const d of cuda.devices) {
      const memory = `${(d.totalMemory / GIB).toFixed(1)} GiB (${(d.freeMemory / GIB).toFixed(1)} GiB free)`;
      const note = d.supported ? '' : ' — not usable: this build runs on compute capability 8.0 or newer';
      lines.push(`cuda:${d.index}   ${d.name}, ${memory}, compute capability ${d.computeCapability}, ${d.multiprocessors} SMs${note}`);
    }
    if (cuda.devices.length > 0) {
      lines.push(`         CUDA driver ${cudaVersion(cuda.driverVersion)}, runtime ${cudaVersion(cuda.runtimeVersion)}`);
    }
    if (cuda.problem) lines.push(`cuda     none: ${cuda.problem}`);
    io.stdout(`${lines.join('\n')}\n`);
    return EXIT_OK;
  },
};
