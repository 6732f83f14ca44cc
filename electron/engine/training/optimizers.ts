/**
 * Optimizers as the native `optimizer_update` kernel runs them: a kind code, the
 * hyper-parameters in the kernel's order, the slot buffers each weight needs, and flags.
 */
import type { ObjectSpec } from '../graph/compile-config.js';
import { ValueError } from '../graph/errors.js';
import { scheduleValue } from './schedules.js';

export interface OptimizerSpec {
  className: string;
  kind: number;
  /** The learning rate, or with a schedule its value at step 0 (the plan then follows the schedule). */
  learningRate: number;
  /** The learning-rate schedule (a spec from `toSchedule`), or null for a fixed rate. */
  schedule: ObjectSpec | null;
  /** h0..h3 of the kernel (see native/src/kernels/optimizer.cc). */
  hyper: [number, number, number, number];
  flags: number;
  slots: string[];
  clipnorm: number;
  clipvalue: number;
  globalClipnorm: number;
  weightDecay: number;
}

const NESTEROV = 1;
const CENTERED = 2;
const AMSGRAD = 4;

const num = (v: unknown, d = 0) => (v === null || v === undefined ? d : Number(v));

export function optimizerSpec(spec: ObjectSpec): OptimizerSpec {
  const c = spec.config;
  const schedule = typeof c.learning_rate === 'object' && c.learning_rate !== null ? (c.learning_rate as ObjectSpec) : null;
  const common = {
    className: spec.className,
    learningRate: schedule ? scheduleValue(schedule, 0) : num(c.learning_rate, 0.001),
    schedule,
    clipnorm: num(c.clipnorm),
    clipvalue: num(c.clipvalue),
    globalClipnorm: num(c.global_clipnorm),
    weightDecay: num(c.weight_decay),
  };
  const b = [num(c.beta_1, 0.9), num(c.beta_2, 0.999), num(c.epsilon, 1e-7), 0] as [number, number, number, number];
  switch (spec.className) {
    case 'SGD': {
      const momentum = num(c.momentum);
      return { ...common, kind: 0, hyper: [momentum, 0, 0, 0], flags: c.nesterov ? NESTEROV : 0, slots: momentum ? ['momentum'] : [] };
    }
    case 'RMSprop': {
      const momentum = num(c.momentum);
      const slots = ['velocity', ...(momentum ? ['momentum'] : []), ...(c.centered ? ['average_gradient'] : [])];
      return { ...common, kind: 1, hyper: [num(c.rho, 0.9), momentum, num(c.epsilon, 1e-7), 0], flags: c.centered ? CENTERED : 0, slots };
    }
    case 'Adam':
    case 'AdamW':
      return {
        ...common,
        kind: spec.className === 'Adam' ? 2 : 3,
        hyper: b,
        flags: c.amsgrad ? AMSGRAD : 0,
        slots: ['momentum', 'velocity', ...(c.amsgrad ? ['velocity_hat'] : [])],
      };
    case 'Adagrad':
      return { ...common, kind: 4, hyper: [num(c.epsilon, 1e-7), 0, 0, 0], flags: 0, slots: ['accumulator'] };
    case 'Adadelta':
      return { ...common, kind: 5, hyper: [num(c.rho, 0.95), num(c.epsilon, 1e-7), 0, 0], flags: 0, slots: ['accumulated_grad', 'accumulated_delta_var'] };
    case 'Adamax':
      return { ...common, kind: 6, hyper: b, flags: 0, slots: ['m', 'u'] };
    case 'Nadam':
      return { ...common, kind: 7, hyper: b, flags: 0, slots: ['momentum', 'velocity'] };
    default:
      throw new ValueError(`No kernel for optimizer ${spec.className}.`);
  }
}

/** Initial value of a slot: Adagrad's accumulator starts at initial_accumulator_value, the rest at 0. */
export function slotInitialValue(spec: ObjectSpec, slot: string): number {
  return spec.className === 'Adagrad' && slot === 'accumulator' ? num(spec.config.initial_accumulator_value, 0.1) : 0;
}
