/** `strata.json`: reading it (refusing newer formats and saying what is wrong where) and writing it. */
import { join } from 'node:path';
import { describeIssues, PROJECT_FORMAT_VERSION, projectManifest, type ProjectManifest } from '../../../shared/ipc/index.js';
import { readTextIfPresent, reason, writeTextAtomic } from './files.js';
import { MANIFEST_FILE, projectJson } from './layout.js';

function newerFormatMessage(dir: string, formatVersion: number, action: string): string {
  return `${dir} was written by a newer Strata (project format ${formatVersion}); this Strata reads format ${PROJECT_FORMAT_VERSION} and older. Update Strata to ${action} it.`;
}

/** The project's manifest, checked; `mtimeMs` is when it was last saved. */
export async function readManifest(dir: string, action: string): Promise<{ manifest: ProjectManifest; mtimeMs: number }> {
  const path = join(dir, MANIFEST_FILE);
  let read;
  try {
    read = await readTextIfPresent(path);
  } catch (error) {
    throw new Error(`Could not read ${path}: ${reason(error)}`);
  }
  if (read === null) throw new Error(`${dir} is not a Strata project: no ${MANIFEST_FILE}.`);
  let raw: unknown;
  try {
    raw = JSON.parse(read.text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${reason(error)}.`);
  }
  // Before the schema: a newer format may have changed the very fields the schema checks.
  const version = (raw as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof version === 'number' && version > PROJECT_FORMAT_VERSION) throw new Error(newerFormatMessage(dir, version, action));
  return { manifest: checkManifest(raw, path), mtimeMs: read.mtimeMs };
}

/** A manifest that fits the schema and names each model once. */
export function checkManifest(raw: unknown, where: string): ProjectManifest {
  const parsed = projectManifest.safeParse(raw);
  if (!parsed.success) throw new Error(`${where} is not a valid project manifest: ${describeIssues(parsed.error, raw)}.`);
  const manifest = parsed.data;
  const repeated = repeatedNameProblem(manifest.models);
  if (repeated !== null) throw new Error(`${where} is not a valid project manifest: at "models": ${repeated}.`);
  return manifest;
}

/** What is wrong when a name occurs twice, ignoring case (as macOS and Windows compare file names); null when all differ. */
export function repeatedNameProblem(names: readonly string[]): string | null {
  const seen = new Map<string, string>();
  for (const name of names) {
    const earlier = seen.get(name.toLowerCase());
    if (earlier !== undefined) {
      return `expected each model name once (ignoring case, since file names on macOS and Windows do); received "${earlier}" and "${name}"`;
    }
    seen.set(name.toLowerCase(), name);
  }
  return null;
}

export async function writeManifest(dir: string, manifest: ProjectManifest): Promise<void> {
  const { name, models, datasets, defaults } = manifest;
  await writeTextAtomic(join(dir, MANIFEST_FILE), projectJson({ name, formatVersion: PROJECT_FORMAT_VERSION, models, datasets, defaults }));
}
