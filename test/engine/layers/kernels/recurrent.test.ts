import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Input, Model, layers } from '../../../../electron/engine/frontends/dsl.js';
import type { SymbolicTensor } from '../../../../electron/engine/graph/index.js';
import { resetNames } from '../../../../electron/engine/graph/index.js';
import { Random } from '../../../../electron/engine/tensor/random.js';
import { Trainer } from '../../../../electron/engine/training/trainer.js';
import { weightValue } from '../../../../electron/engine/training/weights.js';
import { checkLayer, closeness } from '../../../helpers/layer-check.js';
import { checkGraph, refRnn, type GraphCheckResult, type RefRnnOptions } from '../../../helpers/sequence-check.js';

// Tolerances: float32 kernels against tfjs' float32 CPU backend. A recurrence over T steps
// compounds rounding a little, and tfjs sums in another order, so relative 1e-4 with an
// absolute floor of 1e-5 as for Dense; the checks below stay well inside it (worst ~0.02).
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

let frozenWeights: Array<{ shape: number[]; value: Float32Array }> = [];

// tfjs defaults the gates to its own hard_sigmoid; Keras 3 uses sigmoid.
const SIG = { recurrentActivation: 'sigmoid' as const };

describe('recurrent kernels agree with tfjs layers', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['last output', {}],
    ['returnSequences', { returnSequences: true }],
    ['goBackwards', { goBackwards: true }],
    ['goBackwards with returnSequences', { goBackwards: true, returnSequences: true }],
    ['relu activation', { activation: 'relu', returnSequences: true }],
    ['no bias', { useBias: false, returnSequences: true }],
  ];
  for (const [what, options] of cases) {
    it(`SimpleRNN, ${what}`, () => {
      expectAgreement(
        checkLayer({ layer: layers.SimpleRNN(4, options), reference: tf.layers.simpleRNN({ units: 4, ...options }), inputShape: [6, 3] }),
      );
    });
    it(`LSTM, ${what}`, () => {
      expectAgreement(
        checkLayer({ layer: layers.LSTM(4, options), reference: tf.layers.lstm({ units: 4, ...SIG, ...options }), inputShape: [6, 3] }),
      );
    });
    it(`GRU (resetAfter false), ${what}`, () => {
      const opts = { resetAfter: false, ...options };
      expectAgreement(
        checkLayer({ layer: layers.GRU(4, opts), reference: tf.layers.gru({ units: 4, ...SIG, ...opts } as never), inputShape: [6, 3] }),
      );
    });
  }

  it('LSTM with softsign gates and elu, two timesteps', () => {
    const options = { recurrentActivation: 'softsign', activation: 'elu', returnSequences: true };
    expectAgreement(checkLayer({ layer: layers.LSTM(3, options), reference: tf.layers.lstm({ units: 3, ...(options as object) }), inputShape: [2, 2] }));
  });

  // Enough rows and units that the element-wise passes and GEMMs split over the thread pool.
  it('LSTM and GRU on a large batch (work split over threads)', () => {
    expectAgreement(
      checkLayer({ layer: layers.LSTM(64, { returnSequences: true }), reference: tf.layers.lstm({ units: 64, ...SIG, returnSequences: true }), inputShape: [5, 16], batch: 70 }),
    );
    expectAgreement(
      checkLayer({ layer: layers.GRU(48, { resetAfter: false }), reference: tf.layers.gru({ units: 48, ...SIG, resetAfter: false } as never), inputShape: [5, 16], batch: 70 }),
    );
  });
});

/** A recurrent layer on one sequence input (plus initial states), against refRnn. */
function checkRnn(
  make: () => (x: SymbolicTensor, kwargs?: Record<string, unknown>) => unknown,
  ref: RefRnnOptions,
  opts: { steps?: number; features?: number; initial?: number; batch?: number } = {},
) {
  const steps = opts.steps ?? 5, features = opts.features ?? 3, nInitial = opts.initial ?? 0;
  return checkGraph({
    batch: opts.batch,
    inputs: [{ shape: [steps, features] }, ...Array.from({ length: nInitial }, () => ({ shape: [ref.units] }))],
    build: ([x, ...states]) => {
      const layer = make();
      return (nInitial > 0 ? layer(x!, { initialState: states }) : layer(x!)) as SymbolicTensor | SymbolicTensor[];
    },
    reference: ([x, ...states], w) => refRnn(x!, w, { ...ref, initial: states.length > 0 ? states : undefined }),
  });
}

