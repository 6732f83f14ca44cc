import { beforeEach, describe, expect, it } from 'vitest';
import { Input, Model, layers, optimizers } from '../../../electron/engine/frontends/dsl.js';
import { CompileConfig, type ObjectSpec } from '../../../electron/engine/graph/compile-config.js';
import { modelFromJSON, modelToConfig, modelToJSON, resetNames } from '../../../electron/engine/graph/index.js';
import { Callback, LearningRateScheduler, ReduceLROnPlateau, type Logs } from '../../../electron/engine/training/callbacks.js';
import { scheduleValue } from '../../../electron/engine/training/schedules.js';
import { Trainer } from '../../../electron/engine/training/trainer.js';

beforeEach(() => resetNames());

const { ExponentialDecay, CosineDecay, PiecewiseConstantDecay } = optimizers.schedules;

/**
 * A model whose weights record the learning rate of every step: sample i is the one-hot e_i,
 * the target is far above the output and the loss is MAE, so the step on sample i moves only
 * weight i, by exactly its learning rate (plain SGD).
 */
function lrRecorder(schedule: ObjectSpec, steps: number) {
  const inputs = Input({ shape: [steps] });
  const model = Model({ inputs, outputs: layers.Dense(1, { useBias: false, kernelInitializer: 'zeros' })(inputs) });
  model.compile({ optimizer: optimizers.SGD(schedule), loss: 'mae' });
  const x = { shape: [steps, steps], data: Float32Array.from({ length: steps * steps }, (_, i) => (i % (steps + 1) === 0 ? 1 : 0)) };
  const y = { shape: [steps, 1], data: new Float32Array(steps).fill(1e4) };
  const trainer = new Trainer(model, 1);
  /** Trains one epoch of one-sample batches; returns the learning rate each step used. */
  const epoch = () => {
    const before = trainer.weights()[0]!;
    trainer.fit(x, y, { epochs: 1, batchSize: 1, shuffle: false, verbose: 0 });
    return Array.from(trainer.weights()[0]!, (w, i) => w - before[i]!);
  };
  return { model, trainer, epoch };
}

