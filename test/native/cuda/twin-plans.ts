/**
 * Twin plans: one model's step plan built once and created twice, on the CPU (the reference)
 * and on another device, given the same weights, optimizer slots, scalars and data, run
 * through the same programs (a few train steps, then evaluate and predict), and compared
 * buffer by buffer — every buffer of the plan, named as the plan names it (`dense/kernel`,
 * `grad of ...`, `.../output`) — and scalar by scalar (losses, metric sums and counts,
 * counters, the learning rate).
 */
import type { Functional } from '../../../electron/engine/graph/index.js';
import type { Dim } from '../../../electron/engine/graph/shape.js';
import { NativePlan } from '../../../electron/engine/plan/native-plan.js';
import type { PlanSpec } from '../../../electron/engine/plan/plan-builder.js';
import type { Device, Precision } from '../../../electron/engine/tensor/device.js';
import { Random } from '../../../electron/engine/tensor/random.js';
import { asFloatRows, asIntRows, asLabels, type ArrayData } from '../../../electron/engine/training/data-adapter.js';
import { slotInitialValue } from '../../../electron/engine/training/optimizers.js';
import { buildStepPlan, type StepPlan } from '../../../electron/engine/training/step-plan.js';
import { initializeWeights, weightValue } from '../../../electron/engine/training/weights.js';

/**
 * How close the other device must come to the CPU, per precision: the one place tolerances
 * are stated.
 *
 * float32: each element, |other - cpu| <= atol + rtol * |cpu|. The GPU sums in another order
 * (tree reductions, split-K GEMM tiles, atomics), so each sum carries a different float32
 * rounding, ~1e-7 relative per term and growing with the sum's length; a few train steps let
 * the differences in the weights feed the next steps' activations. rtol 1e-3 and atol 1e-4
 * leave room for that, and still catch a wrong index, a missed term, a dropped scale (errors
 * of the size of the values themselves).
 *
 * tf32 / bf16: matrix products round their operands to 10 / 7 mantissa bits (unit roundoff
 * 4.9e-4 / 3.9e-3). The rounding moves values near a kink (relu, a max-pool's winner, a
 * threshold) to the other side, which changes single elements by their whole size, so
 * buffers are compared as a whole: ||other - cpu||_2 <= atol * sqrt(n) + rtol * ||cpu||_2.
 *
 * Integer buffers (indices, pooling argmax, labels) must be equal — except, at tf32 / bf16,
 * the max-pooling argmax, whose winners can swap under rounding (their effect shows in the
 * gradients, which are compared).
 *
 * Counted metrics (accuracy sums, precision / recall / AUC counts) may differ by one sample
 * per batch in float32 (a prediction within rounding of a threshold); at tf32 / bf16 they are
 * not compared (a prediction moves by more than the spacing of AUC's 200 thresholds).
 */
export const TOLERANCES: Record<Precision, { rtol: number; atol: number; elementwise: boolean; countSlack: number | null }> = {
  float32: { rtol: 1e-3, atol: 1e-4, elementwise: true, countSlack: 1 },
  tf32: { rtol: 2e-2, atol: 1e-3, elementwise: false, countSlack: null },
  bf16: { rtol: 5e-2, atol: 5e-3, elementwise: false, countSlack: null },
};

/**
 * Buffers whose contents are each backend's own business: scratch space a kernel may use
 * differently on the device (the CPU's im2col columns, which the GPU keeps in its own
 * scratch memory; a recurrent layer's work rows, which the GPU keeps in registers).
 */
export const SCRATCH_BUFFERS = [/^convolution scratch/, /\/work$/];

const ARGMAX = /\/argmax$/;
const COUNTED = /accuracy|counts?\b|precision|recall|auc/;

