import type { ActivationName } from '../../graph/activations.js';
import type { Lowering } from '../lowering.js';
import type { GradTarget, PlanTensor } from '../tape.js';
import { ACTIVATION_CODES } from './activation-codes.js';

/** Which cell a recurrent kernel runs (native `<cell>_fwd` / `<cell>_bwd` in recurrent.cc). */
export type CellKind = 'simple_rnn' | 'lstm' | 'gru';

const GATES: Record<CellKind, number> = { simple_rnn: 1, lstm: 4, gru: 3 };
/** Scratch per sample, in units (see the kernels' `work`). */
const WORK: Record<CellKind, number> = { simple_rnn: 2, lstm: 7, gru: 5 };

// Flags shared with recurrent.cc.
const GO_BACKWARDS = 1;
const REVERSE_OUTPUT = 2;
const RESET_AFTER = 4;
const ZERO_OUTPUT_FOR_MASK = 8;
const LAST_OUTPUT = 16;

export interface RecurrentOptions {
  cell: CellKind;
  units: number;
  activation: ActivationName;
  /** The gates' activation (LSTM, GRU); ignored by SimpleRNN. */
  recurrentActivation: ActivationName;
  /** GRU only. */
  resetAfter: boolean;
  goBackwards: boolean;
  /** Write the output sequence in reversed time: Bidirectional's backward direction. */
  reverseOutput: boolean;
  /** Whether the whole output sequence is wanted (else only the final states). */
  returnSequences: boolean;
  /** Input dropout (one mask per sample and feature for all timesteps); 0 for none, as at inference. */
  dropout: number;
  seed: number | null;
  /** Which timesteps count, (batch, timesteps) of 0/1; a dropped step leaves the states as they were. */
  mask: PlanTensor | null;
  /** With a mask: masked steps output zeros rather than the previous output. */
  zeroOutputForMask: boolean;
}

export interface RecurrentWeights {
  kernel: PlanTensor;
  recurrentKernel: PlanTensor;
  bias: PlanTensor | null;
}

export interface RecurrentResult {
  /** The output sequence (batch, timesteps, units) with `returnSequences`, else the last output (batch, units). */
  output: PlanTensor;
  /** The final states in Keras' order: [h] or, for LSTM, [h, c]. Without a mask h is also the last output. */
  states: PlanTensor[];
}

/**
 * A whole recurrent layer over a (batch, timesteps, features) sequence in one forward kernel
 * call and one backward-through-time call. See native/src/kernels/recurrent.cc for the
 * buffers: the time-major input copy, the gates' pre-activations and every state are kept
 * for backward (and reused in place by it). With a mask and without `returnSequences` the
 * last output (zeros for a sample whose steps are all masked) gets its own buffer; otherwise
 * it is the final h.
 */
