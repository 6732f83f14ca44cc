import { readFileSync } from 'node:fs';

/** Strata's version, from package.json ("unknown" if it cannot be read). */
export function strataVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
