import { beforeEach, describe, expect, it } from 'vitest';
import { Input, Sequential, formatSummary, modelFromJSON, modelToJSON, resetNames, summarize, type SymbolicTensor } from '../../../electron/engine/graph/index.js';
import { layers } from '../../../electron/engine/layers/index.js';

beforeEach(() => resetNames());

describe('Sequential', () => {
  it('builds from inputShape on its first layer and prints the narrow Keras table without an input row', () => {
    const model = new Sequential(
      [layers.Dense(64, { activation: 'relu', inputShape: [784] }), layers.Dense(64, { activation: 'relu' }), layers.Dense(10)],
      { name: 'mlp' },
    );
    const text = formatSummary(summarize(model));
    expect(text.split('\n').slice(0, 6)).toEqual([
      'Model: "mlp"',
      '_'.repeat(65),
      'Layer (type)                 Output Shape              Param #   ',
      '='.repeat(65),
      'dense (Dense)                (None, 64)                50240     ',
      '_'.repeat(65),
    ]);
    expect(text).toContain('Total params: 55,050');
    expect(model.layers.map((l) => l.name)).toEqual(['dense', 'dense_1', 'dense_2']);
  });

  it('accepts an Input first, and grows with add() and shrinks with pop()', () => {
    const model = new Sequential([Input({ shape: [4] })]);
    expect(model.name).toBe('sequential');
    model.add(layers.Dense(8));
    model.add(layers.Dense(2));
    expect((model.outputs[0] as SymbolicTensor).shape).toEqual([null, 2]);
    expect(summarize(model).totalParams).toBe(4 * 8 + 8 + 8 * 2 + 2);
    model.pop();
    expect(model.outputs[0]!.shape).toEqual([null, 8]);
    expect(summarize(model).totalParams).toBe(40);
  });

  it('stays unbuilt without an input shape, and builds when called', () => {
    const model = new Sequential([layers.Dense(3), layers.Dense(1)]);
    expect(model.built).toBe(false);
    expect(() => summarize(model)).toThrow(/has not yet been built/);
    const y = model(Input({ shape: [5] })) as SymbolicTensor;
    expect(y.shape).toEqual([null, 1]);
    expect(summarize(model).totalParams).toBe(5 * 3 + 3 + 3 + 1);
  });

  it('refuses duplicate names and non-layers', () => {
    const model = new Sequential([layers.Dense(2, { name: 'a', inputShape: [3] })]);
    expect(() => model.add(layers.Dense(2, { name: 'a' }))).toThrow(/unique names. Name "a"/);
    expect(() => model.add(5 as never)).toThrow(/Only layers can be added/);
  });

  it('round-trips through JSON, input included', () => {
    const model = new Sequential([layers.Dense(4, { inputShape: [3], activation: 'tanh' }), layers.Dropout(0.5), layers.Dense(1)]);
    const json = modelToJSON(model);
    const back = modelFromJSON(json);
    expect(back).toBeInstanceOf(Sequential);
    expect(modelToJSON(back)).toBe(json);
    expect(summarize(back).totalParams).toBe(3 * 4 + 4 + 4 + 1);
  });
});

describe('freezing', () => {
  it('reaches the layers inside a model, as in Keras', () => {
    const inner = new Sequential([layers.Dense(4, { inputShape: [3] }), layers.Dense(2)]);
    const x = Input({ shape: [3] });
    const outer = new Sequential([x.sourceLayer as never]);
    outer.add(inner);
    outer.add(layers.Dense(1));
    inner.trainable = false;
    const s = summarize(outer);
    expect(s.nonTrainableParams).toBe(3 * 4 + 4 + 4 * 2 + 2);
    expect(s.trainableParams).toBe(2 + 1);
    inner.trainable = true;
    expect(summarize(outer).nonTrainableParams).toBe(0);
  });
});
