import { loadNative, type PlanHandle } from '../tensor/native.js';
import type { PlanSpec } from './plan-builder.js';

/** A plan living in the native engine; every call copies data across, never shares memory. */
export class NativePlan {
  private readonly handle: PlanHandle;
  private readonly native = loadNative();

  constructor(readonly spec: PlanSpec) {
    this.handle = this.native.createPlan(spec);
  }

  write(buffer: number, values: Float32Array | Int32Array): void {
    this.native.planWrite(this.handle, buffer, values);
  }

  read(buffer: number): Float32Array | Int32Array {
    return this.native.planRead(this.handle, buffer);
  }

  /** Re-sizes a fixed buffer (a dataset slot), dropping its values. */
  resize(buffer: number, size: number): void {
    this.native.planResize(this.handle, buffer, size);
  }

  get scalars(): Float64Array {
    return this.native.planScalars(this.handle) as Float64Array;
  }

  set scalars(values: Float64Array) {
    this.native.planScalars(this.handle, values);
  }

  run(program: number, batch: number): void {
    this.native.planRun(this.handle, program, batch);
  }

  /**
   * Runs batches of `batchSize` from `firstSample` until `steps` ran or the samples ended.
   * Returns, per step run, the batch size followed by the values of `record` scalars.
   */
  runSteps(program: number, batchSize: number, cursorSlot: number, firstSample: number, sampleCount: number, steps: number, record: number[]): Float64Array {
    return this.native.planRunSteps(this.handle, program, batchSize, cursorSlot, firstSample, sampleCount, steps, record);
  }
}