describe('GRU with resetAfter (Keras 3 default; tfjs lacks it) agrees with a tfjs-ops reference', () => {
  for (const [what, options] of [
    ['last output', {}],
    ['returnSequences', { returnSequences: true }],
    ['goBackwards with returnSequences', { goBackwards: true, returnSequences: true }],
    ['no bias', { useBias: false }],
    ['relu and hard_sigmoid', { activation: 'relu', recurrentActivation: 'hard_sigmoid', returnSequences: true }],
  ] as Array<[string, Record<string, unknown>]>) {
    it(what, () => {
      expectGraphAgreement(checkRnn(() => layers.GRU(4, options), { cell: 'gru', units: 4, resetAfter: true, ...options }));
    });
  }

  it('on a large batch', () => {
    expectGraphAgreement(checkRnn(() => layers.GRU(40, { returnSequences: true }), { cell: 'gru', units: 40, returnSequences: true }, { batch: 60, features: 8, steps: 3 }));
  });

  it('the reference itself matches tfjs for resetAfter false', () => {
    // Confidence in refRnn: where tfjs has the layer, reference and Strata agree too.
    expectGraphAgreement(checkRnn(() => layers.GRU(4, { resetAfter: false, returnSequences: true }), { cell: 'gru', units: 4, resetAfter: false, returnSequences: true }));
  });
});

describe('returnState and initialState (gradients reach the initial states)', () => {
  const kinds = [
    ['SimpleRNN', 'simple_rnn', 1],
    ['LSTM', 'lstm', 2],
    ['GRU', 'gru', 1],
  ] as const;
  for (const [name, cell, nStates] of kinds) {
    const make = (options: Record<string, unknown>) => () => (layers as unknown as Record<string, (u: number, o: object) => never>)[name]!(4, options);
    it(`${name}: returnState gives [output, ...states]`, () => {
      expectGraphAgreement(checkRnn(make({ returnState: true }), { cell, units: 4, returnState: true }));
    });
    it(`${name}: returnSequences and returnState, going backwards`, () => {
      const o = { returnState: true, returnSequences: true, goBackwards: true };
      expectGraphAgreement(checkRnn(make(o), { cell, units: 4, ...o }));
    });
    it(`${name}: initialState as call kwargs`, () => {
      expectGraphAgreement(checkRnn(make({ returnSequences: true }), { cell, units: 4, returnSequences: true }, { initial: nStates }));
    });
    it(`${name}: initialState and returnState, one timestep`, () => {
      expectGraphAgreement(checkRnn(make({ returnState: true }), { cell, units: 4, returnState: true }, { initial: nStates, steps: 1 }));
    });
  }

  it("an encoder's states start a decoder (Keras' seq2seq shape), trained end to end", () => {
    const r = checkGraph({
      inputs: [{ shape: [4, 3] }, { shape: [5, 2] }],
      build: ([enc, dec]) => {
        const [, h, c] = layers.LSTM(6, { returnState: true })(enc!) as SymbolicTensor[];
        return layers.LSTM(6, { returnSequences: true })(dec!, { initialState: [h!, c!] }) as SymbolicTensor;
      },
      reference: ([enc, dec], w) => {
        const [, h, c] = refRnn(enc!, w.slice(0, 3), { cell: 'lstm', units: 6, returnState: true });
        return refRnn(dec!, w.slice(3), { cell: 'lstm', units: 6, returnSequences: true, initial: [h!, c!] });
      },
    });
    expectGraphAgreement(r);
  });

  it('a layer called twice accumulates its weight gradients', () => {
    const r = checkGraph({
      inputs: [{ shape: [4, 3] }, { shape: [4, 3] }],
      build: ([a, b]) => {
        const gru = layers.GRU(5);
        return [gru(a!) as SymbolicTensor, gru(b!) as SymbolicTensor];
      },
      reference: ([a, b], w) => [refRnn(a!, w, { cell: 'gru', units: 5 })[0]!, refRnn(b!, w, { cell: 'gru', units: 5 })[0]!],
    });
    expectGraphAgreement(r);
  });
});

