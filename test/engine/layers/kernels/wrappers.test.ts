import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Input, Model, layers } from '../../../../electron/engine/frontends/dsl.js';
import type { SymbolicTensor } from '../../../../electron/engine/graph/index.js';
import { resetNames } from '../../../../electron/engine/graph/index.js';
import { Random } from '../../../../electron/engine/tensor/random.js';
import { Trainer } from '../../../../electron/engine/training/trainer.js';
import { checkLayer, closeness } from '../../../helpers/layer-check.js';
import { checkGraph, refRnn, type GraphCheckResult } from '../../../helpers/sequence-check.js';

// Tolerances: float32 kernels against tfjs' float32 CPU backend, relative 1e-4 with an
// absolute floor of 1e-5 (as for Dense and the recurrent layers).
function expectAgreement(r: ReturnType<typeof checkLayer>) {
  expect(closeness(r.output.strata, r.output.reference), 'output').toBeLessThanOrEqual(1);
  if (r.inputGradient) expect(closeness(r.inputGradient.strata, r.inputGradient.reference), 'input gradient').toBeLessThanOrEqual(1);
  for (const w of r.weightGradients) expect(closeness(w.strata, w.reference), w.name).toBeLessThanOrEqual(1);
}

function expectGraphAgreement(r: GraphCheckResult) {
  for (const p of [...r.outputs, ...r.inputGradients, ...r.weightGradients]) {
    expect(closeness(p.strata, p.reference), p.name).toBeLessThanOrEqual(1);
  }
}

const SIG = { recurrentActivation: 'sigmoid' as const };

describe('Bidirectional agrees with tfjs', () => {
  for (const mergeMode of ['concat', 'sum', 'mul', 'ave'] as const) {
    for (const returnSequences of [false, true]) {
      it(`LSTM, mergeMode ${mergeMode}, returnSequences ${returnSequences}`, () => {
        expectAgreement(
          checkLayer({
            layer: layers.Bidirectional(layers.LSTM(4, { returnSequences }), { mergeMode }),
            reference: tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 4, returnSequences, ...SIG }) as never, mergeMode }),
            inputShape: [5, 3],
          }),
        );
      });
    }
  }

  it('GRU (resetAfter false) and SimpleRNN, concat, full sequences', () => {
    expectAgreement(
      checkLayer({
        layer: layers.Bidirectional(layers.GRU(3, { resetAfter: false, returnSequences: true })),
        reference: tf.layers.bidirectional({ layer: tf.layers.gru({ units: 3, resetAfter: false, returnSequences: true, ...SIG } as never) as never }),
        inputShape: [4, 2],
      }),
    );
    expectAgreement(
      checkLayer({
        layer: layers.Bidirectional(layers.SimpleRNN(3, { returnSequences: true }), { mergeMode: 'sum' }),
        reference: tf.layers.bidirectional({ layer: tf.layers.simpleRNN({ units: 3, returnSequences: true }) as never, mergeMode: 'sum' }),
        inputShape: [4, 2],
      }),
    );
  });
});

/** Keras 3's Bidirectional in tfjs ops over refRnn: the backward output flipped when a sequence. */
function refBidirectional(
  x: tf.Tensor,
  w: tf.Tensor[],
  o: { cell: 'lstm' | 'gru' | 'simple_rnn'; units: number; returnSequences?: boolean; returnState?: boolean; mergeMode: string | null; initial?: tf.Tensor[] },
): tf.Tensor[] {
  const n = o.cell === 'lstm' ? 2 : 1;
  const half = w.length / 2;
  const common = { cell: o.cell, units: o.units, returnSequences: o.returnSequences, returnState: o.returnState };
  const [y, ...fs] = refRnn(x, w.slice(0, half), { ...common, initial: o.initial?.slice(0, n) });
  const [yr0, ...bs] = refRnn(x, w.slice(half), { ...common, goBackwards: true, initial: o.initial?.slice(n) });
  const yr = o.returnSequences ? tf.reverse(yr0!, 1) : yr0!;
  const merged =
    o.mergeMode === null ? [y!, yr]
    : o.mergeMode === 'concat' ? [tf.concat([y!, yr], -1)]
    : o.mergeMode === 'sum' ? [tf.add(y!, yr)]
    : o.mergeMode === 'mul' ? [tf.mul(y!, yr)]
    : [tf.div(tf.add(y!, yr), 2)];
  return [...merged, ...(o.returnState ? [...fs, ...bs] : [])];
}

