/**
 * The CUDA backend against the CPU kernels. What runs everywhere: the op models together make
 * step plans emit every kernel the CPU registers, in every variant a kernel branches on; the
 * twin-plan harness finds no difference between two CPU plans and names a buffer that was
 * changed. With a CUDA build: every CPU kernel has a `cuda:` twin. With a usable GPU: every op
 * model runs on the GPU within the stated tolerances of the CPU (TOLERANCES in twin-plans.ts),
 * at float32 and, for the models with matrix products, tf32 and bf16; training agrees epoch by
 * epoch; captured graphs replay what the plain first run computed; a class id out of range
 * stops the GPU with an error naming the loss kernel and the id.
 */
import { describe, expect, it } from 'vitest';
import type { Functional } from '../../../electron/engine/graph/index.js';
import { NativePlan } from '../../../electron/engine/plan/native-plan.js';
import type { Instr } from '../../../electron/engine/plan/plan-builder.js';
import { loadNative } from '../../../electron/engine/tensor/native.js';
import type { Device } from '../../../electron/engine/tensor/device.js';
import { buildStepPlan } from '../../../electron/engine/training/step-plan.js';
import { Trainer } from '../../../electron/engine/training/trainer.js';
import { MLP_MODEL, OP_MODELS, modelData, type OpModel } from './op-models.js';
import { TOLERANCES, describeMismatches, describeWorst, replayRun, twinRun } from './twin-plans.js';

const native = loadNative();
const cpuKernels = native.kernelNames().filter((k) => !k.startsWith('cuda:')).sort();
const probe = native.cudaDevices(false);
const gpu = probe.built ? probe.devices.find((d) => d.supported) : undefined;
const noGpu = gpu ? '' : ` (skipped: ${probe.problem ?? `no device of compute capability 8.0 or newer among ${probe.devices.map((d) => `${d.name} (${d.computeCapability})`).join(', ')}`})`;
const noCudaBuild = probe.built ? '' : ' (skipped: this build of the native engine has no CUDA backend)';
const DEVICE: Device = gpu ? `cuda:${gpu.index}` : 'cuda';

function specOf(m: OpModel) {
  const model = m.build();
  return buildStepPlan(model, model.compileConfig!, m.batch, 1, { mode: 'train' }).builder.spec();
}

const instrs: Instr[] = OP_MODELS.flatMap((m) => specOf(m).programs.flat());

/** The values an attribute takes over every instruction of a kernel, as strings. */
function valuesOf(kernel: string, key: (i: Instr) => string | number | null): Set<string> {
  return new Set(instrs.filter((i) => i[0] === kernel).map((i) => key(i)).filter((v) => v !== null).map(String));
}

const range = (n: number, from = 0) => Array.from({ length: n - from }, (_, i) => String(i + from));

/**
 * Variants a kernel branches on, as the emitters lay out their attributes (losses.ts,
 * metrics.ts, optimizers.ts, schedules.ts, activation-codes.ts, elementwise.ts, merge.ts,
 * recurrent.ts, pooling.ts): each must be met by some op model.
 */
