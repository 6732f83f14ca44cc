#!/usr/bin/env node
// Builds what the desktop app needs besides the renderer (`npm run build:renderer`):
//   dist/electron/preload.cjs          the window's preload, bundled into one CommonJS file,
//                                      because a sandboxed preload may require only 'electron';
//   dist/model-api/declarations.json   the model API's declarations for the code editor.
// The main process itself is not bundled: electron/main/entry.mjs runs it from source with tsx.
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { writeModelApiDeclarations, writeOutput } from './model-api-declarations.mjs';

const PRELOAD_OUT = fileURLToPath(new URL('../dist/electron/preload.cjs', import.meta.url));

const preload = await esbuild.build({
  entryPoints: [fileURLToPath(new URL('../electron/main/preload.ts', import.meta.url))],
  outfile: PRELOAD_OUT,
  write: false,
  bundle: true,
  format: 'cjs',
  platform: 'browser',
  target: 'es2022',
  external: ['electron'],
  minify: true,
  logLevel: 'warning',
});
writeOutput(PRELOAD_OUT, preload.outputFiles[0].contents);
console.log(`Wrote ${PRELOAD_OUT}`);

const { file, count } = await writeModelApiDeclarations();
console.log(`Wrote ${count} declaration files to ${file}`);
