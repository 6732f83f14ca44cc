/**
 * fit / evaluate / predict with Keras semantics over a compiled step plan. The plan is built
 * once per model and batch size and kept; weights move between the host and the plan only
 * at the start and end of a call.
 */
import { CompileConfig } from '../graph/compile-config.js';
import { TypeError_, ValueError } from '../graph/errors.js';
import type { Functional } from '../graph/functional.js';
import type { Shape } from '../graph/shape.js';
import { uniqueWeights, type Weight } from '../graph/layer.js';
import { NativePlan } from '../plan/native-plan.js';
import { checkDevice, type Device, type Precision } from '../tensor/device.js';
import { Random } from '../tensor/random.js';
import { CallbackList, History, type Callback, type Logs, type TrainingControl } from './callbacks.js';
import {
  asFloatRows,
  asIntRows,
  asLabels,
  byName,
  rowSize,
  sampleCount,
  splitAt,
  type ArrayData,
  type DataArg,
} from './data-adapter.js';
import { countedValue } from './metrics.js';
import { buildStepPlan, type OutputHead, type StepPlan } from './step-plan.js';
import { initializeWeights, setWeightValue, weightValue } from './weights.js';
import { slotInitialValue } from './optimizers.js';
import { scheduleValue } from './schedules.js';
import { isSchedule, optimizerState, setOptimizerState } from './optimizer-state.js';

export interface FitOptions {
  batchSize?: number;
  epochs?: number;
  verbose?: 0 | 1 | 2;
  callbacks?: Callback[];
  validationSplit?: number;
  validationData?: [DataArg, DataArg] | [DataArg, DataArg, ArrayData];
  shuffle?: boolean;
  classWeight?: Record<number, number>;
  sampleWeight?: ArrayData;
  initialEpoch?: number;
  stepsPerEpoch?: number;
}

export interface EvaluateOptions {
  batchSize?: number;
  sampleWeight?: ArrayData;
}

/** Rows of the logs: `loss`, `<output>_loss` for several outputs, metrics by name. */
interface Accumulator {
  samples: number;
  loss: number;
  heads: Array<{ loss: number; rows: number; metrics: number[]; counts: number[][] }>;
}

export interface TrainerOptions {
  /** Where the step plans run: the CPU (default) or a CUDA device (`cuda`, `cuda:N`). */
  device?: Device;
  /** Matrix products on a CUDA device: float32 (default), tf32 or bf16 tensor cores. */
  precision?: Precision;
}

/** How many batches one native call runs before callbacks and the progress bar hear of them. */
const STEPS_PER_CALL = 32;

export class Trainer {
  private plan: { step: StepPlan; native: NativePlan; batch: number; shapes: string } | null = null;
  private learningRate: number | null = null;
  private readonly rng: Random;
  private predictOnly: CompileConfig | null = null;

  readonly device: Device;
  readonly precision: Precision;

  /** Throws a DeviceUnavailableError, before anything else happens, when the device cannot be used. */
  constructor(
    readonly model: Functional,
    private readonly seed = 1,
    options: TrainerOptions = {},
  ) {
    this.device = options.device ?? 'cpu';
    this.precision = options.precision ?? 'float32';
    checkDevice(this.device, this.precision);
    this.rng = new Random(seed ^ 0x5eed);
    initializeWeights(model, seed);
  }

  /**
   * The state of the generator that shuffles each epoch's samples: a run saved with it and
   * resumed with it set shuffles its later epochs exactly as an uninterrupted run would.
   */
  get shuffleState(): number {
    return this.rng.state;
  }

  set shuffleState(value: number) {
    this.rng.state = value;
  }

  /** The model's compile options; an uncompiled model can still predict (Keras allows it). */
  private compiled(): CompileConfig {
    return this.model.compileConfig ?? (this.predictOnly ??= new CompileConfig({}, this.model.outputNames));
  }

