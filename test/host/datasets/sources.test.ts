import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encode as encodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32 } from '../../../electron/engine/data/index.js';
import { encodeNpy } from '../../../electron/engine/data/writers/npy.js';
import { DatasetService, loadTrainingData } from '../../../electron/host/datasets/index.js';
import type { DatasetDefinition, DatasetSource } from '../../../shared/ipc/index.js';
import { makeProject } from './project-fixture.js';

const service = new DatasetService();
let project: Awaited<ReturnType<typeof makeProject>>;

beforeAll(async () => {
  project = await makeProject();
});
afterAll(async () => {
  await project.remove();
});

const definition = (name: string, source: DatasetSource, preprocessing: Partial<DatasetDefinition['preprocessing']> = {}): DatasetDefinition => ({
  name,
  source,
  splits: { validation: 0, test: 0 },
  preprocessing: { scale: 'none', oneHot: false, shuffleSeed: null, ...preprocessing },
});

describe('CSV files', () => {
  const csv = ['petal,colour,species', '1.5,red,setosa', '4.5,blue,virginica', '1.25,blue,setosa', '3.0,green,versicolor', '', '2.0,red,setosa'].join('\n');

  beforeAll(async () => {
    await writeFile(join(project.dir, 'flowers.csv'), csv);
  });

  it('previews the columns with inferred types, distinct counts and the first rows', async () => {
    const preview = await service.previewCsv(project.dir, 'flowers.csv');
    expect(preview.columns).toEqual([
      { name: 'petal', type: 'number', distinct: 5 },
      { name: 'colour', type: 'category', distinct: 3 },
      { name: 'species', type: 'category', distinct: 3 },
    ]);
    expect(preview.rowCount).toBe(5);
    expect(preview.rows[0]).toEqual(['1.5', 'red', 'setosa']);
  });

  it('reads a category label as classes and a category feature as its index among the sorted values', async () => {
    const info = await service.save(project.dir, definition('flowers', { kind: 'csv', path: 'flowers.csv', features: ['petal', 'colour'], label: 'species', types: {} }));
    expect(info.fields).toEqual([
      { name: 'features', dtype: 'float32', shape: [2], role: 'feature' },
      { name: 'label', dtype: 'int32', shape: [], role: 'label' },
    ]);
    expect(info.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(info.classCounts).toEqual({ train: [3, 1, 1] });
    const data = await loadTrainingData(project.dir, 'flowers');
    // colour: blue 0, green 1, red 2.
    expect(Array.from(data.splits['train']!['features']!.data)).toEqual([1.5, 2, 4.5, 0, 1.25, 0, 3, 1, 2, 2]);
    expect(Array.from(data.splits['train']!['label']!.data)).toEqual([0, 2, 0, 1, 0]);
    const [first] = await service.samples(project.dir, 'flowers', 'train', 0, 1);
    expect(first).toEqual({ index: 0, label: 'setosa', image: null, row: { petal: 1.5, colour: 'red' } });
  });

  it('reads a number label as a regression target, and a column can be read as categories on request', async () => {
    const info = await service.save(project.dir, definition('petals', { kind: 'csv', path: 'flowers.csv', features: ['colour'], label: 'petal', types: {} }));
    expect(info.classNames).toBeNull();
    expect(info.fields[1]).toEqual({ name: 'label', dtype: 'float32', shape: [], role: 'label' });
    expect((await service.samples(project.dir, 'petals', 'train', 1, 1))[0]!.label).toBe('4.5');
    const asClasses = await service.save(project.dir, definition('petal_classes', { kind: 'csv', path: 'flowers.csv', features: ['colour'], label: 'petal', types: { petal: 'category' } }));
    expect(asClasses.classNames).toEqual(['1.25', '1.5', '2.0', '3.0', '4.5']);
  });

  it('refuses text in a column read as numbers, naming the file, row and column', async () => {
    await expect(
      service.save(project.dir, definition('bad', { kind: 'csv', path: 'flowers.csv', features: ['colour'], label: 'species', types: { colour: 'number' } })),
    ).rejects.toThrow(/flowers\.csv, row 2, column "colour": expected a number, received "red"/);
    await expect(service.save(project.dir, definition('bad', { kind: 'csv', path: 'flowers.csv', features: ['petals'], label: null, types: {} }))).rejects.toThrow(
      /expected a feature column named one of "petal", "colour", "species", received "petals"/,
    );
  });
});

describe('image folders', () => {
  const solid = (width: number, height: number, [r, g, b]: [number, number, number]) => {
    const data = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) data.set([r, g, b, 255], i * 4);
    return data;
  };

  beforeAll(async () => {
    const root = join(project.dir, 'pets');
    await mkdir(join(root, 'cats'), { recursive: true });
    await mkdir(join(root, 'dogs'), { recursive: true });
    const png = new PNG({ width: 16, height: 12 });
    png.data = Buffer.from(solid(16, 12, [200, 100, 50]));
    await writeFile(join(root, 'cats', 'a.png'), PNG.sync.write(png));
    const white = new PNG({ width: 8, height: 8 });
    white.data = Buffer.from(solid(8, 8, [255, 255, 255]));
    await writeFile(join(root, 'cats', 'b.png'), PNG.sync.write(white));
    await writeFile(join(root, 'dogs', 'c.jpg'), encodeJpeg({ width: 20, height: 20, data: solid(20, 20, [0, 0, 255]) }, 95).data);
    await writeFile(join(root, 'dogs', 'notes.txt'), 'not an image');
  });

  it('decodes PNG and JPEG files into grey 8×8 images labelled by their folder', async () => {
    const info = await service.save(project.dir, definition('pets', { kind: 'imageFolder', path: 'pets', height: 8, width: 8, channels: 1 }));
    expect(info.classNames).toEqual(['cats', 'dogs']);
    expect(info.fields[0]).toEqual({ name: 'image', dtype: 'float32', shape: [8, 8, 1], role: 'feature' });
    expect(info.splits).toEqual([{ name: 'train', size: 3 }]);
    const samples = await service.samples(project.dir, 'pets', 'train', 0, 3);
    expect(samples.map((s) => s.label)).toEqual(['cats', 'cats', 'dogs']);
    const grey = (s: (typeof samples)[number]) => {
      expect(s.image).toMatchObject({ height: 8, width: 8, channels: 1 });
      return [Math.min(...s.image!.pixels), Math.max(...s.image!.pixels)];
    };
    expect(grey(samples[0]!)).toEqual([124, 124]); // 0.299·200 + 0.587·100 + 0.114·50 = 124.2
    expect(grey(samples[1]!)).toEqual([255, 255]);
    const [low, high] = grey(samples[2]!);
    expect(Math.abs(low! - 29)).toBeLessThan(4); // 0.114·255, less what JPEG loses
    expect(Math.abs(high! - 29)).toBeLessThan(4);
  });

  it('keeps colour when asked for three channels', async () => {
    await service.save(project.dir, definition('pets_rgb', { kind: 'imageFolder', path: 'pets', height: 4, width: 6, channels: 3 }));
    const [sample] = await service.samples(project.dir, 'pets_rgb', 'train', 0, 1);
    expect(sample!.image).toMatchObject({ height: 4, width: 6, channels: 3 });
    expect(Array.from(sample!.image!.pixels.subarray(0, 3))).toEqual([200, 100, 50]);
  });

  it('refuses a file that is not an image, naming it', async () => {
    await writeFile(join(project.dir, 'pets', 'dogs', 'broken.png'), 'hello');
    await expect(service.save(project.dir, definition('broken', { kind: 'imageFolder', path: 'pets', height: 8, width: 8, channels: 1 }))).rejects.toThrow(
      /dogs[/\\]broken\.png: could not be read as an image: expected a PNG or JPEG image, received a file starting with bytes 68 65 6c 6c/,
    );
  });
});

