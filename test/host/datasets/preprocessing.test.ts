import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetService, loadTrainingData } from '../../../electron/host/datasets/index.js';
import type { DatasetDefinition } from '../../../shared/ipc/index.js';
import { makeProject } from './project-fixture.js';

const service = new DatasetService();
let project: Awaited<ReturnType<typeof makeProject>>;

/** 100 rows: id 0…99 in order, a value 2·id, and a class that cycles a, b, c, d. */
const ROWS = 100;

beforeAll(async () => {
  project = await makeProject();
  const lines = ['id,value,kind', ...Array.from({ length: ROWS }, (_, i) => `${i},${2 * i},${'abcd'[i % 4]}`)];
  await writeFile(join(project.dir, 'rows.csv'), lines.join('\n'));
});
afterAll(async () => {
  await project.remove();
});

function rows(name: string, splits: DatasetDefinition['splits'], preprocessing: Partial<DatasetDefinition['preprocessing']> = {}): DatasetDefinition {
  return {
    name,
    source: { kind: 'csv', path: 'rows.csv', features: ['id', 'value'], label: 'kind', types: {} },
    splits,
    preprocessing: { scale: 'none', oneHot: false, shuffleSeed: null, ...preprocessing },
  };
}

const ids = async (name: string, split: string) => {
  const features = (await loadTrainingData(project.dir, name)).splits[split]!['features']!;
  return Array.from({ length: features.shape[0]! }, (_, i) => features.data[2 * i]!);
};

describe('splits', () => {
  it('carve the test split from the end of train, then validation from the end of what is left', async () => {
    const info = await service.save(project.dir, rows('carved', { validation: 0.1, test: 0.2 }));
    expect(info.splits).toEqual([
      { name: 'train', size: 72 },
      { name: 'validation', size: 8 },
      { name: 'test', size: 20 },
    ]);
    expect(await ids('carved', 'test')).toEqual(Array.from({ length: 20 }, (_, i) => 80 + i));
    expect(await ids('carved', 'validation')).toEqual(Array.from({ length: 8 }, (_, i) => 72 + i));
    expect(info.classCounts).toEqual({ train: [18, 18, 18, 18], validation: [2, 2, 2, 2], test: [5, 5, 5, 5] });
  });

  it("keep a source's own test split and carve only validation from train", async () => {
    const info = await service.save(project.dir, { name: 'xor', source: { kind: 'builtin', id: 'xor' }, splits: { validation: 0.25, test: 0.5 }, preprocessing: { scale: 'none', oneHot: false, shuffleSeed: null } });
    expect(info.splits).toEqual([
      { name: 'train', size: 192 },
      { name: 'validation', size: 64 },
      { name: 'test', size: 64 },
    ]);
  });

  it('shuffle train before carving: the same seed gives the same order, another seed another', async () => {
    await service.save(project.dir, rows('seed7', { validation: 0.2, test: 0 }, { shuffleSeed: 7 }));
    await service.save(project.dir, rows('seed7_again', { validation: 0.2, test: 0 }, { shuffleSeed: 7 }));
    await service.save(project.dir, rows('seed8', { validation: 0.2, test: 0 }, { shuffleSeed: 8 }));
    const train = await ids('seed7', 'train');
    const validation = await ids('seed7', 'validation');
    expect(await ids('seed7_again', 'train')).toEqual(train);
    expect(await ids('seed8', 'train')).not.toEqual(train);
    expect(train).not.toEqual([...train].sort((a, b) => a - b));
    expect([...train, ...validation].sort((a, b) => a - b)).toEqual(Array.from({ length: ROWS }, (_, i) => i));
  });
});

describe('scaling and labels', () => {
  it('standardize with the mean and deviation of the training split only', async () => {
    await service.save(project.dir, rows('standard', { validation: 0, test: 0.5 }, { scale: 'standardize' }));
    const data = await loadTrainingData(project.dir, 'standard');
    const train = data.splits['train']!['features']!.data;
    const column = (values: ArrayLike<number>, j: number) => Array.from({ length: values.length / 2 }, (_, i) => values[2 * i + j]!);
    for (const j of [0, 1]) {
      const values = column(train, j);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
      expect(mean).toBeCloseTo(0, 5);
      expect(variance).toBeCloseTo(1, 4);
    }
    // Train holds ids 0…49 (mean 24.5, deviation √208.25); the test split is scaled with those, so it lies above them.
    const firstTestId = column(data.splits['test']!['features']!.data, 0)[0]!;
    expect(firstTestId).toBeCloseTo((50 - 24.5) / Math.sqrt(208.25), 5);
    // The preview shows the values as the file has them.
    expect((await service.samples(project.dir, 'standard', 'test', 0, 1))[0]!.row).toEqual({ id: 50, value: 100 });
  });

  it('unit scaling divides by 255', async () => {
    await service.save(project.dir, rows('unit', { validation: 0, test: 0 }, { scale: 'unit' }));
    const features = (await loadTrainingData(project.dir, 'unit')).splits['train']!['features']!.data;
    expect(features[2 * 51 + 1]).toBeCloseTo(102 / 255, 6);
  });

  it('one-hot turns class indices into float rows, and the label still shows as its class', async () => {
    const info = await service.save(project.dir, rows('onehot', { validation: 0, test: 0 }, { oneHot: true }));
    expect(info.fields[1]).toEqual({ name: 'label', dtype: 'float32', shape: [4], role: 'label' });
    const label = (await loadTrainingData(project.dir, 'onehot')).splits['train']!['label']!;
    expect(label.shape).toEqual([ROWS, 4]);
    expect(Array.from(label.data.subarray(0, 8))).toEqual([1, 0, 0, 0, 0, 1, 0, 0]);
    expect((await service.samples(project.dir, 'onehot', 'train', 2, 2)).map((s) => s.label)).toEqual(['c', 'd']);
  });

  it('one-hot refuses a label that is a number to predict rather than a class', async () => {
    const regression: DatasetDefinition = { ...rows('onehot_values', { validation: 0, test: 0 }, { oneHot: true }), source: { kind: 'csv', path: 'rows.csv', features: ['id'], label: 'value', types: {} } };
    await expect(service.save(project.dir, regression)).rejects.toThrow(/one-hot labels need class labels; the label field holds numbers/);
  });
});