  private requireLoss(what: string): void {
    const config = this.model.compileConfig;
    if (!config) throw new ValueError(`You must call compile() on model "${this.model.name}" before you ${what} it.`);
    if (config.loss === null) throw new ValueError(`Model "${this.model.name}" was compiled without a loss; give compile() a loss to ${what} it.`);
  }

  /**
   * The model's input shapes with the sizes it leaves open (sequence lengths) taken from the
   * data, as Keras traces a model again for inputs of a new shape; undefined when none is open.
   */
  private inputShapes(xs: ArrayData[]): Shape[] | undefined {
    if (!this.model.inputs.some((t) => t.shape.slice(1).includes(null))) return undefined;
    return this.model.inputs.map((t, i) => {
      if (!t.shape.slice(1).includes(null)) return t.shape;
      const given = xs[i]!.shape;
      if (given.length !== t.shape.length || t.shape.some((d, k) => k > 0 && d !== null && d !== given[k])) {
        throw new ValueError(
          `Input "${this.model.inputNames[i]}" expects samples of shape (${t.shape.slice(1).map((d) => d ?? 'None').join(', ')}); received data of shape (${given.join(', ')}).`,
        );
      }
      return [null, ...given.slice(1)];
    });
  }

  private ensurePlan(batch: number, xs: ArrayData[]): { step: StepPlan; native: NativePlan } {
    const inputShapes = this.inputShapes(xs);
    const shapes = JSON.stringify(inputShapes ?? null);
    if (this.plan && this.plan.batch >= batch && this.plan.shapes === shapes) return this.plan;
    if (this.plan) this.pullWeights();
    const step = buildStepPlan(this.model, this.compiled(), batch, this.seed, { mode: 'train', inputShapes });
    const native = new NativePlan({ ...step.builder.spec(), device: this.device, precision: this.precision });
    this.plan = { step, native, batch, shapes };
    for (const [w, t] of step.weights) native.write(t.buf, weightValue(w)!);
    // A model trained before (or loaded from a file) resumes its optimizer where it stopped.
    const state = optimizerState(this.model);
    const scalars = native.scalars;
    scalars[step.scalars.learningRate] = this.learningRate ?? state?.learningRate ?? step.optimizer.learningRate;
    scalars[step.scalars.iterations] = state?.iterations ?? 0;
    scalars[step.scalars.uProduct] = state?.uProduct ?? 1;
    native.scalars = scalars;
    for (const s of step.slots) {
      const saved = state?.slots.get(s.weight)?.get(s.name);
      const initial = slotInitialValue(this.compiled().optimizer, s.name);
      if (saved) native.write(s.buf, saved);
      else if (initial !== 0) native.write(s.buf, new Float32Array(s.weight.size).fill(initial));
    }
    return this.plan;
  }

  /** Copies the plan's weights and optimizer state back to the host. */
  private pullWeights(): void {
    if (!this.plan) return;
    const { step, native } = this.plan;
    for (const [w, t] of step.weights) setWeightValue(w, native.read(t.buf) as Float32Array);
    const scalars = native.scalars;
    const slots = new Map<Weight, Map<string, Float32Array>>();
    for (const s of step.slots) {
      if (!slots.has(s.weight)) slots.set(s.weight, new Map());
      slots.get(s.weight)!.set(s.name, native.read(s.buf) as Float32Array);
    }
    setOptimizerState(this.model, {
      iterations: scalars[step.scalars.iterations]!,
      learningRate: isSchedule(this.compiled().optimizer.config.learning_rate) ? null : scalars[step.scalars.learningRate]!,
      uProduct: scalars[step.scalars.uProduct]!,
      slots,
    });
  }

  private pushWeights(): void {
    if (!this.plan) return;
    for (const [w, t] of this.plan.step.weights) this.plan.native.write(t.buf, weightValue(w)!);
  }

