import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import type { ChannelArgs, Evaluation } from '../../../shared/ipc/index.js';
import { EVALUATE_DELAY_MS, useModelStore } from '../../../renderer/src/stores/model.js';
import { useProjectStore } from '../../../renderer/src/stores/project.js';
import { provideStrataApi } from '../../../renderer/src/stores/strata-api.js';
import { deferred, failedEvaluation, fakeApi, model, okEvaluation, project, settle, type FakeApi } from './fake-api.js';

const CODE = 'const a = 1;\n';

async function openModel(api: FakeApi, code = CODE) {
  provideStrataApi(api);
  const projects = useProjectStore();
  api.handlers['project.open'] = () => project([model('net', code)]);
  api.handlers['project.recent'] = () => [];
  await projects.open('/projects/demo');
  const store = useModelStore();
  await store.open('net');
  return { store, projects };
}

describe('the model store', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('evaluates once typing pauses, not on every keystroke', async () => {
    const api = fakeApi({ 'model.evaluate': () => okEvaluation('dense') });
    const { store } = await openModel(api);
    expect(api.callsTo('model.evaluate')).toHaveLength(1);
    store.type('const a = 12;\n');
    store.type('const a = 123;\n');
    await vi.advanceTimersByTimeAsync(EVALUATE_DELAY_MS - 50);
    expect(api.callsTo('model.evaluate')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(api.callsTo('model.evaluate')).toHaveLength(2);
    expect((api.callsTo('model.evaluate')[1] as ChannelArgs<'model.evaluate'>).code).toBe('const a = 123;\n');
  });

  it('drops a reply to code that was changed since (latest wins)', async () => {
    const replies: Array<ReturnType<typeof deferred<Evaluation>>> = [];
    const api = fakeApi({ 'model.evaluate': () => okEvaluation('first') });
    const { store } = await openModel(api);
    api.handlers['model.evaluate'] = () => {
      const reply = deferred<Evaluation>();
      replies.push(reply);
      return reply.promise;
    };
    store.type('v2');
    await vi.advanceTimersByTimeAsync(EVALUATE_DELAY_MS);
    store.type('v3');
    await vi.advanceTimersByTimeAsync(EVALUATE_DELAY_MS);
    expect(replies).toHaveLength(2);
    replies[1]!.resolve(okEvaluation('newest'));
    await settle();
    replies[0]!.resolve(okEvaluation('stale'));
    await settle();
    expect(store.graph?.nodes.map((n) => n.name)).toEqual(['newest']);
    expect(store.evaluating).toBe(false);
  });

  it('keeps the drawn graph when an edit of the code leaves it as it was', async () => {
    const api = fakeApi({ 'model.evaluate': () => okEvaluation('dense') });
    const { store } = await openModel(api);
    const drawn = store.graph;
    store.type('// a comment\n' + CODE);
    await vi.advanceTimersByTimeAsync(EVALUATE_DELAY_MS);
    await settle();
    expect(api.callsTo('model.evaluate')).toHaveLength(2);
    expect(store.graph).toBe(drawn);
    api.handlers['model.evaluate'] = () => okEvaluation('dense_1');
    store.type(CODE + 'more');
    await vi.advanceTimersByTimeAsync(EVALUATE_DELAY_MS);
    await settle();
    expect(store.graph).not.toBe(drawn);
    expect(store.graph?.nodes.map((n) => n.name)).toEqual(['dense_1']);
  });

  it('keeps the last valid graph while the code has problems, and reports them', async () => {
    const api = fakeApi({ 'model.evaluate': () => okEvaluation('dense_1', 'dense_2') });
    const { store } = await openModel(api);
    api.handlers['model.evaluate'] = () => failedEvaluation('expected (None, 64), received (None, 32)', 3, 'dense_2');
    store.type('broken');
    await vi.advanceTimersByTimeAsync(EVALUATE_DELAY_MS);
    await settle();
    expect(store.graph?.nodes.map((n) => n.name)).toEqual(['dense_1', 'dense_2']);
    expect(store.diagnostics).toMatchObject([{ line: 3, message: 'expected (None, 64), received (None, 32)' }]);
    expect(store.errorMark).toEqual({ layer: 'dense_2', message: 'expected (None, 64), received (None, 32)' });
    expect(store.readOnlyReason).toMatch(/fix the problems/);
  });

  it('applies a graph edit as new code and keeps everything when the host refuses one', async () => {
    const api = fakeApi({
      'model.evaluate': () => okEvaluation('dense_1'),
      'model.edit': ({ edit }) =>
        edit.type === 'addLayer'
          ? { ok: true, code: 'with dense_2', evaluation: okEvaluation('dense_1', 'dense_2') }
          : { ok: false, message: 'Dense expects a 2D input', layerName: 'dense_1' },
    });
    const { store, projects } = await openModel(api);
    expect(await store.edit({ type: 'addLayer', className: 'Dense', options: { units: 32 } })).toBe(true);
    expect(store.code).toBe('with dense_2');
    expect(projects.model('net')?.code).toBe('with dense_2');
    expect(store.graph?.nodes).toHaveLength(2);

    expect(await store.edit({ type: 'deleteLayer', name: 'dense_1' })).toBe(false);
    expect(store.code).toBe('with dense_2');
    expect(store.graph?.nodes).toHaveLength(2);
    expect(store.errorMark).toEqual({ layer: 'dense_1', message: 'Dense expects a 2D input' });
  });

  it('undoes and redoes across typing and graph edits, one step per typing pause', async () => {
    const api = fakeApi({
      'model.evaluate': () => okEvaluation('x'),
      'model.edit': ({ code }) => ({ ok: true, code: `${code}+edit`, evaluation: okEvaluation('x', 'y') }),
    });
    const { store } = await openModel(api, 'a');
    store.type('ab');
    store.type('abc');
    await vi.advanceTimersByTimeAsync(EVALUATE_DELAY_MS);
    await store.edit({ type: 'addLayer', className: 'Dense', options: {} });
    store.type('abc+edit!');
    expect(store.code).toBe('abc+edit!');

    store.undo();
    expect(store.code).toBe('abc+edit');
    store.undo();
    expect(store.code).toBe('abc');
    store.undo();
    expect(store.code).toBe('a');
    expect(store.canUndo).toBe(false);
    store.redo();
    store.redo();
    expect(store.code).toBe('abc+edit');
    expect(store.canRedo).toBe(true);
    await settle();
    expect(api.callsTo('model.evaluate').at(-1)).toMatchObject({ code: 'abc+edit' });
  });

  it('marks the model dirty when the code or the layout changes', async () => {
    const api = fakeApi({ 'model.evaluate': () => okEvaluation('x') });
    const { store, projects } = await openModel(api);
    expect(projects.dirty).toBe(false);
    store.setLayout({ positions: { x: { x: 10, y: 20 } }, expanded: [], rankdir: 'TB' });
    expect(projects.dirtyModels.has('net')).toBe(true);
    expect(store.layout.positions).toEqual({ x: { x: 10, y: 20 } });
  });
});
