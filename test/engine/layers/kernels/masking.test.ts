import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Input, Model, layers } from '../../../../electron/engine/frontends/dsl.js';
import type { SymbolicTensor } from '../../../../electron/engine/graph/index.js';
import { resetNames } from '../../../../electron/engine/graph/index.js';
import { Trainer } from '../../../../electron/engine/training/trainer.js';
import { weightValue } from '../../../../electron/engine/training/weights.js';
import { closeness } from '../../../helpers/layer-check.js';
import { checkGraph, refRnn, type GraphCheckResult, type RefRnnOptions } from '../../../helpers/sequence-check.js';

// Masked recurrent kernels against a hand reference: refRnn written step by step in tfjs ops
// with Keras 3's masking (states carried over masked steps; a masked step outputs the previous
// output, zeros before the first kept step, or zeros with zeroOutputForMask), differentiated by
// tfjs. Tolerances as for the unmasked kernels: relative 1e-4, absolute floor 1e-5.
//
// Outputs that would carry a mask go through Flatten, which drops it (as in Keras), so that the
// checks' MSE loss stays a plain mean (a masked loss is tested in training/masking.test.ts).

function expectGraphAgreement(r: GraphCheckResult) {
  for (const p of [...r.outputs, ...r.inputGradients, ...r.weightGradients]) {
    expect(closeness(p.strata, p.reference), p.name).toBeLessThanOrEqual(1);
  }
}

const STEPS = 6;
const VOCAB = 7;
/** Padding (0) at the end, in the middle, at the start, nowhere, and everywhere. */
const IDS = [
  [3, 1, 4, 0, 0, 0],
  [2, 0, 5, 0, 6, 1],
  [0, 0, 4, 2, 3, 1],
  [5, 6, 2, 1, 3, 4],
  [0, 0, 0, 0, 0, 0],
];
const BATCH = IDS.length;
const ids = { shape: [STEPS], dtype: 'int32' as const, values: () => Int32Array.from(IDS.flat()) };
const maskOf = (x: tf.Tensor) => tf.cast(tf.notEqual(x, 0), 'float32');
const flat = (t: tf.Tensor) => tf.reshape(t, [t.shape[0]!, -1]);

type Cell = RefRnnOptions['cell'];
const FACTORY = { simple_rnn: 'SimpleRNN', lstm: 'LSTM', gru: 'GRU' } as const;
const rnnLayer = (cell: Cell, units: number, options: Record<string, unknown>) =>
  (layers as unknown as Record<string, (u: number, o: object) => (x: SymbolicTensor, kw?: object) => unknown>)[FACTORY[cell]]!(units, options);

/** Embedding(maskZero) → one recurrent layer (→ Flatten for sequences), against refRnn with the ids' mask. */
function checkMaskedRnn(cell: Cell, options: { returnSequences?: boolean; goBackwards?: boolean; resetAfter?: boolean }) {
  return checkGraph({
    batch: BATCH,
    inputs: [ids],
    build: ([x]) => {
      const y = rnnLayer(cell, 4, options)(layers.Embedding(VOCAB, 3, { maskZero: true })(x!) as SymbolicTensor) as SymbolicTensor;
      return options.returnSequences ? (layers.Flatten()(y) as SymbolicTensor) : y;
    },
    reference: ([x], [table, ...w]) => {
      const [y] = refRnn(tf.gather(table!, x!), w, { cell, units: 4, ...options, mask: maskOf(x!) });
      return options.returnSequences ? flat(y!) : y!;
    },
  });
}

