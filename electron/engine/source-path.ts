import { fileURLToPath } from 'node:url';

/**
 * The file a module URL names, as a separate program can read it. esbuild (a Go binary) bundles
 * the engine's sources at run time; in the packaged app they are unpacked beside the asar
 * archive, which only Electron's own file functions see into (build/electron-builder.json).
 */
export function sourcePath(url: URL): string {
  return fileURLToPath(url).replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}