export interface Mismatch {
  /** Which phase of the run: `after train step 1`, `after all programs`. */
  phase: string;
  /** `buffer 12 "dense/kernel"`, `scalar 5 "train loss dense"`, `train record step 2 "train loss dense"`. */
  what: string;
  /** Element index (or -1 for a whole-buffer comparison or a length mismatch). */
  index: number;
  /** The CPU's value (for a replay, the first run's); for an L2 comparison, the norm. */
  expected: number;
  /** The device's value; for an L2 comparison, the norm of the difference. */
  actual: number;
  /** The error over what the tolerance allows: above 1 fails. */
  ratio: number;
}

export interface TwinReport {
  /** Every comparison whose ratio exceeded 1, worst first. */
  mismatches: Mismatch[];
  /** The closest calls (worst ratios, failing or not), worst first: what to look at first. */
  worst: Mismatch[];
  buffersCompared: number;
  scalarsCompared: number;
  /** Buffers holding NaN or infinity in the reference run: a model that proves nothing. */
  cpuNonFinite: string[];
}

export interface TwinOptions {
  /** Device of the second plan (the first is always the CPU). */
  device: Device;
  precision?: Precision;
  seed?: number;
  /** Changes the second plan before a comparison (to check that the harness reports it). */
  perturb?: (plan: NativePlan, spec: PlanSpec) => void;
}

export interface TwinData {
  x: ArrayData[];
  y: ArrayData[];
  /** One per sample (all 1 when left out). */
  sampleWeights?: Float32Array;
}

/** The model's input shapes with open sizes (sequence lengths) taken from the data, as the Trainer does. */
function inputShapes(model: Functional, xs: ArrayData[]): Dim[][] | undefined {
  if (!model.inputs.some((t) => t.shape.slice(1).includes(null))) return undefined;
  return model.inputs.map((t, i) => (t.shape.slice(1).includes(null) ? [null, ...xs[i]!.shape.slice(1)] : t.shape));
}

/** Writes weights, optimizer state and scalars as a fresh Trainer would. */
function writeState(step: StepPlan, model: Functional, plan: NativePlan): void {
  for (const [w, t] of step.weights) plan.write(t.buf, weightValue(w)!);
  const scalars = plan.scalars;
  scalars.fill(0);
  scalars[step.scalars.learningRate] = step.optimizer.learningRate;
  scalars[step.scalars.iterations] = 0;
  scalars[step.scalars.uProduct] = 1;
  plan.scalars = scalars;
  for (const s of step.slots) {
    plan.write(s.buf, new Float32Array(s.weight.size).fill(slotInitialValue(model.compileConfig!.optimizer, s.name)));
  }
}

/** Loads the same rows into the train and evaluate slots, with a shuffled train order. */
function writeData(step: StepPlan, model: Functional, plan: NativePlan, data: TwinData, seed: number): number {
  const n = data.x[0]!.shape[0]!;
  for (const which of ['train', 'evaluate'] as const) {
    step.inputData.forEach((d, i) => {
      plan.resize(d[which], n * d.row);
      const rows = model.inputs[i]!.dtype === 'int32' ? asIntRows : asFloatRows;
      plan.write(d[which], rows(data.x[i]!, d.shape, `input ${d.name}`));
    });
    step.heads.forEach((h, i) => {
      if (!h.loss) return;
      plan.resize(h.targetData[which], n * h.targetData.row);
      const y = data.y[i]!;
      plan.write(h.targetData[which], h.loss.sparseTargets ? asLabels(y, h.shape[h.shape.length - 1] as number, `target ${h.name}`) : asFloatRows(y, h.shape, `target ${h.name}`));
    });
    plan.resize(step.sampleWeightData[which], n);
    plan.write(step.sampleWeightData[which], data.sampleWeights ?? new Float32Array(n).fill(1));
    plan.resize(step.index[which], n);
  }
  plan.write(step.index.train, new Random(seed).permutation(n));
  plan.write(step.index.evaluate, Int32Array.from({ length: n }, (_, i) => i));
  return n;
}

