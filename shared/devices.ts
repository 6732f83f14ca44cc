/** The names of where a model trains and how a GPU multiplies matrices, for every process. */

/** `cpu`, `cuda` (the first GPU) or `cuda:N`. */
export const DEVICE_PATTERN = /^(cpu|cuda|cuda:\d{1,3})$/;

/**
 * How a GPU multiplies matrices: float32, or tf32 / bf16 on tensor cores (weights,
 * activations and optimizer state stay float32). The CPU trains in float32.
 */
export const PRECISIONS = ['float32', 'tf32', 'bf16'] as const;
