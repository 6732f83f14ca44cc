import { describe, expect, it } from 'vitest';
import { layoutGraph, type GraphLayout, type NodePlacement, type PlainGraph, type RankDir } from '../../../shared/graph/index.js';

/** A small deterministic generator, so that a failure can be reproduced. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function node(id: string, extra: Partial<PlainGraph['nodes'][number]> = {}) {
  return { id, label: id, sublabel: 'Dense', inputShape: '(None, 64)', outputShape: '(None, 64)', ...extra };
}

function chain(n: number, prefix = 'c'): PlainGraph {
  const nodes = Array.from({ length: n }, (_, i) => node(`${prefix}${i}`));
  const edges = nodes.slice(1).map((v, i) => ({ from: nodes[i]!.id, to: v.id }));
  return { nodes, edges };
}

/** A random DAG: each node reads one to three earlier nodes, mostly near ones (as skip connections do). */
function randomDag(n: number, seed: number, prefix = 'r'): PlainGraph {
  const random = rng(seed);
  const nodes = Array.from({ length: n }, (_, i) => node(`${prefix}${i}`, { label: `${prefix}_layer_${i}`.slice(0, 4 + Math.floor(random() * 14)) }));
  const edges: PlainGraph['edges'] = [];
  for (let i = 1; i < n; i++) {
    const k = 1 + Math.floor(random() * 3);
    for (let j = 0; j < k; j++) {
      const back = random() < 0.85 ? 1 + Math.floor(random() * 4) : 1 + Math.floor(random() * i);
      edges.push({ from: nodes[Math.max(0, i - back)]!.id, to: nodes[i]!.id });
    }
  }
  return { nodes, edges };
}

function overlaps(a: NodePlacement, b: NodePlacement): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function expectNoOverlap(layout: GraphLayout): void {
  const sorted = [...layout.nodes].sort((a, b) => a.x - b.x);
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length && sorted[j]!.x < sorted[i]!.x + sorted[i]!.width; j++) {
      if (overlaps(sorted[i]!, sorted[j]!)) throw new Error(`boxes "${sorted[i]!.id}" and "${sorted[j]!.id}" overlap`);
    }
  }
}

function expectInside(layout: GraphLayout): void {
  for (const p of layout.nodes) {
    expect(p.x).toBeGreaterThanOrEqual(0);
    expect(p.y).toBeGreaterThanOrEqual(0);
    expect(p.x + p.width).toBeLessThanOrEqual(layout.width);
    expect(p.y + p.height).toBeLessThanOrEqual(layout.height);
  }
}

function expectForwardEdges(graph: PlainGraph, layout: GraphLayout): void {
  const byId = new Map(layout.nodes.map((p) => [p.id, p]));
  for (const e of graph.edges) {
    const from = byId.get(e.from)!;
    const to = byId.get(e.to)!;
    expect(from.rank, `${e.from} -> ${e.to}`).toBeLessThan(to.rank);
    // Geometrically too: the target box lies entirely below (TB) the source box.
    expect(to.y).toBeGreaterThanOrEqual(from.y + from.height);
  }
}

const residual: PlainGraph = {
  nodes: [
    node('input', { sublabel: 'InputLayer', kind: 'input' }),
    node('dense'),
    node('dense_1'),
    node('dense_2'),
    node('add', { sublabel: 'Add' }),
    node('aux', { sublabel: 'InputLayer', kind: 'input' }),
    node('concat', { sublabel: 'Concatenate' }),
    node('out'),
  ],
  edges: [
    { from: 'input', to: 'dense' },
    { from: 'dense', to: 'dense_1' },
    { from: 'dense_1', to: 'dense_2' },
    { from: 'dense_2', to: 'add' },
    { from: 'dense', to: 'add' },
    { from: 'add', to: 'concat' },
    { from: 'aux', to: 'concat' },
    { from: 'concat', to: 'out' },
  ],
};

