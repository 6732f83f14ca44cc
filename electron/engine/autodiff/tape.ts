/**
 * Reverse-mode automatic differentiation over plan kernels. Forward ops are emitted into the
 * step's program as the model is lowered; each op that touches something trainable records
 * how to emit its backward. Replaying those records in reverse emits the backward program.
 *
 * Gradients live in plan buffers keyed by the buffer of the value they belong to, so views
 * that share a buffer (Flatten, Reshape) share their gradient too. The first kernel to write
 * a gradient overwrites it; later ones (a tensor read by several layers, a shared layer's
 * weights) accumulate.
 */
import type { Dim, DType } from '../graph/shape.js';
import type { PlanBuilder } from '../plan/plan-builder.js';

/** A value in a plan: its buffer and its shape (batch axis first, `null`). */
export interface PlanTensor {
  buf: number;
  shape: Dim[];
  dtype: DType;
}

/** Where a backward kernel writes a gradient, and whether it adds to what is there. */
export interface GradTarget {
  buf: number;
  accumulate: boolean;
}

export class Tape {
  private readonly requiring = new Set<number>();
  private readonly records: Array<() => void> = [];
  private readonly grads = new Map<number, { buf: number; written: boolean }>();

  constructor(private readonly builder: PlanBuilder) {}

  requireGrad(t: PlanTensor): void {
    this.requiring.add(t.buf);
  }

  needsGrad(...ts: Array<PlanTensor | null | undefined>): boolean {
    return ts.some((t) => t !== null && t !== undefined && this.requiring.has(t.buf));
  }

  /** Records an op's backward; its outputs then need gradients if any of its inputs do. */
  record(inputs: Array<PlanTensor | null | undefined>, outputs: PlanTensor[], backward: () => void): void {
    if (!this.needsGrad(...inputs)) return;
    outputs.forEach((t) => this.requireGrad(t));
    this.records.push(backward);
  }

  /** The gradient that reached `t`, or null when nothing downstream produced one. */
  gradOf(t: PlanTensor): number | null {
    const g = this.grads.get(t.buf);
    return g?.written ? g.buf : null;
  }

  /** Where to write the gradient of `t` (null when `t` needs none). */
  gradInto(t: PlanTensor | null | undefined): GradTarget | null {
    if (!t || !this.requiring.has(t.buf)) return null;
    let g = this.grads.get(t.buf);
    if (!g) {
      const spec = this.builder.buffers[t.buf]!;
      g = { buf: this.builder.buffer(`grad of ${spec.name}`, spec.size, spec.batched), written: false };
      this.grads.set(t.buf, g);
    }
    const target = { buf: g.buf, accumulate: g.written };
    g.written = true;
    return target;
  }

  /** Emits the backward program: every recorded op's backward, last op first. */
  replay(): void {
    for (let i = this.records.length - 1; i >= 0; i--) this.records[i]!();
  }
}
