/**
 * Builds a step plan: the buffers a model's steps use, the plan-level scalars (learning
 * rate, counters, loss and metric values) and the programs — lists of kernel calls. The
 * result is handed to the native engine once (`createPlan`), then run per step or per many.
 */
import type { DType } from '../graph/shape.js';
import type { Device, Precision } from '../tensor/device.js';

/** One kernel call: `[kernel, buffer ids, integer attributes, float attributes]`. */
export type Instr = [kernel: string, bufs: number[], ints: number[], floats: number[]];

export interface PlanBufferSpec {
  /** Elements: per sample when batched, in all otherwise. */
  size: number;
  batched: boolean;
  dtype: DType;
  /** What it holds, for error messages and debugging (`dense/kernel`, `grad of dense_1`). */
  name: string;
}

export interface PlanSpec {
  maxBatch: number;
  buffers: PlanBufferSpec[];
  scalars: number;
  programs: Instr[][];
  /** Where the plan runs (default the CPU) and, on a CUDA device, how it multiplies matrices. */
  device?: Device;
  precision?: Precision;
}

export class PlanBuilder {
  readonly buffers: PlanBufferSpec[] = [];
  readonly scalarNames: string[] = [];
  readonly programs: Instr[][] = [];

  constructor(readonly maxBatch: number) {}

  buffer(name: string, size: number, batched: boolean, dtype: DType = 'float32'): number {
    if (!Number.isInteger(size) || size < 0) throw new Error(`plan buffer "${name}" needs a known size; got ${size}`);
    this.buffers.push({ name, size, batched, dtype });
    return this.buffers.length - 1;
  }

  scalar(name: string): number {
    this.scalarNames.push(name);
    return this.scalarNames.length - 1;
  }

  /** Starts a new program; returns its index and the list kernels are appended to. */
  program(): { index: number; emit: (kernel: string, bufs: number[], ints?: number[], floats?: number[]) => void } {
    const list: Instr[] = [];
    this.programs.push(list);
    return {
      index: this.programs.length - 1,
      emit: (kernel, bufs, ints = [], floats = []) => {
        list.push([kernel, bufs, ints, floats]);
      },
    };
  }

  spec(): PlanSpec {
    return { maxBatch: this.maxBatch, buffers: this.buffers, scalars: this.scalarNames.length, programs: this.programs };
  }
}
