#!/usr/bin/env node
// Writes the model API's declarations (electron/host/model-api/generate.ts) to
// dist/model-api/declarations.json, where the host reads them: a packaged app carries no
// TypeScript compiler to generate them with.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
// Build outputs are written whole or not at all: tests that build the app may run side by side.
const { writeFileAtomic } = await import(new URL('../electron/engine/io/atomic-write.ts', import.meta.url).href);

/** Writes `data` to `path` atomically, making its folder first. */
export function writeOutput(path, data) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, data);
}

/** Returns where the declarations were written and how many files they hold. */
export async function writeModelApiDeclarations() {
  const { generateModelApiDeclarations } = await import(new URL('../electron/host/model-api/generate.ts', import.meta.url).href);
  const { DECLARATIONS_FILE } = await import(new URL('../electron/host/model-api/index.ts', import.meta.url).href);
  const declarations = generateModelApiDeclarations();
  writeOutput(DECLARATIONS_FILE, JSON.stringify(declarations));
  return { file: DECLARATIONS_FILE, count: Object.keys(declarations.files).length };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { file, count } = await writeModelApiDeclarations();
  console.log(`Wrote ${count} declaration files to ${file}`);
}
