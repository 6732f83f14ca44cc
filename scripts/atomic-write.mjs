// Build outputs are written whole or not at all: tests that build the app may run side by side,
// and one of them must never read a file another is halfway through writing.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function writeFileAtomic(path, data) {
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.partial`;
  await writeFile(partial, data);
  await rename(partial, path);
}
