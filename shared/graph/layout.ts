/**
 * Layered ("Sugiyama") layout of a model graph, as Keras' `plot_model` draws it through
 * Graphviz: layers of boxes along the rank axis (top to bottom, or left to right), edges
 * from each layer to the layers it feeds.
 *
 * 1. cycle breaking: a graph drawn from a model with shared layers may loop; the edges that
 *    close a cycle are laid out reversed and drawn back against the flow;
 * 2. layer assignment by longest path from the sources, inputs pulled down next to the
 *    first layer that reads them;
 * 3. edges that span several layers get a chain of point-sized dummy nodes, so that they
 *    pass between boxes instead of through them;
 * 4. crossing reduction: barycentric ordering, sweeping down and up, keeping the order
 *    with the fewest crossings;
 * 5. coordinates: each layer is placed as close as possible (least squares) to the centres
 *    of its neighbours in the layer before, alternately from above and from below, keeping
 *    the order and a minimum gap (pool-adjacent-violators, linear per layer);
 * 6. edges: smooth cubic Bézier paths through the dummy points, ending on the box border.
 *
 * Pure code: no DOM, no Node APIs, so the renderer can lay out and export the same picture.
 */

/** One box: a layer of the model. Shapes are display text, e.g. `(None, 784)`. */
export interface GraphNode {
  id: string;
  /** The layer name. */
  label: string;
  /** The class name (`Dense`, `Functional`…). */
  sublabel?: string;
  inputShape?: string;
  outputShape?: string;
  /** How the box is drawn: inputs and nested models differ from plain layers. */
  kind?: 'input' | 'layer' | 'model';
}

/** Data flowing from the layer `from` into the layer `to`; repeated edges are drawn side by side. */
export interface GraphEdge {
  from: string;
  to: string;
}

export interface PlainGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** `TB`: top to bottom (the default, as Keras); `LR`: left to right. */
export type RankDir = 'TB' | 'LR';

export interface LayoutOptions {
  rankdir?: RankDir;
  /** Show each box's input and output shapes (Keras' `show_shapes`); default false. */
  showShapes?: boolean;
  /** Show each box's layer name above its class name (Keras' `show_layer_names`); default true. */
  showLayerNames?: boolean;
  /** Font size of the box text in px; default 13. */
  fontSize?: number;
  /** Width of a text line in px; the default assumes a monospace font (0.6 em per character). */
  measureText?: (text: string, fontSize: number, bold: boolean) => number;
  /** Space between neighbouring boxes of one layer, in px; default 28. */
  nodeGap?: number;
  /** Space between consecutive layers, in px; default 48 (TB) or 64 (LR). */
  rankGap?: number;
  /** Down-and-up sweeps of crossing reduction; default 6. */
  sweeps?: number;
  /** Blank space around the drawing, in px; default 16. */
  margin?: number;
}

export interface Point {
  x: number;
  y: number;
}

/** What a box shows, line by line; the SVG renderer draws exactly this. */
export interface NodeContent {
  /** Bold first line: the layer name (absent when layer names are hidden). */
  title?: string;
  /** The class name. */
  subtitle?: string;
  /** `Input shape: …` / `Output shape: …` lines, with `showShapes`. */
  shapes?: string[];
}

export interface NodePlacement {
  id: string;
  node: GraphNode;
  /** Top-left corner and size, in px. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** Layer index along the rank axis (0 is the top, or the left with LR). */
  rank: number;
  /** Position within its layer after crossing reduction. */
  order: number;
  content: NodeContent;
}

export interface EdgeRoute {
  /** Index of the edge in `graph.edges`. */
  index: number;
  from: string;
  to: string;
  /** Polyline through the route's anchor points, from the source box border to the target border. */
  points: Point[];
  /** SVG path data: smooth cubic segments through `points` (a loop for a self-edge). */
  path: string;
  /** Drawn against the flow: the edge closes a cycle (a shared layer feeding itself). */
  reversed: boolean;
}