const VARIANTS: Array<{ kernel: string; what: string; key: (i: Instr) => string | number | null; want: string[] }> = [
  { kernel: 'dense_fwd', what: 'fused activation code', key: (i) => i[2][2]!, want: range(17) },
  // Activation('linear') is no kernel at all.
  { kernel: 'act_fwd', what: 'activation code', key: (i) => i[2][0]!, want: range(17, 1) },
  { kernel: 'loss', what: 'loss kind', key: (i) => i[2][0]!, want: range(8) },
  { kernel: 'loss', what: 'cross-entropy kind / from logits', key: (i) => ([3, 4, 5].includes(i[2][0]!) ? `${i[2][0]}/${i[2][2]}` : null), want: ['3/0', '3/1', '4/0', '4/1', '5/0', '5/1'] },
  { kernel: 'loss', what: 'label smoothing or Huber delta', key: (i) => (i[3][1] !== 0 ? i[2][0]! : null), want: ['2', '3', '4'] },
  { kernel: 'metric', what: 'metric kind', key: (i) => i[2][0]!, want: range(7) },
  { kernel: 'optimizer_update', what: 'optimizer kind', key: (i) => i[2][0]!, want: range(8) },
  { kernel: 'optimizer_update', what: 'flag (nesterov, centered, amsgrad)', key: (i) => i[2][4]!, want: ['0', '1', '2', '4'] },
  { kernel: 'optimizer_update', what: 'global clip scale', key: (i) => (i[2][3]! >= 0 ? 'global clipnorm' : null), want: ['global clipnorm'] },
  {
    kernel: 'optimizer_update',
    what: 'clipnorm / clipvalue / weight decay',
    key: (i) => ['clipnorm', 'clipvalue', 'weight decay'].filter((_, k) => i[3][4 + k] !== 0).join('+') || null,
    want: ['clipnorm', 'clipvalue+weight decay'],
  },
  { kernel: 'optimizer_step_end', what: 'Nadam momentum product', key: (i) => (i[2][1]! >= 0 ? 'nadam' : 'other'), want: ['nadam', 'other'] },
  { kernel: 'lr_schedule', what: 'schedule kind', key: (i) => i[2][0]!, want: range(3) },
  { kernel: 'lr_schedule', what: 'staircase / warm-up flag', key: (i) => `${i[2][0]}/${i[2][3]}`, want: ['0/1', '1/1', '2/0'] },
  { kernel: 'unary_fwd', what: 'unary op', key: (i) => i[2][0]!, want: range(12) },
  { kernel: 'binary_fwd', what: 'binary op', key: (i) => i[2][0]!, want: range(8) },
  { kernel: 'binary_fwd', what: 'constant operand', key: (i) => (i[1][0]! < 0 ? 'left' : i[1][1]! < 0 ? 'right' : 'none'), want: ['left', 'right', 'none'] },
  { kernel: 'reduce_fwd', what: 'reduction', key: (i) => i[2][0]!, want: range(4) },
  { kernel: 'softmax_fwd', what: 'log', key: (i) => i[2][3]!, want: range(2) },
  { kernel: 'merge_fwd', what: 'merge kind', key: (i) => i[2][0]!, want: range(6) },
  { kernel: 'bidirectional_merge_fwd', what: 'merge mode', key: (i) => i[2][0]!, want: range(4) },
  { kernel: 'pool_fwd', what: 'max / average', key: (i) => i[2][0]!, want: range(2) },
  { kernel: 'pool_fwd', what: 'argmax kept (max pool with a gradient)', key: (i) => (i[2][0] === 0 ? String(i[1][2]! >= 0) : null), want: ['true'] },
  { kernel: 'mask_combine', what: 'all / any', key: (i) => i[2][0]!, want: range(2) },
  { kernel: 'mask_combine', what: 'masks combined', key: (i) => (i[1].length === 1 ? 'none (keep all)' : 'several'), want: ['none (keep all)', 'several'] },
  { kernel: 'cast', what: 'to int32 / to float32', key: (i) => i[2][0]!, want: range(2) },
  { kernel: 'matmul_fwd', what: 'transposed operand (Dot over the first axis)', key: (i) => `${i[2][3]}${i[2][4]}`, want: ['00', '10'] },
  // Flags: 1 go_backwards, 2 reversed output (Bidirectional), 4 reset_after, 8 zero output for mask, 16 last output.
  ...(['simple_rnn', 'lstm', 'gru'] as const).flatMap((cell) => [
    { kernel: `${cell}_fwd`, what: 'go_backwards', key: (i: Instr) => i[2][5]! & 1, want: range(2) },
    { kernel: `${cell}_fwd`, what: 'reversed output (Bidirectional)', key: (i: Instr) => (i[2][5]! >> 1) & 1, want: range(2) },
    { kernel: `${cell}_fwd`, what: 'mask', key: (i: Instr) => String(i[1][16]! >= 0), want: ['true', 'false'] },
    { kernel: `${cell}_fwd`, what: 'masked last output', key: (i: Instr) => (i[2][5]! >> 4) & 1, want: range(2) },
    { kernel: `${cell}_fwd`, what: 'initial state', key: (i: Instr) => String(i[1][4]! >= 0), want: ['true', 'false'] },
  ]),
  { kernel: 'gru_fwd', what: 'reset_after', key: (i) => (i[2][5]! >> 2) & 1, want: range(2) },
  // Gradients that accumulate: a layer called twice, a value read by several layers.
  { kernel: 'dense_bwd', what: 'accumulated dx / dW', key: (i) => `${i[2][3]}${i[2][4]}`, want: ['00', '10', '01'] },
  { kernel: 'act_bwd', what: 'accumulated dx', key: (i) => i[2][2]!, want: range(2) },
  { kernel: 'merge_bwd', what: 'accumulated dx', key: (i) => i[2][3]!, want: range(2) },
  { kernel: 'matmul_bwd', what: 'accumulated da / db', key: (i) => i[2].slice(-2).join(''), want: ['00', '01', '10'] },
];

