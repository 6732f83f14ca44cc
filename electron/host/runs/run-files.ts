/**
 * A run's folder (DESIGN.md §5): `runs/<id>/run.json` (the summary the runs table shows, the
 * snapshot the run was started from, and which processes own it), `metrics.jsonl`, `log.txt`,
 * `checkpoints/`, and `confusion.json` once a classifier finished. run.json is only ever
 * replaced whole (atomically), by the host that owns the run.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { datasetDefinition, describeIssues, runSummary, type RunSummary } from '../../../shared/ipc/index.js';
import type { SerializedLayer } from '../../engine/graph/serialize.js';
import { isNotFound, reason, writeTextAtomic } from '../projects/files.js';
import { projectJson } from '../projects/layout.js';

export const RUNS_FOLDER = 'runs';

export const runFolder = (dir: string, id: string): string => join(dir, RUNS_FOLDER, id);
export const runJsonFile = (dir: string, id: string): string => join(runFolder(dir, id), 'run.json');
export const metricsFile = (dir: string, id: string): string => join(runFolder(dir, id), 'metrics.jsonl');
export const logFile = (dir: string, id: string): string => join(runFolder(dir, id), 'log.txt');
export const checkpointsFolder = (dir: string, id: string): string => join(runFolder(dir, id), 'checkpoints');
export const confusionFile = (dir: string, id: string): string => join(runFolder(dir, id), 'confusion.json');
/** The weights a branched run starts from, prepared by the host. */
export const branchWeightsFile = (dir: string, id: string): string => join(runFolder(dir, id), 'branch.weights.h5');

const summaryRow = z.object({ name: z.string(), className: z.string(), params: z.number() }).passthrough();

/** What a run was started from: enough to train it again, diff it, or restore its model. */
const runSnapshot = z.object({
  code: z.string(),
  modelConfig: z.custom<SerializedLayer>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'expected the model config as an object'),
  summary: z.array(summaryRow),
  dataset: datasetDefinition.nullable(),
});

const runRecord = runSummary.extend({
  snapshot: runSnapshot,
  /** The training process while one trains the run. */
  pid: z.number().int().nullable(),
  /** The process whose RunService queued or trains the run. */
  hostPid: z.number().int().nullable(),
});

export type RunRecord = z.infer<typeof runRecord>;

/** Statuses of a run that some process is (or was, until it died) working on. */
export const ACTIVE_STATUSES: ReadonlySet<RunSummary['status']> = new Set(['queued', 'running', 'paused']);

/** A run id sorts by the time it was made: `20261123-171500-042-ab12` (UTC, milliseconds, random). */
export function newRunId(now = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const day = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}`;
  const time = `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${day}-${time}-${p(now.getUTCMilliseconds(), 3)}-${randomBytes(2).toString('hex')}`;
}

const RUN_ID = /^[0-9]{8}-[0-9]{6}-[0-9]{3}-[0-9a-f]{4}$/;

/** Refuses anything but a run id, so that no argument can reach outside `runs/`. */
export function checkRunId(id: string): string {
  if (!RUN_ID.test(id)) throw new Error(`Expected a run id such as "20261123-171500-042-ab12"; received "${id}".`);
  return id;
}

export async function readRun(dir: string, id: string): Promise<RunRecord> {
  const path = runJsonFile(dir, checkRunId(id));
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isNotFound(error)) throw new Error(`There is no run "${id}" in ${dir} (no ${path}).`);
    throw new Error(`Could not read ${path}: ${reason(error)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${reason(error)}.`);
  }
  const parsed = runRecord.safeParse(raw);
  if (!parsed.success) throw new Error(`${path} is not a valid run record: ${describeIssues(parsed.error, raw)}.`);
  return parsed.data;
}

export async function writeRun(dir: string, record: RunRecord): Promise<void> {
  await writeTextAtomic(runJsonFile(dir, record.id), projectJson(record));
}

/** The ids of the run folders of a project (none when it has no `runs/`). */
export async function runIds(dir: string): Promise<string[]> {
  try {
    return (await readdir(join(dir, RUNS_FOLDER), { withFileTypes: true })).filter((e) => e.isDirectory() && RUN_ID.test(e.name)).map((e) => e.name);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

/** The summary the contract speaks of: the record without what only the host needs. */
export function toSummary(record: RunRecord): RunSummary {
  const { snapshot: _snapshot, pid: _pid, hostPid: _hostPid, ...summary } = record;
  return summary;
}

export async function appendLog(dir: string, id: string, line: string): Promise<void> {
  await appendFile(logFile(dir, id), `${line}\n`);
}

export async function readLog(dir: string, id: string): Promise<string[]> {
  try {
    const lines = (await readFile(logFile(dir, checkRunId(id)), 'utf8')).split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines;
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}
