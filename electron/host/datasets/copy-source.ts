/**
 * "Copy the files into the project": a dataset's source files copied under
 * `datasets/<name>/` and its definition pointed at the copies (paths relative to the project),
 * so the project carries its data. Written into a temporary folder first and renamed, so an
 * interrupted copy leaves no half folder behind.
 */
import { cp, mkdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { DatasetDefinition, DatasetSource } from '../../../shared/ipc/index.js';
import { sourcePath } from './sources/index.js';

/** The source with each file path mapped by `map`. */
function mapPaths(source: DatasetSource, map: (path: string) => string): DatasetSource {
  switch (source.kind) {
    case 'builtin':
      return source;
    case 'csv':
    case 'imageFolder':
      return { ...source, path: map(source.path) };
    case 'idx':
      return { ...source, images: map(source.images), labels: source.labels === null ? null : map(source.labels) };
    case 'npy':
      return { ...source, x: map(source.x), y: source.y === null ? null : map(source.y) };
    case 'npz':
      return { ...source, path: map(source.path) };
  }
}

/** Copies the definition's files into the project; returns the definition that points at the copies. */
export async function copyIntoProject(dir: string, definition: DatasetDefinition): Promise<DatasetDefinition> {
  if (definition.source.kind === 'builtin') return definition;
  const folder = join('datasets', definition.name);
  const target = join(dir, folder);
  const staging = `${target}.copying-${process.pid}`;
  const copies: Array<[string, string]> = [];
  const used = new Set<string>();
  const source = mapPaths(definition.source, (path) => {
    let name = basename(path);
    for (let n = 2; used.has(name); n++) name = `${n}-${basename(path)}`;
    used.add(name);
    copies.push([sourcePath(dir, path), name]);
    return `${folder}/${name}`;
  });
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    for (const [from, name] of copies) await cp(from, join(staging, name), { recursive: true, errorOnExist: true });
    await rm(target, { recursive: true, force: true });
    await rename(staging, target);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw new Error(`Could not copy the data of "${definition.name}" into ${target}: ${(error as Error).message}`);
  }
  return { ...definition, source };
}
