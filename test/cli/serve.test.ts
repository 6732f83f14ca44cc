import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServe, type Serve } from '../e2e/studio-session.js';
import { strata } from './helpers.js';

describe('strata serve', () => {
  let serve: Serve | undefined;
  afterAll(() => serve?.stop());

  it('prints where it serves, answers there, and stops on SIGTERM', async () => {
    serve = await startServe();
    expect(serve.output()).toMatch(/^Strata is serving at http:\/\/127\.0\.0\.1:\d+\n$/);
    const page = await fetch(serve.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');
    await serve.stop();
    expect(serve.process.exitCode).toBe(0);
  }, 90_000);

  it('refuses a port that is not a number, and a project that is not a folder', async () => {
    const port = await strata(['serve', '--port', 'eighty']);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port must be a whole number from 0 to 65535; received "eighty"');
    const missing = join(mkdtempSync(join(tmpdir(), 'strata-serve-')), 'nope');
    const project = await strata(['serve', '--project', missing]);
    expect(project.code).toBe(2);
    expect(project.stderr).toContain(`--project must name a project folder; "${missing}" is not a folder`);
  }, 60_000);
});
