import { describe, expect, it } from 'vitest';
import type { LayerClass } from '../../../shared/ipc/index.js';
import { newLayerOptions } from '../../../renderer/src/stores/new-layer-options.js';

const dense: LayerClass = {
  className: 'Dense',
  family: 'core',
  positional: ['units'],
  options: [
    { name: 'units', kind: 'integer', required: true },
    { name: 'activation', kind: 'choice', choices: ['linear', 'relu'], default: 'linear', required: false },
    { name: 'useBias', kind: 'boolean', default: true, required: false },
  ],
};

describe('options of a layer added from the palette', () => {
  it('fill required options and leave optional ones to their defaults', () => {
    expect(newLayerOptions(dense)).toEqual({ units: 32 });
  });

  it('give other required options a value of their kind', () => {
    const custom: LayerClass = {
      className: 'Odd',
      family: 'core',
      positional: [],
      options: [
        { name: 'mode', kind: 'choice', choices: ['a', 'b'], required: true },
        { name: 'scale', kind: 'number', required: true },
        { name: 'kernelSize', kind: 'shape', required: true },
      ],
    };
    expect(newLayerOptions(custom)).toEqual({ mode: 'a', scale: 0.5, kernelSize: 3 });
  });

  it('give no options for a class the catalog does not know', () => {
    expect(newLayerOptions(undefined)).toEqual({});
  });
});