/** Sizes the SVG renderer needs to place text exactly where the layout measured it. */
export interface TextMetrics {
  fontSize: number;
  lineHeight: number;
  paddingX: number;
  paddingY: number;
  /** Extra space between the class name and the shapes block (a divider is drawn there). */
  sectionGap: number;
}

export interface GraphLayout {
  rankdir: RankDir;
  width: number;
  height: number;
  nodes: NodePlacement[];
  edges: EdgeRoute[];
  /** Number of layers along the rank axis. */
  ranks: number;
  /** Edge crossings left after crossing reduction (between adjacent layers). */
  crossings: number;
  metrics: TextMetrics;
}

const MIN_BOX_WIDTH = 96;
const DUMMY_BREADTH = 10;
const DUMMY_WEIGHT = 2;
const PORT_SPACING = 12;
const LOOP_SPACE = 34;

/** Width of a character in em for a monospace font; East Asian wide characters take two cells. */
function charCells(code: number): number {
  if (code < 0x1100) return 1;
  if (
    (code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/** The default text measure: 0.6 em per monospace cell. */
export function monospaceWidth(text: string, fontSize: number): number {
  let cells = 0;
  for (const ch of text) cells += charCells(ch.codePointAt(0)!);
  return cells * fontSize * 0.6;
}

/** The lines a box shows for the given options. */
export function nodeContent(node: GraphNode, options: Pick<LayoutOptions, 'showShapes' | 'showLayerNames'> = {}): NodeContent {
  const showNames = options.showLayerNames ?? true;
  const content: NodeContent = {};
  if (showNames) {
    content.title = node.label;
    if (node.sublabel) content.subtitle = node.sublabel;
  } else {
    // Without names Keras shows the class name alone; fall back to the name if there is none.
    content.title = node.sublabel || node.label;
  }
  if (options.showShapes) {
    content.shapes = [`Input shape: ${node.inputShape ?? '?'}`, `Output shape: ${node.outputShape ?? '?'}`];
  }
  return content;
}

export function textMetrics(fontSize: number): TextMetrics {
  return {
    fontSize,
    lineHeight: Math.round(fontSize * 1.45 * 100) / 100,
    paddingX: Math.round(fontSize * 0.9),
    paddingY: Math.round(fontSize * 0.55),
    sectionGap: Math.round(fontSize * 0.6),
  };
}

/** Size of a box holding `content`. */
function boxSize(
  content: NodeContent,
  metrics: TextMetrics,
  measure: (text: string, fontSize: number, bold: boolean) => number,
): { width: number; height: number } {
  const { fontSize, lineHeight, paddingX, paddingY, sectionGap } = metrics;
  let textWidth = 0;
  let lines = 0;
  if (content.title !== undefined) {
    textWidth = Math.max(textWidth, measure(content.title, fontSize, true));
    lines++;
  }
  if (content.subtitle !== undefined) {
    textWidth = Math.max(textWidth, measure(content.subtitle, fontSize, false));
    lines++;
  }
  let height = 2 * paddingY + lines * lineHeight;
  if (content.shapes && content.shapes.length > 0) {
    for (const s of content.shapes) textWidth = Math.max(textWidth, measure(s, fontSize, false));
    height += sectionGap + content.shapes.length * lineHeight;
  }
  return { width: Math.max(MIN_BOX_WIDTH, Math.ceil(textWidth + 2 * paddingX)), height: Math.ceil(height) };
}

/** A vertex of the layered graph: a real box or a dummy point on a long edge. */
interface Vertex {
  /** Index into `graph.nodes` for real vertices, -1 for dummies. */
  node: number;
  rank: number;
  order: number;
  /** Size across the rank axis (width in TB) and along it (height in TB). */
  breadth: number;
  depth: number;
  /** Extra space kept after the box across the rank axis (room for a self-loop). */
  after: number;
  weight: number;
  /** Centre across the rank axis. */
  center: number;
  up: number[];
  down: number[];
  /** Tie-break for ordering: the graph order of the node, or of the edge's source for dummies. */
  seq: number;
}

/** One edge of the graph after cycle breaking: a chain of vertices from top to bottom. */
interface Chain {
  index: number;
  reversed: boolean;
  /** Vertex indices, first the upper end, then dummies, then the lower end. */
  vertices: number[];
}

function checkGraph(graph: PlainGraph): Map<string, number> {
  if (!graph || !Array.isArray(graph.nodes) || !Array.isArray(graph.edges)) {
    throw new TypeError('layoutGraph() expects { nodes: [...], edges: [...] }.');
  }
  const index = new Map<string, number>();
  graph.nodes.forEach((n, i) => {
    if (typeof n.id !== 'string') throw new TypeError(`Graph node ${i} has no string \`id\`.`);
    if (index.has(n.id)) throw new Error(`Graph node id "${n.id}" appears twice; ids must be unique.`);
    index.set(n.id, i);
  });
  graph.edges.forEach((e, i) => {
    for (const end of [e.from, e.to]) {
      if (!index.has(end)) throw new Error(`Graph edge ${i} (${e.from} -> ${e.to}) refers to the unknown node "${end}".`);
    }
  });
  return index;
}

/**
 * Marks the edges to reverse so that the graph has no cycle: the back edges of a depth-first
 * search started from the nodes in graph order (iterative, so long chains cannot overflow).
 */
function backEdges(n: number, edges: Array<[number, number]>): boolean[] {
  const out: number[][] = Array.from({ length: n }, () => []);
  edges.forEach(([a, b], i) => {
    if (a !== b) out[a]!.push(i);
  });
  const state = new Uint8Array(n); // 0 new, 1 on the stack, 2 done
  const reversed = new Array<boolean>(edges.length).fill(false);
  for (let root = 0; root < n; root++) {
    if (state[root]) continue;
    const stack: Array<[number, number]> = [[root, 0]];
    state[root] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [v, k] = top;
      if (k < out[v]!.length) {
        top[1]++;
        const e = out[v]![k]!;
        const w = edges[e]![1];
        if (state[w] === 1) reversed[e] = true;
        else if (state[w] === 0) {
          state[w] = 1;
          stack.push([w, 0]);
        }
      } else {
        state[v] = 2;
        stack.pop();
      }
    }
  }
  return reversed;
}

/** Longest path from the sources, then sources moved down next to their first consumer. */
function assignRanks(n: number, edges: Array<[number, number]>): number[] {
  const out: number[][] = Array.from({ length: n }, () => []);
  const indegree = new Int32Array(n);
  for (const [a, b] of edges) {
    out[a]!.push(b);
    indegree[b]!++;
  }
  const rank = new Array<number>(n).fill(0);
  const queue: number[] = [];
  for (let v = 0; v < n; v++) if (indegree[v] === 0) queue.push(v);
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head]!;
    for (const w of out[v]!) {
      rank[w] = Math.max(rank[w]!, rank[v]! + 1);
      if (--indegree[w]! === 0) queue.push(w);
    }
  }
  const hasIn = new Uint8Array(n);
  for (const [, b] of edges) hasIn[b] = 1;
  for (let v = 0; v < n; v++) {
    if (hasIn[v] || out[v]!.length === 0) continue;
    let first = Infinity;
    for (const w of out[v]!) first = Math.min(first, rank[w]!);
    rank[v] = first - 1;
  }
  return rank;
}

