/**
 * `.strata/recovery.json`: edits the person has not saved yet, kept so that a crash or a
 * closed window does not lose them. Saving drops it.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { project, type Project, type ProjectModel } from '../../../shared/ipc/index.js';
import { readTextIfPresent, reason, writeTextAtomic } from './files.js';
import { projectJson, RECOVERY_FILE } from './layout.js';

type Recovery = NonNullable<Project['recovery']>;
const recoverySchema = project.shape.recovery.unwrap();

/**
 * The unsaved edits, when they are at least as new as the saved files they would replace.
 * A recovery file that cannot be read holds nothing to offer, so it counts as none.
 */
export async function readRecovery(dir: string, savedMtimeMs: number): Promise<Recovery | null> {
  let read;
  try {
    read = await readTextIfPresent(join(dir, RECOVERY_FILE));
  } catch {
    return null;
  }
  if (read === null) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(read.text);
  } catch {
    return null;
  }
  const parsed = recoverySchema.safeParse(raw);
  if (!parsed.success) return null;
  // `savedAt` has millisecond precision, file times finer: an edit kept in the same millisecond as a save is still newer.
  const savedAt = Date.parse(parsed.data.savedAt);
  return Number.isFinite(savedAt) && savedAt >= Math.floor(savedMtimeMs) ? parsed.data : null;
}

export async function writeRecovery(dir: string, models: ProjectModel[]): Promise<{ savedAt: string }> {
  const savedAt = new Date().toISOString();
  await writeTextAtomic(join(dir, RECOVERY_FILE), projectJson({ savedAt, models }));
  return { savedAt };
}

export async function discardRecovery(dir: string): Promise<void> {
  const path = join(dir, RECOVERY_FILE);
  try {
    await rm(path, { force: true });
  } catch (error) {
    throw new Error(`Could not delete the recovery file ${path}: ${reason(error)}`);
  }
}
