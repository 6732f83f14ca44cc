/**
 * Training in the studio end to end, in Chromium against `strata serve`: the MNIST template
 * trained one epoch on MNIST with its curves growing and validation accuracy above 0.9; a run
 * stopped after its first checkpoint and continued from it; a second run at another learning
 * rate; the two compared, with both curves and the learning rate among the differences.
 * Screenshots go to test-artifacts/e2e-training/.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshot, startServe, type Serve } from './studio-session.js';

const SHOTS = 'e2e-training';

let serve: Serve;
let browser: Browser;
let page: Page;

const runsTable = () => page.getByRole('region', { name: 'Runs' });
const progress = () => page.getByRole('region', { name: 'Training progress' });
const runForm = () => page.getByRole('form', { name: 'New run' });
/** The activity bar's buttons: Model, Datasets, Runs. */
const area = (name: string) => page.getByRole('navigation', { name: 'Studio areas' }).getByRole('button', { name, exact: true });
const runRow = (name: string) => runsTable().getByRole('row').filter({ hasText: name });

async function startRun(options: { epochs: number; learningRate?: number }): Promise<void> {
  if (!(await runForm().isVisible())) await runsTable().getByRole('button', { name: 'New run' }).click();
  await runForm().getByLabel(/^Dataset/).selectOption('mnist');
  await runForm().getByLabel(/^Epochs/).fill(String(options.epochs));
  await runForm().getByLabel(/^Validation split/).fill('0.1');
  if (options.learningRate !== undefined) {
    await runForm().getByLabel(/^Optimizer/).selectOption('RMSprop');
    await runForm().getByLabel(/^Learning rate/).fill(String(options.learningRate));
  }
  await runForm().getByRole('button', { name: 'Train' }).click();
}

async function status(name: string): Promise<string> {
  return (await runRow(name).innerText()).match(/\b(QUEUED|RUNNING|PAUSED|COMPLETED|STOPPED|FAILED|INTERRUPTED)\b/i)?.[1]?.toLowerCase() ?? '';
}

/** The validation accuracy the runs table shows for a run's last epoch (the cell after the best epoch's). */
async function lastValAccuracy(name: string): Promise<number> {
  const values = [...(await runRow(name).innerText()).matchAll(/val_accuracy (\d\.\d+)/g)].map((m) => Number(m[1]));
  return values.at(-1) ?? NaN;
}