describe('recurrent layers on Embedding(maskZero) sequences (padding at the end, in the middle, at the start)', () => {
  const cases: Array<[string, { returnSequences?: boolean; goBackwards?: boolean }]> = [
    ['last output', {}],
    ['returnSequences', { returnSequences: true }],
    ['goBackwards', { goBackwards: true }],
    ['goBackwards with returnSequences', { goBackwards: true, returnSequences: true }],
  ];
  for (const cell of ['simple_rnn', 'lstm', 'gru'] as const) {
    for (const [what, options] of cases) {
      it(`${FACTORY[cell]}, ${what}: outputs and gradients`, () => {
        expectGraphAgreement(checkMaskedRnn(cell, options));
      });
    }
  }

  it('GRU without resetAfter', () => {
    expectGraphAgreement(checkMaskedRnn('gru', { resetAfter: false, returnSequences: true }));
  });

  it('a masked step repeats the previous output; before the first kept step the output is zero', () => {
    resetNames();
    const x = Input({ shape: [STEPS], dtype: 'int32' });
    const y = layers.LSTM(2, { returnSequences: true })(layers.Embedding(VOCAB, 3, { maskZero: true })(x) as SymbolicTensor) as SymbolicTensor;
    const model = Model({ inputs: x, outputs: y });
    const out = new Trainer(model, 1).predict({ shape: [BATCH, STEPS], data: Int32Array.from(IDS.flat()) })[0]!.data;
    const at = (b: number, t: number) => Array.from(out.slice((b * STEPS + t) * 2, (b * STEPS + t + 1) * 2));
    expect(at(0, 5)).toEqual(at(0, 2));
    expect(at(1, 3)).toEqual(at(1, 2));
    expect(at(2, 0)).toEqual([0, 0]);
    expect(at(4, 5)).toEqual([0, 0]);
  });

  it("agrees with tfjs' own masked layers (no initial state, where tfjs follows Keras)", () => {
    const cases = [
      { cell: 'lstm' as const, ref: (o: object) => tf.layers.lstm({ units: 4, recurrentActivation: 'sigmoid', ...o }) },
      { cell: 'gru' as const, ref: (o: object) => tf.layers.gru({ units: 4, recurrentActivation: 'sigmoid', resetAfter: false, ...o } as never) },
      { cell: 'simple_rnn' as const, ref: (o: object) => tf.layers.simpleRNN({ units: 4, ...o }) },
    ];
    for (const { cell, ref } of cases) {
      for (const options of [{ returnSequences: true }, { goBackwards: true }]) {
        resetNames();
        const x = Input({ shape: [STEPS], dtype: 'int32' });
        const opts = cell === 'gru' ? { ...options, resetAfter: false } : options;
        const y = rnnLayer(cell, 4, opts)(layers.Embedding(VOCAB, 3, { maskZero: true })(x) as SymbolicTensor) as SymbolicTensor;
        const model = Model({ inputs: x, outputs: y });
        const strata = new Trainer(model, 2).predict({ shape: [BATCH, STEPS], data: Int32Array.from(IDS.flat()) })[0]!.data as Float32Array;
        const tfModel = tf.sequential({ layers: [tf.layers.embedding({ inputDim: VOCAB, outputDim: 3, maskZero: true, inputLength: STEPS }), ref(options)] });
        tfModel.setWeights(model.weights.map((w) => tf.tensor(weightValue(w)!, w.shape)));
        const reference = (tfModel.predict(tf.tensor2d(IDS, undefined, 'int32')) as tf.Tensor).dataSync() as Float32Array;
        expect(closeness(strata, reference), `${cell} ${JSON.stringify(options)}`).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe('masks with states, initial states and Bidirectional', () => {
  for (const cell of ['simple_rnn', 'lstm', 'gru'] as const) {
    it(`${FACTORY[cell]}: returnState carries the states over masked steps`, () => {
      const options = { returnState: true, returnSequences: true };
      expectGraphAgreement(
        checkGraph({
          batch: BATCH,
          inputs: [ids],
          build: ([x]) => {
            const [seq, ...states] = rnnLayer(cell, 3, options)(layers.Embedding(VOCAB, 2, { maskZero: true })(x!) as SymbolicTensor) as SymbolicTensor[];
            return [layers.Flatten()(seq!) as SymbolicTensor, ...states];
          },
          reference: ([x], [table, ...w]) => {
            const [seq, ...states] = refRnn(tf.gather(table!, x!), w, { cell, units: 3, ...options, mask: maskOf(x!) });
            return [flat(seq!), ...states];
          },
        }),
      );
    });
  }

  it("a decoder started from an encoder's states (Keras' seq2seq): masked leading steps output zeros, the states carry", () => {
    const decoderIds = [
      [0, 0, 3, 1, 2],
      [4, 5, 0, 0, 0],
      [1, 2, 3, 4, 5],
      [0, 0, 0, 0, 0],
      [6, 0, 6, 0, 6],
    ];
    expectGraphAgreement(
      checkGraph({
        batch: BATCH,
        inputs: [ids, { shape: [5], dtype: 'int32', values: () => Int32Array.from(decoderIds.flat()) }],
        build: ([enc, dec]) => {
          const [, h, c] = layers.LSTM(4, { returnState: true })(layers.Embedding(VOCAB, 3, { maskZero: true })(enc!) as SymbolicTensor) as SymbolicTensor[];
          const decoded = layers.LSTM(4, { returnSequences: true })(layers.Embedding(VOCAB, 3, { maskZero: true })(dec!) as SymbolicTensor, { initialState: [h!, c!] }) as SymbolicTensor;
          return layers.Flatten()(layers.TimeDistributed(layers.Dense(2))(decoded)) as SymbolicTensor;
        },
        reference: ([enc, dec], [encTable, decTable, k1, r1, b1, k2, r2, b2, dk, db]) => {
          const [, h, c] = refRnn(tf.gather(encTable!, enc!), [k1!, r1!, b1!], { cell: 'lstm', units: 4, returnState: true, mask: maskOf(enc!) });
          const [seq] = refRnn(tf.gather(decTable!, dec!), [k2!, r2!, b2!], { cell: 'lstm', units: 4, returnSequences: true, initial: [h!, c!], mask: maskOf(dec!) });
          return flat(tf.add(tf.matMul(tf.reshape(seq!, [-1, 4]), dk!), db!));
        },
      }),
    );
  });

  /** Keras 3's Bidirectional: the backward copy has zeroOutputForMask = returnSequences, its sequence flipped back. */
  function refBidirectional(x: tf.Tensor, w: tf.Tensor[], cell: Cell, returnSequences: boolean, mask: tf.Tensor) {
    const n = w.length / 2;
    const [y] = refRnn(x, w.slice(0, n), { cell, units: 3, returnSequences, mask, zeroOutputForMask: returnSequences });
    const [yRev] = refRnn(x, w.slice(n), { cell, units: 3, returnSequences, goBackwards: true, mask, zeroOutputForMask: returnSequences });
    return tf.concat([y!, returnSequences ? tf.reverse(yRev!, 1) : yRev!], -1);
  }

  for (const cell of ['lstm', 'gru'] as const) {
    for (const returnSequences of [true, false]) {
      it(`Bidirectional ${FACTORY[cell]}, returnSequences ${returnSequences}: masked steps output zeros in both directions`, () => {
        expectGraphAgreement(
          checkGraph({
            batch: BATCH,
            inputs: [ids],
            build: ([x]) => {
              const y = layers.Bidirectional(rnnLayer(cell, 3, { returnSequences }) as never)(layers.Embedding(VOCAB, 2, { maskZero: true })(x!)) as SymbolicTensor;
              return returnSequences ? (layers.Flatten()(y) as SymbolicTensor) : y;
            },
            reference: ([x], [table, ...w]) => {
              const y = refBidirectional(tf.gather(table!, x!), w, cell, returnSequences, maskOf(x!));
              return returnSequences ? flat(y) : y;
            },
          }),
        );
      });
    }
  }
});

describe('masks from other layers', () => {
  const floats = (rows: number[][][]) => ({ shape: [rows[0]!.length, rows[0]![0]!.length], values: () => Float32Array.from(rows.flat(2)) });
  /** Three samples of four steps of two features; all-zero steps at the end, in the middle, at the start. */
  const SEQ = [
    [[0.5, -1], [1, 0.25], [0, 0], [0, 0]],
    [[0.3, 0], [0, 0], [-0.7, 2], [0, 0]],
    [[0, 0], [1.5, -0.5], [0.2, 0.1], [-1, 1]],
  ];
  /** Steps with a feature other than `value`, as a constant (tfjs has no gradient for `any`; a mask has none anyway). */
  const stepsOtherThan = (x: tf.Tensor, value: number) => {
    const m = tf.cast(tf.any(tf.notEqual(x, value), -1), 'float32');
    return tf.tensor(m.dataSync(), m.shape);
  };

  it('Masking zeroes the masked steps and an LSTM after it skips them; no gradient reaches masked steps', () => {
    const r = checkGraph({
      batch: 3,
      inputs: [floats(SEQ)],
      build: ([x]) => {
        const masked = layers.Masking()(x!) as SymbolicTensor;
        return [layers.Flatten()(masked) as SymbolicTensor, layers.LSTM(3)(masked) as SymbolicTensor];
      },
      reference: ([x], w) => {
        const m = stepsOtherThan(x!, 0);
        const y = tf.mul(x!, tf.expandDims(m, -1));
        return [flat(y), refRnn(y, w, { cell: 'lstm', units: 3, mask: m })[0]!];
      },
    });
    expectGraphAgreement(r);
    const dx = r.inputGradients[0]!.strata;
    expect(Array.from(dx.slice(2 * 2, 4 * 2))).toEqual([0, 0, 0, 0]);
  });

  it('Masking with another maskValue masks the steps that equal it everywhere', () => {
    const withValue = SEQ.map((s) => s.map((step) => (step.every((v) => v === 0) ? [-1, -1] : step)));
    expectGraphAgreement(
      checkGraph({
        batch: 3,
        inputs: [floats(withValue)],
        build: ([x]) => layers.GRU(3)(layers.Masking({ maskValue: -1 })(x!)) as SymbolicTensor,
        reference: ([x], w) => {
          const m = stepsOtherThan(x!, -1);
          return refRnn(tf.mul(x!, tf.expandDims(m, -1)), w, { cell: 'gru', units: 3, mask: m })[0]!;
        },
      }),
    );
  });

  it('GlobalAveragePooling1D averages the kept steps only (a sample with none gives NaN, as Keras)', () => {
    const r = checkGraph({
      batch: BATCH,
      inputs: [ids],
      build: ([x]) => layers.GlobalAveragePooling1D()(layers.Embedding(VOCAB, 3, { maskZero: true })(x!)) as SymbolicTensor,
      reference: ([x], [table]) => {
        const m = tf.expandDims(maskOf(x!), -1);
        return tf.div(tf.sum(tf.mul(tf.gather(table!, x!), m), 1), tf.sum(m, 1));
      },
    });
    const out = r.outputs[0]!;
    // The all-padding sample: 0 / 0.
    expect(Array.from(out.strata.slice(12))).toEqual([NaN, NaN, NaN]);
    expect(closeness(out.strata.slice(0, 12), out.reference.slice(0, 12))).toBeLessThanOrEqual(1);
  });

  it('GlobalAveragePooling1D, channels first, with a mask passed to the call', () => {
    resetNames();
    const x = Input({ shape: [2, 4] });
    const m = Input({ shape: [4] });
    const y = layers.GlobalAveragePooling1D({ dataFormat: 'channels_first' })(x, { mask: m }) as SymbolicTensor;
    const model = Model({ inputs: [x, m], outputs: y });
    const xs = { shape: [1, 2, 4], data: Float32Array.from([1, 2, 3, 4, 10, 20, 30, 40]) };
    const ms = { shape: [1, 4], data: Float32Array.from([1, 0, 1, 0]) };
    expect(Array.from(new Trainer(model).predict([xs, ms])[0]!.data)).toEqual([2, 20]);
  });

  it('Add keeps the steps both inputs keep; TimeDistributed and Dense pass the mask on to an LSTM', () => {
    const other = [
      [1, 1, 1, 1, 0, 0],
      [1, 1, 1, 1, 1, 1],
      [0, 3, 3, 3, 3, 0],
      [2, 0, 2, 0, 2, 0],
      [1, 1, 1, 1, 1, 1],
    ];
    expectGraphAgreement(
      checkGraph({
        batch: BATCH,
        inputs: [ids, { shape: [STEPS], dtype: 'int32', values: () => Int32Array.from(other.flat()) }],
        build: ([a, b]) => {
          const embedded = layers.Embedding(VOCAB, 3, { maskZero: true });
          const sum = layers.Add()([embedded(a!), embedded(b!)]) as SymbolicTensor;
          const projected = layers.Dense(3)(layers.TimeDistributed(layers.Dense(2))(sum)) as SymbolicTensor;
          return layers.SimpleRNN(2)(projected) as SymbolicTensor;
        },
        reference: ([a, b], [table, tk, tb, dk, db, ...w]) => {
          const sum = tf.add(tf.gather(table!, a!), tf.gather(table!, b!));
          const projected = tf.add(tf.matMul(tf.add(tf.matMul(tf.reshape(sum, [-1, 3]), tk!), tb!), dk!), db!);
          return refRnn(tf.reshape(projected, [BATCH, STEPS, 3]), w, { cell: 'simple_rnn', units: 2, mask: tf.mul(maskOf(a!), maskOf(b!)) })[0]!;
        },
      }),
    );
  });

  it('Concatenate on the last axis keeps a step any input keeps (an input without a mask keeps every step)', () => {
    const other = [
      [0, 0, 0, 0, 1, 1],
      [0, 1, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0],
      [0, 0, 1, 0, 0, 0],
    ];
    expectGraphAgreement(
      checkGraph({
        batch: BATCH,
        inputs: [ids, { shape: [STEPS], dtype: 'int32', values: () => Int32Array.from(other.flat()) }],
        build: ([a, b]) => {
          const joined = layers.Concatenate()([layers.Embedding(VOCAB, 2, { maskZero: true })(a!), layers.Embedding(2, 2, { maskZero: true })(b!)]) as SymbolicTensor;
          const unmaskedToo = layers.Concatenate()([joined, layers.Embedding(2, 1)(b!)]) as SymbolicTensor;
          return [layers.GRU(2)(joined) as SymbolicTensor, layers.GRU(2)(unmaskedToo) as SymbolicTensor];
        },
        reference: ([a, b], [ta, tb, tc, ...w]) => {
          const joined = tf.concat([tf.gather(ta!, a!), tf.gather(tb!, b!)], -1);
          const either = tf.cast(tf.logicalOr(tf.notEqual(a!, 0), tf.notEqual(b!, 0)), 'float32');
          return [
            refRnn(joined, w.slice(0, 3), { cell: 'gru', units: 2, mask: either })[0]!,
            refRnn(tf.concat([joined, tf.gather(tc!, b!)], -1), w.slice(3), { cell: 'gru', units: 2 })[0]!,
          ];
        },
      }),
    );
  });
});
