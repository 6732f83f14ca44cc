/** Runs one of the PyTorch reference scripts in bench/ for `strata bench`. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs `python bench/<script> args…` and returns the JSON object its last line prints, or
 * a sentence saying why there is none (the run failed, or the script reported itself
 * unavailable with `{"unavailable": reason}`).
 */
export function pythonReference<T extends object>(python: string, script: string, args: string[], env: NodeJS.ProcessEnv = process.env): T | string {
  const path = fileURLToPath(new URL(`../../../bench/${script}`, import.meta.url));
  const run = spawnSync(python, [path, ...args], { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  if (run.error) return `PyTorch not run: ${run.error.message}`;
  if (run.status !== 0) return `PyTorch run failed: ${run.stderr.trim().split('\n').slice(-1)[0]}`;
  const result = JSON.parse(run.stdout.trim().split('\n').slice(-1)[0]!) as T | { unavailable: string };
  return 'unavailable' in result ? `PyTorch: ${result.unavailable}` : result;
}