  private control(native: NativePlan, step: StepPlan): TrainingControl {
    const self = this;
    const schedule = step.optimizer.schedule;
    return {
      stopTraining: false,
      // With a schedule, Keras' optimizer.learning_rate is the rate of the next step.
      get learningRate() {
        const s = native.scalars;
        return schedule ? scheduleValue(schedule, s[step.scalars.iterations]!) : s[step.scalars.learningRate]!;
      },
      set learningRate(v: number) {
        if (schedule) {
          throw new TypeError_(
            `The optimizer ${step.optimizer.className} was given a learning-rate schedule (${schedule.className}) as its learning rate, so its learning rate cannot be set (here to ${v}, by a callback such as LearningRateScheduler or ReduceLROnPlateau). Give the optimizer a number as its learning rate to change it from a callback, or drop the callback.`,
          );
        }
        const s = native.scalars;
        s[step.scalars.learningRate] = v;
        native.scalars = s;
        self.learningRate = v;
      },
      snapshotWeights: () => [...step.weights.values()].map((t) => native.read(t.buf) as Float32Array),
      restoreWeights: (values) => [...step.weights.values()].forEach((t, i) => native.write(t.buf, values[i]!)),
      model: this.model,
      syncModel: () => this.pullWeights(),
    };
  }

  /** Loads inputs, targets and sample weights into the train or evaluate slots; returns the sample count. */
  private load(step: StepPlan, native: NativePlan, which: 'train' | 'evaluate', x: ArrayData[], y: ArrayData[] | null, sw: Float32Array | null): number {
    const groups = [{ what: 'input', names: step.inputData.map((d) => d.name), arrays: x }];
    if (y) groups.push({ what: 'target', names: step.heads.map((h) => h.name), arrays: y });
    const n = sampleCount(groups);
    step.inputData.forEach((d, i) => {
      native.resize(d[which], n * d.row);
      const rows = this.model.inputs[i]!.dtype === 'int32' ? asIntRows : asFloatRows;
      native.write(d[which], rows(x[i]!, d.shape, `Input "${d.name}"`));
    });
    if (y) {
      step.heads.forEach((h, i) => {
        if (!h.loss) return;
        native.resize(h.targetData[which], n * h.targetData.row);
        native.write(h.targetData[which], this.targets(h, y[i]!));
      });
      native.resize(step.sampleWeightData[which], n);
      native.write(step.sampleWeightData[which], sw ?? new Float32Array(n).fill(1));
    }
    native.resize(step.index[which], n);
    native.write(step.index[which], Int32Array.from({ length: n }, (_, i) => i));
    return n;
  }

  private targets(h: OutputHead, a: ArrayData): Float32Array | Int32Array {
    const where = `Target "${h.name}"`;
    if (h.loss!.sparseTargets) return asLabels(a, h.shape[h.shape.length - 1] as number, where);
    return asFloatRows(a, h.shape, where);
  }

  /** Per-step values: batch size, then train/evaluate loss and metric slots of every head. */
  private recordSlots(step: StepPlan, which: 'train' | 'evaluate'): number[] {
    return step.heads.flatMap((h) => [
      h.slots[which].loss,
      ...h.slots[which].metrics.flatMap((s, k) => Array.from({ length: h.metrics[k]!.counts }, (_, c) => s + c)),
    ]).filter((s) => s >= 0);
  }

  private newAccumulator(step: StepPlan): Accumulator {
    return { samples: 0, loss: 0, heads: step.heads.map((h) => ({ loss: 0, rows: 0, metrics: h.metrics.map(() => 0), counts: h.metrics.map((m) => new Array<number>(m.counts).fill(0)) })) };
  }

