import type { ActivationName } from '../../graph/activations.js';
import type { Lowering } from '../lowering.js';
import type { PlanTensor } from '../tape.js';
import { ACTIVATION_CODES, NEEDS_INPUT } from './activation-codes.js';

/** `act(x · W + b)` over the last axis (native dense_fwd / dense_bwd). */
export function dense(L: Lowering, x: PlanTensor, kernel: PlanTensor, bias: PlanTensor | null, activation: ActivationName, name: string): PlanTensor {
  const k = x.shape[x.shape.length - 1] as number;
  const n = kernel.shape[1] as number;
  const code = ACTIVATION_CODES[activation];
  const shape = [...x.shape.slice(0, -1), n];
  const keepPre = NEEDS_INPUT.has(activation) && L.tape?.needsGrad(x, kernel, bias);
  const z = keepPre ? L.tensor(`${name}/pre-activation`, shape) : null;
  const y = L.tensor(`${name}/output`, shape);
  L.forward('dense_fwd', [x.buf, kernel.buf, bias?.buf ?? -1, z?.buf ?? -1, y.buf], [k, n, code]);
  L.record([x, kernel, bias], [y], () => {
    const dy = L.gradOf(y);
    if (dy === null) return;
    const dx = L.gradInto(x);
    // A frozen kernel still needs somewhere to put its (unused) gradient.
    const dw = L.gradInto(kernel) ?? { buf: L.builder.buffer(`${name}/unused kernel gradient`, L.builder.buffers[kernel.buf]!.size, false), accumulate: false };
    const db = L.gradInto(bias);
    L.backward(
      'dense_bwd',
      [x.buf, kernel.buf, z?.buf ?? -1, y.buf, dy, dx?.buf ?? -1, dw.buf, db?.buf ?? -1],
      [k, n, code, dx?.accumulate ? 1 : 0, dw.accumulate ? 1 : 0],
    );
  });
  return y;
}
