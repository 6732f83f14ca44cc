import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const vueTsc = createRequire(import.meta.url).resolve('vue-tsc/bin/vue-tsc.js');

describe('the renderer', () => {
  it('type-checks, single-file components included', () => {
    const result = spawnSync(process.execPath, [vueTsc, '--noEmit', '-p', 'renderer/tsconfig.json'], { cwd: root, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  }, 120_000);
});
