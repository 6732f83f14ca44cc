/**
 * Which project the app was asked to open: a `strata.json` or a project folder given on the
 * command line (Windows and Linux file associations, a second launch) or by the system
 * (macOS' open-file).
 */
import { statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

const MANIFEST = 'strata.json';

function kindOf(path: string): 'file' | 'folder' | null {
  try {
    const info = statSync(path);
    return info.isDirectory() ? 'folder' : info.isFile() ? 'file' : null;
  } catch {
    return null;
  }
}

/** The project folder `path` names (its manifest or the folder itself), or null when it names none. */
export function projectDirOf(path: string): string | null {
  const kind = kindOf(path);
  if (kind === 'file') return basename(path) === MANIFEST ? dirname(path) : null;
  if (kind === 'folder') return kindOf(resolve(path, MANIFEST)) === 'file' ? path : null;
  return null;
}

/**
 * The first project among command-line arguments, relative to `cwd`. Switches (`--flag`) and
 * paths that are not projects (in development, Electron's own app folder) are passed over.
 */
export function projectDirFromArgs(args: readonly string[], cwd: string): string | null {
  for (const arg of args) {
    if (arg.startsWith('-')) continue;
    const dir = projectDirOf(resolve(cwd, arg));
    if (dir !== null) return dir;
  }
  return null;
}
