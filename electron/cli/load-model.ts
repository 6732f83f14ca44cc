/** Reads a model file for a command: checks the path, then evaluates it in the sandbox. */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { evaluateModelFile } from '../host/model-evaluation/index.js';
import type { EvaluatedModel } from '../host/model-evaluation/types.js';
import { CliError } from './errors.js';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  ENOTDIR: 'a part of the path is not a folder',
  ELOOP: 'too many symbolic links',
};

/**
 * Evaluates the model file at `file` (relative to the working folder). Errors name the file
 * as the person typed it, so that `examples/bad.ts:7:5` can be clicked in a terminal.
 */
export async function loadModel(file: string): Promise<EvaluatedModel> {
  const path = resolve(file);
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new CliError(`${file}: is a folder, not a model file.`);
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const reason = REASONS[code] ?? (error as Error).message;
    throw new CliError(`${file}: cannot read the model file: ${reason} (looked for ${path}).`, { cause: error });
  }
  return evaluateModelFile(path, { fileName: file });
}
