/**
 * The context a model is lowered in: where forward and backward kernels go, the tape, the
 * plan buffers of weights, and whether this is a training step (dropout on, batch statistics)
 * or inference.
 */
import { ValueError } from '../graph/errors.js';
import type { Weight } from '../graph/layer.js';
import type { Dim, DType } from '../graph/shape.js';
import type { PlanBuilder } from '../plan/plan-builder.js';
import { Tape, type GradTarget, type PlanTensor } from './tape.js';

type Emit = (kernel: string, bufs: number[], ints?: number[], floats?: number[]) => void;

export class Lowering {
  /** Distinct random streams per dropout (and other random) call site. */
  private salts = 0;
  /** Values computed once per step and shared by whoever asks again (see `once`). */
  private readonly shared = new Map<string, PlanTensor>();

  constructor(
    readonly builder: PlanBuilder,
    private readonly forwardEmit: Emit,
    private readonly backwardEmit: Emit | null,
    readonly tape: Tape | null,
    readonly training: boolean,
    readonly weights: Map<Weight, PlanTensor>,
    /** Seed of the run and the scalar that counts steps, for counter-based randomness. */
    readonly random: { seed: number; stepSlot: number },
  ) {}

  /** A new batched value of the given shape (batch axis first). */
  tensor(name: string, shape: Dim[], dtype: DType = 'float32'): PlanTensor {
    return { buf: this.builder.buffer(name, perSample(shape, name), true, dtype), shape, dtype };
  }

  weight(w: Weight): PlanTensor {
    const t = this.weights.get(w);
    if (!t) throw new Error(`weight ${w.path} has no plan buffer`);
    return t;
  }

  forward(kernel: string, bufs: number[], ints: number[] = [], floats: number[] = []): void {
    this.forwardEmit(kernel, bufs, ints, floats);
  }

  backward(kernel: string, bufs: number[], ints: number[] = [], floats: number[] = []): void {
    this.backwardEmit!(kernel, bufs, ints, floats);
  }

  /** Records an op's backward when training and any input needs a gradient. */
  record(inputs: Array<PlanTensor | null | undefined>, outputs: PlanTensor[], backward: () => void): void {
    this.tape?.record(inputs, outputs, backward);
  }

  gradOf(t: PlanTensor): number | null {
    return this.tape!.gradOf(t);
  }

  gradInto(t: PlanTensor | null | undefined): GradTarget | null {
    return this.tape!.gradInto(t);
  }

  nextSalt(): number {
    return ++this.salts;
  }

  /**
   * The value `key` names, made by `make` on first use: a mask the Masking layer's forward
   * and its mask rule both derive from the same input is emitted once.
   */
  once(key: string, make: () => PlanTensor): PlanTensor {
    let t = this.shared.get(key);
    if (!t) {
      t = make();
      this.shared.set(key, t);
    }
    return t;
  }
}

/** Elements per sample of a batch-first shape; every size after the batch axis must be known. */
export function perSample(shape: Dim[], what: string): number {
  const rest = shape.slice(1);
  if (rest.some((d) => d === null)) {
    throw new ValueError(
      `Training needs every size but the batch size to be known; ${what} has shape (${shape.map((d) => (d === null ? 'None' : d)).join(', ')}). Give the Input a fixed shape (pad sequences to one length).`,
    );
  }
  return (rest as number[]).reduce((n, d) => n * d, 1);
}
