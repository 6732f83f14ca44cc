/**
 * `datasets/<name>.json` files and the `datasets` list of `strata.json`. The manifest is
 * read, changed and written back whole, so that fields this module does not know stay as
 * they are.
 */
import { readdir, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { datasetDefinition, describeIssues, type DatasetDefinition } from '../../../shared/ipc/index.js';
import { isNotFound, readTextIfPresent, reason, writeTextAtomic } from '../projects/files.js';
import { MANIFEST_FILE, projectJson } from '../projects/layout.js';
import { readManifest } from '../projects/manifest.js';

export const DATASETS_FOLDER = 'datasets';

export const definitionPath = (dir: string, name: string): string => join(dir, DATASETS_FOLDER, `${name}.json`);

function parseDefinition(text: string, path: string, name: string): DatasetDefinition {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${reason(error)}.`);
  }
  const parsed = datasetDefinition.safeParse(raw);
  if (!parsed.success) throw new Error(`${path} is not a valid dataset definition: ${describeIssues(parsed.error, raw)}.`);
  if (parsed.data.name !== name) throw new Error(`${path} names the dataset "${parsed.data.name}"; expected "${name}", as its file name says.`);
  return parsed.data;
}

export async function readDefinition(dir: string, name: string): Promise<DatasetDefinition> {
  const path = definitionPath(dir, name);
  const read = await readTextIfPresent(path);
  if (read === null) throw new Error(`The project ${dir} has no dataset "${name}": ${path} does not exist.`);
  return parseDefinition(read.text, path, name);
}

/** Every definition in the project's datasets folder, by name. */
export async function readDefinitions(dir: string): Promise<DatasetDefinition[]> {
  await readManifest(dir, 'open');
  let files: string[];
  try {
    files = await readdir(join(dir, DATASETS_FOLDER));
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
  const names = files.filter((f) => f.endsWith('.json') && !f.startsWith('.')).map((f) => f.slice(0, -5)).sort();
  return Promise.all(names.map((name) => readDefinition(dir, name)));
}

/** The last manifest change of each project folder: changes queue behind it, so that two saves at once keep both names. */
const manifestChanges = new Map<string, Promise<void>>();

/** Adds or removes `name` in the manifest's `datasets`, keeping every other field as written. */
function changeManifest(dir: string, name: string, present: boolean): Promise<void> {
  const key = resolve(dir);
  const previous = manifestChanges.get(key) ?? Promise.resolve();
  const change = previous.catch(() => undefined).then(() => rewriteManifest(dir, name, present));
  manifestChanges.set(key, change);
  return change;
}

async function rewriteManifest(dir: string, name: string, present: boolean): Promise<void> {
  await readManifest(dir, 'change');
  const path = join(dir, MANIFEST_FILE);
  const read = await readTextIfPresent(path);
  if (read === null) throw new Error(`${dir} is not a Strata project: no ${MANIFEST_FILE}.`);
  const manifest = JSON.parse(read.text) as Record<string, unknown>;
  const names = new Set(Array.isArray(manifest['datasets']) ? (manifest['datasets'] as string[]) : []);
  if (present) names.add(name);
  else names.delete(name);
  manifest['datasets'] = [...names].sort();
  await writeTextAtomic(path, projectJson(manifest));
}

export async function writeDefinition(dir: string, definition: DatasetDefinition): Promise<void> {
  await writeTextAtomic(definitionPath(dir, definition.name), projectJson(definition));
  await changeManifest(dir, definition.name, true);
}

/** Removes the definition and its manifest entry; the data it points at is never touched. */
export async function removeDefinition(dir: string, name: string): Promise<void> {
  const path = definitionPath(dir, name);
  try {
    await unlink(path);
  } catch (error) {
    if (!isNotFound(error)) throw new Error(`Could not delete ${path}: ${reason(error)}`);
  }
  await changeManifest(dir, name, false);
}
