/**
 * Reads the model a command names: a model file (TypeScript or JavaScript, evaluated in the
 * sandbox) or a saved model (`.keras`, told by its first bytes). Errors name the file as the
 * person typed it, so that `examples/bad.ts:7:5` can be clicked in a terminal.
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Functional } from '../engine/graph/functional.js';
import { loadModelFile, readModelConfig } from '../engine/io/model-file.js';
import { architectureWithCustomLayers } from '../host/model-evaluation/custom-layers.js';
import { evaluateModelFile } from '../host/model-evaluation/index.js';
import type { CommandIO, OptionSpec } from './command.js';
import { CliError } from './errors.js';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  ENOTDIR: 'a part of the path is not a folder',
  ELOOP: 'too many symbolic links',
};

const MODEL_CODE = /\.(ts|mts|cts|js|mjs|cjs)$/;

export interface LoadedForCommand {
  model: Functional;
  /** What a model file printed while it ran (none for saved models). */
  logs: string[];
}

export const CUSTOM_LAYERS_OPTION: OptionSpec = {
  name: 'custom-layers',
  type: 'string',
  value: 'file.ts',
  description: "for a saved model that uses custom layer classes: a TypeScript file that defines them and registers them under the names the model file gives (registerLayer('MyLayers>L1', L1))",
};

/**
 * Loads `file` (relative to the working folder); a saved model's loading warnings go to
 * stderr. `customLayers` names a file supplying the custom classes a saved model needs.
 */
export async function loadModel(file: string, io: CommandIO, customLayers?: unknown): Promise<LoadedForCommand> {
  const path = resolve(file);
  try {
    const info = await stat(path);
    // A folder is a model only as a TensorFlow.js model (model.json and its weight files).
    if (info.isDirectory() && !(await stat(join(path, 'model.json')).catch(() => null))) {
      throw new CliError(`${file}: is a folder without a model.json, not a model file or a TensorFlow.js model folder.`);
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const reason = REASONS[code] ?? (error as Error).message;
    throw new CliError(`${file}: cannot read the model file: ${reason} (looked for ${path}).`, { cause: error });
  }
  if (MODEL_CODE.test(file)) {
    if (customLayers !== undefined) throw new CliError(`--custom-layers is for saved models; ${file} is a model file, which defines its own layers.`);
    const evaluated = await evaluateModelFile(path, { fileName: file });
    return { model: evaluated.model, logs: evaluated.logs };
  }
  if (customLayers !== undefined && typeof customLayers !== 'string') throw new CliError('--custom-layers takes a .ts file.');
  const architecture = typeof customLayers === 'string' ? await architectureWithCustomLayers(await readModelConfig(file), customLayers) : undefined;
  const loaded = await loadModelFile(file, { architecture });
  for (const warning of loaded.warnings) io.stderr(`strata: warning: ${warning}\n`);
  return { model: loaded.model, logs: [] };
}
