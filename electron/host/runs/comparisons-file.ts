/** `comparisons.json` in the project: the comparisons a person saved, by name. */
import { join } from 'node:path';
import { z } from 'zod';
import { comparison, describeIssues, type Comparison } from '../../../shared/ipc/index.js';
import { readTextIfPresent, writeTextAtomic } from '../projects/files.js';
import { projectJson } from '../projects/layout.js';

const comparisonsFile = (dir: string): string => join(dir, 'comparisons.json');

export async function readComparisons(dir: string): Promise<Comparison[]> {
  const path = comparisonsFile(dir);
  const read = await readTextIfPresent(path);
  if (read === null) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(read.text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}.`);
  }
  const parsed = z.array(comparison).safeParse(raw);
  if (!parsed.success) throw new Error(`${path} is not a list of comparisons: ${describeIssues(parsed.error, raw)}.`);
  return parsed.data;
}

/** Saves a comparison, replacing the one of the same name in place; returns them all. */
export async function saveComparison(dir: string, saved: Comparison): Promise<Comparison[]> {
  const all = await readComparisons(dir);
  const at = all.findIndex((c) => c.name === saved.name);
  const next = at >= 0 ? all.map((c, i) => (i === at ? saved : c)) : [...all, saved];
  await writeTextAtomic(comparisonsFile(dir), projectJson(next));
  return next;
}
