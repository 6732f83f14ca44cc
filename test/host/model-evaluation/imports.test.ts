import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const SPECIFIER = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|mts|cts|js|mjs)$/.test(name) ? [path] : [];
  });
}

describe('model evaluation imports (DESIGN.md §1)', () => {
  it('never imports electron: host code runs in plain Node', () => {
    const offending = sources(join(root, 'electron/host')).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(SPECIFIER)]
        .map((m) => m[1] ?? m[2] ?? m[3] ?? m[4]!)
        .filter((spec) => spec === 'electron' || spec.startsWith('electron/'))
        .map((spec) => `${relative(root, file)} imports '${spec}'`),
    );
    expect(offending).toEqual([]);
  });

  it('loads in plain Node, where electron is not available', async () => {
    const mod = await import('../../../electron/host/model-evaluation/index.js');
    expect(typeof mod.evaluateModelSource).toBe('function');
    expect(typeof mod.evaluateModelFile).toBe('function');
    expect(typeof mod.ModelFileError).toBe('function');
  });
});
