import { beforeEach, describe, expect, it } from 'vitest';
import { Input, Model, layers } from '../../../electron/engine/frontends/dsl.js';
import { resetNames, uniqueWeights } from '../../../electron/engine/graph/index.js';
import { getWeights } from '../../../electron/engine/training/weights.js';

beforeEach(() => resetNames());

describe('initial weights', () => {
  it('start an LSTM forget gate at one (unit_forget_bias), the other gates at zero', () => {
    const x = Input({ shape: [5, 3] });
    const model = Model({ inputs: x, outputs: layers.LSTM(4)(x) });
    const names = uniqueWeights(model.weights).map((w) => w.name);
    const bias = getWeights(model, 1)[names.indexOf('bias')]!;
    expect(Array.from(bias)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    resetNames();
    const y = Input({ shape: [5, 3] });
    const plain = Model({ inputs: y, outputs: layers.LSTM(4, { unitForgetBias: false })(y) });
    expect(Array.from(getWeights(plain, 1)[2]!).every((v) => v === 0)).toBe(true);
  });

  it('draw Glorot-uniform kernels within their limit, the same for the same seed', () => {
    const x = Input({ shape: [30] });
    const model = Model({ inputs: x, outputs: layers.Dense(20)(x) });
    const [kernel] = getWeights(model, 5);
    const limit = Math.sqrt(6 / (30 + 20));
    expect(kernel!.every((v) => Math.abs(v) <= limit)).toBe(true);
    expect(Math.max(...kernel!.map(Math.abs))).toBeGreaterThan(limit * 0.9);
  });
});
