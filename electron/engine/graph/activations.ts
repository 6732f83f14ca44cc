import { ValueError } from './errors.js';

/** The activation functions layers accept by name (Keras' `keras.activations`). */
export const ACTIVATIONS = [
  'linear',
  'relu',
  'relu6',
  'sigmoid',
  'hard_sigmoid',
  'tanh',
  'softmax',
  'log_softmax',
  'softplus',
  'softsign',
  'elu',
  'selu',
  'gelu',
  'silu',
  'swish',
  'mish',
  'exponential',
  'leaky_relu',
] as const;

export type ActivationName = (typeof ACTIVATIONS)[number];

/** `null`/`undefined` mean linear, as in Keras; camelCase names are accepted too. */
export function toActivation(value: unknown, layerName: string): ActivationName {
  if (value === null || value === undefined) return 'linear';
  const name = typeof value === 'string' ? value.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase() : value;
  if (typeof name === 'string' && (ACTIVATIONS as readonly string[]).includes(name)) return name as ActivationName;
  throw new ValueError(
    `Unknown activation for layer "${layerName}": expected one of ${ACTIVATIONS.join(', ')}; received ${JSON.stringify(value)}.`,
    layerName,
  );
}
