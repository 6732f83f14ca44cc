/** Reads a dataset definition's source, whatever its kind; paths resolve against the project folder. */
import { isAbsolute, resolve as resolvePath } from 'node:path';
import type { DatasetSource } from '../../../../shared/ipc/index.js';
import { loadArrays } from './arrays.js';
import { loadBuiltin } from './builtin.js';
import { loadCsv } from './csv.js';
import { classFolders, loadImageFolder } from './image-folder.js';
import type { SourceData } from './types.js';

export { builtinDatasets, type BuiltinDataset } from './builtin.js';
export { previewCsv } from './csv.js';
export { FIELD, type FieldTensors, type SampleView, type SourceData } from './types.js';

/** A path of a definition (absolute, or relative to the project folder) as an absolute path. */
export function sourcePath(dir: string, path: string): string {
  return isAbsolute(path) ? path : resolvePath(dir, path);
}

export async function loadSource(source: DatasetSource, dir: string): Promise<SourceData> {
  const resolve = (path: string) => sourcePath(dir, path);
  switch (source.kind) {
    case 'builtin':
      return loadBuiltin(source.id);
    case 'csv':
      return loadCsv(source, resolve(source.path));
    case 'imageFolder':
      return loadImageFolder(source, resolve(source.path));
    default:
      return loadArrays(source, resolve);
  }
}

/**
 * The files and folders whose modification times say whether a source changed. For an image
 * folder these are the folder and its class folders (adding or removing an image changes
 * them); an image rewritten in place is not noticed until the folder changes.
 */
export async function sourceFiles(source: DatasetSource, dir: string): Promise<string[]> {
  const resolve = (path: string) => sourcePath(dir, path);
  switch (source.kind) {
    case 'builtin':
      return [];
    case 'csv':
      return [resolve(source.path)];
    case 'imageFolder': {
      const root = resolve(source.path);
      return [root, ...(await classFolders(root)).map((name) => resolvePath(root, name))];
    }
    case 'idx':
      return [source.images, source.labels].flatMap((p) => (p === null ? [] : [resolve(p)]));
    case 'npy':
      return [source.x, source.y].flatMap((p) => (p === null ? [] : [resolve(p)]));
    case 'npz':
      return [resolve(source.path)];
  }
}