export function recurrent(
  L: Lowering,
  x: PlanTensor,
  w: RecurrentWeights,
  initialStates: PlanTensor[],
  o: RecurrentOptions,
  name: string,
): RecurrentResult {
  const steps = x.shape[1] as number;
  const features = x.shape[2] as number;
  const u = o.units;
  const gates = GATES[o.cell];
  const lstm = o.cell === 'lstm';
  const gru = o.cell === 'gru';
  const lastOutput = o.mask !== null && !o.returnSequences;
  const flags =
    (o.goBackwards ? GO_BACKWARDS : 0) | (o.reverseOutput ? REVERSE_OUTPUT : 0) | (gru && o.resetAfter ? RESET_AFTER : 0) |
    (o.zeroOutputForMask ? ZERO_OUTPUT_FOR_MASK : 0) | (lastOutput ? LAST_OUTPUT : 0);
  const codes = [ACTIVATION_CODES[o.activation], o.cell === 'simple_rnn' ? 0 : ACTIVATION_CODES[o.recurrentActivation]];
  const dropout = o.dropout > 0 ? o.dropout : 0;
  const random = [o.seed ?? L.random.seed, dropout > 0 ? L.nextSalt() : 0, L.random.stepSlot];

  // Internal buffers, per sample (the kernels lay them out time-major across the batch).
  const xt = L.tensor(`${name}/steps`, [null, steps, features]);
  const z = L.tensor(`${name}/gates`, [null, steps, gates * u]);
  // Activated gates for backward (LSTM also act(c)); SimpleRNN's are its states.
  const a = o.cell === 'simple_rnn' ? null : L.tensor(`${name}/activated gates`, [null, steps, (lstm ? 5 : 3) * u]);
  const hs = L.tensor(`${name}/h sequence`, [null, steps + 1, u]);
  const cs = lstm ? L.tensor(`${name}/c sequence`, [null, steps + 1, u]) : null;
  const aux = gru ? L.tensor(`${name}/candidate recurrent part`, [null, steps, u]) : null;
  const work = L.tensor(`${name}/work`, [null, WORK[o.cell] * u]);

  const y = o.returnSequences ? L.tensor(`${name}/output`, [null, steps, u]) : lastOutput ? L.tensor(`${name}/output`, [null, u]) : null;
  const h = L.tensor(`${name}/h`, [null, u]);
  const c = lstm ? L.tensor(`${name}/c`, [null, u]) : null;
  const [h0, c0] = initialStates;

  L.forward(
    `${o.cell}_fwd`,
    [x.buf, w.kernel.buf, w.recurrentKernel.buf, w.bias?.buf ?? -1, h0?.buf ?? -1, c0?.buf ?? -1,
      xt.buf, z.buf, a?.buf ?? -1, hs.buf, cs?.buf ?? -1, aux?.buf ?? -1, work.buf, y?.buf ?? -1, h.buf, c?.buf ?? -1, o.mask?.buf ?? -1],
    [steps, features, u, ...codes, flags, ...random],
    [dropout],
  );

  const outputs = [...(y ? [y] : []), h, ...(c ? [c] : [])];
  L.record([x, w.kernel, w.recurrentKernel, w.bias, h0, c0], outputs, () => {
    const dys = y ? L.gradOf(y) : null;
    const dh = L.gradOf(h);
    const dc = c ? L.gradOf(c) : null;
    if (dys === null && dh === null && dc === null) return;
    const targets: Array<GradTarget | null> = [
      L.gradInto(x), L.gradInto(w.kernel), L.gradInto(w.recurrentKernel), L.gradInto(w.bias), L.gradInto(h0), L.gradInto(c0),
    ];
    const accumulate = targets.reduce((bits, t, i) => bits | (t?.accumulate ? 1 << i : 0), 0);
    L.backward(
      `${o.cell}_bwd`,
      [w.kernel.buf, w.recurrentKernel.buf, xt.buf, z.buf, a?.buf ?? -1, hs.buf, cs?.buf ?? -1, aux?.buf ?? -1, work.buf,
        dys ?? -1, dh ?? -1, dc ?? -1, ...targets.map((t) => t?.buf ?? -1), o.mask?.buf ?? -1],
      [steps, features, u, ...codes, flags, accumulate, ...random],
      [dropout],
    );
  });
  return { output: y ?? h, states: c ? [h, c] : [h] };
}

export type MergeModeName = 'concat' | 'sum' | 'mul' | 'ave';
const MERGE_CODES: Record<MergeModeName, number> = { concat: 0, sum: 1, mul: 2, ave: 3 };

/**
 * Bidirectional's merge of its two directions' outputs on the last axis (native
 * bidirectional_merge_fwd / _bwd): concatenated, or summed, multiplied or averaged.
 */
export function bidirectionalMerge(L: Lowering, a: PlanTensor, b: PlanTensor, mode: MergeModeName, name: string): PlanTensor {
  const ua = a.shape[a.shape.length - 1] as number;
  const ub = b.shape[b.shape.length - 1] as number;
  const y = L.tensor(`${name}/output`, [...a.shape.slice(0, -1), mode === 'concat' ? ua + ub : ua]);
  const ints = [MERGE_CODES[mode], ua, ub];
  L.forward('bidirectional_merge_fwd', [a.buf, b.buf, y.buf], ints);
  L.record([a, b], [y], () => {
    const dy = L.gradOf(y);
    if (dy === null) return;
    const da = L.gradInto(a);
    const db = L.gradInto(b);
    if (!da && !db) return;
    L.backward('bidirectional_merge_bwd', [a.buf, b.buf, dy, da?.buf ?? -1, db?.buf ?? -1], [...ints, da?.accumulate ? 1 : 0, db?.accumulate ? 1 : 0]);
  });
  return y;
}
