/**
 * Training runs (issue 6 §2–§4, DESIGN.md §5): the RunService queues runs, trains one at a
 * time in a training process it forks and owns, turns what the process reports into
 * `runs.event` pushes, and keeps each run's folder. Its methods are the `runs.*`,
 * `checkpoints.*` and `comparisons.*` channels of the contract, one each.
 */
import { mkdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  runConfig,
  type ArchitectureDiff,
  type CheckpointInfo,
  type Comparison,
  type ConfusionMatrix,
  type DatasetSample,
  type RunConfig,
  type RunEvent,
  type RunMetrics,
  type RunSummary,
} from '../../../shared/ipc/index.js';
import { saveWeights } from '../../engine/io/model-file.js';
import { writeFileAtomic } from '../../engine/io/atomic-write.js';
import { initializeWeights } from '../../engine/training/weights.js';
import type { DatasetService } from '../datasets/index.js';
import { MODELS_FOLDER } from '../projects/layout.js';
import { isNotFound } from '../projects/files.js';
import { architectureDiff } from './analysis/index.js';
import { bestOf, betterEpoch } from './best-epoch.js';
import { listCheckpoints, readCheckpoint, transferWeights } from './checkpoints/index.js';
import { readComparisons, saveComparison } from './comparisons-file.js';
import { cellSamples, readConfusion } from './confusion-file.js';
import { forkNode, type ForkTraining } from './fork-training.js';
import type { FromTraining, TrainingStart } from './messages.js';
import { MetricsReader, truncateMetrics } from './metrics-file.js';
import { newRun } from './new-run.js';
import {
  ACTIVE_STATUSES,
  appendLog,
  branchWeightsFile,
  checkpointsFolder,
  checkRunId,
  confusionFile,
  metricsFile,
  newRunId,
  readLog,
  readRun,
  runFolder,
  runIds,
  toSummary,
  writeRun,
  type RunRecord,
} from './run-files.js';
import { TrainingSession, type TrainingOutcome } from './training-session.js';
import { lttb } from '../../../shared/charts/index.js';
import type { MetricSeries } from '../../../shared/ipc/index.js';
import { checkDevice, parseDevice } from '../../engine/tensor/device.js';

export type { ForkTraining, TrainingProcess } from './fork-training.js';
export type { FromTraining, ToTraining } from './messages.js';

export interface RunServiceOptions {
  /** Where the service pushes status, progress, metrics and log lines (`runs.event`). */
  emit(event: RunEvent): void;
  datasets: DatasetService;
  /** How training processes are started; child_process.fork of Node by default. */
  forkTraining?: ForkTraining;
}

type RunPatch = Partial<Pick<RunSummary, 'name' | 'starred' | 'tags' | 'archived'>>;

interface Queued {
  dir: string;
  id: string;
  start: TrainingStart;
}

interface Training {
  dir: string;
  record: RunRecord;
  session: TrainingSession;
  /** Settles once the run's end is on disk. */
  finished: Promise<RunSummary>;
}

