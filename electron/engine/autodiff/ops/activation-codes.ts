import type { ActivationName } from '../../graph/activations.js';

/** Activation codes shared with native/src/kernels/activation.h. */
export const ACTIVATION_CODES: Record<ActivationName, number> = {
  linear: 0,
  relu: 1,
  sigmoid: 2,
  tanh: 3,
  softmax: 4,
  elu: 5,
  selu: 6,
  softplus: 7,
  softsign: 8,
  silu: 9,
  swish: 9,
  gelu: 10,
  exponential: 11,
  hard_sigmoid: 12,
  relu6: 13,
  leaky_relu: 14,
  log_softmax: 15,
  mish: 16,
};

/** Activations whose backward needs their input, so the pre-activation is kept. */
export const NEEDS_INPUT = new Set<ActivationName>(['softplus', 'softsign', 'silu', 'swish', 'gelu', 'mish']);