/** An IDX file: zero, zero, the type code, the rank, then the dimensions as big-endian uint32. */
function idx(shape: number[], data: Uint8Array): Uint8Array {
  const header = new DataView(new ArrayBuffer(4 + 4 * shape.length));
  header.setUint8(2, 0x08);
  header.setUint8(3, shape.length);
  shape.forEach((d, i) => header.setUint32(4 + 4 * i, d));
  return new Uint8Array([...new Uint8Array(header.buffer), ...data]);
}

/** A zip archive of uncompressed members, as numpy.savez writes one. */
function zip(members: Record<string, Uint8Array>): Uint8Array {
  const local: number[] = [];
  const central: number[] = [];
  const u16 = (v: number) => [v & 0xff, (v >>> 8) & 0xff];
  const u32 = (v: number) => [...u16(v & 0xffff), ...u16(v >>> 16)];
  let count = 0;
  for (const [name, data] of Object.entries(members)) {
    const nameBytes = [...Buffer.from(name)];
    const crc = crc32(data);
    const common = [...u16(20), ...u16(0), ...u16(0), ...u16(0), ...u16(0), ...u32(crc), ...u32(data.length), ...u32(data.length), ...u16(nameBytes.length), ...u16(0)];
    central.push(...u32(0x02014b50), ...u16(20), ...common, ...u16(0), ...u16(0), ...u16(0), ...u32(0), ...u32(local.length), ...nameBytes);
    local.push(...u32(0x04034b50), ...common, ...nameBytes, ...data);
    count++;
  }
  const end = [...u32(0x06054b50), ...u16(0), ...u16(0), ...u16(count), ...u16(count), ...u32(central.length), ...u32(local.length), ...u16(0)];
  return new Uint8Array([...local, ...central, ...end]);
}

