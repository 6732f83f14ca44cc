import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { Input, Model, layers, losses } from '../../../electron/engine/frontends/dsl.js';
import { resetNames } from '../../../electron/engine/graph/index.js';
import { datasets } from '../../../electron/engine/data/index.js';
import { loadModelFile, loadWeights } from '../../../electron/engine/io/model-file.js';
import { formatPath, ModelCheckpoint } from '../../../electron/engine/training/model-checkpoint.js';
import { Trainer } from '../../../electron/engine/training/trainer.js';
import { getWeights, setWeights } from '../../../electron/engine/training/weights.js';

beforeEach(() => resetNames());

function setup() {
  const ds = datasets.toy('blobs', { samples: 256, testSamples: 64, seed: 3, classes: 3 });
  const inputs = Input({ shape: [2] });
  const model = Model({ inputs, outputs: layers.Dense(3)(layers.Dense(8, { activation: 'relu' })(inputs)) });
  model.compile({ optimizer: 'adam', loss: losses.SparseCategoricalCrossentropy({ fromLogits: true }) });
  return { model, x: ds.splits.train.features.x!, y: ds.splits.train.targets.y! };
}

describe('ModelCheckpoint', () => {
  it('fills Python-style fields in the file name', () => {
    expect(formatPath('ckpt/{epoch:02d}-{val_loss:.2f}.keras', { epoch: 3, val_loss: 0.12345 })).toBe('ckpt/03-0.12.keras');
    expect(formatPath('m{epoch}.keras', { epoch: 12 })).toBe('m12.keras');
    expect(() => formatPath('{accuracy:.2f}.keras', { epoch: 1 })).toThrow(/uses \{accuracy\}, which is not among epoch/);
  });

  it('saves a loadable .keras file after every epoch, named by epoch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-ckpt-'));
    const { model, x, y } = setup();
    new Trainer(model, 1).fit(x, y, { epochs: 3, batchSize: 32, verbose: 0, callbacks: [new ModelCheckpoint(join(dir, 'run', 'e{epoch:02d}.keras'), { monitor: 'loss' })] });
    expect(readdirSync(join(dir, 'run')).sort()).toEqual(['e01.keras', 'e02.keras', 'e03.keras']);
    resetNames();
    const last = await loadModelFile(join(dir, 'run', 'e03.keras'));
    expect(getWeights(last.model)).toEqual(getWeights(model));
    const first = await loadModelFile(join(dir, 'run', 'e01.keras'));
    expect(getWeights(first.model)).not.toEqual(getWeights(model));
  });

  it('with saveBestOnly saves only when the monitored value improves', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-ckpt-'));
    const { model, x, y } = setup();
    // Loss falls every epoch, so "max" mode sees an improvement only at the first epoch.
    const best = new ModelCheckpoint(join(dir, 'best-{epoch}.keras'), { monitor: 'loss', mode: 'max', saveBestOnly: true });
    new Trainer(model, 1).fit(x, y, { epochs: 3, batchSize: 32, verbose: 0, callbacks: [best] });
    expect(readdirSync(dir)).toEqual(['best-1.keras']);
  });

  it('saves weights only to .weights.h5, which load_weights reads back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-ckpt-'));
    const { model, x, y } = setup();
    const path = join(dir, 'w.weights.h5');
    new Trainer(model, 1).fit(x, y, { epochs: 2, batchSize: 32, verbose: 0, callbacks: [new ModelCheckpoint(path, { saveWeightsOnly: true })] });
    expect(existsSync(path)).toBe(true);
    const trained = getWeights(model);
    setWeights(model, trained.map((w) => new Float32Array(w.length)));
    expect(await loadWeights(model, path)).toEqual([]);
    expect(getWeights(model)).toEqual(trained);
  });

  it('refuses a file name that does not fit what it saves', () => {
    expect(() => new ModelCheckpoint('model.h5')).toThrow(/must end in \.keras/);
    expect(() => new ModelCheckpoint('model.keras', { saveWeightsOnly: true })).toThrow(/must end in \.weights\.h5 when saveWeightsOnly is true/);
    expect(() => new ModelCheckpoint('m.keras', { saveFreq: 0 })).toThrow(/saveFreq must be 'epoch' or a positive whole number/);
  });
});