  /** Adds the recorded values of each step to the accumulator, calling `perStep` with its logs. */
  private accumulate(step: StepPlan, which: 'train' | 'evaluate', record: Float64Array, acc: Accumulator, perStep?: (logs: Logs) => void): void {
    const width = 1 + this.recordSlots(step, which).length;
    for (let at = 0; at < record.length; at += width) {
      const batch = record[at]!;
      let k = at + 1;
      acc.samples += batch;
      let total = 0;
      step.heads.forEach((h, i) => {
        const hacc = acc.heads[i]!;
        const rowsPerSample = h.targetData.row / (h.loss?.sparseTargets ? 1 : (h.shape[h.shape.length - 1] as number));
        const rows = batch * rowsPerSample;
        if (h.slots[which].loss >= 0) {
          const l = record[k++]!;
          hacc.loss += l * batch;
          total += h.lossWeight * l;
        }
        hacc.rows += rows;
        h.metrics.forEach((m, j) => {
          if (m.reduce !== 'mean') {
            for (let c = 0; c < m.counts; c++) hacc.counts[j]![c]! += record[k++]!;
          } else {
            hacc.metrics[j]! += record[k++]!;
          }
        });
      });
      acc.loss += total * batch;
      if (perStep) perStep(this.logs(step, acc));
    }
  }

  private logs(step: StepPlan, acc: Accumulator, prefix = ''): Logs {
    const out: Logs = { [`${prefix}loss`]: acc.loss / Math.max(acc.samples, 1) };
    const many = step.heads.length > 1;
    step.heads.forEach((h, i) => {
      const hacc = acc.heads[i]!;
      if (many && h.loss) out[`${prefix}${h.name}_loss`] = hacc.loss / Math.max(acc.samples, 1);
      h.metrics.forEach((m, j) => {
        const key = `${prefix}${many ? `${h.name}_` : ''}${m.name}`;
        if (m.reduce === 'mean') out[key] = hacc.metrics[j]! / Math.max(hacc.rows, 1);
        else out[key] = countedValue(m, hacc.counts[j]!);
      });
    });
    return out;
  }

  fit(x: DataArg, y: DataArg, options: FitOptions = {}): History {
    this.requireLoss('train');
    const epochs = options.epochs ?? 1;
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValueError(`batchSize must be a positive integer; received ${batchSize}.`);
    let xs = byName(x, this.model.inputNames, 'x');
    let ys = byName(y, this.model.outputNames, 'y');
    let sw = options.sampleWeight ? asFloatRows(options.sampleWeight, [null], 'sampleWeight') : null;
    let val: { x: ArrayData[]; y: ArrayData[]; sw: Float32Array | null } | null = null;
    if (options.validationData) {
      const [vx, vy, vsw] = options.validationData;
      val = { x: byName(vx, this.model.inputNames, 'validation x'), y: byName(vy, this.model.outputNames, 'validation y'), sw: vsw ? asFloatRows(vsw, [null], 'validation sample weights') : null };
    } else if (options.validationSplit) {
      const split = options.validationSplit;
      if (!(split > 0 && split < 1)) throw new ValueError(`validationSplit must be between 0 and 1; received ${split}.`);
      const n = sampleCount([{ what: 'input', names: this.model.inputNames, arrays: xs }]);
      const cut = Math.floor(n * (1 - split));
      val = { x: splitAt(xs, cut, n), y: splitAt(ys, cut, n), sw: sw ? sw.subarray(cut) : null };
      xs = splitAt(xs, 0, cut);
      ys = splitAt(ys, 0, cut);
      sw = sw ? sw.subarray(0, cut) : null;
    }
    const { step, native } = this.ensurePlan(batchSize, xs);
    if (options.classWeight) sw = applyClassWeight(sw, ys[0]!, options.classWeight, step.heads[0]!);
    const n = this.load(step, native, 'train', xs, ys, sw);
    if (n === 0) throw new ValueError('fit() received no samples.');
    const nVal = val ? this.load(step, native, 'evaluate', val.x, val.y, val.sw) : 0;
    const steps = options.stepsPerEpoch ?? Math.ceil(n / batchSize);

    const history = new History();
    const callbacks = new CallbackList([history, ...(options.callbacks ?? [])]);
    const control = this.control(native, step);
    const params = { epochs, steps, samples: n, verbose: options.verbose ?? 1 };
    callbacks.callbacks.forEach((c) => c.setControl(control, params));
    const order = Int32Array.from({ length: n }, (_, i) => i);
    const record = this.recordSlots(step, 'train');

    callbacks.call('onTrainBegin', {});
    for (let epoch = options.initialEpoch ?? 0; epoch < epochs && !control.stopTraining; epoch++) {
      callbacks.call('onEpochBegin', epoch, {});
      if (options.shuffle ?? true) {
        // Each epoch shuffles 0…n-1 afresh (as Keras does): its order depends on the generator's
        // state alone, so a run resumed with that state shuffles as an uninterrupted one.
        for (let i = 0; i < n; i++) order[i] = i;
        this.rng.shuffle(order);
      }
      native.write(step.index.train, order);
      const acc = this.newAccumulator(step);
      let batchIndex = 0;
      let cursor = 0;
      while (batchIndex < steps && !control.stopTraining) {
        if (cursor >= n) cursor = 0; // stepsPerEpoch beyond the data wraps around
        const chunk = Math.min(STEPS_PER_CALL, steps - batchIndex);
        const values = native.runSteps(step.programs.train, batchSize, step.scalars.trainCursor, cursor, n, chunk, record);
        this.accumulate(step, 'train', values, acc, (logs) => {
          callbacks.call('onTrainBatchEnd', batchIndex++, logs);
        });
        cursor += values.length > 0 ? countSamples(values, 1 + record.length) : n;
      }
      const logs = this.logs(step, acc);
      if (val && nVal > 0) Object.assign(logs, this.runEvaluate(step, native, nVal, batchSize, 'val_'));
      callbacks.call('onEpochEnd', epoch, logs);
    }
    callbacks.call('onTrainEnd', {});
    this.pullWeights();
    return history;
  }

