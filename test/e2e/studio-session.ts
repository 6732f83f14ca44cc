/**
 * What the end-to-end tests and the studio benchmark share: `strata serve` started as a person
 * starts it (its own HOME, so projects and the recent list are the test's), and Debian's
 * Chromium driven by playwright-core with a fresh profile.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureBuilt } from '../helpers/built-app.js';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const CHROMIUM = '/usr/bin/chromium';

export interface Serve {
  url: string;
  home: string;
  process: ChildProcess;
  /** Everything the server printed, for a failing test's message. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `strata serve --port 0` and waits for its "Strata is serving at …" line. */
export async function startServe(options: { home?: string; args?: string[] } = {}): Promise<Serve> {
  ensureBuilt();
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'strata-e2e-home-'));
  const child = spawn(process.execPath, [join(REPO, 'bin/strata.mjs'), 'serve', '--port', '0', ...(options.args ?? [])], {
    cwd: REPO,
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (c) => (text += c));
  child.stderr!.on('data', (c) => (text += c));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`strata serve printed no address in 60 s:\n${text}`)), 60_000);
    const look = () => {
      const match = /Strata is serving at (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', look);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`strata serve exited with ${code}:\n${text}`));
    });
  });
  return {
    url,
    home,
    process: child,
    output: () => text,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** playwright's launch() gives each browser a fresh, empty profile folder of its own. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Screenshots of each state, for a person to look at (`test-artifacts/` is git-ignored). */
export async function screenshot(page: Page, folder: string, name: string): Promise<void> {
  const dir = join(REPO, 'test-artifacts', folder);
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

/**
 * What the code editor shows, as plain text. Monaco draws only the lines in view (the models
 * the tests edit fit) and draws spaces as no-break spaces.
 */
export async function editorText(page: Page): Promise<string> {
  const text = await page.getByRole('region', { name: 'Model code' }).locator('.view-lines').innerText();
  return text.replace(/\u00a0/g, ' ');
}