/** Scalar slots recorded per step, in the order runSteps returns them (after the batch size). */
function recordSlots(step: StepPlan, which: 'train' | 'evaluate'): number[] {
  return step.heads
    .flatMap((h) => [h.slots[which].loss, ...h.slots[which].metrics.flatMap((s, k) => Array.from({ length: h.metrics[k]!.counts }, (_, c) => s + c))])
    .filter((s) => s >= 0);
}

class Comparer {
  readonly all: Mismatch[] = [];
  readonly nonFinite = new Set<string>();
  buffers = 0;
  scalars = 0;

  constructor(private readonly tol: (typeof TOLERANCES)[Precision]) {}

  private add(m: Mismatch): void {
    this.all.push(m);
  }

  buffer(phase: string, id: number, name: string, dtype: string, cpu: Float32Array | Int32Array, other: Float32Array | Int32Array): void {
    if (SCRATCH_BUFFERS.some((r) => r.test(name))) return;
    this.buffers++;
    const what = `buffer ${id} "${name}"`;
    if (dtype !== 'int32' && cpu.some((v) => !Number.isFinite(v))) this.nonFinite.add(name);
    if (cpu.length !== other.length) {
      this.add({ phase, what: `${what} (length ${cpu.length} on the CPU, ${other.length} on the device)`, index: -1, expected: cpu.length, actual: other.length, ratio: Infinity });
      return;
    }
    if (dtype === 'int32') {
      if (!this.tol.elementwise && ARGMAX.test(name)) return;
      for (let i = 0; i < cpu.length; i++) {
        if (cpu[i] !== other[i]) {
          this.add({ phase, what, index: i, expected: cpu[i]!, actual: other[i]!, ratio: Infinity });
          return;
        }
      }
      this.add({ phase, what, index: -1, expected: 0, actual: 0, ratio: 0 });
      return;
    }
    const { rtol, atol } = this.tol;
    if (this.tol.elementwise) {
      let worst: Mismatch = { phase, what, index: -1, expected: 0, actual: 0, ratio: 0 };
      for (let i = 0; i < cpu.length; i++) {
        const a = cpu[i]!;
        const b = other[i]!;
        if (Number.isNaN(a) && Number.isNaN(b)) continue;
        const ratio = Number.isNaN(a) || Number.isNaN(b) ? Infinity : a === b ? 0 : Math.abs(b - a) / (atol + rtol * Math.abs(a));
        if (ratio > worst.ratio) worst = { phase, what, index: i, expected: a, actual: b, ratio };
      }
      this.add(worst);
      return;
    }
    let diff = 0;
    let norm = 0;
    let nan = -1;
    for (let i = 0; i < cpu.length; i++) {
      const d = other[i]! - cpu[i]!;
      if (Number.isNaN(d) && nan < 0 && !(Number.isNaN(cpu[i]!) && Number.isNaN(other[i]!))) nan = i;
      if (!Number.isNaN(d)) diff += d * d;
      if (!Number.isNaN(cpu[i]!)) norm += cpu[i]! * cpu[i]!;
    }
    const ratio = nan >= 0 ? Infinity : cpu.length === 0 ? 0 : Math.sqrt(diff) / (atol * Math.sqrt(cpu.length) + rtol * Math.sqrt(norm));
    this.add({ phase, what: `${what} (L2 over ${cpu.length})`, index: nan, expected: Math.sqrt(norm), actual: Math.sqrt(diff), ratio });
  }

  scalar(phase: string, what: string, name: string, cpu: number, other: number): void {
    this.scalars++;
    const label = `${what} "${name}"`;
    if (COUNTED.test(name)) {
      if (this.tol.countSlack === null) return;
      const off = Math.abs(cpu - other);
      this.add({ phase, what: label, index: -1, expected: cpu, actual: other, ratio: Number.isNaN(off) ? Infinity : off === 0 ? 0 : off / (this.tol.countSlack + 1e-9) });
      return;
    }
    const { rtol, atol } = this.tol;
    const ratio = Number.isNaN(cpu) && Number.isNaN(other) ? 0 : Number.isNaN(cpu) || Number.isNaN(other) ? Infinity : cpu === other ? 0 : Math.abs(other - cpu) / (atol + rtol * Math.abs(cpu));
    this.add({ phase, what: label, index: -1, expected: cpu, actual: other, ratio });
  }
}

