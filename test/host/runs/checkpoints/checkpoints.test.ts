import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { Input, Model, layers, losses } from '../../../../electron/engine/frontends/dsl.js';
import { resetNames } from '../../../../electron/engine/graph/index.js';
import { datasets } from '../../../../electron/engine/data/index.js';
import { saveModel } from '../../../../electron/engine/io/model-file.js';
import { optimizerState } from '../../../../electron/engine/training/optimizer-state.js';
import { Trainer } from '../../../../electron/engine/training/trainer.js';
import type { TrainingControl } from '../../../../electron/engine/training/callbacks.js';
import { getWeights } from '../../../../electron/engine/training/weights.js';
import { checkpointFileName, createCheckpointCallback, listCheckpoints, readCheckpoint } from '../../../../electron/host/runs/checkpoints/index.js';
import type { RunConfig } from '../../../../shared/ipc/training-schemas.js';

beforeEach(() => resetNames());

const folder = () => mkdtempSync(join(tmpdir(), 'strata-checkpoints-'));

function classifier() {
  const inputs = Input({ shape: [2], name: 'point' });
  const hidden = layers.Dense(8, { activation: 'relu', name: 'hidden' })(inputs);
  const model = Model({ inputs, outputs: layers.Dense(3, { name: 'scores' })(hidden), name: 'blobs_model' });
  model.compile({ optimizer: 'adam', loss: losses.SparseCategoricalCrossentropy({ fromLogits: true }), metrics: ['accuracy'] });
  return model;
}

function blobs() {
  const ds = datasets.toy('blobs', { samples: 200, testSamples: 20, seed: 3, classes: 3 });
  return { x: ds.splits.train.features.x!, y: ds.splits.train.targets.y! };
}

type Policy = RunConfig['checkpoints'];

/** A checkpoint callback driven by hand, epoch logs chosen by the test, on an untrained model. */
function drivenCallback(dir: string, policy: Policy, warnings: string[] = []) {
  const model = classifier();
  const trainer = new Trainer(model, 1);
  const callback = createCheckpointCallback({ policy, dir, trainer, model, onWarning: (m) => warnings.push(m) });
  const control = { stopTraining: false, learningRate: 0.001, model, syncModel: () => {}, snapshotWeights: () => [], restoreWeights: () => {} } satisfies TrainingControl;
  callback.setControl(control, { epochs: 10, steps: 1, samples: 1, verbose: 0 });
  return (epoch: number, logs: Record<string, number>) => callback.onEpochEnd(epoch, logs);
}

describe('checkpoint files', () => {
  it('restore weights, optimizer state, epoch and shuffle state: training on from one equals training straight through', async () => {
    const dir = folder();
    const { x, y } = blobs();
    const model = classifier();
    const trainer = new Trainer(model, 7);
    const policy: Policy = { everyEpochs: 2, best: null, last: false };
    const straight = trainer.fit(x, y, { epochs: 4, batchSize: 32, verbose: 0, callbacks: [createCheckpointCallback({ policy, dir, trainer, model })] });

    resetNames();
    const checkpoint = await readCheckpoint(join(dir, checkpointFileName(2)));
    expect(checkpoint.epoch).toBe(2);
    expect(checkpoint.warnings).toEqual([]);
    expect(checkpoint.logs.loss).toBeCloseTo(straight.history.loss![1]!, 6);
    const state = optimizerState(checkpoint.model)!;
    expect(state.iterations).toBe(2 * Math.ceil(200 / 32));
    expect([...state.slots.values()].every((slots) => slots.has('momentum') && slots.has('velocity'))).toBe(true);

    const resumed = new Trainer(checkpoint.model, 7);
    resumed.shuffleState = checkpoint.shuffleState;
    const continued = resumed.fit(x, y, { epochs: 4, initialEpoch: 2, batchSize: 32, verbose: 0 });
    expect(continued.history.loss).toEqual(straight.history.loss!.slice(2));
    expect(getWeights(checkpoint.model)).toEqual(getWeights(model));
  });

  it('without the saved shuffle state, the continued epochs see other batches (the state matters)', async () => {
    const dir = folder();
    const { x, y } = blobs();
    const model = classifier();
    const trainer = new Trainer(model, 7);
    const straight = trainer.fit(x, y, { epochs: 3, batchSize: 32, verbose: 0, callbacks: [createCheckpointCallback({ policy: { everyEpochs: 2, best: null, last: false }, dir, trainer, model })] });
    resetNames();
    const checkpoint = await readCheckpoint(join(dir, checkpointFileName(2)));
    const continued = new Trainer(checkpoint.model, 7).fit(x, y, { epochs: 3, initialEpoch: 2, batchSize: 32, verbose: 0 });
    expect(continued.history.loss![0]).not.toBe(straight.history.loss![2]);
  });

  it('a truncated file is left out of the list and refused by readCheckpoint, naming the file', async () => {
    const dir = folder();
    const save = drivenCallback(dir, { everyEpochs: 1, best: null, last: false });
    save(0, { loss: 1 });
    save(1, { loss: 0.5 });
    const whole = readFileSync(join(dir, checkpointFileName(2)));
    const cut = join(dir, checkpointFileName(3));
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));

    expect((await listCheckpoints(dir)).map((c) => c.file)).toEqual([checkpointFileName(1), checkpointFileName(2)]);
    await expect(readCheckpoint(cut)).rejects.toThrow(`Cannot read checkpoint: ${cut} is not a readable .keras archive: the zip is damaged or truncated`);
  });

  it('a .keras model saved outside a run is not listed, and readCheckpoint says what it lacks', async () => {
    const dir = folder();
    const plain = join(dir, 'exported.keras');
    saveModel(classifier(), plain);
    expect(await listCheckpoints(dir)).toEqual([]);
    await expect(readCheckpoint(plain)).rejects.toThrow(/exported\.keras is not a Strata checkpoint: its metadata\.json has no "strata_checkpoint" entry/);
    await expect(readCheckpoint(join(dir, 'missing.keras'))).rejects.toThrow(/missing\.keras does not exist/);
    expect(await listCheckpoints(join(dir, 'no-such-run'))).toEqual([]);
  });
});

