/**
 * Compiles a model with its compile() options into one native plan with three programs:
 *
 *   train   — gather a batch, forward (training mode), losses, metrics, backward, updates
 *   evaluate — gather a batch, forward (inference), losses, metrics
 *   predict — gather a batch, forward (inference)
 *
 * Datasets are copied into the plan once (train and evaluation slots), and batches are
 * gathered inside the plan from a shuffled index list, so an epoch is a few native calls.
 */
import type { CompileConfig } from '../graph/compile-config.js';
import { ValueError } from '../graph/errors.js';
import type { Functional } from '../graph/functional.js';
import { isShapeList, uniqueWeights, type Weight } from '../graph/layer.js';
import type { Dim, DType, Shape } from '../graph/shape.js';
import { Lowering, perSample } from '../autodiff/lowering.js';
import { Tape, type PlanTensor } from '../autodiff/tape.js';
import { PlanBuilder } from '../plan/plan-builder.js';
import { lossSpec, type LossSpec } from './losses.js';
import { AUC_THRESHOLDS, metricSpec, type MetricSpec } from './metrics.js';
import { optimizerSpec, type OptimizerSpec } from './optimizers.js';
import { scheduleKernel } from './schedules.js';

export interface OutputHead {
  name: string;
  shape: Dim[];
  loss: LossSpec | null;
  lossWeight: number;
  metrics: MetricSpec[];
  /** Scalar slots written by the train and evaluate programs. */
  slots: { train: { loss: number; metrics: number[] }; evaluate: { loss: number; metrics: number[] } };
  /** Target data slots (train, evaluate) and their per-row size. */
  targetData: { train: number; evaluate: number; row: number; dtype: DType };
  /** The prediction buffer of the predict program. */
  prediction: number;
}

/** What a plan is for: training (with updates), or only gradients of one batch (checks, tools). */
export interface StepPlanOptions {
  mode: 'train' | 'gradients';
  /** The inputs' shapes with the sizes the model leaves open (sequence lengths) fixed to the data's. */
  inputShapes?: Shape[];
}

export interface StepPlan {
  builder: PlanBuilder;
  programs: { train: number; evaluate: number; predict: number };
  scalars: { trainCursor: number; evalCursor: number; learningRate: number; iterations: number; uProduct: number; clipScale: number };
  inputData: Array<{ train: number; evaluate: number; row: number; name: string; shape: Dim[] }>;
  sampleWeightData: { train: number; evaluate: number };
  index: { train: number; evaluate: number };
  heads: OutputHead[];
  weights: Map<Weight, PlanTensor>;
  slots: Array<{ weight: Weight; name: string; buf: number }>;
  optimizer: OptimizerSpec;
  /** In 'gradients' mode: the gradient buffers of each input batch and each weight (-1 when none reached it). */
  gradients: { inputs: number[]; weights: Map<Weight, number> };
}

/** Lowers the model's graph: each layer emits its kernels, in graph order; the outputs come with their masks. */
export function lowerModel(model: Functional, L: Lowering, inputs: PlanTensor[]): { outputs: PlanTensor[]; masks: Array<PlanTensor | null> } {
  return model.lower(L, inputs, []);
}

function resolvePerOutput<T>(value: T | T[] | Record<string, T> | null, names: string[], index: number): T | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value[index] ?? null;
  if (typeof value === 'object' && !('className' in (value as object))) return (value as Record<string, T>)[names[index]!] ?? null;
  return value as T;
}

const shapeList = (s: Shape | Shape[]): Shape[] => (isShapeList(s) ? s : [s]);

