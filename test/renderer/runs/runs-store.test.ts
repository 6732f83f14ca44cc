import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import type { ChannelArgs, EventPayload, RunMetrics } from '../../../shared/ipc/index.js';
import { LOG_LINES_KEPT, useRunsStore } from '../../../renderer/src/stores/runs.js';
import { provideStrataApi } from '../../../renderer/src/stores/strata-api.js';
import { deferred, fakeApi, settle, type FakeApi } from '../stores/fake-api.js';
import { batchEvent, config, DIR, f64, summary } from './fixtures.js';

type Listener = (payload: EventPayload<'runs.event'>) => void;

/** A fake host with two finished runs, whose pushed events the test sends by hand. */
function host() {
  const listeners: Listener[] = [];
  const api: FakeApi = fakeApi({
    'runs.list': () => [summary('b'), summary('a')],
    'comparisons.list': () => [],
    'runs.log': () => ({ lines: ['epoch 1'] }),
    'checkpoints.list': () => [],
    'runs.metrics': ({ ids }) => ids.map((id) => metrics(id, [0, 1], [2, 1.5])),
  });
  api.on = ((event: string, listener: Listener) => {
    if (event === 'runs.event') listeners.push(listener);
    return () => listeners.splice(listeners.indexOf(listener), 1);
  }) as FakeApi['on'];
  provideStrataApi(api);
  return { api, push: (event: EventPayload<'runs.event'>) => listeners.forEach((l) => l(event)) };
}

function metrics(id: string, xs: number[], losses: number[]): RunMetrics {
  return { id, batch: { loss: { x: f64(...xs), y: f64(...losses) } }, epoch: {} };
}

function lossOf(store: ReturnType<typeof useRunsStore>, id: string): number[] {
  const loss = store.seriesOf(id)?.batch.get('loss');
  return loss ? Array.from(loss.y.subarray(0, loss.length)) : [];
}

async function opened() {
  const h = host();
  const store = useRunsStore();
  await store.open(DIR);
  store.listen();
  return { ...h, store };
}

