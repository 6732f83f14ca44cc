/**
 * Masks (Keras' `_keras_mask`): which steps of a sequence count. A layer states once, in
 * `computeMask`, how its outputs' masks follow from its inputs' (Keras' `compute_mask`), in
 * terms of the operations below. The graph evaluates that rule on symbolic tensors — does an
 * output carry a mask? — and a step plan on plan tensors, where a mask is one float per
 * (sample, step), 1 where the step counts (autodiff/ops/mask.ts).
 */

/** What a mask rule may do with a call's inputs and masks; `input` is a position among the call's inputs. */
export interface MaskOps<M> {
  /** `inputs[input] != value` element-wise: Embedding's mask of padding token ids. */
  notEqual(input: number, value: number): M;
  /** `any(inputs[input] != value, axis=-1)`: the Masking layer's. */
  anyNotEqual(input: number, value: number): M;
  /** A mask over `inputs[input]` (all but its last axis) that keeps every step. */
  keepAll(input: number): M;
  /** Steps every mask keeps (merges of several masked inputs). */
  all(masks: M[]): M;
  /** Steps any mask keeps. */
  any(masks: M[]): M;
}

/** One mask per output, or one for a single-output call; `null` where an output has none. */
export type MaskResult<M> = M | null | Array<M | null>;

/** The graph's evaluation: a mask is `true` where an output has one. */
export const symbolicMasks: MaskOps<true> = {
  notEqual: () => true,
  anyNotEqual: () => true,
  keepAll: () => true,
  all: () => true,
  any: () => true,
};

/**
 * Spreads a rule's result over a call's outputs as Keras does (`_set_mask_metadata` zips the
 * flattened masks with the outputs): a single mask belongs to the first output only.
 */
export function masksPerOutput<M>(result: MaskResult<M>, outputs: number): Array<M | null> {
  const list = Array.isArray(result) ? result : [result];
  return Array.from({ length: outputs }, (_, i) => list[i] ?? null);
}
