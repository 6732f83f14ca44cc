/** How tracing errors name the layer they are about. */
import { StrataError } from '../graph/errors.js';
import type { Layer } from '../graph/layer.js';

export function label(layer: Layer): string {
  return `"${layer.name}" (${layer.className})`;
}

/** Errors that already say which layer they are about; `annotate` leaves them alone. */
const annotated = new WeakSet<object>();

/** Marks an error as naming its layer already. */
export function layerError<E extends Error>(error: E): E {
  annotated.add(error);
  return error;
}

/** Adds which layer was being called to an error thrown inside its `call()`, keeping its stack. */
export function annotate(error: unknown, layer: Layer): unknown {
  if (!(error instanceof Error) || annotated.has(error)) return error;
  annotated.add(error);
  const before = error.message;
  error.message = `Exception encountered when calling layer ${label(layer)}: ${before}`;
  if (typeof error.stack === 'string' && before) error.stack = error.stack.replace(before, () => error.message);
  if (error instanceof StrataError && error.layerName === undefined) error.layerName = layer.name;
  return error;
}