describe('array files', () => {
  const pixels = Uint8Array.from({ length: 5 * 3 * 4 }, (_, i) => i * 4);
  const x = { shape: [6, 3], data: Float32Array.from({ length: 18 }, (_, i) => i / 2) };
  const y = { shape: [6], data: Int32Array.from([0, 1, 2, 0, 1, 2]) };

  beforeAll(async () => {
    await writeFile(join(project.dir, 'images.idx'), idx([5, 3, 4], pixels));
    await writeFile(join(project.dir, 'labels.idx'), idx([5], Uint8Array.from([3, 1, 0, 1, 3])));
    await writeFile(join(project.dir, 'x.npy'), encodeNpy(x));
    await writeFile(join(project.dir, 'y.npy'), encodeNpy(y));
    await writeFile(join(project.dir, 'arrays.npz'), zip({ 'x.npy': encodeNpy(x), 'y.npy': encodeNpy(y) }));
  });

  it('reads IDX images and labels: pixels as written, classes 0 to the largest label', async () => {
    const info = await service.save(project.dir, definition('idx', { kind: 'idx', images: 'images.idx', labels: join(project.dir, 'labels.idx') }));
    expect(info.fields[0]).toEqual({ name: 'image', dtype: 'float32', shape: [3, 4], role: 'feature' });
    expect(info.classNames).toEqual(['0', '1', '2', '3']);
    expect(info.classCounts).toEqual({ train: [1, 2, 0, 2] });
    const [, second] = await service.samples(project.dir, 'idx', 'train', 0, 2);
    expect(second!.label).toBe('1');
    expect(Array.from(second!.image!.pixels)).toEqual(Array.from(pixels.subarray(12, 24)));
  });

  it('reads NPY x and y, and the same arrays from an NPZ archive', async () => {
    for (const source of [
      { kind: 'npy', x: 'x.npy', y: 'y.npy' },
      { kind: 'npz', path: 'arrays.npz', x: 'x', y: 'y.npy' },
    ] as const) {
      const name = `from_${source.kind}`;
      const info = await service.save(project.dir, definition(name, source));
      expect(info.fields).toEqual([
        { name: 'features', dtype: 'float32', shape: [3], role: 'feature' },
        { name: 'label', dtype: 'int32', shape: [], role: 'label' },
      ]);
      const data = await loadTrainingData(project.dir, name);
      expect(Array.from(data.splits['train']!['features']!.data)).toEqual(Array.from(x.data));
      expect(Array.from(data.splits['train']!['label']!.data)).toEqual(Array.from(y.data));
      expect((await service.samples(project.dir, name, 'train', 1, 1))[0]!.row).toEqual({ 0: 1.5, 1: 2, 2: 2.5 });
    }
    await expect(service.save(project.dir, definition('npz_bad', { kind: 'npz', path: 'arrays.npz', x: 'images', y: null }))).rejects.toThrow(
      /arrays\.npz: expected an array named "images", received arrays "x", "y"/,
    );
  });

  it('makes each NPZ member a field named by its key, for a model with several inputs and outputs', async () => {
    const n = 6;
    const title = { shape: [n, 4], data: Float32Array.from({ length: n * 4 }, (_, i) => i) };
    const body = { shape: [n, 5], data: Float32Array.from({ length: n * 5 }, (_, i) => -i) };
    const priority = { shape: [n, 1], data: Float32Array.from({ length: n }, (_, i) => i / n) };
    const department = { shape: [n], data: Int32Array.from([0, 1, 2, 3, 0, 1]) };
    await writeFile(
      join(project.dir, 'tickets.npz'),
      zip({ 'title.npy': encodeNpy(title), 'body.npy': encodeNpy(body), 'priority.npy': encodeNpy(priority), 'department.npy': encodeNpy(department) }),
    );
    const info = await service.save(project.dir, definition('tickets', { kind: 'npz', path: 'tickets.npz', x: ['title', 'body'], y: ['department', 'priority'] }));
    expect(info.fields).toEqual([
      { name: 'title', dtype: 'float32', shape: [4], role: 'feature' },
      { name: 'body', dtype: 'float32', shape: [5], role: 'feature' },
      { name: 'department', dtype: 'int32', shape: [], role: 'label' },
      { name: 'priority', dtype: 'float32', shape: [1], role: 'label' },
    ]);
    expect(info.classNames).toEqual(['0', '1', '2', '3']);
    const code = [
      "import { Input, Model, layers } from 'strata';",
      "const title = Input({ shape: [4], name: 'title' });",
      "const body = Input({ shape: [5], name: 'body' });",
      'const x = layers.concatenate([title, body]);',
      "const priority = layers.Dense(1, { name: 'priority' })(x);",
      "const department = layers.Dense(4, { name: 'department' })(x);",
      "export default Model({ inputs: [title, body], outputs: [priority, department] });",
    ].join('\n');
    expect(await service.checkFit(project.dir, 'tickets', code, 'tickets.ts', null)).toEqual({
      mapping: { inputs: { title: 'title', body: 'body' }, outputs: { priority: 'priority', department: 'department' } },
      problems: [],
    });
    const data = await loadTrainingData(project.dir, 'tickets');
    expect(Array.from(data.splits['train']!['body']!.data)).toEqual(Array.from(body.data));
    await expect(service.save(project.dir, definition('twice', { kind: 'npz', path: 'tickets.npz', x: ['title', 'title'], y: null }))).rejects.toThrow(/"title" is named twice/);
  });

  it('refuses labels that do not match the samples one for one', async () => {
    await writeFile(join(project.dir, 'y5.npy'), encodeNpy({ shape: [5], data: new Int32Array(5) }));
    await expect(service.save(project.dir, definition('mismatch', { kind: 'npy', x: 'x.npy', y: 'y5.npy' }))).rejects.toThrow(/y5\.npy: expected 6 labels, one per sample of .*x\.npy, received int32\[5\]/);
  });
});