describe('layoutGraph', () => {
  it('puts a chain in one column, one layer per box, edges straight down', () => {
    const g = chain(5);
    const layout = layoutGraph(g);
    expect(layout.nodes.map((p) => p.rank)).toEqual([0, 1, 2, 3, 4]);
    const centres = new Set(layout.nodes.map((p) => p.x + p.width / 2));
    expect(centres.size).toBe(1);
    expect(layout.edges).toHaveLength(4);
    for (const e of layout.edges) {
      expect(e.path).toMatch(/^M[\d.]+,[\d.]+ L[\d.]+,[\d.]+$/);
      expect(e.reversed).toBe(false);
    }
    expect(layout.crossings).toBe(0);
  });

  it('lays out a residual block with skip and a second input: no overlap, every edge downwards', () => {
    for (const showShapes of [false, true]) {
      const layout = layoutGraph(residual, { showShapes });
      expectNoOverlap(layout);
      expectInside(layout);
      expectForwardEdges(residual, layout);
      expect(layout.crossings).toBe(0);
      const rank = Object.fromEntries(layout.nodes.map((p) => [p.id, p.rank]));
      // The second input is pulled down next to the layer that reads it.
      expect(rank.aux).toBe(rank.concat! - 1);
      // The skip edge spans two layers and passes between boxes through a dummy point.
      const skip = layout.edges.find((e) => e.from === 'dense' && e.to === 'add')!;
      expect(skip.points.length).toBeGreaterThan(2);
    }
  });

  it('starts and ends each edge on the border of its boxes, with a smooth path', () => {
    const layout = layoutGraph(residual);
    const byId = new Map(layout.nodes.map((p) => [p.id, p]));
    for (const e of layout.edges) {
      const from = byId.get(e.from)!;
      const to = byId.get(e.to)!;
      const first = e.points[0]!;
      const last = e.points[e.points.length - 1]!;
      expect(first.y).toBeCloseTo(from.y + from.height, 1);
      expect(first.x).toBeGreaterThanOrEqual(from.x);
      expect(first.x).toBeLessThanOrEqual(from.x + from.width);
      expect(last.y).toBeCloseTo(to.y, 1);
      expect(last.x).toBeGreaterThanOrEqual(to.x);
      expect(last.x).toBeLessThanOrEqual(to.x + to.width);
      expect(e.path.startsWith('M')).toBe(true);
    }
    expect(layout.edges.some((e) => e.path.includes(' C'))).toBe(true);
  });

  it('turns the picture with rankdir LR: edges go left to right', () => {
    const layout = layoutGraph(residual, { rankdir: 'LR', showShapes: true });
    expectNoOverlap(layout);
    expectInside(layout);
    const byId = new Map(layout.nodes.map((p) => [p.id, p]));
    for (const e of residual.edges) {
      const from = byId.get(e.from)!;
      const to = byId.get(e.to)!;
      expect(to.x).toBeGreaterThanOrEqual(from.x + from.width);
    }
  });

  it('sizes boxes to their text, and drops names when asked', () => {
    const wide = { nodes: [node('a', { label: 'a_very_long_layer_name_indeed_it_is' }), node('b')], edges: [] };
    const layout = layoutGraph(wide);
    expect(layout.nodes[0]!.width).toBeGreaterThan(layout.nodes[1]!.width);
    expect(layout.nodes[0]!.content).toEqual({ title: 'a_very_long_layer_name_indeed_it_is', subtitle: 'Dense' });
    expect(layoutGraph(wide, { showLayerNames: false }).nodes[0]!.content).toEqual({ title: 'Dense' });
    const shapes = layoutGraph(wide, { showShapes: true });
    expect(shapes.nodes[1]!.content.shapes).toEqual(['Input shape: (None, 64)', 'Output shape: (None, 64)']);
    expect(shapes.nodes[1]!.height).toBeGreaterThan(layout.nodes[1]!.height);
    expectNoOverlap(layout);
  });

  it('draws repeated edges side by side, and a cycle (a shared layer feeding itself) without failing', () => {
    const g: PlainGraph = {
      nodes: [node('x'), node('shared'), node('y'), node('z')],
      edges: [
        { from: 'x', to: 'shared' },
        { from: 'shared', to: 'shared' },
        { from: 'shared', to: 'y' },
        { from: 'shared', to: 'y' },
        { from: 'y', to: 'z' },
        { from: 'z', to: 'x' },
      ],
    };
    const layout = layoutGraph(g);
    expectNoOverlap(layout);
    expect(layout.edges).toHaveLength(6);
    const parallel = layout.edges.filter((e) => e.from === 'shared' && e.to === 'y');
    expect(parallel[0]!.points[0]!.x).not.toBe(parallel[1]!.points[0]!.x);
    expect(layout.edges.filter((e) => e.reversed)).toHaveLength(1);
    const loop = layout.edges.find((e) => e.from === 'shared' && e.to === 'shared')!;
    expect(loop.path).toMatch(/^M[\d.]+,[\d.]+ C/);
  });

  it('rejects duplicate ids and edges to unknown nodes', () => {
    expect(() => layoutGraph({ nodes: [node('a'), node('a')], edges: [] })).toThrow(/appears twice/);
    expect(() => layoutGraph({ nodes: [node('a')], edges: [{ from: 'a', to: 'b' }] })).toThrow(/unknown node "b"/);
    expect(() => layoutGraph(residual, { rankdir: 'BT' as RankDir })).toThrow(/TB/);
  });

  it('lays out an empty graph', () => {
    const layout = layoutGraph({ nodes: [], edges: [] });
    expect(layout.nodes).toEqual([]);
    expect(layout.width).toBeGreaterThan(0);
  });

  it('lays out a 500-node chain plus a 500-node random DAG quickly, with no overlap and edges downwards', () => {
    const a = chain(500, 'c');
    const b = randomDag(500, 42, 'r');
    const g: PlainGraph = { nodes: [...a.nodes, ...b.nodes], edges: [...a.edges, ...b.edges] };
    layoutGraph(chain(20)); // warm up the JIT so the timing is of the layout, not of compiling it
    const start = performance.now();
    const layout = layoutGraph(g, { showShapes: true });
    const millis = performance.now() - start;
    const chainOnly = performance.now();
    layoutGraph(a);
    const chainMillis = performance.now() - chainOnly;
    console.log(
      `layout: 500-node chain ${chainMillis.toFixed(1)} ms; chain + 500-node random DAG (${g.nodes.length} nodes, ${g.edges.length} edges, ${layout.ranks} layers, ${layout.crossings} crossings) ${millis.toFixed(1)} ms`,
    );
    expect(layout.nodes).toHaveLength(1000);
    expect(layout.edges).toHaveLength(g.edges.length);
    expectNoOverlap(layout);
    expectInside(layout);
    expectForwardEdges(g, layout);
  });

  it('keeps every edge downwards and boxes apart on many random DAGs', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const g = randomDag(5 + (seed % 25), seed);
      for (const rankdir of ['TB', 'LR'] as const) {
        const layout = layoutGraph(g, { rankdir, showShapes: seed % 2 === 0 });
        expectNoOverlap(layout);
        expectInside(layout);
        if (rankdir === 'TB') expectForwardEdges(g, layout);
      }
    }
  });
});