/** Crossings between two adjacent layers (Barth, Jünger & Mutzel: inversions counted with a Fenwick tree). */
function countCrossingsBetween(upper: number[], vertices: Vertex[], lowerSize: number): number {
  const targets: number[] = [];
  for (const u of upper) {
    const lows = vertices[u]!.down.map((w) => vertices[w]!.order).sort((a, b) => a - b);
    for (const o of lows) targets.push(o);
  }
  const tree = new Int32Array(lowerSize + 1);
  let crossings = 0;
  let seen = 0;
  for (const t of targets) {
    // Edges seen so far that end strictly to the right of t cross this one.
    let notGreater = 0;
    for (let i = t + 1; i > 0; i -= i & -i) notGreater += tree[i]!;
    crossings += seen - notGreater;
    for (let i = t + 1; i <= lowerSize; i += i & -i) tree[i]!++;
    seen++;
  }
  return crossings;
}

function countCrossings(layers: number[][], vertices: Vertex[]): number {
  let total = 0;
  for (let r = 0; r + 1 < layers.length; r++) total += countCrossingsBetween(layers[r]!, vertices, layers[r + 1]!.length);
  return total;
}

/** Sorts one layer by the mean position of each vertex's neighbours in the layer it faces. */
function reorder(layer: number[], vertices: Vertex[], side: 'up' | 'down'): void {
  const key = new Map<number, number>();
  for (const v of layer) {
    const ns = vertices[v]![side];
    if (ns.length === 0) key.set(v, vertices[v]!.order);
    else {
      let sum = 0;
      for (const w of ns) sum += vertices[w]!.order;
      key.set(v, sum / ns.length);
    }
  }
  layer.sort((a, b) => key.get(a)! - key.get(b)! || vertices[a]!.order - vertices[b]!.order);
  layer.forEach((v, i) => (vertices[v]!.order = i));
}

