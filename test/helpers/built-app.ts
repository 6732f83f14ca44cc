/**
 * Tests of the studio need its built window (`dist/renderer`) and preload. `npm test` builds
 * them first (pretest); a single test file run on its own builds them here when they are
 * missing, one build at a time across test workers (a lock folder), since a Vite build
 * empties its output folder while it runs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUTPUTS = ['dist/renderer/index.html', 'dist/electron/preload.cjs', 'dist/model-api/declarations.json'];
const LOCK = join(ROOT, 'dist', '.build-lock');
const STALE_LOCK_MS = 5 * 60_000;

const built = () => OUTPUTS.every((f) => existsSync(join(ROOT, f)));

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function ensureBuilt(): void {
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  while (!built()) {
    try {
      mkdirSync(LOCK);
    } catch {
      // Another worker is building: wait for it (or for a lock left by a killed run to age out).
      if (Date.now() - statSync(LOCK, { throwIfNoEntry: false })!.mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      sleep(500);
      continue;
    }
    try {
      if (!built()) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
  }
}
