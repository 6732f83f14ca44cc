/**
 * The rest of the studio's editing, end to end in Chromium against `strata serve --project`:
 * nested models opened and closed, a layer's options changed in the inspector, undo and redo
 * across graph and code, a box moved and its place saved, unsaved edits recovered after a
 * reload, hover documentation and parameter hints in the code editor, and a project from a
 * newer Strata refused. Screenshots go to test-artifacts/e2e-editing/.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { REPO, editorText, launchChromium, screenshot, startServe, type Serve } from './studio-session.js';

const SHOTS = 'e2e-editing';

let serve: Serve;
let browser: Browser;
let page: Page;
let projectDir: string;

const graph = () => page.getByRole('region', { name: 'Model graph' });
const box = (name: string) => graph().getByRole('button', { name: new RegExp(`^${name} [A-Z]\\w*(,|$)`) });
const summary = () => page.getByRole('region', { name: 'Summary' });
const inspector = () => page.getByRole('region', { name: 'Inspector' });
const code = () => page.getByRole('region', { name: 'Model code' });

function writeProject(dir: string, formatVersion = 1): void {
  mkdirSync(join(dir, 'models'), { recursive: true });
  const seed = (name: string) => readFileSync(join(REPO, 'examples/seeds', `${name}.ts`), 'utf8');
  writeFileSync(join(dir, 'models', 'mnist_model.ts'), seed('mnist_model'));
  writeFileSync(join(dir, 'models', 'autoencoder_nested.ts'), seed('autoencoder_nested'));
  const manifest = { name: 'editing', formatVersion, models: ['mnist_model', 'autoencoder_nested'], datasets: [], defaults: { model: 'mnist_model' } };
  writeFileSync(join(dir, 'strata.json'), JSON.stringify(manifest, null, 2));
}

describe('editing in the studio (serve mode, Chromium)', () => {
  beforeAll(async () => {
    projectDir = join(mkdtempSync(join(tmpdir(), 'strata-e2e-editing-')), 'editing');
    writeProject(projectDir);
    serve = await startServe({ args: ['--project', projectDir] });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    await page.goto(serve.url);
    await box('dense_1').waitFor({ timeout: 30_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
  });

  it('changes a layer in the inspector; undo and redo go through graph and code alike', async () => {
    await box('dense_1').click();
    await inspector().getByLabel('units').fill('48');
    await inspector().getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => summary().innerText(), { timeout: 20_000 }).toMatch(/dense_1 \(Dense\)\s+\(None, 48\)/);
    await expect.poll(() => editorText(page)).toMatch(/Dense\(48/);
    await screenshot(page, SHOTS, '1-inspector-units-48');

    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => summary().innerText(), { timeout: 20_000 }).toMatch(/dense_1 \(Dense\)\s+\(None, 64\)/);
    await page.getByRole('button', { name: 'Redo' }).click();
    await expect.poll(() => summary().innerText(), { timeout: 20_000 }).toMatch(/dense_1 \(Dense\)\s+\(None, 48\)/);
  });

  it('keeps a moved box where it was put, in the layout file', async () => {
    const target = box('dense');
    const before = (await target.boundingBox())!;
    await page.mouse.move(before.x + before.width / 2, before.y + 10);
    await page.mouse.down();
    await page.mouse.move(before.x + before.width / 2 + 120, before.y + 40, { steps: 8 });
    await page.mouse.up();
    const after = (await target.boundingBox())!;
    expect(after.x - before.x).toBeGreaterThan(60);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.title()).toBe('editing — Strata');
    const layout = JSON.parse(readFileSync(join(projectDir, 'models', 'mnist_model.layout.json'), 'utf8'));
    expect(Object.keys(layout.positions)).toEqual(['dense']);
    await screenshot(page, SHOTS, '2-box-moved-and-saved');
  });

  it('opens and closes a nested model', async () => {
    await page.getByRole('tab', { name: /autoencoder_nested/ }).click();
    await box('encoder').waitFor({ timeout: 30_000 });
    await expect(box('encoder').getAttribute('aria-label')).resolves.toMatch(/^encoder Functional/);
    expect(await box('conv2d').count()).toBe(0);
    await graph().getByRole('button', { name: 'Expand encoder' }).click();
    await box('conv2d').first().waitFor();
    await screenshot(page, SHOTS, '3-encoder-expanded');
    await graph().getByRole('button', { name: 'Collapse encoder' }).click();
    await expect.poll(() => box('conv2d').count()).toBe(0);
  });

  it('offers unsaved edits back after the page is reloaded', async () => {
    await page.getByRole('tab', { name: /mnist_model/ }).click();
    await box('dense_1').waitFor();
    await code().locator('.view-lines').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(' // kept across a reload');
    await page.waitForTimeout(3500); // the recovery file is written a moment after typing stops
    await page.reload();
    await page.getByRole('button', { name: 'Restore unsaved changes' }).click();
    await expect.poll(() => editorText(page), { timeout: 20_000 }).toContain('// kept across a reload');
    await expect.poll(() => page.title()).toBe('editing • — Strata');
    await screenshot(page, SHOTS, '4-recovered');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.title()).toBe('editing — Strata');
    expect(readFileSync(join(projectDir, 'models', 'mnist_model.ts'), 'utf8')).toContain('// kept across a reload');
  });

  it("explains the model API on hover and names a layer's arguments as they are typed", async () => {
    await code().getByText('Dense', { exact: true }).first().hover();
    await expect.poll(() => page.locator('.monaco-hover').allInnerTexts(), { timeout: 20_000 }).toEqual(
      expect.arrayContaining([expect.stringMatching(/layers\.Dense\(units, options\?\)/)]),
    );
    await code().locator('.view-lines').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('const probe = layers.Conv2D(');
    await expect.poll(() => page.locator('.parameter-hints-widget').innerText(), { timeout: 20_000 }).toMatch(/filters[\s\S]*kernelSize/);
    await screenshot(page, SHOTS, '5-parameter-hints');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Undo' }).click();
  });

  it('refuses a project written by a newer Strata, saying why', async () => {
    const newer = join(mkdtempSync(join(tmpdir(), 'strata-e2e-newer-')), 'future');
    writeProject(newer, 99);
    await page.getByRole('button', { name: 'Open project' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Project folder').fill(newer);
    await dialog.getByRole('button', { name: 'Open', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').allInnerTexts(), { timeout: 20_000 }).toEqual(
      expect.arrayContaining([expect.stringMatching(/newer Strata \(project format 99\)/)]),
    );
    await screenshot(page, SHOTS, '6-newer-format-refused');
  });
});
