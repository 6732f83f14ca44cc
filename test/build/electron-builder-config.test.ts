import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The configuration's shape, and that every file pattern finds the files it is meant to pack
 * once the app is built (package-layout.slow.test.ts packs the app for real).
 */
const root = fileURLToPath(new URL('../../', import.meta.url));

interface BuilderConfig {
  appId: string;
  productName: string;
  directories: { output: string };
  files: string[];
  asar: boolean;
  asarUnpack: string[];
  npmRebuild: boolean;
  fileAssociations: Array<{ ext: string; name: string }>;
  linux: { target: string[] };
  mac: { target: string[] };
  win: { target: string[] };
}

const config = JSON.parse(readFileSync(join(root, 'build/electron-builder.json'), 'utf8')) as BuilderConfig;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main?: string; dependencies: Record<string, string> };

/** `*` within one path segment, `**` across any number of them: the glob forms the config uses. */
function globRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  const source = escaped.replace(/\*\*\/|\*\*|\*/g, (wildcard) => (wildcard === '**/' ? '(?:.*/)?' : wildcard === '**' ? '.*' : '[^/]*'));
  return new RegExp(`^${source}$`);
}

function walk(dir: string, prefix: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const relative = prefix ? `${prefix}/${name}` : name;
    return statSync(path).isDirectory() ? walk(path, relative) : [relative];
  });
}

/** Files under the repository a pattern matches, walking only below its fixed leading folders. */
function matches(pattern: string): string[] {
  const segments = pattern.split('/');
  const fixed = segments.slice(0, segments.findIndex((s) => s.includes('*'))).join('/');
  const re = globRegExp(pattern);
  return walk(join(root, fixed), fixed).filter((file) => re.test(file));
}

describe('the electron-builder configuration', () => {
  beforeAll(() => {
    execFileSync(process.execPath, ['scripts/build-electron.mjs'], { cwd: root, stdio: 'pipe' });
  }, 120_000);

  it('names the app and writes installers to dist/installers', () => {
    expect(config.productName).toBe('Strata');
    expect(config.appId).toMatch(/^[a-z]+(\.[a-z]+)+$/);
    expect(config.directories.output).toBe('dist/installers');
    expect(config.npmRebuild).toBe(false);
  });

  it('builds exactly the four installers: AppImage and deb, dmg, nsis', () => {
    expect({ linux: config.linux.target, mac: config.mac.target, win: config.win.target }).toEqual({
      linux: ['AppImage', 'deb'],
      mac: ['dmg'],
      win: ['nsis'],
    });
  });

  it('associates project manifests with the app', () => {
    expect(config.fileAssociations).toContainEqual(expect.objectContaining({ ext: 'strata.json', name: 'Strata project' }));
  });

  it('packs the files package.json "main" needs to start, and the window it opens', () => {
    expect(pkg.main).toBe('electron/main/entry.mjs');
    const packed = new Set(config.files.flatMap(matches));
    for (const file of [pkg.main!, 'electron/main/main.ts', 'dist/electron/preload.cjs', 'dist/renderer/index.html', 'dist/model-api/declarations.json']) {
      expect(existsSync(join(root, file)), `${file} exists (is the app built? npm run build)`).toBe(true);
      expect(packed.has(file), `${file} is packed`).toBe(true);
    }
  });

  it('finds at least one real file with every pattern it packs or unpacks', () => {
    const empty = [...config.files, ...config.asarUnpack].filter((pattern) => matches(pattern).length === 0);
    expect(empty).toEqual([]);
  });

  it('unpacks from the asar what cannot be read inside it: the native addon and the esbuild executable', () => {
    const unpacked = new Set(config.asarUnpack.flatMap(matches));
    expect(config.asar).toBe(true);
    expect(matches('native/build/Release/*.node').every((file) => unpacked.has(file))).toBe(true);
    expect([...unpacked].some((file) => /^node_modules\/@esbuild\/[^/]+\/bin\/esbuild$/.test(file))).toBe(true);
    expect(pkg.dependencies).toHaveProperty('esbuild');
  });
});
