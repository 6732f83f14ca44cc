import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import type { ChannelArgs, DatasetInfo, FitCheck } from '../../../shared/ipc/index.js';
import { useDatasetsStore } from '../../../renderer/src/stores/datasets.js';
import { provideStrataApi } from '../../../renderer/src/stores/strata-api.js';
import { deferred, fakeApi, settle } from '../stores/fake-api.js';

const DIR = '/projects/demo';

function info(name: string, extra: Partial<DatasetInfo> = {}): DatasetInfo {
  return {
    name,
    fields: [
      { name: 'image', dtype: 'float32', shape: [784], role: 'feature' },
      { name: 'label', dtype: 'int32', shape: [], role: 'label' },
    ],
    splits: [
      { name: 'train', size: 54_000 },
      { name: 'validation', size: 6000 },
    ],
    classNames: ['0', '1'],
    classCounts: { train: [27_000, 27_000] },
    available: true,
    problem: null,
    ...extra,
  };
}

function host() {
  const api = fakeApi({
    'datasets.builtins': () => [
      { id: 'mnist', title: 'MNIST', description: 'digits', available: true, problem: null },
      { id: 'fashion-mnist', title: 'Fashion-MNIST', description: 'clothes', available: false, problem: 'Install the Debian package fashion-mnist.' },
    ],
    'datasets.list': () => [{ name: 'mnist', source: { kind: 'builtin', id: 'mnist' }, splits: { validation: 0.1, test: 0 }, preprocessing: { scale: 'unit', oneHot: false, shuffleSeed: 1 } }],
    'datasets.info': ({ name }) => info(name),
    'datasets.samples': ({ offset, count }) =>
      Array.from({ length: count }, (_, i) => ({ index: offset + i, label: String(i % 2), image: { height: 28, width: 28, channels: 1, pixels: new Uint8Array(784) }, row: null })),
  });
  provideStrataApi(api);
  return api;
}

describe('the datasets store', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it("lists the built-ins and the project's datasets, and previews one from its first split", async () => {
    const api = host();
    const store = useDatasetsStore();
    await store.open(DIR);
    expect(store.builtins.map((b) => [b.id, b.available])).toEqual([
      ['mnist', true],
      ['fashion-mnist', false],
    ]);
    expect(store.names).toEqual(['mnist']);
    await store.select('mnist');
    expect(store.selectedInfo?.splits[0]?.size).toBe(54_000);
    expect(store.split).toBe('train');
    expect(store.samples).toHaveLength(32);
    expect(api.callsTo('datasets.samples')).toEqual([{ dir: DIR, name: 'mnist', split: 'train', offset: 0, count: 32 }]);
  });

  it('reads no samples of a dataset that is not available', async () => {
    const api = host();
    api.handlers['datasets.info'] = ({ name }) => info(name, { available: false, problem: 'not installed' });
    const store = useDatasetsStore();
    await store.open(DIR);
    await store.select('mnist');
    expect(store.samples).toEqual([]);
    expect(api.callsTo('datasets.samples')).toEqual([]);
  });

  it('keeps the latest fit check when replies arrive out of order', async () => {
    const api = host();
    const store = useDatasetsStore();
    await store.open(DIR);
    await store.select('mnist');
    const first = deferred<FitCheck>();
    const second = deferred<FitCheck>();
    const replies = [first, second];
    api.handlers['datasets.checkFit'] = () => replies.shift()!.promise;
    void store.checkFit('old code', 'models/net.ts');
    void store.checkFit('new code', 'models/net.ts');
    second.resolve({ mapping: { inputs: { input: 'image' }, outputs: { dense: 'label' } }, problems: [] });
    await settle();
    first.resolve({ mapping: { inputs: {}, outputs: {} }, problems: ['input expects (None, 784)'] });
    await settle();
    expect(store.fit?.problems).toEqual([]);
  });

  it("sends the person's field mapping with the next fit check", async () => {
    const api = host();
    api.handlers['datasets.checkFit'] = () => ({ mapping: { inputs: { a: 'image', b: 'image' }, outputs: { out: 'label' } }, problems: [] });
    const store = useDatasetsStore();
    await store.open(DIR);
    await store.select('mnist');
    await store.checkFit('code', 'models/net.ts');
    store.setMapping('inputs', 'b', 'label');
    await store.checkFit('code', 'models/net.ts');
    const sent = api.callsTo('datasets.checkFit')[1] as ChannelArgs<'datasets.checkFit'>;
    expect(sent.mapping).toEqual({ inputs: { a: 'image', b: 'label' }, outputs: { out: 'label' } });
    expect(store.mappingFor('mnist')).toEqual(sent.mapping);
  });

  it('saves a definition and shows it', async () => {
    const api = host();
    api.handlers['datasets.save'] = ({ definition }) => info(definition.name);
    const store = useDatasetsStore();
    await store.open(DIR);
    await store.save({ name: 'digits', source: { kind: 'idx', images: 'x.idx', labels: null }, splits: { validation: 0, test: 0 }, preprocessing: { scale: 'unit', oneHot: false, shuffleSeed: null } });
    expect(store.selectedName).toBe('digits');
    expect(api.callsTo('datasets.list')).toHaveLength(2);
  });
});
