/** Writes a file so that readers see the old content or the new, never a part: temp file, fsync, rename. */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let renamed = false;
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    renamed = true;
    // Make the rename itself durable; not every platform lets a folder be opened for this.
    try {
      const folder = await open(dirname(path), 'r');
      try {
        await folder.sync();
      } finally {
        await folder.close();
      }
    } catch {
      // The file is complete and in place; only the folder entry may not be on disk yet.
    }
  } finally {
    if (!renamed) await unlink(temp).catch(() => {});
  }
}
