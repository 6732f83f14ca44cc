import { describe, expect, it } from 'vitest';
import { strata } from './helpers.js';

// The seed guide's recipe: 784→64→64→10, RMSprop, sparse CE from logits, batch 64, 5 epochs,
// validation split 0.2. The guide reports 0.9721 test accuracy.
describe('strata train on MNIST', () => {
  it('reaches at least 0.97 test accuracy with the seed recipe', { timeout: 300_000 }, async () => {
    const run = await strata(['train', 'examples/seeds/mnist_model.ts', '--data', 'mnist', '--epochs', '5', '--batch-size', '64', '--validation-split', '0.2', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(6);
    expect(lines[4].val_accuracy).toBeGreaterThan(0.96);
    expect(lines[5].test.accuracy).toBeGreaterThanOrEqual(0.97);
  });
});
