/**
 * The project's training runs: the runs table, the run the person looks at, the runs being
 * compared, and what runs push while they train (status, progress, metrics, log lines) over
 * the `runs.event` channel — never polled.
 *
 * Metric series live outside Vue's reactivity, as growable typed arrays (a reactive proxy
 * around 100k numbers would cost more than drawing them); `versions[id]` counts their changes
 * so charts know when to draw again. A run's stored metrics are read once; live points that
 * arrive while that read is under way wait and are appended after it, without duplicates.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { CheckpointInfo, Comparison, EventPayload, RunConfig, RunEvent, RunSummary } from '../../../shared/ipc/index.js';
import { appendPoints, emptyRunSeries, GrowableSeries, type RunSeries } from '../runs/series-buffer.js';
import { messageOf } from './app.js';
import { useProjectStore } from './project.js';
import { strataApi } from './strata-api.js';

export type ProgressEvent = Extract<RunEvent, { kind: 'progress' }>;
type MetricsEvent = Extract<RunEvent, { kind: 'metrics' }>;

/** What the lower part of the runs view shows. */
export type RunsPane = 'form' | 'run' | 'compare';

/** Log lines kept per run in the window (the full log stays in the run's folder). */
export const LOG_LINES_KEPT = 2000;
/**
 * Points per stored series asked of the host: charts draw at most ~2,000 per series, and the
 * host thins longer ones by LTTB (keeping extremes), so 10 runs of 100k batches arrive at once.
 */
const STORED_POINTS = 4000;

/** The most runs one `runs.metrics` call may ask for (the contract's limit). */
const METRICS_BATCH = 100;

export const ACTIVE_STATUSES: ReadonlySet<RunSummary['status']> = new Set(['queued', 'running', 'paused']);

