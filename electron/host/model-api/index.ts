/**
 * The model API's TypeScript declarations for the code editor, so that completion, parameter
 * hints and hover docs work for `Input`, `layers.*` and `Model` in model files.
 *
 * The files are keyed by path relative to the editor's virtual root: mounted at
 * `file:///<key>` with Node-style module resolution, `import … from 'strata'` finds
 * `node_modules/strata/package.json` and through it the declarations.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface ModelApiDeclarations {
  files: Record<string, string>;
}

/** Written by scripts/model-api-declarations.mjs for the packaged app, which has no TypeScript. */
export const DECLARATIONS_FILE = fileURLToPath(new URL('../../../dist/model-api/declarations.json', import.meta.url));

let cache: Promise<ModelApiDeclarations> | undefined;

export function modelApiDeclarations(): Promise<ModelApiDeclarations> {
  cache ??= load().catch((error: unknown) => {
    cache = undefined;
    throw error;
  });
  return cache;
}

async function load(): Promise<ModelApiDeclarations> {
  const written = await readWritten();
  if (written) return written;
  const { generateModelApiDeclarations } = await import('./generate.js');
  return generateModelApiDeclarations();
}

async function readWritten(): Promise<ModelApiDeclarations | undefined> {
  let text: string;
  try {
    text = await readFile(DECLARATIONS_FILE, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseDeclarations(text, DECLARATIONS_FILE);
}

export function parseDeclarations(text: string, where: string): ModelApiDeclarations {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where} is not JSON (${(error as Error).message}); rebuild it with scripts/model-api-declarations.mjs.`);
  }
  const files = (parsed as { files?: unknown } | null)?.files;
  const valid =
    typeof files === 'object' && files !== null && !Array.isArray(files) && Object.values(files).every((v) => typeof v === 'string');
  if (!valid) {
    throw new Error(`${where} should hold { "files": { path: text } }; it holds something else. Rebuild it with scripts/model-api-declarations.mjs.`);
  }
  return { files: files as Record<string, string> };
}