function orderLayers(layers: number[][], vertices: Vertex[], sweeps: number): number {
  // Start from graph order, then a first down sweep places each layer under its parents.
  for (const layer of layers) {
    layer.sort((a, b) => vertices[a]!.seq - vertices[b]!.seq);
    layer.forEach((v, i) => (vertices[v]!.order = i));
  }
  for (let r = 1; r < layers.length; r++) reorder(layers[r]!, vertices, 'up');
  let best = layers.map((l) => [...l]);
  let bestCrossings = countCrossings(layers, vertices);
  for (let s = 0; s < sweeps && bestCrossings > 0; s++) {
    for (let r = layers.length - 2; r >= 0; r--) reorder(layers[r]!, vertices, 'down');
    for (let r = 1; r < layers.length; r++) reorder(layers[r]!, vertices, 'up');
    const c = countCrossings(layers, vertices);
    if (c < bestCrossings) {
      bestCrossings = c;
      best = layers.map((l) => [...l]);
    } else if (c === bestCrossings) {
      best = layers.map((l) => [...l]);
    }
  }
  best.forEach((layer, r) => {
    layers[r] = layer;
    layer.forEach((v, i) => (vertices[v]!.order = i));
  });
  return bestCrossings;
}

/**
 * Places one layer's centres as close as possible (weighted least squares) to `target`,
 * keeping their order and the gaps: pool-adjacent-violators on centres shifted by the
 * cumulative minimum separation.
 */
function placeLayer(layer: number[], vertices: Vertex[], target: number[], gap: number): void {
  const offsets: number[] = [];
  let offset = 0;
  layer.forEach((v, i) => {
    if (i > 0) {
      const prev = vertices[layer[i - 1]!]!;
      const cur = vertices[v]!;
      const sep = (prev.node < 0 && cur.node < 0 ? DUMMY_BREADTH : gap);
      offset += prev.breadth / 2 + prev.after + sep + cur.breadth / 2;
    }
    offsets.push(offset);
  });
  // Blocks of pooled values: weighted sum, weight, number of members.
  const sums: number[] = [];
  const weights: number[] = [];
  const counts: number[] = [];
  layer.forEach((v, i) => {
    const w = vertices[v]!.weight;
    sums.push(w * (target[i]! - offsets[i]!));
    weights.push(w);
    counts.push(1);
    while (sums.length > 1) {
      const k = sums.length - 1;
      if (sums[k - 1]! / weights[k - 1]! <= sums[k]! / weights[k]!) break;
      sums[k - 1]! += sums[k]!;
      weights[k - 1]! += weights[k]!;
      counts[k - 1]! += counts[k]!;
      sums.pop();
      weights.pop();
      counts.pop();
    }
  });
  let i = 0;
  sums.forEach((sum, b) => {
    const value = sum / weights[b]!;
    for (let c = 0; c < counts[b]!; c++, i++) vertices[layer[i]!]!.center = value + offsets[i]!;
  });
}

