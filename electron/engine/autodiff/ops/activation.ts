import type { ActivationName } from '../../graph/activations.js';
import type { Lowering } from '../lowering.js';
import type { PlanTensor } from '../tape.js';
import { ACTIVATION_CODES, NEEDS_INPUT } from './activation-codes.js';

/** An element-wise (or, for softmax, row-wise) activation (native act_fwd / act_bwd). */
export function activation(L: Lowering, x: PlanTensor, act: ActivationName, name: string): PlanTensor {
  if (act === 'linear') return x;
  const code = ACTIVATION_CODES[act];
  const cols = x.shape[x.shape.length - 1] as number;
  const y = L.tensor(`${name}/output`, x.shape, x.dtype);
  L.forward('act_fwd', [x.buf, y.buf], [code, cols]);
  L.record([x], [y], () => {
    const dy = L.gradOf(y);
    const dx = L.gradInto(x);
    if (dy === null || !dx) return;
    L.backward('act_bwd', [NEEDS_INPUT.has(act) ? x.buf : -1, y.buf, dy, dx.buf], [code, cols, dx.accumulate ? 1 : 0]);
  });
  return y;
}
