import { ValueError } from '../../graph/errors.js';
import type { MaskOps } from '../../graph/mask.js';
import type { Dim } from '../../graph/shape.js';
import type { Lowering } from '../lowering.js';
import type { PlanTensor } from '../tape.js';

const COMBINE = { all: 0, any: 1 } as const;

/** Elements per sample of a shape's axes after the batch. */
const rowCount = (shape: Dim[]): number => (shape.slice(1) as number[]).reduce((n, d) => n * d, 1);

/**
 * A layer call's mask rule evaluated in a step plan (native mask.cc): a mask is a float32
 * tensor of 1 (the step counts) and 0 (padding) shaped like the masked value without its last
 * axis. Masks carry no gradient. Masks derived from the same value are made once per step.
 */
export function planMasks(L: Lowering, inputs: PlanTensor[], name: string): MaskOps<PlanTensor> {
  const derived = (input: number, what: 'ids' | 'rows', value: number): PlanTensor => {
    const x = inputs[input]!;
    const row = what === 'ids' ? 1 : (x.shape[x.shape.length - 1] as number);
    return L.once(`mask of ${x.buf}: rows of ${row} != ${value}`, () => {
      const mask = L.tensor(`${name}/mask`, what === 'ids' ? x.shape : x.shape.slice(0, -1));
      L.forward('mask_not_equal', [x.buf, mask.buf], [row], [value]);
      return mask;
    });
  };
  const combine = (how: keyof typeof COMBINE, masks: PlanTensor[], shape: Dim[]): PlanTensor => {
    const size = rowCount(shape);
    const misfit = masks.find((m) => rowCount(m.shape) !== size);
    if (misfit) {
      throw new ValueError(
        `Layer "${name}" cannot combine masks of shapes ${masks.map((m) => `(${m.shape.map((d) => d ?? 'None').join(', ')})`).join(' and ')}: masks must have the same shape.`,
        name,
      );
    }
    const y = L.tensor(`${name}/mask`, shape);
    L.forward('mask_combine', [...masks.map((m) => m.buf), y.buf], [COMBINE[how]]);
    return y;
  };
  return {
    notEqual: (input, value) => derived(input, 'ids', value),
    anyNotEqual: (input, value) => derived(input, 'rows', value),
    keepAll: (input) => combine('all', [], inputs[input]!.shape.slice(0, -1)),
    all: (masks) => (masks.length === 1 ? masks[0]! : combine('all', masks, masks[0]!.shape)),
    any: (masks) => (masks.length === 1 ? masks[0]! : combine('any', masks, masks[0]!.shape)),
  };
}

/** `y[..., :] = x[..., :]` where the mask keeps the step, zeros where it does not (the Masking layer). */
export function maskSteps(L: Lowering, x: PlanTensor, mask: PlanTensor, name: string): PlanTensor {
  const row = x.shape[x.shape.length - 1] as number;
  const y = L.tensor(`${name}/output`, x.shape);
  L.forward('mask_rows_fwd', [x.buf, mask.buf, y.buf], [row]);
  L.record([x], [y], () => {
    const dy = L.gradOf(y);
    const dx = L.gradInto(x);
    if (dy === null || !dx) return;
    L.backward('mask_rows_bwd', [mask.buf, dy, dx.buf], [row, dx.accumulate ? 1 : 0]);
  });
  return y;
}