function assignCenters(layers: number[][], vertices: Vertex[], gap: number, passes: number): void {
  // Start packed to the left, each layer centred on 0.
  for (const layer of layers) {
    placeLayer(layer, vertices, layer.map(() => 0), gap);
  }
  const pass = (r: number, side: 'up' | 'down') => {
    const layer = layers[r]!;
    const target = layer.map((v) => {
      const ns = vertices[v]![side];
      if (ns.length === 0) return vertices[v]!.center;
      let sum = 0;
      for (const w of ns) sum += vertices[w]!.center;
      return sum / ns.length;
    });
    placeLayer(layer, vertices, target, gap);
  };
  for (let p = 0; p < passes; p++) {
    for (let r = 1; r < layers.length; r++) pass(r, 'up');
    for (let r = layers.length - 2; r >= 0; r--) pass(r, 'down');
  }
  // A last pass from above keeps chains hanging straight under their inputs.
  for (let r = 1; r < layers.length; r++) pass(r, 'up');
}

const round = (v: number) => Math.round(v * 100) / 100;

/** SVG path data through `points`: straight along the rank axis, cubic curves between layers. */
export function smoothPath(points: Point[], rankdir: RankDir): string {
  if (points.length === 0) return '';
  const p0 = points[0]!;
  let d = `M${round(p0.x)},${round(p0.y)}`;
  for (let i = 1; i < points.length; i++) {
    const p = points[i - 1]!;
    const q = points[i]!;
    if ((rankdir === 'TB' && p.x === q.x) || (rankdir === 'LR' && p.y === q.y)) {
      d += ` L${round(q.x)},${round(q.y)}`;
    } else if (rankdir === 'TB') {
      const my = (p.y + q.y) / 2;
      d += ` C${round(p.x)},${round(my)} ${round(q.x)},${round(my)} ${round(q.x)},${round(q.y)}`;
    } else {
      const mx = (p.x + q.x) / 2;
      d += ` C${round(mx)},${round(p.y)} ${round(mx)},${round(q.y)} ${round(q.x)},${round(q.y)}`;
    }
  }
  return d;
}

