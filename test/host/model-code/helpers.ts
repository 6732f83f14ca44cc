import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Evaluation } from '../../../shared/ipc/index.js';
import { evaluateForStudio } from '../../../electron/host/model-code/index.js';

export const examplesDir = join(dirname(fileURLToPath(import.meta.url)), '../../../examples');

/** Every example model file, by its path under examples/. */
export function exampleFiles(): string[] {
  const ts = (dir: string) => readdirSync(join(examplesDir, dir)).filter((f) => f.endsWith('.ts')).map((f) => (dir ? `${dir}/${f}` : f));
  return [...ts(''), ...ts('seeds')];
}

export function exampleCode(file: string): string {
  return readFileSync(join(examplesDir, file), 'utf8');
}

export async function evaluated(code: string, fileName = 'model.ts'): Promise<Extract<Evaluation, { ok: true }>> {
  const result = await evaluateForStudio(code, fileName);
  if (!result.ok) expect.fail(`expected ${fileName} to evaluate; got ${JSON.stringify(result.diagnostics)}`);
  return result;
}