describe('the runs store', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it("lists the project's runs and shows a new one first when it starts", async () => {
    const { api, store } = await opened();
    api.handlers['runs.start'] = ({ config: c }) => summary('c', { status: 'queued', config: c, epochsDone: 0 });
    await store.start(config({ epochs: 1 }));
    expect(store.runs.map((r) => r.id)).toEqual(['c', 'b', 'a']);
    expect(store.selectedId).toBe('c');
    expect(store.pane).toBe('run');
    expect((api.callsTo('runs.start')[0] as ChannelArgs<'runs.start'>).config.epochs).toBe(1);
  });

  it('replaces a run with the summary a status event brings, and keeps progress', async () => {
    const { push, store } = await opened();
    push({ kind: 'status', dir: DIR, run: summary('a', { status: 'running', epochsDone: 1 }) });
    push({ kind: 'progress', dir: DIR, id: 'a', epoch: 2, epochs: 3, batch: 5, batches: 10, samplesPerSecond: 100, etaSeconds: 3 });
    expect(store.runs.find((r) => r.id === 'a')?.status).toBe('running');
    expect(store.active.map((r) => r.id)).toEqual(['a']);
    expect(store.progress.a?.batch).toBe(5);
  });

  it("ignores another project's events", async () => {
    const { push, store } = await opened();
    push({ kind: 'status', dir: '/elsewhere', run: summary('z') });
    expect(store.runs.map((r) => r.id)).toEqual(['b', 'a']);
  });

  it('appends live metrics to the series and counts the change, without polling', async () => {
    const { api, push, store } = await opened();
    await store.select('a');
    const before = store.versions.a ?? 0;
    push(batchEvent('a', [2, 3], [1.2, 1.1]));
    expect(lossOf(store, 'a')).toEqual([2, 1.5, 1.2, 1.1]);
    expect(store.versions.a).toBe(before + 1);
    expect(api.callsTo('runs.metrics')).toHaveLength(1);
  });

  it('grows a series to many points', async () => {
    const { push, store } = await opened();
    await store.select('a');
    for (let start = 2; start < 20_002; start += 100) {
      const xs = Array.from({ length: 100 }, (_, i) => start + i);
      push(batchEvent('a', xs, xs.map(() => 0.5)));
    }
    expect(store.seriesOf('a')?.batch.get('loss')?.length).toBe(20_002);
  });

  it('keeps live points that arrive while the stored ones are read, once and in order', async () => {
    const { api, push, store } = await opened();
    const reply = deferred<RunMetrics[]>();
    api.handlers['runs.metrics'] = () => reply.promise;
    push(batchEvent('b', [1, 2], [1.5, 1.2]));
    push(batchEvent('b', [3], [1.1]));
    reply.resolve([metrics('b', [0, 1], [2, 1.5])]);
    await settle();
    expect(lossOf(store, 'b')).toEqual([2, 1.5, 1.2, 1.1]);
    expect(api.callsTo('runs.metrics')).toEqual([{ dir: DIR, ids: ['b'], maxPoints: 4000 }]);
  });

  it("appends live log lines to a shown run's log, keeping the newest", async () => {
    const { push, store } = await opened();
    await store.select('a');
    for (let i = 0; i < LOG_LINES_KEPT + 5; i++) push({ kind: 'log', dir: DIR, id: 'a', line: `line ${i}` });
    expect(store.logs.a).toHaveLength(LOG_LINES_KEPT);
    expect(store.logs.a!.at(-1)).toBe(`line ${LOG_LINES_KEPT + 4}`);
  });

  it('stops, pauses and resumes through the host, showing the summary it answers', async () => {
    const { api, store } = await opened();
    api.handlers['runs.pause'] = ({ id }) => summary(id, { status: 'paused' });
    await store.control('pause', 'a');
    expect(store.runs.find((r) => r.id === 'a')?.status).toBe('paused');
    expect(api.callsTo('runs.pause')).toEqual([{ dir: DIR, id: 'a' }]);
  });

  it('compares two or more chosen runs, reading the metrics of all in one call', async () => {
    const { api, store } = await opened();
    store.toggleCompare('a');
    expect(store.canCompare).toBe(false);
    await expect(store.compare()).rejects.toThrow(/at least two runs .* 1 is chosen/);
    store.toggleCompare('b');
    expect(store.canCompare).toBe(true);
    await store.compare();
    expect(store.pane).toBe('compare');
    expect(store.compared.map((r) => r.id)).toEqual(['a', 'b']);
    expect(api.callsTo('runs.metrics')).toEqual([{ dir: DIR, ids: ['a', 'b'], maxPoints: 4000 }]);
    store.toggleCompare('a');
    expect(store.compareIds).toEqual(['b']);
  });

  it('forgets a deleted run everywhere, and leaves a comparison that no longer has two runs', async () => {
    const { api, store } = await opened();
    api.handlers['runs.delete'] = () => ({});
    store.toggleCompare('a');
    store.toggleCompare('b');
    await store.compare();
    await store.remove('a');
    expect(store.runs.map((r) => r.id)).toEqual(['b']);
    expect(store.compareIds).toEqual(['b']);
    expect(store.pane).toBe('form');
  });

  it('saves a comparison of the chosen runs', async () => {
    const { api, store } = await opened();
    api.handlers['comparisons.save'] = ({ comparison }) => [comparison];
    store.toggleCompare('a');
    store.toggleCompare('b');
    await store.saveComparison('lr sweep');
    expect(store.comparisons.map((c) => [c.name, c.runs])).toEqual([['lr sweep', ['a', 'b']]]);
  });

  it('branches from a checkpoint and says which layers start afresh', async () => {
    const { api, store } = await opened();
    api.handlers['checkpoints.branch'] = () => ({ run: summary('c', { status: 'queued' }), reinitialized: ['head'] });
    expect(await store.branchFrom('a', 'epoch-3.keras', config())).toEqual(['head']);
    expect(store.selectedId).toBe('c');
  });
});
