import type { Lowering } from '../lowering.js';
import type { PlanTensor } from '../tape.js';

/** Training-time dropout (native dropout_fwd / dropout_bwd); identity at inference. */
export function dropout(L: Lowering, x: PlanTensor, rate: number, seed: number | null, name: string): PlanTensor {
  if (!L.training || rate === 0) return x;
  const y = L.tensor(`${name}/output`, x.shape, x.dtype);
  const ints = [seed ?? L.random.seed, L.nextSalt(), L.random.stepSlot];
  L.forward('dropout_fwd', [x.buf, y.buf], ints, [rate]);
  L.record([x], [y], () => {
    const dy = L.gradOf(y);
    const dx = L.gradInto(x);
    if (dy === null || !dx) return;
    L.backward('dropout_bwd', [dy, dx.buf], [...ints, dx.accumulate ? 1 : 0], [rate]);
  });
  return y;
}
