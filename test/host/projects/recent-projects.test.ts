import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProjectService } from '../../../electron/host/projects/index.js';

let root: string;
let userDataDir: string;
let service: ProjectService;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-recent-'));
  userDataDir = join(root, 'user-data');
  service = new ProjectService({ userDataDir });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const dirs = async (): Promise<string[]> => (await service.recent()).map((entry) => entry.dir);

describe('recent projects', () => {
  it('start empty, without creating anything', async () => {
    expect(await service.recent()).toEqual([]);
    await expect(readdir(userDataDir)).rejects.toThrow('ENOENT');
  });

  it('list opened and created projects newest first, each once, with their names', async () => {
    const a = (await service.create(join(root, 'a'), 'Alpha', null)).dir;
    const b = (await service.create(join(root, 'b'), 'Beta', null)).dir;
    expect(await dirs()).toEqual([b, a]);
    await service.open(a);
    expect(await service.recent()).toEqual([
      { dir: a, name: 'Alpha', openedAt: expect.any(String) },
      { dir: b, name: 'Beta', openedAt: expect.any(String) },
    ]);
  });

  it('keep the ten newest', async () => {
    const created: string[] = [];
    for (let i = 0; i < 12; i += 1) created.push((await service.create(join(root, `p${i}`), `P${i}`, null)).dir);
    expect(await dirs()).toEqual(created.slice(2).reverse());
  });

  it('are kept across service instances (app restarts)', async () => {
    const a = (await service.create(join(root, 'a'), 'A', null)).dir;
    expect((await new ProjectService({ userDataDir }).recent()).map((entry) => entry.dir)).toEqual([a]);
  });

  it('drop a project whose folder lost its strata.json, and forget one on request', async () => {
    const a = (await service.create(join(root, 'a'), 'A', null)).dir;
    const b = (await service.create(join(root, 'b'), 'B', null)).dir;
    const c = (await service.create(join(root, 'c'), 'C', null)).dir;
    await rm(join(b, 'strata.json'));
    expect(await dirs()).toEqual([c, a]);
    expect((await service.forgetRecent(c)).map((entry) => entry.dir)).toEqual([a]);
    expect(await dirs()).toEqual([a]);
  });

  it('record every one of projects opened at the same time', async () => {
    const created = await Promise.all(['a', 'b', 'c'].map((name) => service.create(join(root, name), name, null)));
    await Promise.all(created.map((project) => service.open(project.dir)));
    expect((await dirs()).sort()).toEqual(created.map((project) => project.dir).sort());
  });

  it('read as empty when the list file is damaged', async () => {
    await mkdir(userDataDir, { recursive: true });
    await writeFile(join(userDataDir, 'recent.json'), '[{"dir": 3}');
    expect(await service.recent()).toEqual([]);
    const a = (await service.create(join(root, 'a'), 'A', null)).dir;
    expect(await dirs()).toEqual([a]);
  });
});
