/** Throwaway project folders for the dataset tests. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_FORMAT_VERSION } from '../../../shared/ipc/index.js';

/** A project with no models and a manifest field of its own (`notes`) that the service must keep. */
export async function makeProject(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-datasets-'));
  const manifest = { name: 'datasets test', formatVersion: PROJECT_FORMAT_VERSION, models: [], datasets: [], defaults: {}, notes: 'kept as written' };
  await writeFile(join(dir, 'strata.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
