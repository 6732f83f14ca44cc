/**
 * A new run's record: the model code of the project as it is now, evaluated for its config and
 * summary, and the dataset's definition — the snapshot the run trains from whatever is edited
 * later. A model that does not evaluate, or a dataset that is not there, makes a run that
 * failed with the reason, so the person sees it where they look for their runs.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatasetDefinition, RunConfig, RunSummary } from '../../../shared/ipc/index.js';
import type { Functional } from '../../engine/graph/functional.js';
import { summarize } from '../../engine/graph/summary.js';
import { evaluateModelSource, ModelFileError } from '../model-evaluation/index.js';
import { isNotFound, reason } from '../projects/files.js';
import { modelCodeFile } from '../projects/layout.js';
import type { RunRecord } from './run-files.js';

export interface NewRun {
  record: RunRecord;
  /** The evaluated model; null for a run that failed before training. */
  model: Functional | null;
}

async function modelCode(dir: string, model: string): Promise<string> {
  const path = join(dir, modelCodeFile(model));
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(isNotFound(error) ? `The project has no model "${model}" (no ${path}).` : `Could not read ${path}: ${reason(error)}`);
  }
}

export async function newRun(options: {
  dir: string;
  id: string;
  config: RunConfig;
  name: string;
  datasets: DatasetDefinition[];
  parent: RunSummary['parent'];
}): Promise<NewRun> {
  const { dir, id, config, name, datasets, parent } = options;
  const now = new Date().toISOString();
  const record: RunRecord = {
    id,
    name,
    starred: false,
    tags: [],
    archived: false,
    status: 'queued',
    model: config.model,
    dataset: config.dataset,
    config,
    params: 0,
    createdAt: now,
    startedAt: null,
    endedAt: null,
    epochsDone: 0,
    best: null,
    last: null,
    error: null,
    parent,
    snapshot: { code: '', modelConfig: {} as RunRecord['snapshot']['modelConfig'], summary: [], dataset: datasets.find((d) => d.name === config.dataset) ?? null },
    pid: null,
    hostPid: process.pid,
  };
  try {
    record.snapshot.code = await modelCode(dir, config.model);
    const fileName = modelCodeFile(config.model);
    let evaluated;
    try {
      evaluated = await evaluateModelSource(record.snapshot.code, { fileName });
    } catch (error) {
      throw error instanceof ModelFileError ? new Error(`${error.where}: ${error.message}`) : error;
    }
    const summary = summarize(evaluated.model);
    record.snapshot.modelConfig = evaluated.config;
    record.snapshot.summary = summary.rows.map(({ name: layer, className, params }) => ({ name: layer, className, params }));
    record.params = summary.totalParams;
    if (record.snapshot.dataset === null) {
      throw new Error(`The project has no dataset "${config.dataset}" (no datasets/${config.dataset}.json); add it in the Datasets panel.`);
    }
    return { record, model: evaluated.model };
  } catch (error) {
    Object.assign(record, { status: 'failed', error: reason(error), endedAt: now });
    return { record, model: null };
  }
}