/**
 * Runs one train step of the MLP whose targets hold class id 12 of 10, written into the plan
 * directly (the Trainer would refuse them on the host); returns the error's message, or ''.
 */
function badLabelError(device: Device): string {
  const model = MLP_MODEL.build();
  const n = 8;
  const step = buildStepPlan(model, model.compileConfig!, n, 1, { mode: 'train' });
  const plan = new NativePlan({ ...step.builder.spec(), device });
  const fill = (buf: number, values: Float32Array | Int32Array) => {
    plan.resize(buf, values.length);
    plan.write(buf, values);
  };
  fill(step.inputData[0]!.train, new Float32Array(n * step.inputData[0]!.row).fill(0.5));
  fill(step.heads[0]!.targetData.train, Int32Array.from([1, 2, 3, 12, 4, 5, 6, 7]));
  fill(step.sampleWeightData.train, new Float32Array(n).fill(1));
  fill(step.index.train, Int32Array.from({ length: n }, (_, i) => i));
  try {
    plan.runSteps(step.programs.train, n, step.scalars.trainCursor, 0, n, 1, []);
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}

describe('op models', () => {
  it('together make the step plans emit every kernel the CPU registers', () => {
    const emitted = new Set(instrs.map((i) => i[0]));
    const missing = cpuKernels.filter((k) => !emitted.has(k));
    expect(missing, `kernels no op model emits: ${missing.join(', ')}`).toEqual([]);
    const unknown = [...emitted].filter((k) => !cpuKernels.includes(k));
    expect(unknown, `emitted kernels the CPU does not register: ${unknown.join(', ')}`).toEqual([]);
  });

  it('cover the variants each kernel branches on', () => {
    const gaps = VARIANTS.flatMap((v) => {
      const seen = valuesOf(v.kernel, v.key);
      const lacking = v.want.filter((w) => !seen.has(w));
      return lacking.length > 0 ? [`${v.kernel} ${v.what}: ${lacking.join(', ')} (seen ${[...seen].sort().join(', ') || 'none'})`] : [];
    });
    expect(gaps, `variants no op model reaches:\n${gaps.join('\n')}`).toEqual([]);
  });
});

describe('the twin-plan harness (CPU against CPU)', () => {
  for (const m of OP_MODELS) {
    it(`${m.name}: two CPU plans agree exactly, and the CPU run is finite`, () => {
      const report = twinRun(m.build(), m.batch, modelData(m), { device: 'cpu' });
      expect(report.mismatches, describeMismatches(m.name, report)).toEqual([]);
      expect(report.worst[0]!.ratio, 'identical plans differ').toBe(0);
      expect(report.cpuNonFinite, `non-finite values on the CPU in ${report.cpuNonFinite.join(', ')}`).toEqual([]);
      expect(report.buffersCompared).toBeGreaterThan(10);
    });
  }

  it('reports a changed buffer by its name, and a changed scalar', () => {
    const m = OP_MODELS.find((o) => o.name === 'heads')!;
    let kernel = -1;
    const report = twinRun(m.build(), m.batch, modelData(m), {
      device: 'cpu',
      perturb: (plan, spec) => {
        kernel = spec.buffers.findIndex((b) => b.name.endsWith('/kernel') && b.name.startsWith('q'));
        const values = plan.read(kernel) as Float32Array;
        values[3] = values[3]! + 0.01;
        plan.write(kernel, values);
        const scalars = plan.scalars;
        scalars[2] = scalars[2]! * 1.5; // the learning rate
        plan.scalars = scalars;
      },
    });
    // Right after the change, exactly the two changed values differ; later programs spread it.
    const direct = report.mismatches.filter((x) => x.phase === 'after train step 1');
    expect(direct.map((x) => `${x.what}[${x.index}]`).sort(), describeMismatches('perturbed', report)).toEqual([`buffer ${kernel} "q/kernel"[3]`, 'scalar 2 "learning rate"[-1]']);
    expect(report.mismatches.length).toBeGreaterThan(direct.length);
    expect(describeMismatches('perturbed', { ...report, mismatches: direct })).toContain(`buffer ${kernel} "q/kernel"[3]: expected `);
  });

  it('stops the CPU at a class id out of range too (the procedure of the GPU check)', () => {
    const message = badLabelError('cpu');
    expect(message).toMatch(/\b12\b/);
    expect(message).toMatch(/\b10 classes\b/);
  });

  it('replays a train step identically from the same state (the CUDA graph check, here on the CPU)', () => {
    const report = replayRun(MLP_MODEL.build(), MLP_MODEL.batch, modelData(MLP_MODEL), { device: 'cpu' });
    expect(report.mismatches, describeMismatches('replay', report)).toEqual([]);
    expect(report.buffersCompared).toBeGreaterThan(20);
  });
});

describe.skipIf(!probe.built)(`the CUDA backend's kernels${noCudaBuild}`, () => {
  it('has a cuda: twin of every CPU kernel', () => {
    const cuda = new Set(native.kernelNames().filter((k) => k.startsWith('cuda:')).map((k) => k.slice(5)));
    const missing = cpuKernels.filter((k) => !cuda.has(k));
    expect(missing, `CPU kernels without a CUDA twin: ${missing.join(', ')}`).toEqual([]);
  });
});

describe.skipIf(!gpu)(`CUDA against the CPU${noGpu}`, () => {
  for (const m of OP_MODELS) {
    it(`${m.name}: every buffer and scalar within tolerance at float32`, () => {
      const report = twinRun(m.build(), m.batch, modelData(m), { device: DEVICE });
      expect(report.mismatches, describeMismatches(`${m.name} on ${DEVICE}`, report)).toEqual([]);
      console.log(describeWorst(`${m.name} float32`, report));
    });
  }

  for (const precision of ['tf32', 'bf16'] as const) {
    for (const m of OP_MODELS.filter((o) => o.lowPrecision)) {
      it(`${m.name}: every buffer within the ${precision} tolerance`, () => {
        const report = twinRun(m.build(), m.batch, modelData(m), { device: DEVICE, precision });
        expect(report.mismatches, describeMismatches(`${m.name} on ${DEVICE} at ${precision}`, report)).toEqual([]);
        console.log(describeWorst(`${m.name} ${precision}`, report));
      });
    }
  }

  it('trains the MLP for 2 epochs with the same per-epoch losses and accuracies as the CPU', () => {
    const data = modelData(MLP_MODEL, 7, 1024);
    const fit = (device: Device) => {
      const model: Functional = MLP_MODEL.build();
      const trainer = new Trainer(model, 42, { device });
      const history = trainer.fit(data.x, data.y, { epochs: 2, batchSize: 64, verbose: 0 });
      return { loss: history.history.loss!, accuracy: history.history.accuracy!, evaluated: trainer.evaluate(data.x, data.y, { batchSize: 64 }) };
    };
    const cpu = fit('cpu');
    const cuda = fit(DEVICE);
    const { rtol, atol, countSlack } = TOLERANCES.float32;
    const close = (a: number, b: number) => Math.abs(b - a) <= atol + rtol * Math.abs(a);
    cpu.loss.forEach((l, e) => expect(close(l, cuda.loss[e]!), `epoch ${e + 1} loss: cpu ${l}, cuda ${cuda.loss[e]}`).toBe(true));
    // Each batch may count one prediction within rounding of a tie on the other side.
    const steps = Math.ceil(1024 / 64);
    cpu.accuracy.forEach((a, e) => expect(Math.abs(cuda.accuracy[e]! - a), `epoch ${e + 1} accuracy: cpu ${a}, cuda ${cuda.accuracy[e]}`).toBeLessThanOrEqual((countSlack! * steps) / 1024));
    expect(close(cpu.evaluated.loss!, cuda.evaluated.loss!), `evaluated loss: cpu ${cpu.evaluated.loss}, cuda ${cuda.evaluated.loss}`).toBe(true);
  });

  it('replays the captured train step with the results of its plain first run', () => {
    // A plan's first run at a batch size is plain, the second is captured into a CUDA graph
    // and launched, the third replays it: all three from the same state must agree (within
    // the float32 tolerance, should a kernel sum with atomics in a varying order).
    for (const m of [MLP_MODEL, OP_MODELS.find((o) => o.name === 'recurrent')!]) {
      const report = replayRun(m.build(), m.batch, modelData(m), { device: DEVICE });
      expect(report.mismatches, describeMismatches(`${m.name}: graph replay`, report)).toEqual([]);
      console.log(describeWorst(`${m.name} graph replay`, report));
    }
  });

  it('stops at a sparse target out of range with an error naming the loss kernel and the class id', () => {
    const message = badLabelError(DEVICE);
    expect(message, 'no error for class id 12 of 10').toMatch(/\bloss\b/);
    expect(message).toMatch(/\b12\b/);
    expect(message).toMatch(/\b10 classes\b|\b0 to 9\b/);
  });
});
