/**
 * Learning-rate schedules' mathematics (Keras 3's `keras.optimizers.schedules`). The plan
 * evaluates a schedule natively at the start of every train step (the `lr_schedule` kernel);
 * `scheduleValue` is the same formula on the host, for what callbacks read between steps.
 *
 * Like Keras, a step's learning rate is the schedule at the optimizer's iteration count before
 * that step: the first update uses `schedule(0)`.
 */
import type { ObjectSpec } from '../graph/compile-config.js';

/** The options of every schedule, as `toSchedule` fills them in (each schedule reads its own). */
interface ScheduleConfig {
  initial_learning_rate: number;
  decay_steps: number;
  decay_rate: number;
  staircase: boolean;
  alpha: number;
  warmup_target: number | null;
  warmup_steps: number;
  boundaries: number[];
  values: number[];
}

/** Kernel codes of native/src/kernels/lr_schedule.cc. */
const KIND: Record<string, number> = { ExponentialDecay: 0, CosineDecay: 1, PiecewiseConstantDecay: 2 };

/** Cosine decay from `from` to `from * alpha` over `decaySteps`. */
function cosine(step: number, decaySteps: number, from: number, alpha: number): number {
  const decayed = 0.5 * (1 + Math.cos((Math.PI * step) / decaySteps));
  return from * ((1 - alpha) * decayed + alpha);
}

/** The learning rate a schedule (a spec from `toSchedule`) gives at an optimizer step. */
export function scheduleValue(schedule: ObjectSpec, step: number): number {
  const c = schedule.config as unknown as ScheduleConfig;
  switch (schedule.className) {
    case 'ExponentialDecay': {
      const p = step / c.decay_steps;
      return c.initial_learning_rate * c.decay_rate ** (c.staircase ? Math.floor(p) : p);
    }
    case 'CosineDecay': {
      if (c.warmup_target === null) return cosine(Math.min(step, c.decay_steps), c.decay_steps, c.initial_learning_rate, c.alpha);
      const s = Math.min(step, c.decay_steps + c.warmup_steps);
      if (s < c.warmup_steps) return (c.warmup_target - c.initial_learning_rate) * (s / c.warmup_steps) + c.initial_learning_rate;
      return cosine(s - c.warmup_steps, c.decay_steps, c.warmup_target, c.alpha);
    }
    case 'PiecewiseConstantDecay': {
      // values[i] holds for boundaries[i - 1] < step <= boundaries[i].
      const i = c.boundaries.findIndex((b) => step <= b);
      return c.values[i < 0 ? c.values.length - 1 : i]!;
    }
    default:
      throw new Error(`scheduleValue: ${schedule.className} is not a learning-rate schedule`);
  }
}

/** The `lr_schedule` kernel's kind, flag and float attributes for a schedule. */
export function scheduleKernel(schedule: ObjectSpec): { kind: number; flag: number; floats: number[] } {
  const c = schedule.config as unknown as ScheduleConfig;
  const kind = KIND[schedule.className]!;
  switch (schedule.className) {
    case 'ExponentialDecay':
      return { kind, flag: c.staircase ? 1 : 0, floats: [c.initial_learning_rate, c.decay_steps, c.decay_rate] };
    case 'CosineDecay':
      return { kind, flag: c.warmup_target === null ? 0 : 1, floats: [c.initial_learning_rate, c.decay_steps, c.alpha, c.warmup_target ?? 0, c.warmup_steps] };
    default:
      return { kind, flag: 0, floats: [...c.boundaries, ...c.values] };
  }
}
