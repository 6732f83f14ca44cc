import type { Dim } from '../../graph/shape.js';
import type { PlanTensor } from '../tape.js';

/**
 * The same values seen with another shape (Flatten, Reshape of row-major data): no kernel,
 * and the gradient is shared too, since gradients are keyed by buffer.
 */
export function view(x: PlanTensor, shape: Dim[]): PlanTensor {
  return { buf: x.buf, shape, dtype: x.dtype };
}
