import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProjectService } from '../../../electron/host/projects/index.js';
import type { Project, ProjectModel } from '../../../shared/ipc/index.js';

const seeds = fileURLToPath(new URL('../../../examples/seeds/', import.meta.url));
const defaultLayout = { positions: {}, expanded: [], rankdir: 'TB' };

let root: string;
let service: ProjectService;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-projects-'));
  service = new ProjectService({ userDataDir: join(root, 'user-data') });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const readJson = async (path: string): Promise<unknown> => JSON.parse(await readFile(path, 'utf8'));

/** Every file under a folder, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

function modelOf(project: Project, name: string): ProjectModel {
  const model = project.models.find((candidate) => candidate.name === name);
  if (model === undefined) throw new Error(`no model ${name} in ${project.models.map((m) => m.name).join(', ')}`);
  return model;
}

describe('templates', () => {
  it('offer the four seed models by title', () => {
    expect(service.templates().map(({ id, title }) => [id, title])).toEqual([
      ['mnist-mlp', 'MNIST MLP'],
      ['conv-autoencoder', 'Conv autoencoder'],
      ['toy-resnet', 'Toy ResNet'],
      ['ticket-model', 'Multi-input ticket model'],
    ]);
    for (const template of service.templates()) expect(template.description.length).toBeGreaterThan(10);
  });
});

describe('creating a project', () => {
  it.each([
    ['mnist-mlp', 'mnist_model'],
    ['conv-autoencoder', 'autoencoder'],
    ['toy-resnet', 'toy_resnet'],
    ['ticket-model', 'ticket_classifier'],
  ])('from the %s template writes its seed model, and opening it gives the same code', async (template, model) => {
    const dir = join(root, 'work', template);
    const created = await service.create(dir, 'My project', template);
    const seed = await readFile(join(seeds, `${model}.ts`), 'utf8');

    expect(created.dir).toBe(dir);
    expect(created.manifest).toEqual({ name: 'My project', formatVersion: 1, models: [model], datasets: [], defaults: { model } });
    expect(created.models).toEqual([{ name: model, code: seed, layout: defaultLayout }]);
    expect(created.missing).toEqual([]);
    expect(created.recovery).toBeNull();
    expect(await filesUnder(dir)).toEqual([`models/${model}.layout.json`, `models/${model}.ts`, 'strata.json']);

    const opened = await new ProjectService({ userDataDir: join(root, 'other-user') }).open(dir);
    expect(opened).toEqual(created);
  });

  it('without a template gives one starter model written in the model API', async () => {
    const project = await service.create(join(root, 'empty'), 'Empty', null);
    expect(project.manifest.models).toEqual(['model']);
    const { code } = modelOf(project, 'model');
    expect(code).toMatch(/^import \{ Input, Model, layers \} from 'strata';/);
    expect(code).toContain('Input(');
    expect(code).toContain('layers.Dense(');
    expect(code).toMatch(/export default Model\(/);
    expect(await readJson(join(root, 'empty/models/model.layout.json'))).toEqual(defaultLayout);
  });

  it('into an existing empty folder works', async () => {
    await mkdir(join(root, 'empty'));
    await expect(service.create(join(root, 'empty'), 'P', null)).resolves.toMatchObject({ manifest: { name: 'P' } });
  });

  it('refuses a folder that holds files, naming it, and leaves the files alone', async () => {
    const dir = join(root, 'busy');
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'mine');
    await expect(service.create(dir, 'P', 'mnist-mlp')).rejects.toThrow(`${dir} already holds 1 entry ("notes.txt")`);
    expect(await filesUnder(dir)).toEqual(['notes.txt']);
  });

  it('refuses an unknown template, listing the known ones', async () => {
    await expect(service.create(join(root, 'p'), 'P', 'gan')).rejects.toThrow(/Unknown project template "gan"; expected one of "mnist-mlp", .*"ticket-model"/);
  });

  it('refuses an empty project name before writing anything', async () => {
    await expect(service.create(join(root, 'p'), '', null)).rejects.toThrow(/at "name"/);
    await expect(readdir(join(root, 'p'))).rejects.toThrow();
  });
});

describe('saving and opening', () => {
  it('round-trips code, layouts and a new model', async () => {
    const dir = join(root, 'p');
    const project = await service.create(dir, 'P', 'mnist-mlp');
    const layout = { positions: { dense_1: { x: 10, y: -20.5 } }, expanded: ['encoder'], rankdir: 'LR' as const };
    const models = [
      { name: 'mnist_model', code: '// edited\n', layout },
      { name: 'second', code: 'export default 2;\n', layout: defaultLayout as ProjectModel['layout'] },
    ];
    const manifest = { ...project.manifest, models: ['mnist_model', 'second'], defaults: { model: 'second' } };

    const { savedAt } = await service.save(dir, manifest, models);
    expect(Date.parse(savedAt)).not.toBeNaN();

    const opened = await service.open(dir);
    expect(opened.manifest).toEqual(manifest);
    expect(opened.models).toEqual(models);
    expect(opened.missing).toEqual([]);
    expect(await readJson(join(dir, 'models/mnist_model.layout.json'))).toEqual(layout);
  });

  it('deletes only the files of models dropped from the manifest', async () => {
    const dir = join(root, 'p');
    const project = await service.create(dir, 'P', 'mnist-mlp');
    await mkdir(join(dir, 'runs/run-1'), { recursive: true });
    await writeFile(join(dir, 'runs/run-1/run.json'), '{}');
    await mkdir(join(dir, 'datasets'));
    await writeFile(join(dir, 'datasets/digits.json'), '{}');
    await writeFile(join(dir, 'models/notes.md'), 'keep me');

    const other = { name: 'other', code: 'x', layout: defaultLayout as ProjectModel['layout'] };
    await service.save(dir, { ...project.manifest, models: ['other'], defaults: { model: 'other' } }, [other]);

    expect(await filesUnder(dir)).toEqual([
      'datasets/digits.json',
      'models/notes.md',
      'models/other.layout.json',
      'models/other.ts',
      'runs/run-1/run.json',
      'strata.json',
    ]);
  });

  it('keeps the files of a model renamed only by case', async () => {
    const dir = join(root, 'p');
    const project = await service.create(dir, 'P', null);
    const renamed = { ...modelOf(project, 'model'), name: 'Model' };
    await service.save(dir, { ...project.manifest, models: ['Model'], defaults: { model: 'Model' } }, [renamed]);
    expect((await service.open(dir)).models).toEqual([renamed]);
  });

  it('refuses models the manifest does not name, and names repeated ignoring case', async () => {
    const dir = join(root, 'p');
    const project = await service.create(dir, 'P', null);
    const model = modelOf(project, 'model');
    await expect(service.save(dir, project.manifest, [model, { ...model, name: 'extra' }])).rejects.toThrow(
      'the model "extra" is not among the manifest\'s models (model)',
    );
    await expect(service.save(dir, { ...project.manifest, models: ['model', 'MODEL'] }, [model])).rejects.toThrow(
      'received "model" and "MODEL"',
    );
    await expect(service.save(dir, project.manifest, [{ ...model, name: '../escape' }])).rejects.toThrow(/at "name": expected a model name/);
    await expect(service.save(dir, { ...project.manifest, defaults: { model: 'gone' } }, [model])).rejects.toThrow(
      'the model to open first, "gone", is not among the manifest\'s models (model)',
    );
  });

  it('opens a manifest whose model to open first is gone', async () => {
    const dir = join(root, 'p');
    await service.create(dir, 'P', null);
    await writeFile(join(dir, 'strata.json'), JSON.stringify({ name: 'P', formatVersion: 1, models: ['model'], defaults: { model: 'gone' } }));
    expect((await service.open(dir)).manifest).toEqual({ name: 'P', formatVersion: 1, models: ['model'], datasets: [], defaults: { model: 'gone' } });
  });

  it('opens a folder that lost files with what is there, listing what is missing', async () => {
    const dir = join(root, 'p');
    const project = await service.create(dir, 'P', null);
    const layout = defaultLayout as ProjectModel['layout'];
    const models = ['a', 'b', 'c'].map((name) => ({ name, code: `// ${name}\n`, layout }));
    await service.save(dir, { ...project.manifest, models: ['a', 'b', 'c'], defaults: {} }, models);
    await rm(join(dir, 'models/a.ts'));
    await rm(join(dir, 'models/b.layout.json'));
    await writeFile(join(dir, 'models/c.layout.json'), '{"rankdir": "diagonal"}');

    const opened = await service.open(dir);
    expect(opened.models.map((model) => model.name)).toEqual(['b', 'c']);
    expect(opened.models.map((model) => model.layout)).toEqual([defaultLayout, defaultLayout]);
    expect(opened.missing).toEqual(['models/a.ts', expect.stringMatching(/^models\/c\.layout\.json \(unreadable: at "rankdir": .*received the string "diagonal"\)$/)]);
  });

  it('says a folder without strata.json is not a project', async () => {
    await mkdir(join(root, 'plain'));
    await expect(service.open(join(root, 'plain'))).rejects.toThrow(`${join(root, 'plain')} is not a Strata project: no strata.json.`);
    await expect(service.open(join(root, 'nowhere'))).rejects.toThrow(`Cannot open ${join(root, 'nowhere')}: there is no such folder.`);
  });

  it('names the file and the field of a broken manifest', async () => {
    const dir = join(root, 'p');
    await mkdir(dir);
    await writeFile(join(dir, 'strata.json'), '{"name": "P", "formatVersion": 1,');
    await expect(service.open(dir)).rejects.toThrow(`${join(dir, 'strata.json')} is not valid JSON`);
    await writeFile(join(dir, 'strata.json'), JSON.stringify({ name: 'P', formatVersion: 1, models: ['fine', 'not fine'] }));
    await expect(service.open(dir)).rejects.toThrow(
      new RegExp(`^${join(dir, 'strata.json')} is not a valid project manifest: at "models.1": expected a model name.*received the string "not fine"`),
    );
  });

  it('refuses to open or save over a project written by a newer Strata', async () => {
    const dir = join(root, 'p');
    const project = await service.create(dir, 'P', null);
    const future = JSON.stringify({ name: 'P', formatVersion: 2, graphs: {} });
    await writeFile(join(dir, 'strata.json'), future);

    await expect(service.open(dir)).rejects.toThrow(
      `${dir} was written by a newer Strata (project format 2); this Strata reads format 1 and older. Update Strata to open it.`,
    );
    await expect(service.save(dir, project.manifest, project.models)).rejects.toThrow(
      `${dir} was written by a newer Strata (project format 2); this Strata reads format 1 and older. Update Strata to save into it.`,
    );
    await expect(service.save(dir, { ...project.manifest, formatVersion: 3 }, project.models)).rejects.toThrow('project is in format 3');
    expect(await readFile(join(dir, 'strata.json'), 'utf8')).toBe(future);
  });

  it('leaves every previous file intact and no temp files when a write fails', async () => {
    const dir = join(root, 'p');
    const project = await service.create(dir, 'P', 'mnist-mlp');
    const before = await Promise.all(['strata.json', 'models/mnist_model.ts'].map((file) => readFile(join(dir, file), 'utf8')));
    // A folder where a model file should go: its rename fails the way a full disk or a lost permission would.
    await mkdir(join(dir, 'models/blocked.ts'));
    const layout = defaultLayout as ProjectModel['layout'];
    const models = [
      { name: 'blocked', code: 'new', layout },
      { name: 'mnist_model', code: 'new', layout },
    ];

    await expect(service.save(dir, { ...project.manifest, models: ['blocked', 'mnist_model'] }, models)).rejects.toThrow(
      `Could not write ${join(dir, 'models/blocked.ts')}; the previous file, if any, is unchanged`,
    );
    const after = await Promise.all(['strata.json', 'models/mnist_model.ts'].map((file) => readFile(join(dir, file), 'utf8')));
    expect(after).toEqual(before);
    expect(await filesUnder(dir)).toEqual(['models/mnist_model.layout.json', 'models/mnist_model.ts', 'strata.json']);
  });
});

describe('recovery of unsaved edits', () => {
  it('is returned on open until the project is saved or the edits discarded', async () => {
    const dir = join(root, 'p');
    const project = await service.create(dir, 'P', 'mnist-mlp');
    const edited = [{ ...modelOf(project, 'mnist_model'), code: '// unsaved\n' }];

    const { savedAt } = await service.writeRecovery(dir, edited);
    expect((await service.open(dir)).recovery).toEqual({ savedAt, models: edited });
    expect((await service.open(dir)).models).toEqual(project.models);

    await service.save(dir, project.manifest, edited);
    expect((await service.open(dir)).recovery).toBeNull();

    await service.writeRecovery(dir, edited);
    await service.discardRecovery(dir);
    expect((await service.open(dir)).recovery).toBeNull();
  });

  it('is ignored when the saved files are newer', async () => {
    const dir = join(root, 'p');
    const project = await service.create(dir, 'P', null);
    await mkdir(join(dir, '.strata'));
    await writeFile(join(dir, '.strata/recovery.json'), JSON.stringify({ savedAt: '2001-01-01T00:00:00.000Z', models: project.models }));
    expect((await service.open(dir)).recovery).toBeNull();
  });

  it('is only written into a project folder', async () => {
    await mkdir(join(root, 'plain'));
    await expect(service.writeRecovery(join(root, 'plain'), [])).rejects.toThrow('is not a Strata project: no strata.json');
  });
});

describe('save as', () => {
  it('writes the project into a new folder and takes its datasets and runs along', async () => {
    const from = join(root, 'p');
    const project = await service.create(from, 'P', 'mnist-mlp');
    await mkdir(join(from, 'runs/run-1/checkpoints'), { recursive: true });
    await writeFile(join(from, 'runs/run-1/checkpoints/epoch-1.keras'), 'weights');
    await writeFile(join(from, 'runs/run-1/metrics.jsonl'), '{"loss":1}\n');
    await mkdir(join(from, 'datasets'));
    await writeFile(join(from, 'datasets/digits.json'), '{}');
    const edited = [{ ...modelOf(project, 'mnist_model'), code: '// saved as\n' }];

    const target = join(root, 'copies', 'q');
    const copy = await service.saveAs(target, { ...project.manifest, name: 'Q' }, edited, from);

    expect(copy).toMatchObject({ dir: target, manifest: { name: 'Q' }, models: edited, missing: [], recovery: null });
    expect(await filesUnder(target)).toEqual([
      'datasets/digits.json',
      'models/mnist_model.layout.json',
      'models/mnist_model.ts',
      'runs/run-1/checkpoints/epoch-1.keras',
      'runs/run-1/metrics.jsonl',
      'strata.json',
    ]);
    expect(await readFile(join(target, 'runs/run-1/checkpoints/epoch-1.keras'), 'utf8')).toBe('weights');
    expect((await service.open(from)).models).toEqual(project.models);
  });

  it('refuses a folder that holds files, and one inside the project itself', async () => {
    const from = join(root, 'p');
    const project = await service.create(from, 'P', null);
    await mkdir(join(root, 'busy'));
    await writeFile(join(root, 'busy/x'), '');
    await expect(service.saveAs(join(root, 'busy'), project.manifest, project.models, from)).rejects.toThrow(`${join(root, 'busy')} already holds 1 entry`);
    await expect(service.saveAs(join(from, 'runs/copy'), project.manifest, project.models, from)).rejects.toThrow('lies inside the project\'s own folder');
  });

  it('into the project\'s own folder is a save', async () => {
    const dir = join(root, 'p');
    const project = await service.create(dir, 'P', null);
    const edited = [{ ...modelOf(project, 'model'), code: '// again\n' }];
    expect((await service.saveAs(dir, project.manifest, edited, dir)).models).toEqual(edited);
  });
});
