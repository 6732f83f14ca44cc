import { describe, expect, it } from 'vitest';
import { autoLayout } from '../../../renderer/src/graph/auto-layout.js';
import { flattenGraph, plainGraphOf } from '../../../renderer/src/graph/flatten.js';
import { createLayoutRunner } from '../../../renderer/src/graph/layout-runner.js';
import { buildScene } from '../../../renderer/src/graph/scene.js';
import { longGraph, mnistGraph } from './fixtures.js';

describe('layout runner', () => {
  it('lays out inline where there is no worker, as the worker would', async () => {
    const runner = createLayoutRunner();
    const request = { graph: plainGraphOf(flattenGraph(mnistGraph(), [])), rankdir: 'TB' as const };
    expect(await runner.run(request)).toEqual(autoLayout(request));
    runner.dispose();
  });

  it('turns a graph the layout cannot draw into a rejection with the reason', async () => {
    const runner = createLayoutRunner();
    const graph = { nodes: [{ id: 'a', label: 'a' }], edges: [{ from: 'a', to: 'ghost' }] };
    await expect(runner.run({ graph, rankdir: 'TB' })).rejects.toThrow(/unknown node "ghost"/);
  });

  // How fast this is, bench/studio.ts measures in Chromium; here, that every box is placed.
  it('flattens, lays out and places a 500-layer model, a dragged box where it was put', () => {
    const flat = flattenGraph(longGraph(500), []);
    const scene = buildScene(flat, autoLayout({ graph: plainGraphOf(flat), rankdir: 'TB' }), { dense_250: { x: 900, y: 40 } });
    expect(scene.nodes).toHaveLength(501);
    expect(scene.byId.get('dense_250')).toMatchObject({ x: 900, y: 40 });
  });
});
