/**
 * The dataset service (issue 6 §1): a project's dataset definitions (`datasets/<name>.json`),
 * the data they point at read once and kept in memory as typed arrays, previews of samples,
 * and whether a dataset fits a model. The data itself is never copied into the project.
 *
 * Training processes call {@link loadTrainingData}; the studio's handlers call the service.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { HostTensor } from '../../engine/data/index.js';
import type { Functional } from '../../engine/graph/functional.js';
import {
  datasetDefinition,
  type CsvPreview,
  type DatasetDefinition,
  type DatasetInfo,
  type DatasetSample,
  type FieldMapping,
  type FitCheck,
} from '../../../shared/ipc/index.js';
import { evaluateModelSource, ModelFileError } from '../model-evaluation/index.js';
import { isNotFound, reason } from '../projects/files.js';
import { DatasetCache } from './cache.js';
import { readDefinition, readDefinitions, removeDefinition, writeDefinition } from './definitions.js';
import { autoMapping, fitProblems, type ModelPort } from './fit.js';
import { prepare, type PreparedDataset } from './prepare.js';
import { samplesOf } from './samples.js';
import { builtinDatasets, loadSource, previewCsv, sourceFiles, sourcePath, type BuiltinDataset } from './sources/index.js';
import { copyIntoProject } from './copy-source.js';

export { autoMapping, fitProblems, type ModelPort } from './fit.js';
export { DatasetCache, DEFAULT_CACHE_BYTES } from './cache.js';
export type { PreparedDataset } from './prepare.js';
export type { BuiltinDataset } from './sources/index.js';

/** What a training process trains on: each split's tensors by field name, preprocessing applied. */
export interface TrainingData {
  info: DatasetInfo;
  splits: Record<string, Record<string, HostTensor>>;
}

/** One cache per process: the studio's previews and a run trained in the same process share the arrays. */
const processCache = new DatasetCache<PreparedDataset>();

/** What identifies the prepared data: the project, the definition and when its source files last changed. */
async function cacheKey(dir: string, definition: DatasetDefinition): Promise<string> {
  const stamps = await Promise.all(
    (await sourceFiles(definition.source, dir)).map(async (file) => {
      try {
        return [file, (await stat(file)).mtimeMs];
      } catch (error) {
        throw new Error(isNotFound(error) ? `${file} does not exist (the dataset's data is read from there, never copied into the project)` : `Could not read ${file}: ${reason(error)}`);
      }
    }),
  );
  return JSON.stringify([resolve(dir), definition, stamps]);
}

async function prepared(dir: string, definition: DatasetDefinition, cache: DatasetCache<PreparedDataset>): Promise<PreparedDataset> {
  const key = await cacheKey(dir, definition);
  return cache.get(key, async () => prepare(definition, await loadSource(definition.source, dir)));
}

/** Prepared data, or an error that names the dataset. */
async function preparedOrThrow(dir: string, definition: DatasetDefinition, cache: DatasetCache<PreparedDataset>): Promise<PreparedDataset> {
  try {
    return await prepared(dir, definition, cache);
  } catch (error) {
    throw new Error(`Dataset "${definition.name}" could not be read: ${reason(error)}`, { cause: error });
  }
}

/** The dataset `name` of the project in `dir`, preprocessed as its definition says, for training. */
export async function loadTrainingData(dir: string, name: string, cache: DatasetCache<PreparedDataset> = processCache): Promise<TrainingData> {
  const data = await preparedOrThrow(dir, await readDefinition(dir, name), cache);
  return { info: data.info, splits: data.splits };
}

function unavailable(name: string, problem: string): DatasetInfo {
  return { name, fields: [], splits: [], classNames: null, classCounts: null, available: false, problem };
}

/** The loss each output trains with, by output name, from the model's compile(). */
function lossByOutput(model: Functional): Record<string, string> {
  const loss = model.compileConfig?.loss ?? null;
  if (loss === null) return {};
  const nameOf = (l: string | { className: string }) => (typeof l === 'string' ? l : l.className);
  const names = model.outputNames;
  if (Array.isArray(loss)) return Object.fromEntries(loss.flatMap((l, i) => (names[i] === undefined ? [] : [[names[i], nameOf(l)]])));
  if (typeof loss === 'string' || 'className' in loss) return Object.fromEntries(names.map((n) => [n, nameOf(loss as string | { className: string })]));
  return Object.fromEntries(Object.entries(loss).map(([n, l]) => [n, nameOf(l)]));
}

