import { beforeEach, describe, expect, it } from 'vitest';
import { Functional, Input, modelFromJSON, modelToJSON, resetNames, summarize } from '../../../electron/engine/graph/index.js';
import { layers } from '../../../electron/engine/layers/index.js';

beforeEach(() => resetNames());

function mnistModel() {
  const inputs = Input({ shape: [784], name: 'img' });
  let x = layers.Dense(64, { activation: 'relu' })(inputs);
  x = layers.Dense(64, { activation: 'relu' })(x);
  const outputs = layers.Dense(10)(x);
  return new Functional({ inputs, outputs, name: 'mnist_model' });
}

describe('Functional', () => {
  it('builds the seed MNIST model with Keras names, shapes and 55,050 parameters', () => {
    const s = summarize(mnistModel());
    expect(s.rows.map((r) => `${r.name} ${r.outputShape} ${r.params}`)).toEqual([
      'img [(None, 784)] 0',
      'dense (None, 64) 50240',
      'dense_1 (None, 64) 4160',
      'dense_2 (None, 10) 650',
    ]);
    expect(s.totalParams).toBe(55050);
  });

  it('round-trips through JSON to an identical graph', () => {
    const json = modelToJSON(mnistModel());
    expect(modelToJSON(modelFromJSON(json))).toBe(json);
  });
});
