import { beforeEach, describe, expect, it } from 'vitest';
import { Input, Model, layers } from '../../../../electron/engine/frontends/dsl.js';
import { resetNames } from '../../../../electron/engine/graph/index.js';
import type { Functional } from '../../../../electron/engine/graph/functional.js';
import { initializeWeights, weightValue } from '../../../../electron/engine/training/weights.js';
import { transferWeights } from '../../../../electron/host/runs/checkpoints/index.js';

beforeEach(() => resetNames());

/** 4 → hidden (8) → head (`headUnits`), the hidden layers inside a nested model "encoder"; optionally an extra layer after it. */
function model(headUnits: number, extra: boolean, seed: number): Functional {
  resetNames();
  const encoderIn = Input({ shape: [4], name: 'features' });
  const encoder = Model({ inputs: encoderIn, outputs: layers.Dense(8, { name: 'hidden', activation: 'relu' })(layers.Dense(6, { name: 'first' })(encoderIn)), name: 'encoder' });
  const inputs = Input({ shape: [4], name: 'x' });
  let h = encoder.apply(inputs) as ReturnType<typeof Input>;
  if (extra) h = layers.Dense(8, { name: 'extra' })(h);
  const out = Model({ inputs, outputs: layers.Dense(headUnits, { name: 'head' })(h), name: 'classifier' });
  initializeWeights(out, seed);
  return out;
}

const values = (m: Functional, layer: string) => m.weights.filter((w) => w.layer.name === layer).map((w) => [...weightValue(w)!]);

describe('transferWeights', () => {
  it('copies the layers that still fit by name and shape, nested ones by their own names, and names the rest', () => {
    const from = model(3, false, 1);
    const to = model(5, true, 2);
    const headBefore = values(to, 'head');
    const extraBefore = values(to, 'extra');

    expect(transferWeights(from, to)).toEqual({ reinitialized: ['extra', 'head'] });
    expect(values(to, 'first')).toEqual(values(from, 'first'));
    expect(values(to, 'hidden')).toEqual(values(from, 'hidden'));
    expect(values(to, 'head')).toEqual(headBefore);
    expect(values(to, 'extra')).toEqual(extraBefore);
  });

  it('copies values, not the arrays: training the new model leaves the old one as it was', () => {
    const from = model(3, false, 1);
    const to = model(3, false, 2);
    expect(transferWeights(from, to)).toEqual({ reinitialized: [] });
    weightValue(to.weights[0]!)!.fill(0);
    expect(values(from, 'first')[0]!.some((v) => v !== 0)).toBe(true);
  });

  it('finds a layer moved out of its nested model by its name', () => {
    const from = model(3, false, 1);
    resetNames();
    const inputs = Input({ shape: [4], name: 'x' });
    const flat = Model({ inputs, outputs: layers.Dense(3, { name: 'head' })(layers.Dense(8, { name: 'hidden' })(layers.Dense(6, { name: 'first' })(inputs))) });
    initializeWeights(flat, 3);
    expect(transferWeights(from, flat)).toEqual({ reinitialized: [] });
    expect(values(flat, 'hidden')).toEqual(values(from, 'hidden'));
  });
});
