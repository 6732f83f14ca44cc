/**
 * The dataset layer: host tensors, datasets with named splits, the built-in datasets and
 * readers for the files people bring (IDX, NPY, NPZ, CSV).
 *
 * ```ts
 * import { datasets } from './engine/data/index.js';
 * const { train, test } = datasets.mnist().splits;  // image float32 [60000, 28, 28], label int32
 * ```
 */
import { fashionMnist, iris, mnist } from './builtin.js';
import { toy } from './toy.js';

/** The built-in datasets. */
export const datasets = { mnist, fashionMnist, iris, toy };

export {
  fashionMnist,
  imagesAs,
  iris,
  mnist,
  withImageLayout,
  FASHION_MNIST_CLASS_NAMES,
  FASHION_MNIST_DIRS,
  IRIS_CLASS_NAMES,
  IRIS_FEATURE_NAMES,
  IRIS_SPLIT_SEED,
  MNIST_CLASS_NAMES,
  type ImageDatasetOptions,
  type ImageLayout,
  type IrisOptions,
} from './builtin.js';
export { toy, TOY_DATASETS, type ToyName, type ToyOptions } from './toy.js';
export {
  gatherSplit,
  getSplit,
  makeDataset,
  shuffleSplit,
  sliceSplit,
  splitSize,
  xy,
  type Dataset,
  type DatasetMetadata,
  type DatasetSplit,
} from './dataset.js';
export * from './host-tensor.js';
export { Random, mulberry32 } from '../tensor/random.js';
export { DataFormatError, DatasetNotInstalledError, type DataLocation } from './errors.js';
export { gunzipIfNeeded, isGzip, parseIdx, readIdx, type IdxOptions } from './readers/idx.js';
export { parseNpy, parseNpyHeader, readNpy, type NpyHeader, type NpyOptions } from './readers/npy.js';
export { crc32, parseNpz, readNpz, readZipDirectory, readZipEntry, type NpzOptions, type ZipEntry } from './readers/npz.js';
export { parseCsv, parseCsvNumber, parseCsvRecords, readCsv, type CsvColumn, type CsvOptions, type CsvRecord, type CsvTable } from './readers/csv.js';
