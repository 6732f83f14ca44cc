import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Input, Model, layers } from '../../../electron/engine/frontends/dsl.js';
import { resetNames } from '../../../electron/engine/graph/index.js';
import { Callback, CSVLogger, type Logs } from '../../../electron/engine/training/callbacks.js';
import { Trainer } from '../../../electron/engine/training/trainer.js';

let dir: string;
beforeEach(() => {
  resetNames();
  dir = mkdtempSync(join(tmpdir(), 'strata-csv-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function regression() {
  const x = Input({ shape: [2] });
  const model = Model({ inputs: x, outputs: layers.Dense(1)(x) });
  model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
  const n = 32;
  const xs = { shape: [n, 2], data: Float32Array.from({ length: 2 * n }, (_, i) => Math.sin(i)) };
  const ys = { shape: [n, 1], data: Float32Array.from({ length: n }, (_, i) => xs.data[2 * i]! - xs.data[2 * i + 1]!) };
  return { trainer: new Trainer(model, 1), xs, ys };
}

describe('CSVLogger', () => {
  it('writes a header of epoch and the sorted log keys, then one row per epoch, as each epoch ends', () => {
    const file = join(dir, 'log.csv');
    const { trainer, xs, ys } = regression();
    const rowsSeen: number[] = [];
    class Peek extends Callback {
      override onEpochEnd() {
        rowsSeen.push(readFileSync(file, 'utf8').trim().split('\n').length);
      }
    }
    const h = trainer.fit(xs, ys, { epochs: 3, batchSize: 8, validationSplit: 0.25, verbose: 0, callbacks: [new CSVLogger(file), new Peek()] });
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('epoch,loss,mae,val_loss,val_mae');
    expect(lines.slice(1).map((l) => l.split(',').map(Number))).toEqual(
      [0, 1, 2].map((e) => [e, h.history.loss![e], h.history.mae![e], h.history.val_loss![e], h.history.val_mae![e]]),
    );
    expect(rowsSeen).toEqual([2, 3, 4]); // the header and every finished epoch are in the file already
  });

  it('overwrites by default, and with append adds rows under the existing header', () => {
    const file = join(dir, 'log.csv');
    writeFileSync(file, 'stale\n');
    const { trainer, xs, ys } = regression();
    trainer.fit(xs, ys, { epochs: 2, batchSize: 8, verbose: 0, callbacks: [new CSVLogger(file, { separator: ';' })] });
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('epoch;loss;mae');
    trainer.fit(xs, ys, { epochs: 4, initialEpoch: 2, batchSize: 8, verbose: 0, callbacks: [new CSVLogger(file, { separator: ';', append: true })] });
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines.map((l) => l.split(';')[0])).toEqual(['epoch', '0', '1', '2', '3']);
    // Appending to a missing or empty file starts with the header.
    const fresh = join(dir, 'fresh.csv');
    trainer.fit(xs, ys, { epochs: 1, batchSize: 8, verbose: 0, callbacks: [new CSVLogger(fresh, { append: true })] });
    expect(readFileSync(fresh, 'utf8').split('\n')[0]).toBe('epoch,loss,mae');
  });

  it('keeps the first epoch\'s columns and writes NA for a key an epoch lacks', () => {
    const file = join(dir, 'log.csv');
    const { trainer, xs, ys } = regression();
    class Extra extends Callback {
      override onEpochEnd(epoch: number, logs: Logs) {
        if (epoch === 0) logs.extra = 1;
      }
    }
    trainer.fit(xs, ys, { epochs: 2, batchSize: 8, verbose: 0, callbacks: [new Extra(), new CSVLogger(file)] });
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('epoch,extra,loss,mae');
    expect(lines[2]!.split(',')[1]).toBe('NA');
  });
});
