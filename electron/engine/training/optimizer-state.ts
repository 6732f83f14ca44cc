/**
 * An optimizer's state between fits and across saving: the iteration count, the current
 * learning rate, Nadam's running momentum product, and each weight's slots (Adam's momentum
 * and velocity...). The trainer writes it into a new plan and reads it back after training,
 * so a saved and reloaded model resumes with the same next step.
 */
import type { ObjectSpec } from '../graph/compile-config.js';
import type { Functional } from '../graph/functional.js';
import type { Weight } from '../graph/layer.js';

export interface OptimizerState {
  iterations: number;
  /** null while the optimizer follows a learning-rate schedule (the schedule decides). */
  learningRate: number | null;
  uProduct: number;
  slots: Map<Weight, Map<string, Float32Array>>;
}

const states = new WeakMap<Functional, OptimizerState>();

export function optimizerState(model: Functional): OptimizerState | undefined {
  return states.get(model);
}

export function setOptimizerState(model: Functional, state: OptimizerState): void {
  states.set(model, state);
}

/** Forgets the state (a model compiled with another optimizer starts it afresh, as in Keras). */
export function clearOptimizerState(model: Functional): void {
  states.delete(model);
}

/** One entry of Keras' `optimizer.variables`, in the order Keras saves them. */
export type OptimizerVariable =
  | { kind: 'iterations' }
  | { kind: 'learning_rate' }
  | { kind: 'u_product' }
  | { kind: 'slot'; weight: Weight; slot: string };

/**
 * Keras builds slot variables per call of `add_optimizer_variables`: names given together are
 * interleaved weight by weight, separate calls come as blocks. These are the calls each
 * optimizer makes (slots an optimizer does not use with its options are left out).
 */
const SLOT_GROUPS: Record<string, string[][]> = {
  SGD: [['momentum']],
  RMSprop: [['velocity'], ['momentum'], ['average_gradient']],
  Adam: [['momentum', 'velocity'], ['velocity_hat']],
  AdamW: [['momentum', 'velocity'], ['velocity_hat']],
  Adagrad: [['accumulator']],
  Adadelta: [['accumulated_grad', 'accumulated_delta_var']],
  Adamax: [['m', 'u']],
  Nadam: [['momentum', 'velocity']],
};

/** `optimizer.variables` of a Keras optimizer built on `trainable` with these slots. */
export function kerasOptimizerVariables(optimizer: ObjectSpec, slots: string[], trainable: Weight[]): OptimizerVariable[] {
  const out: OptimizerVariable[] = [{ kind: 'iterations' }];
  if (!isSchedule(optimizer.config.learning_rate)) out.push({ kind: 'learning_rate' });
  for (const group of SLOT_GROUPS[optimizer.className] ?? [slots]) {
    const used = group.filter((s) => slots.includes(s));
    for (const weight of trainable) for (const slot of used) out.push({ kind: 'slot', weight, slot });
  }
  if (optimizer.className === 'Nadam') out.push({ kind: 'u_product' });
  return out;
}

export function isSchedule(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}
