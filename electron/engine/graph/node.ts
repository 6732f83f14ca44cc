import type { Layer } from './layer.js';
import { SymbolicTensor } from './symbolic-tensor.js';

/** Keyword arguments of a layer call; tensors among them (an RNN's `initialState`) are graph edges. */
export type CallKwargs = Record<string, unknown>;

/**
 * One call of a layer: which tensors went in (the first positional argument plus any tensors
 * in the keyword arguments) and which came out. A layer called twice owns two nodes.
 */
export class Node {
  readonly parentTensors: SymbolicTensor[];

  constructor(
    readonly layer: Layer,
    /** The first positional argument exactly as given: one tensor or a list. */
    readonly args: SymbolicTensor | SymbolicTensor[],
    readonly kwargs: CallKwargs,
    readonly outputs: SymbolicTensor[],
  ) {
    this.parentTensors = [...(Array.isArray(args) ? args : [args]), ...tensorsIn(kwargs)];
  }

  get index(): number {
    return this.layer.inboundNodes.indexOf(this);
  }

  get inputs(): SymbolicTensor[] {
    return Array.isArray(this.args) ? this.args : [this.args];
  }
}

/** Tensors nested in keyword arguments, in a stable order. */
export function tensorsIn(value: unknown): SymbolicTensor[] {
  if (value instanceof SymbolicTensor) return [value];
  if (Array.isArray(value)) return value.flatMap(tensorsIn);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.keys(value)
      .sort()
      .flatMap((k) => tensorsIn((value as Record<string, unknown>)[k]));
  }
  return [];
}