describe('training in the studio (serve mode, Chromium)', () => {
  beforeAll(async () => {
    serve = await startServe();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    await page.goto(serve.url);
    await page.getByRole('button', { name: 'New project' }).first().click();
    await page.getByLabel('Project name').fill('training');
    await page.getByRole('radio', { name: /MNIST MLP/ }).check();
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('region', { name: 'Model graph' }).getByRole('button', { name: /^dense_2 Dense/ }).waitFor({ timeout: 30_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
  });

  it('picks MNIST and trains one epoch, the curves growing, to a validation accuracy above 0.9', async () => {
    await area('Datasets').click();
    await page.getByRole('region', { name: 'Datasets' }).getByRole('button', { name: 'Add MNIST' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Add dataset' }).click();
    await expect.poll(() => page.getByRole('region', { name: 'Datasets' }).innerText(), { timeout: 30_000 }).toMatch(/mnist[\s\S]*60[\s,]?000/);
    await screenshot(page, SHOTS, '1-mnist-dataset');

    await area('Runs').click();
    await startRun({ epochs: 1 });
    const bar = progress().getByRole('progressbar');
    const seen: number[] = [];
    await expect
      .poll(
        async () => {
          seen.push(Number((await bar.getAttribute('aria-valuenow').catch(() => null)) ?? NaN));
          return status('mnist_model #1');
        },
        { timeout: 120_000, interval: 250 },
      )
      .toBe('completed');
    // The bar moved while the run trained (it is pushed, not polled).
    const during = seen.filter((v) => Number.isFinite(v) && v > 0 && v < 100);
    expect(during.length).toBeGreaterThan(0);
    expect(await page.getByRole('region', { name: 'Charts' }).locator('canvas').count()).toBeGreaterThan(1);
    expect(await lastValAccuracy('mnist_model #1')).toBeGreaterThan(0.9);
    await screenshot(page, SHOTS, '2-one-epoch-trained');
  });

  it('stops a run after its first checkpoint and continues it from there', async () => {
    await startRun({ epochs: 3 });
    await expect.poll(() => progress().getByLabel('Log').innerText(), { timeout: 120_000 }).toContain('Saved checkpoint epoch-0001');
    await progress().getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => status('mnist_model #2'), { timeout: 60_000 }).toBe('stopped');
    await screenshot(page, SHOTS, '3-stopped');

    await page.getByRole('button', { name: 'Continue the run from epoch 1' }).click();
    await expect.poll(() => status('mnist_model #2'), { timeout: 180_000, interval: 500 }).toBe('completed');
    expect(await runRow('mnist_model #2').innerText()).toContain('3/3');
    const runs = join(serve.home, 'Strata', 'training', 'runs');
    const run = readdirSync(runs).map((id) => JSON.parse(readFileSync(join(runs, id, 'run.json'), 'utf8'))).find((r) => r.name === 'mnist_model #2');
    const epochs = readFileSync(join(runs, run.id, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"scope":"epoch"'));
    expect(epochs).toHaveLength(3);
    await screenshot(page, SHOTS, '4-continued-from-checkpoint');
  });

  it('trains a second run at another learning rate and compares the two', async () => {
    await startRun({ epochs: 1, learningRate: 0.0003 });
    await expect.poll(() => status('mnist_model #3'), { timeout: 120_000, interval: 500 }).toBe('completed');

    await runsTable().getByRole('checkbox', { name: 'Compare mnist_model #1' }).check();
    await runsTable().getByRole('checkbox', { name: 'Compare mnist_model #3' }).check();
    await runsTable().getByRole('button', { name: 'Compare' }).click();
    const charts = page.getByRole('region', { name: 'Charts' });
    await expect.poll(() => charts.locator('canvas').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    const legend = page.getByRole('list', { name: 'Run colours' });
    await expect.poll(() => legend.innerText()).toMatch(/mnist_model #1[\s\S]*mnist_model #3/);
    await page.getByRole('checkbox', { name: 'Differences only' }).check();
    const table = page.getByRole('region', { name: 'Hyper-parameters and metrics' }).or(page.locator('section[aria-label="Hyper-parameters and metrics"]'));
    await expect.poll(() => table.innerText()).toMatch(/[Ll]earning rate[\s\S]*0\.0003/);
    await screenshot(page, SHOTS, '5-compared');
    expect(existsSync(join(serve.home, 'Strata', 'training', 'runs'))).toBe(true);
  });

  it('opens a confusion-matrix cell on its misclassified samples', async () => {
    await runsTable().getByRole('button', { name: 'Open mnist_model #1' }).click();
    const matrix = page.getByRole('region', { name: 'Confusion matrix' }).or(page.locator('section[aria-label="Confusion matrix"]'));
    const cell = matrix.getByRole('button', { name: / taken for / }).first();
    await cell.waitFor({ timeout: 30_000 });
    const [count, actual, predicted] = (await cell.getAttribute('aria-label'))!.match(/^(\d+) (\S+) taken for (\S+)$/)!.slice(1);
    await cell.click();
    const samples = page.getByRole('list', { name: 'Misclassified samples' });
    await expect.poll(() => samples.getByRole('img').count(), { timeout: 30_000 }).toBe(Math.min(Number(count), 32));
    // Each sample shown carries the true label of its row.
    const labels = await samples.getByRole('img').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    expect(labels.every((l) => l.endsWith(`: ${actual}`))).toBe(true);
    expect(actual).not.toBe(predicted);
    await screenshot(page, SHOTS, '6-misclassified');
  });

  it('branches a run with an edited model, naming the layers that start afresh, and restores a checkpoint into the editor', async () => {
    await area('Model').click();
    const graph = page.getByRole('region', { name: 'Model graph' });
    await graph.getByRole('button', { name: /^dense_1 Dense/ }).click();
    await page.getByRole('region', { name: 'Inspector' }).getByLabel('units').fill('32');
    await page.getByRole('region', { name: 'Inspector' }).getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.getByRole('region', { name: 'Summary' }).innerText(), { timeout: 20_000 }).toMatch(/dense_1 \(Dense\)\s+\(None, 32\)/);

    await area('Runs').click();
    await runsTable().getByRole('button', { name: 'Open mnist_model #1' }).click();
    await page.getByRole('button', { name: 'Branch from epoch 1' }).click();
    const told = page.getByRole('dialog', { name: 'Branched run' });
    await expect.poll(() => told.innerText(), { timeout: 30_000 }).toMatch(/dense_1[\s\S]*dense_2|dense_2[\s\S]*dense_1/);
    expect(await told.innerText()).not.toMatch(/\bdense\b(?!_)/);
    await screenshot(page, SHOTS, '7-branched');
    await told.getByRole('button', { name: 'OK' }).click();
    await expect.poll(() => status('mnist_model #4'), { timeout: 120_000, interval: 500 }).toBe('completed');

    await runsTable().getByRole('button', { name: 'Open mnist_model #1' }).click();
    await page.getByRole('button', { name: 'Restore epoch 1 into the editor' }).click();
    await area('Model').click();
    await expect.poll(() => page.getByRole('region', { name: 'Summary' }).innerText(), { timeout: 20_000 }).toMatch(/dense_1 \(Dense\)\s+\(None, 64\)/);
    const weights = join(serve.home, 'Strata', 'training', 'models', 'mnist_model.weights.h5');
    expect(existsSync(weights)).toBe(true);
    await screenshot(page, SHOTS, '8-restored');
  });
});
