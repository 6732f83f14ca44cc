import { describe, expect, it } from 'vitest';
import { autoLayout } from '../../../renderer/src/graph/auto-layout.js';
import { flattenGraph, plainGraphOf } from '../../../renderer/src/graph/flatten.js';
import { buildScene, FRAME_HEADER, inPort, outPort, translatePath, type Box } from '../../../renderer/src/graph/scene.js';
import type { StudioGraph } from '../../../shared/ipc/index.js';
import { mnistGraph, nestedGraph } from './fixtures.js';

function sceneOf(graph: StudioGraph, expanded: string[] = [], positions = {}, rankdir: 'TB' | 'LR' = 'TB') {
  const flat = flattenGraph(graph, expanded);
  const layout = autoLayout({ graph: plainGraphOf(flat), rankdir });
  return { flat, layout, scene: buildScene(flat, layout, positions) };
}

const inside = (inner: Box, outer: Box) =>
  inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;

describe('buildScene', () => {
  it('places boxes where the layout put them when none was dragged', () => {
    const { layout, scene } = sceneOf(mnistGraph());
    expect(scene.nodes.map((n) => [n.id, n.x, n.y])).toEqual(layout.nodes.map((p) => [p.id, p.x, p.y]));
    expect(scene.edges.map((e) => e.path)).toEqual(layout.edges.map((e) => e.path));
    for (const n of scene.nodes) expect(inside(n, scene.bounds)).toBe(true);
  });

  it('keeps a dragged box where the person put it and re-routes only the edges touching it', () => {
    const { layout, scene } = sceneOf(mnistGraph(), [], { dense_2: { x: 400, y: -50 } });
    const moved = scene.byId.get('dense_2')!;
    expect([moved.x, moved.y]).toEqual([400, -50]);
    expect(scene.byId.get('dense_1')!.y).toBe(layout.nodes[1]!.y);
    const into = scene.edges.find((e) => e.to === 'dense_2')!;
    expect(into.points.at(-1)).toEqual(inPort(moved, 'TB'));
    const out = scene.edges.find((e) => e.from === 'dense_2')!;
    expect(out.points[0]).toEqual(outPort(moved, 'TB'));
    expect(scene.edges.find((e) => e.to === 'dense_1')!.path).toBe(layout.edges[0]!.path);
    expect(inside(moved, scene.bounds)).toBe(true);
    expect(scene.bounds.y).toBeLessThan(-50);
  });

  it('attaches re-routed edges to the sides the flow runs through, left to right too', () => {
    const { scene } = sceneOf(mnistGraph(), [], { dense_2: { x: 10, y: 300 } }, 'LR');
    const moved = scene.byId.get('dense_2')!;
    expect(scene.edges.find((e) => e.to === 'dense_2')!.points.at(-1)).toEqual({ x: moved.x, y: moved.y + moved.height / 2 });
  });

  it('frames an expanded nested model around its layers, below a title bar', () => {
    const { scene } = sceneOf(nestedGraph(), ['encoder']);
    const frame = scene.frames[0]!;
    expect(frame.id).toBe('encoder');
    for (const id of ['encoder/original_img', 'encoder/conv', 'encoder/pool']) expect(inside(scene.byId.get(id)!, frame)).toBe(true);
    expect(scene.byId.get('encoder/original_img')!.y - frame.y).toBeGreaterThanOrEqual(FRAME_HEADER);
    expect(inside(frame, scene.bounds)).toBe(true);
  });

  it('refuses a layout computed for another graph instead of drawing nonsense', () => {
    const { layout } = sceneOf(mnistGraph());
    expect(() => buildScene(flattenGraph(nestedGraph(), []), layout, {})).toThrow(/no box for "encoder"/);
  });

  it('writes the box text as the SVG export places it: name, class and parameters, then the shapes', () => {
    const { scene } = sceneOf(mnistGraph());
    const text = scene.byId.get('dense_1')!.text;
    expect(text.lines.map((l) => [l.kind, l.text])).toEqual([
      ['name', 'dense_1'],
      ['class-name', 'Dense · 50,240 params'],
      ['shape', 'Input shape: (None, 784)'],
      ['shape', 'Output shape: (None, 64)'],
    ]);
    expect(text.divider).toBeGreaterThan(text.lines[1]!.y);
    expect(text.divider).toBeLessThan(text.lines[2]!.y);
  });
});

describe('translatePath', () => {
  it('moves every coordinate pair of the path', () => {
    expect(translatePath('M1,2 C1,5.5 -3,5.5 10.25,9 L4,4', 10, -2)).toBe('M11,0 C11,3.5 7,3.5 20.25,7 L14,2');
    expect(translatePath('M1,2', 0, 0)).toBe('M1,2');
  });
});
