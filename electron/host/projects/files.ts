/** File-system steps the project service is made of, each failing with the path it was working on. */
import { mkdir, open, readdir, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, sep } from 'node:path';
import { writeFileAtomic } from '../../engine/io/atomic-write.js';

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

export function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** A file's text and when it last changed, or null when there is no such file. */
export async function readTextIfPresent(path: string): Promise<{ text: string; mtimeMs: number } | null> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  try {
    const { mtimeMs } = await file.stat();
    return { text: await file.readFile('utf8'), mtimeMs };
  } finally {
    await file.close();
  }
}

/** Writes through a temp file in the same folder, so that a failure leaves the previous file as it was. */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    writeFileAtomic(path, text);
  } catch (error) {
    throw new Error(`Could not write ${path}; the previous file, if any, is unchanged: ${reason(error)}`);
  }
}

/** Refuses a folder that holds anything: a new project must not mix with files it did not write. */
export async function expectNewOrEmptyFolder(dir: string): Promise<void> {
  let entries: string[];
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error(`Expected a new or empty folder for the project; ${dir} is a file.`);
    entries = await readdir(dir);
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  if (entries.length > 0) {
    const shown = entries.slice(0, 3).map((entry) => `"${entry}"`).join(', ');
    throw new Error(
      `Expected a new or empty folder for the project; ${dir} already holds ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} (${shown}${entries.length > 3 ? ', …' : ''}). Pick another folder.`,
    );
  }
}

/** Whether `inner` is `outer` or lies somewhere below it. */
export function isSameOrInside(inner: string, outer: string): boolean {
  const path = relative(outer, inner);
  return path === '' || (path !== '..' && !path.startsWith(`..${sep}`) && !isAbsolute(path));
}
