/**
 * Studio responsiveness in serve mode, in Debian's Chromium: `npx tsx bench/studio.ts`
 * (after `npm run build`).
 *
 * 1. A generated 500-layer model (residual blocks of Dense layers) opens from a project:
 *    prints the time from loading the page to all 500 boxes on screen, and the graph view's
 *    own figure for laying out and drawing them (its `strata:graph-layout-and-render`
 *    User Timing entry; target: under 2 s).
 * 2. Typing into the editor of that model while it is re-evaluated after each pause: prints
 *    the delay from each key press to the next painted frame (median, worst) and the long
 *    tasks (over 50 ms) the page ran meanwhile — evaluation runs in the host, so typing
 *    should never wait for it.
 *
 * Options: --layers N (default 500), --keys N (characters typed, default 60).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, startServe } from '../test/e2e/studio-session.js';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const LAYERS = option('layers', 500);
const KEYS = option('keys', 60);

/** Input, then blocks of Dense → Dense → add (a residual DAG, not a plain chain), then the head. */
function generatedModel(layers: number): string {
  const blocks = Math.floor((layers - 2) / 3);
  const lines = [`import { Input, Model, layers } from 'strata';`, '', `const inputs = Input({ shape: [32] });`, `let h = inputs;`];
  for (let b = 0; b < blocks; b++) {
    lines.push(`{ const x = layers.Dense(32, { activation: 'relu' })(h); h = layers.add([h, layers.Dense(32)(x)]); }`);
  }
  for (let extra = 2 + blocks * 3; extra < layers - 1; extra++) lines.push(`h = layers.Dense(32)(h);`);
  lines.push(`const outputs = layers.Dense(10)(h);`, `export default Model({ inputs, outputs, name: 'big' });`, '');
  return lines.join('\n');
}

const project = mkdtempSync(join(tmpdir(), 'strata-bench-studio-'));
mkdirSync(join(project, 'models'));
writeFileSync(join(project, 'strata.json'), JSON.stringify({ name: 'bench', formatVersion: 1, models: ['big'], datasets: [], defaults: { model: 'big' } }));
writeFileSync(join(project, 'models', 'big.ts'), generatedModel(LAYERS));

const serve = await startServe({ args: ['--project', project] });
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const boxes = page.getByRole('region', { name: 'Model graph' }).getByRole('button', { name: /^\w+ [A-Z]\w*(,|$)/ });

  const started = Date.now();
  await page.goto(serve.url);
  await page.waitForFunction(
    (n) => document.querySelectorAll('[aria-label="Model graph"] [role="button"][aria-label*=", output"]').length >= n,
    LAYERS,
    { timeout: 120_000, polling: 'raf' },
  );
  const openMs = Date.now() - started;
  const drawn = await boxes.count();
  const layoutMs = await page.evaluate(() => {
    const entries = performance.getEntriesByName('strata:graph-layout-and-render') as PerformanceMeasure[];
    return entries.length ? entries[entries.length - 1]!.duration : NaN;
  });

  // Typing: a comment at the end of the file, in bursts, so evaluations run between them.
  await page.evaluate(() => {
    const w = window as unknown as { keyLatency: number[]; longTasks: number[] };
    w.keyLatency = [];
    w.longTasks = [];
    document.addEventListener(
      'keydown',
      (e) => requestAnimationFrame(() => setTimeout(() => w.keyLatency.push(performance.now() - e.timeStamp))),
      true,
    );
    new PerformanceObserver((list) => list.getEntries().forEach((t) => w.longTasks.push(t.duration))).observe({ type: 'longtask' });
  });
  const editor = page.getByRole('region', { name: 'Model code' });
  await editor.locator('.view-lines').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\n// ');
  for (let i = 0; i < KEYS; i++) {
    await page.keyboard.type(String.fromCharCode(97 + (i % 26)), { delay: 30 });
    if (i % 15 === 14) await page.waitForTimeout(700); // a pause: the studio re-evaluates the model
  }
  await page.waitForTimeout(1500);
  const typing = await page.evaluate(() => {
    const w = window as unknown as { keyLatency: number[]; longTasks: number[] };
    return { keyLatency: w.keyLatency, longTasks: w.longTasks };
  });
  const sorted = [...typing.keyLatency].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? NaN;
  const worst = sorted[sorted.length - 1] ?? NaN;
  const longest = typing.longTasks.length ? Math.max(...typing.longTasks) : 0;

  const ms = (v: number) => `${v.toFixed(0)} ms`;
  console.log(`Studio benchmark (serve mode, Chromium headless), ${LAYERS}-layer model, ${drawn} boxes drawn`);
  console.log(`  open project → all boxes on screen:   ${ms(openMs)}  (includes evaluating the model in the host)`);
  console.log(`  graph layout and render (User Timing): ${ms(layoutMs)}  (target < 2000 ms)`);
  console.log(`  typing ${typing.keyLatency.length} keys while re-evaluating: key → next frame median ${ms(median)}, worst ${ms(worst)}`);
  console.log(`  long tasks while typing: ${typing.longTasks.length}, longest ${ms(longest)}`);
} finally {
  await browser.close();
  await serve.stop();
}
