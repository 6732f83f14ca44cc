/**
 * The training studio's responsiveness in serve mode, in Debian's Chromium:
 * `npx tsx bench/studio-runs.ts` (after `npm run build`).
 *
 * 1. A generated project with 10 finished runs of 100k batch points each (metrics.jsonl as a
 *    run writes it) opens in the Runs view; all 10 are compared: prints the time from pressing
 *    "Compare" to every chart drawn — the comparison view's `strata:compare-rendered` User
 *    Timing measure (target: under 1 s) — and the wall time the page took.
 * 2. A real run of a small model on the `blobs` built-in (tiny batches, so it streams metrics
 *    without pause) trains while its live charts are on screen: prints the long tasks the page
 *    ran (PerformanceObserver `longtask`; target: none over 100 ms).
 *
 * Options: --runs N (default 10), --points N (batch points per run, default 100000),
 * --stream-seconds N (default 10).
 */
import { mkdirSync, mkdtempSync, writeFileSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, startServe } from '../test/e2e/studio-session.js';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const RUNS = option('runs', 10);
const POINTS = option('points', 100_000);
const STREAM_SECONDS = option('stream-seconds', 10);
const STEPS_PER_EPOCH = 1000;

const MODEL = `import { Input, Model, layers, losses } from 'strata';

const inputs = Input({ shape: [2] });
const hidden = layers.Dense(16, { activation: 'relu' })(inputs);
const outputs = layers.Dense(3)(hidden);

const model = Model({ inputs, outputs, name: 'blobs_model' });
model.compile({ optimizer: 'adam', loss: losses.SparseCategoricalCrossentropy({ fromLogits: true }), metrics: ['accuracy'] });

export default model;
`;

const DATASET = { name: 'blobs', source: { kind: 'builtin', id: 'blobs' }, splits: { validation: 0.2, test: 0 }, preprocessing: { scale: 'none', oneHot: false, shuffleSeed: 1 } };

function runId(i: number): string {
  return `20260101-000000-${String(i).padStart(3, '0')}-beef`;
}

/** A finished run's folder as the host leaves it: run.json and a metrics.jsonl of `points` batches. */
async function writeRun(project: string, i: number): Promise<void> {
  const id = runId(i);
  const folder = join(project, 'runs', id);
  mkdirSync(join(folder, 'checkpoints'), { recursive: true });
  const epochs = Math.ceil(POINTS / STEPS_PER_EPOCH);
  const lr = 0.001 * (i + 1);
  const metrics = createWriteStream(join(folder, 'metrics.jsonl'));
  let last: Record<string, number> = {};
  for (let x = 0; x < POINTS; x++) {
    const loss = 1.1 * Math.exp(-x / (POINTS / (2 + i / 3))) + 0.05 + 0.02 * Math.sin(x * 0.37 + i);
    const logs = { loss, accuracy: 1 - loss / 1.2 };
    const epoch = Math.floor(x / STEPS_PER_EPOCH);
    let line = `${JSON.stringify({ scope: 'batch', x, epoch, logs })}\n`;
    if ((x + 1) % STEPS_PER_EPOCH === 0 || x === POINTS - 1) {
      last = { ...logs, val_loss: loss * 1.1, val_accuracy: 1 - (loss * 1.1) / 1.2 };
      line += `${JSON.stringify({ scope: 'epoch', x: epoch + 1, epoch, logs: last })}\n`;
    }
    if (!metrics.write(line)) await once(metrics, 'drain');
  }
  metrics.end();
  await once(metrics, 'finish');
  const config = {
    name: `bench-${i}`,
    model: 'blobs_model',
    dataset: 'blobs',
    mapping: null,
    optimizer: { className: 'Adam', learningRate: lr },
    losses: null,
    lossWeights: null,
    metrics: null,
    epochs,
    batchSize: 32,
    validationSplit: 0,
    seed: i,
    device: 'cpu',
    callbacks: { earlyStopping: null, reduceLrOnPlateau: null },
    checkpoints: { everyEpochs: null, best: { monitor: 'val_loss', mode: 'min' }, last: true },
  };
  const record = {
    id,
    name: `bench-${i}`,
    starred: false,
    tags: [],
    archived: false,
    status: 'completed',
    model: 'blobs_model',
    dataset: 'blobs',
    config,
    params: 99 + 16 * i,
    createdAt: `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`,
    startedAt: '2026-01-01T00:00:00Z',
    endedAt: '2026-01-01T00:10:00Z',
    epochsDone: epochs,
    best: last,
    last,
    error: null,
    parent: null,
    snapshot: { code: MODEL, modelConfig: {}, summary: [], dataset: DATASET },
    pid: null,
    hostPid: null,
  };
  writeFileSync(join(folder, 'run.json'), JSON.stringify(record, null, 2));
}