/** Logs as run.json can hold them: a diverged loss (NaN, Infinity) has no JSON number. */
const finite = (logs: Record<string, number>) => Object.fromEntries(Object.entries(logs).filter(([, v]) => Number.isFinite(v)));

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class RunService {
  private readonly emit: (event: RunEvent) => void;
  private readonly datasets: DatasetService;
  private readonly fork: ForkTraining;
  private readonly queue: Queued[] = [];
  private training: Training | null = null;
  private closing = false;
  private readonly metricsReader = new MetricsReader();
  /** run.json writes of each run, one after another. */
  private readonly writes = new Map<string, Promise<void>>();

  constructor(options: RunServiceOptions) {
    this.emit = options.emit;
    this.datasets = options.datasets;
    this.fork = options.forkTraining ?? forkNode;
  }

  // ---- runs.* ----------------------------------------------------------------------------

  /** The project's runs, newest first; a run left active by a host or process that is gone reads as interrupted. */
  async list(dir: string): Promise<RunSummary[]> {
    const records: RunRecord[] = [];
    for (const id of await runIds(dir)) {
      let record: RunRecord;
      try {
        record = await this.current(dir, id);
      } catch {
        continue; // a folder without a readable run.json is not a run
      }
      records.push(await this.settleOrphan(dir, record));
    }
    const sorted = records.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
    this.warmMetrics(dir, sorted.map((r) => r.id));
    return sorted.map(toSummary);
  }

  /** Queues a run of the project's model as it is now; it trains when no other run does. */
  async start(dir: string, config: RunConfig): Promise<RunSummary> {
    const checked = trainable(config);
    const id = newRunId();
    const { record } = await this.create(dir, id, checked, null);
    if (record.status === 'queued') this.enqueue({ dir, id, start: { kind: 'fresh', startingWeights: join(dir, MODELS_FOLDER, `${checked.model}.weights.h5`) } });
    return toSummary(record);
  }

  /** Stops a training run after its current batches (a queued run is dropped); settles once it ended. */
  async stop(dir: string, id: string): Promise<RunSummary> {
    const queued = this.queue.findIndex((q) => this.same(q, dir, id));
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      return this.change(dir, id, { status: 'stopped', endedAt: new Date().toISOString() });
    }
    const training = this.trainingOf(dir, id);
    if (!training) return toSummary(await this.current(dir, id));
    void training.session.stop();
    return training.finished;
  }

  /** Pauses a training run after its current batches; settles once it is paused (or ended). */
  async pause(dir: string, id: string): Promise<RunSummary> {
    const training = this.trainingOf(dir, id);
    if (!training) throw new Error(`Run "${id}" is not training (it is ${(await this.current(dir, id)).status}); only a training run can be paused.`);
    if (training.record.status === 'running') await training.session.pause();
    return toSummary(training.record);
  }

  /** Resumes a paused run; a run that ended without finishing continues from its last checkpoint. */
  async resume(dir: string, id: string): Promise<RunSummary> {
    const training = this.trainingOf(dir, id);
    if (training) {
      if (training.record.status === 'paused') await training.session.resume();
      return toSummary(training.record);
    }
    const record = await this.current(dir, id);
    if (record.status === 'queued') return toSummary(record);
    if (record.status === 'completed') throw new Error(`Run "${record.name}" (${id}) has completed; branch a new run from one of its checkpoints to train on.`);
    const last = (await listCheckpoints(checkpointsFolder(dir, id))).at(-1);
    if (!last) throw new Error(`Run "${record.name}" (${id}) has no checkpoint to resume from; start a new run instead.`);
    return this.resumeFromCheckpoint(dir, id, last.file);
  }

  /**
   * The runs' metrics; with `maxPoints`, each series longer than that is thinned by LTTB (its
   * shape, first and last points and extremes kept) so that a comparison of long runs crosses
   * to the window as a few thousand points per curve.
   */
  async metrics(dir: string, ids: string[], maxPoints?: number): Promise<RunMetrics[]> {
    const all = await Promise.all(ids.map((id) => this.metricsReader.read(id, metricsFile(dir, checkRunId(id)))));
    return maxPoints === undefined ? all : all.map((run) => thinMetrics(run, maxPoints));
  }

  /** Reads the metrics of listed runs in the background, one file at a time, so that opening a comparison finds them parsed. */
  private warmMetrics(dir: string, ids: string[]): void {
    void ids.reduce<Promise<unknown>>(
      (previous, id) => previous.then(() => new Promise((done) => setImmediate(done))).then(() => this.metricsReader.read(id, metricsFile(dir, id)).catch(() => undefined)),
      Promise.resolve(),
    );
  }

  async log(dir: string, id: string): Promise<{ lines: string[] }> {
    return { lines: await readLog(dir, id) };
  }

  async update(dir: string, id: string, patch: RunPatch): Promise<RunSummary> {
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as RunPatch;
    return this.change(dir, id, defined);
  }

  /** Deletes a run's folder; refused while it trains. */
  async delete(dir: string, id: string): Promise<void> {
    checkRunId(id);
    if (this.trainingOf(dir, id)) throw new Error(`Run "${id}" is training; stop it before deleting it.`);
    const record = await this.settleOrphan(dir, await this.current(dir, id));
    if (ACTIVE_STATUSES.has(record.status) && !this.queue.some((q) => this.same(q, dir, id))) {
      throw new Error(`Run "${record.name}" (${id}) is being trained by another Strata process (pid ${record.pid ?? record.hostPid}); stop it there first.`);
    }
    const queued = this.queue.findIndex((q) => this.same(q, dir, id));
    if (queued >= 0) this.queue.splice(queued, 1);
    this.metricsReader.forget(metricsFile(dir, id));
    await rm(runFolder(dir, id), { recursive: true, force: true });
  }

  async confusion(dir: string, id: string): Promise<ConfusionMatrix | null> {
    return (await readConfusion(confusionFile(dir, checkRunId(id))))?.matrix ?? null;
  }

  /** The samples of one cell of a run's confusion matrix: true class `actual`, predicted `predicted`. */
  async misclassified(dir: string, id: string, actual: number, predicted: number, limit: number): Promise<DatasetSample[]> {
    const record = await this.current(dir, id);
    const confusion = await readConfusion(confusionFile(dir, id));
    if (!confusion) return [];
    const indices = cellSamples(confusion, actual, predicted, limit);
    return indices.length === 0 ? [] : this.datasets.samplesAt(dir, record.dataset, confusion.split, indices);
  }

  async diff(dir: string, a: string, b: string): Promise<ArchitectureDiff> {
    const [ra, rb] = await Promise.all([this.current(dir, a), this.current(dir, b)]);
    return architectureDiff({ config: ra.snapshot.modelConfig, summary: ra.snapshot.summary }, { config: rb.snapshot.modelConfig, summary: rb.snapshot.summary });
  }

  // ---- checkpoints.* -----------------------------------------------------------------------

  async checkpoints(dir: string, id: string): Promise<CheckpointInfo[]> {
    return listCheckpoints(checkpointsFolder(dir, checkRunId(id)));
  }

  /**
   * Continues a run from one of its checkpoints: what it recorded after that epoch (metrics,
   * later checkpoints, its confusion matrix) is dropped, and training goes on from there with
   * the checkpoint's weights, optimizer state and shuffle state.
   */
  async resumeFromCheckpoint(dir: string, id: string, file: string): Promise<RunSummary> {
    const record = await this.settleOrphan(dir, await this.current(dir, id));
    if (ACTIVE_STATUSES.has(record.status)) throw new Error(`Run "${record.name}" (${id}) is ${record.status}; stop it before resuming it from a checkpoint.`);
    const checkpoint = await this.checkpoint(dir, id, file);
    const all = await listCheckpoints(checkpointsFolder(dir, id));
    for (const later of all.filter((c) => c.epoch > checkpoint.epoch)) await unlink(join(checkpointsFolder(dir, id), later.file)).catch(() => undefined);
    const kept = await truncateMetrics(metricsFile(dir, id), checkpoint.epoch);
    this.metricsReader.forget(metricsFile(dir, id));
    await rm(confusionFile(dir, id), { force: true });
    const epochs = kept.filter((l) => l.scope === 'epoch').map((l) => finite(l.logs));
    await appendLog(dir, id, `Resuming from checkpoint ${checkpoint.file} (after epoch ${checkpoint.epoch}).`);
    const summary = await this.change(dir, id, {
      status: 'queued',
      epochsDone: checkpoint.epoch,
      best: bestOf(record.config, epochs),
      last: epochs.at(-1) ?? finite(checkpoint.logs),
      endedAt: null,
      error: null,
      parent: { run: id, checkpoint: checkpoint.file },
      hostPid: process.pid,
    });
    this.enqueue({ dir, id, start: { kind: 'checkpoint', file: checkpoint.file } });
    return summary;
  }

  /**
   * A new run of the project's model as it is now, starting from a checkpoint's weights where
   * they still fit (layers matched by name and shape); the others start afresh and are named.
   */
  async branch(dir: string, id: string, file: string, config: RunConfig): Promise<{ run: RunSummary; reinitialized: string[] }> {
    const parent = await this.current(dir, id);
    const checkpoint = await this.checkpoint(dir, id, file);
    const checked = trainable(config);
    const newId = newRunId();
    const { record, model } = await this.create(dir, newId, checked, { run: id, checkpoint: checkpoint.file });
    if (!model) return { run: toSummary(record), reinitialized: [] };
    const { model: trained } = await readCheckpoint(join(checkpointsFolder(dir, id), checkpoint.file), { architecture: parent.snapshot.modelConfig });
    initializeWeights(model, checked.seed);
    const { reinitialized } = transferWeights(trained, model);
    saveWeights(model, branchWeightsFile(dir, newId));
    await appendLog(
      dir,
      newId,
      `Branched from run "${parent.name}" (${id}), checkpoint ${checkpoint.file}: ${reinitialized.length === 0 ? 'every layer keeps its weights' : `re-initialised ${reinitialized.join(', ')}`}.`,
    );
    this.enqueue({ dir, id: newId, start: { kind: 'weights', file: branchWeightsFile(dir, newId) } });
    return { run: toSummary(record), reinitialized };
  }

  /** The run's model code, with the checkpoint's weights kept as the model's starting weights (`models/<model>.weights.h5`). */
  async restore(dir: string, id: string, file: string): Promise<{ model: string; code: string }> {
    const record = await this.current(dir, id);
    const checkpoint = await this.checkpoint(dir, id, file);
    const { model } = await readCheckpoint(join(checkpointsFolder(dir, id), checkpoint.file), { architecture: record.snapshot.modelConfig });
    await mkdir(join(dir, MODELS_FOLDER), { recursive: true });
    saveWeights(model, join(dir, MODELS_FOLDER, `${record.model}.weights.h5`));
    return { model: record.model, code: record.snapshot.code };
  }

  /** Copies a checkpoint to `to`: a .keras file name, or a folder to hold it under its own name. */
  async exportCheckpoint(dir: string, id: string, file: string, to: string): Promise<{ path: string }> {
    const checkpoint = await this.checkpoint(dir, id, file);
    let target = resolve(dir, to);
    const isFolder = await stat(target).then((s) => s.isDirectory(), (error: unknown) => (isNotFound(error) ? false : Promise.reject(error)));
    if (isFolder) target = join(target, checkpoint.file);
    else if (!target.endsWith('.keras')) throw new Error(`Expected a folder or a file name ending in .keras to export the checkpoint to; received "${to}".`);
    await mkdir(dirname(target), { recursive: true });
    writeFileAtomic(target, await readFile(join(checkpointsFolder(dir, id), checkpoint.file)));
    return { path: target };
  }

  // ---- comparisons.* -----------------------------------------------------------------------

  comparisons(dir: string): Promise<Comparison[]> {
    return readComparisons(dir);
  }

  saveComparison(dir: string, comparison: Comparison): Promise<Comparison[]> {
    return saveComparison(dir, comparison);
  }

  /** Ends the training process and drops the queue; those runs read as interrupted. */
  async shutdown(): Promise<void> {
    this.closing = true;
    const queued = this.queue.splice(0);
    for (const q of queued) await this.change(q.dir, q.id, { status: 'interrupted', hostPid: null });
    if (this.training) {
      const { finished, session } = this.training;
      void session.interrupt();
      await finished;
    }
  }

  // ---- the queue and the training process -----------------------------------------------------

  private same(q: { dir: string; id: string }, dir: string, id: string): boolean {
    return q.id === id && resolve(q.dir) === resolve(dir);
  }

  private trainingOf(dir: string, id: string): Training | null {
    return this.training && this.training.record.id === id && resolve(this.training.dir) === resolve(dir) ? this.training : null;
  }

  /** The run as it is now: the training run's live record, else its run.json. */
  private async current(dir: string, id: string): Promise<RunRecord> {
    return this.trainingOf(dir, id)?.record ?? readRun(dir, id);
  }

  /** Marks a run left active by a process that is gone as interrupted. */
  private async settleOrphan(dir: string, record: RunRecord): Promise<RunRecord> {
    if (!ACTIVE_STATUSES.has(record.status) || this.trainingOf(dir, record.id) || this.queue.some((q) => this.same(q, dir, record.id))) return record;
    const trainedElsewhere = record.pid !== null && record.pid !== process.pid && processAlive(record.pid);
    const queuedElsewhere = record.status === 'queued' && record.hostPid !== null && record.hostPid !== process.pid && processAlive(record.hostPid);
    if (trainedElsewhere || queuedElsewhere) return record;
    Object.assign(record, { status: 'interrupted', pid: null, hostPid: null });
    await this.persist(dir, record);
    return record;
  }

  private async create(dir: string, id: string, config: RunConfig, parent: RunSummary['parent']) {
    if (this.closing) throw new Error('Strata is shutting down; the run was not started.');
    const existing = await this.list(dir);
    const name = config.name ?? `${config.model} #${existing.filter((r) => r.model === config.model).length + 1}`;
    const created = await newRun({ dir, id, config, name, datasets: await this.datasets.list(dir), parent });
    await mkdir(runFolder(dir, id), { recursive: true });
    await this.persist(dir, created.record);
    if (created.record.error !== null) await appendLog(dir, id, `Failed: ${created.record.error}`);
    this.emitStatus(dir, created.record);
    return created;
  }

  private async checkpoint(dir: string, id: string, file: string): Promise<CheckpointInfo> {
    const name = basename(file);
    const found = (await listCheckpoints(checkpointsFolder(dir, checkRunId(id)))).find((c) => c.file === name);
    if (!found) throw new Error(`Run "${id}" has no readable checkpoint "${name}" in ${checkpointsFolder(dir, id)}.`);
    return found;
  }

  private enqueue(entry: Queued): void {
    this.queue.push(entry);
    void this.next();
  }

  /** Starts the first queued run when none trains. */
  private async next(): Promise<void> {
    if (this.training || this.closing) return;
    const entry = this.queue.shift();
    if (!entry) return;
    const { dir, id, start } = entry;
    let record: RunRecord;
    try {
      record = await readRun(dir, id);
    } catch {
      return void this.next(); // deleted while it waited
    }
    const session = new TrainingSession(this.fork, { dir, id, runDir: runFolder(dir, id), config: record.config, modelConfig: record.snapshot.modelConfig, start }, (message) =>
      this.onMessage(dir, record, message),
    );
    Object.assign(record, { status: 'running', startedAt: record.startedAt ?? new Date().toISOString(), endedAt: null, pid: session.pid, hostPid: process.pid });
    const finished = session.ended.then((outcome) => this.finish(dir, record, outcome));
    this.training = { dir, record, session, finished };
    await this.persist(dir, record);
    this.emitStatus(dir, record);
  }

  private async finish(dir: string, record: RunRecord, outcome: TrainingOutcome): Promise<RunSummary> {
    Object.assign(record, { status: outcome.status, error: outcome.error, endedAt: new Date().toISOString(), pid: null, hostPid: outcome.status === 'interrupted' ? null : record.hostPid });
    if (outcome.status === 'failed' && outcome.error !== null) await appendLog(dir, record.id, `Failed: ${outcome.error}`).catch(() => undefined);
    await this.persist(dir, record);
    this.emitStatus(dir, record);
    this.training = null;
    void this.next();
    return toSummary(record);
  }

  private onMessage(dir: string, record: RunRecord, message: FromTraining): void {
    const id = record.id;
    switch (message.type) {
      case 'log':
        this.emit({ kind: 'log', dir, id, line: message.line });
        break;
      case 'progress': {
        const { type: _type, ...progress } = message;
        this.emit({ kind: 'progress', dir, id, ...progress });
        break;
      }
      case 'batchMetrics':
        this.emit({
          kind: 'metrics',
          dir,
          id,
          scope: 'batch',
          x: Float64Array.from(message.x),
          values: Object.fromEntries(Object.entries(message.values).map(([k, v]) => [k, Float64Array.from(v)])),
        });
        break;
      case 'epochMetrics': {
        const logs = finite(message.logs);
        this.emit({ kind: 'metrics', dir, id, scope: 'epoch', x: Float64Array.of(message.epoch), values: Object.fromEntries(Object.entries(message.logs).map(([k, v]) => [k, Float64Array.of(v)])) });
        Object.assign(record, { epochsDone: message.epoch, last: logs, best: betterEpoch(record.config, record.best, logs) });
        void this.persist(dir, record).then(() => this.emitStatus(dir, record));
        break;
      }
      case 'paused':
      case 'resumed':
        record.status = message.type === 'paused' ? 'paused' : 'running';
        void this.persist(dir, record).then(() => this.emitStatus(dir, record));
        break;
      case 'done':
      case 'failed':
        break; // settled when the process has ended (training-session.ts)
    }
  }

  /** Applies `patch` to a run (the live record while it trains) and saves it. */
  private async change(dir: string, id: string, patch: Partial<RunRecord>): Promise<RunSummary> {
    const record = await this.current(dir, id);
    Object.assign(record, patch);
    await this.persist(dir, record);
    this.emitStatus(dir, record);
    return toSummary(record);
  }

  private persist(dir: string, record: RunRecord): Promise<void> {
    const key = join(resolve(dir), record.id);
    const copy = structuredClone(record);
    const write = (this.writes.get(key) ?? Promise.resolve()).then(() => writeRun(dir, copy));
    this.writes.set(key, write.catch(() => undefined));
    return write;
  }

  private emitStatus(dir: string, record: RunRecord): void {
    this.emit({ kind: 'status', dir, run: toSummary(record) });
  }
}

function thinMetrics(run: RunMetrics, maxPoints: number): RunMetrics {
  // The series are the host's own Float64Arrays, so what LTTB returns is too.
  const thin = (table: RunMetrics['batch']) =>
    Object.fromEntries(Object.entries(table).map(([name, series]) => [name, lttb(series.x, series.y, maxPoints) as MetricSeries]));
  return { id: run.id, batch: thin(run.batch), epoch: thin(run.epoch) };
}

/** The run config checked, and refused (with what was found and what is needed) when its device cannot train here. */
function trainable(config: RunConfig): RunConfig {
  const checked = runConfig.parse(config);
  checkDevice(parseDevice(checked.device, 'device'), checked.precision);
  return checked;
}