describe('Bidirectional: mergeMode null, returnState, initialState, GRU resetAfter (tfjs-ops reference)', () => {
  it('mergeMode null returns both directions, the backward one in input-time order', () => {
    const o = { cell: 'lstm' as const, units: 3, returnSequences: true, mergeMode: null };
    expectGraphAgreement(
      checkGraph({
        inputs: [{ shape: [5, 2] }],
        build: ([x]) => layers.Bidirectional(layers.LSTM(3, { returnSequences: true }), { mergeMode: null })(x!) as SymbolicTensor[],
        reference: ([x], w) => refBidirectional(x!, w, o),
      }),
    );
  });

  for (const mergeMode of ['concat', null] as const) {
    it(`returnState gives [output(s), forward states, backward states] (mergeMode ${mergeMode})`, () => {
      const o = { cell: 'lstm' as const, units: 3, returnState: true, mergeMode };
      expectGraphAgreement(
        checkGraph({
          inputs: [{ shape: [4, 2] }],
          build: ([x]) => layers.Bidirectional(layers.LSTM(3, { returnState: true }), { mergeMode })(x!) as SymbolicTensor[],
          reference: ([x], w) => refBidirectional(x!, w, o),
        }),
      );
    });
  }

  it('initialState: the forward states then the backward states, gradients reaching all four', () => {
    const o = { cell: 'lstm' as const, units: 3, returnSequences: true, mergeMode: 'ave' };
    expectGraphAgreement(
      checkGraph({
        inputs: [{ shape: [4, 2] }, { shape: [3] }, { shape: [3] }, { shape: [3] }, { shape: [3] }],
        build: ([x, ...states]) =>
          layers.Bidirectional(layers.LSTM(3, { returnSequences: true }), { mergeMode: 'ave' })(x!, { initialState: states }) as SymbolicTensor,
        reference: ([x, ...states], w) => refBidirectional(x!, w, { ...o, initial: states }),
      }),
    );
  });

  it('GRU with resetAfter (Keras 3 default), mul, with returnState', () => {
    const o = { cell: 'gru' as const, units: 4, returnSequences: true, returnState: true, mergeMode: 'mul' };
    expectGraphAgreement(
      checkGraph({
        inputs: [{ shape: [3, 5] }],
        build: ([x]) => layers.Bidirectional(layers.GRU(4, { returnSequences: true, returnState: true }), { mergeMode: 'mul' })(x!) as SymbolicTensor[],
        reference: ([x], w) => refBidirectional(x!, w, o),
      }),
    );
  });

  it('a given backwardLayer of another kind and width (concat)', () => {
    expectGraphAgreement(
      checkGraph({
        inputs: [{ shape: [4, 2] }],
        build: ([x]) =>
          layers.Bidirectional(layers.LSTM(3, { returnSequences: true }), {
            backwardLayer: layers.GRU(5, { goBackwards: true, returnSequences: true }),
          })(x!) as SymbolicTensor,
        reference: ([x], w) => {
          const [y] = refRnn(x!, w.slice(0, 3), { cell: 'lstm', units: 3, returnSequences: true });
          const [yr] = refRnn(x!, w.slice(3), { cell: 'gru', units: 5, returnSequences: true, goBackwards: true });
          return tf.concat([y!, tf.reverse(yr!, 1)], -1);
        },
      }),
    );
  });
});