  private runEvaluate(step: StepPlan, native: NativePlan, n: number, batchSize: number, prefix = ''): Logs {
    const acc = this.newAccumulator(step);
    const values = native.runSteps(step.programs.evaluate, batchSize, step.scalars.evalCursor, 0, n, Math.ceil(n / batchSize), this.recordSlots(step, 'evaluate'));
    this.accumulate(step, 'evaluate', values, acc);
    return this.logs(step, acc, prefix);
  }

  evaluate(x: DataArg, y: DataArg, options: EvaluateOptions = {}): Logs {
    this.requireLoss('evaluate');
    const batchSize = options.batchSize ?? 32;
    const xs = byName(x, this.model.inputNames, 'x');
    const ys = byName(y, this.model.outputNames, 'y');
    const { step, native } = this.ensurePlan(batchSize, xs);
    this.pushWeights();
    const sw = options.sampleWeight ? asFloatRows(options.sampleWeight, [null], 'sampleWeight') : null;
    const n = this.load(step, native, 'evaluate', xs, ys, sw);
    return this.runEvaluate(step, native, n, batchSize);
  }

  /**
   * One optimizer step on all the samples given, as a single batch (Keras' train_on_batch).
   * Returns the batch's logs, `{ loss, ...metrics }`, where Keras returns the loss or a list
   * of values. Weights and optimizer state (iterations, slots) carry on as in fit(): a later
   * fit() or trainOnBatch() continues from this step.
   */
  trainOnBatch(x: DataArg, y: DataArg, options: { sampleWeight?: ArrayData; classWeight?: Record<number, number> } = {}): Logs {
    const history = this.fit(x, y, { ...options, batchSize: this.batchLength(x, 'trainOnBatch'), epochs: 1, shuffle: false, verbose: 0 });
    return Object.fromEntries(Object.entries(history.history).map(([k, v]) => [k, v[0]!]));
  }

  /** Loss and metrics of all the samples given, as a single batch (Keras' test_on_batch), as logs like trainOnBatch's. */
  testOnBatch(x: DataArg, y: DataArg, options: { sampleWeight?: ArrayData } = {}): Logs {
    return this.evaluate(x, y, { ...options, batchSize: this.batchLength(x, 'testOnBatch') });
  }

  private batchLength(x: DataArg, caller: string): number {
    const n = sampleCount([{ what: 'input', names: this.model.inputNames, arrays: byName(x, this.model.inputNames, 'x') }]);
    if (n === 0) throw new ValueError(`${caller}() received no samples.`);
    return n;
  }

