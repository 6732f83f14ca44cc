import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * DESIGN.md §1: the folder a file lives in says which process may run it, and imports only
 * point down the list. Each rule names the folders a folder may import from.
 */
export const RULES: Array<{ folder: string; mayImport: string[]; nodeBuiltins: boolean; electron: boolean }> = [
  { folder: 'shared', mayImport: ['shared'], nodeBuiltins: false, electron: false },
  { folder: 'electron/engine', mayImport: ['electron/engine', 'shared', 'native'], nodeBuiltins: true, electron: false },
  { folder: 'electron/host', mayImport: ['electron/host', 'electron/engine', 'shared'], nodeBuiltins: true, electron: false },
  { folder: 'electron/cli', mayImport: ['electron/cli', 'electron/host', 'electron/engine', 'shared'], nodeBuiltins: true, electron: false },
  { folder: 'electron/main', mayImport: ['electron/main', 'electron/host', 'shared'], nodeBuiltins: true, electron: true },
  { folder: 'renderer', mayImport: ['renderer', 'shared'], nodeBuiltins: false, electron: false },
];

const SOURCE = /\.(ts|mts|cts|js|mjs|vue)$/;
const SPECIFIER = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;

export function specifiersOf(source: string): string[] {
  return [...source.matchAll(SPECIFIER)].map((m) => (m[1] ?? m[2] ?? m[3] ?? m[4])!);
}

/** Problems with one file's imports, as "file: imports X (rule)". */
export function checkFile(root: string, file: string, source: string): string[] {
  const rel = relative(root, file).split(sep).join('/');
  const rule = RULES.find((r) => rel === r.folder || rel.startsWith(`${r.folder}/`));
  if (!rule) return [];
  const problems: string[] = [];
  for (const spec of specifiersOf(source)) {
    if (spec === 'electron' || spec.startsWith('electron/')) {
      if (!rule.electron) problems.push(`${rel}: imports '${spec}', which only electron/main/ may import`);
    } else if (spec.startsWith('node:')) {
      if (!rule.nodeBuiltins) problems.push(`${rel}: imports '${spec}', but ${rule.folder}/ must run without Node`);
    } else if (spec.startsWith('.')) {
      const target = relative(root, resolve(dirname(file), spec)).split(sep).join('/');
      if (!rule.mayImport.some((f) => target === f || target.startsWith(`${f}/`))) {
        problems.push(`${rel}: imports '${spec}' (${target}), but ${rule.folder}/ may import only ${rule.mayImport.join(', ')}`);
      }
    }
  }
  return problems;
}

export function sourceFiles(dir: string): string[] {
  let out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(sourceFiles(path));
    else if (SOURCE.test(name)) out.push(path);
  }
  return out;
}

export function checkTree(root: string): string[] {
  return RULES.flatMap((r) => {
    const dir = join(root, r.folder);
    try {
      statSync(dir);
    } catch {
      return [];
    }
    return sourceFiles(dir).flatMap((f) => checkFile(root, f, readFileSync(f, 'utf8')));
  });
}
