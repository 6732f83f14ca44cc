/**
 * The checkpoints of a run's folder. A file that cannot be read as a checkpoint (cut short by
 * a kill, damaged, or a `.keras` model put there by hand) is left out, never an error: the
 * others stay usable.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointInfo } from '../../../../shared/ipc/training-schemas.js';
import { checkpointInfo, currentReasons, isCheckpointName, readCheckpointFields } from './checkpoint-file.js';

function infoOrNull(dir: string, name: string, bytes: Uint8Array | null): CheckpointInfo | null {
  if (!bytes) return null;
  try {
    return checkpointInfo(name, readCheckpointFields(bytes, join(dir, name)));
  } catch {
    return null;
  }
}

const missingFolder = (e: NodeJS.ErrnoException): string[] => {
  if (e.code === 'ENOENT') return [];
  throw e;
};

/** The run's checkpoints, oldest first, each with the reasons it is still kept for. */
export async function listCheckpoints(dir: string): Promise<CheckpointInfo[]> {
  const names = (await readdir(dir).catch(missingFolder)).filter(isCheckpointName);
  const found: CheckpointInfo[] = [];
  // One file at a time: checkpoints of a large model are large.
  for (const name of names) {
    const bytes = await readFile(join(dir, name)).then((b) => new Uint8Array(b), () => null);
    const info = infoOrNull(dir, name, bytes);
    if (info) found.push(info);
  }
  return currentReasons(found);
}

/** listCheckpoints for a training callback, which must not yield between epochs. */
export function listCheckpointsSync(dir: string): CheckpointInfo[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter(isCheckpointName);
  } catch (e) {
    names = missingFolder(e as NodeJS.ErrnoException);
  }
  const found = names.flatMap((name) => {
    let bytes: Uint8Array | null = null;
    try {
      bytes = new Uint8Array(readFileSync(join(dir, name)));
    } catch {
      // removed or unreadable: not a usable checkpoint
    }
    return infoOrNull(dir, name, bytes) ?? [];
  });
  return currentReasons(found);
}
