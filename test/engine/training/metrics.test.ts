import { beforeEach, describe, expect, it } from 'vitest';
import { Input, Model, layers } from '../../../electron/engine/frontends/dsl.js';
import { resetNames } from '../../../electron/engine/graph/index.js';
import { Random } from '../../../electron/engine/tensor/random.js';
import { Trainer } from '../../../electron/engine/training/trainer.js';

beforeEach(() => resetNames());

/** A model that outputs its input, so evaluate() scores the predictions we give it. */
function scorer(units: number, metrics: string[], loss = 'mse') {
  const inputs = Input({ shape: [units] });
  const model = Model({ inputs, outputs: layers.Activation('linear')(inputs) });
  model.compile({ optimizer: 'sgd', loss, metrics });
  return model;
}

function scores(n: number, units: number, seed: number) {
  const rng = new Random(seed);
  const pred = new Float32Array(n * units).map(() => rng.uniform());
  const labels = Int32Array.from({ length: n }, () => Math.floor(rng.uniform() * units));
  // Binary targets that agree with the scores more often than not.
  const binary = pred.map((p) => (rng.uniform() < 0.3 ? Number(rng.uniform() < 0.5) : Number(p > 0.5)));
  return { pred, labels, binary };
}

/** Keras' thresholded ROC AUC, written out directly from its definition. */
function kerasAuc(pred: Float32Array, truth: Float32Array): number {
  const t = 200;
  const thresholds = Array.from({ length: t }, (_, j) => (j === 0 ? -1e-7 : j === t - 1 ? 1 + 1e-7 : Math.fround(j / (t - 1))));
  const tpr: number[] = [];
  const fpr: number[] = [];
  for (const thr of thresholds) {
    let tp = 0, fp = 0, fn = 0, tn = 0;
    pred.forEach((p, i) => {
      const yes = p > thr;
      if (truth[i]! > 0.5) yes ? tp++ : fn++;
      else yes ? fp++ : tn++;
    });
    tpr.push(tp / (tp + fn || 1));
    fpr.push(fp / (fp + tn || 1));
  }
  let area = 0;
  for (let j = 0; j < t - 1; j++) area += (fpr[j]! - fpr[j + 1]!) * (tpr[j]! + tpr[j + 1]!) / 2;
  return area;
}

/** The exact ROC AUC: the chance a positive outscores a negative. */
function exactAuc(pred: Float32Array, truth: Float32Array): number {
  let wins = 0, pairs = 0;
  pred.forEach((p, i) => {
    if (truth[i]! <= 0.5) return;
    pred.forEach((q, j) => {
      if (truth[j]! > 0.5) return;
      pairs++;
      wins += p > q ? 1 : p === q ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe('metrics', () => {
  it('auc, precision and recall over an epoch match their definitions', () => {
    const n = 300;
    const { pred, binary } = scores(n, 1, 4);
    const model = scorer(1, ['auc', 'precision', 'recall', 'binary_accuracy']);
    const logs = new Trainer(model).evaluate({ shape: [n, 1], data: pred }, { shape: [n, 1], data: binary }, { batchSize: 32 });
    let tp = 0, fp = 0, fn = 0, hits = 0;
    pred.forEach((p, i) => {
      const yes = p > 0.5, truth = binary[i]! > 0.5;
      tp += Number(yes && truth);
      fp += Number(yes && !truth);
      fn += Number(!yes && truth);
      hits += Number(yes === truth);
    });
    expect(logs.precision).toBeCloseTo(tp / (tp + fp), 6);
    expect(logs.recall).toBeCloseTo(tp / (tp + fn), 6);
    expect(logs.binary_accuracy).toBeCloseTo(hits / n, 6);
    expect(logs.auc).toBeCloseTo(kerasAuc(pred, binary), 6);
    expect(Math.abs(logs.auc! - exactAuc(pred, binary))).toBeLessThan(0.01);
  });

  it('accuracy, top-k, mae and mse match their definitions', () => {
    const n = 200, units = 6;
    const { pred, labels } = scores(n, units, 9);
    const onehot = new Float32Array(n * units);
    labels.forEach((l, i) => (onehot[i * units + l] = 1));
    const model = scorer(units, ['categorical_accuracy', 'top_k_categorical_accuracy', 'mae', 'mse']);
    const logs = new Trainer(model).evaluate({ shape: [n, units], data: pred }, { shape: [n, units], data: onehot }, { batchSize: 32 });
    let acc = 0, top5 = 0, mae = 0, mse = 0;
    for (let i = 0; i < n; i++) {
      const row = Array.from(pred.subarray(i * units, (i + 1) * units));
      const best = row.indexOf(Math.max(...row));
      acc += Number(best === labels[i]);
      top5 += Number(row.filter((v) => v > row[labels[i]!]!).length < 5);
      row.forEach((v, j) => {
        mae += Math.abs(v - onehot[i * units + j]!) / (n * units);
        mse += (v - onehot[i * units + j]!) ** 2 / (n * units);
      });
    }
    expect(logs.categorical_accuracy).toBeCloseTo(acc / n, 6);
    expect(logs.top_k_categorical_accuracy).toBeCloseTo(top5 / n, 6);
    expect(logs.mae).toBeCloseTo(mae, 5);
    expect(logs.mse).toBeCloseTo(mse, 5);
  });

  it('names what is available when a metric is unknown', () => {
    expect(() => scorer(2, ['f1_score'])).toThrow(/Unknown metric: expected one of accuracy, .*auc, precision, recall; received "f1_score"/);
  });
});