describe('checkpoint policy', () => {
  it('keeps every 2nd epoch, the best by val_loss and the last; superseded files go, a file kept for two reasons is written once', async () => {
    const dir = folder();
    const save = drivenCallback(dir, { everyEpochs: 2, best: { monitor: 'val_loss', mode: 'min' }, last: true });
    [0.9, 0.5, 0.7, 0.6, 0.8].forEach((valLoss, epoch) => save(epoch, { loss: 1 / (epoch + 1), val_loss: valLoss }));

    expect(readdirSync(dir).sort()).toEqual(['epoch-0002.keras', 'epoch-0004.keras', 'epoch-0005.keras']);
    const listed = await listCheckpoints(dir);
    expect(listed.map((c) => [c.epoch, c.reasons])).toEqual([
      [2, ['every', 'best']],
      [4, ['every']],
      [5, ['last']],
    ]);
    expect(listed[0]!.logs).toEqual({ loss: 0.5, val_loss: 0.5 });
    expect(Date.parse(listed[2]!.savedAt)).not.toBeNaN();
  });

  it('a run resumed in the same folder goes on from the kept checkpoints: best so far and last', async () => {
    const dir = folder();
    const policy: Policy = { everyEpochs: null, best: { monitor: 'val_loss', mode: 'min' }, last: true };
    const first = drivenCallback(dir, policy);
    [0.9, 0.5, 0.7].forEach((valLoss, epoch) => first(epoch, { val_loss: valLoss }));
    // A write cut short by a kill leaves a hidden temp file; the next run clears it.
    writeFileSync(join(dir, '.epoch-0004.keras.123.abcd.tmp'), 'partial');

    resetNames();
    const resumed = drivenCallback(dir, policy);
    resumed(3, { val_loss: 0.6 });
    expect((await listCheckpoints(dir)).map((c) => [c.epoch, c.reasons])).toEqual([
      [2, ['best']],
      [4, ['last']],
    ]);
    resumed(4, { val_loss: 0.4 });
    expect(readdirSync(dir)).toEqual(['epoch-0005.keras']);
    expect((await listCheckpoints(dir)).map((c) => c.reasons)).toEqual([['best', 'last']]);
  });

  it('warns once when the monitored metric is missing, and keeps no best', async () => {
    const dir = folder();
    const warnings: string[] = [];
    const save = drivenCallback(dir, { everyEpochs: null, best: { monitor: 'val_accuracy', mode: 'max' }, last: true }, warnings);
    [0, 1, 2].forEach((epoch) => save(epoch, { loss: 1, accuracy: 0.5 }));
    expect(warnings).toEqual(['The checkpoint policy keeps the best epoch by "val_accuracy", which is not in the epoch logs (loss, accuracy); no checkpoint is kept as the best.']);
    expect((await listCheckpoints(dir)).map((c) => [c.epoch, c.reasons])).toEqual([[3, ['last']]]);
  });

  it('keeps nothing when the policy asks for nothing', () => {
    const dir = folder();
    drivenCallback(dir, { everyEpochs: null, best: null, last: false })(0, { loss: 1 });
    expect(readdirSync(dir)).toEqual([]);
  });
});
