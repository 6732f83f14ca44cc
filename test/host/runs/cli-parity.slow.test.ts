/** `strata train --project …` records a run as the studio does; `strata runs list` lists it. */
import { describe, expect, test } from 'vitest';
import { strata } from '../../cli/helpers.js';
import { toyProject } from './helpers.js';

describe('strata train --project and strata runs list', () => {
  test('a run trained from the command line is listed as completed, in JSON and as a table', async () => {
    const dir = toyProject();
    const train = await strata(['train', '--project', dir, '--model', 'toy', '--dataset', 'blobs', '--epochs', '2', '--batch-size', '16', '--learning-rate', '0.02']);
    expect(train.stderr).toBe('');
    expect(train.code).toBe(0);
    expect(train.stdout).toMatch(/Epoch 2\/2 - loss: \d/);
    expect(train.stdout).toMatch(/completed/);

    const json = await strata(['runs', 'list', '--project', dir, '--json']);
    expect(json.code).toBe(0);
    const [run] = JSON.parse(json.stdout);
    expect(run).toMatchObject({ status: 'completed', model: 'toy', dataset: 'blobs', epochsDone: 2, config: { epochs: 2, batchSize: 16, optimizer: { className: 'Adam', learningRate: 0.02 } } });

    const table = await strata(['runs', 'list', '--project', dir]);
    expect(table.stdout.split('\n')[0]).toMatch(/^id\s+name\s+status\s+model\s+dataset\s+epochs/);
    expect(table.stdout).toContain(run.id);
  });

  test('a failed run exits with 1 and says why; help lists the runs command and the project options', async () => {
    const dir = toyProject();
    const failed = await strata(['train', '--project', dir, '--model', 'toy', '--dataset', 'nope']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/no dataset "nope"/);
    const help = await strata(['--help']);
    expect(help.stdout).toMatch(/runs list/);
    expect(help.stdout).toMatch(/--project <DIR>/);

  });
});
