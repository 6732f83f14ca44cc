/** The model files of a project: `models/<name>.ts` (the source of truth) and `models/<name>.layout.json`. */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describeIssues, modelLayout, projectModel, type ModelLayout, type ProjectModel } from '../../../shared/ipc/index.js';
import { readTextIfPresent, reason, writeTextAtomic } from './files.js';
import { repeatedNameProblem } from './manifest.js';
import { defaultLayout, modelCodeFile, modelLayoutFile, projectJson } from './layout.js';

export interface ReadModels {
  models: ProjectModel[];
  /** Files that are not there or cannot be used, as `models/x.ts` or `models/x.layout.json (unreadable: why)`. */
  missing: string[];
  /** When the newest of the files read last changed. */
  newestMtimeMs: number;
}

/** The named models, with what is there: a missing model is listed, a missing layout is the default one. */
export async function readModels(dir: string, names: readonly string[]): Promise<ReadModels> {
  const result: ReadModels = { models: [], missing: [], newestMtimeMs: 0 };
  for (const name of names) {
    const codeFile = modelCodeFile(name);
    let code;
    try {
      code = await readTextIfPresent(join(dir, codeFile));
    } catch (error) {
      result.missing.push(`${codeFile} (unreadable: ${reason(error)})`);
      continue;
    }
    if (code === null) {
      result.missing.push(codeFile);
      continue;
    }
    const layout = await readLayout(dir, name);
    if (layout.problem !== undefined) result.missing.push(`${modelLayoutFile(name)} (unreadable: ${layout.problem})`);
    result.models.push({ name, code: code.text, layout: layout.layout });
    result.newestMtimeMs = Math.max(result.newestMtimeMs, code.mtimeMs, layout.mtimeMs);
  }
  return result;
}

async function readLayout(dir: string, name: string): Promise<{ layout: ModelLayout; mtimeMs: number; problem?: string }> {
  let read;
  try {
    read = await readTextIfPresent(join(dir, modelLayoutFile(name)));
  } catch (error) {
    return { layout: defaultLayout(), mtimeMs: 0, problem: reason(error) };
  }
  if (read === null) return { layout: defaultLayout(), mtimeMs: 0 };
  let raw: unknown;
  try {
    raw = JSON.parse(read.text);
  } catch (error) {
    return { layout: defaultLayout(), mtimeMs: read.mtimeMs, problem: `not valid JSON: ${reason(error)}` };
  }
  const parsed = modelLayout.safeParse(raw);
  if (!parsed.success) return { layout: defaultLayout(), mtimeMs: read.mtimeMs, problem: describeIssues(parsed.error, raw) };
  return { layout: parsed.data, mtimeMs: read.mtimeMs };
}

/** Models as a caller handed them over, checked against the schema; each name once. */
export function checkModels(raw: readonly unknown[], where: string): ProjectModel[] {
  const models = raw.map((model, index) => {
    const parsed = projectModel.safeParse(model);
    if (!parsed.success) throw new Error(`Model ${index + 1} of ${where} is not a valid model: ${describeIssues(parsed.error, model)}.`);
    return parsed.data;
  });
  const repeated = repeatedNameProblem(models.map((model) => model.name));
  if (repeated !== null) throw new Error(`The models of ${where}: ${repeated}.`);
  return models;
}

export async function writeModel(dir: string, model: ProjectModel): Promise<void> {
  await writeTextAtomic(join(dir, modelCodeFile(model.name)), model.code);
  await writeTextAtomic(join(dir, modelLayoutFile(model.name)), projectJson(model.layout));
}

/** Removes a model's two files, and nothing else of the folder. */
export async function deleteModelFiles(dir: string, name: string): Promise<void> {
  for (const file of [modelCodeFile(name), modelLayoutFile(name)]) {
    const path = join(dir, file);
    try {
      await rm(path, { force: true });
    } catch (error) {
      throw new Error(`Could not delete ${path}, the file of a model no longer in the project: ${reason(error)}`);
    }
  }
}