  /** Outputs for every sample, one array per model output. */
  predict(x: DataArg, options: { batchSize?: number } = {}): ArrayData[] {
    const batchSize = options.batchSize ?? 32;
    const xs = byName(x, this.model.inputNames, 'x');
    const { step, native } = this.ensurePlan(batchSize, xs);
    this.pushWeights();
    const n = this.load(step, native, 'evaluate', xs, null, null);
    const outs = step.heads.map((h) => {
      const rest = h.shape.slice(1) as number[];
      return { shape: [n, ...rest], data: new Float32Array(n * rest.reduce((a, d) => a * d, 1)) };
    });
    for (let start = 0; start < n; start += batchSize) {
      native.runSteps(step.programs.predict, batchSize, step.scalars.evalCursor, start, n, 1, []);
      step.heads.forEach((h, i) => {
        const values = native.read(h.prediction) as Float32Array;
        outs[i]!.data.set(values, start * (values.length / Math.min(batchSize, n - start)));
      });
    }
    return outs;
  }

  /**
   * Gradients of the total loss for one batch holding all of x, with respect to each input
   * and each weight, without updating anything (gradient checks, saliency). Dropout runs as
   * in training.
   */
  gradients(x: DataArg, y: DataArg): { inputs: Float32Array[]; weights: Map<Weight, Float32Array>; loss: number } {
    const xs = byName(x, this.model.inputNames, 'x');
    const ys = byName(y, this.model.outputNames, 'y');
    const n = sampleCount([{ what: 'input', names: this.model.inputNames, arrays: xs }]);
    this.requireLoss('compute gradients of');
    const step = buildStepPlan(this.model, this.compiled(), n, this.seed, { mode: 'gradients', inputShapes: this.inputShapes(xs) });
    const native = new NativePlan({ ...step.builder.spec(), device: this.device, precision: this.precision });
    for (const [w, t] of step.weights) native.write(t.buf, weightValue(w)!);
    this.load(step, native, 'train', xs, ys, null);
    const acc = this.newAccumulator(step);
    this.accumulate(step, 'train', native.runSteps(step.programs.train, n, step.scalars.trainCursor, 0, n, 1, this.recordSlots(step, 'train')), acc);
    const read = (buf: number, size: number) => (buf >= 0 ? (native.read(buf) as Float32Array) : new Float32Array(size));
    return {
      inputs: step.gradients.inputs.map((buf, i) => read(buf, n * step.inputData[i]!.row)),
      weights: new Map([...step.gradients.weights].map(([w, buf]) => [w, read(buf, w.size)])),
      loss: acc.loss / Math.max(acc.samples, 1),
    };
  }

  /** The model's weights as they are now (after a fit, the trained values). */
  weights(): Float32Array[] {
    this.pullWeights();
    return uniqueWeights(this.model.weights).map((w) => weightValue(w)!.slice());
  }
}

function countSamples(record: Float64Array, width: number): number {
  let s = 0;
  for (let i = 0; i < record.length; i += width) s += record[i]!;
  return s;
}

/** Keras' class_weight: each sample weighted by its class (the first output's targets). */
function applyClassWeight(sw: Float32Array | null, y: ArrayData, classWeight: Record<number, number>, head: OutputHead): Float32Array {
  const n = y.shape[0]!;
  const out = sw ? Float32Array.from(sw) : new Float32Array(n).fill(1);
  const classes = (head.shape[head.shape.length - 1] ?? 1) as number;
  const row = rowSize(y);
  for (let i = 0; i < n; i++) {
    let cls: number;
    if (row === 1) cls = classes === 1 ? Math.round(y.data[i]!) : y.data[i]!;
    else {
      let best = 0;
      for (let j = 1; j < row; j++) if (y.data[i * row + j]! > y.data[i * row + best]!) best = j;
      cls = best;
    }
    out[i]! *= classWeight[cls] ?? 1;
  }
  return out;
}