export const useRunsStore = defineStore('runs', () => {
  const project = useProjectStore();
  const dir = ref<string | null>(null);
  const runs = ref<RunSummary[]>([]);
  const selectedId = ref<string | null>(null);
  const compareIds = ref<string[]>([]);
  const pane = ref<RunsPane>('form');
  const progress = ref<Record<string, ProgressEvent>>({});
  const logs = ref<Record<string, string[]>>({});
  const versions = ref<Record<string, number>>({});
  const checkpoints = ref<Record<string, CheckpointInfo[]>>({});
  const comparisons = ref<Comparison[]>([]);
  const metricsError = ref<string | null>(null);

  const series = new Map<string, RunSeries>();
  /** Runs whose stored metrics are being read, with the live events that arrived meanwhile. */
  const pending = new Map<string, MetricsEvent[]>();

  const selected = computed(() => runs.value.find((r) => r.id === selectedId.value) ?? null);
  const compared = computed(() => compareIds.value.map((id) => runs.value.find((r) => r.id === id)).filter((r): r is RunSummary => r !== undefined));
  const canCompare = computed(() => compared.value.length >= 2);
  const active = computed(() => runs.value.filter((r) => ACTIVE_STATUSES.has(r.status)));

  function currentDir(): string {
    const open = dir.value ?? project.project?.dir;
    if (!open) throw new Error('No project is open: open one before working with its runs.');
    return open;
  }

  function bump(id: string): void {
    versions.value[id] = (versions.value[id] ?? 0) + 1;
  }

  /** Puts a run's newest summary in the list (newest runs first). */
  function upsert(run: RunSummary): void {
    const index = runs.value.findIndex((r) => r.id === run.id);
    if (index >= 0) runs.value[index] = run;
    else runs.value.unshift(run);
  }

  function reset(): void {
    runs.value = [];
    selectedId.value = null;
    compareIds.value = [];
    pane.value = 'form';
    progress.value = {};
    logs.value = {};
    versions.value = {};
    checkpoints.value = {};
    comparisons.value = [];
    metricsError.value = null;
    series.clear();
    pending.clear();
  }

  /** Starts over with another project's runs and saved comparisons. */
  async function open(projectDir: string): Promise<void> {
    reset();
    dir.value = projectDir;
    const api = strataApi();
    const [list, saved] = await Promise.all([api.invoke('runs.list', { dir: projectDir }), api.invoke('comparisons.list', { dir: projectDir })]);
    if (dir.value !== projectDir) return;
    runs.value = list;
    comparisons.value = saved;
  }

  function close(): void {
    reset();
    dir.value = null;
  }

  /** Subscribes to the host's run events; returns the unsubscribe function. */
  function listen(): () => void {
    return strataApi().on('runs.event', handleEvent);
  }

  function handleEvent(event: EventPayload<'runs.event'>): void {
    if (event.dir !== dir.value) return;
    switch (event.kind) {
      case 'status':
        upsert(event.run);
        if (event.run.id === selectedId.value && checkpoints.value[event.run.id]) void loadCheckpoints(event.run.id);
        return;
      case 'progress':
        progress.value[event.id] = event;
        return;
      case 'metrics':
        receiveMetrics(event);
        return;
      case 'log': {
        const lines = logs.value[event.id];
        if (!lines) return;
        lines.push(event.line);
        if (lines.length > LOG_LINES_KEPT) lines.splice(0, lines.length - LOG_LINES_KEPT);
        return;
      }
    }
  }

  function receiveMetrics(event: MetricsEvent): void {
    const waiting = pending.get(event.id);
    if (waiting) {
      waiting.push(event);
      return;
    }
    const held = series.get(event.id);
    if (!held) {
      // A run the window holds no metrics of: read what it stored, then this event.
      void loadMetrics([event.id]);
      pending.get(event.id)?.push(event);
      return;
    }
    if (appendPoints(held, event.scope, event.x, event.values)) bump(event.id);
  }

  /** Reads the stored metrics of the runs the window does not hold yet. */
  async function loadMetrics(ids: string[]): Promise<void> {
    const missing = ids.filter((id) => !series.has(id) && !pending.has(id));
    if (missing.length === 0) return;
    const projectDir = currentDir();
    for (const id of missing) pending.set(id, []);
    try {
      for (let i = 0; i < missing.length; i += METRICS_BATCH) {
        const part = missing.slice(i, i + METRICS_BATCH);
        const replies = await strataApi().invoke('runs.metrics', { dir: projectDir, ids: part, maxPoints: STORED_POINTS });
        if (dir.value !== projectDir) return;
        for (const reply of replies) {
          const held = emptyRunSeries();
          for (const scope of ['batch', 'epoch'] as const) {
            for (const [name, s] of Object.entries(reply[scope])) held[scope].set(name, GrowableSeries.from(s.x, s.y));
          }
          for (const event of pending.get(reply.id) ?? []) appendPoints(held, event.scope, event.x, event.values);
          series.set(reply.id, held);
          pending.delete(reply.id);
          bump(reply.id);
        }
      }
      metricsError.value = null;
    } catch (error) {
      metricsError.value = `The metrics of ${missing.length === 1 ? `run ${missing[0]}` : `${missing.length} runs`} could not be read: ${messageOf(error)}`;
    } finally {
      for (const id of missing) pending.delete(id);
    }
  }

  /** A run's series (empty until its metrics are read). Read `versions[id]` to be told of changes. */
  function seriesOf(id: string): RunSeries | null {
    return series.get(id) ?? null;
  }

  async function loadLog(id: string): Promise<void> {
    const reply = await strataApi().invoke('runs.log', { dir: currentDir(), id });
    const live = logs.value[id] ?? [];
    logs.value[id] = [...reply.lines, ...live.filter((line) => !reply.lines.includes(line))].slice(-LOG_LINES_KEPT);
  }

  async function loadCheckpoints(id: string): Promise<void> {
    checkpoints.value[id] = await strataApi().invoke('checkpoints.list', { dir: currentDir(), id });
  }

  /** Shows a run: its curves, log and checkpoints. */
  async function select(id: string): Promise<void> {
    selectedId.value = id;
    pane.value = 'run';
    await Promise.all([loadMetrics([id]), loadLog(id), loadCheckpoints(id)]);
  }

  function newRun(): void {
    pane.value = 'form';
  }

  async function start(config: RunConfig): Promise<RunSummary> {
    const run = await strataApi().invoke('runs.start', { dir: currentDir(), config });
    upsert(run);
    await select(run.id);
    return run;
  }

  async function control(action: 'stop' | 'pause' | 'resume', id: string): Promise<void> {
    upsert(await strataApi().invoke(`runs.${action}`, { dir: currentDir(), id }));
  }

  async function update(id: string, patch: { name?: string; starred?: boolean; tags?: string[]; archived?: boolean }): Promise<void> {
    upsert(await strataApi().invoke('runs.update', { dir: currentDir(), id, patch }));
  }

  async function remove(id: string): Promise<void> {
    await strataApi().invoke('runs.delete', { dir: currentDir(), id });
    runs.value = runs.value.filter((r) => r.id !== id);
    compareIds.value = compareIds.value.filter((c) => c !== id);
    series.delete(id);
    delete progress.value[id];
    delete logs.value[id];
    delete checkpoints.value[id];
    if (selectedId.value === id) {
      selectedId.value = null;
      if (pane.value === 'run') pane.value = 'form';
    }
    if (pane.value === 'compare' && !canCompare.value) pane.value = 'form';
  }

  function toggleCompare(id: string, on = !compareIds.value.includes(id)): void {
    const without = compareIds.value.filter((c) => c !== id);
    compareIds.value = on ? [...without, id] : without;
  }

  /** Shows the runs chosen for comparison (at least two). */
  async function compare(ids = compareIds.value): Promise<void> {
    compareIds.value = ids.filter((id) => runs.value.some((r) => r.id === id));
    if (compareIds.value.length < 2) throw new Error(`Choose at least two runs to compare; ${compareIds.value.length} ${compareIds.value.length === 1 ? 'is' : 'are'} chosen.`);
    pane.value = 'compare';
    await loadMetrics(compareIds.value);
  }

  async function saveComparison(name: string): Promise<void> {
    comparisons.value = await strataApi().invoke('comparisons.save', {
      dir: currentDir(),
      comparison: { name, runs: [...compareIds.value], createdAt: new Date().toISOString() },
    });
  }

  async function resumeFrom(id: string, file: string): Promise<RunSummary> {
    const run = await strataApi().invoke('checkpoints.resume', { dir: currentDir(), id, file });
    upsert(run);
    await select(run.id);
    return run;
  }

  async function branchFrom(id: string, file: string, config: RunConfig): Promise<string[]> {
    const { run, reinitialized } = await strataApi().invoke('checkpoints.branch', { dir: currentDir(), id, file, config });
    upsert(run);
    await select(run.id);
    return reinitialized;
  }

  function restoreCheckpoint(id: string, file: string) {
    return strataApi().invoke('checkpoints.restore', { dir: currentDir(), id, file });
  }

  function exportCheckpoint(id: string, file: string, to: string) {
    return strataApi().invoke('checkpoints.export', { dir: currentDir(), id, file, to });
  }

  function confusion(id: string) {
    return strataApi().invoke('runs.confusion', { dir: currentDir(), id });
  }

  function misclassified(id: string, actual: number, predicted: number, limit = 48) {
    return strataApi().invoke('runs.misclassified', { dir: currentDir(), id, actual, predicted, limit });
  }

  function diff(a: string, b: string) {
    return strataApi().invoke('runs.diff', { dir: currentDir(), a, b });
  }

  return {
    dir,
    runs,
    selectedId,
    selected,
    compareIds,
    compared,
    canCompare,
    active,
    pane,
    progress,
    logs,
    versions,
    checkpoints,
    comparisons,
    metricsError,
    open,
    close,
    listen,
    handleEvent,
    loadMetrics,
    seriesOf,
    loadLog,
    loadCheckpoints,
    select,
    newRun,
    start,
    control,
    update,
    remove,
    toggleCompare,
    compare,
    saveComparison,
    resumeFrom,
    branchFrom,
    restoreCheckpoint,
    exportCheckpoint,
    confusion,
    misclassified,
    diff,
  };
});