/** Everything a plan holds: its buffers and scalars. */
interface Snapshot {
  buffers: Array<Float32Array | Int32Array>;
  scalars: Float64Array;
}

function snapshot(plan: NativePlan, spec: PlanSpec): Snapshot {
  return { buffers: spec.buffers.map((_, id) => plan.read(id)), scalars: plan.scalars };
}

function compareSnapshots(compare: Comparer, phase: string, spec: PlanSpec, scalarNames: string[], expected: Snapshot, actual: Snapshot): void {
  spec.buffers.forEach((b, id) => compare.buffer(phase, id, b.name, b.dtype, expected.buffers[id]!, actual.buffers[id]!));
  expected.scalars.forEach((v, i) => compare.scalar(phase, `scalar ${i}`, scalarNames[i]!, v, actual.scalars[i]!));
}

/** Compares the values runSteps recorded, step by step, by the names of their scalars. */
function compareRecords(compare: Comparer, phase: string, step: StepPlan, which: 'train' | 'evaluate', expected: Float64Array, actual: Float64Array): void {
  const slots = recordSlots(step, which);
  const names = step.builder.scalarNames;
  const width = 1 + slots.length;
  if (expected.length !== actual.length) {
    compare.scalar(phase, `${which} record length`, 'steps run', expected.length / width, actual.length / width);
    return;
  }
  for (let at = 0, s = 1; at < expected.length; at += width, s++) {
    compare.scalar(phase, `${which} record step ${s}`, 'batch size', expected[at]!, actual[at]!);
    slots.forEach((slot, k) => compare.scalar(phase, `${which} record step ${s}`, names[slot]!, expected[at + 1 + k]!, actual[at + 1 + k]!));
  }
}

function report(compare: Comparer): TwinReport {
  const sorted = [...compare.all].sort((p, q) => q.ratio - p.ratio);
  return {
    mismatches: sorted.filter((m) => m.ratio > 1),
    worst: sorted.slice(0, 5),
    buffersCompared: compare.buffers,
    scalarsCompared: compare.scalars,
    cpuNonFinite: [...compare.nonFinite],
  };
}

/** The model's step plan with weights initialised from `seed`. */
function stepPlanOf(model: Functional, batch: number, data: TwinData, seed: number): StepPlan {
  initializeWeights(model, seed);
  return buildStepPlan(model, model.compileConfig!, batch, seed, { mode: 'train', inputShapes: inputShapes(model, data.x) });
}

/**
 * Runs `model` (compiled) on the CPU and on `options.device` from the same state and compares
 * every buffer and scalar after the first train step and again after the remaining train
 * steps, an evaluation over every sample and a prediction of the first batch; the values
 * recorded per step (losses, metrics) are compared as they come.
 */