export function buildStepPlan(model: Functional, compiled: CompileConfig, maxBatch: number, seed: number, options: StepPlanOptions = { mode: 'train' }): StepPlan {
  const b = new PlanBuilder(maxBatch);
  const scalars = {
    trainCursor: b.scalar('train cursor'),
    evalCursor: b.scalar('evaluate cursor'),
    learningRate: b.scalar('learning rate'),
    iterations: b.scalar('iterations'),
    uProduct: b.scalar('nadam momentum product'),
    clipScale: b.scalar('global clip scale'),
  };
  const optimizer = optimizerSpec(compiled.optimizer);

  const weights = new Map<Weight, PlanTensor>();
  for (const w of uniqueWeights(model.weights)) {
    weights.set(w, { buf: b.buffer(w.path, w.size, false, w.dtype), shape: w.shape, dtype: w.dtype });
  }

  const inputData = model.inputs.map((t, i) => {
    const name = model.inputNames[i]!;
    const shape = options.inputShapes?.[i] ?? t.shape;
    const row = perSample(shape, `input "${name}"`);
    return { name, shape, row, train: b.buffer(`train data ${name}`, 0, false, t.dtype), evaluate: b.buffer(`evaluate data ${name}`, 0, false, t.dtype) };
  });
  const index = { train: b.buffer('train order', 0, false, 'int32'), evaluate: b.buffer('evaluate order', 0, false, 'int32') };
  const sampleWeightData = { train: b.buffer('train sample weights', 0, false), evaluate: b.buffer('evaluate sample weights', 0, false) };

  const names = model.outputNames;
  const outputShapes = options.inputShapes ? shapeList(model.computeOutputShape(options.inputShapes)) : model.outputs.map((t) => t.shape);
  const heads: OutputHead[] = model.outputs.map((_, i) => {
    const shape = outputShapes[i]!;
    const lossArg = resolvePerOutput(compiled.loss, names, i);
    const loss = lossArg === null ? null : lossSpec(lossArg);
    const weightArg = resolvePerOutput(compiled.lossWeights, names, i);
    // Keras: a list of lists gives each output its own; a flat list applies to every output.
    const metrics = compiled.metrics;
    const metricArg = Array.isArray(metrics)
      ? metrics.every(Array.isArray) && model.outputs.length > 1
        ? (metrics[i] ?? [])
        : metrics.flat()
      : resolvePerOutput(metrics as never, names, i);
    const units = (shape[shape.length - 1] ?? 1) as number;
    const metricNames = metricArg === null ? [] : Array.isArray(metricArg) ? (metricArg as string[]).flat() : [metricArg as string];
    const row = loss?.sparseTargets ? perSample(shape, `output "${names[i]}"`) / units : perSample(shape, `output "${names[i]}"`);
    const dtype: DType = loss?.sparseTargets ? 'int32' : 'float32';
    return {
      name: names[i]!,
      shape,
      loss,
      lossWeight: typeof weightArg === 'number' ? weightArg : 1,
      metrics: metricNames.map((m) => metricSpec(m, loss, units)),
      slots: { train: { loss: -1, metrics: [] }, evaluate: { loss: -1, metrics: [] } },
      targetData: { train: b.buffer(`train targets ${names[i]}`, 0, false, dtype), evaluate: b.buffer(`evaluate targets ${names[i]}`, 0, false, dtype), row, dtype },
      prediction: -1,
    };
  });

  const random = { seed, stepSlot: scalars.iterations };

  /** Gathers a batch of every input (and, for train/evaluate, targets and sample weights). */
  const gather = (emit: ReturnType<PlanBuilder['program']>['emit'], which: 'train' | 'evaluate', cursor: number, withTargets: boolean) => {
    const inputs = inputData.map((d, i): PlanTensor => {
      const name = `${which} batch ${d.name}`;
      const dtype = model.inputs[i]!.dtype;
      const t = { buf: b.buffer(name, d.row, true, dtype), shape: d.shape, dtype };
      emit('gather_rows', [d[which], index[which], t.buf], [d.row, cursor]);
      return t;
    });
    const targets = withTargets
      ? heads.map((h) => {
          if (!h.loss) return null;
          const buf = b.buffer(`${which} batch targets ${h.name}`, h.targetData.row, true, h.targetData.dtype);
          emit('gather_rows', [h.targetData[which], index[which], buf], [h.targetData.row, cursor]);
          return buf;
        })
      : [];
    const sw = withTargets ? b.buffer(`${which} batch sample weights`, 1, true) : -1;
    if (withTargets) emit('gather_rows', [sampleWeightData[which], index[which], sw], [1, cursor]);
    return { inputs, targets, sw };
  };

  /**
   * Loss and metric kernels for every head; returns the total-loss gradient targets. An output
   * with a mask (a padded sequence) has its loss averaged over the steps the mask keeps, as
   * Keras 3 does; metrics still count every step.
   */
  const lossesAndMetrics = (emit: ReturnType<PlanBuilder['program']>['emit'], L: Lowering, lowered: ReturnType<typeof lowerModel>, targets: Array<number | null>, sw: number, which: 'train' | 'evaluate') => {
    heads.forEach((h, i) => {
      const out = lowered.outputs[i]!;
      const mask = lowered.masks[i] ?? null;
      const units = (h.shape[h.shape.length - 1] ?? 1) as number;
      const target = targets[i];
      if (h.loss && target !== null && target !== undefined) {
        const slot = b.scalar(`${which} loss ${h.name}`);
        h.slots[which].loss = slot;
        const grad = which === 'train' ? L.gradInto(out) : null;
        emit('loss', [out.buf, target, sw, grad?.buf ?? -1, mask?.buf ?? -1], [h.loss.kind, units, h.loss.fromLogits ? 1 : 0, slot, grad?.accumulate ? 1 : 0], [h.lossWeight, h.loss.param]);
      }
      h.slots[which].metrics = h.metrics.map((m) => {
        if (m.kernel !== 'metric') {
          const slot = b.scalar(`${which} ${m.name} ${h.name} counts`);
          for (let c = 1; c < m.counts; c++) b.scalar(`${which} ${m.name} ${h.name} count ${c}`);
          if (m.kernel === 'confusion') emit('confusion', [out.buf, target!], [units, slot], [0.5]);
          else emit('auc_counts', [out.buf, target!], [AUC_THRESHOLDS, slot]);
          return slot;
        }
        const slot = b.scalar(`${which} ${m.name} ${h.name}`);
        emit('metric', [out.buf, target!], [m.kind, units, slot, m.k], [0.5]);
        return slot;
      });
    });
  };

  // ---- train -----------------------------------------------------------------------------
  const train = b.program();
  if (optimizer.schedule && options.mode === 'train') {
    // First, so that every step of a multi-step native call updates with its own rate.
    const s = scheduleKernel(optimizer.schedule);
    train.emit('lr_schedule', [], [s.kind, scalars.iterations, scalars.learningRate, s.flag], s.floats);
  }
  const tape = new Tape(b);
  for (const [w, t] of weights) if (w.trainable) tape.requireGrad(t);
  const Ltrain = new Lowering(b, train.emit, train.emit, tape, true, weights, random);
  const trainBatch = gather(train.emit, 'train', scalars.trainCursor, true);
  if (options.mode === 'gradients') trainBatch.inputs.forEach((t) => tape.requireGrad(t));
  const trainOut = lowerModel(model, Ltrain, trainBatch.inputs);
  trainOut.outputs.forEach((t) => tape.requireGrad(t));
  lossesAndMetrics(train.emit, Ltrain, trainOut, trainBatch.targets, trainBatch.sw, 'train');
  tape.replay();
  const gradients = {
    inputs: trainBatch.inputs.map((t) => tape.gradOf(t) ?? -1),
    weights: new Map([...weights].map(([w, t]) => [w, tape.gradOf(t) ?? -1])),
  };
  const slots: StepPlan['slots'] = [];
  const updates: Array<{ w: PlanTensor; g: number; slotBufs: number[] }> = [];
  for (const [w, t] of weights) {
    if (!w.trainable || options.mode === 'gradients') continue;
    const g = tape.gradOf(t);
    if (g === null) continue;
    const slotBufs = optimizer.slots.map((s) => {
      const buf = b.buffer(`${w.path}/${s}`, w.size, false);
      slots.push({ weight: w, name: s, buf });
      return buf;
    });
    updates.push({ w: t, g, slotBufs });
  }
  if (optimizer.globalClipnorm > 0) {
    train.emit('global_norm_scale', updates.map((u) => u.g), [scalars.clipScale], [optimizer.globalClipnorm]);
  }
  for (const u of updates) {
    const s = [...u.slotBufs, -1, -1, -1].slice(0, 3);
    train.emit(
      'optimizer_update',
      [u.w.buf, u.g, ...s],
      [optimizer.kind, scalars.learningRate, scalars.iterations, optimizer.globalClipnorm > 0 ? scalars.clipScale : -1, optimizer.flags, scalars.uProduct],
      [...optimizer.hyper, optimizer.clipnorm, optimizer.clipvalue, optimizer.weightDecay],
    );
  }
  if (options.mode === 'train') train.emit('optimizer_step_end', [], [scalars.iterations, optimizer.kind === 7 ? scalars.uProduct : -1], [optimizer.hyper[0]]);

  // ---- evaluate --------------------------------------------------------------------------
  const evaluate = b.program();
  const Leval = new Lowering(b, evaluate.emit, null, null, false, weights, random);
  const evalBatch = gather(evaluate.emit, 'evaluate', scalars.evalCursor, true);
  lossesAndMetrics(evaluate.emit, Leval, lowerModel(model, Leval, evalBatch.inputs), evalBatch.targets, evalBatch.sw, 'evaluate');

  // ---- predict ---------------------------------------------------------------------------
  const predict = b.program();
  const Lpred = new Lowering(b, predict.emit, null, null, false, weights, random);
  const predBatch = gather(predict.emit, 'evaluate', scalars.evalCursor, false);
  lowerModel(model, Lpred, predBatch.inputs).outputs.forEach((t, i) => {
    heads[i]!.prediction = t.buf;
  });

  return {
    builder: b,
    programs: { train: train.index, evaluate: evaluate.index, predict: predict.index },
    scalars,
    inputData,
    sampleWeightData,
    index,
    heads,
    weights,
    slots,
    optimizer,
    gradients,
  };
}
