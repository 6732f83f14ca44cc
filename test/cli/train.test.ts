import { describe, expect, it } from 'vitest';
import { strata } from './helpers.js';

const MODELS = 'test/fixtures/models';

describe('strata train', { timeout: 120_000 }, () => {
  it('prints one JSON object per epoch and the test figures', async () => {
    const run = await strata(['train', 'examples/seeds/mnist_model.ts', '--data', 'blobs', '--epochs', '2', '--json', '--loss', 'sparse_categorical_crossentropy', '--from-logits', '--metrics', 'accuracy', '--validation-split', '0.25']);
    // blobs has 2 features, the model 784: the mismatch is reported clearly.
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Input "input_layer": the model expects samples of shape \(784\), the dataset has \(2\)/);
  });

  it('trains on iris with the JSON log Keras users expect', async () => {
    const run = await strata(['train', `${MODELS}/iris.ts`, '--data', 'iris', '--epochs', '3', '--batch-size', '16', '--validation-split', '0.2', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    expect(Object.keys(lines[0]).sort()).toEqual(['accuracy', 'epoch', 'loss', 'seconds', 'val_accuracy', 'val_loss']);
    expect(lines[0].epoch).toBe(1);
    expect(Object.keys(lines[3].test).sort()).toEqual(['accuracy', 'loss']);
  });

  it('needs a loss from the model file or the command line', async () => {
    const run = await strata(['train', `${MODELS}/mnist.ts`, '--data', 'iris']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/No loss/);
  });
});
