import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import type { ChannelArgs } from '../../../shared/ipc/index.js';
import { RECOVERY_DELAY_MS, useProjectStore } from '../../../renderer/src/stores/project.js';
import { provideStrataApi } from '../../../renderer/src/stores/strata-api.js';
import { fakeApi, model, project } from './fake-api.js';

function host() {
  const api = fakeApi({
    'project.open': () => project([model('net', 'v1'), model('head', 'h1')]),
    'project.recent': () => [{ dir: '/projects/demo', name: 'Demo', openedAt: '2026-01-01T00:00:00Z' }],
    'project.save': () => ({ savedAt: '2026-01-02T00:00:00Z' }),
    'project.writeRecovery': () => ({ savedAt: '2026-01-02T00:00:00Z' }),
    'project.discardRecovery': () => ({}),
  });
  provideStrataApi(api);
  return api;
}

describe('the project store', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('opens a project clean, with its default model active and the recent list refreshed', async () => {
    const api = host();
    const store = useProjectStore();
    await store.open('/projects/demo');
    await vi.advanceTimersByTimeAsync(0);
    expect(store.name).toBe('Demo');
    expect(store.activeModel).toBe('net');
    expect(store.dirty).toBe(false);
    expect(store.recent.map((r) => r.name)).toEqual(['Demo']);
    expect(api.callsTo('project.open')).toEqual([{ dir: '/projects/demo' }]);
  });

  it('is dirty per model after an edit, and clean after saving every model', async () => {
    const api = host();
    const store = useProjectStore();
    await store.open('/projects/demo');
    store.setModelCode('head', 'h2');
    expect([...store.dirtyModels]).toEqual(['head']);
    expect(store.dirty).toBe(true);
    await store.save();
    expect(store.dirty).toBe(false);
    const saved = api.callsTo('project.save')[0] as ChannelArgs<'project.save'>;
    expect(saved.models.map((m) => [m.name, m.code])).toEqual([
      ['net', 'v1'],
      ['head', 'h2'],
    ]);
    expect(saved.manifest.models).toEqual(['net', 'head']);
  });

  it('copies unsaved edits to the recovery file once editing pauses, and not after saving', async () => {
    const api = host();
    const store = useProjectStore();
    await store.open('/projects/demo');
    store.setModelCode('net', 'v2');
    await vi.advanceTimersByTimeAsync(RECOVERY_DELAY_MS / 2);
    store.setModelCode('net', 'v3');
    await vi.advanceTimersByTimeAsync(RECOVERY_DELAY_MS / 2);
    expect(api.callsTo('project.writeRecovery')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(RECOVERY_DELAY_MS);
    const written = api.callsTo('project.writeRecovery') as ChannelArgs<'project.writeRecovery'>[];
    expect(written).toHaveLength(1);
    expect(written[0]!.models.find((m) => m.name === 'net')?.code).toBe('v3');

    store.setModelCode('net', 'v4');
    await store.save();
    await vi.advanceTimersByTimeAsync(RECOVERY_DELAY_MS * 2);
    expect(api.callsTo('project.writeRecovery')).toHaveLength(1);
  });

  it('offers unsaved changes found in the recovery file, and restores or discards them', async () => {
    const api = host();
    api.handlers['project.open'] = () =>
      project([model('net', 'v1')], { recovery: { savedAt: '2026-01-03T00:00:00Z', models: [model('net', 'unsaved')] } });
    const store = useProjectStore();
    await store.open('/projects/demo');
    expect(store.recoveryOffer?.savedAt).toBe('2026-01-03T00:00:00Z');
    const revision = store.revision;
    store.restoreRecovery();
    expect(store.model('net')?.code).toBe('unsaved');
    expect(store.dirty).toBe(true);
    expect(store.recoveryOffer).toBeNull();
    expect(store.revision).toBe(revision + 1);

    await store.open('/projects/demo');
    await store.discardRecovery();
    expect(store.model('net')?.code).toBe('v1');
    expect(store.recoveryOffer).toBeNull();
    expect(api.callsTo('project.discardRecovery')).toEqual([{ dir: '/projects/demo' }]);
  });

  it('saves as another folder and continues there, clean', async () => {
    const api = host();
    api.handlers['project.saveAs'] = ({ dir, manifest, models }) => ({ dir, manifest, models, missing: [], recovery: null });
    const store = useProjectStore();
    await store.open('/projects/demo');
    store.setActiveModel('head');
    store.setModelCode('head', 'h9');
    await store.saveAs('/projects/copy');
    expect(store.project?.dir).toBe('/projects/copy');
    expect(store.activeModel).toBe('head');
    expect(store.dirty).toBe(false);
    expect(api.callsTo('project.saveAs')[0]).toMatchObject({ dir: '/projects/copy', from: '/projects/demo' });
  });

  it('closes without writing anything', async () => {
    const api = host();
    const store = useProjectStore();
    await store.open('/projects/demo');
    store.setModelCode('net', 'v2');
    store.close();
    await vi.advanceTimersByTimeAsync(RECOVERY_DELAY_MS * 2);
    expect(store.project).toBeNull();
    expect(store.dirty).toBe(false);
    expect(api.callsTo('project.writeRecovery')).toHaveLength(0);
  });
});