describe('TimeDistributed: the time axis folded into the batch', () => {
  it('over Dense agrees with tfjs (and with softmax, a row-wise activation)', () => {
    expectAgreement(
      checkLayer({
        layer: layers.TimeDistributed(layers.Dense(4, { activation: 'softmax' })),
        reference: tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 4, activation: 'softmax' }) }),
        inputShape: [5, 3],
      }),
    );
  });

  it('over a model (Dense → Dense), as in the seed guide, agrees with tfjs', () => {
    resetNames();
    const inner = Input({ shape: [6] });
    const h = layers.Dense(5, { activation: 'relu' })(inner) as SymbolicTensor;
    const model = Model({ inputs: inner, outputs: layers.Dense(3, { activation: 'softmax' })(h) as SymbolicTensor });
    const refModel = tf.sequential({
      layers: [tf.layers.dense({ units: 5, activation: 'relu', inputShape: [6] }), tf.layers.dense({ units: 3, activation: 'softmax' })],
    });
    const r = checkLayer({ layer: layers.TimeDistributed(model), reference: tf.layers.timeDistributed({ layer: refModel as never }), inputShape: [4, 6] });
    expectAgreement(r);
  });

  it('over an LSTM on a 4-D input (each of the outer steps is a sequence)', () => {
    expectGraphAgreement(
      checkGraph({
        inputs: [{ shape: [3, 5, 2] }],
        build: ([x]) => layers.TimeDistributed(layers.LSTM(4, { returnSequences: true }))(x!) as SymbolicTensor,
        reference: ([x], w) => tf.reshape(refRnn(tf.reshape(x!, [-1, 5, 2]), w, { cell: 'lstm', units: 4, returnSequences: true })[0]!, [-1, 3, 5, 4]),
      }),
    );
  });

  it('over an Embedding of int32 indices, then nested TimeDistributed(TimeDistributed(Dense))', () => {
    expectGraphAgreement(
      checkGraph({
        inputs: [{ shape: [3, 4], dtype: 'int32', values: (rng: Random, n: number) => Int32Array.from({ length: n }, () => Math.floor(rng.uniform() * 8)) }],
        build: ([x]) => {
          const e = layers.TimeDistributed(layers.Embedding(8, 5))(x!) as SymbolicTensor;
          return layers.TimeDistributed(layers.TimeDistributed(layers.Dense(2, { activation: 'tanh' })))(e) as SymbolicTensor;
        },
        reference: ([x], [table, kernel, bias]) => tf.tanh(tf.add(tf.matMul(tf.reshape(tf.gather(table!, x!), [-1, 5]), kernel as tf.Tensor2D), bias!)).reshape([-1, 3, 4, 2]),
      }),
    );
  });

  it('trains the seed guide time-distributed classifier in miniature: the loss falls', () => {
    resetNames();
    const inner = Input({ shape: [12] });
    let h = layers.Dense(16, { activation: 'relu' })(inner) as SymbolicTensor;
    h = layers.Dropout(0.1)(h) as SymbolicTensor;
    const classifier = Model({ inputs: inner, outputs: layers.Dense(3, { activation: 'softmax' })(h) as SymbolicTensor });
    const seq = Input({ shape: [5, 12] });
    const model = Model({ inputs: seq, outputs: layers.TimeDistributed(classifier)(seq) as SymbolicTensor });
    model.compile({ loss: 'categorical_crossentropy', optimizer: 'adam' });
    // Class of each step: which third of the features has the largest sum.
    const rng = new Random(8);
    const n = 128;
    const xs = Float32Array.from({ length: n * 5 * 12 }, () => rng.normal());
    const ys = new Float32Array(n * 5 * 3);
    for (let r = 0; r < n * 5; r++) {
      const sums = [0, 1, 2].map((k) => xs.slice(r * 12 + k * 4, r * 12 + k * 4 + 4).reduce((a, b) => a + b, 0));
      ys[r * 3 + sums.indexOf(Math.max(...sums))] = 1;
    }
    const history = new Trainer(model, 2).fit({ shape: [n, 5, 12], data: xs }, { shape: [n, 5, 3], data: ys }, { epochs: 40, batchSize: 16, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.5);
  });
});
