import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { checkFile, checkTree } from './import-rules.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('import directions (DESIGN.md §1)', () => {
  it('hold across the repository', () => {
    expect(checkTree(root)).toEqual([]);
  });

  it('catch electron imported outside electron/main', () => {
    const file = join(root, 'electron/host/x.ts');
    expect(checkFile(root, file, `import { app } from 'electron';`)).toHaveLength(1);
    expect(checkFile(root, join(root, 'electron/main/x.ts'), `import { app } from 'electron';`)).toEqual([]);
  });

  it('catch the renderer reaching past shared/', () => {
    const file = join(root, 'renderer/src/App.vue');
    expect(checkFile(root, file, `import { x } from '../../electron/engine/index.js';`)).toHaveLength(1);
    expect(checkFile(root, file, `import fs from 'node:fs';`)).toHaveLength(1);
    expect(checkFile(root, file, `import { x } from '../../shared/ipc.js';`)).toEqual([]);
  });

  it('catch the engine importing the host, and shared importing anything of ours', () => {
    expect(checkFile(root, join(root, 'electron/engine/a.ts'), `export * from '../host/b.js';`)).toHaveLength(1);
    expect(checkFile(root, join(root, 'shared/a.ts'), `const m = await import('../electron/engine/x.js');`)).toHaveLength(1);
    expect(checkFile(root, join(root, 'shared/a.ts'), `import { y } from './b.js';`)).toEqual([]);
  });
});