export class DatasetService {
  private readonly cache: DatasetCache<PreparedDataset>;

  constructor(options: { cache?: DatasetCache<PreparedDataset> } = {}) {
    this.cache = options.cache ?? processCache;
  }

  /** The built-in datasets, and whether each is installed here. */
  builtins(): BuiltinDataset[] {
    return builtinDatasets();
  }

  list(dir: string): Promise<DatasetDefinition[]> {
    return readDefinitions(dir);
  }

  /** Reads the data once (refusing what cannot be read), then writes the definition and names it in the manifest. */
  /**
   * Checks the data by reading it, then writes the definition; with `copy`, the source files
   * are first copied under datasets/<name>/ and the definition points at the copies.
   */
  async save(dir: string, definition: DatasetDefinition, options: { copy?: boolean } = {}): Promise<DatasetInfo> {
    let checked = datasetDefinition.parse(definition);
    const data = await preparedOrThrow(dir, checked, this.cache);
    if (options.copy) checked = await copyIntoProject(dir, checked);
    await writeDefinition(dir, checked);
    return data.info;
  }

  /** Removes the definition (never the data it points at). */
  delete(dir: string, name: string): Promise<void> {
    return removeDefinition(dir, name);
  }

  /** The dataset's fields, splits and class counts; `available: false` with the reason when its data cannot be read. */
  async info(dir: string, name: string): Promise<DatasetInfo> {
    const definition = await readDefinition(dir, name);
    try {
      return (await prepared(dir, definition, this.cache)).info;
    } catch (error) {
      return unavailable(name, reason(error));
    }
  }

  /** Up to `count` samples of `split` from `offset` on (fewer at its end). */
  async samples(dir: string, name: string, split: string, offset: number, count: number): Promise<DatasetSample[]> {
    const data = await preparedOrThrow(dir, await readDefinition(dir, name), this.cache);
    const size = data.info.splits.find((s) => s.name === split)?.size ?? 0;
    const end = Math.min(offset + count, size);
    return samplesOf(data, split, Array.from({ length: Math.max(end - offset, 0) }, (_, i) => offset + i));
  }

  /** The samples of `split` at `indices` (the misclassified samples a confusion-matrix cell lists). */
  async samplesAt(dir: string, name: string, split: string, indices: number[]): Promise<DatasetSample[]> {
    const data = await preparedOrThrow(dir, await readDefinition(dir, name), this.cache);
    return samplesOf(data, split, indices);
  }

  /** A CSV file's columns with inferred types and its first rows; `path` may be relative to the project. */
  previewCsv(dir: string, path: string): Promise<CsvPreview> {
    return previewCsv(sourcePath(dir, path));
  }

  /**
   * Whether the dataset fits the model the code builds: the mapping used (the one given, or
   * one made by name and by elimination) and every problem, each naming the input or output,
   * the field and both shapes. A model file that does not evaluate is a problem too.
   */
  async checkFit(dir: string, name: string, code: string, fileName: string, mapping: FieldMapping | null): Promise<FitCheck> {
    const info = await this.info(dir, name);
    const given = mapping ?? { inputs: {}, outputs: {} };
    if (!info.available) return { mapping: given, problems: [`Dataset "${name}" cannot be read: ${info.problem}`] };
    let model: Functional;
    try {
      ({ model } = await evaluateModelSource(code, { fileName }));
    } catch (error) {
      if (error instanceof ModelFileError) return { mapping: given, problems: [`${error.where}: ${error.message}`] };
      throw error;
    }
    const ports = (tensors: Functional['inputs'], names: string[]): ModelPort[] => tensors.map((t, i) => ({ name: names[i]!, shape: t.shape }));
    const inputs = ports(model.inputs, model.inputNames);
    const outputs = ports(model.outputs, model.outputNames);
    const used = mapping ?? autoMapping(info, inputs, outputs);
    return { mapping: used, problems: fitProblems(info, used, inputs, outputs, lossByOutput(model)) };
  }
}