describe('learning-rate schedules', () => {
  it('follow the Keras 3 formulas', () => {
    const exp = ExponentialDecay(0.1, 10, 0.5);
    expect(scheduleValue(exp, 0)).toBeCloseTo(0.1, 12);
    expect(scheduleValue(exp, 5)).toBeCloseTo(0.1 * Math.SQRT1_2, 12);
    expect(scheduleValue(exp, 20)).toBeCloseTo(0.025, 12);
    const stairs = ExponentialDecay(0.1, 10, 0.5, { staircase: true });
    expect([9, 10, 19, 25].map((s) => scheduleValue(stairs, s))).toEqual([0.1, 0.05, 0.05, 0.025]);

    const cos = CosineDecay(0.1, 100, { alpha: 0.1 });
    expect(scheduleValue(cos, 0)).toBeCloseTo(0.1, 12);
    expect(scheduleValue(cos, 50)).toBeCloseTo(0.1 * (0.9 * 0.5 + 0.1), 12);
    expect(scheduleValue(cos, 100)).toBeCloseTo(0.01, 12);
    expect(scheduleValue(cos, 1000)).toBeCloseTo(0.01, 12); // stays at initial * alpha
    // Warmup from the initial rate to warmup_target, then cosine decay from warmup_target.
    const warm = CosineDecay(0.02, 100, { warmupTarget: 0.1, warmupSteps: 10 });
    expect(scheduleValue(warm, 0)).toBeCloseTo(0.02, 12);
    expect(scheduleValue(warm, 5)).toBeCloseTo(0.06, 12);
    expect(scheduleValue(warm, 10)).toBeCloseTo(0.1, 12);
    expect(scheduleValue(warm, 60)).toBeCloseTo(0.05, 12);
    expect(scheduleValue(warm, 500)).toBeCloseTo(0, 12);

    // values[0] while step <= boundaries[0], values[i] for boundaries[i-1] < step <= boundaries[i].
    const pw = PiecewiseConstantDecay([10, 20], [1, 0.5, 0.1]);
    expect([0, 10, 11, 20, 21, 1e6].map((s) => scheduleValue(pw, s))).toEqual([1, 1, 0.5, 0.5, 0.1, 0.1]);
  });

  it('are evaluated at every step inside the plan, continuing across fits', () => {
    const steps = 40; // more than one native call of 32 steps
    for (const schedule of [
      ExponentialDecay(0.5, 7, 0.8),
      ExponentialDecay(0.5, 7, 0.8, { staircase: true }),
      CosineDecay(0.01, 50, { alpha: 0.2, warmupTarget: 0.5, warmupSteps: 12 }),
      PiecewiseConstantDecay([3, 33, 45], [0.5, 0.25, 0.125, 0.0625]),
    ]) {
      resetNames();
      const { epoch } = lrRecorder(schedule, steps);
      const expected = (from: number) => Array.from({ length: steps }, (_, i) => scheduleValue(schedule, from + i));
      const first = epoch();
      const second = epoch();
      first.forEach((lr, i) => expect(lr, `${schedule.className} step ${i}`).toBeCloseTo(expected(0)[i]!, 5));
      second.forEach((lr, i) => expect(lr, `${schedule.className} step ${steps + i}`).toBeCloseTo(expected(steps)[i]!, 5));
    }
  });

  it('are given to any optimizer, positionally or as learningRate', () => {
    const s = ExponentialDecay(1e-2, 100, 0.9);
    expect(optimizers.RMSprop(s)).toEqual({ className: 'RMSprop', config: { learningRate: s } });
    expect(optimizers.Adam({ learningRate: s, beta1: 0.8 }).config.learningRate).toBe(s);
  });

  it('serialize as Keras 3 does and read back', () => {
    const x = Input({ shape: [3] });
    const model = Model({ inputs: x, outputs: layers.Dense(2)(x) });
    model.compile({ optimizer: optimizers.Adam({ learningRate: CosineDecay(1e-3, 1000, { warmupTarget: 1e-2, warmupSteps: 100 }) }), loss: 'mse' });
    const c = modelToConfig(model).compile_config as { optimizer: { config: Record<string, unknown> } };
    expect(c.optimizer.config.learning_rate).toEqual({
      module: 'keras.optimizers.schedules',
      class_name: 'CosineDecay',
      config: { initial_learning_rate: 1e-3, decay_steps: 1000, alpha: 0, name: 'CosineDecay', warmup_target: 1e-2, warmup_steps: 100 },
      registered_name: null,
    });
    const json = modelToJSON(model);
    const back = modelFromJSON(json);
    expect(modelToJSON(back)).toBe(json);
    // A Keras-written config, as read from a .keras file.
    const args = CompileConfig.argsFromJSON({
      optimizer: {
        module: 'keras.optimizers',
        class_name: 'SGD',
        config: {
          learning_rate: { module: 'keras.optimizers.schedules', class_name: 'ExponentialDecay', config: { initial_learning_rate: 0.1, decay_steps: 10, decay_rate: 0.5, staircase: true, name: 'ExponentialDecay' }, registered_name: null },
        },
        registered_name: null,
      },
      loss: 'mse',
    });
    const lr = new CompileConfig(args, ['dense']).optimizer.config.learning_rate as ObjectSpec;
    expect(scheduleValue(lr, 25)).toBeCloseTo(0.025, 12);
  });

  it('explain bad arguments as Keras does', () => {
    expect(() => PiecewiseConstantDecay([10, 20], [1, 0.5])).toThrow(
      'The length of boundaries should be 1 less than the length of values in PiecewiseConstantDecay. Received: boundaries=[10,20] of length 2, and values=[1,0.5] of length 2.',
    );
    expect(() => PiecewiseConstantDecay([20, 10], [1, 0.5, 0.1])).toThrow(/`boundaries` of PiecewiseConstantDecay must be strictly increasing/);
    expect(() => ExponentialDecay(0.1, 0, 0.5)).toThrow('Argument `decay_steps` of ExponentialDecay must be > 0. Received: decay_steps=0');
    expect(() => CosineDecay(0.1, -5)).toThrow('Argument `decay_steps` of CosineDecay must be > 0. Received: decay_steps=-5');
    expect(() => CosineDecay(0.1, 5, { warmupSteps: -1 })).toThrow(/`warmup_steps` of CosineDecay must be >= 0/);
    expect(() => optimizers.schedules.ExponentialDecay(0.1, 10, undefined as never)).toThrow(/`decay_rate` of ExponentialDecay must be given/);
    expect(() => optimizers.schedules.CosineDecay(0.1, 10, { warmup: 5 } as never)).toThrow(/Unknown option\(s\) "warmup" for learning-rate schedule CosineDecay/);
    const x = Input({ shape: [1] });
    const model = Model({ inputs: x, outputs: layers.Dense(1)(x) });
    expect(() => model.compile({ optimizer: optimizers.SGD({ learningRate: { className: 'StepDecay', config: {} } }), loss: 'mse' })).toThrow(
      /Unknown learning-rate schedule: expected one of ExponentialDecay, CosineDecay, PiecewiseConstantDecay; received/,
    );
  });

  it('cannot be overridden by learning-rate callbacks, which read the rate of the next step', () => {
    const schedule = ExponentialDecay(0.5, 4, 0.5);
    const { trainer } = lrRecorder(schedule, 8);
    const x = { shape: [8, 8], data: new Float32Array(64).fill(0.125) };
    const y = { shape: [8, 1], data: new Float32Array(8).fill(1e4) };
    expect(() => trainer.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [new LearningRateScheduler(() => 0.1)] })).toThrow(
      /The optimizer SGD was given a learning-rate schedule \(ExponentialDecay\) as its learning rate, so its learning rate cannot be set/,
    );
    const seen: number[] = [];
    class Watch extends Callback {
      override onEpochEnd(_e: number, logs: Logs) {
        seen.push(logs.learning_rate!);
      }
    }
    // In mode 'max' the falling loss never improves: the plateau callback logs the rate, then fails to lower it.
    resetNames();
    const fresh = lrRecorder(schedule, 8);
    expect(() =>
      fresh.trainer.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, callbacks: [new ReduceLROnPlateau({ monitor: 'loss', patience: 1, mode: 'max' }), new Watch()] }),
    ).toThrow(/cannot be set/);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeCloseTo(scheduleValue(schedule, 2), 10); // two steps ran in epoch 0
  });
});
