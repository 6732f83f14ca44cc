import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { strata } from './helpers.js';

const MODELS = 'test/fixtures/models';

describe('strata convert', { timeout: 120_000 }, () => {
  it('carries a trained model through .keras, .h5 and TensorFlow.js with the same predictions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-convert-'));
    const keras = join(dir, 'iris.keras');
    const train = await strata(['train', `${MODELS}/iris.ts`, '--data', 'iris', '--epochs', '5', '--json', '--out', keras]);
    expect(train.code, train.stderr).toBe(0);
    const h5 = join(dir, 'iris.h5');
    const tfjs = join(dir, 'web', 'model.json');
    const back = join(dir, 'back.keras');
    for (const [from, to] of [[keras, h5], [h5, tfjs], [tfjs, back]] as const) {
      const run = await strata(['convert', from, to]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`Wrote ${to}`);
      expect(existsSync(to)).toBe(true);
    }
    const predictions = async (model: string) => (await strata(['predict', model, '--data', 'iris', '--limit', '5', '--json'])).stdout;
    const first = await predictions(keras);
    expect(first.trim().split('\n')).toHaveLength(5);
    expect(await predictions(h5)).toBe(first);
    expect(await predictions(join(dir, 'web'))).toBe(first);
    expect(await predictions(back)).toBe(first);
  });

  it('says which formats it writes', async () => {
    const run = await strata(['convert', `${MODELS}/iris.ts`, join(tmpdir(), 'model.onnx')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/expected a file name ending in \.keras or \.h5, or a path ending in model\.json/);
  });
});
