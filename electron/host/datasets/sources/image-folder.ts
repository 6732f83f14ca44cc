/**
 * Image-folder sources: one sub-folder per class (sorted folder names are the class names),
 * PNG or JPEG files inside, each decoded, converted to the chosen channels and resized to
 * the chosen height and width. Samples come class by class, files in name order.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { DatasetSource } from '../../../../shared/ipc/index.js';
import { decodeImage } from '../decode-image.js';
import { resizeBilinear } from '../resize.js';
import { FIELD, type SourceData } from './types.js';

type ImageFolderSource = Extract<DatasetSource, { kind: 'imageFolder' }>;

/** Beyond this an image folder is better converted to an array file once than decoded on every load. */
export const MAX_IMAGE_FILES = 200_000;
const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);
/** Files decoded between two turns of the event loop, so that a large folder does not freeze the host. */
const FILES_PER_TURN = 64;

const visible = (entry: Dirent) => !entry.name.startsWith('.');

/** The class folders' names, sorted: the class names. */
export async function classFolders(path: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch (error) {
    throw new Error(`${path}: expected a folder with one sub-folder per class, which could not be read (${(error as Error).message})`);
  }
  return entries.filter((e) => e.isDirectory() && visible(e)).map((e) => e.name).sort();
}

/** The class folders and their image files, in sample order. */
export async function listImageFolder(path: string): Promise<Array<{ name: string; files: string[] }>> {
  const classes = await classFolders(path);
  if (classes.length === 0) throw new Error(`${path}: expected one sub-folder per class, received a folder without sub-folders`);
  const listed: Array<{ name: string; files: string[] }> = [];
  let total = 0;
  for (const name of classes) {
    const folder = join(path, name);
    const files = (await readdir(folder, { withFileTypes: true }))
      .filter((e) => e.isFile() && visible(e) && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase()))
      .map((e) => join(folder, e.name))
      .sort();
    total += files.length;
    if (total > MAX_IMAGE_FILES) {
      throw new Error(`${path}: expected at most ${MAX_IMAGE_FILES} image files, received more; convert the images to an NPY or IDX file and import that instead`);
    }
    listed.push({ name, files });
  }
  if (total === 0) throw new Error(`${path}: expected PNG or JPEG files (.png, .jpg, .jpeg) in the class folders ${classes.map((c) => `"${c}"`).join(', ')}, received none`);
  return listed;
}

export async function loadImageFolder(source: ImageFolderSource, path: string): Promise<SourceData> {
  const classes = await listImageFolder(path);
  const { height, width, channels } = source;
  const sampleSize = height * width * channels;
  const count = classes.reduce((n, c) => n + c.files.length, 0);
  const images = new Float32Array(count * sampleSize);
  const labels = new Int32Array(count);
  let i = 0;
  for (const [label, { files }] of classes.entries()) {
    for (const file of files) {
      let image;
      try {
        image = decodeImage(await readFile(file), channels);
      } catch (error) {
        throw new Error(`${file}: could not be read as an image: ${(error as Error).message}`);
      }
      const pixels =
        image.height === height && image.width === width ? image.pixels : resizeBilinear(image.pixels, image, { height, width }, channels);
      images.set(pixels, i * sampleSize);
      labels[i] = label;
      i++;
      if (i % FILES_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return {
    splits: {
      train: {
        [FIELD.image]: { shape: [count, height, width, channels], dtype: 'float32', data: images },
        [FIELD.label]: { shape: [count], dtype: 'int32', data: labels },
      },
    },
    features: [FIELD.image],
    label: FIELD.label,
    classNames: classes.map((c) => c.name),
    view: { kind: 'image', field: FIELD.image },
  };
}
