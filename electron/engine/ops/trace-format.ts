/**
 * The form a custom layer's traced call is recorded and saved in (see trace.ts), and the
 * plain-value helpers that recording, saving and reading it share.
 */
import type { InitializerConfig } from '../graph/initializers.js';
import type { SerializedLayer } from '../graph/serialize.js';
import type { DType, Shape } from '../graph/shape.js';
import type { Attrs } from './table.js';

/**
 * Where a step's operand comes from: an input of the call, a weight of the layer (by index in
 * its own weights), a constant, or an earlier step — `{op: i, output: k}` for the k-th result
 * of a `layer` step whose layer returns several tensors.
 */
export type TraceRef = { input: number } | { weight: number } | { const: number } | { op: number; output?: number };

/** The op name of a step that calls a sublayer; its attrs are `{layer: index in the trace's layers, kwargs?}`. */
export const LAYER_STEP = 'layer';

export interface TraceStep {
  op: string;
  inputs: TraceRef[];
  attrs: Attrs;
  /** The result's shape; a list of shapes for a `layer` step whose layer returns several tensors. */
  shape: Shape | Shape[];
  dtype: DType;
}

export interface TraceInput {
  shape: Shape;
  dtype: DType;
}

/** One recorded call: the inputs it was traced with, its steps, and which refs it returned (one, or a list). */
export interface LayerTrace {
  inputs: TraceInput[];
  ops: TraceStep[];
  outputs: TraceRef | TraceRef[];
}

/** A weight as the trace saves it, so that a process without the layer's class can recreate it. */
export interface TraceWeight {
  name: string;
  shape: number[];
  dtype: DType;
  /** The weight's own flag (the layer's `trainable` is in its config). */
  trainable: boolean;
  initializer: InitializerConfig;
}

/**
 * The saved form (in the layer's `build_config.trace`). `weights` are the layer's own;
 * `layers` (present when it has any) are its sublayers as `serializeLayer` writes them, in
 * `sublayers()` order — `layer` steps refer to them by index.
 */
export interface TraceJSON {
  inputs: TraceInput[];
  weights: TraceWeight[];
  layers?: SerializedLayer[];
  ops: TraceStep[];
  outputs: TraceRef | TraceRef[];
}

/** Whether a step's shape (or a layer's input or output shape) is a list of shapes. */
export function isShapeList(value: Shape | Shape[]): value is Shape[] {
  return value.length > 0 && Array.isArray(value[0]);
}

/** An object literal (not an array, a class instance or null). */
export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A deep copy of a JSON value. */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
