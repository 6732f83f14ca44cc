import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `strata serve` keeps its own files (the recent-projects list); the desktop app uses Electron's userData. */
export function defaultUserDataDir(): string {
  return process.env.XDG_CONFIG_HOME ? join(process.env.XDG_CONFIG_HOME, 'strata') : join(homedir(), '.config', 'strata');
}

/** Where new projects go unless the person picks another folder. */
export function defaultProjectsDir(): string {
  return join(homedir(), 'Strata');
}

/** The built renderer, from the repository root (or the packaged app's root). */
export function rendererDir(): string {
  return fileURLToPath(new URL('../../dist/renderer', import.meta.url));
}
