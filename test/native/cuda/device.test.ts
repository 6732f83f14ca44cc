/**
 * Asking for a device: where no GPU can be used, `--device cuda` fails before any work with a
 * message that says what was found and what is needed, and everything on the CPU keeps
 * working; `strata devices` lists the CPU and the CUDA devices or why there are none. On a
 * machine with a usable GPU the same checks assert that it is found and listed instead.
 *
 * The command line runs as a child process: `bin/strata.mjs` of this checkout, or the file
 * STRATA_CLI names (the device bundle's strata.mjs).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeviceUnavailableError, checkDevice, cudaProbe, parseDevice } from '../../../electron/engine/tensor/device.js';
import { ROOT, type Run, strata } from '../../cli/helpers.js';

const CLI = process.env.STRATA_CLI ?? join(ROOT, 'bin', 'strata.mjs');
const SEED = join(ROOT, 'examples', 'seeds', 'mnist_model.ts');
const haveCli = existsSync(CLI) && existsSync(SEED);
const noCli = haveCli ? '' : ` (skipped: no command line at ${CLI} or no ${SEED}; set STRATA_CLI)`;

const probe = cudaProbe(false);
const gpu = probe.built ? probe.devices.find((d) => d.supported) : undefined;
/** What the engine reports finding, as checkDevice's message must say it. */
const found = probe.problem ?? probe.devices.map((d) => d.name).join(', ');
const NEEDS = 'compute capability 8.0 or newer';

const run = (args: string[]): Promise<Run> => strata(args, { cli: CLI });

describe('checkDevice', () => {
  it.skipIf(Boolean(gpu))(`refuses cuda, saying what was found and what is needed${gpu ? ' (skipped: a usable GPU is present)' : ''}`, () => {
    let error: unknown;
    try {
      checkDevice('cuda');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DeviceUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain('Cannot train on cuda');
    expect(message).toContain(found);
    expect(message).toContain(NEEDS);
  });

  it.skipIf(!gpu)(`accepts cuda and returns the device${gpu ? '' : ' (skipped: no usable GPU)'}`, () => {
    const device = checkDevice('cuda');
    expect(device?.supported).toBe(true);
    expect(device?.index).toBe(0);
  });

  it('refuses a CUDA device index that does not exist', () => {
    expect(() => checkDevice('cuda:99')).toThrow(DeviceUnavailableError);
  });

  it('refuses tf32 and bf16 on the CPU, and names the accepted devices for a wrong one', () => {
    expect(() => checkDevice('cpu', 'bf16')).toThrow('precision "bf16" needs a CUDA device; the CPU trains in float32.');
    expect(() => checkDevice('cpu', 'tf32')).toThrow(DeviceUnavailableError);
    expect(checkDevice('cpu')).toBe(null);
    expect(() => parseDevice('gpu', '--device')).toThrow('--device must be "cpu", "cuda" or "cuda:N"');
  });
});

describe.skipIf(!haveCli)(`the command line${noCli}`, () => {
  // Started together (each is a node process loading the engine), awaited by the tests.
  const runs: Record<string, Promise<Run>> = {};
  beforeAll(() => {
    runs.devices = run(['devices']);
    runs.json = run(['devices', '--json']);
    runs.gpuName = run(['train', SEED, '--data', 'mnist', '--device', 'gpu']);
    runs.bf16 = run(['train', SEED, '--data', 'iris', '--precision', 'bf16', '--json']);
    if (!gpu) runs.cuda = run(['train', SEED, '--data', 'mnist', '--device', 'cuda', '--json']);
  });

  // Each test waits for node processes that start together: generous timeouts on a busy machine.
  const CLI_TIMEOUT = 120_000;

  it('strata devices lists the CPU, then the CUDA devices or why there are none', async () => {
    const run = await runs.devices!;
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^cpu\s+\S+ kernels, \d+ threads \(\d+ hardware threads\)$/);
    if (probe.problem) expect(lines).toContain(`cuda     none: ${probe.problem}`);
    for (const d of probe.devices) {
      expect(lines.some((l) => l.startsWith(`cuda:${d.index} `) && l.includes(d.name) && l.includes(`compute capability ${d.computeCapability}`))).toBe(true);
    }
    if (gpu) expect(lines.some((l) => l.startsWith(`cuda:${gpu.index} `) && !l.includes('not usable'))).toBe(true);
  }, CLI_TIMEOUT);

  it('strata devices --json gives the CPU and the CUDA probe', async () => {
    const run = await runs.json!;
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { cpu: { isa: string; threads: number }; cuda: { built: boolean; devices: Array<{ index: number; supported: boolean }>; problem?: string } };
    expect(typeof out.cpu.isa).toBe('string');
    expect(out.cpu.threads).toBeGreaterThanOrEqual(1);
    expect(out.cuda.built).toBe(probe.built);
    expect(out.cuda.problem).toBe(probe.problem);
    expect(out.cuda.devices.map((d) => d.index)).toEqual(probe.devices.map((d) => d.index));
    if (gpu) expect(out.cuda.devices.some((d) => d.supported)).toBe(true);
  }, CLI_TIMEOUT);

  it.skipIf(Boolean(gpu))(`strata train --device cuda exits 1 with what was found and what is needed, and trains nothing${gpu ? ' (skipped: a usable GPU is present)' : ''}`, async () => {
    const run = await runs.cuda!;
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('strata: Cannot train on cuda');
    expect(run.stderr).toContain(found);
    expect(run.stderr).toContain(NEEDS);
    expect(run.stderr).toContain('--device cpu');
    expect(run.stdout, 'no epoch ran').toBe('');
  }, CLI_TIMEOUT);

  it('strata train --device gpu is a usage error naming the accepted values', async () => {
    const run = await runs.gpuName!;
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('--device must be "cpu", "cuda" or "cuda:N"');
    expect(run.stderr).toContain('"gpu"');
    expect(run.stderr).toContain('strata help train');
  }, CLI_TIMEOUT);

  it('strata train --precision bf16 on the CPU is refused before training', async () => {
    const run = await runs.bf16!;
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('precision "bf16" needs a CUDA device');
    expect(run.stdout, 'no epoch ran').toBe('');
  }, CLI_TIMEOUT);
});
