/**
 * Saved models that name custom layer classes (Keras writes `package>Name`) open when the
 * person supplies the classes: a TypeScript file that defines them, with call() written in
 * ops, and registers them (`registerLayer('MyLayers>L1', L1)`). That file runs in the sandbox,
 * which rebuilds the saved architecture with the classes; each custom layer comes back as the
 * trace of its call(), which the host runs without the code.
 */
import { readFile } from 'node:fs/promises';
import type { SerializedLayer } from '../../engine/graph/serialize.js';
import { evaluateModelSource } from './index.js';
import type { EvaluateOptions } from './types.js';

/** The architecture `config` rebuilt with the custom layer classes `customFile` registers. */
export async function architectureWithCustomLayers(config: SerializedLayer, customFile: string, options: EvaluateOptions = {}): Promise<SerializedLayer> {
  let source: string;
  try {
    source = await readFile(customFile, 'utf8');
  } catch (e) {
    throw new Error(`Cannot read the custom layers file "${customFile}" (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`, { cause: e });
  }
  if (/^\s*export\s+default\b/m.test(source)) {
    throw new Error(`The custom layers file "${customFile}" exports a default value; it should only define and register layer classes (registerLayer('Package>Name', Name)).`);
  }
  // The file's own code first (it registers the classes), then the rebuild as its default export.
  const entry = `${source}\n;import { models as __strataModels } from 'strata';\nexport default __strataModels.modelFromJson(${JSON.stringify(config)});\n`;
  const evaluated = await evaluateModelSource(entry, { ...options, fileName: options.fileName ?? customFile });
  return evaluated.config;
}