describe('dropout, errors and training', () => {
  it('input dropout: one mask per sample and feature for every timestep; inference unaffected; gradients pass a finite-difference check', () => {
    resetNames();
    const x = Input({ shape: [4, 6] });
    const y = layers.LSTM(3, { dropout: 0.5, seed: 3 })(x) as SymbolicTensor;
    const model = Model({ inputs: x, outputs: y });
    model.compile({ loss: 'mse', optimizer: 'sgd' });
    const trainer = new Trainer(model, 5);
    const rng = new Random(2);
    const xs = { shape: [2, 4, 6], data: Float32Array.from({ length: 48 }, () => rng.normal()) };
    const ys = { shape: [2, 3], data: Float32Array.from({ length: 6 }, () => rng.normal()) };

    // Inference: no dropout, so it matches the reference without dropout.
    const weights = model.weights.map((w) => tf.tensor(trainer.weights()[model.weights.indexOf(w)]!, w.shape));
    const ref = refRnn(tf.tensor(xs.data, xs.shape), weights, { cell: 'lstm', units: 3 })[0]!.dataSync() as Float32Array;
    expect(closeness(trainer.predict(xs, { batchSize: 2 })[0]!.data as Float32Array, ref)).toBeLessThanOrEqual(1);

    // Training: a feature dropped for a sample is dropped at every timestep (zero gradient).
    const g = trainer.gradients(xs, ys);
    let dropped = 0;
    for (let b = 0; b < 2; b++) {
      for (let f = 0; f < 6; f++) {
        const col = [0, 1, 2, 3].map((t) => g.inputs[0]![(b * 4 + t) * 6 + f]!);
        const zeros = col.filter((v) => v === 0).length;
        expect(zeros === 0 || zeros === 4, `sample ${b} feature ${f}`).toBe(true);
        if (zeros === 4) dropped++;
      }
    }
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThan(12);

    // The same plan seed and step give the same mask, so the loss is a smooth function of x.
    const eps = 1e-2;
    for (const i of [0, 7, 20, 33, 47]) {
      const plus = Float32Array.from(xs.data);
      const minus = Float32Array.from(xs.data);
      plus[i]! += eps;
      minus[i]! -= eps;
      const numeric = (trainer.gradients({ shape: xs.shape, data: plus }, ys).loss - trainer.gradients({ shape: xs.shape, data: minus }, ys).loss) / (2 * eps);
      expect(Math.abs(numeric - g.inputs[0]![i]!)).toBeLessThan(2e-3 + 2e-2 * Math.abs(numeric));
    }
  });

  it('says what is not supported yet: recurrentDropout in training, stateful, softmax cells', () => {
    const train = (make: (x: SymbolicTensor) => SymbolicTensor) => {
      resetNames();
      const x = Input({ shape: [3, 2], batchSize: 2 });
      const model = Model({ inputs: x, outputs: make(x) });
      model.compile({ loss: 'mse', optimizer: 'sgd' });
      return () => new Trainer(model).fit({ shape: [2, 3, 2], data: new Float32Array(12) }, { shape: [2, 4], data: new Float32Array(8) }, { verbose: 0, batchSize: 2 });
    };
    expect(train((x) => layers.LSTM(4, { recurrentDropout: 0.2 })(x) as SymbolicTensor)).toThrow(/lstm.*recurrentDropout.*not supported in training/i);
    expect(train((x) => layers.GRU(4, { stateful: true })(x) as SymbolicTensor)).toThrow(/stateful: true.*not supported/);
    expect(train((x) => layers.SimpleRNN(4, { activation: 'softmax' })(x) as SymbolicTensor)).toThrow(/softmax.*not supported inside a recurrent cell/);
    resetNames();
    const ids = Input({ shape: [3, 1], dtype: 'int32' });
    const model = Model({ inputs: ids, outputs: layers.LSTM(2)(ids) as SymbolicTensor });
    model.compile({ loss: 'mse', optimizer: 'sgd' });
    expect(() => new Trainer(model).predict({ shape: [1, 3, 1], data: new Int32Array(3) })).toThrow(/takes float32 sequences, but its input is int32.*Embedding/);
  });

  it('a frozen recurrent layer still passes gradients to the layers before it', () => {
    const r = checkGraph({
      inputs: [{ shape: [5], dtype: 'int32', values: (rng, n) => Int32Array.from({ length: n }, () => Math.floor(rng.uniform() * 6)) }],
      build: ([ids]) => {
        const lstm = layers.LSTM(3, { trainable: false });
        return lstm(layers.Embedding(6, 4)(ids!) as SymbolicTensor) as SymbolicTensor;
      },
      // Only the embedding table is trainable; the LSTM's weights are fixed inputs of the reference.
      reference: ([ids], [table]) => {
        const frozen = frozenWeights.map((w) => tf.tensor(w.value, w.shape));
        return refRnn(tf.gather(table!, ids!), frozen, { cell: 'lstm', units: 3 })[0]!;
      },
      onModel: (model) => {
        frozenWeights = model.weights.filter((w) => !w.trainable).map((w) => ({ shape: w.shape, value: weightValue(w)! }));
      },
    });
    expectGraphAgreement(r);
    expect(r.weightGradients.map((w) => w.name)).toEqual(['embedding/embeddings']);
  });

  it('fits a sequence task: the loss falls (LSTM and GRU stacked, returnSequences)', () => {
    resetNames();
    const x = Input({ shape: [8, 2] });
    let h = layers.GRU(16, { returnSequences: true })(x) as SymbolicTensor;
    h = layers.LSTM(16)(h) as SymbolicTensor;
    const y = layers.Dense(1)(h) as SymbolicTensor;
    const model = Model({ inputs: x, outputs: y });
    model.compile({ loss: 'mse', optimizer: 'adam' });
    // Target: the sum of the first feature over time (needs memory of every step).
    const rng = new Random(4);
    const n = 256;
    const xs = Float32Array.from({ length: n * 16 }, () => rng.uniform() - 0.5);
    const ys = Float32Array.from({ length: n }, (_, i) => {
      let s = 0;
      for (let t = 0; t < 8; t++) s += xs[(i * 8 + t) * 2]!;
      return s;
    });
    const history = new Trainer(model, 3).fit({ shape: [n, 8, 2], data: xs }, { shape: [n, 1], data: ys }, { epochs: 15, batchSize: 32, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.3);
  });

  it("trains the seed guide's headline model in miniature (Embedding → LSTM → Dense, two inputs, two outputs, lossWeights)", () => {
    // As in headline_model.ts: int32 word ids → Embedding → LSTM, an auxiliary sigmoid output on
    // the LSTM, a main sigmoid output after Dense layers, rmsprop, binary cross-entropy on both
    // with loss weights 1.0 / 0.2. (The auxiliary input reaches the LSTM as its initial state
    // here rather than through concatenate, whose kernels belong to the merge family.)
    resetNames();
    const mainInput = Input({ shape: [12], dtype: 'int32', name: 'main_input' });
    const auxInput = Input({ shape: [5], name: 'aux_input' });
    const h0 = layers.Dense(8, { activation: 'tanh' })(auxInput) as SymbolicTensor;
    const c0 = layers.Dense(8)(auxInput) as SymbolicTensor;
    const embedded = layers.Embedding(50, 8, { inputLength: 12 })(mainInput) as SymbolicTensor;
    const lstmOut = layers.LSTM(8)(embedded, { initialState: [h0, c0] }) as SymbolicTensor;
    const auxOutput = layers.Dense(1, { activation: 'sigmoid', name: 'aux_output' })(lstmOut) as SymbolicTensor;
    let x = layers.Dense(16, { activation: 'relu' })(lstmOut) as SymbolicTensor;
    x = layers.Dense(16, { activation: 'relu' })(x) as SymbolicTensor;
    const mainOutput = layers.Dense(1, { activation: 'sigmoid', name: 'main_output' })(x) as SymbolicTensor;
    const model = Model({ inputs: [mainInput, auxInput], outputs: [mainOutput, auxOutput] });
    model.compile({
      optimizer: 'rmsprop',
      loss: { main_output: 'binary_crossentropy', aux_output: 'binary_crossentropy' },
      lossWeights: { main_output: 1.0, aux_output: 0.2 },
    });
    // main: more low word ids than high ones, flipped by the sign of the first aux feature;
    // aux: more low word ids than high ones.
    const rng = new Random(6);
    const n = 256;
    const words = Int32Array.from({ length: n * 12 }, () => Math.floor(rng.uniform() * 50));
    const aux = Float32Array.from({ length: n * 5 }, () => rng.normal());
    const low = (i: number) => words.slice(i * 12, i * 12 + 12).filter((w) => w < 25).length > 6;
    const auxY = Float32Array.from({ length: n }, (_, i) => (low(i) ? 1 : 0));
    const mainY = Float32Array.from({ length: n }, (_, i) => (low(i) !== aux[i * 5]! > 0 ? 1 : 0));
    const history = new Trainer(model, 4).fit(
      { main_input: { shape: [n, 12], data: words }, aux_input: { shape: [n, 5], data: aux } },
      { main_output: { shape: [n, 1], data: mainY }, aux_output: { shape: [n, 1], data: auxY } },
      { epochs: 60, batchSize: 32, verbose: 0 },
    );
    const loss = history.history.loss as number[];
    const main = history.history.main_output_loss as number[];
    const auxLoss = history.history.aux_output_loss as number[];
    // The total is main + 0.2 · aux.
    expect(loss[0]!).toBeCloseTo(main[0]! + 0.2 * auxLoss[0]!, 4);
    expect(loss[loss.length - 1]!).toBeLessThan(loss[0]! * 0.85);
    expect(main[main.length - 1]!).toBeLessThan(main[0]! * 0.85);
    expect(auxLoss[auxLoss.length - 1]!).toBeLessThan(auxLoss[0]!);
  });
});