/** Lays out `graph`; positions are in px with the origin at the top left of the drawing. */
export function layoutGraph(graph: PlainGraph, options: LayoutOptions = {}): GraphLayout {
  const index = checkGraph(graph);
  const rankdir: RankDir = options.rankdir ?? 'TB';
  if (rankdir !== 'TB' && rankdir !== 'LR') throw new Error(`rankdir must be "TB" or "LR"; received ${JSON.stringify(rankdir)}.`);
  const fontSize = options.fontSize ?? 13;
  const metrics = textMetrics(fontSize);
  const measure = options.measureText ?? ((t: string, f: number) => monospaceWidth(t, f));
  const gap = options.nodeGap ?? 28;
  const rankGap = options.rankGap ?? (rankdir === 'TB' ? 48 : 64);
  const margin = options.margin ?? 16;
  const tb = rankdir === 'TB';

  const n = graph.nodes.length;
  const edges = graph.edges.map((e): [number, number] => [index.get(e.from)!, index.get(e.to)!]);
  const reversed = backEdges(n, edges);
  const oriented = edges.map(([a, b], i): [number, number] => (reversed[i] ? [b, a] : [a, b]));
  const proper = oriented.filter(([a, b]) => a !== b);
  const ranks = assignRanks(n, proper);

  const selfLoops = new Set<number>();
  edges.forEach(([a, b]) => a === b && selfLoops.add(a));

  const contents = graph.nodes.map((node) => nodeContent(node, options));
  const vertices: Vertex[] = graph.nodes.map((_, i) => {
    const size = boxSize(contents[i]!, metrics, measure);
    return {
      node: i,
      rank: ranks[i]!,
      order: 0,
      breadth: tb ? size.width : size.height,
      depth: tb ? size.height : size.width,
      after: selfLoops.has(i) ? LOOP_SPACE : 0,
      weight: 1,
      center: 0,
      up: [],
      down: [],
      seq: i,
    };
  });

  const chains: Chain[] = [];
  oriented.forEach(([a, b], i) => {
    if (a === b) return;
    const chain: Chain = { index: i, reversed: reversed[i]!, vertices: [a] };
    let prev = a;
    for (let r = vertices[a]!.rank + 1; r <= vertices[b]!.rank; r++) {
      let v = b;
      if (r < vertices[b]!.rank) {
        v = vertices.length;
        vertices.push({
          node: -1, rank: r, order: 0, breadth: DUMMY_BREADTH, depth: 0, after: 0,
          weight: DUMMY_WEIGHT, center: 0, up: [], down: [], seq: a + 0.5,
        });
      }
      vertices[prev]!.down.push(v);
      vertices[v]!.up.push(prev);
      chain.vertices.push(v);
      prev = v;
    }
    chains.push(chain);
  });

  let rankCount = 0;
  for (const v of vertices) rankCount = Math.max(rankCount, v.rank + 1);
  const layers: number[][] = Array.from({ length: rankCount }, () => []);
  vertices.forEach((v, i) => layers[v.rank]!.push(i));

  const crossings = orderLayers(layers, vertices, options.sweeps ?? 6);
  assignCenters(layers, vertices, gap, 4);

  // Rank axis: each layer is a band as deep as its deepest box; boxes are centred in it.
  const bandStart: number[] = [];
  const bandDepth: number[] = [];
  let cursor = 0;
  for (const layer of layers) {
    let depth = 0;
    for (const v of layer) depth = Math.max(depth, vertices[v]!.depth);
    bandStart.push(cursor);
    bandDepth.push(depth);
    cursor += depth + rankGap;
  }
  const nearSide = (v: Vertex) => bandStart[v.rank]! + (bandDepth[v.rank]! - v.depth) / 2;
  const farSide = (v: Vertex) => nearSide(v) + v.depth;

  // Ports: edges leaving (entering) a box are spread along its far (near) side in the order of
  // where they go (come from), so that they do not cross at the box.
  const downPort = new Map<string, number>();
  const upPort = new Map<string, number>();
  const spread = (v: number, ends: Array<[string, number]>, into: Map<string, number>) => {
    const vx = vertices[v]!;
    ends.sort((a, b) => a[1] - b[1]);
    const span = Math.min(vx.breadth * 0.6, (ends.length - 1) * PORT_SPACING);
    ends.forEach(([key], i) => into.set(key, vx.center + (ends.length === 1 ? 0 : -span / 2 + (span * i) / (ends.length - 1))));
  };
  const leaving = new Map<number, Array<[string, number]>>();
  const entering = new Map<number, Array<[string, number]>>();
  chains.forEach((c, k) => {
    const first = c.vertices[0]!;
    const second = c.vertices[1]!;
    const last = c.vertices[c.vertices.length - 1]!;
    const beforeLast = c.vertices[c.vertices.length - 2]!;
    // Ties (parallel edges) keep edge order; the small offset keeps the sort stable.
    if (!leaving.has(first)) leaving.set(first, []);
    leaving.get(first)!.push([`${k}`, vertices[second]!.center + k * 1e-6]);
    if (!entering.has(last)) entering.set(last, []);
    entering.get(last)!.push([`${k}`, vertices[beforeLast]!.center + k * 1e-6]);
  });
  leaving.forEach((ends, v) => spread(v, ends, downPort));
  entering.forEach((ends, v) => spread(v, ends, upPort));

  // Abstract (across, along) coordinates to the page.
  const toPoint = (across: number, along: number): Point => (tb ? { x: across, y: along } : { x: along, y: across });

  const routes: EdgeRoute[] = [];
  chains.forEach((c, k) => {
    const pts: Point[] = [];
    const first = vertices[c.vertices[0]!]!;
    pts.push(toPoint(downPort.get(`${k}`)!, farSide(first)));
    for (const d of c.vertices.slice(1, -1)) {
      const dv = vertices[d]!;
      pts.push(toPoint(dv.center, bandStart[dv.rank]!));
      pts.push(toPoint(dv.center, bandStart[dv.rank]! + bandDepth[dv.rank]!));
    }
    const last = vertices[c.vertices[c.vertices.length - 1]!]!;
    pts.push(toPoint(upPort.get(`${k}`)!, nearSide(last)));
    if (c.reversed) pts.reverse();
    const e = graph.edges[c.index]!;
    routes.push({ index: c.index, from: e.from, to: e.to, points: pts, path: '', reversed: c.reversed });
  });

  // Boxes, and their self-loops on the far side across the rank axis.
  const placements: NodePlacement[] = graph.nodes.map((node, i) => {
    const v = vertices[i]!;
    const across = v.center - v.breadth / 2;
    const along = nearSide(v);
    const width = tb ? v.breadth : v.depth;
    const height = tb ? v.depth : v.breadth;
    return {
      id: node.id, node, x: tb ? across : along, y: tb ? along : across, width, height,
      rank: v.rank, order: v.order, content: contents[i]!,
    };
  });
  edges.forEach(([a, b], i) => {
    if (a !== b) return;
    const p = placements[a]!;
    const e = graph.edges[i]!;
    const pts: Point[] = tb
      ? [
          { x: p.x + p.width, y: p.y + p.height * 0.7 },
          { x: p.x + p.width + LOOP_SPACE * 0.8, y: p.y + p.height * 0.5 },
          { x: p.x + p.width, y: p.y + p.height * 0.3 },
        ]
      : [
          { x: p.x + p.width * 0.7, y: p.y + p.height },
          { x: p.x + p.width * 0.5, y: p.y + p.height + LOOP_SPACE * 0.8 },
          { x: p.x + p.width * 0.3, y: p.y + p.height },
        ];
    routes.push({ index: i, from: e.from, to: e.to, points: pts, path: '', reversed: false });
  });
  routes.sort((a, b) => a.index - b.index);

  // Shift everything so that the drawing starts at the margin.
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  const grow = (x: number, y: number) => {
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  };
  for (const p of placements) {
    grow(p.x, p.y);
    grow(p.x + p.width, p.y + p.height);
  }
  for (const r of routes) for (const q of r.points) grow(q.x, q.y);
  if (!Number.isFinite(minX)) {
    minX = minY = 0;
    maxX = maxY = 0;
  }
  const dx = margin - minX;
  const dy = margin - minY;
  for (const p of placements) {
    p.x = round(p.x + dx);
    p.y = round(p.y + dy);
  }
  for (const r of routes) {
    r.points = r.points.map((q) => ({ x: round(q.x + dx), y: round(q.y + dy) }));
    r.path = r.from === r.to ? loopPath(r.points, rankdir) : smoothPath(r.points, rankdir);
  }

  return {
    rankdir,
    width: Math.ceil(maxX - minX + 2 * margin),
    height: Math.ceil(maxY - minY + 2 * margin),
    nodes: placements,
    edges: routes,
    ranks: rankCount,
    crossings,
    metrics,
  };
}

/** A self-loop through three points: out of the box, around the bulge point, back in. */
function loopPath(points: Point[], rankdir: RankDir): string {
  const [a, m, b] = points as [Point, Point, Point];
  if (rankdir === 'TB') {
    return `M${round(a.x)},${round(a.y)} C${round(m.x)},${round(a.y + 4)} ${round(m.x)},${round(b.y - 4)} ${round(b.x)},${round(b.y)}`;
  }
  return `M${round(a.x)},${round(a.y)} C${round(a.x + 4)},${round(m.y)} ${round(b.x - 4)},${round(m.y)} ${round(b.x)},${round(b.y)}`;
}