export function twinRun(model: Functional, batch: number, data: TwinData, options: TwinOptions): TwinReport {
  const seed = options.seed ?? 1;
  const precision = options.precision ?? 'float32';
  const compare = new Comparer(TOLERANCES[precision]);
  const step = stepPlanOf(model, batch, data, seed);
  const spec = step.builder.spec();
  const cpu = new NativePlan({ ...spec, device: 'cpu' });
  const other = new NativePlan({ ...spec, device: options.device, precision });
  const plans = [cpu, other];
  let n = 0;
  for (const plan of plans) {
    writeState(step, model, plan);
    n = writeData(step, model, plan, data, seed);
  }
  const compareAll = (phase: string) => {
    if (options.perturb) options.perturb(other, spec);
    compareSnapshots(compare, phase, spec, step.builder.scalarNames, snapshot(cpu, spec), snapshot(other, spec));
  };
  const runBoth = (program: number, cursorSlot: number, first: number, steps: number, record: number[]) =>
    plans.map((p) => p.runSteps(program, batch, cursorSlot, first, n, steps, record)) as [Float64Array, Float64Array];

  const trainRecord = recordSlots(step, 'train');
  // The epoch's batches, the last one smaller when the samples do not divide.
  const trainSteps = Math.ceil(n / batch);
  compareRecords(compare, 'train step 1', step, 'train', ...runBoth(step.programs.train, step.scalars.trainCursor, 0, 1, trainRecord));
  compareAll('after train step 1');
  if (trainSteps > 1) {
    const rest = runBoth(step.programs.train, step.scalars.trainCursor, Math.min(batch, n), trainSteps - 1, trainRecord);
    compareRecords(compare, `train steps 2-${trainSteps}`, step, 'train', ...rest);
  }
  const evaluated = runBoth(step.programs.evaluate, step.scalars.evalCursor, 0, Math.ceil(n / batch), recordSlots(step, 'evaluate'));
  compareRecords(compare, 'evaluate', step, 'evaluate', ...evaluated);
  runBoth(step.programs.predict, step.scalars.evalCursor, 0, 1, []);
  compareAll('after all programs');
  return report(compare);
}

/**
 * Runs the first train step `runs` times on one plan on `options.device`, from the same
 * weights, slots and scalars each time, and compares every later run with the first. On a
 * CUDA device the first run at a batch size is plain, the second is captured into a graph
 * and launched, and the later ones replay the graph.
 */
export function replayRun(model: Functional, batch: number, data: TwinData, options: { device: Device; precision?: Precision; seed?: number; runs?: number }): TwinReport {
  const seed = options.seed ?? 1;
  const compare = new Comparer(TOLERANCES[options.precision ?? 'float32']);
  const step = stepPlanOf(model, batch, data, seed);
  const spec = step.builder.spec();
  const plan = new NativePlan({ ...spec, device: options.device, precision: options.precision });
  const n = writeData(step, model, plan, data, seed);
  const record = recordSlots(step, 'train');
  let first: { state: Snapshot; record: Float64Array } | null = null;
  for (let r = 1; r <= (options.runs ?? 3); r++) {
    writeState(step, model, plan);
    const values = plan.runSteps(step.programs.train, batch, step.scalars.trainCursor, 0, n, 1, record);
    const state = snapshot(plan, spec);
    if (!first) {
      first = { state, record: values };
      continue;
    }
    compareRecords(compare, `run ${r}`, step, 'train', first.record, values);
    compareSnapshots(compare, `run ${r}`, spec, step.builder.scalarNames, first.state, state);
  }
  return report(compare);
}

/** One line per mismatch, for a failing assertion's message. */
export function describeMismatches(label: string, report: TwinReport, limit = 12): string {
  if (report.mismatches.length === 0) return `${label}: no mismatch`;
  const lines = report.mismatches.slice(0, limit).map((m) => {
    const at = m.index >= 0 ? `[${m.index}]` : '';
    const values = m.what.includes('(L2 over') ? `norm ${m.expected}, norm of the difference ${m.actual}` : `expected ${m.expected}, got ${m.actual}`;
    return `  ${m.phase}: ${m.what}${at}: ${values} (${m.ratio === Infinity ? 'not equal' : `${m.ratio.toFixed(1)}x the tolerance`})`;
  });
  const more = report.mismatches.length > limit ? `\n  ... and ${report.mismatches.length - limit} more` : '';
  return `${label}: ${report.mismatches.length} mismatch(es), worst first:\n${lines.join('\n')}${more}`;
}

/** The closest call of a passing run, for the log: how much of the tolerance it used, and where. */
export function describeWorst(label: string, report: TwinReport): string {
  const w = report.worst[0];
  if (!w) return `${label}: nothing compared`;
  return `${label}: ${report.buffersCompared} buffers, ${report.scalarsCompared} scalars; worst ${w.ratio.toFixed(3)} of the tolerance at ${w.phase}: ${w.what}${w.index >= 0 ? `[${w.index}]` : ''}`;
}
