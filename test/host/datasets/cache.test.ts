import { describe, expect, it } from 'vitest';
import { DatasetCache } from '../../../electron/host/datasets/cache.js';

const sized = (bytes: number) => ({ bytes });

describe('DatasetCache', () => {
  it('loads a key once, also when asked twice while it loads', async () => {
    const cache = new DatasetCache(100);
    let loads = 0;
    const load = async () => {
      loads++;
      return sized(10);
    };
    const [a, b] = await Promise.all([cache.get('k', load), cache.get('k', load)]);
    expect(a).toBe(b);
    await cache.get('k', load);
    expect(loads).toBe(1);
  });

  it('drops the least recently used entries past its byte budget', async () => {
    const cache = new DatasetCache(100);
    let loads = 0;
    const load = (bytes: number) => async () => {
      loads++;
      return sized(bytes);
    };
    await cache.get('a', load(40));
    await cache.get('b', load(40));
    await cache.get('a', load(40)); // a is now the most recent
    await cache.get('c', load(40)); // over budget: b goes
    expect(cache.bytes).toBe(80);
    expect(loads).toBe(3);
    await cache.get('a', load(40));
    expect(loads).toBe(3);
    await cache.get('b', load(40));
    expect(loads).toBe(4);
  });

  it('does not keep a failed load or one larger than the budget', async () => {
    const cache = new DatasetCache(100);
    await expect(cache.get('bad', async () => Promise.reject(new Error('no such file')))).rejects.toThrow('no such file');
    expect((await cache.get('bad', async () => sized(1))).bytes).toBe(1);
    await cache.get('huge', async () => sized(1000));
    expect(cache.bytes).toBe(1);
  });
});