const project = mkdtempSync(join(tmpdir(), 'strata-bench-runs-'));
mkdirSync(join(project, 'models'));
mkdirSync(join(project, 'datasets'));
writeFileSync(join(project, 'strata.json'), JSON.stringify({ name: 'bench-runs', formatVersion: 1, models: ['blobs_model'], datasets: ['blobs'], defaults: { model: 'blobs_model' } }));
writeFileSync(join(project, 'models', 'blobs_model.ts'), MODEL);
writeFileSync(join(project, 'datasets', 'blobs.json'), JSON.stringify(DATASET, null, 2));
const writing = Date.now();
for (let i = 0; i < RUNS; i++) await writeRun(project, i);
console.log(`Wrote ${RUNS} runs × ${POINTS.toLocaleString('en-US')} batch points in ${((Date.now() - writing) / 1000).toFixed(1)} s (${project}).`);

const serve = await startServe({ args: ['--project', project] });
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(serve.url);
  await page.getByRole('button', { name: 'Runs', exact: true }).click();
  const table = page.getByRole('region', { name: 'Runs' });
  await table.getByRole('checkbox', { name: `Compare bench-${RUNS - 1}` }).waitFor({ timeout: 60_000 });
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  const longest = (tasks: number[]) => (tasks.length ? ms(Math.max(...tasks)) : 'none');
  const over = (tasks: number[]) => tasks.filter((t) => t > 100).length;
  console.log(`Training studio benchmark (serve mode, Chromium headless)`);

  /** Chooses every run, presses Compare, and waits for the comparison view's measure. */
  async function compareAll(label: string): Promise<void> {
    await page.evaluate(() => {
      const w = window as unknown as { longTasks?: number[] };
      if (w.longTasks) {
        w.longTasks.length = 0;
        return;
      }
      w.longTasks = [];
      new PerformanceObserver((list) => list.getEntries().forEach((t) => w.longTasks!.push(t.duration))).observe({ type: 'longtask' });
    });
    for (let i = 0; i < RUNS; i++) await table.getByRole('checkbox', { name: `Compare bench-${i}` }).check();
    const pressed = Date.now();
    await table.getByRole('button', { name: 'Compare', exact: true }).click();
    await page.waitForFunction(() => performance.getEntriesByName('strata:compare-rendered').length > 0, null, { timeout: 120_000, polling: 'raf' });
    const wallMs = Date.now() - pressed;
    const compare = await page.evaluate(() => {
      const w = window as unknown as { longTasks: number[] };
      const measure = performance.getEntriesByName('strata:compare-rendered').at(-1)!;
      return { measureMs: measure.duration, longTasks: w.longTasks.splice(0) };
    });
    console.log(`  compare ${RUNS} runs × ${POINTS.toLocaleString('en-US')} points, ${label}: strata:compare-rendered ${ms(compare.measureMs)} (target < 1000 ms); press → drawn ${ms(wallMs)}`);
    console.log(`    long tasks meanwhile: ${compare.longTasks.length}, longest ${longest(compare.longTasks)}`);
  }

  // First with the host reading every metrics file; then in a fresh window, the host having read them.
  await compareAll('host reading the files');
  await page.reload();
  await page.getByRole('button', { name: 'Runs', exact: true }).click();
  await table.getByRole('checkbox', { name: `Compare bench-${RUNS - 1}` }).waitFor({ timeout: 60_000 });
  await compareAll('files already read by the host');

  // A live run: the form's defaults (the model's compile()), many epochs of tiny batches.
  await table.getByRole('button', { name: 'New run' }).click();
  await page.getByLabel(/^Dataset/).selectOption('blobs');
  await page.getByLabel(/^Epochs/).fill('10000');
  await page.getByLabel(/^Batch size/).fill('2');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  const progress = page.getByRole('region', { name: 'Training progress' });
  await progress.getByText('running', { exact: true }).waitFor({ timeout: 120_000 });
  await page.evaluate(() => ((window as unknown as { longTasks: number[] }).longTasks = []));
  await page.waitForTimeout(STREAM_SECONDS * 1000);
  const streaming = await page.evaluate(() => {
    const w = window as unknown as { longTasks: number[] };
    const bar = document.querySelector('[role="progressbar"]');
    return { longTasks: w.longTasks.splice(0), progress: bar?.getAttribute('aria-valuetext') ?? '' };
  });
  await progress.getByRole('button', { name: 'Stop', exact: true }).click();

  console.log(`  ${STREAM_SECONDS} s of a live run streaming metrics (${streaming.progress}):`);
  console.log(`    long tasks: ${streaming.longTasks.length}, over 100 ms: ${over(streaming.longTasks)} (target 0), longest ${longest(streaming.longTasks)}`);
} finally {
  await browser.close();
  await serve.stop();
}
