/**
 * The studio end to end, as a person uses it, in Debian's Chromium against `strata serve`:
 * a project from the MNIST template, a shape error typed and fixed, a layer added in the graph,
 * saved, the page reloaded and the project reopened. Screenshots of each state go to
 * test-artifacts/e2e/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, editorText, launchChromium, screenshot, startServe, type Serve } from './studio-session.js';

const SHOTS = 'e2e';
const MNIST_LAYERS = ['input_layer InputLayer', 'dense Dense', 'dense_1 Dense', 'dense_2 Dense'];

let serve: Serve;
let browser: Browser;
let page: Page;

const graph = () => page.getByRole('region', { name: 'Model graph' });
/** The graph's layer boxes: buttons whose names start "<layer> <Class>", not the zoom or edge buttons. */
const layerBoxes = () => graph().getByRole('button', { name: /^\w+ [A-Z]\w*(,|$)/ });
const problems = () => page.getByRole('region', { name: 'Problems' });
const summary = () => page.getByRole('region', { name: 'Summary' });
const code = () => page.getByRole('region', { name: 'Model code' });

async function boxNames(): Promise<string[]> {
  const labels = await layerBoxes().evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
  return labels.map((l) => l.split(',')[0]!).sort();
}


describe('the studio in Chromium (serve mode)', () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`The end-to-end tests drive Debian's Chromium at ${CHROMIUM}, which is not installed: apt-get install chromium.`);
    serve = await startServe();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
  });

  it('creates a project from the MNIST template and draws its four layers', async () => {
    await page.goto(serve.url);
    await page.getByRole('button', { name: 'New project' }).first().click();
    await page.getByLabel('Project name').fill('mnist');
    await page.getByRole('radio', { name: /MNIST MLP/ }).check();
    await page.getByRole('button', { name: 'Create' }).click();
    await expect.poll(boxNames, { timeout: 30_000 }).toEqual([...MNIST_LAYERS].sort());
    await expect.poll(() => summary().innerText()).toContain('55,050');
    await screenshot(page, SHOTS, '1-mnist-template');
    expect(existsSync(join(serve.home, 'Strata', 'mnist', 'strata.json'))).toBe(true);
  });

  it('reports a shape error typed into the code on its line, and clears it when fixed', async () => {
    // Line 19 of the template is `const outputs = layers.Dense(10)(x);`.
    await code().getByText('const outputs').click();
    await page.keyboard.press('Home');
    await page.keyboard.type('x = layers.add([x, inputs]);');
    await page.keyboard.press('Enter');
    const problem = problems().getByRole('button').first();
    await expect.poll(() => problem.innerText(), { timeout: 20_000 }).toMatch(/^19:\d+\s[\s\S]*incompatible shapes/i);
    await expect.poll(() => code().locator('.squiggly-error').count()).toBeGreaterThan(0);
    // The graph keeps the last valid model while the code is wrong.
    expect(await boxNames()).toEqual([...MNIST_LAYERS].sort());
    await screenshot(page, SHOTS, '2-shape-error');

    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Control+Shift+K');
    await expect.poll(() => problems().innerText(), { timeout: 20_000 }).toContain('No problems');
    await expect.poll(() => code().locator('.squiggly-error').count()).toBe(0);
    await screenshot(page, SHOTS, '3-fixed');
  });

  it('adds a Dense layer in the graph and the code follows', async () => {
    const before = await editorText(page);
    await layerBoxes().filter({ hasText: 'dense_1' }).first().click();
    await page.getByRole('button', { name: 'Add layer' }).click();
    await page.getByLabel('Search layers').fill('Dense');
    await page.keyboard.press('Enter');
    await expect.poll(boxNames, { timeout: 30_000 }).toEqual([...MNIST_LAYERS, 'dense_3 Dense'].sort());
    const after = await editorText(page);
    expect(after).not.toEqual(before);
    expect(after).toMatch(/layers\.Dense\(32/);
    // Inserted after dense_1: dense_2 now reads the new layer's 32 features.
    await expect.poll(() => summary().innerText()).toMatch(/dense_3[\s\S]*\(None, 32\)/);
    await screenshot(page, SHOTS, '4-dense-added');
  });

  it('saves, and after a reload reopens the project as it was', async () => {
    const codeBefore = await editorText(page);
    const summaryBefore = await summary().innerText();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.title()).toBe('mnist — Strata');
    const saved = readFileSync(join(serve.home, 'Strata', 'mnist', 'models', 'mnist_model.ts'), 'utf8');
    expect(saved).toMatch(/layers\.Dense\(32/);
    await screenshot(page, SHOTS, '5-saved');

    await page.reload();
    await page.getByRole('button', { name: 'Open project' }).first().click();
    await page.getByLabel('Project folder').fill(join(serve.home, 'Strata', 'mnist'));
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await expect.poll(boxNames, { timeout: 30_000 }).toEqual([...MNIST_LAYERS, 'dense_3 Dense'].sort());
    await expect.poll(() => summary().innerText()).toBe(summaryBefore);
    expect(await editorText(page)).toBe(codeBefore);
    expect(await page.title()).toBe('mnist — Strata');
    await screenshot(page, SHOTS, '6-reopened');
  });
});
