/**
 * Projects (DESIGN.md §5): creating, opening and saving project folders, the recovery file
 * of unsaved edits, and the recent-projects list.
 */
import { cp, mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  PROJECT_FORMAT_VERSION,
  type Project,
  type ProjectManifest,
  type ProjectModel,
  type ProjectTemplate,
  type RecentProject,
} from '../../../shared/ipc/index.js';
import { expectNewOrEmptyFolder, isFolder, isNotFound, isSameOrInside, reason } from './files.js';
import { defaultLayout, MANIFEST_FILE, WORK_FOLDERS } from './layout.js';
import { checkManifest, readManifest, writeManifest } from './manifest.js';
import { checkModels, deleteModelFiles, readModels, writeModel } from './models.js';
import { discardRecovery, readRecovery, writeRecovery } from './recovery.js';
import { RecentProjects } from './recent-projects.js';
import { projectTemplates, templateModel } from './templates.js';

export class ProjectService {
  private readonly recentProjects: RecentProjects;

  constructor(options: { userDataDir: string }) {
    this.recentProjects = new RecentProjects(options.userDataDir);
  }

  templates(): ProjectTemplate[] {
    return projectTemplates();
  }

  /** Makes a new project folder (which must be new or empty) and opens it. */
  async create(dir: string, name: string, template: string | null): Promise<Project> {
    const folder = resolve(dir);
    const model = await templateModel(template);
    const manifest = checkManifest(
      { name, formatVersion: PROJECT_FORMAT_VERSION, models: [model.name], datasets: [], defaults: { model: model.name } },
      `The new project in ${folder}`,
    );
    await expectNewOrEmptyFolder(folder);
    await mkdir(folder, { recursive: true });
    await writeProject(folder, manifest, [{ ...model, layout: defaultLayout() }]);
    return this.open(folder);
  }

  /** Reads a project folder with what is there; files the manifest names but the folder lacks are listed in `missing`. */
  async open(dir: string): Promise<Project> {
    const folder = resolve(dir);
    await expectFolder(folder);
    const { manifest, mtimeMs } = await readManifest(folder, 'open');
    const { models, missing, newestMtimeMs } = await readModels(folder, manifest.models);
    const recovery = await readRecovery(folder, Math.max(mtimeMs, newestMtimeMs));
    await this.recentProjects.add(folder, manifest.name);
    return { dir: folder, manifest, models, missing, recovery };
  }

  /**
   * Writes the project over its folder: each file atomically, the manifest last, then drops the
   * files of models the manifest no longer names and the recovery file. Models the manifest
   * names but `models` leaves out (files that were missing) are left as they are on disk.
   */
  async save(dir: string, manifest: ProjectManifest, models: ProjectModel[]): Promise<{ savedAt: string }> {
    const folder = resolve(dir);
    const checked = checkProject(folder, manifest, models);
    const { manifest: saved } = await readManifest(folder, 'save into');
    await writeProject(folder, checked.manifest, checked.models);
    // Compared ignoring case: on macOS and Windows `Model.ts` and `model.ts` are one file, which a rename by case keeps.
    const kept = new Set(checked.manifest.models.map((name) => name.toLowerCase()));
    for (const name of saved.models) {
      if (!kept.has(name.toLowerCase())) await deleteModelFiles(folder, name);
    }
    await discardRecovery(folder);
    return { savedAt: new Date().toISOString() };
  }

  /**
   * Writes the project into another folder, which must be new or empty, and opens it there.
   * With `from`, the datasets and training runs of that folder come along.
   */
  async saveAs(dir: string, manifest: ProjectManifest, models: ProjectModel[], from: string | null): Promise<Project> {
    const folder = resolve(dir);
    const source = from === null ? null : resolve(from);
    if (source === folder) {
      await this.save(folder, manifest, models);
      return this.open(folder);
    }
    const checked = checkProject(folder, manifest, models);
    if (source !== null && isSameOrInside(folder, source)) {
      throw new Error(`Cannot save the project as ${folder}: that folder lies inside the project's own folder ${source}. Pick a folder outside it.`);
    }
    await expectNewOrEmptyFolder(folder);
    await mkdir(folder, { recursive: true });
    if (source !== null) await copyWorkFolders(source, folder);
    await writeProject(folder, checked.manifest, checked.models);
    return this.open(folder);
  }

  /** Keeps unsaved edits in the project's recovery file. */
  async writeRecovery(dir: string, models: ProjectModel[]): Promise<{ savedAt: string }> {
    const folder = resolve(dir);
    const checked = checkModels(models, `the unsaved edits of ${folder}`);
    await readManifest(folder, 'keep unsaved edits in');
    return writeRecovery(folder, checked);
  }

  async discardRecovery(dir: string): Promise<void> {
    await discardRecovery(resolve(dir));
  }

  recent(): Promise<RecentProject[]> {
    return this.recentProjects.list();
  }

  forgetRecent(dir: string): Promise<RecentProject[]> {
    return this.recentProjects.forget(resolve(dir));
  }
}

/** The project as a caller handed it over, checked: a manifest that fits, naming every model given and the one to open first. */
function checkProject(folder: string, manifest: ProjectManifest, models: ProjectModel[]): { manifest: ProjectManifest; models: ProjectModel[] } {
  if (manifest.formatVersion > PROJECT_FORMAT_VERSION) {
    throw new Error(`Cannot save ${folder}: the project is in format ${manifest.formatVersion}, newer than the format ${PROJECT_FORMAT_VERSION} this Strata writes. Update Strata to save it.`);
  }
  const checkedManifest = checkManifest(manifest, `The manifest to save into ${folder}`);
  const checkedModels = checkModels(models, `the project to save into ${folder}`);
  const unnamed = checkedModels.find((model) => !checkedManifest.models.includes(model.name));
  if (unnamed !== undefined) {
    throw new Error(
      `Cannot save ${folder}: the model "${unnamed.name}" is not among the manifest's models (${checkedManifest.models.join(', ') || 'none'}); expected every model saved to be named there.`,
    );
  }
  const first = checkedManifest.defaults.model;
  if (first !== undefined && !checkedManifest.models.includes(first)) {
    throw new Error(
      `Cannot save ${folder}: the model to open first, "${first}", is not among the manifest's models (${checkedManifest.models.join(', ') || 'none'}).`,
    );
  }
  return { manifest: checkedManifest, models: checkedModels };
}

/** Model files first and the manifest last, so that the manifest never names a model whose files were not written. */
async function writeProject(folder: string, manifest: ProjectManifest, models: ProjectModel[]): Promise<void> {
  for (const model of models) await writeModel(folder, model);
  await writeManifest(folder, manifest);
}

async function expectFolder(folder: string): Promise<void> {
  try {
    if (!(await stat(folder)).isDirectory()) throw new Error(`${folder} is not a Strata project: it is a file, not a folder. Open the folder that holds ${MANIFEST_FILE}.`);
  } catch (error) {
    if (isNotFound(error)) throw new Error(`Cannot open ${folder}: there is no such folder.`);
    throw error;
  }
}

async function copyWorkFolders(source: string, target: string): Promise<void> {
  for (const name of WORK_FOLDERS) {
    const from = join(source, name);
    if (!(await isFolder(from))) continue;
    try {
      await cp(from, join(target, name), { recursive: true, errorOnExist: true, force: false });
    } catch (error) {
      throw new Error(`Could not copy ${from} into ${target}: ${reason(error)}`);
    }
  }
}
