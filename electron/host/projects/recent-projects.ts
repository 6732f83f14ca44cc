/** `<userDataDir>/recent.json`: the projects opened last, newest first. */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { recentProject, type RecentProject } from '../../../shared/ipc/index.js';
import { readTextIfPresent, writeTextAtomic } from './files.js';
import { MANIFEST_FILE, projectJson } from './layout.js';

export const RECENT_LIMIT = 10;
const recentList = z.array(recentProject);

export class RecentProjects {
  private readonly file: string;
  /** Changes run one after another, so that two projects opened at once both end up in the list. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(userDataDir: string) {
    this.file = join(userDataDir, 'recent.json');
  }

  /** The list, without projects whose folder no longer holds a project. */
  list(): Promise<RecentProject[]> {
    return this.serialized(() => this.read());
  }

  add(dir: string, name: string): Promise<RecentProject[]> {
    return this.change((list) => [{ dir, name, openedAt: new Date().toISOString() }, ...list.filter((entry) => entry.dir !== dir)]);
  }

  forget(dir: string): Promise<RecentProject[]> {
    return this.change((list) => list.filter((entry) => entry.dir !== dir));
  }

  private change(edit: (list: RecentProject[]) => RecentProject[]): Promise<RecentProject[]> {
    return this.serialized(async () => {
      const list = edit(await this.read()).slice(0, RECENT_LIMIT);
      await writeTextAtomic(this.file, projectJson(list));
      return list;
    });
  }

  private serialized<T>(step: () => Promise<T>): Promise<T> {
    const result = this.queue.then(step, step);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** A list that cannot be read is a convenience lost, not a reason to stop the app: it reads as empty. */
  private async read(): Promise<RecentProject[]> {
    let raw: unknown;
    try {
      const read = await readTextIfPresent(this.file);
      if (read === null) return [];
      raw = JSON.parse(read.text);
    } catch {
      return [];
    }
    const parsed = recentList.safeParse(raw);
    if (!parsed.success) return [];
    const present = await Promise.all(parsed.data.map((entry) => isProject(entry.dir)));
    return parsed.data.filter((_, index) => present[index]);
  }
}

async function isProject(dir: string): Promise<boolean> {
  try {
    await access(join(dir, MANIFEST_FILE));
    return true;
  } catch {
    return false;
  }
}
