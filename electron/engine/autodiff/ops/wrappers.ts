import type { Dim, DType } from '../../graph/shape.js';
import { Lowering } from '../lowering.js';
import type { PlanTensor } from '../tape.js';

/**
 * The Lowering a TimeDistributed inner layer is emitted in: the wrapper's time axis is folded
 * into the batch, so a (batch, steps, ...) value is seen by the inner layer as (batch·steps, ...)
 * rows of the same buffer (row-major, so no copy).
 *
 * Plan buffers stay "per sample of the real batch": every value the inner layer creates gets
 * `steps` times its own per-sample size, so p.count(buf) is the right element count for
 * batch·steps rows. Kernels that count rows from their buffers (dense: count(x) / K; the
 * element-wise ones; embedding; the recurrent kernels) then run unchanged. A kernel that reads
 * p.batch as its row count would see the outer batch and is wrong inside TimeDistributed.
 *
 * Everything else (emission, tape, weights, training flag, random streams) is the outer
 * Lowering's.
 */
export class FoldedLowering extends Lowering {
  /**
   * Rows per sample of the real batch that the inner layer's batch axis holds (steps, times the
   * outer fold when nested). An op that encodes "batch" for a kernel that resolves it against
   * p.batch must encode batchFold·batch instead.
   */
  readonly batchFold: number;

  constructor(
    private readonly outer: Lowering,
    readonly steps: number,
  ) {
    super(
      outer.builder,
      (kernel, bufs, ints, floats) => outer.forward(kernel, bufs, ints, floats),
      outer.tape ? (kernel, bufs, ints, floats) => outer.backward(kernel, bufs, ints, floats) : null,
      outer.tape,
      outer.training,
      outer.weights,
      outer.random,
    );
    this.batchFold = steps * ((outer as { batchFold?: number }).batchFold ?? 1);
  }

  override tensor(name: string, shape: Dim[], dtype: DType = 'float32'): PlanTensor {
    // The outer Lowering allocates (batch, steps, ...) — nesting multiplies the folds.
    const t = this.outer.tensor(name, [null, this.steps, ...shape.slice(1)], dtype);
    return { ...t, shape };
  }

  /** Random streams stay distinct from the outer graph's. */
  override nextSalt(): number {
    return this.outer.nextSalt();
  }
}
