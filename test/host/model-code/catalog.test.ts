import { describe, expect, it } from 'vitest';
import { ACTIVATIONS } from '../../../electron/engine/graph/activations.js';
import { layers } from '../../../electron/engine/layers/index.js';
import { checkLayerOptions, layerCatalog } from '../../../electron/host/model-code/index.js';

describe('layerCatalog', () => {
  const catalog = layerCatalog();
  const byName = (name: string) => catalog.find((c) => c.className === name)!;

  it('offers every layer class of layers.* once, by family, and no base classes or aliases', () => {
    const names = catalog.map((c) => c.className);
    expect(new Set(names).size).toBe(names.length);
    for (const expected of ['Dense', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Concatenate', 'Add', 'BatchNormalization', 'ReLU', 'LSTM', 'Bidirectional', 'Embedding']) {
      expect(names).toContain(expected);
      expect(typeof (layers as Record<string, unknown>)[expected]).toBe('function');
    }
    expect(names).not.toContain('Layer');
    expect(names).not.toContain('InputLayer');
    expect(names).not.toContain('MaxPool2D');
    expect(byName('Conv2D').family).toBe('conv');
    expect(byName('Add').family).toBe('merge');
  });

  it('describes Dense: units by position and required, activation a choice among the engine activations', () => {
    const dense = byName('Dense');
    expect(dense).toMatchObject({ family: 'core', positional: ['units'] });
    expect(dense.options.find((o) => o.name === 'units')).toEqual({ name: 'units', kind: 'integer', required: true });
    expect(dense.options.find((o) => o.name === 'activation')).toEqual({
      name: 'activation',
      kind: 'choice',
      choices: [...ACTIVATIONS],
      default: 'linear',
      required: false,
    });
    expect(dense.options.find((o) => o.name === 'useBias')).toMatchObject({ kind: 'boolean', default: true });
    expect(dense.options.find((o) => o.name === 'kernelInitializer')).toMatchObject({ kind: 'choice', default: 'glorot_uniform' });
  });

  it('gives choices the engine accepts and defaults as code writes them', () => {
    const conv = byName('Conv2D');
    expect(conv.positional).toEqual(['filters', 'kernelSize']);
    expect(conv.options.find((o) => o.name === 'padding')).toMatchObject({ kind: 'choice', choices: ['valid', 'same'], default: 'valid' });
    expect(byName('Conv1D').options.find((o) => o.name === 'padding')!.choices).toEqual(['valid', 'same', 'causal']);
    expect(byName('Dropout').options.find((o) => o.name === 'rate')).toMatchObject({ kind: 'number', required: true });
    expect(byName('TimeDistributed').options.find((o) => o.name === 'layer')).toMatchObject({ kind: 'json', required: true });
  });
});

describe('checkLayerOptions', () => {
  it('flags a negative unit count on the units option', () => {
    const problems = checkLayerOptions('Dense', { units: -1 });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ option: 'units' });
    expect(problems[0]!.message).toContain('expected a positive integer. Received: units=-1');
  });

  it('accepts valid options and refuses unknown classes', () => {
    expect(checkLayerOptions('Dense', { units: 3, activation: 'relu' })).toEqual([]);
    expect(checkLayerOptions('Densest', {})[0]!.message).toMatch(/^Unknown layer class "Densest"; expected one of Dense, /);
  });
});
