import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpy } from '../../electron/engine/data/readers/npy.js';
import { strata } from './helpers.js';

const MODELS = 'test/fixtures/models';

describe('strata with saved models', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-cli-'));
  const saved = join(dir, 'iris-run', 'model.keras');

  it('train --out saves a .keras file that evaluate, predict, summary and train read', async () => {
    const train = await strata(['train', `${MODELS}/iris.ts`, '--data', 'iris', '--epochs', '30', '--batch-size', '16', '--json', '--out', join(dir, 'iris-run')]);
    expect(train.code, train.stderr).toBe(0);
    expect(existsSync(saved)).toBe(true);
    const test = JSON.parse(train.stdout.trim().split('\n').pop()!).test;

    const evaluate = await strata(['evaluate', saved, '--data', 'iris', '--json']);
    expect(evaluate.code, evaluate.stderr).toBe(0);
    const logs = JSON.parse(evaluate.stdout);
    expect(logs.loss).toBeCloseTo(test.loss, 5);
    expect(logs.accuracy).toBeCloseTo(test.accuracy, 5);

    const predict = await strata(['predict', saved, '--data', 'iris', '--limit', '3', '--json', '--out', join(dir, 'p.npy')]);
    expect(predict.code, predict.stderr).toBe(0);
    const rows = predict.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toHaveProperty('class');
    expect(rows[0]).toHaveProperty('label');
    const all = readNpy(join(dir, 'p.npy'));
    expect(all.shape[0]).toBe(30);
    expect(Array.from(all.data.subarray(0, 3)).map((v) => Number(v.toPrecision(6)))).toEqual(rows[0][Object.keys(rows[0]).find((k) => Array.isArray(rows[0][k]))!]);

    const summary = await strata(['summary', saved]);
    expect(summary.code, summary.stderr).toBe(0);
    expect(summary.stdout).toMatch(/Total params:/);

    // Training a saved model continues from its weights and optimizer state.
    const more = await strata(['train', saved, '--data', 'iris', '--epochs', '1', '--batch-size', '16', '--json']);
    expect(more.code, more.stderr).toBe(0);
    const first = JSON.parse(more.stdout.split('\n')[0]!);
    const lastOfBefore = JSON.parse(train.stdout.trim().split('\n').slice(-2)[0]!);
    expect(first.loss).toBeLessThan(lastOfBefore.loss * 1.5);
  });

  it('explains what is wrong with a file that is not a model', async () => {
    const bad = join(dir, 'notes.keras');
    writeFileSync(bad, 'just text');
    const run = await strata(['evaluate', bad, '--data', 'iris']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/notes\.keras is a file starting with bytes .*; expected a model file: \.keras/);
  });

  it('refuses --out that is not .npy for predict', async () => {
    const run = await strata(['predict', saved, '--data', 'iris', '--out', join(dir, 'p.csv')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--out takes a file name ending in \.npy/);
  });

  it('lists evaluate and predict in help', async () => {
    const run = await strata(['--help']);
    expect(run.stdout).toMatch(/evaluate/);
    expect(run.stdout).toMatch(/predict/);
  });
});
